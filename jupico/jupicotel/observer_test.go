package jupicotel_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotel"
	"github.com/jupico/jupico-go/jupico/jupicotest"
	"github.com/jupico/jupico-go/webhook"
)

const (
	merchant = "jpt-fs-demo-acc1-m1"
	salePath = "/v1/transactions/creditcard/sale"
)

func sale(cents int64) *jupico.ChargeRequest {
	return &jupico.ChargeRequest{SubMerchantID: merchant, Amount: jupico.Cents(cents),
		PaymentToken: jupico.PermanentToken("card", "tok_visa_4242"), Reference: "order-1042"}
}

// saleAttrs are the attributes every card sale's span starts with.
func saleAttrs(srv *jupicotest.Server) map[string]string {
	host, port := hostPort(srv)
	return map[string]string{
		"jupico.operation": "creditcard.sale", "jupico.operation.kind": "transaction",
		"http.request.method": "POST", "url.template": salePath,
		"server.address": host, "server.port": port,
	}
}

func hostPort(srv *jupicotest.Server) (string, string) {
	req, _ := http.NewRequest(http.MethodGet, srv.URL(), nil)
	return req.URL.Hostname(), req.URL.Port()
}

// with returns m with more added.
func with(m map[string]string, more ...string) map[string]string {
	out := make(map[string]string, len(m)+len(more)/2)
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i < len(more); i += 2 {
		out[more[i]] = more[i+1]
	}
	return out
}

// dropRequestID checks that a request ID attribute is there and removes it,
// its value being the fake's.
func dropRequestID(t *testing.T, m map[string]string) map[string]string {
	t.Helper()
	assert.Regexp(t, `^req_\d+$`, m["jupico.request_id"])
	delete(m, "jupico.request_id")
	delete(m, "jupico.attempt.duration")
	return m
}

func TestApprovedSale(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	srv := jupicotest.NewServer(t)
	c := srv.Client(fast, jupico.WithObserver(h.obs))
	_, err := c.CreditCard.Sale(context.Background(), sale(2500))
	require.NoError(t, err)

	spans := h.spans.Ended()
	require.Len(t, spans, 1, h.dump(t))
	s := spans[0]
	assert.Equal(t, "jupico creditcard.sale", s.Name())
	assert.Equal(t, trace.SpanKindClient, s.SpanKind())
	assert.Equal(t, codes.Unset, s.Status().Code)
	assert.Equal(t, jupicotel.ScopeName, s.InstrumentationScope().Name)
	assert.Equal(t, with(saleAttrs(srv), "http.response.status_code", "200", "jupico.outcome", "succeeded", "jupico.attempts", "1"),
		dropRequestID(t, attrs(s.Attributes())))
	require.Len(t, s.Events(), 1)
	assert.Equal(t, "jupico.attempt", s.Events()[0].Name)
	assert.Equal(t, map[string]string{"jupico.attempt": "1", "http.response.status_code": "200"}, dropRequestID(t, attrs(s.Events()[0].Attributes)))

	m := h.metrics(t)
	assert.Equal(t, map[string]float64{"jupico.operation=creditcard.sale,jupico.operation.kind=transaction,jupico.outcome=succeeded": 1},
		m[jupicotel.MetricCallDuration])
	assert.Empty(t, m[jupicotel.MetricRetries])
	assert.Empty(t, m[jupicotel.MetricIndeterminate])
	assert.Empty(t, m[jupicotel.MetricRollbacks])
	assert.Empty(t, m[jupicotel.MetricReauths])
	assert.Equal(t, map[string]float64{"jupico.credentials.changed=false,jupico.credentials.refresh.result=succeeded": 1}, m[jupicotel.MetricRefreshes],
		"the first read of the credentials")
	assert.Empty(t, m[jupicotel.MetricRefreshFailures])
}

