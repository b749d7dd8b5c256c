package vault

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/internal/transport"
)

// Environment variables NewClient reads when the matching option is not
// given. They are the ones Vault's own CLI reads. VAULT_SKIP_VERIFY is
// deliberately never honoured: certificate verification cannot be turned
// off.
const (
	EnvAddress   = "VAULT_ADDR"
	EnvToken     = "VAULT_TOKEN"
	EnvNamespace = "VAULT_NAMESPACE"
	EnvCACert    = "VAULT_CACERT"
)

// Defaults of NewClient.
const (
	// DefaultTimeout bounds one request to Vault, when WithTimeout is not
	// given.
	DefaultTimeout = 10 * time.Second
	// DefaultMaxAttempts, DefaultMinDelay and DefaultMaxDelay are the
	// retry policy when WithRetry is not given.
	DefaultMaxAttempts = 3
	DefaultMinDelay    = 250 * time.Millisecond
	DefaultMaxDelay    = 5 * time.Second
)

// Size limits.
const (
	// maxResponseSize caps a response body; a KV secret holding a key is a
	// few hundred bytes.
	maxResponseSize = 1 << 20
	// maxTokenSize caps a token file.
	maxTokenSize = 16 << 10
	// maxCACertSize caps the VAULT_CACERT file.
	maxCACertSize = 1 << 20
)

// config is what Options set.
type config struct {
	address     *string
	token       *string
	tokenFile   string
	namespace   *string
	roots       *x509.CertPool
	timeout     time.Duration
	maxAttempts int
	minDelay    time.Duration
	maxDelay    time.Duration
	clock       credentials.Clock

	target target       // which constructor applies the options
	secret secretConfig // Client.WebhookSecrets only
}

// Option configures NewClient or Client.WebhookSecrets. Options validate
// their input: a nil Option, an option with a bad value, or one meant for
// the other (WithField and WithPreviousFor are for WebhookSecrets, the
// others for NewClient) makes the call fail with an error matching
// ErrInvalidOption, the first one found.
type Option func(*config) error

// target says which call is applying the options.
type target int

const (
	forClient target = iota
	forSecrets
)

func (t target) String() string {
	if t == forSecrets {
		return "WebhookSecrets"
	}
	return "NewClient"
}

// only refuses an option meant for the other call.
func (c *config) only(t target, name string) error {
	if c.target != t {
		return &configError{msg: fmt.Sprintf("%s applies to %v, not %v", name, t, c.target)}
	}
	return nil
}

// WithAddress sets Vault's address, such as "https://vault.example.com:8200".
// It must be an https URL without userinfo, query or fragment; a path (a
// reverse proxy's prefix) is kept. The default is $VAULT_ADDR.
func WithAddress(addr string) Option {
	return func(c *config) error {
		if err := c.only(forClient, "WithAddress"); err != nil {
			return err
		}
		c.address = &addr
		return nil
	}
}

// WithToken sets the Vault token sent with every request. The default is
// $VAULT_TOKEN. It cannot be combined with WithTokenFile. The token is kept
// as a credentials.Secret and never printed.
func WithToken(token string) Option {
	return func(c *config) error {
		if err := c.only(forClient, "WithToken"); err != nil {
			return err
		}
		if c.tokenFile != "" {
			return &configError{msg: "WithToken and WithTokenFile are both set; set only one"}
		}
		c.token = &token
		return nil
	}
}

// WithTokenFile makes the client read its token from path, the file a Vault
// Agent file sink (or any process that logs in and renews) keeps up to date.
// The file is read again whenever it changes (a stat per request, no read
// otherwise), and at once when Vault answers 403, in which case the request
// is sent again if the token changed. Whitespace around the token is
// trimmed. It takes precedence over $VAULT_TOKEN and cannot be combined with
// WithToken.
func WithTokenFile(path string) Option {
	return func(c *config) error {
		if err := c.only(forClient, "WithTokenFile"); err != nil {
			return err
		}
		if c.token != nil {
			return &configError{msg: "WithToken and WithTokenFile are both set; set only one"}
		}
		if path == "" {
			return &configError{msg: "WithTokenFile with an empty path"}
		}
		c.tokenFile = path
		return nil
	}
}

