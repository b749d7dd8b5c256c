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
// never its value. The checks live in internal/app/doctor, which the jupico
// command's doctor subcommand shares.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/internal/app/doctor"
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
var errChecksFailed = doctor.ErrChecksFailed

// Check results.
const (
	pass = doctor.Pass
	fail = doctor.Fail
	skip = doctor.Skip
)

type row struct{ check, result, detail string }

func fromRow(r doctor.Row) row { return row{r.Check, r.Result, r.Detail} }

func run(ctx context.Context, out io.Writer, cfg config) error {
	dc := doctor.Config{
		Tolerance:     cfg.tolerance,
		Timeout:       cfg.timeout,
		Now:           cfg.now,
		WebhookSecret: cfg.webhookSecret,
	}
	if cfg.env != "" {
		env, err := jupico.ParseEnvironment(cfg.env)
		if err != nil {
			return err
		}
		dc.Options = []jupico.Option{jupico.WithEnvironment(env)}
		dc.Credentials = credentials.FromEnv()
		dc.Target = fmt.Sprintf("Jupico %s at %s", env, env.BaseURL())
	} else {
		fake := cfg.fake
		if fake == nil {
			fake = jupicotest.Start()
			defer fake.Close()
		}
		dc.Options = fake.ClientOptions()
		dc.Credentials = fake.Credentials()
		if dc.WebhookSecret == "" {
			dc.WebhookSecret = fake.WebhookSecret()
		}
		dc.Target = "the in-process fake Jupico at " + fake.URL() + " (set JUPICO_ENV to check a real environment)"
	}
	if cfg.creds != nil {
		dc.Credentials = cfg.creds
	}
	rep := doctor.Run(ctx, dc)
	if err := rep.WriteText(out); err != nil {
		return err
	}
	return rep.Err()
}

// checkCredentials reads the credentials once. Their errors name the
// variable or file and the rule broken, never the value.
func checkCredentials(ctx context.Context, p credentials.Provider) (row, bool) {
	r, ok := doctor.CheckCredentials(ctx, p)
	return fromRow(r), ok
}

// checkTLS judges the negotiated connection (see doctor.CheckTLS).
func checkTLS(cs *tls.ConnectionState, now time.Time) row { return fromRow(doctor.CheckTLS(cs, now)) }

// checkClock compares the local clock with the server's Date header (see
// doctor.CheckClock).
func checkClock(date string, sent, received time.Time, tolerance time.Duration) row {
	return fromRow(doctor.CheckClock(date, sent, received, tolerance))
}
