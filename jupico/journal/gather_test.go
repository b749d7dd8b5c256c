package journal

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The writer gathers until its batch holds at least half as many records
// as transactions remain open: a lone caller is never held back, and a
// busy journal gathers.
func TestGatherWaitsForHalfTheOpenTransactions(t *testing.T) {
	open := map[string]struct{}{}
	rec := func(id string, intent bool) *write { return track(open, &write{id: id, intent: intent}) }

	batch := []*write{rec("lone", true)}
	assert.True(t, enough(batch, open), "a lone caller's intent is committed at once")
	batch = []*write{rec("lone", false)}
	assert.True(t, enough(batch, open), "and so is its outcome")
	assert.Empty(t, open, "an outcome closes its transaction")

	for i := range 10 {
		rec(fmt.Sprint("t", i), true)
	}
	assert.Len(t, open, 10)
	batch = batch[:0]
	for i := range 3 {
		batch = append(batch, rec(fmt.Sprint("t", i), false))
		assert.False(t, enough(batch, open), "%d outcomes, %d still open: keep gathering", i+1, 10-i-1)
	}
	batch = append(batch, rec("t3", false))
	assert.True(t, enough(batch, open), "4 records, 6 still open: commit")

	rec("gone", false)
	assert.Len(t, open, 6, "a record of a transaction this process never opened (a recovered one) changes nothing")
	rec("t5", true)
	assert.Len(t, open, 6, "an intent recorded again is still one transaction")
}
