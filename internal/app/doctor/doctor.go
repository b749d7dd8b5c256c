// Package doctor checks a deployment against Jupico's minimum
// configuration: credentials present and well formed, the egress path
// (direct, or the proxy from HTTPS_PROXY), accepted by Jupico, the API
// reachable (GET /status), the TLS version and cipher suite
// negotiated with the API host, the local clock's skew against the server's
// Date header compared with the webhook timestamp tolerance, the webhook
// signing secret well formed, and, on request, the Go toolchain patched.
//
// It is shared by examples/doctor and the jupico command's doctor
// subcommand. It never reports a secret: details name the variable or file
// at fault, never its value.
package doctor

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"go/version"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/internal/transport"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/webhook"
)

// Check results.
const (
	Pass = "PASS"
	Fail = "FAIL"
	Skip = "SKIP"
)

// MinGoVersion is the oldest Go toolchain the toolchain check accepts: the
// one this module pins, earlier releases having known vulnerabilities.
const MinGoVersion = "go1.27.3"

// ErrChecksFailed is matched by the error Report.Err returns when a check
// failed.
var ErrChecksFailed = errors.New("checks failed")

// Row is one check's outcome.
type Row struct {
	// Check names the check, e.g. "tls".
	Check string `json:"check"`
	// Result is Pass, Fail or Skip.
	Result string `json:"result"`
	// Detail says what was found; it never holds a secret.
	Detail string `json:"detail"`
}

// Config says what to check and how.
type Config struct {
	// Target describes what is checked, for the report's first line.
	Target string
	// Options point the client at the API (environment or base URL, root
	// CAs); the checks add the credentials and their own settings.
	Options []jupico.Option
	// Credentials is where the credentials come from.
	Credentials credentials.Provider
	// WebhookSecret is the signing secret to check; "" skips the check.
	WebhookSecret string
	// WebhookSecretName names where the secret is read from, for the
	// detail of a skipped check (default JUPICO_WEBHOOK_SECRET).
	WebhookSecretName string
	// Tolerance is the webhook verifier's timestamp tolerance (default
	// webhook.DefaultTolerance).
	Tolerance time.Duration
	// Timeout bounds the whole run (default 30 s).
	Timeout time.Duration
	// Now is the local clock (default time.Now).
	Now func() time.Time
	// UserAgent is added to the client's User-Agent (default
	// "jupico-go-doctor").
	UserAgent string
	// Toolchain adds the check of the Go toolchain against MinGoVersion.
	Toolchain bool
	// GoVersion is the toolchain version checked (default
	// runtime.Version(), the toolchain that built the program).
	GoVersion string
}

// Report is the outcome of Run.
type Report struct {
	// Target is Config.Target.
	Target string `json:"target"`
	// Checks are the rows, in order.
	Checks []Row `json:"checks"`
	// Failed counts the rows whose Result is Fail.
	Failed int `json:"failed"`
}

// Err returns nil when no check failed, otherwise an error matching
// ErrChecksFailed that counts the failures.
func (r *Report) Err() error {
	if r.Failed > 0 {
		return fmt.Errorf("%w: %d of %d", ErrChecksFailed, r.Failed, len(r.Checks))
	}
	return nil
}

