package jupico

import (
	"context"
	"errors"
	"time"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/internal/pipeline"
	"github.com/jupico/jupico-go/internal/wire"
)

// Observer sees what the client does, for metrics and traces: every call
// and each of its attempts, every rollback and its result, every re-send
// after a 401 and every credentials refresh. Set it with WithObserver;
// package jupico/jupicotel implements it on OpenTelemetry.
//
// What an Observer is given never holds a credential, a request or
// response body, a header value, a token, a query string, a card number or
// a merchant's reference: operation names, URL path templates (the
// operation's constant path), status codes, Jupico's error codes, request
// IDs, counts, durations and the categories below. Errors are given as a
// category, never as their text.
//
// Methods are called on the goroutine of the call they describe, in order
// for that call: CallStart; Attempt for each attempt (reported once it is
// known what follows it, so after the Reauth that decided a re-send after
// a 401); when the outcome of a transaction is unknown, the rollback's own
// call (CallStart, Attempt, CallEnd, with RollbackOf set) and then
// Rollback; last CallEnd, so the rollback happens within the call it
// undoes. Different calls are reported concurrently: an implementation
// must be safe for concurrent use and return quickly. With no Observer
// set the client does none of this work.
//
// An implementation must embed NopObserver (or another Observer): the
// interface has an unexported method that only NopObserver provides, so a
// method added in a later version is a new default on NopObserver, never
// a compile error in your code. Override the methods you need.
type Observer interface {
	// CallStart is called before a call's first attempt. The context it
	// returns is the call's from then on (its attempts run under it, and
	// CallEnd and Attempt receive it), so an implementation may start a
	// span there; return ctx to add nothing.
	CallStart(ctx context.Context, c CallInfo) context.Context
	// Attempt is called after each attempt, once it is known whether
	// another follows.
	Attempt(ctx context.Context, c CallInfo, a AttemptInfo)
	// CallEnd is called when the call has its answer, or has given up.
	CallEnd(ctx context.Context, c CallInfo, r CallResult)
	// Rollback is called when a transaction whose outcome is unknown was
	// rolled back (or could not be), by the call itself or by Recover.
	Rollback(ctx context.Context, r RollbackEvent)
	// Reauth is called when an attempt was refused with 401: whether the
	// credentials had changed meanwhile, and so the request was sent
	// again with the new ones.
	Reauth(ctx context.Context, r ReauthInfo)
	// CredentialsRefresh is called after every read of the credentials
	// provider by the client's cache, including background refreshes:
	// ctx is then not a call's.
	CredentialsRefresh(ctx context.Context, r credentials.RefreshEvent)
	// Sweep is called after each recovery sweep of the journal (the
	// background recovery's, Recover's and Reconcile's): what it settled
	// and what is still owed. ctx is not a call's.
	Sweep(ctx context.Context, s SweepInfo)
	// Drift is called for each member of an answer that differs from
	// what the SDK models: one Jupico sent that the SDK does not know,
	// or one the SDK relies on that did not come. It carries names only,
	// never values; ctx is the call's.
	Drift(ctx context.Context, d DriftEvent)

	// observer is provided only by NopObserver: every implementation
	// embeds it, so the interface can grow.
	observer()
}

// NopObserver does nothing. Every Observer embeds it (the interface
// requires it), implementing only the methods of interest; methods added
// to Observer later get their default here.
type NopObserver struct{}

func (NopObserver) observer() {}

var _ Observer = NopObserver{}

// CallStart returns ctx.
func (NopObserver) CallStart(ctx context.Context, _ CallInfo) context.Context { return ctx }

// Attempt does nothing.
func (NopObserver) Attempt(context.Context, CallInfo, AttemptInfo) {}

// CallEnd does nothing.
func (NopObserver) CallEnd(context.Context, CallInfo, CallResult) {}

// Rollback does nothing.
func (NopObserver) Rollback(context.Context, RollbackEvent) {}

