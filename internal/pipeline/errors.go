package pipeline

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
)

// Sentinels for failures that leave no usable HTTP answer. The jupico
// package exports these same values, so errors.Is works against either name.
var (
	ErrTimeout          = errors.New("jupico: timed out")
	ErrCertificate      = errors.New("jupico: server certificate rejected")
	ErrTLSHandshake     = errors.New("jupico: tls handshake refused (the server offers no protocol version or cipher suite the sdk's tls policy allows)")
	ErrRedirect         = errors.New("jupico: redirect refused (jupico does not redirect; the sdk never follows one)")
	ErrResponseTooLarge = errors.New("jupico: response too large")
	ErrConnection       = errors.New("jupico: connection failed")
	ErrCredentials      = errors.New("jupico: credentials unavailable")
	ErrRateLimiter      = errors.New("jupico: client-side rate limiter")
	ErrTransportPolicy  = errors.New("jupico: transport policy violated")
	ErrMalformedAnswer  = errors.New("jupico: malformed answer")
)

// Error is a failure with no usable HTTP answer: nothing came back, or what
// came back could not be read.
type Error struct {
	// Op is the operation name, e.g. "creditcard.sale".
	Op string
	// Attempts is how many attempts ran.
	Attempts int
	// Unknown reports that the last attempt's request may have reached
	// Jupico (it was written, or an answer started to arrive) and its
	// outcome is not known.
	Unknown bool
	// Kind is one of the sentinels above.
	Kind error
	// Err is the underlying cause. It never carries credentials or bodies.
	Err error
}

// Error returns "<op>: [giving up after N attempts: ]<kind>[: <cause>]".
func (e *Error) Error() string {
	s := e.Op + ": "
	if e.Attempts > 1 {
		s += "giving up after " + itoa(e.Attempts) + " attempts: "
	}
	s += e.Kind.Error()
	if e.Err != nil && e.Err != e.Kind {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap exposes both the kind sentinel and the cause.
func (e *Error) Unwrap() []error {
	if e.Err == nil || e.Err == e.Kind {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// certError reports whether err is a certificate verification failure:
// unknown authority, wrong host name, expired or not yet valid, wrong key
// usage. Classified by type, never by message text.
func certError(err error) bool {
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	return errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci)
}

// timeoutError reports whether err is a timeout by its net.Error type.
func timeoutError(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// notFoundHost reports an unresolvable host name, which no retry mends.
func notFoundHost(err error) bool {
	var de *net.DNSError
	return errors.As(err, &de) && de.IsNotFound
}
