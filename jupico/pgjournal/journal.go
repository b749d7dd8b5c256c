// Package pgjournal is a jupico.Journal on PostgreSQL, shared by the
// replicas of a service: when a replica dies with sales in flight, its
// peers roll them back.
//
//	pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
//	j, err := pgjournal.Open(ctx, pool)
//	defer j.Close()
//	client, err := jupico.NewClient(jupico.WithJournal(j)) // recovery runs in the background
//
// # Leases
//
// Each open journal is an owner with a lease in the leases table, renewed
// by a heartbeat every third of the lease (WithLease, 30 s by default).
// Recover on any replica claims the unfinished entries of owners whose
// lease expired, in one transaction with FOR UPDATE SKIP LOCKED, so two
// replicas recovering at once never take the same one: the first takes
// the orphans, the other skips the rows it is taking. A replica records only while its lease is valid and only entries
// it still owns: one that lost its lease (a long pause, a partition)
// sends no new transaction, and learns through an error wrapping
// ErrNotOwner that a peer took over an entry it was finishing.
//
// # Tables
//
// Open creates two tables if they are missing (it needs the right to):
// the journal (default jupico_journal, see WithTable) and its leases
// (the same name with _leases). Every entry is a row with readable
// columns, so operators can query what is owed:
//
//	SELECT reference, operation, state, owner FROM jupico_journal WHERE state <> 'done';
//
// # Durability and cost
//
// Record returns once PostgreSQL committed the record, which with
// synchronous_commit on (the default; Open refuses a pool with it off,
// ErrNotDurable) means it is in the server's log on disk. Records from
// concurrent sales share a statement and a commit, so a busy service pays
// a round trip and a log flush per batch. Give the pool enough
// connections for the writers (four) besides the rest of the service.
package pgjournal

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/jupico/jupico-go/jupico"
)

// ErrNotOwner is wrapped by the error of a Record or Claim this journal
// may not make: its lease expired, or a peer claimed the entry.
var ErrNotOwner = errors.New("pgjournal: not the owner: the lease expired or a peer took the entry over")

// ErrNotDurable is returned by Open when the pool's sessions run with
// synchronous_commit off: PostgreSQL would acknowledge a record before it
// is on disk, and a crash of the server could lose an intent. Turn it on
// for the journal's role or database (it is on by default).
var ErrNotDurable = errors.New("pgjournal: synchronous_commit is off: a record could be lost in a server crash; turn it on for the journal's role or database")

// Defaults.
const (
	DefaultTable = "jupico_journal"
	DefaultLease = 30 * time.Second
)

// Journal is a jupico.Journal in a PostgreSQL table. Its methods are safe
// for concurrent use.
type Journal struct {
	jupico.JournalBase
	pool   *pgxpool.Pool
	owner  string
	lease  time.Duration
	table  string // quoted
	leases string // quoted

	queue   chan *record
	writing sync.WaitGroup
	records atomic.Int64
	commits atomic.Int64
	mu      sync.RWMutex // Close holds it to end the queue
	closed  bool

	stop    chan struct{}
	stopped chan struct{}
	once    sync.Once
}

var _ jupico.Journal = (*Journal)(nil)

// Option configures Open. Options validate their argument: Open returns
// the first error, which matches jupico.ErrInvalidOption (the module's one
// sentinel for invalid configuration), before it touches the database. A
// nil Option is such an error too.
type Option func(*options) error

// invalid returns an error matching jupico.ErrInvalidOption.
func invalid(reason string) error {
	return fmt.Errorf("%w: pgjournal: %s", jupico.ErrInvalidOption, reason)
}

type options struct {
	table string
	lease time.Duration
	owner string
}

