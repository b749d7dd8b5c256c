package jupicotel

import (
	"context"
	"errors"
	"math"
	"net"
	"strconv"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.40.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/webhook"
)

// ScopeName is the instrumentation scope of the tracer and the meter.
const ScopeName = "github.com/jupico/jupico-go/jupico/jupicotel"

// Names of the instruments.
const (
	// MetricCallDuration is a histogram of calls' durations in seconds,
	// attempts and backoff included, by jupico.operation,
	// jupico.operation.kind, jupico.outcome and error.type. Its buckets
	// (and MetricDeliveryDuration's) end at 0.025, 0.05, 0.1, 0.25, 0.5,
	// 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 15, 20, 30 and 60 s; a View may
	// change them.
	MetricCallDuration = "jupico.client.call.duration"
	// MetricRetries counts attempts followed by another, by
	// jupico.operation, jupico.operation.kind and jupico.retry.reason.
	MetricRetries = "jupico.client.retries"
	// MetricIndeterminate counts transactions whose outcome is unknown, by
	// jupico.operation and error.type (why it is unknown).
	MetricIndeterminate = "jupico.client.indeterminate"
	// MetricRollbacks counts rollbacks of transactions whose outcome was
	// unknown, by jupico.operation, jupico.rollback.result and
	// jupico.rollback.recovered.
	MetricRollbacks = "jupico.client.rollbacks"
	// MetricReauths counts 401 answers, by jupico.operation,
	// jupico.reauth.changed (the request was sent again with new
	// credentials) and error.type (the credentials could not be read).
	MetricReauths = "jupico.client.reauths"
	// MetricRefreshes counts reads of the credentials provider by the
	// client's cache, by jupico.credentials.refresh.result ("succeeded" or
	// "failed") and jupico.credentials.changed.
	MetricRefreshes = "jupico.client.credentials.refreshes"
	// MetricRefreshFailures counts failed reads of the credentials
	// provider: those of MetricRefreshes with result "failed", as a
	// counter of its own to alert on.
	MetricRefreshFailures = "jupico.client.credentials.refresh.failures"
	// MetricOwed is a gauge of the journal entries that owe a rollback or
	// a lookup, as the client's last recovery sweep left them.
	MetricOwed = "jupico.client.journal.owed"
	// MetricOldestOwedAge is a gauge of the age in seconds of the oldest
	// entry owed, as of the last sweep (0 when none is owed): alert when
	// it passes a few recovery intervals (10 minutes with the defaults).
	MetricOldestOwedAge = "jupico.client.journal.oldest_owed_age"
	// MetricSettlements counts the entries recovery settled, by
	// jupico.settlement.result: rolled_back (the rollback was
	// acknowledged), found and absent (looked up by reference), and
	// reconcile (reported for a person).
	MetricSettlements = "jupico.client.journal.settlements"
	// MetricDrift counts members of Jupico's answers that differ from what
	// the SDK models, each answer's once (jupico.DriftEvent), by
	// jupico.operation, jupico.drift.member and jupico.drift.kind
	// ("unknown" or "missing"). Anything above zero means Jupico's API
	// and this version of the SDK disagree: see the client's log.
	MetricDrift = "jupico.client.drift"
	// MetricDeliveries counts webhook deliveries, by jupico.webhook.result,
	// jupico.webhook.reason and jupico.webhook.event_type.
	MetricDeliveries = "jupico.webhook.deliveries"
	// MetricDeliveryDuration is a histogram of how long answering a
	// webhook delivery took in seconds, the event function included, by
	// jupico.webhook.result and jupico.webhook.event_type.
	MetricDeliveryDuration = "jupico.webhook.delivery.duration"
)

