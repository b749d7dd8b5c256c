package jupico

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jupico/jupico-go/internal/wire"
)

// A journal makes the rollback Jupico requires survive the process. Before
// a money-moving request leaves, the client records its intent durably;
// once the answer is known it records the outcome; when the outcome is
// unknown it records the rollback it owes until Jupico acknowledges it. A
// process that dies at any point leaves entries that Recover, in the next
// process or on a peer, finishes: it rolls back what may have been charged
// (card operations) and reports what has no rollback for reconciliation.

// ErrJournal is matched by the error of a transaction the journal could
// not record: when the intent cannot be written nothing is sent, and when
// the outcome of an approved card transaction cannot be written it is
// rolled back at once (the *IndeterminateError matches ErrJournal too), so
// that no journal ever disagrees with Jupico about money.
var ErrJournal = errors.New("jupico: journal")

// Journal is durable storage for the client's money-moving requests, set
// with WithJournal. Package jupico/journal implements it on a local file
// (bbolt); package jupico/pgjournal on PostgreSQL, shared by replicas.
// Implementations must be safe for concurrent use.
type Journal interface {
	// Record stores e, replacing an entry with the same ID. When it
	// returns nil the entry survives a crash of the process. The journal
	// sets e.Owner to itself: an entry belongs to the journal instance
	// that last recorded it.
	Record(ctx context.Context, e *JournalEntry) error
	// Claim returns the entries that are not done and that no live
	// journal instance owns but this one: this instance's own, and those
	// of instances that are gone (a previous process, a replica whose
	// lease expired). The entries returned now belong to this instance.
	// Two instances never claim the same entry.
	Claim(ctx context.Context) ([]JournalEntry, error)
	// Compact deletes the entries that are done and were last recorded
	// before t, and returns how many it deleted.
	Compact(ctx context.Context, before time.Time) (int, error)
}

// JournalState is where a journaled transaction stands.
type JournalState string

// Journal states.
const (
	// JournalIntent: recorded before sending; the outcome is not known
	// yet. Left behind by a process that died, it means the request may
	// have been processed.
	JournalIntent JournalState = "intent"
	// JournalRollbackOwed: the outcome is unknown and a rollback is owed,
	// not acknowledged yet.
	JournalRollbackOwed JournalState = "rollback-owed"
	// JournalDone: the outcome is known (Outcome says which) and nothing
	// is owed.
	JournalDone JournalState = "done"
)

// Outcomes a done entry records.
const (
	OutcomeApproved     = "approved"
	OutcomeDeclined     = "declined"
	OutcomeNotProcessed = "not processed"
	OutcomeRolledBack   = "rolled back"
	// OutcomeReconcile: the outcome is unknown and Jupico documents no
	// rollback for the operation: it was reported (to the caller, or by
	// Recover through the rollback hook) for reconciliation.
	OutcomeReconcile = "reconcile"
)

// JournalEntry is one journaled transaction. Its body is what was sent:
// the payment token and amounts, never credentials and never a card number
// (the client refuses to send one).
type JournalEntry struct {
	// ID identifies the entry: 32 hex digits, the time it was created
	// then random ones, so IDs sort by time.
	ID string `json:"id"`
	// Operation names the operation, e.g. "creditcard.sale".
	Operation string `json:"operation"`
	// Body is the request body exactly as sent, which is also the body of
	// its rollback.
	Body json.RawMessage `json:"body"`
	// Reference is the body's reference member, when it has one, to find
	// the transaction in Jupico's Query API.
	Reference string `json:"reference,omitempty"`
	// State and Outcome say where it stands; Outcome is set once done.
	State   JournalState `json:"state"`
	Outcome string       `json:"outcome,omitempty"`
	// TransactionID is Jupico's id for an approved or declined one.
	TransactionID string `json:"transactionId,omitempty"`
	// Attempts counts the rollbacks sent for it; Err is why the last one
	// was not acknowledged.
	Attempts int    `json:"attempts,omitempty"`
	Err      string `json:"error,omitempty"`
	// Owner is the journal instance that last recorded it.
	Owner string `json:"owner,omitempty"`
	// Created is when the intent was recorded; Updated when the entry
	// last changed.
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

// Done reports whether nothing is owed for the entry.
func (e *JournalEntry) Done() bool { return e.State == JournalDone }

// DefaultJournalRetention is how long done entries are kept before
// Recover compacts them.
const DefaultJournalRetention = 7 * 24 * time.Hour

// WithJournal makes the client record every money-moving request in j
// before sending it (see Journal). A transaction j cannot record is not
// sent: its error matches ErrJournal. A nil j is an error.
func WithJournal(j Journal) Option {
	return func(c *config) error {
		if j == nil {
			return invalid("nil journal")
		}
		c.journal = j
		return nil
	}
}

// WithJournalRetention sets how long Recover keeps done entries (default
// DefaultJournalRetention); it must be positive.
func WithJournalRetention(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return invalid("journal retention must be positive")
		}
		c.journalRetention = d
		return nil
	}
}

