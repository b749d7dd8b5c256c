package jupico

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jupico/jupico-go/internal/pipeline"
	"github.com/jupico/jupico-go/internal/wire"
)

// TransactionStatus is a transaction's outcome as Jupico reports it.
type TransactionStatus string

// Transaction statuses Jupico documents.
const (
	TransactionStatusSucceeded TransactionStatus = "succeeded"
	TransactionStatusDeclined  TransactionStatus = "declined"
	TransactionStatusFailed    TransactionStatus = "failed"
)

// SandboxTestToken is the sandbox payment token that, with the amounts
// 90.20, 90.23 and 90.24, is declined (tx_cc_declined, insufficient funds,
// do not honor), with 101.10 answers 503 and with 101.11 answers 500. The
// fake server in jupicotest reproduces these.
const SandboxTestToken = "b0a67cc8-d78e-4e71-afc3-2e8b00646973"

// Transaction is the result of a card or eCheck operation, and an entry of
// the transaction query.
type Transaction struct {
	// ID is Jupico's transaction identifier, used to capture, void or
	// refund it later.
	ID string
	// Status is succeeded for an approved transaction and declined for a
	// declined one.
	Status TransactionStatus
	// Amount is the amount Jupico reports; zero when it reports none.
	Amount Amount
	// AuthCode is the issuer's authorization code.
	AuthCode string
	// AVSResult and CVVResult are the address and card-code check results.
	AVSResult string
	CVVResult string
	ResponseMeta
}

// UnmarshalJSON reads a transaction as Jupico writes it (transactionId,
// status, amount as a decimal number, authCode, avs, cvv). Raw is left to
// the caller that read the answer.
func (t *Transaction) UnmarshalJSON(b []byte) error {
	var w wire.Transaction
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	amt, err := parseNumber(w.Amount)
	if err != nil {
		return err
	}
	*t = Transaction{ID: w.TransactionID, Status: TransactionStatus(w.Status), Amount: amt, AuthCode: w.AuthCode,
		AVSResult: w.AVS, CVVResult: w.CVV, ResponseMeta: t.ResponseMeta}
	return nil
}

// ErrDeclined is matched by the *APIError of a declined transaction (HTTP
// 200 with success false). The transaction is returned too; its Code says
// why, and its Message is safe to show to the customer. A decline is final:
// it is never retried or rolled back.
var ErrDeclined = errors.New("jupico: declined")

// ErrIndeterminate is matched by an *IndeterminateError: the transaction's
// outcome is unknown (Jupico answered 500, or 400 "failed", or nothing
// within the timeout, or the connection broke after the request was
// written, or the caller's context ended mid-request).
var ErrIndeterminate = errors.New("jupico: transaction outcome unknown")

// ErrRolledBack is matched by an *IndeterminateError whose rollback Jupico
// acknowledged: the transaction did not happen and may be tried again.
var ErrRolledBack = errors.New("jupico: transaction rolled back")

// IndeterminateError reports a transaction whose outcome is unknown, and
// what became of the rollback Jupico requires in that case. errors.Is
// matches ErrIndeterminate, ErrRolledBack when the rollback was
// acknowledged, and the cause's own sentinels (ErrServerError, ErrTimeout,
// ErrConnection, context.Canceled...).
type IndeterminateError struct {
	// Operation names the transaction, e.g. "creditcard.sale".
	Operation string
	// Cause is why the outcome is unknown: an *APIError (500, 400 failed)
	// or a *RequestError (timeout, broken connection, cancelled context).
	Cause error
	// RollbackAttempted is false when no rollback was sent: automatic
	// rollback is off, or the operation has none (eCheck).
	RollbackAttempted bool
	// RolledBack is true when Jupico acknowledged the rollback.
	RolledBack bool
	// RollbackErr is why the rollback failed, when it was attempted and
	// not acknowledged. Operators must reconcile such a transaction.
	RollbackErr error
	// Rollback holds what to send to roll the transaction back by hand,
	// with CreditCardService.Rollback; nil for operations without one.
	Rollback *RollbackRequest
}

// Error describes the outcome and the rollback, e.g. "jupico:
// creditcard.sale: outcome unknown (500 internal_server_error); rolled
// back". It works on any value, the zero value and nil included.
func (e *IndeterminateError) Error() string {
	if e == nil {
		return "jupico: outcome unknown"
	}
	s := "jupico: "
	if e.Operation != "" {
		s += e.Operation + ": "
	}
	s += "outcome unknown"
	if e.Cause != nil {
		s += " (" + bare(e.Cause, e.Operation) + ")"
	}
	switch {
	case e.RolledBack:
		s += "; rolled back"
	case e.RollbackAttempted && e.RollbackErr != nil:
		s += "; rollback failed: " + bare(e.RollbackErr, e.Operation)
	case e.RollbackAttempted:
		s += "; rollback failed"
	case e.Rollback != nil:
		s += "; not rolled back (automatic rollback is off)"
	default:
		s += "; no rollback exists for this operation: reconcile it"
	}
	return s
}

