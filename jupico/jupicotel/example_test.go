package jupicotel_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"slices"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotel"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// Trace and measure a client's calls. Here the spans and metrics go to the
// SDK's in-memory exporters and the client to the fake Jupico; in
// production, to the providers your OpenTelemetry setup installs (New
// without options uses the global ones).
func ExampleNew() {
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	defer tp.Shutdown(context.Background())
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())

	obs, err := jupicotel.New(jupicotel.WithTracerProvider(tp), jupicotel.WithMeterProvider(mp))
	if err != nil {
		log.Fatal(err)
	}
	srv := jupicotest.Start()
	defer srv.Close()
	client := srv.Client(jupico.WithObserver(obs))
	defer client.Close()

	ctx := context.Background()
	charge := &jupico.ChargeRequest{SubMerchantID: "jpt-fs-demo-acc1-m1", Amount: jupico.Cents(2500),
		PaymentToken: jupico.PermanentToken("card", "tok_visa_4242")}
	if _, err := client.CreditCard.Sale(ctx, charge); err != nil {
		log.Fatal(err)
	}
	// The next sale's answer is a 500: its outcome is unknown, and the
	// client rolls it back.
	srv.InjectFault("/v1/transactions/creditcard/sale", jupicotest.Fault{Status: http.StatusInternalServerError, Times: 1})
	_, err = client.CreditCard.Sale(ctx, charge)
	fmt.Println("rolled back:", errors.Is(err, jupico.ErrRolledBack))

	for _, s := range spans.GetSpans() {
		fmt.Printf("span %q with %d link(s)\n", s.Name, len(s.Links))
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		log.Fatal(err)
	}
	var lines []string // data points come in no particular order
	for _, m := range rm.ScopeMetrics[0].Metrics {
		switch d := m.Data.(type) {
		case metricdata.Sum[int64]:
			for _, p := range d.DataPoints {
				lines = append(lines, fmt.Sprintf("%s{%s} %d", m.Name, p.Attributes.Encoded(attribute.DefaultEncoder()), p.Value))
			}
		case metricdata.Histogram[float64]:
			for _, p := range d.DataPoints {
				lines = append(lines, fmt.Sprintf("%s{%s} count %d", m.Name, p.Attributes.Encoded(attribute.DefaultEncoder()), p.Count))
			}
		}
	}
	slices.Sort(lines)
	fmt.Println(strings.Join(lines, "\n"))
	// Output:
	// rolled back: true
	// span "jupico creditcard.sale" with 0 link(s)
	// span "jupico creditcard.rollback" with 1 link(s)
	// span "jupico creditcard.sale" with 0 link(s)
	// jupico.client.call.duration{error.type=500,jupico.operation=creditcard.sale,jupico.operation.kind=transaction,jupico.outcome=indeterminate} count 1
	// jupico.client.call.duration{jupico.operation=creditcard.rollback,jupico.operation.kind=rollback,jupico.outcome=succeeded} count 1
	// jupico.client.call.duration{jupico.operation=creditcard.sale,jupico.operation.kind=transaction,jupico.outcome=succeeded} count 1
	// jupico.client.credentials.refreshes{jupico.credentials.changed=false,jupico.credentials.refresh.result=succeeded} 1
	// jupico.client.indeterminate{error.type=500,jupico.operation=creditcard.sale} 1
	// jupico.client.rollbacks{jupico.operation=creditcard.sale,jupico.rollback.recovered=false,jupico.rollback.result=acknowledged} 1
}
