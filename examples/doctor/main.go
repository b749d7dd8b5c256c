// Command doctor checks a deployment against Jupico's minimum
// configuration: credentials present and well formed, accepted by Jupico,
// the API reachable (GET /status), the TLS version and cipher suite
// negotiated with the API host, the local clock's skew against the server's
// Date header compared with the webhook timestamp tolerance, and the
// webhook signing secret well formed. It prints a pass/fail table and exits
// with status 1 if any check fails.
//
// With no environment set it checks the in-process fake Jupico
// (jupico/jupicotest), so it runs anywhere:
//
//	go run ./examples/doctor
//
// On a host you are deploying to, point it at Jupico with JUPICO_ENV (or
// -env) set to sandbox or production; it then reads the credentials as the
// SDK does by default (JUPICO_API_USERNAME and JUPICO_API_PASSWORD, or
// JUPICO_API_KEY, each also as a _FILE variant) and the webhook secret from
// JUPICO_WEBHOOK_SECRET:
//
//	JUPICO_ENV=production go run ./examples/doctor
//
// It never prints a secret: errors name the variable or file at fault,
// never its value.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
	"github.com/jupico/jupico-go/webhook"
)

func main() {
	cfg := config{now: time.Now, webhookSecret: os.Getenv("JUPICO_WEBHOOK_SECRET")}
	flag.StringVar(&cfg.env, "env", os.Getenv("JUPICO_ENV"), `"sandbox" or "production"; empty checks the in-process fake`)
	flag.DurationVar(&cfg.tolerance, "webhook-tolerance", webhook.DefaultTolerance, "the webhook verifier's timestamp tolerance")
	flag.DurationVar(&cfg.timeout, "timeout", 30*time.Second, "how long to wait for Jupico")
	flag.Parse()
	err := run(context.Background(), os.Stdout, cfg)
	if errors.Is(err, errChecksFailed) {
		os.Exit(1)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "doctor:", err)
		os.Exit(2)
	}
}

type config struct {
	env           string        // "" checks a fake
	tolerance     time.Duration // the webhook verifier's
	timeout       time.Duration
	webhookSecret string               // "" uses the fake's, or skips the check against Jupico
	now           func() time.Time     // the local clock
	fake          *jupicotest.Server   // checked instead of a fresh one, when env is ""
	creds         credentials.Provider // replaces the default provider when set
}

// errChecksFailed is returned by run when the table has a failure.
var errChecksFailed = errors.New("checks failed")

// Check results.
const (
	pass = "PASS"
	fail = "FAIL"
	skip = "SKIP"
)

type row struct{ check, result, detail string }

func run(ctx context.Context, out io.Writer, cfg config) error {
	if cfg.now == nil {
		cfg.now = time.Now
	}
	if cfg.tolerance <= 0 {
		cfg.tolerance = webhook.DefaultTolerance
	}
	if cfg.timeout <= 0 {
		cfg.timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.timeout)
	defer cancel()

	var (
		opts   []jupico.Option
		creds  credentials.Provider
		target string
		secret = cfg.webhookSecret
	)
	if cfg.env != "" {
		env, err := jupico.ParseEnvironment(cfg.env)
		if err != nil {
			return err
		}
		opts = append(opts, jupico.WithEnvironment(env))
		creds = credentials.FromEnv()
		target = fmt.Sprintf("Jupico %s at %s", env, env.BaseURL())
	} else {
		fake := cfg.fake
		if fake == nil {
			fake = jupicotest.Start()
			defer fake.Close()
		}
		opts = fake.ClientOptions()
		creds = fake.Credentials()
		if secret == "" {
			secret = fake.WebhookSecret()
		}
		target = "the in-process fake Jupico at " + fake.URL() + " (set JUPICO_ENV to check a real environment)"
	}
	if cfg.creds != nil {
		creds = cfg.creds
	}
	fmt.Fprintf(out, "checking %s\n\n", target)

	var rows []row
	credRow, haveCreds := checkCredentials(ctx, creds)
	rows = append(rows, credRow)
	if haveCreds {
		rows = append(rows, checkAPI(ctx, cfg, creds, opts)...)
	} else {
		for _, c := range []string{"api reachable", "credentials accepted", "tls", "clock skew"} {
			rows = append(rows, row{c, skip, "needs credentials"})
		}
	}
	rows = append(rows, checkWebhookSecret(secret))

	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tRESULT\tDETAIL")
	failed := 0
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.check, r.result, r.detail)
		if r.result == fail {
			failed++
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if failed > 0 {
		fmt.Fprintf(out, "\n%d of %d checks failed\n", failed, len(rows))
		return fmt.Errorf("%w: %d of %d", errChecksFailed, failed, len(rows))
	}
	fmt.Fprintf(out, "\nall checks passed\n")
	return nil
}

