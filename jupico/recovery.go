package jupico

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/internal/wire"
)

// Recovery settles what the journal holds unfinished: transactions whose
// process died before their outcome was recorded, rollbacks Jupico has not
// acknowledged yet, and requests with no rollback whose outcome is unknown.
// With a journal the client runs it in the background, at start and then
// every recovery interval, until Close; Recover runs it on demand.
//
// Each sweep claims the journal's unfinished entries (its own, and those
// of journal instances that are gone: a previous process, a replica whose
// lease expired) and, for each whose next try has come:
//   - a card transaction is rolled back (Jupico's rollback is safe to
//     repeat, and answers for a transaction it never processed too);
//   - a payout, subscription or eCheck transaction is looked up through
//     the Query API by its reference: found, it is done with Jupico's id
//     and status; not found, it is asked again each sweep until the grace
//     period has passed, then reported absent (not processed as far as
//     Jupico shows: safe to send again; the SDK never re-sends a
//     money-moving request on its own);
//   - anything else (an installment plan: no query to ask) is reported for
//     a person to reconcile.
//
// A rollback or lookup that fails is tried again later, each failure
// putting it off further: one interval, one, two, four, eight, then ten
// intervals at most. The schedule is in the journal, so a restart keeps
// it. A rollback Jupico refuses (a 4xx other than an authentication
// failure or 429) is not sent again: it is reported for a person.

// Recovery defaults.
const (
	// DefaultRecoveryInterval is how often the background recovery
	// sweeps the journal, jittered by ±20 %.
	DefaultRecoveryInterval = time.Minute
	// DefaultReconcileGrace is how long a request looked up by reference
	// may stay unfound before it is reported absent: Jupico's Query API
	// may lag its ledger.
	DefaultReconcileGrace = 24 * time.Hour
	// maxBackoffIntervals caps how far a failure puts an entry's next
	// try off, in recovery intervals.
	maxBackoffIntervals = 10
	// compactEvery is how often the background recovery compacts the
	// journal.
	compactEvery = time.Hour
)

// ErrReconcile is the Err of a RollbackEvent for a transaction recovery
// cannot settle: it has no rollback and no query to find it by, or Jupico
// refused its rollback. Look it up (by Reference) and settle it by hand.
var ErrReconcile = errors.New("jupico: outcome unknown and the SDK cannot settle it: reconcile it")

// ErrAbsent is the Err of a RollbackEvent for a request recovery looked up
// by reference for the whole grace period without finding it: not
// processed as far as Jupico shows, so it is safe to send again.
var ErrAbsent = errors.New("jupico: not processed as far as Jupico shows: safe to send again")

// WithRecoveryInterval sets how often the client's background recovery
// sweeps the journal (default DefaultRecoveryInterval, jittered by
// ±20 %); it must be positive. A dead replica's transactions are rolled
// back within its lease plus this interval.
func WithRecoveryInterval(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return invalid("recovery interval must be positive")
		}
		c.recoveryInterval = d
		return nil
	}
}

// WithoutBackgroundRecovery turns the background recovery off: the
// journal is then settled only by Recover and Reconcile, called by the
// application (a command-line tool that runs one recovery, say).
func WithoutBackgroundRecovery() Option {
	return func(c *config) error {
		c.noBackgroundRecovery = true
		return nil
	}
}

// WithReconcileGrace sets how long recovery looks a request up by
// reference before reporting it absent (default DefaultReconcileGrace);
// it must be positive.
func WithReconcileGrace(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return invalid("reconcile grace must be positive")
		}
		c.reconcileGrace = d
		return nil
	}
}

// WithClock sets the clock of the journal's records and of recovery: the
// entries' times, their next tries and the recovery interval. Tests use
// it to move time on; the default is the system clock.
func WithClock(clock credentials.Clock) Option {
	return func(c *config) error {
		if clock == nil {
			return invalid("nil clock")
		}
		c.clock = clock
		return nil
	}
}

// RecoveryReport is what a recovery sweep did.
type RecoveryReport struct {
	// Entries are the entries the sweep acted on, as it left them: done
	// (rolled back, found, absent, or reported for reconciliation) or
	// still owed, with their next try.
	Entries []JournalEntry
	// RolledBack counts the rollbacks Jupico acknowledged; Failed the
	// rollbacks and lookups that failed (tried again at their next try);
	// Found and Absent the requests settled by reference; Pending those
	// looked up and not found yet, within the grace period; Reconcile
	// those reported for a person.
	RolledBack, Failed, Found, Absent, Pending, Reconcile int
	// Owed is how many entries still owe a rollback or a lookup after
	// the sweep, those not due yet included; Oldest is when the oldest
	// of them was created (zero when none).
	Owed   int
	Oldest time.Time
	// Compacted is how many old done entries were deleted.
	Compacted int
}