// WithNamespace sets the Vault Enterprise namespace, sent as the
// X-Vault-Namespace header. The default is $VAULT_NAMESPACE; an empty
// namespace sends no header.
func WithNamespace(ns string) Option {
	return func(c *config) error {
		if err := c.only(forClient, "WithNamespace"); err != nil {
			return err
		}
		c.namespace = &ns
		return nil
	}
}

// WithRootCAs sets the certificate authorities trusted for Vault's
// certificate, replacing the default: the PEM file named by $VAULT_CACERT
// when set, else the system roots. Verification itself can never be turned
// off.
func WithRootCAs(pool *x509.CertPool) Option {
	return func(c *config) error {
		if err := c.only(forClient, "WithRootCAs"); err != nil {
			return err
		}
		if pool == nil {
			return &configError{msg: "WithRootCAs with a nil pool"}
		}
		c.roots = pool
		return nil
	}
}

// WithTimeout bounds each request to Vault (each attempt, when retried).
// The caller's context bounds the whole read. The default is
// DefaultTimeout.
func WithTimeout(d time.Duration) Option {
	return func(c *config) error {
		if err := c.only(forClient, "WithTimeout"); err != nil {
			return err
		}
		if d <= 0 {
			return &configError{msg: "WithTimeout: the timeout must be positive"}
		}
		c.timeout = d
		return nil
	}
}

// WithRetry sets how reads are retried when Vault answers 412, 429 or a 5xx,
// or when the connection fails: at most maxAttempts requests in all (1
// disables retries), waiting between them from minDelay, doubled after each
// attempt up to maxDelay, each wait drawn at random between half and all of
// that. A Retry-After header lengthens the wait, never beyond maxDelay.
// Every wait ends early when the context is done. Reads are idempotent, so
// retrying them is always safe. The defaults are DefaultMaxAttempts,
// DefaultMinDelay and DefaultMaxDelay.
func WithRetry(maxAttempts int, minDelay, maxDelay time.Duration) Option {
	return func(c *config) error {
		if err := c.only(forClient, "WithRetry"); err != nil {
			return err
		}
		if maxAttempts < 1 || minDelay <= 0 || maxDelay < minDelay {
			return &configError{msg: "WithRetry: need maxAttempts >= 1 and 0 < minDelay <= maxDelay"}
		}
		c.maxAttempts, c.minDelay, c.maxDelay = maxAttempts, minDelay, maxDelay
		return nil
	}
}

// WithClock sets the clock that lease expiry (Credentials.Expires) and the
// webhook secrets' previous-version window are computed from, for tests;
// give the same clock to credentials.WithClock. Only its Now method is used.
// The default is the system clock; a nil clock is an error matching
// ErrInvalidOption.
func WithClock(clock credentials.Clock) Option {
	return func(c *config) error {
		if err := c.only(forClient, "WithClock"); err != nil {
			return err
		}
		if clock == nil {
			return &configError{msg: "WithClock with a nil clock"}
		}
		c.clock = clock
		return nil
	}
}

// Client reads secrets from one Vault server over HTTPS, with the SDK's TLS
// policy: TLS 1.2 or newer, ECDHE-AEAD suites only, certificate verification
// always on, redirects never followed (the token goes nowhere but the
// configured address). It authenticates with a token (X-Vault-Token) and,
// when set, a namespace (X-Vault-Namespace). It does not log in or renew its
// token: give it one that is kept fresh, typically a Vault Agent's file sink
// through WithTokenFile.
//
// Client.Credentials and Client.WebhookSecrets return the providers that
// plug into jupico.WithCredentials, credentials.Chain and
// credentials.NewSecretSet; several may share one Client.
//
// A Client is safe for concurrent use. The zero Client is not usable: use
// NewClient. Close releases its idle connections.
type Client struct {
	base        *url.URL
	namespace   string
	token       *tokenSource
	http        *http.Client
	transport   *http.Transport
	timeout     time.Duration
	maxAttempts int
	minDelay    time.Duration
	maxDelay    time.Duration
	now         func() time.Time
}