// Attribute keys of this package's own (the others are OpenTelemetry's
// semantic conventions: http.request.method, url.template, server.address,
// server.port, http.response.status_code, error.type).
const (
	AttrOperation         = attribute.Key("jupico.operation")                  // CallInfo.Operation, e.g. "creditcard.sale"
	AttrKind              = attribute.Key("jupico.operation.kind")             // CallInfo.Kind: read, write, transaction, rollback
	AttrOutcome           = attribute.Key("jupico.outcome")                    // CallResult.Outcome
	AttrErrorCode         = attribute.Key("jupico.error.code")                 // Jupico's error code (spans only)
	AttrRequestID         = attribute.Key("jupico.request_id")                 // the answer's request ID (spans only)
	AttrAttempts          = attribute.Key("jupico.attempts")                   // how many attempts a call made
	AttrAttempt           = attribute.Key("jupico.attempt")                    // an attempt's number, from 1
	AttrAttemptDuration   = attribute.Key("jupico.attempt.duration")           // an attempt's duration in seconds
	AttrMaybeProcessed    = attribute.Key("jupico.attempt.maybe_processed")    // failed after the request was written
	AttrRetryReason       = attribute.Key("jupico.retry.reason")               // AttemptInfo.Retry
	AttrRollbackResult    = attribute.Key("jupico.rollback.result")            // RollbackEvent.Result
	AttrRollbackRecovered = attribute.Key("jupico.rollback.recovered")         // sent by Recover
	AttrRollbackCause     = attribute.Key("jupico.rollback.cause")             // why the outcome was unknown (a category)
	AttrRollbackAttempts  = attribute.Key("jupico.rollback.attempts")          // the rollback's attempts
	AttrRollbackDuration  = attribute.Key("jupico.rollback.duration")          // the rollback's duration in seconds
	AttrLinkType          = attribute.Key("jupico.link.type")                  // on a rollback's link: "rollback_of"
	AttrReauthChanged     = attribute.Key("jupico.reauth.changed")             // ReauthInfo.Changed
	AttrRefreshResult     = attribute.Key("jupico.credentials.refresh.result") // "succeeded" or "failed"
	AttrRefreshChanged    = attribute.Key("jupico.credentials.changed")        // RefreshEvent.Changed: a rotation (false for the first read)
	AttrSettlementResult  = attribute.Key("jupico.settlement.result")          // rolled_back, found, absent, reconcile
	AttrDriftMember       = attribute.Key("jupico.drift.member")               // DriftEvent.Member, e.g. "surcharge" or "payouts[].bankName"
	AttrDriftKind         = attribute.Key("jupico.drift.kind")                 // DriftEvent.Kind: unknown or missing
	AttrWebhookResult     = attribute.Key("jupico.webhook.result")             // DeliveryInfo.Result
	AttrWebhookReason     = attribute.Key("jupico.webhook.reason")             // DeliveryInfo.Reason
	AttrWebhookEventType  = attribute.Key("jupico.webhook.event_type")         // DeliveryInfo.EventType
	AttrWebhookVerified   = attribute.Key("jupico.webhook.verified")           // DeliveryInfo.Verified
)

// Names of the span events.
const (
	EventAttempt  = "jupico.attempt"          // on a call's span, for each attempt
	EventRollback = "jupico.rollback"         // on the span of the call rolled back
	EventReauth   = "jupico.reauth"           // on a call's span, after a 401
	EventDelivery = "jupico.webhook.delivery" // on the span of a delivery's request
)

// durationBuckets are the bucket boundaries, in seconds, of the duration
// histograms: a card authorization takes from a few hundred milliseconds
// to a few seconds, and a call with retries or a timeout up to a minute.
var durationBuckets = []float64{0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 15, 20, 30, 60}

// Option configures New.
type Option func(*config) error

type config struct {
	tp    trace.TracerProvider
	mp    metric.MeterProvider
	attrs []attribute.KeyValue
}

// WithTracerProvider makes the Observer start its spans with tp instead of
// the global provider (otel.GetTracerProvider). nil is an error.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(c *config) error {
		if tp == nil {
			return errors.New("jupicotel: nil TracerProvider")
		}
		c.tp = tp
		return nil
	}
}