// Recover settles everything the journal holds unfinished now, whatever
// each entry's next try says: what an operator asks for after an
// incident, or a tool that runs once. Transactions of this client still
// in flight are left to it, so Recover is safe to run at any time, also
// concurrently with live traffic, with the background recovery (sweeps
// run one at a time) and with recovery on other replicas, and again after
// a crash during recovery. It returns an error wrapping ErrJournal when
// the journal fails; rollbacks and lookups that fail are counted in the
// report, not returned.
func (c *Client) Recover(ctx context.Context) (*RecoveryReport, error) {
	return c.sweepNow(ctx, true)
}

// Reconcile runs one sweep as the background recovery does: only the
// entries whose next try has come are tried. See Recover for what it
// returns.
func (c *Client) Reconcile(ctx context.Context) (*RecoveryReport, error) {
	return c.sweepNow(ctx, false)
}

func (c *Client) sweepNow(ctx context.Context, all bool) (*RecoveryReport, error) {
	if c.journal == nil {
		return nil, fmt.Errorf("%w: recovery needs WithJournal", ErrInvalidOption)
	}
	c.sweepMu.Lock()
	t0 := time.Now()
	rep, err := c.sweep(ctx, all)
	c.sweepMu.Unlock()
	c.observeSweep(ctx, rep, time.Since(t0), err)
	return rep, err
}

// sweep is one recovery sweep; c.sweepMu is held. all tries every entry
// whatever its next try, and compacts whenever; otherwise compaction runs
// at most once every compactEvery.
func (c *Client) sweep(ctx context.Context, all bool) (*RecoveryReport, error) {
	start := c.now()
	rep := &RecoveryReport{}
	// From here on, a transaction released from flight is noted: Claim
	// may read it before its outcome is recorded.
	c.sweeping.Store(true)
	defer func() {
		c.sweeping.Store(false)
		c.releasedMu.Lock()
		clear(c.released)
		c.releasedMu.Unlock()
	}()
	entries, err := c.journal.Claim(ctx)
	if err != nil {
		return rep, wrapped(ErrJournal, "recover", err)
	}
	owed := make(map[string]JournalEntry)
	due := start.Add(c.recoveryInterval / 4) // a sweep a little early still counts
	for i := range entries {
		e := &entries[i]
		if e.Done() || c.inFlight(e.ID) || c.releasedDuringSweep(e.ID) {
			continue
		}
		if !all && !e.NextTry.IsZero() && e.NextTry.After(due) {
			owed[e.ID] = *e
			continue
		}
		if ctx.Err() != nil {
			owed[e.ID] = *e // stopped (Close): it stays owed
			continue
		}
		c.settle(ctx, e, rep)
		rep.Entries = append(rep.Entries, *e)
		if !e.Done() {
			owed[e.ID] = *e
		}
	}
	c.setOwed(owed, rep)
	if (all || c.now().Sub(c.lastCompact) >= compactEvery) && ctx.Err() == nil {
		n, err := c.journal.Compact(ctx, c.now().Add(-c.journalRetention))
		rep.Compacted = n
		if err != nil {
			return rep, wrapped(ErrJournal, "recover: compact", err)
		}
		c.lastCompact = c.now()
	}
	return rep, nil
}

// settle tries to settle one unfinished entry: a rollback, a lookup, or a
// report for a person.
func (c *Client) settle(ctx context.Context, e *JournalEntry, rep *RecoveryReport) {
	op := operationNamed(e.Operation)
	switch {
	case op != nil && op.Rollback != nil:
		c.recoverRollback(ctx, op, e, rep)
	case op != nil && op.Lookup != nil && lookupKey(op.Lookup, e.Body) != "":
		c.recoverLookup(ctx, op, e, rep)
	default:
		c.reportReconcile(ctx, e, rep, ErrReconcile)
	}
}

// reportReconcile ends e as one for a person to reconcile.
func (c *Client) reportReconcile(ctx context.Context, e *JournalEntry, rep *RecoveryReport, why error) {
	e.Err = why.Error()
	_ = c.finish(ctx, e, JournalOutcomeReconcile, "")
	rep.Reconcile++
	c.reportRollback(ctx, RollbackEvent{Operation: e.Operation, Reference: e.Reference, Recovered: true, Result: RollbackResultReconcile, Err: why}, true)
}

