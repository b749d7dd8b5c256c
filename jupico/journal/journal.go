// Package journal is a jupico.Journal in one local file, on bbolt: what a
// single-instance service, or one with a persistent volume, gives the
// client so that a transaction whose outcome a crashed process never
// learned is rolled back by the next one.
//
//	j, err := journal.Open("/var/lib/checkout/jupico.journal")
//	if err != nil {
//		return err // a corrupt or torn file is reported here, never truncated
//	}
//	defer j.Close()
//	client, err := jupico.NewClient(jupico.WithJournal(j)) // recovery runs in the background
//
// # Durability
//
// Record returns once the entry is on disk (bbolt syncs every commit), so
// an intent recorded before a sale is sent survives a crash of the process
// or of the machine. Concurrent records share commits: a writer takes every
// record waiting, writes them in one transaction and syncs once, so under
// load a sync serves many sales (group commit). The file is created with
// mode 0600 and refused when others may read it: it holds payment tokens
// and amounts, never credentials or card numbers.
//
// # One process at a time
//
// The file is locked while open: a second process (or a second Open in
// this one) waits WithOpenTimeout for it and then fails with ErrLocked. A
// service with several replicas needs a journal they share:
// jupico/pgjournal.
//
// # Corruption
//
// Open checks the file before using it: its header pages and their
// checksums, that it is as long as its data, bbolt's structure, and the
// checksum every entry carries. A torn or corrupt file is reported with
// an error matching ErrCorrupt and left exactly as it is, for an operator
// to inspect; nothing is truncated or skipped. A full disk makes Record
// fail (the client then sends nothing) and loses nothing recorded before.
package journal

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/jupico/jupico-go/internal/wire"
	"github.com/jupico/jupico-go/jupico"
)

// Errors Open returns; both are matched with errors.Is.
var (
	// ErrCorrupt: the file is torn (shorter than its data) or corrupt
	// (a bad header, structure or entry checksum). It was not changed.
	ErrCorrupt = errors.New("journal: file is corrupt")
	// ErrLocked: another process, or another Open in this one, has the
	// file open.
	ErrLocked = errors.New("journal: file is in use")
	// ErrClosed: the journal was closed.
	ErrClosed = errors.New("journal: closed")
)

// DefaultOpenTimeout is how long Open waits for a file another process
// holds.
const DefaultOpenTimeout = time.Second

// maxBatch bounds how many records one commit carries.
const maxBatch = 4096

// bucket holds the entries by ID.
var bucket = []byte("entries")

// Journal is a jupico.Journal in a local file. Its methods are safe for
// concurrent use.
type Journal struct {
	jupico.JournalBase
	db    *bolt.DB
	path  string
	owner string

	mu      sync.RWMutex // guards closed against sends in progress
	closed  bool
	writes  chan *write
	stopped chan struct{}
	commits atomic.Int64 // transactions the writer committed

	openMu  sync.Mutex          // guards open
	open    map[string]struct{} // the IDs of the entries not done
	records atomic.Int64        // records they carried
}

var _ jupico.Journal = (*Journal)(nil)

// Option configures Open. Options validate their argument: Open returns
// the first error, which matches jupico.ErrInvalidOption (the module's one
// sentinel for invalid configuration), before touching the file. A nil
// Option is such an error too.
type Option func(*options) error

type options struct{ openTimeout time.Duration }

// WithOpenTimeout sets how long Open waits for the file lock another
// process holds (default DefaultOpenTimeout). d must be positive: Open
// never waits without bound.
func WithOpenTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return fmt.Errorf("%w: journal: open timeout must be positive", jupico.ErrInvalidOption)
		}
		o.openTimeout = d
		return nil
	}
}

