package jupico

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/internal/wire"
)

// Environment selects which Jupico platform the client talks to.
type Environment string

// Environments. The zero Environment means EnvironmentSandbox.
const (
	// EnvironmentSandbox is https://sandbox-platform.jupico.com: test
	// cards, no money moves. It is the default, so a new integration never
	// touches real cards by accident.
	EnvironmentSandbox Environment = "sandbox"
	// EnvironmentProduction is https://platform.jupico.com.
	EnvironmentProduction Environment = "production"
)

// BaseURL returns the environment's base URL, or "" for an unknown
// environment.
func (e Environment) BaseURL() string {
	switch e {
	case EnvironmentSandbox, "":
		return wire.SandboxBaseURL
	case EnvironmentProduction:
		return wire.ProductionBaseURL
	}
	return ""
}

// ParseEnvironment accepts "sandbox" or "production" (any case, surrounding
// space ignored), as read from a JUPICO_ENV variable or a flag.
func ParseEnvironment(s string) (Environment, error) {
	switch e := Environment(strings.ToLower(strings.TrimSpace(s))); e {
	case EnvironmentSandbox, EnvironmentProduction:
		return e, nil
	}
	return "", fmt.Errorf("jupico: unknown environment %q (want %q or %q)", s, EnvironmentSandbox, EnvironmentProduction)
}

// ErrInsecureBaseURL is matched by the error NewClient returns when
// WithBaseURL is given a URL that does not parse, is not https, has no
// host, or has userinfo, a query or a fragment. The error names the rule
// that failed, e.g. "jupico: insecure base url: must use https", and never
// repeats the URL (it could carry credentials).
var ErrInsecureBaseURL = errors.New("jupico: insecure base url")

// ErrInvalidOption is matched by every other configuration error NewClient
// returns. It is credentials.ErrInvalidOption, the one sentinel of the
// module for invalid configuration: the same value as
// webhook.ErrInvalidOption and those of the other packages.
var ErrInvalidOption = credentials.ErrInvalidOption

// Limiter is a client-side rate limiter. Wait blocks until one request may
// be sent or ctx ends. *golang.org/x/time/rate.Limiter satisfies it.
// Implementations must be safe for concurrent use.
type Limiter interface {
	Wait(ctx context.Context) error
}

// Option configures a Client. Options validate their input; NewClient
// returns the first error.
type Option func(*config) error

type config struct {
	env         Environment
	baseURL     string
	creds       credentials.Provider
	roots       *x509.CertPool
	clientCerts []tls.Certificate
	timeout     time.Duration
	txnTimeout  time.Duration
	retry       RetryPolicy
	limiter     Limiter
	logger      *slog.Logger
	uaSuffix    string
	middleware  func(http.RoundTripper) http.RoundTripper
	maxConns    int

	noAutoRollback  bool
	rollbackTimeout time.Duration
	rollbackRetry   RetryPolicy
	rollbackHook    func(context.Context, RollbackEvent)

	journal              Journal
	journalRetention     time.Duration
	recoveryInterval     time.Duration
	reconcileGrace       time.Duration
	noBackgroundRecovery bool
	clock                credentials.Clock

	observer Observer
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidOption}, args...)...)
}

// envCredentialVars are the variables credentials.FromEnv reads.
var envCredentialVars = []string{
	credentials.EnvAPIKey, credentials.EnvUsername, credentials.EnvPassword,
	credentials.EnvAPIKey + "_FILE", credentials.EnvUsername + "_FILE", credentials.EnvPassword + "_FILE",
}

// envCredentialsSet fails, matching ErrInvalidOption and
// credentials.ErrNoCredentials, when none of the variables
// credentials.FromEnv reads holds anything: such a client could send
// nothing. What is set is read (and checked) at the first request, as a
// _FILE is I/O.
func envCredentialsSet() error {
	for _, k := range envCredentialVars {
		if os.Getenv(k) != "" {
			return nil
		}
	}
	return errNoEnvCredentials{}
}

type errNoEnvCredentials struct{}

func (errNoEnvCredentials) Error() string {
	return "jupico: invalid option: no credentials: set JUPICO_API_KEY, or JUPICO_API_USERNAME and JUPICO_API_PASSWORD " +
		"(each also as a _FILE variable naming a file that holds it), or pass WithCredentials"
}

func (errNoEnvCredentials) Unwrap() []error {
	return []error{ErrInvalidOption, credentials.ErrNoCredentials}
}

// WithEnvironment selects EnvironmentSandbox (the default) or
// EnvironmentProduction.
func WithEnvironment(e Environment) Option {
	return func(c *config) error {
		if e != EnvironmentSandbox && e != EnvironmentProduction {
			return invalid("unknown environment %q", string(e))
		}
		c.env = e
		return nil
	}
}

// WithBaseURL points the client at another host, such as the fake server of
// jupicotest or an egress proxy that forwards to Jupico. It overrides
// WithEnvironment. The URL must be https:// with a host and no userinfo,
// query or fragment; anything else fails with ErrInsecureBaseURL. There is
// no way to use plain HTTP.
func WithBaseURL(raw string) Option {
	return func(c *config) error {
		if rule := baseURLRule(raw); rule != "" {
			return fmt.Errorf("%w: %s", ErrInsecureBaseURL, rule)
		}
		u, _ := url.Parse(raw)
		c.baseURL = strings.TrimSuffix(u.String(), "/")
		return nil
	}
}