// NewClient returns a client configured by opts, falling back on VAULT_ADDR,
// VAULT_TOKEN, VAULT_NAMESPACE and VAULT_CACERT for what the options leave
// unset. It does no network I/O and does not read the token file (which may
// not exist yet when a Vault Agent starts alongside).
//
// Errors match ErrInvalidOption: no address, an address that is not https
// or carries userinfo, a query or a fragment; no token (neither WithToken,
// WithTokenFile nor VAULT_TOKEN); a token or namespace with whitespace or
// control characters inside; a VAULT_CACERT file that cannot be read or
// holds no certificate; an invalid option. They never repeat the token.
func NewClient(opts ...Option) (*Client, error) {
	cfg := config{timeout: DefaultTimeout, maxAttempts: DefaultMaxAttempts, minDelay: DefaultMinDelay, maxDelay: DefaultMaxDelay}
	for _, o := range opts {
		if o == nil {
			return nil, &configError{msg: "nil option"}
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	addrSource := "WithAddress"
	if cfg.address == nil {
		v, ok := os.LookupEnv(EnvAddress)
		if !ok || v == "" {
			return nil, &configError{msg: "no address: set " + EnvAddress + " or use WithAddress"}
		}
		cfg.address, addrSource = &v, EnvAddress
	}
	base, err := parseAddress(*cfg.address)
	if err != nil {
		return nil, &configError{msg: addrSource + " " + err.Error()}
	}

	ts := &tokenSource{path: cfg.tokenFile}
	if cfg.tokenFile == "" {
		src := "WithToken"
		if cfg.token == nil {
			v, ok := os.LookupEnv(EnvToken)
			if !ok {
				return nil, &configError{msg: "no token: set " + EnvToken + " or use WithToken or WithTokenFile"}
			}
			cfg.token, src = &v, EnvToken
		}
		tok, reason := checkToken(*cfg.token)
		if reason != "" {
			return nil, &configError{msg: src + " " + reason}
		}
		ts.static = tok
	}

	ns := ""
	if cfg.namespace != nil {
		ns = *cfg.namespace
	} else {
		ns = os.Getenv(EnvNamespace)
	}
	ns = strings.Trim(ns, "/")
	if strings.IndexFunc(ns, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return nil, &configError{msg: "the namespace contains whitespace or control characters"}
	}

	roots := cfg.roots
	if roots == nil {
		if path := os.Getenv(EnvCACert); path != "" {
			roots, err = loadCACert(path)
			if err != nil {
				return nil, err
			}
		}
	}
	now := time.Now
	if cfg.clock != nil {
		now = cfg.clock.Now
	}
	t := transport.New(transport.Options{RootCAs: roots, ResponseHeaderTimeout: cfg.timeout})
	return &Client{
		base:        base,
		namespace:   ns,
		token:       ts,
		http:        &http.Client{Transport: t, CheckRedirect: transport.NoRedirect},
		transport:   t,
		timeout:     cfg.timeout,
		maxAttempts: cfg.maxAttempts,
		minDelay:    cfg.minDelay,
		maxDelay:    cfg.maxDelay,
		now:         now,
	}, nil
}

// Address returns Vault's address as configured, without a trailing slash.
func (c *Client) Address() string { return c.base.String() }

// Close closes the client's idle connections. Requests made afterwards
// still work, on new connections. It always returns nil.
func (c *Client) Close() error {
	c.transport.CloseIdleConnections()
	return nil
}

func parseAddress(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return nil, errors.New("is not a URL")
	case u.Scheme != "https":
		return nil, errors.New("must be an https URL: plain http would send the token in clear")
	case u.Host == "" || u.Opaque != "":
		return nil, errors.New("has no host")
	case u.User != nil:
		return nil, errors.New("must not carry userinfo")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return nil, errors.New("must not carry a query or fragment")
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

func loadCACert(path string) (*x509.CertPool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &configError{msg: EnvCACert + " " + path + ": cannot be read"}
	}
	defer f.Close()
	pem, err := io.ReadAll(io.LimitReader(f, maxCACertSize+1))
	if err != nil || len(pem) > maxCACertSize {
		return nil, &configError{msg: EnvCACert + " " + path + ": cannot be read or exceeds 1 MiB"}
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, &configError{msg: EnvCACert + " " + path + ": holds no PEM certificate"}
	}
	return pool, nil
}

// response is a successful answer: its status and body.
type response struct {
	status int
	body   []byte
}

// get reads the API path (relative to /v1/, already escaped) with query q,
// retrying per the policy. A 2xx answer is returned; any other status is an
// *Error.
func (c *Client) get(ctx context.Context, apiPath string, q url.Values) (response, error) {
	u := *c.base
	u.RawPath = c.base.EscapedPath() + "/v1/" + apiPath
	u.Path, _ = url.PathUnescape(u.RawPath)
	u.RawQuery = q.Encode()
	display := apiPath
	if p, err := url.PathUnescape(apiPath); err == nil {
		display = p
	}

	retriedToken := false
	for attempt := 1; ; attempt++ {
		tok, err := c.token.get(false)
		if err != nil {
			return response{}, err
		}
		status, body, retryAfter, err := c.do(ctx, &u, tok)
		if err == nil && (status == http.StatusForbidden || status == http.StatusUnauthorized) && c.token.fromFile() && !retriedToken {
			// The token may have been replaced (a Vault Agent renewed or
			// re-authenticated): read the file again and, if it changed,
			// send again once. This attempt does not count.
			retriedToken = true
			if fresh, ferr := c.token.get(true); ferr == nil && !fresh.Equal(tok) {
				attempt--
				continue
			}
		}
		if err != nil {
			if ctx.Err() != nil {
				return response{}, &readError{path: display, err: ctx.Err()}
			}
			if !retryableErr(err) || attempt >= c.maxAttempts {
				return response{}, &readError{path: display, err: err}
			}
		} else if status >= 200 && status < 300 {
			return response{status: status, body: body}, nil
		} else if !retryableStatus(status) || attempt >= c.maxAttempts {
			return response{}, &Error{
				StatusCode: status,
				Path:       display,
				Messages:   cleanMessages(errorMessages(body), tok),
				Attempts:   attempt,
			}
		}
		if err := c.wait(ctx, attempt, retryAfter); err != nil {
			return response{}, &readError{path: display, err: err}
		}
	}
}

// do sends one request. A transport failure, a redirect or an oversized
// body is an error; any status is otherwise returned with its body.
func (c *Client) do(ctx context.Context, u *url.URL, tok credentials.Secret) (int, []byte, time.Duration, error) {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodGet, u.String(), nil)
	if err != nil {
		return 0, nil, 0, err
	}
	req.Header.Set("X-Vault-Token", tok.Reveal())
	// Vault Agent's and Proxy's listeners can require this header, which a
	// browser cannot be made to send (server-side request forgery defence).
	req.Header.Set("X-Vault-Request", "true")
	req.Header.Set("Accept", "application/json")
	if c.namespace != "" {
		req.Header.Set("X-Vault-Namespace", c.namespace)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
		return 0, nil, 0, ErrRedirect
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseSize+1))
	if err != nil {
		return 0, nil, 0, err
	}
	if len(body) > maxResponseSize {
		return 0, nil, 0, ErrResponseTooLarge
	}
	return resp.StatusCode, body, parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()), nil
}