// Reauth does nothing.
func (NopObserver) Reauth(context.Context, ReauthInfo) {}

// CredentialsRefresh does nothing.
func (NopObserver) CredentialsRefresh(context.Context, credentials.RefreshEvent) {}

// Sweep does nothing.
func (NopObserver) Sweep(context.Context, SweepInfo) {}

// Drift does nothing.
func (NopObserver) Drift(context.Context, DriftEvent) {}

// DriftKind says how a member of an answer differs from the SDK's model
// of it.
type DriftKind string

const (
	// DriftUnknownMember: Jupico sent a member the SDK does not model.
	DriftUnknownMember DriftKind = "unknown"
	// DriftMissingMember: a member the SDK relies on (the wire table
	// lists them per operation) did not come.
	DriftMissingMember DriftKind = "missing"
)

// DriftEvent is one member of one answer that differs from the SDK's
// model: the operation's and the member's names, never the value.
type DriftEvent struct {
	// Operation is the wire table's name of the call, e.g.
	// "creditcard.sale".
	Operation string
	// Member is the member's name; a member of a nested object or of a
	// list's records is written as its path, e.g. "payouts[].bankName".
	Member string
	// Kind says whether the member was unknown or missing.
	Kind DriftKind
	// Call is the call's identifier, as in CallInfo.ID.
	Call uint64
}

// CallKind is the kind of an operation, as CallInfo.Kind names it: it
// decides how a call is retried.
type CallKind string

// Kinds of operation.
const (
	// CallKindRead: a query or lookup; retried on any transport failure and on
	// 429, 502, 503 and 504.
	CallKindRead CallKind = "read"
	// CallKindWrite: a change that moves no money; retried only when the
	// request never left, and on 503.
	CallKindWrite CallKind = "write"
	// CallKindTransaction: moves money; retried only when the request never
	// left, and on 503; an unknown outcome is rolled back.
	CallKindTransaction CallKind = "transaction"
	// CallKindRollback: a system reversal; safe to repeat, retried on any
	// failure.
	CallKindRollback CallKind = "rollback"
)

// CallInfo describes a call: one operation sent to Jupico, with its
// attempts.
type CallInfo struct {
	// Operation names it, e.g. "creditcard.sale".
	Operation string
	// Kind is what kind of operation it is.
	Kind CallKind
	// Method and Path are the HTTP method and the operation's path, a
	// constant with no identifiers or query (url.template in OpenTelemetry's
	// terms); Host is the API's host and port.
	Method, Path, Host string
	// Start is when the call started.
	Start time.Time
	// ID identifies the call among those of its client, from 1.
	ID uint64
	// RollbackOf, for a rollback the client sent because a call's outcome
	// was unknown, is that call's ID; 0 otherwise (a rollback sent by
	// recovery or by CreditCardService.Rollback). Such a rollback runs
	// within the call it undoes: the context CallStart is given is derived
	// from that call's, so an implementation finds the call's span there.
	RollbackOf uint64
}

// AttemptInfo describes one attempt of a call.
type AttemptInfo struct {
	// Attempt counts the call's attempts from 1.
	Attempt int
	// Start is when the attempt started; Duration how long it took to the
	// response's headers or to its failure.
	Start    time.Time
	Duration time.Duration
	// StatusCode is the HTTP status answered; 0 when none was. Jupico's
	// error code is in the answer's body, which is read only for the
	// answer a call ends with: CallResult.Code.
	StatusCode int
	// RequestID is the answer's request identifier, when it carried one.
	RequestID string
	// Error is the category of a failure with no answer, or of an answer
	// whose body could not be read; "" otherwise.
	Error ErrorCategory
	// MaybeProcessed is set for such a failure after the request was
	// written: Jupico may have processed it.
	MaybeProcessed bool
	// Retry says why another attempt follows; "" when none does.
	Retry RetryReason
}

