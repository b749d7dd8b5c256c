// Command quickstart calls Jupico through the SDK.
//
// With no environment set it starts the in-process fake Jupico
// (jupico/jupicotest) and needs no account:
//
//	go run ./examples/quickstart
//
// With JUPICO_ENV=sandbox (or production) and credentials in the
// environment (JUPICO_API_USERNAME and JUPICO_API_PASSWORD, or
// JUPICO_API_KEY) it talks to the real API.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	client, cleanup, err := newClient()
	if err != nil {
		return err
	}
	defer cleanup()
	fmt.Fprintf(out, "talking to %s\n", client.BaseURL())

	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()

	st, err := client.Status(ctx)
	if err != nil {
		return fmt.Errorf("status: %w", err)
	}
	fmt.Fprintf(out, "status: online=%t\n", st.Online)
	return nil
}

// newClient returns a client for the real API when JUPICO_ENV is set, and
// for an in-process fake otherwise.
func newClient() (*jupico.Client, func(), error) {
	if v := os.Getenv("JUPICO_ENV"); v != "" {
		env, err := jupico.ParseEnvironment(v)
		if err != nil {
			return nil, nil, err
		}
		c, err := jupico.NewClient(jupico.WithEnvironment(env), jupico.WithUserAgent("jupico-go-quickstart"))
		return c, func() { _ = c.Close() }, err
	}
	srv := jupicotest.Start()
	c, err := srv.NewClient(jupico.WithUserAgent("jupico-go-quickstart"))
	if err != nil {
		srv.Close()
		return nil, nil, err
	}
	return c, func() { _ = c.Close(); srv.Close() }, nil
}
