package pgjournal_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
	"github.com/jupico/jupico-go/jupico/pgjournal"
)

const (
	salePath     = "/v1/transactions/creditcard/sale"
	rollbackPath = "/v1/transactions/creditcard/rollback"
)

var fast = jupico.WithRetry(jupico.RetryPolicy{MaxAttempts: 3, MinDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond})

func sale(ref string) *jupico.ChargeRequest {
	return &jupico.ChargeRequest{SubMerchantID: "jpt-fs-demo-acc1-m1", Amount: jupico.Cents(2500),
		PaymentToken: jupico.PermanentToken("card", "tok_visa_4242"), Reference: ref}
}

// Every outcome a client journals lands in the table, done.
func TestClientJournalsEveryOutcome(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	j := open(t, freshTable(t))
	c := srv.Client(fast, jupico.WithJournal(j))
	ctx := context.Background()
	_, err := c.CreditCard.Sale(ctx, sale("approved-1"))
	require.NoError(t, err)
	srv.Inject(jupicotest.Path(salePath), jupicotest.Fault{Status: http.StatusInternalServerError, AfterProcessing: true, Times: 1})
	_, err = c.CreditCard.Sale(ctx, sale("unknown-1"))
	require.ErrorIs(t, err, jupico.ErrRolledBack)
	require.NoError(t, c.Close())

	all, err := j.Entries(ctx)
	require.NoError(t, err)
	require.Len(t, all, 2)
	got := map[string]jupico.JournalOutcome{}
	for _, e := range all {
		assert.True(t, e.Done())
		assert.Equal(t, j.Owner(), e.Owner)
		got[e.Reference] = e.Outcome
	}
	assert.Equal(t, map[string]jupico.JournalOutcome{"approved-1": jupico.JournalOutcomeApproved, "unknown-1": jupico.JournalOutcomeRolledBack}, got)
	assert.NotEmpty(t, all[0].TransactionID)
}

// A replica dies owing a rollback Jupico refused; a peer started later
// rolls it back when asked to recover.
func TestPeerRecoversWhatADeadReplicaOwed(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	table := freshTable(t)
	ctx := context.Background()

	dead, err := pgjournal.Open(ctx, newPool(t), pgjournal.WithTable(table), pgjournal.WithOwner("replica-a"))
	require.NoError(t, err)
	c1 := srv.Client(fast, jupico.WithJournal(dead),
		jupico.WithRollbackRetry(jupico.RetryPolicy{MaxAttempts: 2, MinDelay: time.Millisecond, MaxDelay: time.Millisecond}))
	srv.Inject(jupicotest.Path(salePath), jupicotest.Fault{DropConnection: true, AfterProcessing: true, Times: 1})
	down := srv.Inject(jupicotest.Path(rollbackPath), jupicotest.Fault{Status: http.StatusServiceUnavailable})
	_, err = c1.CreditCard.Sale(ctx, sale("order-1"))
	require.ErrorIs(t, err, jupico.ErrIndeterminate)
	require.NoError(t, c1.Close())
	require.NoError(t, dead.Close()) // the lease ends with the replica
	down.Remove()
	require.Equal(t, jupico.Cents(2500), srv.Transactions()[0].Captured, "still charged")

	var ev jupicotest.RollbackRecorder
	peer := open(t, table, pgjournal.WithOwner("replica-b"))
	c2 := srv.Client(jupico.WithJournal(peer), jupico.WithoutBackgroundRecovery(), jupico.WithRollbackHook(ev.Hook))
	_, err = c2.Recover(ctx)
	require.NoError(t, err)
	require.Len(t, ev.Events(), 1)
	require.NoError(t, c2.Close())
	e := ev.Events()[0]
	assert.True(t, e.Recovered)
	assert.True(t, e.Acknowledged)
	assert.Equal(t, "order-1", e.Reference)
	assert.Zero(t, srv.Transactions()[0].Captured, "the peer rolled it back")
	assert.Equal(t, 1, srv.Transactions()[0].Rollbacks)
	all, err := peer.Entries(ctx)
	require.NoError(t, err)
	require.Len(t, all, 1)
	assert.Equal(t, "replica-b", all[0].Owner)
	assert.Equal(t, jupico.JournalOutcomeRolledBack, all[0].Outcome)
}

// A replica paused past its lease with a sale in flight: a peer takes the
// sale over and rolls it back. When the paused replica wakes to an
// approval, the journal refuses it (the entry is the peer's), so the
// client rolls the sale back too and never reports it approved.
func TestPausedReplicaNeverReportsASaleItsPeerRolledBack(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	table := freshTable(t)
	ctx := context.Background()
	paused := open(t, table, pgjournal.WithOwner("paused"))
	peer := open(t, table, pgjournal.WithOwner("peer"))
	cp := srv.Client(fast, jupico.WithJournal(paused))
	cpeer := srv.Client(fast, jupico.WithJournal(peer))

	srv.Inject(jupicotest.Path(salePath), jupicotest.Fault{AfterProcessing: true, Delay: time.Second, Times: 1})
	result := make(chan error, 1)
	go func() {
		_, err := cp.CreditCard.Sale(ctx, sale("order-1"))
		result <- err
	}()
	require.Eventually(t, func() bool { return len(srv.Transactions()) == 1 }, 10*time.Second, 5*time.Millisecond)
	_, err := newPool(t).Exec(ctx, "UPDATE "+table+"_leases SET expires = now() - interval '1 second' WHERE owner = 'paused'")
	require.NoError(t, err)
	rep, err := cpeer.Recover(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, rep.RolledBack, "the peer took the sale over")
	assert.Zero(t, srv.Transactions()[0].Captured)

	err = <-result
	require.Error(t, err, "never approved")
	assert.ErrorIs(t, err, jupico.ErrJournal)
	assert.ErrorIs(t, err, pgjournal.ErrNotOwner)
	var ind *jupico.IndeterminateError
	assert.True(t, errors.As(err, &ind))
	assert.Zero(t, srv.Transactions()[0].Captured, "still reversed")
	require.NoError(t, cp.Close())
	require.NoError(t, cpeer.Close())
}