// ErrorCategory is the category of a failure, as AttemptInfo.Error,
// CallResult.Error, RollbackEvent.CauseCategory and ErrorCategory, and SweepInfo.Error name it: the
// kind of error, never its text. Most mirror a sentinel error of the
// package (ErrorCategoryTLSHandshake is ErrTLSHandshake's).
type ErrorCategory string

// Categories of a failure.
const (
	// ErrorCategoryTimeout: ErrTimeout, or the context's deadline passed.
	ErrorCategoryTimeout ErrorCategory = "timeout"
	// ErrorCategoryConnection: ErrConnection.
	ErrorCategoryConnection ErrorCategory = "connection"
	// ErrorCategoryTLSHandshake: ErrTLSHandshake.
	ErrorCategoryTLSHandshake ErrorCategory = "tls"
	// ErrorCategoryCertificate: ErrCertificate.
	ErrorCategoryCertificate ErrorCategory = "certificate"
	// ErrorCategoryCredentials: ErrCredentials.
	ErrorCategoryCredentials ErrorCategory = "credentials"
	// ErrorCategoryRateLimiter: ErrRateLimiter.
	ErrorCategoryRateLimiter ErrorCategory = "rate_limiter"
	// ErrorCategoryTransportPolicy: ErrTransportPolicy or ErrRedirect (a
	// redirect, a middleware's rewrite).
	ErrorCategoryTransportPolicy ErrorCategory = "transport_policy"
	// ErrorCategoryResponseTooLarge: ErrResponseTooLarge.
	ErrorCategoryResponseTooLarge ErrorCategory = "response_too_large"
	// ErrorCategoryCanceled: the context was canceled.
	ErrorCategoryCanceled ErrorCategory = "canceled"
	// ErrorCategoryStatus: Jupico answered with an error status (its code
	// and Jupico's error code say which).
	ErrorCategoryStatus ErrorCategory = "status"
	// ErrorCategoryMalformedAnswer: ErrMalformedAnswer, the answer was not
	// the JSON the contract describes.
	ErrorCategoryMalformedAnswer ErrorCategory = "unreadable"
	// ErrorCategoryJournal: ErrJournal, the journal could not record the
	// transaction.
	ErrorCategoryJournal ErrorCategory = "journal"
	// ErrorCategoryOther: anything else.
	ErrorCategoryOther ErrorCategory = "other"
)

// RetryReason says why another attempt of a call follows, as
// AttemptInfo.Retry names it.
type RetryReason string

// Reasons another attempt follows.
const (
	RetryReasonStatus     RetryReason = "status"     // 429, 502, 503 or 504 (503 only for writes and transactions)
	RetryReasonConnection RetryReason = "connection" // the request never left, or (reads, rollbacks) the answer broke off
	RetryReasonTimeout    RetryReason = "timeout"    // reads and rollbacks only
	RetryReasonReauth     RetryReason = "reauth"     // 401, and the credentials had changed meanwhile
)

// CallOutcome is how a call ended, as CallResult.Outcome names it.
type CallOutcome string

// Outcomes of a call.
const (
	// CallOutcomeSucceeded: a 2xx success.
	CallOutcomeSucceeded CallOutcome = "succeeded"
	// CallOutcomeDeclined: a transaction Jupico declined (its answer says
	// so, with a decline code); nothing moved.
	CallOutcomeDeclined CallOutcome = "declined"
	// CallOutcomeRejected: Jupico refused the request and processed nothing
	// (4xx other than 402, or 429 and 503 once retries ran out).
	CallOutcomeRejected CallOutcome = "rejected"
	// CallOutcomeIndeterminate: a transaction whose outcome is unknown (500,
	// a failure after it was written, an unreadable answer): it is rolled
	// back when it has a rollback.
	CallOutcomeIndeterminate CallOutcome = "indeterminate"
	// CallOutcomeFailed: no usable answer, and for a transaction nothing was
	// sent, or the call is not a transaction.
	CallOutcomeFailed CallOutcome = "failed"
)