// Open opens the journal at path, creating it (mode 0600) if it does not
// exist. It fails with an error matching ErrCorrupt for a torn or corrupt
// file, ErrLocked for a file in use, ErrUnsafeFile for a file or
// directory others could have crafted or may read (see ErrUnsafeFile), and
// jupico.ErrInvalidOption for a nil or bad Option.
func Open(path string, opts ...Option) (j *Journal, err error) {
	o := options{openTimeout: DefaultOpenTimeout}
	for _, opt := range opts {
		if opt == nil {
			return nil, fmt.Errorf("%w: journal: nil option", jupico.ErrInvalidOption)
		}
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	file, err := preflight(path)
	if err != nil {
		return nil, err
	}
	defer file.release()
	defer func() {
		// A page bbolt cannot make sense of can panic it: that is a
		// corrupt file, reported as such.
		if r := recover(); r != nil {
			j, err = nil, corrupt(path, fmt.Sprint(r))
		}
	}()
	// The free-page list is written at every commit (bbolt's default): with
	// NoFreelistSync, Open would rebuild it by walking every page on a
	// goroutine of bbolt's, where a damaged page panics the process
	// instead of failing the check below.
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: o.openTimeout, OpenFile: file.open})
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("%w: %s", ErrLocked, path)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrVersionMismatch):
		return nil, corrupt(path, err.Error())
	case err != nil:
		return nil, fmt.Errorf("journal: open %s: %w", path, err)
	}
	open, err := check(db, path)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	j = &Journal{db: db, path: path, owner: newOwner(), writes: make(chan *write, maxBatch), stopped: make(chan struct{}), open: open}
	go j.writer()
	return j, nil
}

// check verifies bbolt's structure and every entry's checksum, reading
// only, then creates the bucket in a new file (a corrupt file is not
// written to), and returns the IDs of the entries not done: the file is
// this process's alone while it is open, so the journal keeps that index
// in memory from here on, and a sweep reads only what is owed.
func check(db *bolt.DB, path string) (map[string]struct{}, error) {
	fresh := false
	open := make(map[string]struct{})
	err := db.View(func(tx *bolt.Tx) error {
		var first error
		for err := range tx.Check() { // drained: Check's goroutine ends when it has said everything
			if first == nil {
				first = corrupt(path, err.Error())
			}
		}
		if first != nil {
			return first
		}
		b := tx.Bucket(bucket)
		if b == nil {
			fresh = true
			return nil
		}
		return b.ForEach(func(k, v []byte) error {
			e, err := decode(v)
			if err != nil {
				return corrupt(path, "entry "+hex.EncodeToString(k)+": "+err.Error())
			}
			if !e.Done() {
				open[string(k)] = struct{}{}
			}
			return nil
		})
	})
	if err != nil || !fresh {
		return open, err
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucket)
		return err
	}); err != nil {
		return nil, fmt.Errorf("journal: open %s: %w", path, err)
	}
	return open, nil
}

func corrupt(path, why string) error { return fmt.Errorf("%w: %s: %s", ErrCorrupt, path, why) }

// Stats counts what the journal wrote since it was opened.
type Stats struct {
	// Records is how many records were written; Commits how many commits
	// (each one sync of the file) carried them. Records/Commits is how
	// many records a sync served.
	Records, Commits int64
}

// Stats returns what the journal wrote since it was opened.
func (j *Journal) Stats() Stats { return Stats{Records: j.records.Load(), Commits: j.commits.Load()} }

// Path is the journal's file.
func (j *Journal) Path() string { return j.path }

// Owner identifies this open journal: the owner of the entries it records.
func (j *Journal) Owner() string { return j.owner }

// Record stores e durably, replacing an entry with the same ID, and sets
// e.Owner to this journal. It returns once the entry is synced to disk,
// sharing the sync with the records made at the same time.
func (j *Journal) Record(ctx context.Context, e *jupico.JournalEntry) error {
	e.Owner = j.owner
	w := writes.Get().(*write)
	val, err := appendEntry(w.val[:0], e)
	if err != nil {
		writes.Put(w)
		return err
	}
	w.key, w.val, w.at = append(w.key[:0], e.ID...), val, time.Now()
	w.id, w.intent, w.settled = e.ID, e.State == jupico.JournalStateIntent, e.Done()
	j.mu.RLock()
	if j.closed {
		j.mu.RUnlock()
		writes.Put(w)
		return ErrClosed
	}
	select {
	case j.writes <- w:
	case <-ctx.Done():
		j.mu.RUnlock()
		writes.Put(w)
		return ctx.Err()
	}
	j.mu.RUnlock()
	// Once queued, the write happens: wait for it whatever ctx says, so
	// the caller never sends a request whose intent may still be lost.
	err = <-w.done
	w.id = ""
	if cap(w.val) > maxPooledRecord {
		w.val = nil
	}
	writes.Put(w)
	return err
}

// maxPooledRecord bounds the record buffer a pooled write keeps: a rare
// large body is not held on to.
const maxPooledRecord = 16 << 10

