package jupico

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
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
//
// An implementation must embed JournalBase: the interface has an
// unexported method that only JournalBase provides, so a method added in a
// later version comes with a default on JournalBase (documented with the
// method) instead of breaking your journal. A journal that wraps another
// (to observe or fault it) embeds the Journal it wraps instead.
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

	// journal is provided only by JournalBase: every implementation
	// embeds it, so the interface can grow.
	journal()
}

// JournalBase is embedded by every Journal implementation. It has no
// state and no methods of its own today; methods added to Journal later
// get their default here.
type JournalBase struct{}

func (JournalBase) journal() {}

var _ interface{ journal() } = JournalBase{}

// JournalState is where a journaled transaction stands.
type JournalState string

// Journal states.
const (
	// JournalStateIntent: recorded before sending; the outcome is not known
	// yet. Left behind by a process that died, it means the request may
	// have been processed.
	JournalStateIntent JournalState = "intent"
	// JournalStateRollbackOwed: the outcome is unknown and a rollback is owed,
	// not acknowledged yet. Recovery sends it again at NextTry.
	JournalStateRollbackOwed JournalState = "rollback-owed"
	// JournalStateLookupOwed: the outcome is unknown, the operation has no
	// rollback, and recovery looks the request up through the Query API
	// by its reference at NextTry, until it is found or the grace period
	// (WithReconcileGrace) has passed.
	JournalStateLookupOwed JournalState = "lookup-owed"
	// JournalStateDone: the outcome is known (Outcome says which) and nothing
	// is owed.
	JournalStateDone JournalState = "done"
)

// JournalOutcome is what became of a journaled transaction, as a done
// entry records it in JournalEntry.Outcome.
type JournalOutcome string