// CallResult describes how a call ended.
type CallResult struct {
	// Outcome is how the call ended.
	Outcome CallOutcome
	// Attempts is how many attempts ran; Duration how long the call took.
	Attempts int
	Duration time.Duration
	// StatusCode is the last HTTP status answered (0 when none was) and
	// Code Jupico's error code in the answer, e.g. "invalid_payload".
	StatusCode int
	Code       ErrorCode
	// RequestID is the answer's request identifier, when it carried one.
	RequestID string
	// Error is the category of the failure, "" for an answer the caller
	// receives as a success or a decline.
	Error ErrorCategory
}

// RollbackResult is what became of the rollback of a transaction whose
// outcome was unknown (or, for recovery's lookups by reference, of the
// transaction), as RollbackEvent.Result names it.
type RollbackResult string

// Results of a rollback.
const (
	// RollbackResultAcknowledged: Jupico acknowledged the rollback.
	RollbackResultAcknowledged RollbackResult = "acknowledged"
	// RollbackResultFailed: it was not acknowledged; it stays owed (recorded in
	// the journal when there is one, else left to the caller).
	RollbackResultFailed RollbackResult = "failed"
	// RollbackResultReconcile: the operation has no documented rollback; it was
	// reported for reconciliation.
	RollbackResultReconcile RollbackResult = "reconcile"
	// RollbackResultLeftToCaller: WithAutoRollback(false) is set; the
	// *IndeterminateError carries the rollback to send.
	RollbackResultLeftToCaller RollbackResult = "left_to_caller"
	// RollbackResultFound: recovery found a request with no rollback through
	// the Query API by its reference: Jupico processed it.
	RollbackResultFound RollbackResult = "found"
	// RollbackResultAbsent: recovery did not find such a request within the
	// grace period: not processed as far as Jupico shows.
	RollbackResultAbsent RollbackResult = "absent"
)

// SweepInfo describes one recovery sweep of the journal.
type SweepInfo struct {
	// Owed is how many entries still owe a rollback or a lookup after the
	// sweep, those not due yet included; OldestAge is how old the oldest
	// of them is (zero when none). Alert on OldestAge.
	Owed      int
	OldestAge time.Duration
	// RolledBack, Found and Absent count the entries the sweep settled:
	// rollbacks acknowledged, requests found by reference, requests
	// reported absent after the grace period.
	RolledBack, Found, Absent int
	// Pending counts lookups that found nothing yet, within the grace
	// period; Failed the rollbacks and lookups that failed (tried again
	// later); Reconcile the entries reported for a person.
	Pending, Failed, Reconcile int
	// Duration is how long the sweep took; Error the category of a
	// journal failure that ended it ("" when none).
	Duration time.Duration
	Error    ErrorCategory
}

// ReauthInfo describes what followed a 401.
type ReauthInfo struct {
	// Operation is the call's.
	Operation string
	// Changed is set when the credentials had changed since the refused
	// attempt, and the request was sent again with them.
	Changed bool
	// Error is the category of a failure to read the credentials again
	// (ErrorCategoryCredentials), "" when they were read.
	Error ErrorCategory
}

// RefreshObserver returns the credentials.Cache option that reports the
// cache's refreshes to o: pass it to credentials.NewCache when you give
// the client a cache of your own (with a cache it builds, WithObserver
// does it).
func RefreshObserver(o Observer) credentials.Option {
	return credentials.WithOnRefresh(func(ev credentials.RefreshEvent) {
		o.CredentialsRefresh(context.Background(), ev)
	})
}

// WithObserver sends what the client does to o (see Observer). With a
// credentials cache the client builds, its refreshes are reported too;
// with a *credentials.Cache of your own, build it with RefreshObserver(o).
func WithObserver(o Observer) Option {
	return func(c *config) error {
		if o == nil {
			return invalid("nil observer")
		}
		c.observer = o
		return nil
	}
}