// write is one record waiting for the writer; they are reused, each with
// its channel, which the writer sends on once per use, and its record's
// buffer, which bbolt has copied into its pages when the commit returns.
type write struct {
	key, val []byte
	id       string    // the entry's ID, as the writer's open set keys it
	intent   bool      // the entry is an intent: its transaction is about to be sent
	settled  bool      // the entry is done: it leaves the index of those not done
	at       time.Time // when it was queued
	done     chan error
}

var writes = sync.Pool{New: func() any { return &write{done: make(chan error, 1)} }}

// How a commit gathers records. A commit costs about the same for one
// record as for a hundred: two syncs of the file, each a flush of the disk
// and a tenth of a millisecond or more of kernel CPU. Under load the
// writer therefore waits for the records of the transactions in flight
// before committing, so that a sync serves many of them: until its batch
// holds as many records as transactions are open, and for no longer than
// gatherPerOpen for each of them, gatherMax at most, from when its first
// record was queued. A lone caller never waits (its own intent is the one
// open transaction); a few callers wait a fraction of a millisecond; 256
// share each sync among a hundred records or more, which is what lets a
// busy service afford the journal (internal/testkit/benchmarks,
// BenchmarkJournalInterleaved). A record that arrived during the previous
// commit has waited already: its wait counts from when it was queued.
const (
	gatherMax     = 10 * time.Millisecond
	gatherPerOpen = 40 * time.Microsecond
)

// staleAfter is how long a transaction counts as open without a further
// record (its outcome was never recorded: the caller's context ended
// first, say): the writer stops waiting for it.
const staleAfter = time.Minute

