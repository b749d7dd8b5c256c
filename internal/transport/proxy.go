package transport

import (
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"
)

// ErrInvalidProxy is matched by the error ProxyFromEnvironment returns when
// a proxy variable is set but does not parse as a proxy URL.
var ErrInvalidProxy = errors.New("invalid proxy")

// proxySchemes are the proxy schemes net/http's transport speaks.
var proxySchemes = map[string]bool{"http": true, "https": true, "socks5": true, "socks5h": true}

// EnvProxy is the proxy configuration read from the environment by the
// rules of net/http's ProxyFromEnvironment: HTTPS_PROXY (or https_proxy)
// for https requests, HTTP_PROXY (or http_proxy) for http requests except
// under CGI (REQUEST_METHOD set), NO_PROXY (or no_proxy) for the hosts that
// go direct, and never a proxy for localhost or a loopback address.
// ALL_PROXY is not read, as net/http does not read it.
//
// Unlike net/http, which reads the environment once per process and
// silently ignores a proxy variable that does not parse (so requests go
// direct, past the fixed egress a deployment relies on), it is read when
// built and a bad variable is an error. It is immutable and safe for
// concurrent use; the zero EnvProxy sends everything direct.
type EnvProxy struct {
	httpsVar, httpVar string // the variable each proxy came from
	https, http       *url.URL
	cgi               bool
	noProxy           noProxy
}

// ProxyFromEnvironment reads the proxy variables now. It fails, with an
// error matching ErrInvalidProxy that names the variable but never repeats
// its value (it may hold credentials), when HTTPS_PROXY or HTTP_PROXY is
// set but is not a URL with a host and a scheme among http, https, socks5
// and socks5h. A value without a scheme, such as "proxy.internal:3128", is
// read as http://proxy.internal:3128, as net/http reads it.
func ProxyFromEnvironment() (*EnvProxy, error) {
	p := &EnvProxy{cgi: os.Getenv("REQUEST_METHOD") != ""}
	var err error
	if p.httpsVar, p.https, err = proxyVar("HTTPS_PROXY", "https_proxy"); err != nil {
		return nil, err
	}
	if p.httpVar, p.http, err = proxyVar("HTTP_PROXY", "http_proxy"); err != nil {
		return nil, err
	}
	_, no := getEnvAny("NO_PROXY", "no_proxy")
	p.noProxy = parseNoProxy(no)
	return p, nil
}

// getEnvAny returns the first of names set to a non-empty value, as
// net/http looks them up.
func getEnvAny(names ...string) (name, value string) {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return n, v
		}
	}
	return "", ""
}

func proxyVar(names ...string) (string, *url.URL, error) {
	name, v := getEnvAny(names...)
	if v == "" {
		return "", nil, nil
	}
	u, rule := parseProxy(v)
	if rule != "" {
		return name, nil, &proxyError{name: name, rule: rule}
	}
	return name, u, nil
}

// parseProxy parses a proxy variable's value, or says which rule it
// breaks, without quoting it.
func parseProxy(v string) (*url.URL, string) {
	if strings.ContainsFunc(v, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return nil, "contains spaces or control characters"
	}
	u, err := url.Parse(v)
	if (err != nil || u.Scheme == "" || u.Host == "") && !strings.Contains(v, "://") {
		// net/http's reading of "host:port" without a scheme.
		u, err = url.Parse("http://" + v)
	}
	switch {
	case err != nil:
		return nil, "does not parse as a url"
	case !proxySchemes[u.Scheme]:
		return nil, "has a scheme other than http, https, socks5 or socks5h"
	case u.Opaque != "" || u.Hostname() == "":
		return nil, "has no host"
	}
	return u, ""
}

type proxyError struct{ name, rule string }

func (e *proxyError) Error() string {
	return e.name + " is set but is not a proxy url with a scheme and a host: it " + e.rule
}

func (e *proxyError) Unwrap() error { return ErrInvalidProxy }

// Proxy is the http.Transport Proxy function of p.
func (p *EnvProxy) Proxy(r *http.Request) (*url.URL, error) { return p.For(r.URL) }

