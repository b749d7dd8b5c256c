// Package jupicotel reports what a Jupico client and webhook handler do as
// OpenTelemetry traces and metrics.
//
// Build an Observer with New and give it to the client and to the webhook
// handler:
//
//	obs, err := jupicotel.New() // the global providers; or WithTracerProvider, WithMeterProvider
//	if err != nil { ... }
//	client, err := jupico.NewClient(jupico.WithCredentials(creds), jupico.WithObserver(obs))
//	handler, err := webhook.NewHandler(verifier, onEvent, webhook.WithObserver(obs))
//
// # Traces
//
// Every call is a client span named "jupico " plus the operation, e.g.
// "jupico creditcard.sale": a call is one operation with all its attempts
// (retries, the re-send after a 401), not one HTTP request, so it is not
// named like an HTTP client span; it carries the HTTP client attributes
// that apply to it (http.request.method, url.template, server.address,
// server.port, http.response.status_code of the last answer, error.type)
// and jupico.operation, jupico.operation.kind, jupico.outcome,
// jupico.error.code, jupico.request_id and jupico.attempts. Each attempt is
// a "jupico.attempt" event on it. A failure sets error.type (the failure's
// category, or for an error status the status code, as the HTTP
// conventions say) and the span status Error; a declined card is not a
// failure. A transport instrumented with otelhttp (see
// jupico.WithTransportMiddleware) puts one HTTP span per attempt under the
// call's span.
//
// The rollback of a transaction whose outcome is unknown is a span of its
// own ("jupico creditcard.rollback"). The client sends it while the call is
// still running, so the span is a child of the call's span (the call's
// duration includes it), and it also links to the call's span, so that the
// relation survives a backend that shows spans flat or a rollback sent
// outside the call; a rollback sent by Recover links to nothing, the call
// having run in another process. The rollback's result is recorded as a
// "jupico.rollback" event and the jupico.rollback.result attribute on the
// call's span. A webhook delivery is a "jupico.webhook.delivery" event on
// the span of the request's context, if any (e.g. otelhttp's server span).
//
// # Metrics
//
// The instruments are named by the Metric constants; their attributes are
// bounded (operation names, kinds, outcomes, categories, status codes,
// results), never request IDs, Jupico's error codes or hosts. Call and
// delivery durations have buckets from 25 ms to 60 s (see
// MetricCallDuration) unless a View overrides them.
// With the Prometheus exporter, jupico.client.call.duration is
// jupico_client_call_duration_seconds (see example/prometheus).
//
// No attribute ever holds a credential, a body, a header value, a token, a
// query string or a merchant's reference: the client does not give them
// to an Observer.
package jupicotel