// baseURLRule returns the first rule raw breaks as a base URL, or "" when
// it is acceptable. The rule never quotes raw.
func baseURLRule(raw string) string {
	if strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return "must not contain spaces or control characters"
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "does not parse as a url"
	case u.Scheme != "https":
		return "must use https (no other scheme, plain http included, is allowed)"
	case u.Opaque != "":
		return "must be https://host, not https:host"
	case u.User != nil || strings.Contains(raw, "@"):
		return "must not carry userinfo (credentials go in WithCredentials)"
	case u.Host == "" || u.Hostname() == "":
		return "must have a host"
	case u.RawQuery != "" || u.ForceQuery || strings.Contains(raw, "?"):
		return "must not carry a query"
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return "must not carry a fragment"
	}
	return ""
}

// WithCredentials sets where credentials come from. The default is
// credentials.FromEnv(), and without this option NewClient fails when none
// of the variables it reads is set. The client reads them before every attempt through
// a credentials.Cache it wraps around p (pass a *credentials.Cache to choose
// its options yourself), so a rotated key takes effect without a restart: on
// the cache's next refresh, or at once when Jupico answers 401 and the
// provider has new credentials, in which case the request is sent again with
// them (up to three times, should the key rotate again meanwhile; a 401 means
// Jupico processed nothing, so this cannot double-charge).
func WithCredentials(p credentials.Provider) Option {
	return func(c *config) error {
		if p == nil {
			return invalid("nil credentials provider")
		}
		c.creds = p
		return nil
	}
}

// WithRootCAs replaces the system certificate pool with pool. It is the only
// way to trust a private CA (such as the fake server's); certificate
// verification itself can never be turned off.
func WithRootCAs(pool *x509.CertPool) Option {
	return func(c *config) error {
		if pool == nil {
			return invalid("nil root CA pool")
		}
		c.roots = pool
		return nil
	}
}

// WithClientCertificate presents cert for mutual TLS.
func WithClientCertificate(cert tls.Certificate) Option {
	return func(c *config) error {
		if len(cert.Certificate) == 0 || cert.PrivateKey == nil {
			return invalid("client certificate has no certificate or no private key")
		}
		c.clientCerts = append(c.clientCerts, cert)
		return nil
	}
}

// WithTimeout bounds each attempt of a non-transaction request (status,
// queries, sessions), from sending to the end of the body. Zero is invalid;
// the default is 30 s. Transactions use WithTransactionTimeout. The whole
// call, retries included, is bounded by the caller's context.
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return invalid("timeout must be positive")
		}
		c.timeout = d
		return nil
	}
}

// WithTransactionTimeout bounds each attempt of a transaction. The default
// is 35 s, the limit Jupico documents; past it the outcome is unknown.
func WithTransactionTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return invalid("transaction timeout must be positive")
		}
		c.txnTimeout = d
		return nil
	}
}

// WithRetry sets the retry policy; see RetryPolicy for what is retried.
func WithRetry(p RetryPolicy) Option {
	return func(c *config) error {
		if err := p.validate(); err != nil {
			return err
		}
		c.retry = p
		return nil
	}
}

// WithRateLimit limits the client to r requests a second with bursts of
// burst, counted per attempt, using golang.org/x/time/rate. Waiting honours
// the context; a request that waits is not yet sent.
func WithRateLimit(r rate.Limit, burst int) Option {
	return func(c *config) error {
		if r <= 0 || burst < 1 {
			return invalid("rate limit needs a positive rate and a burst of at least 1")
		}
		c.limiter = rate.NewLimiter(r, burst)
		return nil
	}
}

// WithLimiter installs any Limiter, for example one shared by several
// replicas. It replaces WithRateLimit.
func WithLimiter(l Limiter) Option {
	return func(c *config) error {
		if l == nil {
			return invalid("nil limiter")
		}
		c.limiter = l
		return nil
	}
}

// WithLogger sends the client's logs to l. The default discards them. Log
// records carry the operation, method, path, status, duration, attempt and
// request id; never headers, bodies, credentials or query strings. An
// answer that differs from the SDK's model is logged at WARN once per
// client for each operation, member and kind, by name only (see Drift in
// the package documentation).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return invalid("nil logger")
		}
		c.logger = l
		return nil
	}
}

// WithUserAgent appends s to the User-Agent header, e.g. "acme-checkout/2.3".
// It must be printable ASCII of at most 256 bytes.
func WithUserAgent(s string) Option {
	return func(c *config) error {
		if s == "" || len(s) > 256 {
			return invalid("user agent must be 1 to 256 bytes")
		}
		for i := 0; i < len(s); i++ {
			if s[i] < 0x20 || s[i] > 0x7e {
				return invalid("user agent must be printable ASCII")
			}
		}
		c.uaSuffix = s
		return nil
	}
}

// WithTransportMiddleware wraps the SDK's transport, for tracing or metrics
// (OpenTelemetry's otelhttp.NewTransport, for example). The middleware sees
// each attempt and must pass it on to the RoundTripper it was given: it
// cannot reach the TLS configuration, a request it sends elsewhere is
// refused with ErrTransportPolicy, and so is an answer it makes up without
// calling the SDK transport.
func WithTransportMiddleware(m func(http.RoundTripper) http.RoundTripper) Option {
	return func(c *config) error {
		if m == nil {
			return invalid("nil transport middleware")
		}
		prev := c.middleware
		if prev == nil {
			c.middleware = m
		} else {
			c.middleware = func(rt http.RoundTripper) http.RoundTripper { return m(prev(rt)) }
		}
		return nil
	}
}

// WithMaxIdleConnsPerHost sizes the pool of idle connections kept open to
// Jupico for reuse (http.Transport.MaxIdleConnsPerHost); n must be at least
// 1. It does not cap the connections in use: beyond n concurrent requests,
// more connections are opened, and closed once idle. The default, 64, suits
// a busy checkout; Go's own default of 2 would make concurrent requests open
// and close TLS connections constantly.
func WithMaxIdleConnsPerHost(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return invalid("max idle connections per host must be at least 1")
		}
		c.maxConns = n
		return nil
	}
}
