package pipeline

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Every attempt runs under a deadline (35 s for a transaction). A context
// with a timeout per attempt puts a runtime timer in and out of the timer
// heap on every call, which measured 2% of a loopback card sale. Attempts
// of one pipeline share a few timeouts, so their deadlines arrive in the
// order the attempts started: deadlines keeps them in one queue per timeout
// and a single timer, armed for the earliest deadline still pending, ends
// the attempts that outlive theirs. Attempts that finish are only marked;
// they leave the queue when they reach its head.

// attemptCtx is one attempt's context: cancelled by the caller, by the end
// of the attempt, or when its deadline passes. Deadline and Err answer as a
// context with a timeout would.
type attemptCtx struct {
	context.Context // a WithCancelCause child of the call's context
	cancel          context.CancelCauseFunc
	at              time.Time
	finished        atomic.Bool
	timedOut        atomic.Bool
}

// Deadline is the attempt's deadline, or the caller's when that is earlier.
func (a *attemptCtx) Deadline() (time.Time, bool) {
	if d, ok := a.Context.Deadline(); ok && d.Before(a.at) {
		return d, true
	}
	return a.at, true
}

// Err reports context.DeadlineExceeded once the attempt's deadline ended
// it, as a context with a timeout would.
func (a *attemptCtx) Err() error {
	err := a.Context.Err()
	if err != nil && a.timedOut.Load() {
		return context.DeadlineExceeded
	}
	return err
}

// end releases the attempt's context; its queue entry is dropped lazily.
func (a *attemptCtx) end() {
	a.finished.Store(true)
	a.cancel(nil)
}

// expire ends the attempt because its deadline passed.
func (a *attemptCtx) expire() {
	a.timedOut.Store(true)
	a.cancel(errAttemptTimeout)
}

// deadlines is safe for concurrent use.
type deadlines struct {
	mu      sync.Mutex
	queues  []*deadlineQueue // one per distinct timeout: a handful
	timer   *time.Timer
	armedAt time.Time // zero when the timer is not armed
}

type deadlineQueue struct {
	timeout time.Duration
	items   []*attemptCtx
	head    int
	// sweepAt is the length at which finished attempts stuck behind a
	// slow one at the head are swept out: it doubles with what survives a
	// sweep, so the queue stays proportional to the attempts in flight.
	sweepAt int
}

func (q *deadlineQueue) len() int { return len(q.items) - q.head }

func (q *deadlineQueue) peek() *attemptCtx { return q.items[q.head] }

func (q *deadlineQueue) pop() {
	q.items[q.head] = nil
	q.head++
	if q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
	} else if q.head >= 64 && q.head*2 >= len(q.items) {
		n := copy(q.items, q.items[q.head:])
		clear(q.items[n:])
		q.items, q.head = q.items[:n], 0
	}
}

// dropFinished removes finished attempts from the head of the queue, and
// from everywhere in it once it has grown past sweepAt.
func (q *deadlineQueue) dropFinished() {
	for q.len() > 0 && q.peek().finished.Load() {
		q.pop()
	}
	if q.len() < max(q.sweepAt, 64) {
		return
	}
	live := q.items[:0]
	for _, a := range q.items[q.head:] {
		if !a.finished.Load() {
			live = append(live, a)
		}
	}
	clear(q.items[len(live):])
	q.items, q.head = live, 0
	q.sweepAt = 2 * len(live)
}

// start begins an attempt bounded by timeout.
func (d *deadlines) start(parent context.Context, timeout time.Duration) *attemptCtx {
	ctx, cancel := context.WithCancelCause(parent)
	a := &attemptCtx{Context: ctx, cancel: cancel}
	d.mu.Lock()
	now := time.Now()
	a.at = now.Add(timeout)
	q := d.queue(timeout)
	q.dropFinished()
	q.items = append(q.items, a)
	if d.armedAt.IsZero() || a.at.Before(d.armedAt) {
		d.arm(a.at, now)
	}
	d.mu.Unlock()
	return a
}

func (d *deadlines) queue(timeout time.Duration) *deadlineQueue {
	for _, q := range d.queues {
		if q.timeout == timeout {
			return q
		}
	}
	q := &deadlineQueue{timeout: timeout}
	d.queues = append(d.queues, q)
	return q
}

func (d *deadlines) arm(at, now time.Time) {
	d.armedAt = at
	if d.timer == nil {
		d.timer = time.AfterFunc(at.Sub(now), d.fire)
		return
	}
	d.timer.Reset(at.Sub(now))
}

// fire ends every attempt whose deadline has passed and re-arms the timer
// for the earliest one still pending.
func (d *deadlines) fire() {
	var expired []*attemptCtx
	d.mu.Lock()
	now := time.Now()
	d.armedAt = time.Time{}
	var next time.Time
	for _, q := range d.queues {
		for q.len() > 0 {
			a := q.peek()
			if a.finished.Load() {
				q.pop()
				continue
			}
			if a.at.After(now) {
				break
			}
			q.pop()
			expired = append(expired, a)
		}
		if q.len() > 0 && (next.IsZero() || q.peek().at.Before(next)) {
			next = q.peek().at
		}
	}
	if !next.IsZero() {
		d.arm(next, now)
	}
	d.mu.Unlock()
	// Cancelling runs the contexts' own callbacks: outside the lock.
	for _, a := range expired {
		a.expire()
	}
}