var identifier = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,40}$`)

// WithTable names the journal's table (its leases are the same name with
// _leases): lower-case letters, digits and underscores.
func WithTable(name string) Option {
	return func(o *options) error {
		if !identifier.MatchString(name) {
			return invalid(fmt.Sprintf("table name %q: use lower-case letters, digits and underscores", name))
		}
		o.table = name
		return nil
	}
}

// WithLease sets how long a replica's lease lasts without a heartbeat
// (default DefaultLease): how long its peers wait before they roll back
// what it left. The heartbeat renews it every third of that.
func WithLease(d time.Duration) Option {
	return func(o *options) error {
		if d < 100*time.Millisecond {
			return invalid("lease must be at least 100ms")
		}
		o.lease = d
		return nil
	}
}

// WithOwner names this replica in the tables (default: host name, process
// id and random digits). Two open journals must never share a name.
func WithOwner(name string) Option {
	return func(o *options) error {
		if name == "" || len(name) > 200 {
			return invalid("owner name must be 1 to 200 bytes")
		}
		o.owner = name
		return nil
	}
}

// Open creates the tables if missing, takes a lease and starts its
// heartbeat. Close ends both. A nil pool, a nil Option or a bad one is an
// error matching jupico.ErrInvalidOption.
func Open(ctx context.Context, pool *pgxpool.Pool, opts ...Option) (*Journal, error) {
	if pool == nil {
		return nil, invalid("nil pool")
	}
	o := options{table: DefaultTable, lease: DefaultLease}
	for _, opt := range opts {
		if opt == nil {
			return nil, invalid("nil option")
		}
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	if o.owner == "" {
		var b [8]byte
		_, _ = rand.Read(b[:])
		host, _ := os.Hostname()
		o.owner = fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	}
	j := &Journal{pool: pool, owner: o.owner, lease: o.lease,
		table: pgx.Identifier{o.table}.Sanitize(), leases: pgx.Identifier{o.table + "_leases"}.Sanitize(),
		queue: make(chan *record, 4*maxBatch), stop: make(chan struct{}), stopped: make(chan struct{})}
	var commit string
	if err := pool.QueryRow(ctx, `SELECT current_setting('synchronous_commit')`).Scan(&commit); err != nil {
		return nil, fmt.Errorf("pgjournal: %w", err)
	}
	if commit == "off" {
		return nil, ErrNotDurable
	}
	if err := j.migrate(ctx, o.table); err != nil {
		return nil, err
	}
	if err := j.renew(ctx); err != nil {
		return nil, err
	}
	go j.heartbeat() // #nosec G118 -- the lease outlives Open's context: Close stops the heartbeat
	for range writers {
		j.writing.Add(1)
		go j.writer()
	}
	return j, nil
}

// migrate creates the tables and adds the columns later versions need,
// one replica at a time: PostgreSQL's CREATE TABLE IF NOT EXISTS races
// with itself (two replicas of a first deploy both try to create the
// table's type), so the schema step holds a transaction-scoped advisory
// lock keyed by the table's name.
func (j *Journal) migrate(ctx context.Context, table string) error {
	err := pgx.BeginFunc(ctx, j.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, "jupico-go/pgjournal/"+table); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `
CREATE TABLE IF NOT EXISTS `+j.table+` (
	id             text PRIMARY KEY,
	owner          text NOT NULL,
	operation      text NOT NULL,
	body           bytea NOT NULL,
	reference      text NOT NULL DEFAULT '',
	state          text NOT NULL,
	outcome        text NOT NULL DEFAULT '',
	transaction_id text NOT NULL DEFAULT '',
	attempts       integer NOT NULL DEFAULT 0,
	error          text NOT NULL DEFAULT '',
	created        timestamptz NOT NULL,
	updated        timestamptz NOT NULL
);
ALTER TABLE `+j.table+` ADD COLUMN IF NOT EXISTS tries integer NOT NULL DEFAULT 0;
ALTER TABLE `+j.table+` ADD COLUMN IF NOT EXISTS next_try timestamptz;
ALTER TABLE `+j.table+` ADD COLUMN IF NOT EXISTS found_status text NOT NULL DEFAULT '';
ALTER TABLE `+j.table+` ADD COLUMN IF NOT EXISTS entry jsonb;
CREATE INDEX IF NOT EXISTS `+pgx.Identifier{table + "_open"}.Sanitize()+` ON `+j.table+` (owner) WHERE state <> 'done';
CREATE TABLE IF NOT EXISTS `+j.leases+` (
	owner   text PRIMARY KEY,
	expires timestamptz NOT NULL
);`)
		return err
	})
	if err != nil {
		return fmt.Errorf("pgjournal: create tables: %w", err)
	}
	return nil
}

// renew extends the lease from the database's clock.
func (j *Journal) renew(ctx context.Context) error {
	_, err := j.pool.Exec(ctx, `INSERT INTO `+j.leases+` (owner, expires) VALUES ($1, now() + $2::interval)
