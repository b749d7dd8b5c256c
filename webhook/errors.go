package webhook

import (
	"errors"
	"fmt"

	"github.com/jupico/jupico-go/credentials"
)

// Verification errors. Verify and Parse return an error that matches exactly
// one of these through errors.Is; its text adds a short reason ("duplicate
// webhook-timestamp header") but never a secret, a signature or the body.
var (
	// ErrMissingHeaders means the id, timestamp or signature header is
	// absent (no line at all) in both the webhook- and the svix- family.
	ErrMissingHeaders = errors.New("webhook: missing signature headers")

	// ErrInvalidHeader means a signature header is present but malformed:
	// empty, repeated (id and timestamp), too long, too many signature
	// entries, an entry without a version, an id with characters outside
	// visible ASCII, or a timestamp that is not a canonical decimal integer.
	ErrInvalidHeader = errors.New("webhook: invalid signature header")

	// ErrTimestampTooOld means the webhook-timestamp lies further in the past
	// than the tolerance allows: a stale or replayed delivery.
	ErrTimestampTooOld = errors.New("webhook: timestamp too old")

	// ErrTimestampTooNew means the webhook-timestamp lies further in the
	// future than the tolerance allows (a clock far off, or a timestamp in
	// milliseconds).
	ErrTimestampTooNew = errors.New("webhook: timestamp too new")

	// ErrNoMatchingSignature means no v1 signature in the header matches the
	// HMAC of the delivery under any accepted secret: the body, id or
	// timestamp were altered, or the sender used another secret.
	ErrNoMatchingSignature = errors.New("webhook: no matching signature")

	// ErrBodyTooLarge means the body exceeds the configured maximum
	// (WithMaxBodyBytes). The handler answers it with 413.
	ErrBodyTooLarge = errors.New("webhook: body too large")
)

// Configuration errors.
var (
	// ErrInvalidSecret means a signing secret is empty, is not standard
	// base64 (after an optional "whsec_" prefix), or decodes to fewer than
	// 24 or more than 64 bytes. NewVerifier and Sign return it for a bad
	// argument; Verify returns it, failing closed, when a SecretSource hands
	// out an empty or invalid set. It never repeats the secret.
	ErrInvalidSecret = errors.New("webhook: invalid signing secret")

	// ErrInvalidOption means an option was given an unusable value (a
	// negative duration, a nil function, a CIDR that does not parse), was
	// nil, or was given to the constructor it does not configure. It is
	// credentials.ErrInvalidOption, the module's one sentinel for invalid
	// configuration, so errors.Is matches it against jupico.ErrInvalidOption
	// too.
	ErrInvalidOption = credentials.ErrInvalidOption
)

// Payload errors.
var (
	// ErrInvalidPayload means the body is not an acceptable Jupico event
	// envelope: not a JSON object, invalid JSON, trailing data after the
	// object, a duplicate key (compared case-insensitively, at any depth),
	// nesting deeper than 64 levels, invalid UTF-8 (lone surrogate escapes
	// included), or a missing or mistyped "event" or "datetime" member. The
	// error names a byte offset, never body content.
	ErrInvalidPayload = errors.New("webhook: invalid payload")

	// ErrWrongEventType is returned by the typed accessors of Event
	// (ApplicationInitiated, MerchantSubmit, MerchantActivation) when the
	// event is of another type.
	ErrWrongEventType = errors.New("webhook: wrong event type")
)

// Errors of the unsigned authenticators and of the handler. The handler hands
// them to the OnReject hook.
var (
	// ErrUnauthorized means BasicAuth found no, several, or wrong credentials
	// in the Authorization header.
	ErrUnauthorized = errors.New("webhook: unauthorized")

	// ErrSourceNotAllowed means the client address (after trusted proxies)
	// is not in an AllowSources list, or could not be determined.
	ErrSourceNotAllowed = errors.New("webhook: source address not allowed")

	// ErrNoAuthenticator means All was given no authenticator, or a nil one.
	// Such an All rejects every delivery, and NewHandler refuses it.
	ErrNoAuthenticator = errors.New("webhook: no authenticator")

	// ErrMethodNotAllowed: the request method was not POST (status 405).
	ErrMethodNotAllowed = errors.New("webhook: method not allowed")

	// ErrInsecureTransport: the request came over plain HTTP and no trusted
	// proxy reported that the client side used HTTPS (status 403).
	ErrInsecureTransport = errors.New("webhook: request not received over https")

	// ErrUnsupportedMediaType: the Content-Type is not application/json
	// (optionally with charset=utf-8) (status 415).
	ErrUnsupportedMediaType = errors.New("webhook: content type is not application/json")

	// ErrBodyRead: the body could not be read, e.g. the client went away
	// (status 400).
	ErrBodyRead = errors.New("webhook: reading body")

	// ErrDuplicate is returned by ReplayStore.Claim when the event was
	// processed before (a done mark exists). The handler answers 200
	// without calling the event function. It is no failure: the delivery
	// was handled.
	ErrDuplicate = errors.New("webhook: event already processed")

	// ErrInProgress is returned by ReplayStore.Claim when another delivery of
	// the same event holds the claim and has not finished. The handler
	// answers 503 with Retry-After, never 2xx, because the first delivery
	// may still fail: the sender must come back.
	ErrInProgress = errors.New("webhook: delivery of this event already in progress")

	// ErrStoreFull is returned by MemoryStore.Claim when every entry is a live
	// claim and none can be evicted (status 503).
	ErrStoreFull = errors.New("webhook: replay store full")

	// ErrReplayStore wraps a ReplayStore failure seen by the handler. A
	// failing Claim gives 503 (fail closed: nothing is processed unrecorded).
	// A failing Done after the event was processed still gives 200, and the
	// hook receives this error so the fault is not silent.
	ErrReplayStore = errors.New("webhook: replay store")

	// ErrHandlerFailed wraps the error returned by the function given to
	// NewHandler (status 500, so the sender redelivers). A *PanicError
	// matches it too.
	ErrHandlerFailed = errors.New("webhook: event handler failed")
)

// PanicError reports a panic in the function given to NewHandler. The
// handler recovers it, releases the replay claim, answers 500 and passes the
// PanicError to the OnReject hook. Error does not print Value, which may hold
// anything the panicking code put there; read Value and Stack explicitly.
// The zero PanicError reports a panic with no value and no stack. It is a
// plain value, safe to read from several goroutines.
type PanicError struct {
	// Value is what was passed to panic.
	Value any
	// Stack is the goroutine stack at the time of the panic (runtime/debug.Stack).
	Stack []byte
}

// Error returns "webhook: event handler panicked".
func (e *PanicError) Error() string { return "webhook: event handler panicked" }

// Is reports whether target is ErrHandlerFailed.
func (e *PanicError) Is(target error) bool { return target == ErrHandlerFailed }

// detail wraps a sentinel with a short, fixed reason. Reasons are literals or
// numbers chosen by this package, never request content.
func detail(sentinel error, reason string) error {
	if sentinel == ErrInvalidOption {
		// The module's shared sentinel reads "jupico: invalid option":
		// say which package refused what.
		reason = "webhook: " + reason
	}
	return fmt.Errorf("%w: %s", sentinel, reason)
}
