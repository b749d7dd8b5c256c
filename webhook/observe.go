package webhook

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// Observer sees every delivery a Handler answers, for metrics and traces;
// set it with WithObserver. Package jupico/jupicotel implements it on
// OpenTelemetry. What it is given never holds a header value, a body, a
// secret or an address: the result, a reason category, the event's type and
// timings. Delivery runs on the request's goroutine once the answer is
// written, concurrently for concurrent deliveries: an implementation must
// be safe for concurrent use and return quickly.
//
// An implementation must embed NopObserver: the interface has an unexported
// method that only NopObserver provides, so that methods added to Observer
// later get their default (doing nothing) there, and an implementation
// written today keeps compiling.
type Observer interface {
	Delivery(ctx context.Context, d DeliveryInfo)

	webhookObserver()
}

// NopObserver does nothing. Embed it in every Observer, and implement the
// methods you need. A type that also implements jupico.Observer, whose base
// is jupico.NopObserver, embeds both under distinct field names through a
// local alias (type webhookNop = webhook.NopObserver). The zero value is
// ready to use.
type NopObserver struct{}

var _ Observer = NopObserver{}

// Delivery does nothing.
func (NopObserver) Delivery(context.Context, DeliveryInfo) {}

func (NopObserver) webhookObserver() {}

// Results of a delivery, as DeliveryInfo.Result names them.
const (
	// DeliveryProcessed: the event function returned nil; answered 200.
	DeliveryProcessed = "processed"
	// DeliveryDuplicate: the event was processed before; answered 200
	// without calling the event function.
	DeliveryDuplicate = "duplicate"
	// DeliveryRejected: refused before the event function (4xx): not a
	// delivery the Handler accepts, or not authentic.
	DeliveryRejected = "rejected"
	// DeliveryDeferred: another delivery of the event is in progress, or
	// the replay store failed; answered 503 so that the sender retries.
	DeliveryDeferred = "deferred"
	// DeliveryFailed: the event function failed or panicked, or the
	// Handler could not check the delivery (no usable secret); answered
	// 500.
	DeliveryFailed = "failed"
)

// Reasons of a delivery not processed, as DeliveryInfo.Reason names them.
const (
	ReasonMethod            = "method"             // ErrMethodNotAllowed
	ReasonInsecureTransport = "insecure_transport" // ErrInsecureTransport
	ReasonMediaType         = "media_type"         // ErrUnsupportedMediaType
	ReasonBodyTooLarge      = "body_too_large"     // ErrBodyTooLarge
	ReasonBodyRead          = "body_read"          // ErrBodyRead
	ReasonMissingHeaders    = "missing_headers"    // ErrMissingHeaders
	ReasonInvalidHeader     = "invalid_header"     // ErrInvalidHeader
	ReasonTimestamp         = "timestamp"          // ErrTimestampTooOld, ErrTimestampTooNew
	ReasonSignature         = "signature"          // ErrNoMatchingSignature
	ReasonUnauthorized      = "unauthorized"       // ErrUnauthorized (Basic auth)
	ReasonSource            = "source"             // ErrSourceNotAllowed
	ReasonPayload           = "payload"            // ErrInvalidPayload, ErrWrongEventType
	ReasonSecret            = "secret"             // ErrInvalidSecret
	ReasonInProgress        = "in_progress"        // ErrInProgress
	ReasonReplayStore       = "replay_store"       // ErrReplayStore
	ReasonHandler           = "handler"            // ErrHandlerFailed
	ReasonPanic             = "panic"              // *PanicError
	ReasonMisconfigured     = "misconfigured"      // ErrInvalidOption
	ReasonOther             = "other"
)

// DeliveryInfo describes one delivery and its answer.
type DeliveryInfo struct {
	// Result is one of the Delivery constants; Reason, for a delivery not
	// processed, one of the Reason constants ("" otherwise).
	Result, Reason string
	// Verified is set once the delivery was authenticated.
	Verified bool
	// EventType is the event's type once it was decoded (authentic
	// deliveries only), e.g. "onMerchantActivation"; "" before.
	EventType EventType
	// StatusCode is the answer's status.
	StatusCode int
	// Start is when the delivery arrived; Duration how long answering it
	// took, the event function included.
	Start    time.Time
	Duration time.Duration
}