// recoverRollback sends e's rollback.
func (c *Client) recoverRollback(ctx context.Context, op *wire.Operation, e *JournalEntry, rep *RecoveryReport) {
	// A stored body passes the checks of the original transaction: a
	// journal is a file or a table that something else may have written.
	if err := checkRollbackBody(op, e.Body); err != nil {
		c.reportReconcile(ctx, e, rep, wrapped(ErrReconcile, "the journal's rollback body was refused, nothing was sent", err))
		return
	}
	rctx, cancel := context.WithTimeout(ctx, c.rollbackTimeout)
	defer cancel()
	start := time.Now()
	attempts, err := c.sendRollback(rctx, op.Rollback, e.Body)
	e.Attempts += attempts
	if err != nil && ctx.Err() != nil {
		return // stopped (Close) mid-rollback: it stays owed as it was
	}
	e.Tries++
	switch {
	case err == nil:
		e.Err, e.NextTry = "", time.Time{}
		_ = c.finish(ctx, e, JournalOutcomeRolledBack, "")
		rep.RolledBack++
	case refused(err):
		// Sent again it would be refused again: a person must look.
		e.Err = err.Error()
		_ = c.finish(ctx, e, JournalOutcomeReconcile, "")
		rep.Reconcile++
		err = wrapped(ErrReconcile, "Jupico refused the rollback", err)
	default:
		c.putOff(ctx, e, JournalStateRollbackOwed, err)
		rep.Failed++
	}
	c.reportRollback(ctx, RollbackEvent{Operation: e.Operation, Reference: e.Reference, Recovered: true, Acknowledged: err == nil,
		Result: rollbackResult(err), Err: err, Attempts: attempts, Start: start, Duration: time.Since(start)}, true)
}

// refused reports whether Jupico refused a rollback in a way that sending
// it again cannot change: a 4xx other than an authentication failure
// (credentials can be fixed), a timeout or 429.
func refused(err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	s := ae.HTTPStatus
	return s >= 400 && s < 500 && s != http.StatusUnauthorized && s != http.StatusForbidden &&
		s != http.StatusRequestTimeout && s != http.StatusTooManyRequests
}

// putOff records that e is still owed, to be tried again after a delay
// that grows with its tries.
func (c *Client) putOff(ctx context.Context, e *JournalEntry, state JournalState, why error) {
	e.State, e.Updated = state, c.now()
	e.NextTry = e.Updated.Add(c.backoff(e.Tries))
	if why != nil {
		e.Err = why.Error()
	}
	if err := c.journal.Record(ctx, e); err != nil {
		c.logJournal(ctx, "record what is still owed", e, err)
	}
}

// backoff is how long to wait before the next try of an entry tried tries
// times: one interval after the first two tries, then doubling, at most
// maxBackoffIntervals intervals.
func (c *Client) backoff(tries int) time.Duration {
	n := 1
	for i := 2; i < tries && n < maxBackoffIntervals; i++ {
		n *= 2
	}
	return c.recoveryInterval * time.Duration(min(n, maxBackoffIntervals))
}

// recoverLookup looks e up through the Query API by its reference.
func (c *Client) recoverLookup(ctx context.Context, op *wire.Operation, e *JournalEntry, rep *RecoveryReport) {
	start := time.Now()
	id, status, found, err := c.lookup(ctx, op.Lookup, e.Body)
	if err != nil && ctx.Err() != nil {
		return // stopped (Close): it stays owed as it was
	}
	e.Tries++
	ev := RollbackEvent{Operation: e.Operation, Reference: e.Reference, Recovered: true, Start: start}
	switch {
	case err != nil:
		c.putOff(ctx, e, JournalStateLookupOwed, err)
		rep.Failed++
		return
	case found:
		e.Err, e.NextTry, e.FoundStatus = "", time.Time{}, status
		_ = c.finish(ctx, e, JournalOutcomeFound, id)
		rep.Found++
		ev.Result, ev.TransactionID, ev.FoundStatus = RollbackResultFound, id, status
	case c.now().Sub(e.Created) >= c.reconcileGrace:
		e.Err, e.NextTry = ErrAbsent.Error(), time.Time{}
		_ = c.finish(ctx, e, JournalOutcomeAbsent, "")
		rep.Absent++
		ev.Result, ev.Err = RollbackResultAbsent, ErrAbsent
	default:
		// Not found yet: asked again at the next sweep, until the grace
		// period has passed.
		e.State, e.Err, e.Updated = JournalStateLookupOwed, "", c.now()
		e.NextTry = e.Updated.Add(c.recoveryInterval)
		if err := c.journal.Record(ctx, e); err != nil {
			c.logJournal(ctx, "record a lookup owed", e, err)
		}
		rep.Pending++
		return
	}
	ev.Duration = time.Since(start)
	c.reportRollback(ctx, ev, true)
}

