package benchmarks

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/jupico"
)

// cannedAnswers are what the canned server answers each path: the same
// envelope around data of about the same size, so that the server does
// the same work for every operation and the difference between two
// benchmarks is the client's.
var cannedAnswers = map[string][]byte{
	"/v1/transactions/creditcard/sale": []byte(`{"success":true,"status":"succeeded","data":{"transactionId":"tx_000001","status":"succeeded","amount":25.00,"authCode":"A1B2C3","avs":"Y","cvv":"M"}}`),
	"/v1/payouts/create":               []byte(`{"success":true,"status":"succeeded","data":{"payoutId":"po_000001","subMerchantId":"jpt-fs-demo-acc1-m1","amount":25.00,"status":"pending","reference":"order-1042"}}`),
	"/v1/subscriptions/plan/create":    []byte(`{"success":true,"status":"succeeded","data":{"planId":"plan_000001","subMerchantId":"jpt-fs-demo-acc1-m1","status":"active","name":"Gold","amount":25.00}}`),
}

// payoutReq and planReq carry what saleReq carries where they can: a
// merchant, an amount, a description and a reference.
var (
	payoutReq = &jupico.PayoutRequest{SubMerchantID: "jpt-fs-demo-acc1-m1", Amount: jupico.Cents(2500), Description: "Order 1042", Reference: "order-1042"}
	planReq   = &jupico.PlanRequest{SubMerchantID: "jpt-fs-demo-acc1-m1", Name: "Gold", Amount: jupico.Cents(2500), Frequency: jupico.FrequencyMonthly, Reference: "order-1042"}
)

// BenchmarkCallPath measures one call through the SDK per operation
// against a server that answers from memory: a card sale (the hand-tuned
// path), a payout (a transaction through the generic path every platform
// operation takes), a plan (a write through it) and a card sale with an
// Observer that does nothing. The gate holds the generic path's
// allocations to the sale's.
func BenchmarkCallPath(b *testing.B) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(cannedAnswers[r.URL.Path])
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	c, err := jupico.NewClient(jupico.WithBaseURL(srv.URL), jupico.WithRootCAs(srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs),
		jupico.WithCredentials(credentials.Static("user", "password")))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	// The same client with an Observer that does nothing: what the
	// observation points cost on their own (an OpenTelemetry observer's
	// cost is measured in jupico/jupicotel).
	observed, err := jupico.NewClient(jupico.WithBaseURL(srv.URL), jupico.WithRootCAs(srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs),
		jupico.WithCredentials(credentials.Static("user", "password")), jupico.WithObserver(jupico.NopObserver{}))
	if err != nil {
		b.Fatal(err)
	}
	defer observed.Close()
	ctx := context.Background()
	ops := []struct {
		name string
		call func() error
	}{
		{"sale", func() error { _, err := c.CreditCard.Sale(ctx, saleReq); return err }},
		{"payout", func() error { _, err := c.Payouts.Create(ctx, payoutReq); return err }},
		{"plan", func() error { _, err := c.Plans.Create(ctx, planReq); return err }},
		{"observed-sale", func() error { _, err := observed.CreditCard.Sale(ctx, saleReq); return err }},
	}
	for _, op := range ops {
		b.Run("op="+op.name, func(b *testing.B) {
			for range 20 { // connection up, pools warm
				if err := op.call(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			for b.Loop() {
				if err := op.call(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