// WithObserver reports every delivery to o. nil is an error.
func WithObserver(o Observer) Option {
	return func(c *config) error {
		if err := c.only(forHandler, "WithObserver"); err != nil {
			return err
		}
		if o == nil {
			return detail(ErrInvalidOption, "nil observer")
		}
		c.h.obs = o
		return nil
	}
}

// maxObservedType bounds the event type as observed: it comes from the
// body, and observers may use it as an attribute.
const maxObservedType = 64

// delivery is what ServeHTTP learns of a delivery, for the Observer; nil
// when there is none, and then its methods do nothing.
type delivery struct{ info DeliveryInfo }

func (d *delivery) verified() {
	if d != nil {
		d.info.Verified = true
	}
}

func (d *delivery) decoded(t EventType) {
	if d != nil {
		d.info.EventType = t
	}
}

// duplicate records the 200 of an event processed before.
func (d *delivery) duplicate() {
	if d != nil {
		d.info.StatusCode, d.info.Result = http.StatusOK, DeliveryDuplicate
	}
}

// observe reports d once its answer was written.
func (h *Handler) observe(r *http.Request, d *delivery) {
	if d.info.Result == "" { // the event function asked for the connection to be cut
		d.info.Result, d.info.Reason = DeliveryFailed, ReasonPanic
	}
	if len(d.info.EventType) > maxObservedType {
		d.info.EventType = d.info.EventType[:maxObservedType]
	}
	d.info.Duration = time.Since(d.info.Start)
	h.obs.Delivery(r.Context(), d.info)
}

// answered records the answer of d: code, and the reason when it is not
// processed.
func (d *delivery) answered(code int, reason error) {
	if d == nil {
		return
	}
	d.info.StatusCode = code
	switch {
	case code == http.StatusOK:
		d.info.Result = DeliveryProcessed
	case code == http.StatusServiceUnavailable:
		d.info.Result = DeliveryDeferred
	case code >= 500:
		d.info.Result = DeliveryFailed
	default:
		d.info.Result = DeliveryRejected
	}
	if code != http.StatusOK {
		d.info.Reason = reasonOf(reason)
	}
}

// reasonOf is the Reason constant for a rejection's reason.
func reasonOf(err error) string {
	var pe *PanicError
	switch {
	case errors.As(err, &pe):
		return ReasonPanic
	case errors.Is(err, ErrHandlerFailed):
		return ReasonHandler
	case errors.Is(err, ErrReplayStore):
		return ReasonReplayStore
	case errors.Is(err, ErrInProgress):
		return ReasonInProgress
	case errors.Is(err, ErrMethodNotAllowed):
		return ReasonMethod
	case errors.Is(err, ErrInsecureTransport):
		return ReasonInsecureTransport
	case errors.Is(err, ErrUnsupportedMediaType):
		return ReasonMediaType
	case errors.Is(err, ErrBodyTooLarge):
		return ReasonBodyTooLarge
	case errors.Is(err, ErrBodyRead):
		return ReasonBodyRead
	case errors.Is(err, ErrInvalidSecret):
		return ReasonSecret
	case errors.Is(err, ErrMissingHeaders):
		return ReasonMissingHeaders
	case errors.Is(err, ErrInvalidHeader):
		return ReasonInvalidHeader
	case errors.Is(err, ErrTimestampTooOld), errors.Is(err, ErrTimestampTooNew):
		return ReasonTimestamp
	case errors.Is(err, ErrNoMatchingSignature):
		return ReasonSignature
	case errors.Is(err, ErrSourceNotAllowed):
		return ReasonSource
	case errors.Is(err, ErrUnauthorized):
		return ReasonUnauthorized
	case errors.Is(err, ErrInvalidPayload), errors.Is(err, ErrWrongEventType):
		return ReasonPayload
	case errors.Is(err, ErrInvalidOption):
		return ReasonMisconfigured
	}
	return ReasonOther
}
