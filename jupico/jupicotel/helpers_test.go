package jupicotel_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotel"
)

// fast retries quickly, as the core's tests do.
var fast = jupico.WithRetry(jupico.RetryPolicy{MaxAttempts: 3, MinDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond})

// harness is an Observer over the SDK's in-memory exporters.
type harness struct {
	obs    *jupicotel.Observer
	spans  *tracetest.SpanRecorder
	reader *sdkmetric.ManualReader
	tp     *sdktrace.TracerProvider
	mp     *sdkmetric.MeterProvider
}

func newHarness(t testing.TB, opts ...jupicotel.Option) *harness {
	t.Helper()
	h := &harness{spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	h.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(h.spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(h.reader))
	h.mp = mp
	t.Cleanup(func() {
		_ = h.tp.Shutdown(context.Background())
		_ = mp.Shutdown(context.Background())
	})
	obs, err := jupicotel.New(append([]jupicotel.Option{jupicotel.WithTracerProvider(h.tp), jupicotel.WithMeterProvider(mp)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	h.obs = obs
	return h
}

// metrics collects every data point: by instrument name, by the encoded
// attribute set ("k=v,k=v", sorted), the sum of a counter or the count of
// a histogram.
func (h *harness) metrics(t testing.TB) map[string]map[string]float64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := h.reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]float64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			pts := map[string]float64{}
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					pts[enc(p.Attributes)] = float64(p.Value)
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					pts[enc(p.Attributes)] = float64(p.Count)
				}
			case metricdata.Gauge[int64]:
				for _, p := range d.DataPoints {
					pts[enc(p.Attributes)] = float64(p.Value)
				}
			case metricdata.Gauge[float64]:
				for _, p := range d.DataPoints {
					pts[enc(p.Attributes)] = p.Value
				}
			default:
				t.Fatalf("unexpected data %T for %s", m.Data, m.Name)
			}
			out[m.Name] = pts
		}
	}
	return out
}

func enc(s attribute.Set) string { return s.Encoded(attribute.DefaultEncoder()) }

// attrs is a span's or event's attributes as a map of their values
// printed with %v.
func attrs(kvs []attribute.KeyValue) map[string]string {
	m := map[string]string{}
	for _, kv := range kvs {
		m[string(kv.Key)] = kv.Value.String()
	}
	return m
}

// dump prints what was recorded, for debugging a failure.
func (h *harness) dump(t testing.TB) string {
	var b strings.Builder
	for _, s := range h.spans.Ended() {
		fmt.Fprintf(&b, "span %q kind=%v parent=%v status=%v attrs=%v\n", s.Name(), s.SpanKind(), s.Parent().SpanID(), s.Status(), attrs(s.Attributes()))
		for _, e := range s.Events() {
			fmt.Fprintf(&b, "  event %q %v\n", e.Name, attrs(e.Attributes))
		}
		for _, l := range s.Links() {
			fmt.Fprintf(&b, "  link %v %v\n", l.SpanContext.SpanID(), attrs(l.Attributes))
		}
	}
	m := h.metrics(t)
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, "metric %s %v\n", n, m[n])
	}
	return b.String()
}