// WithMeterProvider makes the Observer create its instruments with mp
// instead of the global provider (otel.GetMeterProvider). nil is an error.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) error {
		if mp == nil {
			return errors.New("jupicotel: nil MeterProvider")
		}
		c.mp = mp
		return nil
	}
}

// WithAttributes adds attrs to every span and every measurement, e.g. the
// name of the Jupico account when a process uses several. They must have
// few distinct values, and hold no secret.
func WithAttributes(attrs ...attribute.KeyValue) Option {
	return func(c *config) error {
		c.attrs = append(c.attrs, attrs...)
		return nil
	}
}

// webhookNop is webhook.NopObserver under a name that does not clash with
// jupico.NopObserver's: an Observer embeds both bases.
type webhookNop = webhook.NopObserver

// Observer reports to OpenTelemetry what a Jupico client and webhook
// handler do. It implements jupico.Observer (give it to the client with
// jupico.WithObserver) and webhook.Observer (give it to the handler with
// webhook.WithObserver). It is safe for concurrent use; one Observer may
// serve several clients and handlers.
type Observer struct {
	jupico.NopObserver
	webhookNop

	tracer trace.Tracer
	attrs  []attribute.KeyValue

	callDuration     metric.Float64Histogram
	retries          metric.Int64Counter
	indeterminate    metric.Int64Counter
	rollbacks        metric.Int64Counter
	reauths          metric.Int64Counter
	refreshes        metric.Int64Counter
	refreshFailures  metric.Int64Counter
	deliveries       metric.Int64Counter
	deliveryDuration metric.Float64Histogram
	settlements      metric.Int64Counter
	drift            metric.Int64Counter

	// The last sweep's figures, which the journal gauges report.
	swept      atomic.Bool
	owed       atomic.Int64
	oldestAge  atomic.Uint64 // float64 bits, seconds
	settledOpt [4]metric.MeasurementOption
	gaugeOpt   metric.MeasurementOption

	// Attribute sets, made once for each combination of values.
	callSets, retrySets, indeterminateSets, rollbackSets, reauthSets, refreshSets, deliverySets, deliveryDurationSets, driftSets *setCache
	refreshFailureOpt                                                                                                            metric.MeasurementOption

	ops opCache
}

var (
	_ jupico.Observer  = (*Observer)(nil)
	_ webhook.Observer = (*Observer)(nil)
)