// Each member of an answer that differs from the SDK's model is counted,
// by operation, member and kind, once per call.
func TestDriftIsCounted(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	srv := jupicotest.NewServer(t)
	c := srv.Client(fast, jupico.WithObserver(h.obs))
	_, err := c.CreditCard.Sale(context.Background(), sale(2500))
	require.NoError(t, err)
	assert.Empty(t, h.metrics(t)[jupicotel.MetricDrift], "no drift, no count")

	srv.SetDrift("creditcard.sale", jupicotest.Drift{Rename: map[string]string{"transactionId": "txnId"}, Add: map[string]any{"surcharge": 1.5}})
	for range 2 {
		_, err = c.CreditCard.Sale(context.Background(), sale(2500))
		require.NoError(t, err)
	}
	assert.Equal(t, map[string]float64{
		"jupico.drift.kind=unknown,jupico.drift.member=surcharge,jupico.operation=creditcard.sale":     2,
		"jupico.drift.kind=unknown,jupico.drift.member=txnId,jupico.operation=creditcard.sale":         2,
		"jupico.drift.kind=missing,jupico.drift.member=transactionId,jupico.operation=creditcard.sale": 2,
	}, h.metrics(t)[jupicotel.MetricDrift])
}

func TestDeclinedSaleIsNotAnError(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	srv := jupicotest.NewServer(t)
	c := srv.Client(fast, jupico.WithObserver(h.obs))
	req := sale(9020)
	req.PaymentToken = jupico.PermanentToken("card", jupico.SandboxTestToken)
	_, err := c.CreditCard.Sale(context.Background(), req)
	require.ErrorIs(t, err, jupico.ErrDeclined)

	spans := h.spans.Ended()
	require.Len(t, spans, 1, h.dump(t))
	assert.Equal(t, codes.Unset, spans[0].Status().Code, "a decline is an answer, not a failure")
	// Jupico answers a decline 200 with success false and its code.
	assert.Equal(t, with(saleAttrs(srv), "http.response.status_code", "200", "jupico.outcome", "declined", "jupico.attempts", "1",
		"jupico.error.code", "tx_cc_declined"), dropRequestID(t, attrs(spans[0].Attributes())))
	assert.Equal(t, map[string]float64{"jupico.operation=creditcard.sale,jupico.operation.kind=transaction,jupico.outcome=declined": 1},
		h.metrics(t)[jupicotel.MetricCallDuration])
}

func TestUnavailableThenSuccess(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	srv := jupicotest.NewServer(t)
	srv.InjectFault(salePath, jupicotest.Fault{Status: http.StatusServiceUnavailable, Code: "service_unavailable", Times: 1})
	c := srv.Client(fast, jupico.WithObserver(h.obs))
	_, err := c.CreditCard.Sale(context.Background(), sale(2500))
	require.NoError(t, err)

	spans := h.spans.Ended()
	require.Len(t, spans, 1, h.dump(t))
	s := spans[0]
	assert.Equal(t, codes.Unset, s.Status().Code)
	assert.Equal(t, with(saleAttrs(srv), "http.response.status_code", "200", "jupico.outcome", "succeeded", "jupico.attempts", "2"),
		dropRequestID(t, attrs(s.Attributes())))
	ev := s.Events()
	require.Len(t, ev, 2)
	assert.Equal(t, map[string]string{"jupico.attempt": "1", "http.response.status_code": "503", "jupico.retry.reason": "status"},
		dropRequestID(t, attrs(ev[0].Attributes)))
	assert.Equal(t, map[string]string{"jupico.attempt": "2", "http.response.status_code": "200"}, dropRequestID(t, attrs(ev[1].Attributes)))
	assert.False(t, ev[1].Time.Before(ev[0].Time), "events in order of the attempts")

	m := h.metrics(t)
	assert.Equal(t, map[string]float64{"jupico.operation=creditcard.sale,jupico.operation.kind=transaction,jupico.retry.reason=status": 1},
		m[jupicotel.MetricRetries])
	assert.Equal(t, map[string]float64{"jupico.operation=creditcard.sale,jupico.operation.kind=transaction,jupico.outcome=succeeded": 1},
		m[jupicotel.MetricCallDuration])
}