// Outcomes a done entry records.
const (
	JournalOutcomeApproved     JournalOutcome = "approved"
	JournalOutcomeDeclined     JournalOutcome = "declined"
	JournalOutcomeNotProcessed JournalOutcome = "not processed"
	JournalOutcomeRolledBack   JournalOutcome = "rolled back"
	// JournalOutcomeReconcile: the outcome is unknown and the SDK cannot settle
	// it (no rollback and no query to ask, or a rollback Jupico refused):
	// it was reported, to the caller or through the rollback hook, for a
	// person to reconcile.
	JournalOutcomeReconcile JournalOutcome = "reconcile"
	// JournalOutcomeFound: recovery found the request through the Query API by
	// its reference: Jupico processed it. TransactionID holds Jupico's id
	// for it and FoundStatus its status.
	JournalOutcomeFound JournalOutcome = "found"
	// JournalOutcomeAbsent: recovery did not find the request through the Query
	// API within the grace period: not processed as far as Jupico shows,
	// so it is safe to send again (the SDK never does so on its own).
	JournalOutcomeAbsent JournalOutcome = "absent"
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
	State   JournalState   `json:"state"`
	Outcome JournalOutcome `json:"outcome,omitempty"`
	// TransactionID is Jupico's id for an approved or declined
	// transaction, or for the record recovery found (JournalOutcomeFound).
	TransactionID string `json:"transactionId,omitempty"`
	// FoundStatus is the status Jupico reported for the record recovery
	// found by reference, e.g. "pending" for a payout.
	FoundStatus string `json:"foundStatus,omitempty"`
	// Attempts counts the rollback requests sent for it; Err is why the
	// last rollback or lookup did not settle it.
	Attempts int    `json:"attempts,omitempty"`
	Err      string `json:"error,omitempty"`
	// Tries counts the times its rollback or lookup was tried: by the
	// call itself, then by each recovery sweep. NextTry is when recovery
	// tries it next (zero: at the next sweep); each failure puts it off
	// further, up to ten recovery intervals, and a restart keeps it.
	Tries   int       `json:"tries,omitempty"`
	NextTry time.Time `json:"nextTry,omitzero"`
	// Owner is the journal instance that last recorded it.
	Owner string `json:"owner,omitempty"`
	// Created is when the intent was recorded; Updated when the entry
	// last changed.
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

// Done reports whether nothing is owed for the entry.
func (e *JournalEntry) Done() bool { return e.State == JournalStateDone }

// DefaultJournalRetention is how long done entries are kept before
// recovery compacts them.
const DefaultJournalRetention = 7 * 24 * time.Hour

// WithJournal makes the client record every money-moving request in j
// before sending it (see Journal), and run recovery in the background
// (see WithRecoveryInterval). A transaction j cannot record is not sent:
// its error matches ErrJournal. A nil j is an error.
//
// With a journal, a money-moving request that has no rollback but can be
// looked up by its reference (payout creation, subscription creation,
// eCheck sale and refund) must carry a Reference: without one an unknown
// outcome could not be reconciled, so it is refused before sending with
// an error matching ErrValidation.
func WithJournal(j Journal) Option {
	return func(c *config) error {
		if j == nil {
			return invalid("nil journal")
		}
		c.journal = j
		return nil
	}
}

// WithJournalRetention sets how long recovery keeps done entries (default
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

// begin records a transaction's intent before it is sent, and marks it in
// flight. It returns nil without a journal or for an operation that moves
// no money. A request recovery could not look up (no value for its
// lookup's key) is refused before anything is recorded or sent.
func (c *Client) begin(ctx context.Context, op *wire.Operation, body []byte) (*JournalEntry, error) {
	if c.journal == nil || op.Kind != wire.KindTransaction {
		return nil, nil
	}
	if l := op.Lookup; l != nil && op.Rollback == nil {
		if lookupKey(l, body) == "" {
			return nil, &ValidationError{Field: l.Key, Reason: "is required with a journal: " + op.Name +
				" has no rollback, and an unknown outcome is settled by looking it up by " + l.Key}
		}
	}
	now := c.now()
	e := &JournalEntry{ID: newEntryID(), Operation: op.Name, Body: body, Reference: referenceOf(body), State: JournalStateIntent,
		Created: now, Updated: now}
	c.flight.Store(e.ID, struct{}{})
	if err := c.journal.Record(ctx, e); err != nil {
		c.flight.Delete(e.ID)
		return nil, wrapped(ErrJournal, op.Name+": nothing was sent, the intent could not be recorded", err)
	}
	return e, nil
}

// finish records that e is done with outcome, and returns the journal's
// error when it could not (logged too).
func (c *Client) finish(ctx context.Context, e *JournalEntry, outcome JournalOutcome, txID string) error {
	if e == nil {
		return nil
	}
	e.State, e.Outcome, e.Updated = JournalStateDone, outcome, c.now()
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
	e.State, e.Updated = JournalStateRollbackOwed, c.now()
	if err := c.journal.Record(ctx, e); err != nil {
		c.logJournal(ctx, "record the rollback owed", e, err)
	}
}

// release ends e's flight: from now on recovery may act on it. While a
// sweep runs, e is noted as released during it: the sweep may have read
// e before its outcome was recorded, and must leave it alone.
func (c *Client) release(e *JournalEntry) {
	if e == nil {
		return
	}
	if c.sweeping.Load() {
		c.noteReleased(e.ID)
	}
	c.flight.Delete(e.ID)
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
	outcome := JournalOutcomeApproved
	if declined {
		outcome = JournalOutcomeDeclined
	}
	err := c.finish(ctx, e, outcome, txID)
	if err == nil || declined || op.Rollback == nil {
		// A decline needs no rollback, and an operation without one is
		// listed for reconciliation at worst: the answer stands.
		return nil
	}
	cause := wrapped(ErrJournal, op.Name+": approved, but the journal could not record it", err)
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

// wrapped returns an error matching both sentinel and err that reads
// "<sentinel>: <what>: <err>", err's own "jupico: " prefixes left out.
func wrapped(sentinel error, what string, err error) error {
	return &wrappedError{sentinel: sentinel, what: what, err: err}
}

type wrappedError struct {
	sentinel error
	what     string
	err      error
}

func (e *wrappedError) Error() string {
	s := "jupico: error"
	if e.sentinel != nil {
		s = e.sentinel.Error()
	}
	if e.what != "" {
		s += ": " + e.what
	}
	if e.err != nil {
		s += ": " + bare(e.err, "")
	}
	return s
}

func (e *wrappedError) Unwrap() []error { return []error{e.sentinel, e.err} }
