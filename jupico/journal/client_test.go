package journal_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/journal"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

const (
	salePath     = "/v1/transactions/creditcard/sale"
	rollbackPath = "/v1/transactions/creditcard/rollback"
	merchant     = "jpt-fs-demo-acc1-m1"
)

var fast = jupico.WithRetry(jupico.RetryPolicy{MaxAttempts: 3, MinDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond})

func sale(cents int64, ref string) *jupico.ChargeRequest {
	return &jupico.ChargeRequest{SubMerchantID: merchant, Amount: jupico.Cents(cents), PaymentToken: jupico.PermanentToken("card", "tok_visa_4242"),
		Reference: ref, Description: "journal test"}
}

func byRef(t *testing.T, j *journal.Journal, ref string) jupico.JournalEntry {
	t.Helper()
	all, err := j.Entries(context.Background())
	require.NoError(t, err)
	for _, e := range all {
		if e.Reference == ref {
			return e
		}
	}
	t.Fatalf("no journal entry for %s", ref)
	return jupico.JournalEntry{}
}

// The intent is in the journal, synced, before the request reaches
// Jupico; every outcome is recorded before the caller hears it.
func TestEveryOutcomeIsJournaled(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	j := open(t, filepath.Join(t.TempDir(), "j"))
	var ev jupicotest.RollbackRecorder
	c := srv.Client(fast, jupico.WithJournal(j), jupico.WithRollbackHook(ev.Hook), jupico.WithTransactionTimeout(300*time.Millisecond),
		jupico.WithRollbackRetry(jupico.RetryPolicy{MaxAttempts: 2, MinDelay: time.Millisecond, MaxDelay: time.Millisecond}))
	ctx := context.Background()

	// Seen from the fake: when the sale arrives, its intent is recorded.
	var intentFirst atomic.Bool
	srv.Inject(func(r *jupicotest.Request) bool {
		if r.Path == salePath && bytes.Contains(r.Body, []byte(`"order-1"`)) {
			all, _ := j.Entries(ctx)
			for _, e := range all {
				if e.Reference == "order-1" && e.State == jupico.JournalStateIntent && bytes.Equal(e.Body, r.Body) {
					intentFirst.Store(true)
				}
			}
		}
		return false
	}, jupicotest.Fault{})

	tx, err := c.CreditCard.Sale(ctx, sale(2500, "order-1"))
	require.NoError(t, err)
	assert.True(t, intentFirst.Load(), "the intent, with the exact body, was recorded before the sale was sent")
	e := byRef(t, j, "order-1")
	assert.Equal(t, jupico.JournalStateDone, e.State)
	assert.Equal(t, jupico.JournalOutcomeApproved, e.Outcome)
	assert.Equal(t, tx.ID, e.TransactionID)
	assert.Equal(t, "creditcard.sale", e.Operation)

	declined := sale(9020, "order-2")
	declined.PaymentToken = jupico.PermanentToken("card", jupico.SandboxTestToken)
	_, err = c.CreditCard.Sale(ctx, declined)
	require.ErrorIs(t, err, jupico.ErrDeclined)
	assert.Equal(t, jupico.JournalOutcomeDeclined, byRef(t, j, "order-2").Outcome)

	srv.Inject(jupicotest.BodyContains(`"order-3"`), jupicotest.Fault{Status: http.StatusServiceUnavailable})
	_, err = c.CreditCard.Sale(ctx, sale(2500, "order-3"))
	require.ErrorIs(t, err, jupico.ErrServiceUnavailable)
	assert.Equal(t, jupico.JournalOutcomeNotProcessed, byRef(t, j, "order-3").Outcome)

	srv.Inject(jupicotest.And(jupicotest.Path(salePath), jupicotest.BodyContains(`"order-4"`)), jupicotest.Fault{Status: http.StatusInternalServerError, AfterProcessing: true})
	_, err = c.CreditCard.Sale(ctx, sale(2500, "order-4"))
	require.ErrorIs(t, err, jupico.ErrRolledBack)
	e = byRef(t, j, "order-4")
	assert.Equal(t, jupico.JournalOutcomeRolledBack, e.Outcome)
	assert.Equal(t, 1, e.Attempts)

	// A rollback Jupico does not acknowledge stays owed.
	srv.Inject(jupicotest.And(jupicotest.Path(salePath), jupicotest.BodyContains(`"order-5"`)), jupicotest.Fault{DropConnection: true, AfterProcessing: true})
	stuck := srv.Inject(jupicotest.And(jupicotest.Path(rollbackPath), jupicotest.BodyContains(`"order-5"`)), jupicotest.Fault{Status: http.StatusInternalServerError})
	_, err = c.CreditCard.Sale(ctx, sale(2500, "order-5"))
	var ie *jupico.IndeterminateError
	require.ErrorAs(t, err, &ie)
	assert.False(t, ie.RolledBack)
	e = byRef(t, j, "order-5")
	assert.Equal(t, jupico.JournalStateRollbackOwed, e.State)
	assert.Equal(t, 2, e.Attempts)
	assert.NotEmpty(t, e.Err)

	// ...until Recover, once Jupico answers again.
	stuck.Remove()
	rep, err := c.Recover(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, rep.RolledBack)
	require.Len(t, rep.Entries, 1)
	assert.Equal(t, "order-5", rep.Entries[0].Reference)
	assert.Equal(t, jupico.JournalOutcomeRolledBack, byRef(t, j, "order-5").Outcome)
	last := ev.Events()[len(ev.Events())-1]
	assert.True(t, last.Recovered)
	assert.True(t, last.Acknowledged)
	assert.Equal(t, "order-5", last.Reference)

	// A payout has no rollback: an unknown outcome is owed a lookup by its
	// reference, which finds what Jupico processed.
	_, err = c.CreditCard.Sale(ctx, sale(10000, "funds"))
	require.NoError(t, err)
	srv.Settle()
	srv.Inject(jupicotest.Path("/v1/payouts/create"), jupicotest.ProcessThenError(http.StatusInternalServerError))
	_, err = c.Payouts.Create(ctx, &jupico.PayoutRequest{SubMerchantID: merchant, Amount: jupico.Cents(500), Reference: "po-1"})
	require.ErrorIs(t, err, jupico.ErrIndeterminate)
	e = byRef(t, j, "po-1")
	assert.Equal(t, jupico.JournalStateLookupOwed, e.State)
	assert.False(t, e.NextTry.IsZero(), "looked up from the next sweep on")
	rep, err = c.Recover(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Found)
	e = byRef(t, j, "po-1")
	assert.Equal(t, jupico.JournalOutcomeFound, e.Outcome)
	assert.Regexp(t, `^po_`, e.TransactionID, "Jupico's id for the payout")
	assert.Equal(t, "pending", e.FoundStatus)
	last = ev.Events()[len(ev.Events())-1]
	assert.Equal(t, jupico.RollbackResultFound, last.Result)
	assert.Equal(t, e.TransactionID, last.TransactionID)
	assert.Len(t, srv.RequestsTo("/v1/payouts/create"), 1, "never sent again")

	// Without a reference, nothing could find it: refused before sending.
	_, err = c.Payouts.Create(ctx, &jupico.PayoutRequest{SubMerchantID: merchant, Amount: jupico.Cents(500)})
	require.ErrorIs(t, err, jupico.ErrValidation)
	assert.Contains(t, err.Error(), "reference")
	assert.Len(t, srv.RequestsTo("/v1/payouts/create"), 1, "nothing sent")

	// Reads and writes that move no money are not journaled.
	_, err = c.Plans.Create(ctx, &jupico.PlanRequest{SubMerchantID: merchant, Name: "Gold", Amount: jupico.Cents(900), Frequency: jupico.FrequencyMonthly, Reference: "plan-1"})
	require.NoError(t, err)
	all, err := j.Entries(ctx)
	require.NoError(t, err)
	for _, e := range all {
		assert.NotEqual(t, "plan-1", e.Reference)
		assert.True(t, e.Done(), "%s: nothing left owed", e.Reference)
	}
}

