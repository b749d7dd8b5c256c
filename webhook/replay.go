package webhook

import (
	"container/heap"
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/jupico/jupico-go/credentials"
)

// ReplayStore remembers which events were processed, so that a redelivery of
// an event (same Event.ID) does not run the handler's function twice. It
// works as a claim, then a done mark:
//
//   - Claim claims id for the delivery that calls it, for at most lease. It
//     returns the Claim the caller now holds, when it must process the event
//     and then call Done or Release with it; an error matching ErrDuplicate
//     when the event was already processed (a done mark exists); and an
//     error matching ErrInProgress when another delivery holds a live
//     claim. Any other error means the store could not answer.
//   - Done replaces the claim by a done mark kept for ttl.
//   - Release drops the claim if it is still the one c names (its Token),
//     never a done mark nor a claim another delivery made since, so that the
//     next delivery of the event is processed. The handler calls it when its
//     function fails or panics.
//
// A claim that is neither marked done nor released (the process died) expires
// after its lease, and the event is processed on a later redelivery. The
// Claim carries everything Done and Release need, so a store need keep no
// claim in its process: any replica, or a restarted one, can end it.
//
// Implementations must be safe for concurrent use and make Claim atomic: of
// concurrent Claim calls for one id, exactly one may succeed. Errors must not
// contain secrets. The handler calls Done and Release with a context that is
// not cancelled when the client goes away.
//
// An implementation must embed ReplayStoreBase: the interface has an
// unexported method that only ReplayStoreBase provides, so that methods
// added to ReplayStore later get their default there, and an implementation
// written today keeps compiling.
type ReplayStore interface {
	Claim(ctx context.Context, id string, lease time.Duration) (Claim, error)
	Done(ctx context.Context, c Claim, ttl time.Duration) error
	Release(ctx context.Context, c Claim) error

	replayStore()
}

// ReplayStoreBase is the base every ReplayStore embeds. It provides no
// method of ReplayStore's today; a method added to ReplayStore later gets its
// default here. The zero value is ready to use.
type ReplayStoreBase struct{}

func (ReplayStoreBase) replayStore() {}

// Claim is a delivery's hold on an event id, as ReplayStore.Claim returns
// it, to give back to Done or Release.
type Claim struct {
	// ID is the event id claimed.
	ID string
	// Token tells this claim from every other claim of the id, earlier or
	// later: the store chooses it (unguessable for a shared store) and
	// Release drops the id's claim only while it still holds this token.
	// "" means the store recorded no claim (a store that failed open):
	// Release then does nothing.
	Token string
}

// DefaultMaxEntries is the capacity of a MemoryStore built with maxEntries 0.
const DefaultMaxEntries = 100_000

// MemoryStore is the in-process ReplayStore the handler uses by default. It
// holds at most a fixed number of entries (claims plus done marks) and drops
// entries whose ttl has passed. When it is full it first drops expired
// entries, then the done mark closest to expiry; it never drops a live
// claim, and when only live claims remain Claim fails with ErrStoreFull.
//
// A MemoryStore only de-duplicates deliveries that reach the same process:
// with several replicas behind a load balancer, use a shared store. Build it
// with NewMemoryStore; the zero value is not usable. It is safe for
// concurrent use. Its methods never block on I/O and ignore ctx.
type MemoryStore struct {
	ReplayStoreBase

	mu     sync.Mutex
	max    int
	clock  credentials.Clock
	seq    uint64                 // the last claim token handed out
	claims map[string]memoryClaim // id -> the live claim
	done   map[string]*doneEntry
	byExp  doneHeap
}

// memoryClaim is a claim a MemoryStore holds.
type memoryClaim struct {
	token   string
	expires time.Time // end of the lease
}

type doneEntry struct {
	id      string
	expires time.Time
	index   int
}

// NewMemoryStore returns an empty MemoryStore holding at most maxEntries
// entries (DefaultMaxEntries when maxEntries <= 0) and reading time from
// clock's Now (the system clock when nil; it must be safe for concurrent
// use).
func NewMemoryStore(maxEntries int, clock credentials.Clock) *MemoryStore {
	if maxEntries <= 0 {
		maxEntries = DefaultMaxEntries
	}
	if clock == nil {
		clock = systemClock{}
	}
	return &MemoryStore{
		max:    maxEntries,
		clock:  clock,
		claims: make(map[string]memoryClaim),
		done:   make(map[string]*doneEntry),
	}
}