// New returns an Observer reporting to the global tracer and meter
// providers, or to those the options give. It creates its instruments once,
// here.
func New(opts ...Option) (*Observer, error) {
	var c config
	for _, o := range opts {
		if err := o(&c); err != nil {
			return nil, err
		}
	}
	if c.tp == nil {
		c.tp = otel.GetTracerProvider()
	}
	if c.mp == nil {
		c.mp = otel.GetMeterProvider()
	}
	o := &Observer{
		tracer: c.tp.Tracer(ScopeName, trace.WithInstrumentationVersion(jupico.Version), trace.WithSchemaURL(semconv.SchemaURL)),
		attrs:  append([]attribute.KeyValue(nil), c.attrs...),
	}
	o.ops.m = map[opKey]*opInfo{}
	m := c.mp.Meter(ScopeName, metric.WithInstrumentationVersion(jupico.Version), metric.WithSchemaURL(semconv.SchemaURL))
	var err, e error
	o.callDuration, e = m.Float64Histogram(MetricCallDuration, metric.WithUnit("s"),
		metric.WithDescription("Duration of Jupico API calls, attempts and backoff included."),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	err = errors.Join(err, e)
	counter := func(name, unit, desc string) metric.Int64Counter {
		ctr, e := m.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		err = errors.Join(err, e)
		return ctr
	}
	o.retries = counter(MetricRetries, "{retry}", "Attempts of Jupico API calls followed by another attempt.")
	o.indeterminate = counter(MetricIndeterminate, "{call}", "Jupico transactions whose outcome is unknown.")
	o.rollbacks = counter(MetricRollbacks, "{rollback}", "Rollbacks of Jupico transactions whose outcome was unknown.")
	o.reauths = counter(MetricReauths, "{reauth}", "Jupico API attempts refused with 401.")
	o.refreshes = counter(MetricRefreshes, "{refresh}", "Reads of the Jupico credentials provider.")
	o.refreshFailures = counter(MetricRefreshFailures, "{failure}", "Failed reads of the Jupico credentials provider.")
	o.deliveries = counter(MetricDeliveries, "{delivery}", "Jupico webhook deliveries answered.")
	o.settlements = counter(MetricSettlements, "{entry}", "Journal entries of unknown outcome that recovery settled.")
	o.drift = counter(MetricDrift, "{member}", "Members of Jupico answers that differ from what the SDK models.")
	owed, e := m.Int64ObservableGauge(MetricOwed, metric.WithUnit("{entry}"),
		metric.WithDescription("Journal entries that owe a rollback or a lookup, as of the last recovery sweep."))
	err = errors.Join(err, e)
	oldest, e := m.Float64ObservableGauge(MetricOldestOwedAge, metric.WithUnit("s"),
		metric.WithDescription("Age of the oldest journal entry owed, as of the last recovery sweep."))
	err = errors.Join(err, e)
	if err == nil {
		_, err = m.RegisterCallback(func(_ context.Context, obs metric.Observer) error {
			if o.swept.Load() {
				obs.ObserveInt64(owed, o.owed.Load(), o.gaugeOpt)
				obs.ObserveFloat64(oldest, math.Float64frombits(o.oldestAge.Load()), o.gaugeOpt)
			}
			return nil
		}, owed, oldest)
	}
	o.deliveryDuration, e = m.Float64Histogram(MetricDeliveryDuration, metric.WithUnit("s"),
		metric.WithDescription("Duration of answering Jupico webhook deliveries, the event function included."),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	err = errors.Join(err, e)
	if err != nil {
		return nil, err
	}

	o.callSets = o.newSets([]attribute.Key{AttrOperation, AttrKind, AttrOutcome, semconv.ErrorTypeKey}, "")
	o.retrySets = o.newSets([]attribute.Key{AttrOperation, AttrKind, AttrRetryReason}, "")
	o.indeterminateSets = o.newSets([]attribute.Key{AttrOperation, semconv.ErrorTypeKey}, "")
	o.rollbackSets = o.newSets([]attribute.Key{AttrOperation, AttrRollbackResult}, AttrRollbackRecovered)
	o.reauthSets = o.newSets([]attribute.Key{AttrOperation, semconv.ErrorTypeKey}, AttrReauthChanged)
	o.refreshSets = o.newSets([]attribute.Key{AttrRefreshResult}, AttrRefreshChanged)
	o.driftSets = o.newSets([]attribute.Key{AttrOperation, AttrDriftMember, AttrDriftKind}, "")
	o.deliverySets = o.newSets([]attribute.Key{AttrWebhookResult, AttrWebhookReason, AttrWebhookEventType}, "")
	o.deliveryDurationSets = o.newSets([]attribute.Key{AttrWebhookResult, AttrWebhookEventType}, "")
	o.refreshFailureOpt = metric.WithAttributeSet(attribute.NewSet(o.attrs...))
	o.gaugeOpt = o.refreshFailureOpt
	for i, r := range settlementResults {
		o.settledOpt[i] = metric.WithAttributeSet(attribute.NewSet(append([]attribute.KeyValue{AttrSettlementResult.String(r)}, o.attrs...)...))
	}
	return o, nil
}

// CallStart starts the call's span, a child of ctx's; a rollback's also
// links to the span of the call rolled back, which it runs within (ctx
// carries that call's span).
func (o *Observer) CallStart(ctx context.Context, c jupico.CallInfo) context.Context {
	op := o.ops.get(o, c)
	opts := op.start
	if c.RollbackOf != 0 {
		if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
			opts = append(opts[:len(opts):len(opts)], trace.WithLinks(trace.Link{SpanContext: sc, Attributes: rollbackOfLink}))
		}
	}
	ctx, _ = o.tracer.Start(ctx, op.name, opts...)
	return ctx
}

var rollbackOfLink = []attribute.KeyValue{AttrLinkType.String("rollback_of")}

// Attempt adds a "jupico.attempt" event to the call's span, and counts a
// retry when another attempt follows.
func (o *Observer) Attempt(ctx context.Context, c jupico.CallInfo, a jupico.AttemptInfo) {
	if a.Retry != "" {
		o.retries.Add(ctx, 1, o.retrySets.get(c.Operation, string(c.Kind), string(a.Retry), "", false))
	}
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	kv := make([]attribute.KeyValue, 0, 7)
	kv = append(kv, AttrAttempt.Int(a.Attempt), AttrAttemptDuration.Float64(a.Duration.Seconds()))
	if a.StatusCode != 0 {
		kv = append(kv, semconv.HTTPResponseStatusCodeKey.Int(a.StatusCode))
	}
	if a.RequestID != "" {
		kv = append(kv, AttrRequestID.String(a.RequestID))
	}
	if a.Error != "" {
		kv = append(kv, semconv.ErrorTypeKey.String(string(a.Error)))
	}
	if a.MaybeProcessed {
		kv = append(kv, AttrMaybeProcessed.Bool(true))
	}
	if a.Retry != "" {
		kv = append(kv, AttrRetryReason.String(string(a.Retry)))
	}
	span.AddEvent(EventAttempt, trace.WithTimestamp(a.Start), trace.WithAttributes(kv...))
}

// CallEnd ends the call's span and records the call's duration, and an
// unknown outcome.
func (o *Observer) CallEnd(ctx context.Context, c jupico.CallInfo, r jupico.CallResult) {
	errType := errorType(r.Error, r.StatusCode)
	o.callDuration.Record(ctx, r.Duration.Seconds(), o.callSets.get(c.Operation, string(c.Kind), string(r.Outcome), errType, false))
	if r.Outcome == jupico.CallOutcomeIndeterminate {
		o.indeterminate.Add(ctx, 1, o.indeterminateSets.get(c.Operation, errType, "", "", false))
	}
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	kv := make([]attribute.KeyValue, 0, 6)
	kv = append(kv, AttrOutcome.String(string(r.Outcome)), AttrAttempts.Int(r.Attempts))
	if r.StatusCode != 0 {
		kv = append(kv, semconv.HTTPResponseStatusCodeKey.Int(r.StatusCode))
	}
	if r.Code != "" {
		kv = append(kv, AttrErrorCode.String(string(r.Code)))
	}
	if r.RequestID != "" {
		kv = append(kv, AttrRequestID.String(r.RequestID))
	}
	if errType != "" {
		kv = append(kv, semconv.ErrorTypeKey.String(errType))
		span.SetStatus(codes.Error, errType)
	}
	span.SetAttributes(kv...)
	span.End()
}

// Rollback counts the rollback and records its result on the span of the
// call rolled back (for one sent by Recover, on ctx's span).
func (o *Observer) Rollback(ctx context.Context, r jupico.RollbackEvent) {
	o.rollbacks.Add(ctx, 1, o.rollbackSets.get(r.Operation, string(r.Result), "", "", r.Recovered))
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	kv := []attribute.KeyValue{AttrRollbackResult.String(string(r.Result)), AttrRollbackRecovered.Bool(r.Recovered), AttrRollbackAttempts.Int(r.Attempts),
		AttrRollbackDuration.Float64(r.Duration.Seconds())}
	if r.CauseCategory != "" {
		kv = append(kv, AttrRollbackCause.String(string(r.CauseCategory)))
	}
	if r.ErrorCategory != "" {
		kv = append(kv, semconv.ErrorTypeKey.String(string(r.ErrorCategory)))
	}
	if r.Recovered {
		kv = append(kv, AttrOperation.String(r.Operation))
	}
	span.AddEvent(EventRollback, trace.WithAttributes(kv...))
	if !r.Recovered {
		span.SetAttributes(AttrRollbackResult.String(string(r.Result)))
	}
}

// settlementResults are the values of jupico.settlement.result.
var settlementResults = [4]string{"rolled_back", "found", "absent", "reconcile"}

// Sweep records what a recovery sweep left owed, for the journal gauges,
// and counts what it settled.
func (o *Observer) Sweep(ctx context.Context, s jupico.SweepInfo) {
	o.owed.Store(int64(s.Owed))
	o.oldestAge.Store(math.Float64bits(s.OldestAge.Seconds()))
	o.swept.Store(true)
	for i, n := range [4]int{s.RolledBack, s.Found, s.Absent, s.Reconcile} {
		if n > 0 {
			o.settlements.Add(ctx, int64(n), o.settledOpt[i])
		}
	}
}

// Drift counts a member of an answer that differs from what the SDK
// models.
func (o *Observer) Drift(ctx context.Context, d jupico.DriftEvent) {
	o.drift.Add(ctx, 1, o.driftSets.get(d.Operation, d.Member, string(d.Kind), "", false))
}

// Reauth counts a 401 and adds a "jupico.reauth" event to the call's span.
func (o *Observer) Reauth(ctx context.Context, r jupico.ReauthInfo) {
	o.reauths.Add(ctx, 1, o.reauthSets.get(r.Operation, string(r.Error), "", "", r.Changed))
	if span := trace.SpanFromContext(ctx); span.IsRecording() {
		kv := []attribute.KeyValue{AttrReauthChanged.Bool(r.Changed)}
		if r.Error != "" {
			kv = append(kv, semconv.ErrorTypeKey.String(string(r.Error)))
		}
		span.AddEvent(EventReauth, trace.WithAttributes(kv...))
	}
}

// CredentialsRefresh counts a read of the credentials provider, and a
// failure.
func (o *Observer) CredentialsRefresh(ctx context.Context, r credentials.RefreshEvent) {
	result := "succeeded"
	if r.Err != nil {
		result = "failed"
		o.refreshFailures.Add(ctx, 1, o.refreshFailureOpt)
	}
	o.refreshes.Add(ctx, 1, o.refreshSets.get(result, "", "", "", r.Changed))
}

// Delivery counts a webhook delivery, records how long answering it took,
// and adds a "jupico.webhook.delivery" event to ctx's span when there is
// one (e.g. otelhttp's server span).
func (o *Observer) Delivery(ctx context.Context, d webhook.DeliveryInfo) {
	et := string(d.EventType)
	o.deliveries.Add(ctx, 1, o.deliverySets.get(d.Result, d.Reason, et, "", false))
	o.deliveryDuration.Record(ctx, d.Duration.Seconds(), o.deliveryDurationSets.get(d.Result, et, "", "", false))
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	kv := []attribute.KeyValue{AttrWebhookResult.String(d.Result), AttrWebhookVerified.Bool(d.Verified), semconv.HTTPResponseStatusCodeKey.Int(d.StatusCode)}
	if d.Reason != "" {
		kv = append(kv, AttrWebhookReason.String(d.Reason))
	}
	if et != "" {
		kv = append(kv, AttrWebhookEventType.String(et))
	}
	span.AddEvent(EventDelivery, trace.WithTimestamp(d.Start.Add(d.Duration)), trace.WithAttributes(kv...))
}

// errorType is error.type for a failure's category: the status code for an
// error status, as OpenTelemetry's HTTP conventions say, else the category.
func errorType(category jupico.ErrorCategory, status int) string {
	if category == jupico.ErrorCategoryStatus && status >= 100 && status < len(statusNames) {
		return statusNames[status]
	}
	return string(category)
}

// statusNames are the HTTP status codes as strings, made once.
var statusNames = func() (s [600]string) {
	for i := range s {
		s[i] = strconv.Itoa(i)
	}
	return s
}()

// opKey identifies what a call's span starts with.
type opKey struct{ op, kind, method, path, host string }

// opInfo is a call span's name and start options, made once per operation.
type opInfo struct {
	name  string
	start []trace.SpanStartOption
}

// opCache holds the opInfo of every operation seen. Operations and hosts
// are the client's constants, so it stays small; past maxCached entries it
// stops growing.
type opCache struct {
	mu sync.RWMutex
	m  map[opKey]*opInfo
}

// maxCached bounds each cache of this package.
const maxCached = 1024

func (c *opCache) get(o *Observer, ci jupico.CallInfo) *opInfo {
	k := opKey{ci.Operation, string(ci.Kind), ci.Method, ci.Path, ci.Host}
	c.mu.RLock()
	info := c.m[k]
	c.mu.RUnlock()
	if info != nil {
		return info
	}
	kv := make([]attribute.KeyValue, 0, 6+len(o.attrs))
	kv = append(kv, AttrOperation.String(ci.Operation), AttrKind.String(string(ci.Kind)), semconv.HTTPRequestMethodKey.String(ci.Method),
		semconv.URLTemplateKey.String(ci.Path))
	if ci.Host != "" {
		host, port := ci.Host, 443
		if h, p, err := net.SplitHostPort(ci.Host); err == nil {
			host = h
			if n, err := strconv.Atoi(p); err == nil {
				port = n
			}
		}
		kv = append(kv, semconv.ServerAddressKey.String(host), semconv.ServerPortKey.Int(port))
	}
	kv = append(kv, o.attrs...)
	info = &opInfo{name: "jupico " + ci.Operation, start: []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(kv...)}}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev := c.m[k]; prev != nil {
		return prev
	}
	if len(c.m) < maxCached {
		c.m[k] = info
	}
	return info
}