func TestServerErrorIsRolledBack(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	srv := jupicotest.NewServer(t)
	srv.InjectFault(salePath, jupicotest.Fault{Status: http.StatusInternalServerError, Times: 1})
	c := srv.Client(fast, jupico.WithObserver(h.obs))
	_, err := c.CreditCard.Sale(context.Background(), sale(2500))
	require.ErrorIs(t, err, jupico.ErrRolledBack)

	spans := h.spans.Ended()
	require.Len(t, spans, 2, h.dump(t))
	rb, sl := spans[0], spans[1] // the rollback ends first: it runs inside the sale's call
	require.Equal(t, "jupico creditcard.sale", sl.Name())
	require.Equal(t, "jupico creditcard.rollback", rb.Name())

	assert.Equal(t, codes.Error, sl.Status().Code)
	assert.Equal(t, with(saleAttrs(srv), "http.response.status_code", "500", "jupico.outcome", "indeterminate", "jupico.attempts", "1",
		"error.type", "500", "jupico.rollback.result", "acknowledged"), dropRequestID(t, attrs(sl.Attributes())))
	require.Len(t, sl.Events(), 2)
	assert.Equal(t, "jupico.rollback", sl.Events()[1].Name)
	rbEvent := attrs(sl.Events()[1].Attributes)
	delete(rbEvent, "jupico.rollback.duration")
	assert.Equal(t, map[string]string{"jupico.rollback.result": "acknowledged", "jupico.rollback.recovered": "false", "jupico.rollback.attempts": "1",
		"jupico.rollback.cause": "status"}, rbEvent)

	// The rollback: a child of the sale's span, linked to it.
	assert.Equal(t, sl.SpanContext().TraceID(), rb.SpanContext().TraceID())
	assert.Equal(t, sl.SpanContext().SpanID(), rb.Parent().SpanID())
	require.Len(t, rb.Links(), 1)
	assert.Equal(t, sl.SpanContext().SpanID(), rb.Links()[0].SpanContext.SpanID())
	assert.Equal(t, sl.SpanContext().TraceID(), rb.Links()[0].SpanContext.TraceID())
	assert.Equal(t, map[string]string{"jupico.link.type": "rollback_of"}, attrs(rb.Links()[0].Attributes))
	assert.Equal(t, "rollback", attrs(rb.Attributes())["jupico.operation.kind"])
	assert.Equal(t, "succeeded", attrs(rb.Attributes())["jupico.outcome"])

	m := h.metrics(t)
	assert.Equal(t, map[string]float64{"error.type=500,jupico.operation=creditcard.sale": 1}, m[jupicotel.MetricIndeterminate])
	assert.Equal(t, map[string]float64{"jupico.operation=creditcard.sale,jupico.rollback.recovered=false,jupico.rollback.result=acknowledged": 1},
		m[jupicotel.MetricRollbacks])
	assert.Equal(t, map[string]float64{
		"error.type=500,jupico.operation=creditcard.sale,jupico.operation.kind=transaction,jupico.outcome=indeterminate": 1,
		"jupico.operation=creditcard.rollback,jupico.operation.kind=rollback,jupico.outcome=succeeded":                   1,
	}, m[jupicotel.MetricCallDuration])
}

// staleThenFresh is a credentials provider whose first answer is a key
// Jupico no longer accepts, and every later one the key it does.
func staleThenFresh(srv *jupicotest.Server, staleUser, stalePass, user, pass string) credentials.Provider {
	srv.SetCredentials(user, pass)
	stale, _ := credentials.NewBasic(staleUser, stalePass)
	fresh, _ := credentials.NewBasic(user, pass)
	var calls atomic.Int32
	return credentials.ProviderFunc(func(context.Context) (credentials.Credentials, error) {
		if calls.Add(1) == 1 {
			return stale, nil
		}
		return fresh, nil
	})
}

