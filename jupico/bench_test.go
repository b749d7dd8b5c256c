package jupico_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// BenchmarkSale measures a card sale through the SDK against the fake, and
// the floor: raw net/http sending the same JSON with the same TLS settings
// and decoding into a struct. Compare the two in one run:
//
//	go test -run '^$' -bench 'Sale' -benchmem ./jupico/
func BenchmarkSale(b *testing.B) {
	srv := jupicotest.Start()
	defer srv.Close()
	ctx := context.Background()
	req := charge(2500)

	b.Run("sdk", func(b *testing.B) {
		c := srv.Client()
		defer c.Close()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.CreditCard.Sale(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("raw", func(b *testing.B) {
		body := []byte(`{"subMerchantId":"jpt-fs-demo-acc1-m1","amount":25.00,"paymentToken":{"type":"card","token":"tok_visa_4242"},"description":"Order 1042","metadata":{"order":"1042"},"reference":"order-1042"}`)
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: srv.CertPool(), MinVersion: tls.VersionTLS12}, ForceAttemptHTTP2: true, MaxIdleConnsPerHost: 64}
		defer tr.CloseIdleConnections()
		hc := &http.Client{Transport: tr}
		auth := jupicotest.BasicAuthHeader(jupicotest.DefaultUsername, jupicotest.DefaultPassword)
		b.ReportAllocs()
		for b.Loop() {
			r, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL()+"/v1/transactions/creditcard/sale", bytes.NewReader(body))
			r.Header.Set("Authorization", auth)
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Accept", "application/json")
			resp, err := hc.Do(r)
			if err != nil {
				b.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var env struct {
				Success bool            `json:"success"`
				Data    json.RawMessage `json:"data"`
			}
			var tx struct {
				TransactionID string      `json:"transactionId"`
				Amount        json.Number `json:"amount"`
				AuthCode      string      `json:"authCode"`
				AVS, CVV      string
			}
			if err := json.Unmarshal(raw, &env); err != nil || json.Unmarshal(env.Data, &tx) != nil || !env.Success {
				b.Fatal("bad answer")
			}
		}
	})
}