// For returns the proxy a request to target goes through, or nil for
// direct.
func (p *EnvProxy) For(target *url.URL) (*url.URL, error) {
	var proxy *url.URL
	switch target.Scheme {
	case "https":
		proxy = p.https
	case "http":
		proxy = p.http
		if proxy != nil && p.cgi {
			return nil, errors.New("refusing to use HTTP_PROXY value in CGI environment; see golang.org/s/cgihttpproxy")
		}
	}
	if proxy == nil || !p.noProxy.useProxy(target) {
		return nil, nil
	}
	return proxy, nil
}

// Egress describes the path a request to target takes: "direct", or the
// proxy as scheme://host:port with the variable it came from, never its
// userinfo.
func (p *EnvProxy) Egress(target *url.URL) string {
	proxy, err := p.For(target)
	switch {
	case err != nil:
		return "refused: " + err.Error()
	case proxy != nil:
		name := p.httpsVar
		if target.Scheme == "http" {
			name = p.httpVar
		}
		return "proxy " + Redacted(proxy) + " (" + name + ")"
	case target.Scheme == "https" && p.https != nil:
		return "direct (" + p.httpsVar + " is set, but " + target.Hostname() + " is loopback or listed in NO_PROXY)"
	case target.Scheme == "https" && p.http != nil:
		return "direct (" + p.httpVar + " is set, but https requests only use HTTPS_PROXY)"
	}
	return "direct"
}

// Redacted returns u as scheme://host:port, the port filled in from the
// scheme when absent: never userinfo, path or query.
func Redacted(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443", "socks5": "1080", "socks5h": "1080"}[u.Scheme]
	}
	return u.Scheme + "://" + net.JoinHostPort(u.Hostname(), port)
}

// noProxy is a parsed NO_PROXY: net/http's rules (golang.org/x/net's
// httpproxy) without IDNA conversion of non-ASCII names.
type noProxy struct {
	all      bool
	prefixes []netip.Prefix
	ips      []ipPort
	domains  []domainPort
}

type ipPort struct {
	ip   netip.Addr
	port string
}

type domainPort struct {
	suffix    string // with its leading dot
	port      string
	matchHost bool // the entry had no leading dot: the bare host matches too
}

func parseNoProxy(s string) noProxy {
	var n noProxy
	for _, p := range strings.Split(s, ",") {
		p = strings.ToLower(strings.TrimSpace(p))
		if p == "" {
			continue
		}
		if p == "*" {
			return noProxy{all: true}
		}
		if pfx, err := netip.ParsePrefix(p); err == nil {
			n.prefixes = append(n.prefixes, pfx.Masked())
			continue
		}
		host, port, err := net.SplitHostPort(p)
		if err != nil {
			host, port = p, ""
		} else if host == "" {
			continue
		}
		host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
		if ip, err := netip.ParseAddr(host); err == nil {
			n.ips = append(n.ips, ipPort{ip.Unmap(), port})
			continue
		}
		if host == "" {
			continue
		}
		host = strings.TrimPrefix(host, "*")
		d := domainPort{suffix: host, port: port}
		if !strings.HasPrefix(host, ".") {
			d.suffix, d.matchHost = "."+host, true
		}
		n.domains = append(n.domains, d)
	}
	return n
}

// useProxy reports whether a request to target goes through the proxy.
func (n noProxy) useProxy(target *url.URL) bool {
	host := strings.ToLower(target.Hostname())
	port := target.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[target.Scheme]
	}
	if host == "localhost" {
		return false
	}
	ip, err := netip.ParseAddr(host)
	isIP := err == nil
	if isIP {
		ip = ip.Unmap()
		if ip.IsLoopback() {
			return false
		}
	}
	if n.all {
		return false
	}
	if isIP {
		for _, p := range n.prefixes {
			if p.Contains(ip) {
				return false
			}
		}
		for _, m := range n.ips {
			if m.ip == ip && (m.port == "" || m.port == port) {
				return false
			}
		}
		return true
	}
	for _, d := range n.domains {
		if strings.HasSuffix(host, d.suffix) || (d.matchHost && host == d.suffix[1:]) {
			if d.port == "" || d.port == port {
				return false
			}
		}
	}
	return true
}
