// Command quickstart walks through the SDK's main calls: status, a sale, an
// authorization and its capture, a refund, a void, a decline, and a sale
// whose outcome is unknown, which the SDK rolls back by itself.
//
// With no environment set it starts the in-process fake Jupico
// (jupico/jupicotest) and needs no account:
//
//	go run ./examples/quickstart
//
// With JUPICO_ENV=sandbox and credentials in the environment
// (JUPICO_API_USERNAME and JUPICO_API_PASSWORD, or JUPICO_API_KEY) it talks
// to Jupico's sandbox, using JUPICO_SUBMERCHANT_ID (default: the docs'
// demo sub-merchant) and the sandbox test token.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
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

type demo struct {
	client   *jupico.Client
	fake     *jupicotest.Server // nil against the real API
	merchant string
	token    jupico.PaymentToken
	out      io.Writer
}

func run(ctx context.Context, out io.Writer) error {
	d, cleanup, err := setup(out)
	if err != nil {
		return err
	}
	defer cleanup()
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()

	fmt.Fprintf(out, "1. status\n")
	st, err := d.client.Status(ctx)
	if err != nil {
		return fmt.Errorf("status: %w", err)
	}
	fmt.Fprintf(out, "   online: %t\n", st.Online)

	fmt.Fprintf(out, "2. sale of 25.00\n")
	sale, err := d.client.CreditCard.Sale(ctx, d.charge(2500, "order-1001"))
	if err != nil {
		return fmt.Errorf("sale: %w", err)
	}
	fmt.Fprintf(out, "   %s, amount %s, auth code %s\n", sale.Status, sale.Amount, sale.AuthCode)

	fmt.Fprintf(out, "3. authorize 100.00, capture 80.00\n")
	auth, err := d.client.CreditCard.Authorize(ctx, d.charge(10000, "order-1002"))
	if err != nil {
		return fmt.Errorf("authorize: %w", err)
	}
	eighty := jupico.Cents(8000)
	capt, err := d.client.CreditCard.Capture(ctx, &jupico.CaptureRequest{SubMerchantID: d.merchant, TransactionID: auth.ID, Amount: &eighty})
	if err != nil {
		return fmt.Errorf("capture: %w", err)
	}
	fmt.Fprintf(out, "   authorized %s, captured %s\n", auth.Amount, capt.Amount)

	fmt.Fprintf(out, "4. refund 30.00 of the capture\n")
	thirty := jupico.Cents(3000)
	ref, err := d.client.CreditCard.Refund(ctx, &jupico.RefundRequest{SubMerchantID: d.merchant, TransactionID: auth.ID, Amount: &thirty})
	if err != nil {
		return fmt.Errorf("refund: %w", err)
	}
	fmt.Fprintf(out, "   refunded %s\n", ref.Amount)

	fmt.Fprintf(out, "5. void the sale before it settles\n")
	if _, err := d.client.CreditCard.Void(ctx, &jupico.VoidRequest{SubMerchantID: d.merchant, TransactionID: sale.ID}); err != nil {
		return fmt.Errorf("void: %w", err)
	}
	fmt.Fprintf(out, "   voided\n")

	fmt.Fprintf(out, "6. a declined card (sandbox trigger 90.20)\n")
	decl := d.charge(9020, "order-1003")
	decl.PaymentToken = jupico.PermanentToken("card", jupico.SandboxTestToken)
	_, err = d.client.CreditCard.Sale(ctx, decl)
	var apiErr *jupico.APIError
	if !errors.Is(err, jupico.ErrDeclined) || !errors.As(err, &apiErr) {
		return fmt.Errorf("decline: expected a decline, got %v", err)
	}
	fmt.Fprintf(out, "   declined: %s (%q is safe to show the customer)\n", apiErr.Code, apiErr.Message)

	fmt.Fprintf(out, "7. a sale whose outcome is unknown (Jupico answers 500)\n")
	unknown := d.charge(10111, "order-1004") // sandbox trigger 101.11: HTTP 500
	unknown.PaymentToken = jupico.PermanentToken("card", jupico.SandboxTestToken)
	_, err = d.client.CreditCard.Sale(ctx, unknown)
	var ind *jupico.IndeterminateError
	if !errors.As(err, &ind) {
		return fmt.Errorf("indeterminate: expected an unknown outcome, got %v", err)
	}
	fmt.Fprintf(out, "   outcome unknown; rolled back by the SDK: %t\n", ind.RolledBack)
	if !ind.RolledBack {
		return fmt.Errorf("rollback was not acknowledged: %w", err)
	}
	if d.fake != nil {
		// Every rollback request the fake received is an attempt of this
		// one rollback: the first met a 503, and the SDK retried it.
		fmt.Fprintf(out, "   one rollback, acknowledged on attempt %d (the first met a 503 and was retried)\n", len(d.fake.Rollbacks()))
	}
	fmt.Fprintln(out, "done")
	return nil
}

func (d *demo) charge(cents int64, ref string) *jupico.ChargeRequest {
	return &jupico.ChargeRequest{
		SubMerchantID: d.merchant,
		Amount:        jupico.Cents(cents),
		PaymentToken:  d.token,
		Description:   "quickstart " + ref,
		Reference:     ref,
	}
}

// setup returns a client for the real API when JUPICO_ENV is set, and for
// an in-process fake otherwise.
func setup(out io.Writer) (*demo, func(), error) {
	opts := []jupico.Option{jupico.WithUserAgent("jupico-go-quickstart")}
	if v := os.Getenv("JUPICO_ENV"); v != "" {
		env, err := jupico.ParseEnvironment(v)
		if err != nil {
			return nil, nil, err
		}
		c, err := jupico.NewClient(append(opts, jupico.WithEnvironment(env))...)
		if err != nil {
			return nil, nil, err
		}
		merchant := os.Getenv("JUPICO_SUBMERCHANT_ID")
		if merchant == "" {
			merchant = "jpt-fs-demo-acc1-m1"
		}
		fmt.Fprintf(out, "talking to Jupico %s at %s\n", env, c.BaseURL())
		return &demo{client: c, merchant: merchant, token: jupico.PermanentToken("card", jupico.SandboxTestToken), out: out},
			func() { _ = c.Close() }, nil
	}
	srv := jupicotest.Start()
	// The fake answers the 101.11 trigger with a 500 like the sandbox; make
	// the first rollback attempt meet a 503 too, to show it being retried.
	srv.InjectFault("/v1/transactions/creditcard/rollback", jupicotest.Fault{Status: http.StatusServiceUnavailable, Times: 1})
	c, err := srv.NewClient(opts...)
	if err != nil {
		srv.Close()
		return nil, nil, err
	}
	fmt.Fprintln(out, "talking to an in-process fake Jupico (set JUPICO_ENV=sandbox for the real sandbox)")
	return &demo{client: c, fake: srv, merchant: "jpt-fs-demo-acc1-m1", token: jupico.PermanentToken("card", "tok_visa_4242"), out: out},
		func() { _ = c.Close(); srv.Close() }, nil
}