ON CONFLICT (owner) DO UPDATE SET expires = EXCLUDED.expires`, j.owner, j.lease.String())
	if err != nil {
		return fmt.Errorf("pgjournal: renew lease: %w", err)
	}
	return nil
}

func (j *Journal) heartbeat() {
	defer close(j.stopped)
	t := time.NewTicker(j.lease / 3)
	defer t.Stop()
	for {
		select {
		case <-j.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), j.lease/3)
			_ = j.renew(ctx) // a failure is retried on the next tick; Record fences on the lease
			cancel()
		}
	}
}

// Owner is this journal's name in the tables.
func (j *Journal) Owner() string { return j.owner }

// Record stores e, replacing the entry with its ID, and sets e.Owner to
// this journal. It returns once PostgreSQL committed it. It fails with an
// error wrapping ErrNotOwner when this journal's lease expired or a peer
// claimed the entry, and with ErrClosed after Close.
//
// Records from concurrent callers are written together: a few writers
// each take what is waiting and store it in one statement and one commit,
// so a busy service pays a round trip and a log flush per batch, not per
// record.
func (j *Journal) Record(ctx context.Context, e *jupico.JournalEntry) error {
	e.Owner = j.owner
	r := &record{e: *e, done: make(chan error, 1)}
	j.mu.RLock()
	if j.closed {
		j.mu.RUnlock()
		return ErrClosed
	}
	select {
	case j.queue <- r:
		j.mu.RUnlock()
	case <-ctx.Done():
		j.mu.RUnlock()
		return ctx.Err()
	}
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		// The record may still be written: an intent left so is rolled
		// back by Recover, harmlessly, as the request was never sent.
		return ctx.Err()
	}
}

// Stats counts what the journal wrote.
type Stats struct {
	// Records is how many records were written (or failed), Commits in
	// how many statements, each its own transaction.
	Records, Commits int64
}

// Stats returns the journal's counters so far.
func (j *Journal) Stats() Stats {
	return Stats{Records: j.records.Load(), Commits: j.commits.Load()}
}

// ErrClosed is returned by Record after Close.
var ErrClosed = errors.New("pgjournal: journal closed")

// record is an entry waiting for a writer.
type record struct {
	e    jupico.JournalEntry
	done chan error
}

// writers write the records waiting, in batches, until Close.
const (
	writers  = 4
	maxBatch = 512
)

func (j *Journal) writer() {
	defer j.writing.Done()
	var carry *record
	for {
		first := carry
		carry = nil
		if first == nil {
			var ok bool
			if first, ok = <-j.queue; !ok {
				return
			}
		}
		batch := []*record{first}
		ids := map[string]bool{first.e.ID: true}
	gather:
		for len(batch) < maxBatch {
			select {
			case r, ok := <-j.queue:
				if !ok {
					break gather
				}
				if ids[r.e.ID] { // one statement may not change a row twice
					carry = r
					break gather
				}
				ids[r.e.ID] = true
				batch = append(batch, r)
			default:
				break gather
			}
		}
		j.write(batch)
	}
}

// write stores a batch in one statement, fenced like a single record: only
// while the lease is valid, and only over rows this journal owns.
func (j *Journal) write(batch []*record) {
	n := len(batch)
	var (
		ids, ops, refs, states, outcomes, txIDs, errs = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		found                                         = make([]string, n)
		bodies                                        = make([][]byte, n)
		attempts, tries                               = make([]int32, n), make([]int32, n)
		created, updated                              = make([]time.Time, n), make([]time.Time, n)
		next                                          = make([]*time.Time, n)
		payloads                                      = make([][]byte, n)
	)
	for i, r := range batch {
		e := &r.e
		ids[i], ops[i], refs[i], states[i], outcomes[i], txIDs[i], errs[i] = e.ID, e.Operation, e.Reference, string(e.State), string(e.Outcome), e.TransactionID, e.Err
		bodies[i], attempts[i], created[i], updated[i] = e.Body, int32(min(e.Attempts, 1<<30)), e.Created, e.Updated // #nosec G115 -- clamped
		tries[i], found[i] = int32(min(e.Tries, 1<<30)), e.FoundStatus                                               // #nosec G115 -- clamped
		if !e.NextTry.IsZero() {
			next[i] = &e.NextTry
		}
		payloads[i] = payload(e)
	}
	ctx, cancel := context.WithTimeout(context.Background(), j.lease)
	defer cancel()
	rows, err := j.pool.Query(ctx, `