// checkCredentials reads the credentials once. Their errors name the
// variable or file and the rule broken, never the value.
func checkCredentials(ctx context.Context, p credentials.Provider) (row, bool) {
	c, err := p.Retrieve(ctx)
	if err != nil {
		return row{"credentials", fail, err.Error()}, false
	}
	detail := fmt.Sprintf("present and well formed: user %s from %s", c.Username(), c.Source)
	if !c.Expires.IsZero() {
		detail += ", expires " + c.Expires.UTC().Format(time.RFC3339)
	}
	return row{"credentials", pass, detail}, true
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
func checkAPI(ctx context.Context, cfg config, creds credentials.Provider, opts []jupico.Option) []row {
	p := &probe{now: cfg.now}
	client, err := jupico.NewClient(append(opts,
		jupico.WithCredentials(creds),
		jupico.WithRetry(jupico.NoRetry),
		jupico.WithTransportMiddleware(p.wrap),
		jupico.WithUserAgent("jupico-go-doctor"),
	)...)
	if err != nil {
		return []row{{"api reachable", fail, err.Error()}}
	}
	defer client.Close()

	_, err = client.Status(ctx)
	p.mu.Lock()
	state, date, sent, received := p.state, p.date, p.sent, p.received
	p.mu.Unlock()
	rtt := received.Sub(sent).Round(time.Millisecond)

	var rows []row
	var apiErr *jupico.APIError
	switch {
	case err == nil:
		rows = append(rows, row{"api reachable", pass, fmt.Sprintf("GET /status answered in %v", rtt)},
			row{"credentials accepted", pass, "Jupico authenticated the request"})
	case errors.Is(err, jupico.ErrUnauthorized) && errors.As(err, &apiErr):
		rows = append(rows, row{"api reachable", pass, fmt.Sprintf("GET /status answered in %v", rtt)},
			row{"credentials accepted", fail, fmt.Sprintf("401 %s: check the key, its permissions and the IP allow list", apiErr.Code)})
	case errors.As(err, &apiErr):
		rows = append(rows, row{"api reachable", fail, fmt.Sprintf("GET /status answered %d %s", apiErr.HTTPStatus, apiErr.Code)},
			row{"credentials accepted", skip, "no answer to judge"})
	default:
		// Certificate, handshake, timeout, connection: the error says which.
		rows = append(rows, row{"api reachable", fail, err.Error()}, row{"credentials accepted", skip, "no answer to judge"})
	}
	if state == nil {
		return append(rows, row{"tls", skip, "no answer to judge"}, row{"clock skew", skip, "no answer to judge"})
	}
	return append(rows, checkTLS(state, cfg.now()), checkClock(date, sent, received, cfg.tolerance))
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

// checkTLS judges the negotiated connection: TLS 1.2 or newer (Jupico's
// minimum), and a forward-secret AEAD suite.
func checkTLS(cs *tls.ConnectionState, now time.Time) row {
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
		return row{"tls", fail, detail + ": below TLS 1.2"}
	case cs.Version == tls.VersionTLS12 && !tls12Suites[cs.CipherSuite]:
		return row{"tls", fail, detail + ": not an ECDHE AEAD suite"}
	}
	return row{"tls", pass, detail}
}

// checkClock compares the local clock with the server's Date header. The
// header has one-second resolution and the request took rtt, so the skew is
// known to within half a second plus half the round trip. Webhook
// signatures are checked against the local clock with a tolerance; a skew
// of more than half of it leaves too little room for delivery delays.
func checkClock(date string, sent, received time.Time, tolerance time.Duration) row {
	if date == "" {
		return row{"clock skew", skip, "the server sent no Date header"}
	}
	server, err := http.ParseTime(date)
	if err != nil {
		return row{"clock skew", fail, "the server's Date header does not parse"}
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
		return row{"clock skew", fail, detail + ": synchronise the clock (NTP)"}
	}
	return row{"clock skew", pass, detail}
}

// checkWebhookSecret validates the signing secret the way the verifier
// will. Its errors never repeat the secret.
func checkWebhookSecret(secret string) row {
	if strings.TrimSpace(secret) == "" {
		return row{"webhook secret", skip, "JUPICO_WEBHOOK_SECRET not set: without one, require BasicAuth and AllowSources"}
	}
	if _, err := webhook.NewVerifier(secret); err != nil {
		return row{"webhook secret", fail, err.Error()}
	}
	return row{"webhook secret", pass, "well formed"}
}