// WriteText writes the report as a table, between a line naming the target
// and a line summing it up.
func (r *Report) WriteText(out io.Writer) error {
	if _, err := fmt.Fprintf(out, "checking %s\n\n", r.Target); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tRESULT\tDETAIL")
	for _, row := range r.Checks {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", row.Check, row.Result, row.Detail)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	var err error
	if r.Failed > 0 {
		_, err = fmt.Fprintf(out, "\n%d of %d checks failed\n", r.Failed, len(r.Checks))
	} else {
		_, err = fmt.Fprintf(out, "\nall checks passed\n")
	}
	return err
}

// Run runs the checks. It always returns a complete report: a check that
// cannot run is a Fail or a Skip row, not an error.
func Run(ctx context.Context, cfg Config) *Report {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Tolerance <= 0 {
		cfg.Tolerance = webhook.DefaultTolerance
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "jupico-go-doctor"
	}
	if cfg.WebhookSecretName == "" {
		cfg.WebhookSecretName = "JUPICO_WEBHOOK_SECRET"
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()

	var rows []Row
	credRow, haveCreds := CheckCredentials(ctx, cfg.Credentials)
	rows = append(rows, credRow, CheckEgress(cfg.Options))
	if haveCreds {
		rows = append(rows, checkAPI(ctx, cfg)...)
	} else {
		for _, c := range []string{"api reachable", "credentials accepted", "tls", "clock skew"} {
			rows = append(rows, Row{c, Skip, "needs credentials"})
		}
	}
	if strings.TrimSpace(cfg.WebhookSecret) == "" {
		rows = append(rows, Row{"webhook secret", Skip, cfg.WebhookSecretName + " not set: without one, require BasicAuth and AllowSources"})
	} else {
		rows = append(rows, CheckWebhookSecret(cfg.WebhookSecret))
	}
	if cfg.Toolchain {
		v := cfg.GoVersion
		if v == "" {
			v = runtime.Version()
		}
		rows = append(rows, CheckToolchain(v))
	}
	r := &Report{Target: cfg.Target, Checks: rows}
	for _, row := range rows {
		if row.Result == Fail {
			r.Failed++
		}
	}
	return r
}

// CheckCredentials reads the credentials once and reports whether there
// are any. Their errors name the variable or file and the rule broken,
// never the value.
func CheckCredentials(ctx context.Context, p credentials.Provider) (Row, bool) {
	if p == nil {
		return Row{"credentials", Fail, "no credentials provider"}, false
	}
	c, err := p.Retrieve(ctx)
	if err != nil {
		return Row{"credentials", Fail, err.Error()}, false
	}
	detail := fmt.Sprintf("present and well formed: user %s from %s", c.Username(), c.Source)
	if !c.Expires.IsZero() {
		detail += ", expires " + c.Expires.UTC().Format(time.RFC3339)
	}
	return Row{"credentials", Pass, detail}, true
}

// CheckEgress reports the path the client's requests to the API take,
// by the rules the client applies (HTTPS_PROXY or https_proxy, NO_PROXY,
// loopback always direct): "direct", or "proxy scheme://host:port" and the
// variable it came from, never the proxy's credentials. A proxy variable
// that does not parse fails the check, as it fails jupico.NewClient. opts
// point at the API as Config.Options do.
func CheckEgress(opts []jupico.Option) Row {
	p, err := transport.ProxyFromEnvironment()
	if err != nil {
		return Row{"egress", Fail, err.Error() + ": the client refuses to start"}
	}
	// A client with placeholder credentials, never used, says where the
	// options point.
	c, err := jupico.NewClient(append(append([]jupico.Option(nil), opts...), jupico.WithCredentials(credentials.Static("doctor", "doctor")))...)
	if err != nil {
		return Row{"egress", Skip, "no usable base url"}
	}
	_ = c.Close()
	u, err := url.Parse(c.BaseURL())
	if err != nil {
		return Row{"egress", Skip, "no usable base url"}
	}
	return Row{"egress", Pass, p.Egress(u)}
}

// probe is a transport middleware that records, for the last attempt, the
// TLS state of the connection, the server's Date header and when the
// request left and the answer came back by the local clock.
type probe struct {
	now func() time.Time

	mu             sync.Mutex
	state          *tls.ConnectionState
	date           string
	sent, received time.Time
}

func (p *probe) wrap(next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sent := p.now()
		resp, err := next.RoundTrip(r)
		if err != nil {
			return resp, err
		}
		received := p.now()
		p.mu.Lock()
		defer p.mu.Unlock()
		p.state, p.date, p.sent, p.received = resp.TLS, resp.Header.Get("Date"), sent, received
		return resp, nil
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// checkAPI calls GET /status once, without retries, and reads the
// connection it went over.
func checkAPI(ctx context.Context, cfg Config) []Row {
	p := &probe{now: cfg.Now}
	client, err := jupico.NewClient(append(append([]jupico.Option(nil), cfg.Options...),
		jupico.WithCredentials(cfg.Credentials),
		jupico.WithRetry(jupico.NoRetry()),
		jupico.WithTransportMiddleware(p.wrap),
		jupico.WithUserAgent(cfg.UserAgent),
	)...)
	if err != nil {
		return []Row{
			{"api reachable", Fail, err.Error()}, {"credentials accepted", Skip, "no answer to judge"},
			{"tls", Skip, "no answer to judge"}, {"clock skew", Skip, "no answer to judge"},
		}
	}
	defer client.Close()

	_, err = client.Status(ctx)
	p.mu.Lock()
	state, date, sent, received := p.state, p.date, p.sent, p.received
	p.mu.Unlock()
	rtt := received.Sub(sent).Round(time.Millisecond)

	var rows []Row
	var apiErr *jupico.APIError
	switch {
	case err == nil:
		rows = append(rows, Row{"api reachable", Pass, fmt.Sprintf("GET /status answered in %v", rtt)},
			Row{"credentials accepted", Pass, "Jupico authenticated the request"})
	case errors.Is(err, jupico.ErrUnauthorized) && errors.As(err, &apiErr):
		rows = append(rows, Row{"api reachable", Pass, fmt.Sprintf("GET /status answered in %v", rtt)},
			Row{"credentials accepted", Fail, fmt.Sprintf("401 %s: check the key, its permissions and the IP allow list", apiErr.Code)})
	case errors.As(err, &apiErr):
		rows = append(rows, Row{"api reachable", Fail, fmt.Sprintf("GET /status answered %d %s", apiErr.HTTPStatus, apiErr.Code)},
			Row{"credentials accepted", Skip, "no answer to judge"})
	default:
		// Certificate, handshake, timeout, connection: the error says which.
		rows = append(rows, Row{"api reachable", Fail, err.Error()}, Row{"credentials accepted", Skip, "no answer to judge"})
	}
	if state == nil {
		return append(rows, Row{"tls", Skip, "no answer to judge"}, Row{"clock skew", Skip, "no answer to judge"})
	}
	return append(rows, CheckTLS(state, cfg.Now()), CheckClock(date, sent, received, cfg.Tolerance))
}

// tls12Suites are the TLS 1.2 suites acceptable for a payments API: ECDHE
// key exchange (forward secrecy) with an AEAD cipher. TLS 1.3 suites all
// qualify.
var tls12Suites = map[uint16]bool{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256:       true,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256:         true,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384:       true,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384:         true,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: true,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256:   true,
}

// CheckTLS judges the negotiated connection: TLS 1.2 or newer (Jupico's
// minimum), and a forward-secret AEAD suite. now dates the certificate's
// expiry.
func CheckTLS(cs *tls.ConnectionState, now time.Time) Row {
	detail := fmt.Sprintf("%s, %s", tls.VersionName(cs.Version), tls.CipherSuiteName(cs.CipherSuite))
	if cs.CurveID != 0 {
		detail += ", " + cs.CurveID.String()
	}
	if cs.NegotiatedProtocol != "" {
		detail += ", " + cs.NegotiatedProtocol
	}
	if len(cs.PeerCertificates) > 0 {
		days := int(cs.PeerCertificates[0].NotAfter.Sub(now).Hours() / 24)
		detail += fmt.Sprintf("; certificate expires in %d days", days)
	}
	switch {
	case cs.Version < tls.VersionTLS12:
		return Row{"tls", Fail, detail + ": below TLS 1.2"}
	case cs.Version == tls.VersionTLS12 && !tls12Suites[cs.CipherSuite]:
		return Row{"tls", Fail, detail + ": not an ECDHE AEAD suite"}
	}
	return Row{"tls", Pass, detail}
}

// CheckClock compares the local clock with the server's Date header,
// received for a request sent and answered at the given local times. The
// header has one-second resolution and the request took rtt, so the skew
// is known to within half a second plus half the round trip. Webhook
// signatures are checked against the local clock with a tolerance; a skew
// of more than half of it leaves too little room for delivery delays.
func CheckClock(date string, sent, received time.Time, tolerance time.Duration) Row {
	if date == "" {
		return Row{"clock skew", Skip, "the server sent no Date header"}
	}
	server, err := http.ParseTime(date)
	if err != nil {
		return Row{"clock skew", Fail, "the server's Date header does not parse"}
	}
	rtt := received.Sub(sent)
	local := sent.Add(rtt / 2)
	skew := server.Add(500 * time.Millisecond).Sub(local) // the header truncates to the second
	margin := 500*time.Millisecond + rtt/2
	abs := skew.Abs()
	var detail string
	switch {
	case abs <= margin:
		detail = fmt.Sprintf("local clock matches the server within ±%v", margin.Round(100*time.Millisecond))
	case skew > 0:
		detail = fmt.Sprintf("local clock %v behind the server (±%v)", abs.Round(100*time.Millisecond), margin.Round(100*time.Millisecond))
	default:
		detail = fmt.Sprintf("local clock %v ahead of the server (±%v)", abs.Round(100*time.Millisecond), margin.Round(100*time.Millisecond))
	}
	detail += fmt.Sprintf("; webhook tolerance ±%v", tolerance)
	if abs > tolerance/2 {
		return Row{"clock skew", Fail, detail + ": synchronise the clock (NTP)"}
	}
	return Row{"clock skew", Pass, detail}
}

// CheckWebhookSecret validates the signing secret the way the verifier
// will: its form and its length. Its errors never repeat the secret.
func CheckWebhookSecret(secret string) Row {
	if strings.TrimSpace(secret) == "" {
		return Row{"webhook secret", Skip, "JUPICO_WEBHOOK_SECRET not set: without one, require BasicAuth and AllowSources"}
	}
	if _, err := webhook.NewVerifier(secret); err != nil {
		return Row{"webhook secret", Fail, err.Error()}
	}
	return Row{"webhook secret", Pass, "well formed"}
}

// CheckToolchain compares a Go version, as runtime.Version reports it,
// with MinGoVersion. A development build cannot be judged and is skipped.
func CheckToolchain(goVersion string) Row {
	v, _, _ := strings.Cut(goVersion, " ") // "go1.27.3 X:exp" names experiments after a space
	switch {
	case !version.IsValid(v):
		return Row{"go toolchain", Skip, fmt.Sprintf("%s: not a release, cannot judge", goVersion)}
	case version.Compare(v, MinGoVersion) < 0:
		return Row{"go toolchain", Fail, fmt.Sprintf("built with %s, older than %s: rebuild with a patched toolchain", v, MinGoVersion)}
	}
	return Row{"go toolchain", Pass, fmt.Sprintf("built with %s (%s or newer)", v, MinGoVersion)}
}
