package jupicotel_test

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/journal"
	"github.com/jupico/jupico-go/jupico/jupicotel"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// What the journal owes is a gauge, with the age of the oldest entry;
// what recovery settles is counted by result.
func TestJournalOwedAndSettlements(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	srv := jupicotest.NewServer(t)
	j, err := journal.Open(filepath.Join(t.TempDir(), "j"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = j.Close() })
	c := srv.Client(fast, jupico.WithObserver(h.obs), jupico.WithJournal(j), jupico.WithoutBackgroundRecovery(),
		jupico.WithRollbackRetry(jupico.RetryPolicy{MaxAttempts: 1}))
	ctx := context.Background()
	srv.InjectFault(salePath, jupicotest.Fault{AfterProcessing: true, Status: http.StatusInternalServerError, Times: 1})
	down := srv.InjectFault("/v1/transactions/creditcard/rollback", jupicotest.Fault{Status: http.StatusServiceUnavailable})
	_, err = c.CreditCard.Sale(ctx, sale(2500))
	require.ErrorIs(t, err, jupico.ErrIndeterminate)

	_, err = c.Reconcile(ctx) // not due yet: still owed
	require.NoError(t, err)
	m := h.metrics(t)
	assert.Equal(t, map[string]float64{"": 1}, m[jupicotel.MetricOwed], h.dump(t))
	require.Contains(t, m[jupicotel.MetricOldestOwedAge], "")
	assert.GreaterOrEqual(t, m[jupicotel.MetricOldestOwedAge][""], 0.0)
	assert.Empty(t, m[jupicotel.MetricSettlements])

	down.Remove()
	_, err = c.Recover(ctx)
	require.NoError(t, err)
	m = h.metrics(t)
	assert.Equal(t, map[string]float64{"": 0}, m[jupicotel.MetricOwed])
	assert.Equal(t, map[string]float64{"": 0}, m[jupicotel.MetricOldestOwedAge])
	assert.Equal(t, map[string]float64{"jupico.settlement.result=rolled_back": 1}, m[jupicotel.MetricSettlements])
}