// Is matches ErrIndeterminate, and ErrRolledBack when rolled back.
func (e *IndeterminateError) Is(target error) bool {
	return target == ErrIndeterminate || (target == ErrRolledBack && e != nil && e.RolledBack)
}

// Unwrap returns the cause.
func (e *IndeterminateError) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Cause
}

// RollbackRequest is a rollback ready to send: the original operation's body,
// which Jupico's rollback takes as is. It may be stored (it is JSON) and
// sent later. Its body holds the payment token and amounts but never a card
// number.
type RollbackRequest struct {
	// Operation is the name of the operation to roll back.
	Operation string `json:"operation"`
	// Body is the original request body.
	Body json.RawMessage `json:"body"`
}

// RollbackEvent reports what became of a transaction whose outcome was
// unknown: its automatic rollback, or recovery's rollback or lookup. The
// hook installed with WithRollbackHook is given it in full, so operators
// can alert on failed ones; an Observer is given the same event without
// Reference, TransactionID, FoundStatus, Cause and Err (CauseCategory and
// ErrorCategory say what kind they were), and with Call set.
type RollbackEvent struct {
	// Operation is the transaction's, e.g. "creditcard.sale".
	Operation string
	// Reference is the transaction's reference, when its body had one
	// (hook only).
	Reference string
	// Recovered is true for an event of recovery: the transaction was
	// left unfinished by a process that died, or its rollback or lookup
	// was owed.
	Recovered bool
	// Cause is why its outcome was unknown (hook only); CauseCategory is
	// its category (the Error constants), "" for a recovered one.
	Cause         error
	CauseCategory ErrorCategory
	// Acknowledged is true when Jupico acknowledged the rollback.
	Acknowledged bool
	// Result is what became of the transaction, one of the Rollback
	// result constants: acknowledged, failed (still owed), reconcile (for
	// a person), left_to_caller, and for recovery's lookups by reference
	// found (settled: TransactionID and FoundStatus say what Jupico holds)
	// or absent (Err is ErrAbsent: safe to send again).
	Result RollbackResult
	// TransactionID and FoundStatus are Jupico's id and status for a
	// request recovery found by reference (hook only).
	TransactionID, FoundStatus string
	// Err is why the rollback failed or why the entry is reported (hook
	// only); ErrorCategory is its category.
	Err           error
	ErrorCategory ErrorCategory
	// Attempts is how many rollback attempts ran; Start and Duration when
	// the rollback or lookup started and how long it took.
	Attempts int
	Start    time.Time
	Duration time.Duration
	// Call is the ID (CallInfo.ID) of the call whose outcome was unknown,
	// given to an Observer; 0 for a recovered one.
	Call uint64
}

// Default rollback policy.
const (
	// DefaultRollbackTimeout bounds an automatic rollback, retries included.
	DefaultRollbackTimeout = 2 * time.Minute
)

// WithAutoRollback turns the automatic rollback of transactions whose
// outcome is unknown on (the default) or off. Turn it off only if you
// reconcile such transactions yourself: the error then carries a
// RollbackRequest to send with CreditCardService.Rollback. With a journal
// the rollback is still recorded as owed, and the background recovery
// sends it at its next sweep: add WithoutBackgroundRecovery to keep it
// yours alone.
func WithAutoRollback(on bool) Option {
	return func(c *config) error {
		c.noAutoRollback = !on
		return nil
	}
}

// WithRollbackTimeout bounds an automatic rollback, its retries included.
// The rollback runs on a context detached from the caller's cancellation
// (a cancelled checkout must still be reversed), bounded by this timeout
// instead. The default is 2 minutes.
func WithRollbackTimeout(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return invalid("rollback timeout must be positive")
		}
		c.rollbackTimeout = d
		return nil
	}
}

// WithRollbackRetry sets how rollbacks are retried. A rollback is safe to
// repeat, so it is retried on every failure except a refusal (a 4xx other
// than 429). The zero policy means 5 attempts, 200 ms, 5 s.
func WithRollbackRetry(p RetryPolicy) Option {
	return func(c *config) error {
		if err := p.validate(); err != nil {
			return err
		}
		c.rollbackRetry = p
		return nil
	}
}

// WithRollbackHook calls fn after every automatic rollback, acknowledged or
// not, before the transaction's error is returned. fn runs on the caller's
// goroutine and must not block for long. The event carries no card data and
// no credentials.
func WithRollbackHook(fn func(context.Context, RollbackEvent)) Option {
	return func(c *config) error {
		if fn == nil {
			return invalid("nil rollback hook")
		}
		c.rollbackHook = fn
		return nil
	}
}

