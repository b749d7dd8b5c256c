// Command merchant-service runs a small checkout HTTP service (checkout.go)
// that takes card payments through the SDK, and exercises it as a shop's
// front end would: a payment, the browser retrying it, a declined card, a
// payment Jupico loses the answer to (the SDK rolls it back, the shopper may
// retry), and a partial refund. The service depends only on
// jupico.CreditCardAPI, so its unit tests (checkout_test.go) run on
// jupicomock with no network at all.
//
// With no environment set it runs against the in-process fake Jupico
// (jupico/jupicotest) and needs no account:
//
//	go run ./examples/merchant-service
//
// With JUPICO_ENV=sandbox and credentials in the environment
// (JUPICO_API_USERNAME and JUPICO_API_PASSWORD, or JUPICO_API_KEY) it
// charges Jupico's sandbox instead, with the sandbox test token, for the
// sub-merchant JUPICO_SUBMERCHANT_ID (default: the docs' demo merchant).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

func main() {
	cfg := config{env: os.Getenv("JUPICO_ENV"), merchant: os.Getenv("JUPICO_SUBMERCHANT_ID"), logs: os.Stderr}
	if err := run(context.Background(), os.Stdout, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "merchant-service:", err)
		os.Exit(1)
	}
}

type config struct {
	env      string    // "" for the fake, else a jupico.Environment
	merchant string    // sub-merchant; "" for the docs' demo one
	logs     io.Writer // the service's log; nil discards it
}

func run(ctx context.Context, out io.Writer, cfg config) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	if cfg.merchant == "" {
		cfg.merchant = "jpt-fs-demo-acc1-m1"
	}
	client, fake, err := connect(cfg)
	if err != nil {
		return err
	}
	defer client.Close()
	if fake != nil {
		defer fake.Close()
		fmt.Fprintln(out, "charging an in-process fake Jupico (set JUPICO_ENV=sandbox for the real sandbox)")
	} else {
		fmt.Fprintf(out, "charging Jupico at %s\n", client.BaseURL())
	}

	// The service's own log goes apart (stderr); out shows the conversation.
	logger := slog.New(slog.DiscardHandler)
	if cfg.logs != nil {
		logger = slog.New(slog.NewTextHandler(cfg.logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	svc := NewCheckout(client.CreditCard, cfg.merchant, logger)
	base, stop, err := listen(svc.Handler())
	if err != nil {
		return err
	}
	defer stop()
	fmt.Fprintf(out, "checkout service on %s\n", base)

	shop := &shopper{base: base, out: out, http: &http.Client{Timeout: 2 * time.Minute}}
	steps := []struct {
		what   string
		path   string
		body   any
		status int
	}{
		{"pay order-1001", "/checkout", checkoutRequest{OrderID: "order-1001", Amount: "25.00", SavedCard: jupico.SandboxTestToken}, http.StatusOK},
		{"the browser retries order-1001", "/checkout", checkoutRequest{OrderID: "order-1001", Amount: "25.00", SavedCard: jupico.SandboxTestToken}, http.StatusOK},
		{"pay order-1002 with a card that is declined (sandbox trigger 90.20)", "/checkout", checkoutRequest{OrderID: "order-1002", Amount: "90.20", SavedCard: jupico.SandboxTestToken}, http.StatusPaymentRequired},
		{"pay order-1003: Jupico answers 500 (sandbox trigger 101.11)", "/checkout", checkoutRequest{OrderID: "order-1003", Amount: "101.11", SavedCard: jupico.SandboxTestToken}, http.StatusServiceUnavailable},
		{"refund 10.00 of order-1001", "/refunds", refundRequest{OrderID: "order-1001", Amount: "10.00"}, http.StatusOK},
		{"look up order-1001", "/orders/order-1001", nil, http.StatusOK},
	}
	answers := make([]*answer, len(steps))
	for i, s := range steps {
		fmt.Fprintf(out, "%d. %s\n", i+1, s.what)
		if answers[i], err = shop.call(ctx, s.path, s.body, s.status); err != nil {
			return fmt.Errorf("%s: %w", s.what, err)
		}
	}
	if answers[0].TransactionID == "" || answers[1].TransactionID != answers[0].TransactionID {
		return errors.New("the retry of order-1001 did not get the first payment's answer")
	}
	if fake != nil {
		sales := 0
		for _, tx := range fake.Transactions() {
			if tx.Kind == "sale" && !tx.Voided {
				sales++
			}
		}
		fmt.Fprintf(out, "the fake holds %d sale for the two attempts at order-1001 and %d rollback for order-1003\n", sales, len(fake.Rollbacks()))
		if sales != 1 {
			return fmt.Errorf("the fake holds %d sales, want 1", sales)
		}
	}
	fmt.Fprintln(out, "done")
	return nil
}

// connect returns a client for the real API when env is set, and for an
// in-process fake otherwise.
func connect(cfg config) (*jupico.Client, *jupicotest.Server, error) {
	opts := []jupico.Option{jupico.WithUserAgent("jupico-go-merchant-service-example")}
	if cfg.env != "" {
		env, err := jupico.ParseEnvironment(cfg.env)
		if err != nil {
			return nil, nil, err
		}
		c, err := jupico.NewClient(append(opts, jupico.WithEnvironment(env))...)
		return c, nil, err
	}
	fake := jupicotest.Start()
	c, err := fake.NewClient(opts...)
	if err != nil {
		fake.Close()
		return nil, nil, err
	}
	return c, fake, nil
}

// listen serves h on a loopback port. A real deployment puts the service
// behind its HTTPS front end; this one is only reached from this process.
func listen(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 2 * time.Minute}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	return "http://" + ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	}, nil
}

// shopper is the front end calling the service.
type shopper struct {
	base string
	out  io.Writer
	http *http.Client
}

// call sends body (GET when nil) to path, prints the answer and checks its
// status.
func (s *shopper) call(ctx context.Context, path string, body any, want int) (*answer, error) {
	method, rd := http.MethodGet, io.Reader(nil)
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		method, rd = http.MethodPost, bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var a answer
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&a); err != nil {
		return nil, fmt.Errorf("%d with an unreadable body: %w", resp.StatusCode, err)
	}
	fmt.Fprintf(s.out, "   %s %s -> %d %s", method, path, resp.StatusCode, a.Status)
	if a.TransactionID != "" {
		fmt.Fprintf(s.out, " %s", a.TransactionID)
	}
	if a.Amount != "" {
		fmt.Fprintf(s.out, " %s", a.Amount)
	}
	if a.Message != "" {
		fmt.Fprintf(s.out, " (%q)", a.Message)
	}
	fmt.Fprintln(s.out)
	if resp.StatusCode != want {
		return &a, errors.New("unexpected status " + resp.Status)
	}
	return &a, nil
}