// A journal that cannot write refuses the transaction: nothing is sent.
func TestNothingIsSentThatCouldNotBeRecorded(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	j, err := journal.Open(filepath.Join(t.TempDir(), "j"))
	require.NoError(t, err)
	c := srv.Client(jupico.WithJournal(j))
	require.NoError(t, j.Close())
	_, err = c.CreditCard.Sale(context.Background(), sale(2500, "order-1"))
	require.ErrorIs(t, err, jupico.ErrJournal)
	assert.ErrorIs(t, err, journal.ErrClosed)
	assert.NotErrorIs(t, err, jupico.ErrIndeterminate)
	assert.Equal(t, 1, strings.Count(err.Error(), "jupico:"), "one prefix: %s", err)
	_, err = c.Recover(context.Background())
	require.ErrorIs(t, err, jupico.ErrJournal)
	assert.Equal(t, 1, strings.Count(err.Error(), "jupico:"), "one prefix: %s", err)
	assert.Empty(t, srv.RequestsTo(salePath), "nothing was sent")
	_, err = c.Subscriptions.Create(context.Background(), &jupico.SubscriptionRequest{SubMerchantID: merchant, PlanID: "p", CustomerID: "c",
		PaymentToken: jupico.PermanentToken("card", "tok"), Reference: "sub-1"})
	require.ErrorIs(t, err, jupico.ErrJournal)
	assert.Empty(t, srv.RequestsTo("/v1/subscriptions"))
}