// transact sends a card or eCheck transaction, in (a wire type) and the
// request's Extra members, and maps every outcome Jupico defines.
func (c *Client) transact(ctx context.Context, op *wire.Operation, in any, extra map[string]any) (_ *Transaction, err error) {
	body, err := wire.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("jupico: %s: encode request: %w", op.Name, err)
	}
	if body, err = withExtra(op, body, in, extra); err != nil {
		return nil, err
	}
	ctx, ob := c.startCall(ctx, op)
	var resp *pipeline.Response
	defer func() { ob.end(resp, err) }()
	resp, e, err := c.exchange(ctx, op, body)
	defer c.release(e)
	if err != nil {
		return nil, err
	}
	tx, ok := decodeTransaction(resp)
	if !ok {
		return nil, c.unreadable(ctx, op, body, resp, e)
	}
	declined := resp.Outcome == wire.OutcomeDeclined
	if err := c.settleAnswer(ctx, op, body, e, declined, tx.ID); err != nil {
		return nil, err
	}
	if declined {
		if tx.Status == "" {
			tx.Status = TransactionStatusDeclined
		}
		return tx, newAPIError(op.Name, resp)
	}
	if tx.Status == "" {
		tx.Status = TransactionStatusSucceeded
	}
	c.checkDrift(ctx, op, resp.Envelope.Data)
	return tx, nil
}

// exchange sends body as op and returns the answer to decode: a success
// and, for a transaction, a decline too. Every other outcome comes back as
// the error it means: for a transaction whose outcome is unknown (500, 400
// "failed", a gateway 5xx, no answer after the request was written) an
// *IndeterminateError, after the rollback when the operation has one; an
// *APIError for an answer that processed nothing; a *RequestError when no
// answer came.
//
// With a journal, a transaction's intent is recorded before it is sent
// (the returned entry, which the caller settles with settleAnswer once it
// read a success or decline, and releases when done); the outcomes this
// function maps are recorded here.
func (c *Client) exchange(ctx context.Context, op *wire.Operation, body []byte) (*pipeline.Response, *JournalEntry, error) {
	e, err := c.begin(ctx, op, body)
	if err != nil {
		return nil, nil, err
	}
	resp, err := c.p.Do(ctx, op, body)
	if err != nil {
		var pe *pipeline.Error
		if op.Kind == wire.KindTransaction && errors.As(err, &pe) && pe.Unknown {
			return nil, e, c.indeterminate(ctx, op, body, newRequestError(err), e)
		}
		_ = c.finish(ctx, e, JournalOutcomeNotProcessed, "")
		return nil, e, newRequestError(err)
	}
	switch resp.Outcome {
	case wire.OutcomeSucceeded:
		return resp, e, nil
	case wire.OutcomeDeclined:
		if op.Kind == wire.KindTransaction {
			return resp, e, nil
		}
	case wire.OutcomeIndeterminate, wire.OutcomeServerError:
		if op.Kind == wire.KindTransaction {
			return nil, e, c.indeterminate(ctx, op, body, newAPIError(op.Name, resp), e)
		}
	}
	// retryable (503, 429) once retries ran out, rejected (4xx), and any
	// failure of a read or write: not processed, or harmless to repeat.
	_ = c.finish(ctx, e, JournalOutcomeNotProcessed, "")
	return nil, e, newAPIError(op.Name, resp)
}

// unreadable is the error for a success or decline whose body is not the
// JSON the contract describes: for a transaction the outcome is then
// unknown, and it is rolled back like any other unknown outcome.
func (c *Client) unreadable(ctx context.Context, op *wire.Operation, body []byte, resp *pipeline.Response, e *JournalEntry) error {
	if op.Kind == wire.KindTransaction {
		return c.indeterminate(ctx, op, body, malformed(op.Name, resp.Attempts, true, "unreadable answer (status "+strconv.Itoa(resp.StatusCode)+")"), e)
	}
	return malformed(op.Name, resp.Attempts, false, "response data does not have the expected shape")
}

// decodeTransaction reads a transaction answer; false means it is not the
// JSON the contract describes.
func decodeTransaction(resp *pipeline.Response) (*Transaction, bool) {
	if resp.Envelope == nil {
		return nil, false
	}
	tx := &Transaction{Status: TransactionStatus(resp.Envelope.Status)}
	tx.RequestID = resp.RequestID
	data := resp.Envelope.Data
	if len(data) == 0 || string(data) == "null" {
		return tx, true
	}
	var w wire.Transaction
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, false
	}
	amt, err := parseNumber(w.Amount)
	if err != nil {
		return nil, false
	}
	tx.ID, tx.Amount, tx.AuthCode, tx.AVSResult, tx.CVVResult = w.TransactionID, amt, w.AuthCode, w.AVS, w.CVV
	if w.Status != "" {
		tx.Status = TransactionStatus(w.Status)
	}
	tx.Raw = data // already a copy: decoding into a RawMessage copies
	return tx, true
}

