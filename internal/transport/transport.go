// Package transport builds the one HTTP transport the SDK sends through and
// holds the TLS policy that no option can lower: TLS 1.2 or newer, TLS 1.2
// suites pinned to ECDHE with AEAD ciphers, certificate verification always
// on, redirects never followed.
package transport

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/url"
	"time"
)

// CipherSuites are the only TLS 1.2 suites offered: ECDHE key exchange with
// AES-GCM or ChaCha20-Poly1305 (the intermediate profile). Listing them
// explicitly keeps RSA key exchange, CBC and 3DES out even when GODEBUG
// settings such as tlsrsakex=1 or tls3des=1 re-enable them in Go's defaults.
// TLS 1.3 suites are not configurable in Go and are all AEAD.
var CipherSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// MinVersion is the lowest TLS version the SDK speaks.
const MinVersion = tls.VersionTLS12

// Options configures New. The zero value is valid: system roots, no client
// certificate, default pool and timeouts.
type Options struct {
	// RootCAs replaces the system roots when non-nil.
	RootCAs *x509.CertPool
	// Certificates are presented for mutual TLS.
	Certificates []tls.Certificate
	// MaxIdleConnsPerHost sizes the idle pool per host; zero means 64.
	MaxIdleConnsPerHost int
	// ResponseHeaderTimeout bounds the wait for response headers after the
	// request is written; zero means 60 s, and a negative value means none,
	// for callers that bound every attempt with a deadline of their own
	// (the API client does: a second timer per request costs time on every
	// call and adds nothing).
	ResponseHeaderTimeout time.Duration
	// DialTimeout bounds the TCP connect; zero means 10 s.
	DialTimeout time.Duration
	// TLSHandshakeTimeout bounds the TLS handshake; zero means 10 s.
	TLSHandshakeTimeout time.Duration
	// IdleConnTimeout closes pooled connections idle this long; zero means 90 s.
	IdleConnTimeout time.Duration
	// Proxy chooses a proxy per request; nil means HTTPS_PROXY/NO_PROXY
	// from the environment as read by ProxyFromEnvironment when New runs.
	// A proxy variable that does not parse then makes every request fail
	// (net/http would go direct); callers that can report errors call
	// ProxyFromEnvironment first and pass its Proxy.
	Proxy func(*http.Request) (*url.URL, error)
}

// TLSConfig returns the client TLS configuration. Nothing in the SDK turns
// verification off, caps MaxVersion or lowers MinVersion, and no option or
// environment variable can.
func TLSConfig(roots *x509.CertPool, certs []tls.Certificate) *tls.Config {
	return &tls.Config{
		MinVersion:         MinVersion,
		CipherSuites:       CipherSuites,
		RootCAs:            roots,
		Certificates:       certs,
		ClientSessionCache: tls.NewLRUClientSessionCache(256),
	}
}

// New returns the transport: the TLS policy above, HTTP/2 attempted on
// purpose (a custom TLS configuration would otherwise turn it off silently),
// HTTPS_PROXY/NO_PROXY honoured with TLS still end to end to Jupico through
// a CONNECT tunnel, an idle pool sized for concurrent checkouts instead of
// Go's 2 per host, and bounded dial, handshake, header and idle timeouts.
func New(o Options) *http.Transport {
	perHost := o.MaxIdleConnsPerHost
	if perHost <= 0 {
		perHost = 64
	}
	proxy := o.Proxy
	if proxy == nil {
		env, err := ProxyFromEnvironment()
		if err != nil {
			// Fail closed: never direct past the egress proxy meant.
			proxy = func(*http.Request) (*url.URL, error) { return nil, err }
		} else {
			proxy = env.Proxy
		}
	}
	d := &net.Dialer{Timeout: orDefault(o.DialTimeout, 10*time.Second), KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 proxy,
		DialContext:           d.DialContext,
		TLSClientConfig:       TLSConfig(o.RootCAs, o.Certificates),
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          4 * perHost,
		MaxIdleConnsPerHost:   perHost,
		IdleConnTimeout:       orDefault(o.IdleConnTimeout, 90*time.Second),
		TLSHandshakeTimeout:   orDefault(o.TLSHandshakeTimeout, 10*time.Second),
		ResponseHeaderTimeout: headerTimeout(o.ResponseHeaderTimeout),
		ExpectContinueTimeout: time.Second,
	}
}

func headerTimeout(d time.Duration) time.Duration {
	if d < 0 {
		return 0 // none: the caller bounds every attempt itself
	}
	return orDefault(d, 60*time.Second)
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// ErrRedirect is returned when Jupico's answer is a redirect. Jupico does
// not redirect; following one could send the Authorization header and the
// body to another host or over plain HTTP, so the SDK never does.
var ErrRedirect = errors.New("redirect refused")

// ErrWrongDestination is returned when a request about to leave the SDK
// would go somewhere other than the configured HTTPS base URL, for example
// because a transport middleware rewrote it.
var ErrWrongDestination = errors.New("request rewritten to a destination other than the configured https base URL")

// ErrBypassed is returned when a transport middleware answered a request
// without passing it to the SDK's transport, which would have skipped the
// TLS policy.
var ErrBypassed = errors.New("transport middleware did not pass the request to the sdk transport")

// NoRedirect is an http.Client CheckRedirect function that stops at the
// first redirect and hands the 3xx response back, so the caller can refuse
// it without the target ever receiving anything.
func NoRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