// kindNames are the call kinds by wire kind.
var kindNames = [wire.NumKinds]CallKind{wire.KindRead: CallKindRead, wire.KindWrite: CallKindWrite, wire.KindTransaction: CallKindTransaction, wire.KindRollback: CallKindRollback}

// callKey is the context key of a call's observation.
type callKey struct{}

// callObs is one observed call: made only when an Observer is set. It is
// also the context CallStart is given: the caller's, with the call's
// observation as the value of callKey (one allocation for both).
type callObs struct {
	context.Context
	o    Observer
	ctx  context.Context // the call's, as CallStart returned it
	info CallInfo
	done bool
}

// startCall reports a call's start to the Observer and returns the call's
// context; without an Observer it returns ctx and nil, on which end does
// nothing. A rollback sent within a call (an unknown outcome's) is tied to
// that call through RollbackOf.
func (c *Client) startCall(ctx context.Context, op *wire.Operation) (context.Context, *callObs) {
	if c.observer == nil {
		return ctx, nil
	}
	ob := &callObs{Context: ctx, o: c.observer, info: CallInfo{Operation: op.Name, Kind: kindNames[op.Kind], Method: op.Method, Path: op.Path,
		Host: c.host, Start: time.Now(), ID: c.calls.Add(1)}}
	if op.Kind == wire.KindRollback {
		ob.info.RollbackOf = callID(ctx)
	}
	ctx = ob.o.CallStart(ob, ob.info)
	ob.ctx = ctx
	return ctx, ob
}

// context returns the call's context, as CallStart returned it; ctx when
// the call is not observed (ob is nil).
func (ob *callObs) context(ctx context.Context) context.Context {
	if ob == nil {
		return ctx
	}
	return ob.ctx
}

// Value returns ob for callKey, and the caller's context's values.
func (ob *callObs) Value(key any) any {
	if key == (callKey{}) {
		return ob
	}
	return ob.Context.Value(key)
}

// end reports how the call ended: resp is its answer when one was read,
// err what the caller is given.
func (ob *callObs) end(resp *pipeline.Response, err error) {
	if ob == nil || ob.done {
		return
	}
	ob.done = true
	r := CallResult{Duration: time.Since(ob.info.Start), Outcome: CallOutcomeSucceeded}
	if resp != nil {
		r.Attempts, r.StatusCode, r.RequestID = resp.Attempts, resp.StatusCode, resp.RequestID
		if resp.Envelope != nil && resp.Envelope.Error != nil {
			r.Code = ErrorCode(resp.Envelope.Error.Code)
		}
	}
	if err != nil {
		r.classify(err)
	}
	if len(r.Code) > maxObservedCode {
		r.Code = r.Code[:maxObservedCode]
	}
	ob.o.CallEnd(ob.ctx, ob.info, r)
}

// classify fills r from the error a call's caller is given.
func (r *CallResult) classify(err error) {
	var (
		ie *IndeterminateError
		ae *APIError
		re *RequestError
	)
	cause := err
	if errors.As(err, &ie) {
		r.Outcome, cause = CallOutcomeIndeterminate, ie.Cause
	}
	switch {
	case errors.As(cause, &ae):
		r.Attempts, r.StatusCode, r.Code, r.RequestID = ae.Attempts, ae.HTTPStatus, ae.Code, ae.RequestID
		r.Error = ErrorCategoryStatus
		switch {
		case r.Outcome == CallOutcomeIndeterminate:
		case errors.Is(ae, ErrDeclined):
			r.Outcome, r.Error = CallOutcomeDeclined, ""
		case ae.HTTPStatus < 500 || ae.HTTPStatus == 503:
			r.Outcome = CallOutcomeRejected
		default:
			r.Outcome = CallOutcomeFailed
		}
	case errors.As(cause, &re):
		r.Attempts, r.Error = re.Attempts, errorCategory(re)
		if r.Outcome != CallOutcomeIndeterminate {
			r.Outcome = CallOutcomeFailed
		}
	default:
		r.Error = errorCategory(cause)
		if r.Outcome != CallOutcomeIndeterminate {
			r.Outcome = CallOutcomeFailed
		}
	}
}

