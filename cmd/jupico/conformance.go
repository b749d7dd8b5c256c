package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/jupico/jupico-go/internal/app/conformance"
	"github.com/jupico/jupico-go/jupico"
)

const conformanceHelp = `Exercise every operation of the API against a server and report where the
SDK's picture of Jupico is wrong: operations refused where the SDK expects
success, answers it could not decode, members answered that it does not
model ("unknown") and members it relies on that did not come ("missing").

Targets: --env sandbox (Jupico's sandbox), or --base-url URL (with --ca-file)
for jupico fake or another server. Production is always refused: --env
production, $JUPICO_ENV=production and a --base-url on Jupico's production
host alike. The API credentials come from the environment, as for every
command (JUPICO_API_USERNAME and JUPICO_API_PASSWORD, or JUPICO_API_KEY, or
their _FILE variants), never from a flag.

The run sends only the documented sandbox token (never a card number), puts
its prefix (conf-<time>-<random>) in every reference, description and name,
and at its end (also on SIGINT or SIGTERM, or when --timeout is reached)
refunds, voids, cancels and deletes what it created, then lists what it
could not undo. The report holds names, statuses and Jupico's error codes,
never a value of an answer.

Each operation's result is ok, drift, refused or skipped (with the reason).
Exits 0 when no operation drifted or was refused, 1 when one did (or the
run was interrupted), 2 for a usage error, 3 when the status call could
not connect.`

func runConformance(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "conformance")
	var c conn
	def := e.getenv("JUPICO_ENV")
	if def == "" {
		def = string(jupico.EnvironmentSandbox)
	}
	fs.StringVar(&c.env, "env", def, `"sandbox" (default $JUPICO_ENV, else sandbox); production is refused`)
	fs.StringVar(&c.baseURL, "base-url", e.getenv("JUPICO_BASE_URL"), "an https base URL to exercise instead of the sandbox, e.g. jupico fake's (default $JUPICO_BASE_URL)")
	fs.StringVar(&c.caFile, "ca-file", "", "a PEM file of the root certificates to trust for --base-url (default: the system's)")
	timeout := fs.Duration("timeout", 5*time.Minute, "how long the whole run may take, cleanup excluded")
	rateFlag := fs.Float64("rate", conformance.DefaultRate, "at most this many requests per second")
	markdown := fs.String("markdown", "", "also write the report as Markdown to this file")
	sub := fs.String("sub-merchant", "", "the sub-merchant to use (default: the first active one listed, else the one the run provisions)")
	settle := fs.Duration("settle-wait", conformance.DefaultSettleWait, "how long the payout waits for the run's sale to settle into the available balance")
	if err := parse(e, fs, args, "[--env sandbox | --base-url URL --ca-file F] [--rate N] [--timeout D] [--markdown FILE] [--json]", conformanceHelp); err != nil {
		return err
	}
	if *timeout <= 0 {
		return exit(exitUsage, "--timeout must be positive")
	}
	if *rateFlag <= 0 {
		return exit(exitUsage, "--rate must be positive")
	}
	env, err := jupico.ParseEnvironment(c.env)
	if err != nil {
		return exit(exitUsage, "--env: %w", err)
	}
	if env == jupico.EnvironmentProduction {
		return exit(exitUsage, "refusing to run against production (--env or $JUPICO_ENV): a conformance run creates and moves things; use the sandbox or a fake")
	}
	baseURL, target := c.baseURL, c.baseURL
	if baseURL == "" {
		baseURL, target = env.BaseURL(), fmt.Sprintf("Jupico %s at %s", env, env.BaseURL())
	}
	if conformance.IsProduction(baseURL) {
		return exit(exitUsage, "refusing to run against production (--base-url is Jupico's production host): use the sandbox or a fake")
	}
	c.timeout = jupico.DefaultTransactionTimeout + 5*time.Second
	opts := []jupico.Option{jupico.WithUserAgent("jupico-cli"), jupico.WithTimeout(c.timeout)}
	if c.caFile != "" {
		pool, err := readPool(c.caFile, "--ca-file")
		if err != nil {
			return err
		}
		opts = append(opts, jupico.WithRootCAs(pool))
	}
	var md *os.File
	if *markdown != "" {
		// Created before the run, so a path that cannot be written is a
		// usage error before anything is sent.
		if md, err = os.Create(*markdown); err != nil {
			return exit(exitUsage, "--markdown: %w", err)
		}
		defer md.Close()
	}
	creds, err := apiCredentials(ctx, e, true)
	if err != nil {
		return err
	}
	opts = append(opts, jupico.WithCredentials(creds))

	runCtx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	rep, err := conformance.Run(runCtx, conformance.Options{BaseURL: baseURL, Target: target, Client: opts, SubMerchantID: *sub,
		Rate: *rateFlag, SettleWait: *settle})
	switch {
	case errors.Is(err, conformance.ErrProduction):
		return exit(exitUsage, "%w", err)
	case err != nil:
		return apiFailure(err)
	}
	if md != nil {
		if err := rep.WriteMarkdown(md); err != nil {
			return exit(exitFailed, "--markdown: %w", err)
		}
		if err := md.Close(); err != nil {
			return exit(exitFailed, "--markdown: %w", err)
		}
	}
	if e.json {
		e.printJSON(rep)
	} else if err := rep.WriteTable(e.stdout, printable); err != nil {
		return exit(exitFailed, "writing the report: %w", err)
	}
	n := rep.Counts()
	switch {
	case rep.Unreachable:
		return exit(exitTransport, "%s could not be reached: the status call got no answer", target)
	case n[conformance.ResultDrift] > 0 || n[conformance.ResultRefused] > 0:
		return exit(exitFailed, "%d operations drifted, %d were refused", n[conformance.ResultDrift], n[conformance.ResultRefused])
	case rep.Interrupted:
		return exit(exitFailed, "the run was interrupted before it finished")
	}
	return nil
}