// indeterminate rolls the transaction back when it can and reports it.
// With a journal, entry j records what is owed: a rollback until Jupico
// acknowledges it, or, for an operation without one, that the caller was
// told to reconcile.
func (c *Client) indeterminate(ctx context.Context, op *wire.Operation, body []byte, cause error, j *JournalEntry) error {
	e := &IndeterminateError{Operation: op.Name, Cause: cause}
	if op.Rollback == nil {
		if j != nil && op.Lookup != nil {
			// Recovery looks it up by its reference from the next sweep on.
			j.Tries = 0
			c.putOff(ctx, j, JournalStateLookupOwed, nil)
			c.noteOwed(j)
		} else {
			_ = c.finish(ctx, j, JournalOutcomeReconcile, "")
		}
		c.reportRollback(ctx, RollbackEvent{Operation: op.Name, Result: RollbackResultReconcile, Cause: cause, Reference: referenceIn(j, body)}, false)
		return e
	}
	e.Rollback = &RollbackRequest{Operation: op.Name, Body: body}
	c.owe(ctx, j)
	if c.noAutoRollback {
		c.noteOwed(j)
		c.reportRollback(ctx, RollbackEvent{Operation: op.Name, Result: RollbackResultLeftToCaller, Cause: cause, Reference: referenceIn(j, body)}, false)
		return e
	}
	// The caller's cancellation must not stop the reversal of a charge that
	// may have happened; the rollback has its own deadline instead.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.rollbackTimeout)
	defer cancel()
	start := time.Now()
	attempts, err := c.sendRollback(rctx, op.Rollback, body)
	e.RollbackAttempted = true
	e.RolledBack = err == nil
	e.RollbackErr = err
	if j != nil {
		j.Attempts += attempts
		j.Tries++
		if err == nil {
			_ = c.finish(rctx, j, JournalOutcomeRolledBack, "")
		} else {
			c.putOff(rctx, j, JournalStateRollbackOwed, err) // recovery sends it again
			c.noteOwed(j)
		}
	}
	c.reportRollback(ctx, RollbackEvent{Operation: op.Name, Reference: referenceIn(j, body), Cause: cause, Acknowledged: err == nil,
		Result: rollbackResult(err), Err: err, Attempts: attempts, Start: start, Duration: time.Since(start)}, true)
	return e
}

// rollbackResult is the Rollback result constant for a rollback's error.
func rollbackResult(err error) RollbackResult {
	if err != nil {
		return RollbackResultFailed
	}
	return RollbackResultAcknowledged
}

// referenceIn returns the reference of a transaction: its journal entry's,
// read once when it was recorded, else its body's.
func referenceIn(j *JournalEntry, body []byte) string {
	if j == nil {
		return referenceOf(body)
	}
	return j.Reference
}

// sendRollback sends a rollback and reports how many attempts ran.
func (c *Client) sendRollback(ctx context.Context, op *wire.Operation, body []byte) (_ int, err error) {
	ctx, ob := c.startCall(ctx, op)
	resp, err := c.p.Do(ctx, op, body)
	defer func() { ob.end(resp, err) }()
	if err != nil {
		var pe *pipeline.Error
		attempts := 0
		if errors.As(err, &pe) {
			attempts = pe.Attempts
		}
		return attempts, newRequestError(err)
	}
	if resp.Outcome != wire.OutcomeSucceeded {
		return resp.Attempts, newAPIError(op.Name, resp)
	}
	return resp.Attempts, nil
}

// Rollback sends Jupico's system reversal for a transaction whose outcome is
// unknown, as carried by an *IndeterminateError when automatic rollback is
// off. It is safe to repeat and is retried per the rollback policy. It
// returns nil when Jupico acknowledged it, an *APIError when Jupico refused
// it, and a *RequestError when no answer came. The body must pass the
// original transaction's checks (see checkRollbackBody), or nothing is sent
// and a *ValidationError comes back.
func (c *Client) rollback(ctx context.Context, r *RollbackRequest) error {
	if r == nil {
		return &ValidationError{Field: "rollback", Reason: "is nil; it must name the operation and hold its original request body"}
	}
	op := rolledBack(r.Operation)
	if err := checkRollbackBody(op, r.Body); err != nil {
		return err
	}
	_, err := c.sendRollback(ctx, op.Rollback, r.Body)
	return err
}

// rolledBack returns the card operation named name, which a rollback
// reverses; nil for any other name.
func rolledBack(name string) *wire.Operation {
	for _, op := range []*wire.Operation{&wire.CardSale, &wire.CardAuthorize, &wire.CardCapture, &wire.CardVoid, &wire.CardRefund} {
		if op.Name == name {
			return op
		}
	}
	return nil
}