// setKey is the values of an instrument's attributes: up to four strings
// (an empty one is left out) and a bool.
type setKey struct {
	s [4]string
	b bool
}

// setCache holds an instrument's attribute sets as measurement options,
// made once for each combination of values: a measurement then allocates
// nothing for its attributes. The values are bounded (see the Metric
// constants); past maxCached combinations sets are made per measurement.
type setCache struct {
	keys  []attribute.Key
	bkey  attribute.Key // "" when the instrument has no bool attribute
	attrs []attribute.KeyValue

	mu sync.RWMutex
	m  map[setKey]metric.MeasurementOption
}

func (o *Observer) newSets(keys []attribute.Key, bkey attribute.Key) *setCache {
	return &setCache{keys: keys, bkey: bkey, attrs: o.attrs, m: map[setKey]metric.MeasurementOption{}}
}

func (c *setCache) get(s0, s1, s2, s3 string, b bool) metric.MeasurementOption {
	k := setKey{s: [4]string{s0, s1, s2, s3}, b: b}
	c.mu.RLock()
	opt, ok := c.m[k]
	c.mu.RUnlock()
	if ok {
		return opt
	}
	kv := make([]attribute.KeyValue, 0, len(c.keys)+1+len(c.attrs))
	for i, key := range c.keys {
		if k.s[i] != "" {
			kv = append(kv, key.String(k.s[i]))
		}
	}
	if c.bkey != "" {
		kv = append(kv, c.bkey.Bool(b))
	}
	kv = append(kv, c.attrs...)
	opt = metric.WithAttributeSet(attribute.NewSet(kv...))
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) < maxCached {
		c.m[k] = opt
	}
	return opt
}
