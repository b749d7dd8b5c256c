package webhook

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/netip"
	"strings"
)

// Delivery is what an Authenticator judges: one incoming request with its
// body read in full. The handler builds it; tests and custom handlers may
// build their own. The zero Delivery has no headers, no body and no client
// address, and every authenticator in this package rejects it.
type Delivery struct {
	// Header holds the request headers.
	Header http.Header

	// Body is the complete request body. Authenticators must not modify or
	// retain it.
	Body []byte

	// ClientIP is the address the request came from: the TCP peer, or, when
	// the peer is a trusted proxy (WithTrustedProxies), the address that
	// proxy reported in X-Forwarded-For. It is the zero Addr when unknown.
	ClientIP netip.Addr
}

// Authenticator decides whether a delivery really comes from Jupico.
// Authenticate returns nil to accept it, or an error, which must not contain
// a secret or body content. Implementations must be safe for concurrent use.
//
// *Verifier (a Standard Webhooks signature), *BasicAuthenticator (HTTP Basic
// credentials) and *SourceAllowList (source addresses) implement it; All
// requires several at once.
type Authenticator interface {
	Authenticate(d *Delivery) error
}

// AuthenticatorFunc adapts a function to Authenticator. A nil
// AuthenticatorFunc panics when called; the function must be safe for
// concurrent use.
type AuthenticatorFunc func(d *Delivery) error

// Authenticate calls f(d).
func (f AuthenticatorFunc) Authenticate(d *Delivery) error { return f(d) }

// All returns an Authenticator that accepts a delivery only when every one of
// auths does, checking them in order and returning the first error. Put the
// cheap checks (AllowSources) first. All with no authenticator, or with a
// nil one, rejects everything with ErrNoAuthenticator, and NewHandler refuses
// it; it never accepts by default. The result is safe for concurrent use if
// its members are.
func All(auths ...Authenticator) Authenticator {
	return allAuth(append([]Authenticator(nil), auths...))
}

type allAuth []Authenticator

func (a allAuth) Authenticate(d *Delivery) error {
	if err := a.check(); err != nil {
		return err
	}
	for _, x := range a {
		if err := x.Authenticate(d); err != nil {
			return err
		}
	}
	return nil
}

// check is found by NewHandler through the configChecker interface.
func (a allAuth) check() error {
	if len(a) == 0 {
		return ErrNoAuthenticator
	}
	for _, x := range a {
		if x == nil {
			return ErrNoAuthenticator
		}
		if c, ok := x.(configChecker); ok {
			if err := c.check(); err != nil {
				return err
			}
		}
	}
	return nil
}

// MaxBodyBytes is the smallest cap among the members that declare one, or 0.
func (a allAuth) MaxBodyBytes() int64 {
	var n int64
	for _, x := range a {
		if m, ok := x.(bodyLimiter); ok {
			if l := m.MaxBodyBytes(); l > 0 && (n == 0 || l < n) {
				n = l
			}
		}
	}
	return n
}

type configChecker interface{ check() error }

type bodyLimiter interface{ MaxBodyBytes() int64 }

// BasicAuthenticator accepts deliveries that carry the expected HTTP Basic
// credentials, for endpoints registered with Jupico with a user and password
// instead of a signing secret. Build it with BasicAuth; the zero value
// rejects everything. It is immutable and safe for concurrent use.
type BasicAuthenticator struct {
	user, pass [sha256.Size]byte // digests, so comparison time is independent of length
	ok         bool
}

// minBasicPassword is the shortest password BasicAuth accepts.
const minBasicPassword = 16

// BasicAuth returns an Authenticator that requires the Authorization header
// "Basic base64(user:password)". Both are compared in constant time (as
// SHA-256 digests, so neither the values nor their lengths leak through
// timing), and both are always compared. user must be non-empty without a
// colon or control characters; password must be at least 16 bytes without
// control characters. Errors wrap ErrInvalidOption and never contain the
// values. A failing Authenticate returns ErrUnauthorized.
func BasicAuth(user, password string) (*BasicAuthenticator, error) {
	if user == "" || strings.ContainsRune(user, ':') || hasControl(user) {
		return nil, detail(ErrInvalidOption, "basic auth user must be non-empty, without colon or control characters")
	}
	if len(password) < minBasicPassword || hasControl(password) {
		return nil, detail(ErrInvalidOption, "basic auth password must be at least 16 bytes, without control characters")
	}
	return &BasicAuthenticator{user: sha256.Sum256([]byte(user)), pass: sha256.Sum256([]byte(password)), ok: true}, nil
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] == 0x7f {
			return true
		}
	}
	return false
}