func TestReauthAfter401(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	srv := jupicotest.NewServer(t)
	c := srv.Client(fast, jupico.WithObserver(h.obs), jupico.WithCredentials(staleThenFresh(srv, "old-user", "old-password", "new-user", "new-password")))
	_, err := c.CreditCard.Sale(context.Background(), sale(2500))
	require.NoError(t, err)

	spans := h.spans.Ended()
	require.Len(t, spans, 1, h.dump(t))
	s := spans[0]
	assert.Equal(t, with(saleAttrs(srv), "http.response.status_code", "200", "jupico.outcome", "succeeded", "jupico.attempts", "2"),
		dropRequestID(t, attrs(s.Attributes())))
	var names []string
	for _, e := range s.Events() {
		names = append(names, e.Name)
	}
	require.Equal(t, []string{"jupico.attempt", "jupico.reauth", "jupico.attempt"}, names, h.dump(t))
	assert.Equal(t, map[string]string{"jupico.reauth.changed": "true"}, attrs(s.Events()[1].Attributes))
	first := dropRequestID(t, attrs(s.Events()[0].Attributes))
	assert.Equal(t, map[string]string{"jupico.attempt": "1", "http.response.status_code": "401", "jupico.retry.reason": "reauth"}, first)
	assert.Equal(t, map[string]string{"jupico.attempt": "2", "http.response.status_code": "200"}, dropRequestID(t, attrs(s.Events()[2].Attributes)))

	m := h.metrics(t)
	assert.Equal(t, map[string]float64{"jupico.operation=creditcard.sale,jupico.reauth.changed=true": 1}, m[jupicotel.MetricReauths])
	assert.Equal(t, map[string]float64{
		"jupico.credentials.changed=false,jupico.credentials.refresh.result=succeeded": 1,
		"jupico.credentials.changed=true,jupico.credentials.refresh.result=succeeded":  1,
	}, m[jupicotel.MetricRefreshes], "the first read, and the rotated key read after the 401")
	assert.Equal(t, map[string]float64{"jupico.operation=creditcard.sale,jupico.operation.kind=transaction,jupico.retry.reason=reauth": 1}, m[jupicotel.MetricRetries])
}

func TestCredentialsRefreshFailure(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	srv := jupicotest.NewServer(t)
	broken := credentials.ProviderFunc(func(context.Context) (credentials.Credentials, error) {
		return credentials.Credentials{}, errors.New("vault sealed")
	})
	c := srv.Client(fast, jupico.WithObserver(h.obs), jupico.WithCredentials(broken))
	_, err := c.Status(context.Background())
	require.ErrorIs(t, err, jupico.ErrCredentials)

	m := h.metrics(t)
	failures := m[jupicotel.MetricRefreshFailures][""]
	assert.GreaterOrEqual(t, failures, 1.0, h.dump(t))
	assert.Equal(t, map[string]float64{"jupico.credentials.changed=false,jupico.credentials.refresh.result=failed": failures}, m[jupicotel.MetricRefreshes])
	assert.Equal(t, map[string]float64{"error.type=credentials,jupico.operation=status,jupico.operation.kind=read,jupico.outcome=failed": 1},
		m[jupicotel.MetricCallDuration])
	require.Len(t, h.spans.Ended(), 1)
	assert.Equal(t, codes.Error, h.spans.Ended()[0].Status().Code)
}

// receiver is a webhook handler observed by h behind a TLS server, with a
// server span around each delivery as otelhttp would start.
func receiver(t *testing.T, h *harness, secret string, processed *atomic.Int32) *httptest.Server {
	t.Helper()
	v, err := webhook.NewVerifier(secret)
	require.NoError(t, err)
	hd, err := webhook.NewHandler(v, func(context.Context, *webhook.Event) error {
		processed.Add(1)
		return nil
	}, webhook.WithObserver(h.obs))
	require.NoError(t, err)
	tracer := h.tp.Tracer("test")
	recv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, span := tracer.Start(r.Context(), "POST /webhooks/jupico", trace.WithSpanKind(trace.SpanKindServer))
		defer span.End()
		hd.ServeHTTP(w, r.WithContext(ctx))
	}))
	t.Cleanup(recv.Close)
	return recv
}

