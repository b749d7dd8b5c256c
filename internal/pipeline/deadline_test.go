package pipeline

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func waitDone(t *testing.T, ctx context.Context, within time.Duration) {
	t.Helper()
	select {
	case <-ctx.Done():
	case <-time.After(within):
		t.Fatalf("attempt not ended within %v", within)
	}
}

func TestDeadlineEndsAnAttemptThatOutlivesIt(t *testing.T) {
	t.Parallel()
	var d deadlines
	start := time.Now()
	a := d.start(context.Background(), 50*time.Millisecond)
	dl, ok := a.Deadline()
	require.True(t, ok)
	assert.WithinDuration(t, start.Add(50*time.Millisecond), dl, 10*time.Millisecond)
	require.NoError(t, a.Err())

	waitDone(t, a, 5*time.Second)
	assert.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond, "not before its deadline")
	assert.ErrorIs(t, a.Err(), context.DeadlineExceeded, "as a context with a timeout reports it")
	assert.NotErrorIs(t, a.Err(), context.Canceled)
	assert.ErrorIs(t, context.Cause(a), errAttemptTimeout)
	assert.True(t, a.timedOut.Load())
	a.end() // ending after expiry is harmless
	assert.Zero(t, d.pending())
}

func TestDeadlineLeavesFinishedAttemptsAlone(t *testing.T) {
	t.Parallel()
	var d deadlines
	var ended []*attemptCtx
	for range 1000 {
		a := d.start(context.Background(), 30*time.Millisecond)
		a.end()
		ended = append(ended, a)
	}
	assert.LessOrEqual(t, d.pending(), 1, "finished attempts leave the queue as the next one starts")
	// Past every deadline: the timer fires, finds nothing to expire.
	time.Sleep(80 * time.Millisecond)
	for _, a := range ended {
		require.False(t, a.timedOut.Load())
		require.ErrorIs(t, a.Err(), context.Canceled, "ended, not timed out")
		require.NotErrorIs(t, context.Cause(a), errAttemptTimeout)
	}
	assert.Eventually(t, func() bool { return d.pending() == 0 }, time.Second, 5*time.Millisecond)
}

// A slow attempt at the head of the queue must not keep every later,
// finished one in memory until its own deadline.
func TestDeadlineQueueStaysBoundedBehindASlowAttempt(t *testing.T) {
	t.Parallel()
	var d deadlines
	slow := d.start(context.Background(), time.Minute)
	for range 100_000 {
		d.start(context.Background(), time.Minute).end()
	}
	assert.Less(t, d.pending(), 200, "finished attempts are swept from behind the slow one")
	require.NoError(t, slow.Err())
	slow.end()
}

// Attempts with a shorter timeout started later still end on time.
func TestDeadlineShorterTimeoutStartedLater(t *testing.T) {
	t.Parallel()
	var d deadlines
	long := d.start(context.Background(), time.Minute)
	defer long.end()
	start := time.Now()
	short := d.start(context.Background(), 40*time.Millisecond)
	waitDone(t, short, 5*time.Second)
	assert.Less(t, time.Since(start), 30*time.Second)
	assert.True(t, short.timedOut.Load())
	assert.NoError(t, long.Err(), "the long attempt is untouched")
}

func TestDeadlineCallerCancellationAndEarlierDeadline(t *testing.T) {
	t.Parallel()
	var d deadlines
	parent, cancel := context.WithCancel(context.Background())
	a := d.start(parent, time.Minute)
	cancel()
	waitDone(t, a, time.Second)
	assert.ErrorIs(t, a.Err(), context.Canceled, "the caller's cancellation is not a timeout")
	assert.False(t, a.timedOut.Load())
	a.end()

	early := time.Now().Add(time.Second)
	pctx, pcancel := context.WithDeadline(context.Background(), early)
	defer pcancel()
	b := d.start(pctx, time.Minute)
	defer b.end()
	got, ok := b.Deadline()
	assert.True(t, ok)
	assert.Equal(t, early, got, "the caller's earlier deadline wins")
}

// Many goroutines starting and ending attempts, some left to expire: every
// unfinished one expires, no finished one does (run with -race).
func TestDeadlineConcurrent(t *testing.T) {
	t.Parallel()
	var d deadlines
	var wg sync.WaitGroup
	var mu sync.Mutex
	var abandoned []*attemptCtx
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				timeout := 20 * time.Millisecond
				if g%2 == 0 {
					timeout = 35 * time.Millisecond
				}
				a := d.start(context.Background(), timeout)
				if i%100 == 0 {
					mu.Lock()
					abandoned = append(abandoned, a)
					mu.Unlock()
					continue
				}
				a.end()
				// Read after end returned: an attempt descheduled between
				// a clock reading and end can be past its deadline when it
				// ends, and rightly times out; one whose end returned before
				// its deadline never may.
				endedAt := time.Now()
				if a.timedOut.Load() && endedAt.Before(a.at) {
					t.Error("an attempt ended before its deadline timed out")
				}
			}
		}()
	}
	wg.Wait()
	for _, a := range abandoned {
		waitDone(t, a, 5*time.Second)
		assert.True(t, errors.Is(context.Cause(a), errAttemptTimeout))
	}
	assert.Eventually(t, func() bool { return d.pending() == 0 }, time.Second, 5*time.Millisecond)
}

// pending is the number of queued attempts, finished or not.
func (d *deadlines) pending() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, q := range d.queues {
		n += q.len()
	}
	return n
}
