// Package fakeclock is a clock for tests that moves only when told to: it
// satisfies credentials.Clock, so caches, secret sets and the providers
// built on them can be driven through refreshes, expiries and backoffs
// without waiting.
package fakeclock

import (
	"sync"
	"time"

	"github.com/jupico/jupico-go/internal/clock"
)

// Start is where every Clock begins: a fixed instant, so tests that print
// or compare times are repeatable.
var Start = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// Clock moves only when Advance is called; the timers that fall due run
// synchronously inside Advance, in deadline order (in the order they were
// armed for equal deadlines). It is safe for concurrent use.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	seq    uint64
	timers []*timer
}

type timer struct {
	c       *Clock
	when    time.Time
	seq     uint64
	f       func()
	stopped bool
	fired   bool
}

// New returns a Clock at Start.
func New() *Clock { return &Clock{now: Start} }

// NewAt returns a Clock at t: for tests that mix its time with times
// other processes recorded on the real clock.
func NewAt(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc arms a timer that calls f once the clock has been advanced by
// d. f runs inside Advance, never inside AfterFunc.
func (c *Clock) AfterFunc(d time.Duration, f func()) clock.Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	t := &timer{c: c, when: c.now.Add(d), seq: c.seq, f: f}
	c.timers = append(c.timers, t)
	return t
}

// Stop prevents the call if it has not run, and reports whether it did so.
func (t *timer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	if t.stopped || t.fired {
		return false
	}
	t.stopped = true
	return true
}

// Advance moves the clock by d, running every timer that falls due on the
// way, including timers armed by the timers it runs. While a timer runs,
// Now reads its deadline.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	target := c.now.Add(d)
	c.mu.Unlock()
	for {
		c.mu.Lock()
		due := c.next(target)
		if due == nil {
			c.now = target
			c.mu.Unlock()
			return
		}
		due.fired = true
		if due.when.After(c.now) {
			c.now = due.when
		}
		c.mu.Unlock()
		due.f()
	}
}

// next drops finished timers and returns the earliest live one due by
// target, or nil. c.mu must be held.
func (c *Clock) next(target time.Time) *timer {
	var due *timer
	live := c.timers[:0]
	for _, t := range c.timers {
		if t.stopped || t.fired {
			continue
		}
		live = append(live, t)
		if !t.when.After(target) && (due == nil || t.when.Before(due.when) || (t.when.Equal(due.when) && t.seq < due.seq)) {
			due = t
		}
	}
	clear(c.timers[len(live):])
	c.timers = live
	return due
}

// Pending returns the deadlines of the timers that have neither run nor
// been stopped, in the order they were armed.
func (c *Clock) Pending() []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []time.Time
	for _, t := range c.timers {
		if !t.stopped && !t.fired {
			out = append(out, t.when)
		}
	}
	return out
}
