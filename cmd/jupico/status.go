package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jupico/jupico-go/jupico"
)

const statusHelp = `Call Jupico's health check, GET /status, once, and print its answer.
Exits 0 when Jupico answers 2xx, 1 for another answer (401 included) and 3
when no answer came.`

// statusResult is what jupico status --json prints.
type statusResult struct {
	Target    string          `json:"target"`
	Online    bool            `json:"online"`
	RequestID string          `json:"requestId,omitempty"`
	Body      json.RawMessage `json:"body,omitempty"`
}

func runStatus(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "status")
	var c conn
	c.register(fs, e)
	if err := parse(e, fs, args, "[--env sandbox|production | --base-url URL --ca-file F] [--json]", statusHelp); err != nil {
		return err
	}
	creds, err := apiCredentials(ctx, e, true)
	if err != nil {
		return err
	}
	client, target, err := newClient(&c, creds, jupico.WithRetry(jupico.NoRetry()))
	if err != nil {
		return err
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	st, err := client.Status(ctx)
	if err != nil {
		return apiFailure(err)
	}
	res := statusResult{Target: target, Online: st.Online, RequestID: st.RequestID, Body: st.Body}
	if e.json {
		e.printJSON(res)
		return nil
	}
	fmt.Fprintf(e.stdout, "%s: online", printable(target))
	if st.RequestID != "" {
		fmt.Fprintf(e.stdout, " (request %s)", printable(st.RequestID))
	}
	fmt.Fprintln(e.stdout)
	if len(st.Body) > 0 {
		fmt.Fprintf(e.stdout, "%s\n", printable(string(st.Body)))
	}
	return nil
}