// retryableErr reports whether a failed request may be sent again: a
// connection or timeout failure, but not a certificate that does not verify,
// a refused redirect or an oversized body, which would fail the same way.
func retryableErr(err error) bool {
	var certErr *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var recordErr tls.RecordHeaderError
	var alert tls.AlertError
	switch {
	case errors.Is(err, ErrRedirect), errors.Is(err, ErrResponseTooLarge):
		return false
	case errors.As(err, &certErr), errors.As(err, &unknownCA), errors.As(err, &hostErr),
		errors.As(err, &invalid), errors.As(err, &recordErr), errors.As(err, &alert):
		return false
	}
	var netErr net.Error
	var urlErr *url.Error
	return errors.As(err, &netErr) || errors.As(err, &urlErr) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, context.DeadlineExceeded)
}

// wait sleeps before the next attempt, or returns ctx's error.
func (c *Client) wait(ctx context.Context, attempt int, retryAfter time.Duration) error {
	d := c.minDelay
	for i := 1; i < attempt && d < c.maxDelay; i++ {
		d *= 2
	}
	d = min(d, c.maxDelay)
	d = d/2 + rand.N(d/2+1)
	if retryAfter > d {
		d = min(retryAfter, c.maxDelay)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// parseRetryAfter reads a Retry-After header: seconds, or an HTTP date.
// Anything else, or a time in the past, is zero.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(min(s, 3600)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return min(t.Sub(now), time.Hour)
	}
	return 0
}

// readError is a read that failed without an answer from Vault: the
// connection, the TLS handshake, a refused redirect, an oversized body, the
// caller's context.
type readError struct {
	path string
	err  error
}

func (e *readError) Error() string {
	return "vault: read " + e.path + ": " + strings.TrimPrefix(e.err.Error(), "vault: ")
}

func (e *readError) Unwrap() error { return e.err }