// failing records normally until told to fail.
type failing struct {
	jupico.Journal
	fail atomic.Bool
}

func (f *failing) Record(ctx context.Context, e *jupico.JournalEntry) error {
	if f.fail.Load() {
		return errors.New("disk full")
	}
	return f.Journal.Record(ctx, e)
}

// An approved sale whose outcome the journal cannot keep is rolled back at
// once: a later Recover would otherwise reverse a charge the caller was
// told went through.
func TestApprovalTheJournalCannotKeepIsRolledBack(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	j := open(t, filepath.Join(t.TempDir(), "j"))
	f := &failing{Journal: j}
	c := srv.Client(fast, jupico.WithJournal(f))
	// The disk fills up while the sale is at Jupico.
	srv.Inject(func(r *jupicotest.Request) bool {
		if r.Path == salePath {
			f.fail.Store(true)
		}
		return false
	}, jupicotest.Fault{})
	tx, err := c.CreditCard.Sale(context.Background(), sale(2500, "order-1"))
	assert.Nil(t, tx)
	require.ErrorIs(t, err, jupico.ErrJournal)
	require.ErrorIs(t, err, jupico.ErrRolledBack)
	txs := srv.Transactions()
	require.Len(t, txs, 1)
	assert.Zero(t, txs[0].Captured, "reversed")
	assert.Equal(t, 1, txs[0].Rollbacks)
	// The journal still holds the intent: a later Recover sends the
	// rollback again, which Jupico acknowledges without effect.
	f.fail.Store(false)
	assert.Equal(t, jupico.JournalStateIntent, byRef(t, j, "order-1").State)
}

// What a process left behind when it died: an intent recorded, the sale
// processed at Jupico, no outcome. The next process recovers it at start.
func TestNextProcessRollsBackWhatADeadProcessLeft(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	path := filepath.Join(t.TempDir(), "j")
	ctx := context.Background()

	// The dead process: its sale reached Jupico and the connection broke,
	// and every rollback it tried failed; then it died.
	j1, err := journal.Open(path)
	require.NoError(t, err)
	c1 := srv.Client(fast, jupico.WithJournal(j1),
		jupico.WithRollbackRetry(jupico.RetryPolicy{MaxAttempts: 2, MinDelay: time.Millisecond, MaxDelay: time.Millisecond}))
	srv.Inject(jupicotest.Path(salePath), jupicotest.Fault{DropConnection: true, AfterProcessing: true, Times: 1})
	down := srv.Inject(jupicotest.Path(rollbackPath), jupicotest.Fault{Status: http.StatusServiceUnavailable})
	_, err = c1.CreditCard.Sale(ctx, sale(2500, "order-1"))
	require.ErrorIs(t, err, jupico.ErrIndeterminate)
	// And one it left before the answer, by hand: an installment plan,
	// which has no rollback and no query to find it by.
	left := &jupico.JournalEntry{ID: "0123456789abcdef0123456789abcdef", Operation: "installments.create", Reference: "po-9",
		Body: []byte(`{"subMerchantId":"m1","total":5.00,"reference":"po-9"}`), State: jupico.JournalStateIntent, Created: time.Now(), Updated: time.Now()}
	require.NoError(t, j1.Record(ctx, left))
	require.NoError(t, c1.Close())
	require.NoError(t, j1.Close())
	down.Remove()
	require.Len(t, srv.Transactions(), 1)
	assert.Equal(t, jupico.Cents(2500), srv.Transactions()[0].Captured, "still charged")

	j2 := open(t, path)
	var ev jupicotest.RollbackRecorder
	c2 := srv.Client(jupico.WithJournal(j2), jupico.WithRollbackHook(ev.Hook))
	_, err = c2.Recover(ctx) // what is owed keeps its schedule; Recover does all now
	require.NoError(t, err)
	require.Len(t, ev.Events(), 2)
	require.NoError(t, c2.Close())
	txs := srv.Transactions()
	require.Len(t, txs, 1)
	assert.Zero(t, txs[0].Captured, "the next process rolled it back")
	assert.Equal(t, 1, txs[0].Rollbacks)
	var reconcile, rolled int
	for _, e := range ev.Events() {
		assert.True(t, e.Recovered)
		switch {
		case errors.Is(e.Err, jupico.ErrReconcile):
			reconcile++
			assert.Equal(t, "po-9", e.Reference)
		case e.Acknowledged:
			rolled++
			assert.Equal(t, "order-1", e.Reference)
		}
	}
	assert.Equal(t, 1, reconcile)
	assert.Equal(t, 1, rolled)
	assert.Empty(t, srv.RequestsTo("/v1/installments"), "an installment plan is never sent again")
	assert.Equal(t, jupico.JournalOutcomeReconcile, byRef(t, j2, "po-9").Outcome)

	// Recovering again finds nothing: safe at every start.
	c3 := srv.Client(jupico.WithJournal(j2))
	rep, err := c3.Recover(ctx)
	require.NoError(t, err)
	assert.Empty(t, rep.Entries)
	assert.Len(t, srv.Rollbacks(), 3, "two refused before the first process died, one acknowledged")
}

