package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/jupico/jupico-go/jupico"
)

const rollbackHelp = `Send a stored rollback request, Jupico's system reversal of a transaction
whose outcome is unknown (CreditCardService.Rollback). The file holds a
jupico.RollbackRequest as JSON, e.g. the one an *IndeterminateError carries:

  {"operation": "creditcard.sale", "body": {...the original request body...}}

The file must hold that one object and nothing after it, and the body must
pass the checks of the original transaction (one JSON object with the
operation's required members, no card number in any of its strings), or
nothing is sent. It is safe to repeat and is retried as the SDK retries
rollbacks. Exits 0 when Jupico acknowledged it, 1 when Jupico refused it, 2
for a malformed file or body, 3 when no answer came.`

// rollbackResult is what jupico rollback --json prints.
type rollbackResult struct {
	Operation    string `json:"operation"`
	Acknowledged bool   `json:"acknowledged"`
	HTTPStatus   int    `json:"httpStatus,omitempty"`
	Code         string `json:"code,omitempty"`
	RequestID    string `json:"requestId,omitempty"`
}

func runRollback(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "rollback")
	var c conn
	c.register(fs, e)
	file := fs.String("file", "", `the rollback request, as JSON ("-": standard input; required)`)
	if err := parse(e, fs, args, "--file rollback.json [--env sandbox|production | --base-url URL --ca-file F] [--json]", rollbackHelp); err != nil {
		return err
	}
	if *file == "" {
		return exit(exitUsage, "--file is required")
	}
	raw, err := readFile(*file, "--file")
	if err != nil {
		return err
	}
	var req jupico.RollbackRequest
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return exit(exitUsage, "--file %s: not a rollback request (want {\"operation\": ..., \"body\": {...}})", *file)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return exit(exitUsage, "--file %s: has data after the rollback request; it must hold exactly one JSON object", *file)
	}
	creds, err := apiCredentials(ctx, e, true)
	if err != nil {
		return err
	}
	client, _, err := newClient(&c, creds)
	if err != nil {
		return err
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	err = client.CreditCard.Rollback(ctx, &req)
	res := rollbackResult{Operation: req.Operation, Acknowledged: err == nil}
	var apiErr *jupico.APIError
	if errors.As(err, &apiErr) {
		res.HTTPStatus, res.Code, res.RequestID = apiErr.HTTPStatus, string(apiErr.Code), apiErr.RequestID
	}
	if err != nil {
		if e.json && apiErr != nil {
			e.printJSON(res)
		}
		return apiFailure(err)
	}
	if e.json {
		e.printJSON(res)
	} else {
		fmt.Fprintf(e.stdout, "rollback of %s acknowledged\n", printable(req.Operation))
	}
	return nil
}