// lookupKey returns the value of body's member that l finds it by.
func lookupKey(l *wire.Lookup, body []byte) string {
	k, _ := wire.StringMember(body, l.Key)
	return k
}

// lookup asks l's query for the request body: the id and status of the
// record found, found false when there is none (or none in the status l
// wants), or the error of a query that failed.
func (c *Client) lookup(ctx context.Context, l *wire.Lookup, body []byte) (id, status string, found bool, err error) {
	key := lookupKey(l, body)
	q := map[string]any{l.Filter: key, "limit": 1, "offset": 0}
	if sub, _ := wire.StringMember(body, "subMerchantId"); sub != "" {
		q["subMerchantId"] = sub
	}
	if l.Status != "" {
		q["status"] = l.Status
	}
	qb, err := json.Marshal(q)
	if err != nil {
		return "", "", false, err
	}
	ctx, ob := c.startCall(ctx, l.Query)
	resp, _, err := c.exchange(ctx, l.Query, qb)
	defer func() { ob.end(resp, err) }()
	if err != nil {
		return "", "", false, err
	}
	raws, _, err := pageOf(l.Query, resp)
	if err != nil {
		return "", "", false, err
	}
	c.checkDrift(ctx, l.Query, resp.Envelope.Data)
	for _, raw := range raws {
		var rec map[string]any
		if json.Unmarshal(raw, &rec) != nil {
			return "", "", false, malformed(l.Query.Name, resp.Attempts, false, "a record is not an object")
		}
		if v, _ := rec[l.Filter].(string); v != key {
			continue // the filter was not applied: not this request
		}
		st, _ := rec["status"].(string)
		if l.Status != "" && st != l.Status {
			continue
		}
		id, _ := rec[l.ID].(string)
		return id, st, true, nil
	}
	return "", "", false, nil
}

// noteOwed adds e to what the client knows is owed, when a call leaves it
// owed.
func (c *Client) noteOwed(e *JournalEntry) {
	if e == nil || e.Done() {
		return
	}
	v := *e
	v.Body = nil
	c.owedMu.Lock()
	defer c.owedMu.Unlock()
	if c.owed == nil {
		c.owed = make(map[string]JournalEntry)
	}
	c.owed[v.ID] = v
}

// setOwed replaces what the client knows is owed with a sweep's view, and
// counts it in rep.
func (c *Client) setOwed(owed map[string]JournalEntry, rep *RecoveryReport) {
	for id, e := range owed {
		e.Body = nil
		owed[id] = e
		rep.Owed++
		if rep.Oldest.IsZero() || e.Created.Before(rep.Oldest) {
			rep.Oldest = e.Created
		}
	}
	c.owedMu.Lock()
	c.owed, c.owedAt = owed, c.now()
	c.owedMu.Unlock()
}

// Owed is what a client's journal owes, as its last recovery sweep and
// its own calls since left it.
type Owed struct {
	// Count is how many entries owe a rollback or a lookup; Oldest is when
	// the oldest of them was created (zero when none).
	Count  int
	Oldest time.Time
	// Entries are those entries, oldest first, without their bodies:
	// each with its tries, attempts and next try.
	Entries []JournalEntry
	// Swept is when the last sweep ended; zero before the first.
	Swept time.Time
}

// Owed returns what the client's journal owes, for a status page or a
// health check: alert when the oldest entry is older than a few recovery
// intervals (see the README's monitoring table). It does no I/O: peers'
// entries that this client has not claimed are not counted. It returns
// the zero Owed without a journal.
func (c *Client) Owed() Owed {
	c.owedMu.Lock()
	defer c.owedMu.Unlock()
	o := Owed{Count: len(c.owed), Swept: c.owedAt, Entries: make([]JournalEntry, 0, len(c.owed))}
	for _, e := range c.owed {
		o.Entries = append(o.Entries, e)
	}
	slices.SortFunc(o.Entries, func(a, b JournalEntry) int { return a.Created.Compare(b.Created) })
	if len(o.Entries) > 0 {
		o.Oldest = o.Entries[0].Created
	}
	return o
}

