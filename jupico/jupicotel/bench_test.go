package jupicotel_test

import (
	"context"
	"testing"

	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotel"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// discard is a span exporter that drops what it is given.
type discard struct{}

func (discard) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discard) Shutdown(context.Context) error                             { return nil }

// BenchmarkSale measures a card sale against the fake with no observer,
// with the OpenTelemetry observer on no-op providers (an SDK not
// installed), and on the SDK (every span sampled and exported, metrics
// aggregated): the difference is the observer's cost per call.
//
//	go test -run '^$' -bench Sale -benchmem -count 6 ./jupico/jupicotel/
func BenchmarkSale(b *testing.B) {
	srv := jupicotest.Start()
	defer srv.Close()
	ctx := context.Background()
	req := sale(2500)

	run := func(b *testing.B, opts ...jupico.Option) {
		c := srv.Client(opts...)
		defer c.Close()
		if _, err := c.CreditCard.Sale(ctx, req); err != nil { // warm the connection
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.CreditCard.Sale(ctx, req); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("none", func(b *testing.B) { run(b) })
	b.Run("otel-noop", func(b *testing.B) {
		obs := noopObserver(b)
		run(b, jupico.WithObserver(obs))
	})
	b.Run("otel-sdk", func(b *testing.B) {
		obs := sdkObserver(b)
		run(b, jupico.WithObserver(obs))
	})
}

// BenchmarkObserver measures the observer alone for one call of one
// attempt: CallStart, Attempt and CallEnd, as the client makes them.
func BenchmarkObserver(b *testing.B) {
	ctx := context.Background()
	call := jupico.CallInfo{Operation: "creditcard.sale", Kind: jupico.CallKindTransaction, Method: "POST",
		Path: "/v1/transactions/creditcard/sale", Host: "api.jupico.com"}
	at := jupico.AttemptInfo{Attempt: 1, StatusCode: 200, RequestID: "req_1"}
	res := jupico.CallResult{Outcome: jupico.CallOutcomeSucceeded, Attempts: 1, StatusCode: 200, RequestID: "req_1"}
	run := func(b *testing.B, obs *jupicotel.Observer) {
		b.ReportAllocs()
		for b.Loop() {
			cctx := obs.CallStart(ctx, call)
			obs.Attempt(cctx, call, at)
			obs.CallEnd(cctx, call, res)
		}
	}
	b.Run("otel-noop", func(b *testing.B) {
		obs := noopObserver(b)
		run(b, obs)
	})
	b.Run("otel-sdk", func(b *testing.B) {
		obs := sdkObserver(b)
		run(b, obs)
	})
}

// noopObserver is the observer on no-op providers: an SDK not installed.
func noopObserver(b *testing.B) *jupicotel.Observer {
	obs, err := jupicotel.New(jupicotel.WithTracerProvider(tracenoop.NewTracerProvider()), jupicotel.WithMeterProvider(metricnoop.NewMeterProvider()))
	if err != nil {
		b.Fatal(err)
	}
	return obs
}

// sdkObserver is the observer on the SDK, every span sampled and exported
// (to nowhere) and metrics aggregated; the providers shut down with b.
func sdkObserver(b *testing.B) *jupicotel.Observer {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(discard{}))
	b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	b.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	obs, err := jupicotel.New(jupicotel.WithTracerProvider(tp), jupicotel.WithMeterProvider(mp))
	if err != nil {
		b.Fatal(err)
	}
	return obs
}