func TestWebhookDeliveries(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	var processed atomic.Int32
	sender := jupicotest.NewServer(t)
	recv := receiver(t, h, sender.WebhookSecret(), &processed)
	sender.SetWebhookClient(recv.Client())
	forger := jupicotest.NewServer(t, jupicotest.WithWebhookSecret("whsec_"+"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), jupicotest.WithWebhookClient(recv.Client()))

	event := jupicotest.WebhookEvent{Type: webhook.EventMerchantActivation, Data: []byte(`{"subMerchantId":"sm_1"}`)}
	d, err := sender.SendWebhook(context.Background(), recv.URL+"/webhooks/jupico", event)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, d.StatusCode)
	d, err = forger.SendWebhook(context.Background(), recv.URL+"/webhooks/jupico", event)
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnauthorized, d.StatusCode)
	assert.EqualValues(t, 1, processed.Load())

	m := h.metrics(t)
	assert.Equal(t, map[string]float64{
		"jupico.webhook.event_type=onMerchantActivation,jupico.webhook.result=processed": 1,
		"jupico.webhook.reason=signature,jupico.webhook.result=rejected":                 1,
	}, m[jupicotel.MetricDeliveries])
	assert.Equal(t, map[string]float64{
		"jupico.webhook.event_type=onMerchantActivation,jupico.webhook.result=processed": 1,
		"jupico.webhook.result=rejected":                                                 1,
	}, m[jupicotel.MetricDeliveryDuration])

	spans := h.spans.Ended()
	require.Len(t, spans, 2)
	var got []map[string]string
	for _, s := range spans {
		require.Len(t, s.Events(), 1)
		assert.Equal(t, "jupico.webhook.delivery", s.Events()[0].Name)
		got = append(got, attrs(s.Events()[0].Attributes))
	}
	assert.ElementsMatch(t, []map[string]string{
		{"jupico.webhook.result": "processed", "jupico.webhook.verified": "true", "http.response.status_code": "200", "jupico.webhook.event_type": "onMerchantActivation"},
		{"jupico.webhook.result": "rejected", "jupico.webhook.verified": "false", "http.response.status_code": "401", "jupico.webhook.reason": "signature"},
	}, got)
}

func TestWithAttributes(t *testing.T) {
	t.Parallel()
	h := newHarness(t, jupicotel.WithAttributes(attribute.String("jupico.account", "eu")))
	srv := jupicotest.NewServer(t)
	c := srv.Client(fast, jupico.WithObserver(h.obs))
	_, err := c.Status(context.Background())
	require.NoError(t, err)
	require.Len(t, h.spans.Ended(), 1)
	assert.Equal(t, "eu", attrs(h.spans.Ended()[0].Attributes())["jupico.account"])
	assert.Equal(t, map[string]float64{"jupico.account=eu,jupico.operation=status,jupico.operation.kind=read,jupico.outcome=succeeded": 1},
		h.metrics(t)[jupicotel.MetricCallDuration])
}

// Without sampling there are no spans, and the metrics are the same.
func TestUnsampled(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.NeverSample()), sdktrace.WithSpanProcessor(h.spans))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	obs, err := jupicotel.New(jupicotel.WithTracerProvider(tp), jupicotel.WithMeterProvider(h.mp))
	require.NoError(t, err)
	srv := jupicotest.NewServer(t)
	srv.InjectFault(salePath, jupicotest.Fault{Status: http.StatusServiceUnavailable, Times: 1})
	c := srv.Client(fast, jupico.WithObserver(obs))
	_, err = c.CreditCard.Sale(context.Background(), sale(2500))
	require.NoError(t, err)
	assert.Empty(t, h.spans.Ended())
	m := h.metrics(t)
	assert.Equal(t, map[string]float64{"jupico.operation=creditcard.sale,jupico.operation.kind=transaction,jupico.outcome=succeeded": 1},
		m[jupicotel.MetricCallDuration])
	assert.Equal(t, map[string]float64{"jupico.operation=creditcard.sale,jupico.operation.kind=transaction,jupico.retry.reason=status": 1},
		m[jupicotel.MetricRetries])
}

func TestNew(t *testing.T) {
	t.Parallel()
	_, err := jupicotel.New(jupicotel.WithTracerProvider(nil))
	assert.Error(t, err)
	_, err = jupicotel.New(jupicotel.WithMeterProvider(nil))
	assert.Error(t, err)
	// The globals (no-op until an SDK is installed) by default.
	obs, err := jupicotel.New()
	require.NoError(t, err)
	srv := jupicotest.NewServer(t)
	_, err = srv.Client(jupico.WithObserver(obs)).Status(context.Background())
	require.NoError(t, err)
	obs, err = jupicotel.New(jupicotel.WithTracerProvider(tracenoop.NewTracerProvider()), jupicotel.WithMeterProvider(metricnoop.NewMeterProvider()))
	require.NoError(t, err)
	_, err = srv.Client(jupico.WithObserver(obs)).Status(context.Background())
	require.NoError(t, err)
}