INSERT INTO `+j.table+` (`+columns+`)
SELECT u.id, $1, u.operation, u.body, u.reference, u.state, u.outcome, u.transaction_id, u.attempts, u.error, u.created, u.updated,
	u.tries, u.next_try, u.found_status, u.entry
FROM unnest($2::text[], $3::text[], $4::bytea[], $5::text[], $6::text[], $7::text[], $8::text[], $9::integer[], $10::text[], $11::timestamptz[], $12::timestamptz[],
	$13::integer[], $14::timestamptz[], $15::text[], $16::jsonb[])
	AS u(id, operation, body, reference, state, outcome, transaction_id, attempts, error, created, updated, tries, next_try, found_status, entry)
WHERE EXISTS (SELECT 1 FROM `+j.leases+` WHERE owner = $1 AND expires > now())
ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, outcome = EXCLUDED.outcome, transaction_id = EXCLUDED.transaction_id,
	attempts = EXCLUDED.attempts, error = EXCLUDED.error, updated = EXCLUDED.updated,
	tries = EXCLUDED.tries, next_try = EXCLUDED.next_try, found_status = EXCLUDED.found_status, entry = EXCLUDED.entry
WHERE `+j.table+`.owner = EXCLUDED.owner
RETURNING id`, j.owner, ids, ops, bodies, refs, states, outcomes, txIDs, attempts, errs, created, updated, tries, next, found, payloads)
	j.commits.Add(1)
	j.records.Add(int64(n))
	stored := make(map[string]bool, n)
	if err == nil {
		for rows.Next() {
			var id string
			if err = rows.Scan(&id); err != nil {
				break
			}
			stored[id] = true
		}
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
	}
	for _, r := range batch {
		switch {
		case err != nil:
			r.done <- fmt.Errorf("pgjournal: record: %w", err)
		case !stored[r.e.ID]:
			r.done <- fmt.Errorf("pgjournal: record %s: %w", r.e.ID, ErrNotOwner)
		default:
			r.done <- nil
		}
	}
}

const columns = `id, owner, operation, body, reference, state, outcome, transaction_id, attempts, error, created, updated, tries, next_try, found_status, entry`

// entryVersion is the version of the entry payload this package writes.
// The readable columns are for operators; the payload is the whole
// jupico.JournalEntry, so that a field a later version of the SDK adds is
// kept, and read back, without a migration: a reader takes every field
// from the payload when there is one (the body and the owner stay
// columns), and from the columns for rows written before it existed.
const entryVersion = 1

// storedEntry is the payload: the entry, without its body (a column of
// its own), behind its version.
type storedEntry struct {
	Version int `json:"v"`
	jupico.JournalEntry
}

func payload(e *jupico.JournalEntry) []byte {
	s := storedEntry{Version: entryVersion, JournalEntry: *e}
	s.Body, s.Owner = nil, ""
	b, err := json.Marshal(s)
	if err != nil {
		return nil // the columns still hold it
	}
	return b
}

// Claim returns this journal's unfinished entries and takes over those of
// owners whose lease expired, in one transaction: rows a concurrent claim
// is taking are skipped, so peers never share an entry. It fails with an
// error wrapping ErrNotOwner when this journal's own lease expired.
func (j *Journal) Claim(ctx context.Context) ([]jupico.JournalEntry, error) {
	var out []jupico.JournalEntry
	err := pgx.BeginFunc(ctx, j.pool, func(tx pgx.Tx) error {
		var live bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+j.leases+` WHERE owner = $1 AND expires > now())`, j.owner).Scan(&live); err != nil {
			return err
		}
		if !live {
			return fmt.Errorf("pgjournal: claim: %w", ErrNotOwner)
		}
		// Take the orphans: entries not done whose owner's lease is gone,
		// in two statements. The first locks the candidates, skipping rows
		// another replica's claim holds. A row that replica claimed and
		// committed meanwhile can still come back from it (PostgreSQL
		// rechecks a row changed under a lock against the table's own
		// conditions, not against the leases joined), so the second,
		// with a fresh snapshot and the rows locked, checks again and
		// takes only what is still an orphan.
		rows, err := tx.Query(ctx, `SELECT id FROM `+j.table+` t WHERE state <> 'done' AND owner <> $1
	AND NOT EXISTS (SELECT 1 FROM `+j.leases+` l WHERE l.owner = t.owner AND l.expires > now())
	FOR UPDATE OF t SKIP LOCKED`, j.owner)
		if err != nil {
			return err
		}
		locked, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		if len(locked) > 0 {
			if _, err := tx.Exec(ctx, `UPDATE `+j.table+` t SET owner = $1 WHERE id = ANY($2) AND state <> 'done' AND owner <> $1
	AND NOT EXISTS (SELECT 1 FROM `+j.leases+` l WHERE l.owner = t.owner AND l.expires > now())`, j.owner, locked); err != nil {
				return err
			}
		}
		// Within the transaction, the orphans taken are this owner's too.
		rows, err = tx.Query(ctx, `SELECT `+columns+` FROM `+j.table+` WHERE owner = $1 AND state <> 'done' ORDER BY id`, j.owner)
		if err != nil {
			return err
		}
		if out, err = scan(rows); err != nil {
			return err
		}
		// Forget the leases of owners long gone that own nothing open.
		_, err = tx.Exec(ctx, `DELETE FROM `+j.leases+` l WHERE expires < now() - interval '1 hour'
	AND NOT EXISTS (SELECT 1 FROM `+j.table+` t WHERE t.owner = l.owner AND t.state <> 'done')`)
		return err
	})
	if err != nil {
		if errors.Is(err, ErrNotOwner) {
			return nil, err
		}
		return nil, fmt.Errorf("pgjournal: claim: %w", err)
	}
	return out, nil
}

// Compact deletes the done entries last recorded before t.
func (j *Journal) Compact(ctx context.Context, before time.Time) (int, error) {
	tag, err := j.pool.Exec(ctx, `DELETE FROM `+j.table+` WHERE state = 'done' AND updated < $1`, before)
	if err != nil {
		return 0, fmt.Errorf("pgjournal: compact: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// Entries returns every entry, oldest first: for inspection and tools.
func (j *Journal) Entries(ctx context.Context) ([]jupico.JournalEntry, error) {
	rows, err := j.pool.Query(ctx, `SELECT `+columns+` FROM `+j.table+` ORDER BY created, id`)
	if err != nil {
		return nil, fmt.Errorf("pgjournal: entries: %w", err)
	}
	out, err := scan(rows)
	if err != nil {
		return nil, fmt.Errorf("pgjournal: entries: %w", err)
	}
	return out, nil
}

func scan(rows pgx.Rows) ([]jupico.JournalEntry, error) {
	defer rows.Close()
	var out []jupico.JournalEntry
	for rows.Next() {
		var e jupico.JournalEntry
		var state string
		var next *time.Time
		var entry []byte
		if err := rows.Scan(&e.ID, &e.Owner, &e.Operation, &e.Body, &e.Reference, &state, &e.Outcome, &e.TransactionID,
			&e.Attempts, &e.Err, &e.Created, &e.Updated, &e.Tries, &next, &e.FoundStatus, &entry); err != nil {
			return nil, err
		}
		e.State = jupico.JournalState(state)
		if next != nil {
			e.NextTry = *next
		}
		if len(entry) > 0 {
			var s storedEntry
			if err := json.Unmarshal(entry, &s); err != nil {
				return nil, fmt.Errorf("entry %s: payload: %w", e.ID, err)
			}
			body, owner := e.Body, e.Owner
			e = s.JournalEntry
			e.Body, e.Owner = body, owner
		}
		e.Created, e.Updated, e.NextTry = e.Created.UTC(), e.Updated.UTC(), utcOrZero(e.NextTry)
		out = append(out, e)
	}
	return out, rows.Err()
}

func utcOrZero(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// Close stops the heartbeat and ends the lease: from then on peers may
// claim what this journal left unfinished. Close the client first. It
// does not close the pool. It implements io.Closer: deleting the lease is
// bounded by the lease's own duration (WithLease), after which the lease
// simply expires and peers take over all the same. Close is idempotent.
func (j *Journal) Close() error {
	var err error
	j.once.Do(func() {
		j.mu.Lock()
		j.closed = true
		close(j.queue)
		j.mu.Unlock()
		j.writing.Wait() // what was queued is written
		close(j.stop)
		<-j.stopped
		ctx, cancel := context.WithTimeout(context.Background(), j.lease)
		defer cancel()
		_, err = j.pool.Exec(ctx, `DELETE FROM `+j.leases+` WHERE owner = $1`, j.owner)
	})
	if err != nil {
		return fmt.Errorf("pgjournal: end lease: %w", err)
	}
	return nil
}
