package webhook

import (
	"container/heap"
	"context"
	"sync"
	"time"
)

// ReplayStore remembers which events were processed, so that a redelivery of
// an event (same Event.ID) does not run the handler's function twice. It
// works as a claim, then a done mark:
//
//   - Seen claims id for the delivery that calls it, for at most ttl (the
//     lease). It returns (false, nil) when the caller now holds the claim and
//     must process the event and then call Done or Release; (true, nil) when
//     the event was already processed (a done mark exists); and an error
//     matching ErrInProgress when another delivery holds a live claim. Any
//     other error means the store could not answer.
//   - Done replaces the caller's claim by a done mark kept for ttl.
//   - Release drops the caller's claim (never a done mark), so that the next
//     delivery of the event is processed. The handler calls it when its
//     function fails or panics.
//
// A claim that is neither marked done nor released (the process died) expires
// after its lease, and the event is processed on a later redelivery.
//
// Implementations must be safe for concurrent use and make Seen atomic: of
// concurrent Seen calls for one id, exactly one may return (false, nil). Errors
// must not contain secrets. The handler calls Done and Release with a context
// that is not cancelled when the client goes away.
type ReplayStore interface {
	Seen(ctx context.Context, id string, ttl time.Duration) (bool, error)
	Done(ctx context.Context, id string, ttl time.Duration) error
	Release(ctx context.Context, id string) error
}

// DefaultMaxEntries is the capacity of a MemoryStore built with maxEntries 0.
const DefaultMaxEntries = 100_000

// MemoryStore is the in-process ReplayStore the handler uses by default. It
// holds at most a fixed number of entries (claims plus done marks) and drops
// entries whose ttl has passed. When it is full it first drops expired
// entries, then the done mark closest to expiry; it never drops a live
// claim, and when only live claims remain Seen fails with ErrStoreFull.
//
// A MemoryStore only de-duplicates deliveries that reach the same process:
// with several replicas behind a load balancer, use a shared store. Build it
// with NewMemoryStore; the zero value is not usable. It is safe for
// concurrent use. Its methods never block on I/O and ignore ctx.
type MemoryStore struct {
	mu     sync.Mutex
	max    int
	now    func() time.Time
	claims map[string]time.Time // id -> lease expiry
	done   map[string]*doneEntry
	byExp  doneHeap
}

type doneEntry struct {
	id      string
	expires time.Time
	index   int
}

// NewMemoryStore returns an empty MemoryStore holding at most maxEntries
// entries (DefaultMaxEntries when maxEntries <= 0) and reading time from now
// (time.Now when nil; it must be safe for concurrent use).
func NewMemoryStore(maxEntries int, now func() time.Time) *MemoryStore {
	if maxEntries <= 0 {
		maxEntries = DefaultMaxEntries
	}
	if now == nil {
		now = time.Now
	}
	return &MemoryStore{
		max:    maxEntries,
		now:    now,
		claims: make(map[string]time.Time),
		done:   make(map[string]*doneEntry),
	}
}

// Seen implements ReplayStore. ttl must be positive; otherwise Seen returns
// an error wrapping ErrInvalidOption.
func (m *MemoryStore) Seen(_ context.Context, id string, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		return false, detail(ErrInvalidOption, "replay ttl must be positive")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if e, ok := m.done[id]; ok {
		if now.Before(e.expires) {
			return true, nil
		}
		m.removeDone(e)
	}
	if exp, ok := m.claims[id]; ok {
		if now.Before(exp) {
			return false, ErrInProgress
		}
		delete(m.claims, id)
	}
	if !m.makeRoom(now) {
		return false, ErrStoreFull
	}
	m.claims[id] = now.Add(ttl)
	return false, nil
}

// Done implements ReplayStore. It records a done mark even for an id that was
// never claimed. ttl must be positive.
func (m *MemoryStore) Done(_ context.Context, id string, ttl time.Duration) error {
	if ttl <= 0 {
		return detail(ErrInvalidOption, "replay ttl must be positive")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	delete(m.claims, id)
	if e, ok := m.done[id]; ok {
		e.expires = now.Add(ttl)
		heap.Fix(&m.byExp, e.index)
		return nil
	}
	if !m.makeRoom(now) {
		return ErrStoreFull
	}
	e := &doneEntry{id: id, expires: now.Add(ttl)}
	m.done[id] = e
	heap.Push(&m.byExp, e)
	return nil
}

// Release implements ReplayStore. Releasing an id that holds no claim does
// nothing.
func (m *MemoryStore) Release(_ context.Context, id string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.claims, id)
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
	for id, exp := range m.claims {
		if !now.Before(exp) {
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