// Recover leaves a transaction of this client that is still in flight
// alone, so it can run at any time.
func TestRecoverLeavesLiveTransactionsAlone(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	j := open(t, filepath.Join(t.TempDir(), "j"))
	c := srv.Client(jupico.WithJournal(j))
	ctx := context.Background()
	srv.Inject(jupicotest.Path(salePath), jupicotest.Fault{Delay: 500 * time.Millisecond, Times: 1})
	done := make(chan error, 1)
	go func() {
		_, err := c.CreditCard.Sale(ctx, sale(2500, "order-1"))
		done <- err
	}()
	require.Eventually(t, func() bool { return len(srv.RequestsTo(salePath)) == 1 }, 5*time.Second, 5*time.Millisecond)
	rep, err := c.Recover(ctx)
	require.NoError(t, err)
	assert.Empty(t, rep.Entries, "the sale in flight is its caller's")
	require.NoError(t, <-done)
	assert.Empty(t, srv.Rollbacks())
	assert.Equal(t, jupico.JournalOutcomeApproved, byRef(t, j, "order-1").Outcome)
}

func TestRecoverCompactsOldEntries(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	j := open(t, filepath.Join(t.TempDir(), "j"))
	ctx := context.Background()
	old := entry("old", jupico.JournalStateDone)
	old.Outcome, old.Updated = jupico.JournalOutcomeApproved, time.Now().Add(-2*time.Hour)
	require.NoError(t, j.Record(ctx, old))
	c := srv.Client(jupico.WithJournal(j), jupico.WithJournalRetention(time.Hour), jupico.WithoutBackgroundRecovery())
	_, err := c.CreditCard.Sale(ctx, sale(2500, "new"))
	require.NoError(t, err)
	rep, err := c.Recover(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Compacted)
	all, err := j.Entries(ctx)
	require.NoError(t, err)
	require.Len(t, all, 1)
	assert.Equal(t, "new", all[0].Reference)
}

// The file holds bodies (tokens, amounts), never credentials.
func TestJournalHoldsNoCredentials(t *testing.T) {
	t.Parallel()
	const user, pass = "canary-user", "canary-password-7Q9x"
	srv := jupicotest.NewServer(t, jupicotest.WithCredentials(user, pass))
	path := filepath.Join(t.TempDir(), "j")
	j, err := journal.Open(path)
	require.NoError(t, err)
	c := srv.Client(jupico.WithJournal(j))
	for i := range 20 {
		_, err := c.CreditCard.Sale(context.Background(), sale(int64(100+i), "ref"))
		require.NoError(t, err)
	}
	require.NoError(t, j.Close())
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	for _, s := range []string{pass, base64.StdEncoding.EncodeToString([]byte(user + ":" + pass)), "Authorization"} {
		assert.False(t, bytes.Contains(b, []byte(s)), "the journal file holds %q", s)
	}
	assert.True(t, bytes.Contains(b, []byte("tok_visa_4242")), "it does hold the bodies")
}

func TestClientOptionsNeedAJournal(t *testing.T) {
	t.Parallel()
	_, err := jupico.NewClient(jupico.WithRecoveryInterval(0))
	assert.ErrorIs(t, err, jupico.ErrInvalidOption)
	_, err = jupico.NewClient(jupico.WithReconcileGrace(-time.Second))
	assert.ErrorIs(t, err, jupico.ErrInvalidOption)
	_, err = jupico.NewClient(jupico.WithClock(nil))
	assert.ErrorIs(t, err, jupico.ErrInvalidOption)
	_, err = jupico.NewClient(jupico.WithJournal(nil))
	assert.ErrorIs(t, err, jupico.ErrInvalidOption)
	_, err = jupico.NewClient(jupico.WithJournalRetention(0))
	assert.ErrorIs(t, err, jupico.ErrInvalidOption)
	srv := jupicotest.NewServer(t)
	_, err = srv.Client().Recover(context.Background())
	assert.ErrorIs(t, err, jupico.ErrInvalidOption)
}