// systemClock is the real clock.
type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) AfterFunc(d time.Duration, f func()) credentials.Timer {
	return time.AfterFunc(d, f)
}

// Claim implements ReplayStore. Its tokens are unique within the
// MemoryStore. lease must be positive; otherwise Claim returns an error
// wrapping ErrInvalidOption.
func (m *MemoryStore) Claim(_ context.Context, id string, lease time.Duration) (Claim, error) {
	if lease <= 0 {
		return Claim{}, detail(ErrInvalidOption, "replay lease must be positive")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.clock.Now()
	if e, ok := m.done[id]; ok {
		if now.Before(e.expires) {
			return Claim{}, ErrDuplicate
		}
		m.removeDone(e)
	}
	if c, ok := m.claims[id]; ok {
		if now.Before(c.expires) {
			return Claim{}, ErrInProgress
		}
		delete(m.claims, id)
	}
	if !m.makeRoom(now) {
		return Claim{}, ErrStoreFull
	}
	m.seq++
	c := Claim{ID: id, Token: strconv.FormatUint(m.seq, 10)}
	m.claims[id] = memoryClaim{token: c.Token, expires: now.Add(lease)}
	return c, nil
}

// Done implements ReplayStore. It replaces the id's claim, whoever holds
// it, by a done mark: the event was processed. It records a done mark even
// for an id that was never claimed. ttl must be positive.
func (m *MemoryStore) Done(_ context.Context, c Claim, ttl time.Duration) error {
	if ttl <= 0 {
		return detail(ErrInvalidOption, "replay ttl must be positive")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.clock.Now()
	delete(m.claims, c.ID)
	if e, ok := m.done[c.ID]; ok {
		e.expires = now.Add(ttl)
		heap.Fix(&m.byExp, e.index)
		return nil
	}
	if !m.makeRoom(now) {
		return ErrStoreFull
	}
	e := &doneEntry{id: c.ID, expires: now.Add(ttl)}
	m.done[c.ID] = e
	heap.Push(&m.byExp, e)
	return nil
}

// Release implements ReplayStore. It drops the id's claim only while it is
// c's (same Token): releasing a claim that expired and was claimed again,
// or an id that holds no claim, does nothing.
func (m *MemoryStore) Release(_ context.Context, c Claim) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if cur, ok := m.claims[c.ID]; ok && c.Token != "" && cur.token == c.Token {
		delete(m.claims, c.ID)
	}
	return nil
}

// Len returns the number of entries (claims and done marks, expired ones not
// yet dropped included).
func (m *MemoryStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.claims) + len(m.done)
}

// makeRoom ensures one free slot; m.mu is held.
func (m *MemoryStore) makeRoom(now time.Time) bool {
	for m.byExp.Len() > 0 && !now.Before(m.byExp[0].expires) {
		m.removeDone(m.byExp[0])
	}
	if len(m.claims)+len(m.done) < m.max {
		return true
	}
	for id, c := range m.claims {
		if !now.Before(c.expires) {
			delete(m.claims, id)
		}
	}
	if len(m.claims)+len(m.done) < m.max {
		return true
	}
	if m.byExp.Len() > 0 {
		m.removeDone(m.byExp[0])
		return true
	}
	return false
}

func (m *MemoryStore) removeDone(e *doneEntry) {
	heap.Remove(&m.byExp, e.index)
	delete(m.done, e.id)
}

// doneHeap orders done marks by expiry, soonest first.
type doneHeap []*doneEntry

func (h doneHeap) Len() int           { return len(h) }
func (h doneHeap) Less(i, j int) bool { return h[i].expires.Before(h[j].expires) }
func (h doneHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index = i
	h[j].index = j
}
func (h *doneHeap) Push(x any) {
	e := x.(*doneEntry)
	e.index = len(*h)
	*h = append(*h, e)
}
func (h *doneHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return e
}