// noteReleased records that id left flight during a sweep.
func (c *Client) noteReleased(id string) {
	c.releasedMu.Lock()
	if c.released == nil {
		c.released = make(map[string]struct{})
	}
	c.released[id] = struct{}{}
	c.releasedMu.Unlock()
}

func (c *Client) releasedDuringSweep(id string) bool {
	c.releasedMu.Lock()
	defer c.releasedMu.Unlock()
	_, ok := c.released[id]
	return ok
}

// startRecovery runs the background recovery: a sweep now, then one every
// interval (jittered by ±20 %), until Close. Sweeps run on one goroutine,
// so one never starts while another runs.
func (c *Client) startRecovery() {
	ctx, cancel := context.WithCancel(context.Background())
	c.stopRecovery = cancel
	tick := make(chan struct{}, 1)
	c.recovering.Add(1)
	go func() {
		defer c.recovering.Done()
		var timer interface{ Stop() bool }
		defer func() {
			if timer != nil {
				timer.Stop()
			}
		}()
		for {
			c.sweepMu.Lock()
			t0 := time.Now()
			rep, err := c.sweep(ctx, false)
			c.sweepMu.Unlock()
			d := time.Since(t0)
			if ctx.Err() != nil {
				return
			}
			c.logSweep(ctx, rep, err)
			timer = c.clock.AfterFunc(c.jitter(), func() {
				select {
				case tick <- struct{}{}:
				default:
				}
			})
			// Reported once the next sweep is scheduled, so that a test
			// that moves its clock on when told sees that sweep.
			c.observeSweep(ctx, rep, d, err)
			select {
			case <-ctx.Done():
				return
			case <-tick:
			}
		}
	}()
}

// jitter is the recovery interval ±20 %.
func (c *Client) jitter() time.Duration {
	d := float64(c.recoveryInterval) * (0.8 + 0.4*rand.Float64()) // #nosec G404 -- timing jitter, not a secret
	return time.Duration(d)
}

// logSweep logs what a background sweep left.
func (c *Client) logSweep(ctx context.Context, rep *RecoveryReport, err error) {
	switch {
	case err != nil:
		c.logger.LogAttrs(ctx, slog.LevelError, "jupico: recovery failed", slog.String("error", err.Error()))
	case rep.Failed > 0 || rep.Reconcile > 0 || rep.Absent > 0:
		c.logger.LogAttrs(ctx, slog.LevelWarn, "jupico: recovery left work", slog.Int("rolled_back", rep.RolledBack),
			slog.Int("found", rep.Found), slog.Int("absent", rep.Absent), slog.Int("failed", rep.Failed),
			slog.Int("to_reconcile", rep.Reconcile), slog.Int("owed", rep.Owed))
	case len(rep.Entries) > 0 || rep.Compacted > 0:
		c.logger.LogAttrs(ctx, slog.LevelInfo, "jupico: recovery done", slog.Int("rolled_back", rep.RolledBack),
			slog.Int("found", rep.Found), slog.Int("pending", rep.Pending), slog.Int("owed", rep.Owed), slog.Int("compacted", rep.Compacted))
	}
}

// observeSweep reports a sweep to the Observer.
func (c *Client) observeSweep(ctx context.Context, rep *RecoveryReport, d time.Duration, err error) {
	if c.observer == nil {
		return
	}
	info := SweepInfo{Owed: rep.Owed, RolledBack: rep.RolledBack, Found: rep.Found, Absent: rep.Absent, Pending: rep.Pending,
		Failed: rep.Failed, Reconcile: rep.Reconcile, Duration: d, Error: errorCategory(err)}
	if !rep.Oldest.IsZero() {
		info.OldestAge = max(c.now().Sub(rep.Oldest), 0)
	}
	c.observer.Sweep(ctx, info)
}

// recoveryState is the client's journal, what it tracks and its
// background recovery; embedded in Client.
type recoveryState struct {
	journal          Journal
	journalRetention time.Duration
	recoveryInterval time.Duration
	reconcileGrace   time.Duration
	clock            credentials.Clock
	flight           sync.Map // entry id -> struct{}: transactions of this client in flight

	sweepMu     sync.Mutex // one sweep at a time
	lastCompact time.Time  // guarded by sweepMu
	sweeping    atomic.Bool
	releasedMu  sync.Mutex
	released    map[string]struct{} // left flight during the sweep running

	owedMu sync.Mutex
	owed   map[string]JournalEntry
	owedAt time.Time

	recovering   sync.WaitGroup
	stopRecovery context.CancelFunc
}