// writer commits the records waiting, all of them in one transaction and
// one sync, until the journal is closed.
func (j *Journal) writer() {
	defer close(j.stopped)
	batch := make([]*write, 0, 64)
	// open holds the transactions of this process between their intent and
	// their next record, with when the intent was queued: those sent, or
	// about to be, whose next record the writer can expect soon. Only this
	// goroutine touches it.
	o := openSet{m: make(map[string]time.Time)}
	wait := time.NewTimer(time.Hour)
	wait.Stop()
	armed := false
	for w := range j.writes {
		batch = append(batch[:0], o.track(w))
		first := w.at
	gather:
		for len(batch) < maxBatch {
			select { // what is queued already, without waiting
			case w, ok := <-j.writes:
				if !ok {
					break gather
				}
				batch = append(batch, o.track(w))
				continue
			default:
			}
			left := gatherLeft(time.Since(first), len(batch), o.len())
			if left <= 0 {
				break
			}
			// Armed once, not at every arrival: each arrival checks the
			// deadline above, and a timer that fires early (more opened
			// since) is armed again.
			if !armed {
				wait.Reset(left)
				armed = true
			}
			select {
			case w, ok := <-j.writes:
				if !ok {
					break gather
				}
				batch = append(batch, o.track(w))
			case <-wait.C:
				armed = false
			}
		}
		if armed {
			wait.Stop()
			armed = false
		}
		err := j.db.Update(func(tx *bolt.Tx) error {
			b := tx.Bucket(bucket)
			b.FillPercent = 0.9 // keys grow with time: pack the pages they append to
			for _, w := range batch {
				if err := b.Put(w.key, w.val); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			err = fmt.Errorf("journal: write %s: %w", j.path, err)
			for _, w := range batch {
				if w.intent {
					o.close(w.id) // refused: it will not be sent
				}
			}
		} else {
			j.commits.Add(1)
			j.records.Add(int64(len(batch)))
			j.index(batch)
		}
		for _, w := range batch {
			w.done <- err
		}
		o.prune(time.Now())
	}
}

// gatherLeft is how much longer a batch of n records, whose first has
// waited waited, may wait for more while open transactions are in flight.
func gatherLeft(waited time.Duration, n, open int) time.Duration {
	if n >= open {
		return 0
	}
	return min(time.Duration(open)*gatherPerOpen, gatherMax) - waited
}

// openSet is the writer's view of the transactions in flight.
type openSet struct {
	m      map[string]time.Time
	pruned time.Time
}

// track notes w's transaction as open (an intent) or no longer open (any
// later record of it), and returns w.
func (o *openSet) track(w *write) *write {
	if w.intent {
		o.m[w.id] = w.at
	} else {
		delete(o.m, w.id)
	}
	return w
}

func (o *openSet) close(id string) { delete(o.m, id) }

func (o *openSet) len() int { return len(o.m) }

// prune forgets, about once a second, the transactions open for longer
// than staleAfter.
func (o *openSet) prune(now time.Time) {
	if now.Sub(o.pruned) < time.Second {
		return
	}
	o.pruned = now
	for id, at := range o.m {
		if now.Sub(at) > staleAfter {
			delete(o.m, id)
		}
	}
}

// Claim returns every entry that is not done, oldest first. The file is
// this process's alone, so entries another owner recorded are a previous
// process's: they pass to this journal. It reads only the entries not
// done (an index holds their IDs), in a read transaction that live
// records do not wait for, and writes only those whose owner changes.
func (j *Journal) Claim(ctx context.Context) ([]jupico.JournalEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	j.mu.RLock()
	defer j.mu.RUnlock()
	if j.closed {
		return nil, ErrClosed
	}
	var out []jupico.JournalEntry
	var foreign []string
	ids := j.openIDs()
	err := j.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		for _, id := range ids {
			v := b.Get([]byte(id))
			if v == nil {
				continue // compacted meanwhile: nothing owed
			}
			e, err := decode(v)
			if err != nil {
				return corrupt(j.path, "entry "+hex.EncodeToString([]byte(id))+": "+err.Error())
			}
			if !e.Done() {
				if e.Owner != j.owner {
					foreign = append(foreign, e.ID)
				}
				out = append(out, e)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(foreign) > 0 {
		// Re-read each under the write lock: live records may have moved
		// it on since.
		err = j.db.Update(func(tx *bolt.Tx) error {
			b := tx.Bucket(bucket)
			for _, id := range foreign {
				v := b.Get([]byte(id))
				if v == nil {
					continue
				}
				e, err := decode(v)
				if err != nil {
					return corrupt(j.path, "entry "+id+": "+err.Error())
				}
				if e.Done() || e.Owner == j.owner {
					continue
				}
				e.Owner = j.owner
				val, err := appendEntry(nil, &e)
				if err != nil {
					return err
				}
				if err := b.Put([]byte(e.ID), val); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		for i := range out {
			out[i].Owner = j.owner
		}
	}
	slices.SortFunc(out, byCreated)
	return out, nil
}

// index records what a committed batch changed in the entries not done.
func (j *Journal) index(batch []*write) {
	j.openMu.Lock()
	defer j.openMu.Unlock()
	for _, w := range batch {
		if w.settled {
			delete(j.open, w.id)
		} else {
			j.open[w.id] = struct{}{}
		}
	}
}

// openIDs returns the IDs of the entries not done.
func (j *Journal) openIDs() []string {
	j.openMu.Lock()
	defer j.openMu.Unlock()
	ids := make([]string, 0, len(j.open))
	for id := range j.open {
		ids = append(ids, id)
	}
	return ids
}

// byCreated orders entries oldest first, by ID when created at the same
// instant, so that lists come out the same every time.
func byCreated(a, b jupico.JournalEntry) int {
	if c := a.Created.Compare(b.Created); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// compactChunk is how many entries one compaction transaction deletes, so
// that live records wait for no long one.
const compactChunk = 1000

// Compact deletes the done entries last recorded before t. Entry IDs
// start with their creation time, so it reads only the entries created
// before t, in a read transaction, and deletes in short ones.
func (j *Journal) Compact(ctx context.Context, before time.Time) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	var old [][]byte
	j.mu.RLock()
	if j.closed {
		j.mu.RUnlock()
		return 0, ErrClosed
	}
	err := j.db.View(func(tx *bolt.Tx) error {
		cur := tx.Bucket(bucket).Cursor()
		for k, v := cur.First(); k != nil; k, v = cur.Next() {
			if created, ok := idTime(k); ok && !created.Before(before) {
				// Created after t, and so was every later ID of the
				// client's form; IDs of another form (entries recorded
				// by hand) sort after lower-case hex digits.
				if k, v = cur.Seek([]byte("g")); k == nil {
					break
				}
			}
			e, err := decode(v)
			if err != nil {
				return corrupt(j.path, "entry "+hex.EncodeToString(k)+": "+err.Error())
			}
			if e.Done() && e.Updated.Before(before) {
				old = append(old, slices.Clone(k))
			}
		}
		return nil
	})
	j.mu.RUnlock()
	if err != nil {
		return 0, err
	}
	n := 0
	for chunk := range slices.Chunk(old, compactChunk) {
		err := j.update(ctx, func(b *bolt.Bucket) error {
			for _, k := range chunk {
				if err := b.Delete(k); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return n, err
		}
		n += len(chunk)
	}
	return n, nil
}

// idTime reads the creation time an entry's ID starts with: 16 hex digits
// of nanoseconds since 1970 (see jupico's entry IDs).
func idTime(k []byte) (time.Time, bool) {
	if len(k) < 16 {
		return time.Time{}, false
	}
	ns, err := strconv.ParseUint(string(k[:16]), 16, 64)
	if err != nil || ns > 1<<62 {
		return time.Time{}, false
	}
	return time.Unix(0, int64(ns)), true // #nosec G115 -- bounded above
}

// Entries returns every entry, oldest first: for inspection and tools.
func (j *Journal) Entries(ctx context.Context) ([]jupico.JournalEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []jupico.JournalEntry
	err := j.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).ForEach(func(k, v []byte) error {
			e, err := decode(v)
			if err != nil {
				return corrupt(j.path, "entry "+hex.EncodeToString(k)+": "+err.Error())
			}
			out = append(out, e)
			return nil
		})
	})
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		err = ErrClosed
	}
	slices.SortFunc(out, byCreated)
	return out, err
}

// update runs fn in a writable transaction unless the journal is closed
// or ctx has ended.
func (j *Journal) update(ctx context.Context, fn func(*bolt.Bucket) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	j.mu.RLock()
	defer j.mu.RUnlock()
	if j.closed {
		return ErrClosed
	}
	return j.db.Update(func(tx *bolt.Tx) error { return fn(tx.Bucket(bucket)) })
}

// Close waits for the records in progress and closes the file. Further
// calls fail with ErrClosed.
func (j *Journal) Close() error {
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		return nil
	}
	j.closed = true
	close(j.writes)
	j.mu.Unlock()
	<-j.stopped
	return j.db.Close()
}

// An entry is stored as a version byte, the CRC-32C of the rest, and the
// entry's JSON.
const entryVersion = 1

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// appendEntry appends e to b[:0] as a record: the JSON encoding/json
// would write for it, built by hand (a record is written twice per sale,
// and reflection was most of that cost), behind its version and checksum.
func appendEntry(b []byte, e *jupico.JournalEntry) ([]byte, error) {
	if !json.Valid(e.Body) {
		return nil, errors.New("journal: entry body is not JSON")
	}
	b = slices.Grow(b[:0], 5+len(e.Body)+len(e.ID)+len(e.Owner)+len(e.Err)+256)
	b = append(b, entryVersion, 0, 0, 0, 0)
	str := func(k, v string, omitEmpty bool) {
		if omitEmpty && v == "" {
			return
		}
		b = append(b, ',', '"')
		b = append(b, k...)
		b = append(b, '"', ':')
		b = wire.AppendString(b, v)
	}
	b = append(b, `{"id":`...)
	b = wire.AppendString(b, e.ID)
	str("operation", e.Operation, false)
	b = append(b, `,"body":`...)
	b = append(b, e.Body...)
	str("reference", e.Reference, true)
	str("state", string(e.State), false)
	str("outcome", string(e.Outcome), true)
	str("transactionId", e.TransactionID, true)
	str("foundStatus", e.FoundStatus, true)
	if e.Attempts != 0 {
		b = append(b, `,"attempts":`...)
		b = strconv.AppendInt(b, int64(e.Attempts), 10)
	}
	str("error", e.Err, true)
	if e.Tries != 0 {
		b = append(b, `,"tries":`...)
		b = strconv.AppendInt(b, int64(e.Tries), 10)
	}
	if !e.NextTry.IsZero() {
		b = append(b, `,"nextTry":"`...)
		b = e.NextTry.AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	}
	str("owner", e.Owner, true)
	b = append(b, `,"created":"`...)
	b = e.Created.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","updated":"`...)
	b = e.Updated.AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"', '}')
	binary.BigEndian.PutUint32(b[1:5], crc32.Checksum(b[5:], castagnoli))
	return b, nil
}

func decode(v []byte) (jupico.JournalEntry, error) {
	var e jupico.JournalEntry
	switch {
	case len(v) < 5:
		return e, errors.New("too short")
	case v[0] != entryVersion:
		return e, fmt.Errorf("unknown version %d", v[0])
	case binary.BigEndian.Uint32(v[1:5]) != crc32.Checksum(v[5:], castagnoli):
		return e, errors.New("checksum mismatch")
	}
	if err := json.Unmarshal(v[5:], &e); err != nil {
		return e, errors.New("not an entry")
	}
	return e, nil
}

func newOwner() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	host, _ := os.Hostname()
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}