// maxObservedCode bounds Jupico's error code as observed: it comes from
// the answer, and observers may use it as an attribute.
const maxObservedCode = 64

// errorCategory is the category of err.
func errorCategory(err error) ErrorCategory {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrJournal):
		return ErrorCategoryJournal
	case errors.Is(err, ErrMalformedAnswer):
		return ErrorCategoryMalformedAnswer
	case errors.Is(err, ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return ErrorCategoryTimeout
	case errors.Is(err, context.Canceled):
		return ErrorCategoryCanceled
	case errors.Is(err, ErrCertificate):
		return ErrorCategoryCertificate
	case errors.Is(err, ErrTLSHandshake):
		return ErrorCategoryTLSHandshake
	case errors.Is(err, ErrCredentials):
		return ErrorCategoryCredentials
	case errors.Is(err, ErrRateLimiter):
		return ErrorCategoryRateLimiter
	case errors.Is(err, ErrTransportPolicy), errors.Is(err, ErrRedirect):
		return ErrorCategoryTransportPolicy
	case errors.Is(err, ErrResponseTooLarge):
		return ErrorCategoryResponseTooLarge
	case errors.Is(err, ErrConnection):
		return ErrorCategoryConnection
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ErrorCategoryStatus
	}
	return ErrorCategoryOther
}

// observer adapts the client's Observer to the pipeline's, which reports
// attempts and re-sends after a 401.
type observer struct{ c *Client }

func (a observer) Attempt(ctx context.Context, _ *wire.Operation, at pipeline.Attempt) {
	ob, _ := ctx.Value(callKey{}).(*callObs)
	if ob == nil {
		return
	}
	info := AttemptInfo{Attempt: at.N, Start: at.Start, Duration: at.Duration, StatusCode: at.Status, RequestID: at.RequestID, Retry: RetryReason(at.Retry)}
	if at.Err != nil {
		info.Error, info.MaybeProcessed = errorCategory(at.Err), at.Err.Unknown
	}
	ob.o.Attempt(ctx, ob.info, info)
}

func (a observer) Reauth(ctx context.Context, op *wire.Operation, changed bool, readErr error) {
	r := ReauthInfo{Operation: op.Name, Changed: changed}
	if readErr != nil {
		r.Error = ErrorCategoryCredentials
	}
	a.c.observer.Reauth(ctx, r)
}

// callID returns the ID of the call ctx belongs to, 0 when it belongs to
// none (or no Observer is set).
func callID(ctx context.Context) uint64 {
	if ob, _ := ctx.Value(callKey{}).(*callObs); ob != nil {
		return ob.info.ID
	}
	return 0
}

// reportRollback tells the rollback hook (when hook is set) and the
// Observer what became of a transaction whose outcome was unknown: ev in
// full to the hook; to the Observer without its reference, transaction id
// and errors, with their categories instead, and tied to the call ctx
// belongs to.
func (c *Client) reportRollback(ctx context.Context, ev RollbackEvent, hook bool) {
	if hook && c.rollbackHook != nil {
		c.rollbackHook(ctx, ev)
	}
	if c.observer == nil {
		return
	}
	ev.CauseCategory, ev.ErrorCategory = errorCategory(ev.Cause), errorCategory(ev.Err)
	ev.Call = callID(ctx)
	ev.Reference, ev.TransactionID, ev.FoundStatus, ev.Cause, ev.Err = "", "", "", nil, nil
	c.observer.Rollback(ctx, ev)
}