// WithRecoverOnStart makes NewClient start Recover in the background, so
// that what a previous process left unknown is settled as soon as the
// service is up. Results go to the rollback hook and, for failures, to
// the logger; Close waits for it. It needs WithJournal.
func WithRecoverOnStart() Option {
	return func(c *config) error {
		c.recoverOnStart = true
		return nil
	}
}

// RecoveryReport is what Recover did.
type RecoveryReport struct {
	// Entries are the entries Recover acted on, as it left them: done
	// (rolled back, or reported for reconciliation) or still owing a
	// rollback Jupico did not acknowledge.
	Entries []JournalEntry
	// RolledBack, Failed and Reconcile count the entries rolled back, those
	// whose rollback was not acknowledged (Recover tries them again next
	// time), and those reported for reconciliation.
	RolledBack, Failed, Reconcile int
	// Compacted is how many old done entries were deleted.
	Compacted int
}

// ErrReconcile is the Err of a RollbackEvent for a transaction Recover
// found unfinished and that has no rollback: look it up (by Reference) and
// settle it by hand.
var ErrReconcile = errors.New("jupico: outcome unknown and no rollback exists: reconcile it")

// Recover finishes what the journal holds unfinished: every transaction
// whose process died before its outcome was recorded, and every rollback
// not acknowledged yet. It rolls back card transactions (Jupico's
// rollback is safe to repeat, and answers for a transaction it never
// processed too) and reports the others, which have no rollback, for
// reconciliation; each through the rollback hook. It then deletes done
// entries older than the retention. Transactions of this client still in
// flight are left to it, so Recover is safe to run at any time, also
// concurrently with live traffic and with Recover on other replicas, and
// again after a crash during recovery. It returns an error wrapping
// ErrJournal when the journal fails; rollbacks that fail are counted in
// the report, not returned.
func (c *Client) Recover(ctx context.Context) (*RecoveryReport, error) {
	if c.journal == nil {
		return nil, fmt.Errorf("%w: Recover needs WithJournal", ErrInvalidOption)
	}
	entries, err := c.journal.Claim(ctx)
	if err != nil {
		return nil, fmt.Errorf("jupico: recover: %w: %w", ErrJournal, err)
	}
	rep := &RecoveryReport{}
	for i := range entries {
		e := &entries[i]
		if e.Done() || c.inFlight(e.ID) {
			continue
		}
		c.recoverOne(ctx, e, rep)
		rep.Entries = append(rep.Entries, *e)
	}
	n, err := c.journal.Compact(ctx, c.now().Add(-c.journalRetention))
	rep.Compacted = n
	if err != nil {
		return rep, fmt.Errorf("jupico: recover: compact: %w: %w", ErrJournal, err)
	}
	return rep, nil
}

// recoverOne rolls one unfinished entry back, or reports it.
func (c *Client) recoverOne(ctx context.Context, e *JournalEntry, rep *RecoveryReport) {
	op := operationNamed(e.Operation)
	if op == nil || op.Rollback == nil {
		_ = c.finish(ctx, e, OutcomeReconcile, "")
		rep.Reconcile++
		c.hook(ctx, RollbackEvent{Operation: e.Operation, Reference: e.Reference, Recovered: true, Err: ErrReconcile})
		c.observeRollback(ctx, RollbackInfo{Operation: e.Operation, Recovered: true, Result: RollbackReconcile}, nil, nil)
		return
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.rollbackTimeout)
	defer cancel()
	start := time.Now()
	attempts, err := c.sendRollback(rctx, op.Rollback, e.Body)
	e.Attempts += attempts
	if err != nil {
		e.State, e.Err, e.Updated = JournalRollbackOwed, err.Error(), c.now()
		if rerr := c.journal.Record(ctx, e); rerr != nil {
			c.logJournal(ctx, "record a failed rollback", e, rerr)
		}
		rep.Failed++
	} else {
		_ = c.finish(ctx, e, OutcomeRolledBack, "")
		rep.RolledBack++
	}
	c.hook(ctx, RollbackEvent{Operation: e.Operation, Reference: e.Reference, Recovered: true, Acknowledged: err == nil, Err: err,
		Attempts: attempts, Duration: time.Since(start)})
	c.observeRollback(ctx, RollbackInfo{Operation: e.Operation, Recovered: true, Result: rollbackResult(err), Attempts: attempts,
		Start: start, Duration: time.Since(start)}, nil, err)
}

// begin records a transaction's intent before it is sent, and marks it in
// flight. It returns nil without a journal or for an operation that moves
// no money.
func (c *Client) begin(ctx context.Context, op *wire.Operation, body []byte) (*JournalEntry, error) {
	if c.journal == nil || op.Kind != wire.KindTransaction {
		return nil, nil
	}
	now := c.now()
	e := &JournalEntry{ID: newEntryID(), Operation: op.Name, Body: body, Reference: referenceOf(body), State: JournalIntent,
		Created: now, Updated: now}
	c.flight.Store(e.ID, struct{}{})
	if err := c.journal.Record(ctx, e); err != nil {
		c.flight.Delete(e.ID)
		return nil, fmt.Errorf("jupico: %s: nothing was sent, the intent could not be recorded: %w: %w", op.Name, ErrJournal, err)
	}
	return e, nil
}

