package main

import (
	"context"
	"fmt"

	"github.com/jupico/jupico-go/internal/app/doctor"
	"github.com/jupico/jupico-go/webhook"
)

const doctorHelp = `Check a deployment against Jupico's minimum configuration: credentials
present and well formed, the egress path ("direct", or the proxy from
HTTPS_PROXY as scheme://host:port, never its credentials), accepted by Jupico, the API reachable (GET /status),
the TLS version and cipher suite negotiated, the local clock's skew against
the server's compared with the webhook tolerance, the webhook signing secret
well formed (when one is given), and the Go toolchain this command was built
with patched (` + doctor.MinGoVersion + ` or newer). It prints a table, and exits 1 when
a check fails. Credentials come from JUPICO_API_USERNAME and
JUPICO_API_PASSWORD, or JUPICO_API_KEY (each also as _FILE); the webhook
secret from --secret-file, JUPICO_WEBHOOK_SECRET or
JUPICO_WEBHOOK_SECRET_FILE.`

func runDoctor(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "doctor")
	var c conn
	c.register(fs, e)
	secretFile := fs.String("secret-file", "", "a file holding the webhook signing secret (default $JUPICO_WEBHOOK_SECRET)")
	tolerance := fs.Duration("webhook-tolerance", webhook.DefaultTolerance, "the webhook verifier's timestamp tolerance")
	if err := parse(e, fs, args, "[--env sandbox|production | --base-url URL --ca-file F] [--secret-file F] [--json]", doctorHelp); err != nil {
		return err
	}
	opts, target, err := c.options()
	if err != nil {
		return err
	}
	creds, err := apiCredentials(ctx, e, false)
	if err != nil {
		return err
	}
	// The webhook secret is optional here: without one its check is
	// skipped; a malformed one fails it, by its source.
	secret, secretRow := "", ""
	_, setEnv := e.lookupEnv("JUPICO_WEBHOOK_SECRET")
	_, setFile := e.lookupEnv("JUPICO_WEBHOOK_SECRET_FILE")
	if *secretFile != "" || setEnv || setFile {
		if secret, err = webhookSecret(ctx, e, *secretFile); err != nil {
			secretRow = err.Error()
		}
	}
	rep := doctor.Run(ctx, doctor.Config{
		Target:        target,
		Options:       opts,
		Credentials:   creds,
		WebhookSecret: secret,
		Tolerance:     *tolerance,
		Timeout:       c.timeout,
		UserAgent:     "jupico-cli",
		Toolchain:     true,
	})
	if secretRow != "" {
		for i := range rep.Checks {
			if rep.Checks[i].Check == "webhook secret" {
				rep.Checks[i] = doctor.Row{Check: "webhook secret", Result: doctor.Fail, Detail: secretRow}
				rep.Failed++
			}
		}
	}
	if e.json {
		e.printJSON(rep)
	} else {
		// The details quote what Jupico answered.
		text := *rep
		text.Target = printable(rep.Target)
		text.Checks = make([]doctor.Row, len(rep.Checks))
		for i, row := range rep.Checks {
			text.Checks[i] = doctor.Row{Check: printable(row.Check), Result: printable(row.Result), Detail: printable(row.Detail)}
		}
		if err := text.WriteText(e.stdout); err != nil {
			return err
		}
	}
	if rep.Failed > 0 {
		return &exitError{exitFailed, fmt.Errorf("%d of %d checks failed", rep.Failed, len(rep.Checks))}
	}
	return nil
}
