// Command prometheus exports a Jupico client's metrics to Prometheus: it
// wires jupicotel to the OpenTelemetry Prometheus exporter, runs a few
// card sales against the in-process fake Jupico (one answered 503 first,
// one declined), scrapes the registry as Prometheus would and prints the
// call counts. It needs no network.
//
// In a service, serve the registry instead (promhttp.HandlerFor(registry,
// promhttp.HandlerOpts{}) on /metrics) and point the client at Jupico.
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotel"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "prometheus example:", err)
		os.Exit(1)
	}
}

// run does the work of main, printing to w.
func run(w io.Writer) error {
	registry := prometheus.NewRegistry()
	exporter, err := otelprom.New(otelprom.WithRegisterer(registry), otelprom.WithoutScopeInfo(), otelprom.WithoutTargetInfo())
	if err != nil {
		return err
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))
	defer mp.Shutdown(context.Background())
	obs, err := jupicotel.New(jupicotel.WithMeterProvider(mp))
	if err != nil {
		return err
	}

	srv := jupicotest.Start()
	defer srv.Close()
	client, err := srv.NewClient(jupico.WithObserver(obs))
	if err != nil {
		return err
	}
	defer client.Close()

	ctx := context.Background()
	charge := func(cents int64, token string) *jupico.ChargeRequest {
		return &jupico.ChargeRequest{SubMerchantID: "jpt-fs-demo-acc1-m1", Amount: jupico.Cents(cents),
			PaymentToken: jupico.PermanentToken("card", token)}
	}
	for range 3 {
		if _, err := client.CreditCard.Sale(ctx, charge(2500, "tok_visa_4242")); err != nil {
			return err
		}
	}
	srv.InjectFault("/v1/transactions/creditcard/sale", jupicotest.Fault{Status: http.StatusServiceUnavailable, Times: 1})
	if _, err := client.CreditCard.Sale(ctx, charge(2500, "tok_visa_4242")); err != nil {
		return err
	}
	if _, err := client.CreditCard.Sale(ctx, charge(9020, jupico.SandboxTestToken)); !errors.Is(err, jupico.ErrDeclined) {
		return fmt.Errorf("want a decline, got %v", err)
	}

	// Scrape the registry as Prometheus would.
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(registry, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	var lines []string
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		if l := sc.Text(); strings.HasPrefix(l, "jupico_client_call_duration_seconds_count") || strings.HasPrefix(l, "jupico_client_retries_total") {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return fmt.Errorf("no jupico metrics scraped (status %d)", rec.Code)
	}
	slices.Sort(lines)
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
	return sc.Err()
}
