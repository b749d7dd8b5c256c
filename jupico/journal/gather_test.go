package journal

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// The writer tracks the transactions in flight: an intent opens one, any
// later record of it closes it.
func TestOpenSetTracksTransactionsInFlight(t *testing.T) {
	o := openSet{m: map[string]time.Time{}}
	now := time.Now()
	rec := func(id string, intent bool) { o.track(&write{id: id, intent: intent, at: now}) }

	for i := range 10 {
		rec(fmt.Sprint("t", i), true)
	}
	assert.Equal(t, 10, o.len())
	rec("t0", false)
	assert.Equal(t, 9, o.len(), "an outcome closes its transaction")
	rec("gone", false)
	assert.Equal(t, 9, o.len(), "a record of a transaction this process never opened (a recovered one) changes nothing")
	rec("t5", true)
	assert.Equal(t, 9, o.len(), "an intent recorded again is still one transaction")
	o.close("t5")
	assert.Equal(t, 8, o.len(), "a refused intent is not in flight")

	o.prune(now.Add(staleAfter / 2))
	assert.Equal(t, 8, o.len(), "nothing is stale yet")
	o.track(&write{id: "late", intent: true, at: now.Add(staleAfter)})
	o.prune(now.Add(staleAfter + time.Second))
	assert.Equal(t, 1, o.len(), "transactions open longer than staleAfter are forgotten, newer ones kept")
	o.track(&write{id: "old", intent: true, at: now})
	o.prune(now.Add(staleAfter + time.Second + 10*time.Millisecond))
	assert.Equal(t, 2, o.len(), "pruned at most once a second")
}

// A batch stops gathering once it holds as many records as transactions
// are open, or once its first record has waited gatherPerOpen for each of
// them (gatherMax at most): a lone caller is never held back, a few are
// held a fraction of a millisecond, and a busy journal shares its syncs.
func TestGatherLeft(t *testing.T) {
	none := time.Duration(0)
	assert.LessOrEqual(t, gatherLeft(0, 1, 1), none, "a lone caller's intent is committed at once")
	assert.LessOrEqual(t, gatherLeft(0, 1, 0), none, "and so is its outcome")
	assert.LessOrEqual(t, gatherLeft(0, 10, 10), none, "as many records as open transactions")

	assert.Equal(t, 8*gatherPerOpen, gatherLeft(0, 1, 8), "8 in flight: wait for them a little")
	assert.Equal(t, 8*gatherPerOpen-gatherPerOpen, gatherLeft(gatherPerOpen, 3, 8), "counted from the first record")
	assert.LessOrEqual(t, gatherLeft(8*gatherPerOpen, 7, 8), none, "then commit")
	assert.Less(t, 8*gatherPerOpen, time.Millisecond, "a few callers wait well under a millisecond")

	assert.Equal(t, gatherMax, gatherLeft(0, 1, 100000), "never longer than gatherMax")
	assert.LessOrEqual(t, gatherLeft(gatherMax, 140, 256), none)
	assert.Greater(t, gatherLeft(gatherMax/2, 140, 256), none, "256 in flight: gather on")
}