// finish records that e is done with outcome, and returns the journal's
// error when it could not (logged too).
func (c *Client) finish(ctx context.Context, e *JournalEntry, outcome, txID string) error {
	if e == nil {
		return nil
	}
	e.State, e.Outcome, e.Updated = JournalDone, outcome, c.now()
	if txID != "" {
		e.TransactionID = txID
	}
	if err := c.journal.Record(ctx, e); err != nil {
		c.logJournal(ctx, "record the outcome", e, err)
		return err
	}
	return nil
}

// owe records that e's outcome is unknown and its rollback is owed.
func (c *Client) owe(ctx context.Context, e *JournalEntry) {
	if e == nil {
		return
	}
	e.State, e.Updated = JournalRollbackOwed, c.now()
	if err := c.journal.Record(ctx, e); err != nil {
		c.logJournal(ctx, "record the rollback owed", e, err)
	}
}

// release ends e's flight: from now on Recover may act on it.
func (c *Client) release(e *JournalEntry) {
	if e != nil {
		c.flight.Delete(e.ID)
	}
}

func (c *Client) inFlight(id string) bool {
	_, ok := c.flight.Load(id)
	return ok
}

// settleAnswer records the outcome of a transaction whose answer was read:
// approved (declined when the answer was a decline). For an approved card
// transaction whose outcome the journal cannot keep, the transaction is
// rolled back now and the error says so: a later Recover would otherwise
// reverse a charge the caller was told went through. It returns nil when
// the caller may be given the answer.
func (c *Client) settleAnswer(ctx context.Context, op *wire.Operation, body []byte, e *JournalEntry, declined bool, txID string) error {
	outcome := OutcomeApproved
	if declined {
		outcome = OutcomeDeclined
	}
	err := c.finish(ctx, e, outcome, txID)
	if err == nil || declined || op.Rollback == nil {
		// A decline needs no rollback, and an operation without one is
		// listed for reconciliation at worst: the answer stands.
		return nil
	}
	cause := fmt.Errorf("jupico: %s: approved, but the journal could not record it: %w: %w", op.Name, ErrJournal, err)
	return c.indeterminate(ctx, op, body, cause, e)
}

// logJournal reports a journal write that failed after the request was
// sent; the entry stays as it was, and Recover acts on it later.
func (c *Client) logJournal(ctx context.Context, what string, e *JournalEntry, err error) {
	if c.logger.Enabled(ctx, slog.LevelError) {
		c.logger.LogAttrs(ctx, slog.LevelError, "jupico: journal could not "+what,
			slog.String("operation", e.Operation), slog.String("entry", e.ID), slog.String("error", err.Error()))
	}
}

func (c *Client) hook(ctx context.Context, ev RollbackEvent) {
	if c.rollbackHook != nil {
		c.rollbackHook(ctx, ev)
	}
}

// operationNamed finds an operation of the wire table by name.
func operationNamed(name string) *wire.Operation {
	for _, op := range wire.Operations {
		if op.Name == name {
			return op
		}
	}
	return nil
}

// referenceOf returns a body's top-level reference member, if any.
func referenceOf(body []byte) string {
	r, _ := wire.StringMember(body, "reference")
	return r
}

// newEntryID returns 32 hex digits: the time in nanoseconds, then 8
// random bytes. IDs sort by time, so a journal keyed by them appends new
// entries at one end instead of all over its index.
func newEntryID() string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(time.Now().UnixNano())) // #nosec G115 -- after 1970
	_, _ = rand.Read(b[8:])                                          // crypto/rand.Read does not fail
	return hex.EncodeToString(b[:])
}

// startRecovery runs Recover in the background for WithRecoverOnStart.
func (c *Client) startRecovery() {
	ctx, cancel := context.WithCancel(context.Background())
	c.stopRecovery = cancel
	c.recovering.Add(1)
	go func() {
		defer c.recovering.Done()
		rep, err := c.Recover(ctx)
		switch {
		case err != nil:
			c.logger.LogAttrs(ctx, slog.LevelError, "jupico: recovery failed", slog.String("error", err.Error()))
		case rep.Failed > 0 || rep.Reconcile > 0:
			c.logger.LogAttrs(ctx, slog.LevelWarn, "jupico: recovery left work", slog.Int("rolled_back", rep.RolledBack),
				slog.Int("rollbacks_failed", rep.Failed), slog.Int("to_reconcile", rep.Reconcile))
		default:
			c.logger.LogAttrs(ctx, slog.LevelInfo, "jupico: recovery done", slog.Int("rolled_back", rep.RolledBack),
				slog.Int("compacted", rep.Compacted))
		}
	}()
}

// journalState is the client's journal and what it tracks; embedded in
// Client.
type journalState struct {
	journal          Journal
	journalRetention time.Duration
	flight           sync.Map // entry id -> struct{}: transactions of this client in flight
	recovering       sync.WaitGroup
	stopRecovery     context.CancelFunc
}