// Authenticate checks d's Authorization header. A missing, repeated or
// malformed header, or wrong credentials, give ErrUnauthorized.
func (b *BasicAuthenticator) Authenticate(d *Delivery) error {
	if b == nil || !b.ok {
		return ErrUnauthorized
	}
	vals := d.Header["Authorization"]
	if len(vals) != 1 {
		return ErrUnauthorized
	}
	scheme, enc, found := strings.Cut(vals[0], " ")
	if !found || !strings.EqualFold(scheme, "Basic") {
		return ErrUnauthorized
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(strings.TrimLeft(enc, " "))
	if err != nil {
		return ErrUnauthorized
	}
	user, pass, found := strings.Cut(string(raw), ":")
	u := sha256.Sum256([]byte(user))
	p := sha256.Sum256([]byte(pass))
	match := subtle.ConstantTimeCompare(u[:], b.user[:]) & subtle.ConstantTimeCompare(p[:], b.pass[:])
	if !found || match != 1 {
		return ErrUnauthorized
	}
	return nil
}

func (b *BasicAuthenticator) check() error {
	if b == nil || !b.ok {
		return detail(ErrInvalidOption, "basic authenticator not built with BasicAuth")
	}
	return nil
}

// SourceAllowList accepts deliveries whose client address (Delivery.ClientIP)
// lies in one of its networks. Build it with AllowSources; the zero value
// rejects everything. It is immutable and safe for concurrent use.
//
// The client address is the TCP peer unless the handler was told, with
// WithTrustedProxies, which proxies may report the real client in
// X-Forwarded-For; that header is never believed otherwise.
type SourceAllowList struct {
	nets []netip.Prefix
}

// AllowSources returns an Authenticator that accepts only the given networks,
// in CIDR notation ("203.0.113.0/24", "2001:db8::/32") or as single
// addresses ("203.0.113.7"). At least one is required; a prefix with host
// bits set ("10.0.0.1/8") or of length 0 ("0.0.0.0/0", which would allow
// everyone) is refused. Errors wrap ErrInvalidOption. A failing Authenticate
// returns ErrSourceNotAllowed.
//
// Jupico publishes no list of webhook source addresses; use the one agreed
// with Jupico for the endpoint.
func AllowSources(cidrs ...string) (*SourceAllowList, error) {
	nets, err := parsePrefixes(cidrs)
	if err != nil {
		return nil, err
	}
	if len(nets) == 0 {
		return nil, detail(ErrInvalidOption, "no source networks")
	}
	return &SourceAllowList{nets: nets}, nil
}

// Authenticate checks d.ClientIP.
func (s *SourceAllowList) Authenticate(d *Delivery) error {
	if s == nil || !d.ClientIP.IsValid() {
		return ErrSourceNotAllowed
	}
	if !containsAddr(s.nets, d.ClientIP) {
		return ErrSourceNotAllowed
	}
	return nil
}

func (s *SourceAllowList) check() error {
	if s == nil || len(s.nets) == 0 {
		return detail(ErrInvalidOption, "source allow list not built with AllowSources")
	}
	return nil
}

// parsePrefixes parses CIDRs or single addresses, refusing host bits and
// zero-length prefixes.
func parsePrefixes(cidrs []string) ([]netip.Prefix, error) {
	nets := make([]netip.Prefix, 0, len(cidrs))
	for _, c := range cidrs {
		c = strings.TrimSpace(c)
		var p netip.Prefix
		if strings.Contains(c, "/") {
			var err error
			p, err = netip.ParsePrefix(c)
			if err != nil {
				return nil, detail(ErrInvalidOption, "network does not parse as CIDR")
			}
			if p != p.Masked() {
				return nil, detail(ErrInvalidOption, "network "+c+" has host bits set")
			}
		} else {
			a, err := netip.ParseAddr(c)
			if err != nil {
				return nil, detail(ErrInvalidOption, "address does not parse")
			}
			a = a.Unmap()
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if p.Bits() == 0 {
			return nil, detail(ErrInvalidOption, "network "+c+" would match every address")
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		nets = append(nets, p)
	}
	return nets, nil
}

func containsAddr(nets []netip.Prefix, a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range nets {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// maxForwardedHops bounds the X-Forwarded-For entries examined.
const maxForwardedHops = 32

// clientView resolves the client address and whether the client side used
// HTTPS, believing X-Forwarded-For and X-Forwarded-Proto only from trusted
// peers.
func clientView(r *http.Request, trusted []netip.Prefix) (netip.Addr, bool) {
	peer := parseHostAddr(r.RemoteAddr)
	secure := r.TLS != nil
	if !peer.IsValid() || !containsAddr(trusted, peer) {
		return peer, secure
	}
	if !secure {
		secure = forwardedHTTPS(r.Header["X-Forwarded-Proto"])
	}
	// Walk X-Forwarded-For from the right (nearest hop) past trusted
	// proxies; the first untrusted address is the client.
	var hops []string
	for _, line := range r.Header["X-Forwarded-For"] {
		for _, h := range strings.Split(line, ",") {
			hops = append(hops, strings.TrimSpace(h))
		}
	}
	if len(hops) == 0 {
		return peer, secure
	}
	for i, seen := len(hops)-1, 0; i >= 0; i, seen = i-1, seen+1 {
		if seen == maxForwardedHops {
			return netip.Addr{}, secure
		}
		a := parseHostAddr(hops[i])
		if !a.IsValid() {
			return netip.Addr{}, secure // unparseable: unknown, fail closed
		}
		if !containsAddr(trusted, a) || i == 0 {
			return a.Unmap(), secure
		}
	}
	return netip.Addr{}, secure
}

// forwardedHTTPS reports whether every X-Forwarded-Proto value says https.
// Requiring all of them defeats a client that sends its own "https" to a
// proxy that appends rather than replaces.
func forwardedHTTPS(lines []string) bool {
	n := 0
	for _, line := range lines {
		for _, v := range strings.Split(line, ",") {
			if !strings.EqualFold(strings.TrimSpace(v), "https") {
				return false
			}
			n++
		}
	}
	return n > 0
}

// parseHostAddr parses "ip", "ip:port" or "[ipv6]:port".
func parseHostAddr(s string) netip.Addr {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap()
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}
