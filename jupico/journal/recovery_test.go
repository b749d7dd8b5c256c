package journal_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/internal/testkit/fakeclock"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// sweeps is an Observer that hands each recovery sweep to the test.
type sweeps struct {
	jupico.NopObserver
	ch chan jupico.SweepInfo
}

func newSweeps() *sweeps { return &sweeps{ch: make(chan jupico.SweepInfo, 64)} }

func (s *sweeps) Sweep(_ context.Context, info jupico.SweepInfo) { s.ch <- info }

// next waits for the next sweep.
func (s *sweeps) next(t *testing.T) jupico.SweepInfo {
	t.Helper()
	select {
	case info := <-s.ch:
		return info
	case <-time.After(30 * time.Second):
		t.Fatal("no recovery sweep within 30s")
		return jupico.SweepInfo{}
	}
}

var oneTry = jupico.WithRollbackRetry(jupico.RetryPolicy{MaxAttempts: 1, MinDelay: time.Millisecond, MaxDelay: time.Millisecond})

// One process, a file journal, nobody calling Recover: a sale answered
// 500 whose rollback Jupico refuses for 1.5 s is rolled back by the
// background recovery within two intervals of Jupico answering again,
// and exactly once.
func TestBackgroundRecoverySendsAnOwedRollbackOnceJupicoAnswers(t *testing.T) {
	t.Parallel()
	const interval = 1200 * time.Millisecond
	srv := jupicotest.NewServer(t)
	j := open(t, filepath.Join(t.TempDir(), "j"))
	var ev jupicotest.RollbackRecorder
	c := srv.Client(fast, oneTry, jupico.WithJournal(j), jupico.WithRecoveryInterval(interval), jupico.WithRollbackHook(ev.Hook))
	ctx := context.Background()

	srv.Inject(jupicotest.Path(salePath), jupicotest.Fault{AfterProcessing: true, Status: http.StatusInternalServerError, Times: 1})
	refused := srv.Inject(jupicotest.Path(rollbackPath), jupicotest.Fault{Status: http.StatusServiceUnavailable})
	_, err := c.CreditCard.Sale(ctx, sale(2500, "order-1"))
	var ie *jupico.IndeterminateError
	require.ErrorAs(t, err, &ie)
	require.False(t, ie.RolledBack)
	owed := c.Owed()
	require.Equal(t, 1, owed.Count, "the client knows what it owes")
	assert.Equal(t, 1, owed.Entries[0].Tries)
	assert.False(t, owed.Entries[0].NextTry.IsZero())
	assert.Nil(t, owed.Entries[0].Body, "no body leaves through Owed")

	var up time.Time
	var mu sync.Mutex
	time.AfterFunc(1500*time.Millisecond, func() {
		refused.Remove()
		mu.Lock()
		up = time.Now()
		mu.Unlock()
	})
	require.Eventually(t, func() bool {
		tx, _ := srv.Transaction("tx_000001")
		return tx.Rollbacks > 0
	}, 10*time.Second, 5*time.Millisecond)
	acked := time.Now()
	mu.Lock()
	took := acked.Sub(up)
	mu.Unlock()
	t.Logf("acknowledged %v after Jupico answered again (interval %v)", took, interval)
	assert.LessOrEqual(t, took, 2*interval, "acknowledged within two intervals of Jupico answering again")

	// Nothing more is sent: two more sweeps pass.
	time.Sleep(2 * interval)
	tx, _ := srv.Transaction("tx_000001")
	assert.Equal(t, 1, tx.Rollbacks, "rolled back exactly once")
	assert.Zero(t, tx.Captured)
	e := byRef(t, j, "order-1")
	assert.Equal(t, jupico.JournalOutcomeRolledBack, e.Outcome)
	assert.GreaterOrEqual(t, e.Tries, 2, "the call's try, then the sweeps'")
	assert.Zero(t, c.Owed().Count)
	var acks int
	for _, x := range ev.Events() {
		if x.Acknowledged {
			acks++
			assert.True(t, x.Recovered)
			assert.Equal(t, jupico.RollbackResultAcknowledged, x.Result)
		}
	}
	assert.Equal(t, 1, acks)
}

// A rollback Jupico refuses for an hour backs off to ten intervals
// between tries, and a process started on the same journal keeps the
// schedule instead of trying at once.
func TestOwedRollbackBacksOffAndARestartKeepsItsSchedule(t *testing.T) {
	t.Parallel()
	const interval = time.Minute
	srv := jupicotest.NewServer(t)
	path := filepath.Join(t.TempDir(), "j")
	j := open(t, path)
	clock := fakeclock.New()
	obs := newSweeps()
	opts := []jupico.Option{fast, oneTry, jupico.WithRecoveryInterval(interval), jupico.WithClock(clock), jupico.WithObserver(obs)}
	c1 := srv.Client(append(opts, jupico.WithJournal(j))...)
	obs.next(t) // the sweep at start
	ctx := context.Background()

	srv.Inject(jupicotest.Path(salePath), jupicotest.Fault{AfterProcessing: true, Status: http.StatusInternalServerError, Times: 1})
	refused := srv.Inject(jupicotest.Path(rollbackPath), jupicotest.Fault{Status: http.StatusServiceUnavailable})
	_, err := c1.CreditCard.Sale(ctx, sale(2500, "order-1"))
	require.ErrorIs(t, err, jupico.ErrIndeterminate)
	require.Equal(t, 1, len(srv.Rollbacks()), "the call's own try")

	// An hour of the fake clock, in steps longer than the longest jitter.
	start := clock.Now()
	var last jupico.SweepInfo
	for clock.Now().Sub(start) < time.Hour {
		clock.Advance(interval * 6 / 5)
		last = obs.next(t)
	}
	tries := len(srv.Rollbacks())
	t.Logf("%d rollback tries in an hour of refusals, one sweep every %v", tries, interval*6/5)
	// Tries at 0, 1, 2, 4, 8, 16, 26, 36, 46, 56 minutes (sweeps fall a
	// little later): about ten, where a try every sweep would be fifty.
	assert.GreaterOrEqual(t, tries, 7, "it keeps trying")
	assert.LessOrEqual(t, tries, 11, "backed off, capped at ten intervals")
	assert.Equal(t, 1, last.Owed)
	assert.Positive(t, last.OldestAge)
	e := byRef(t, j, "order-1")
	assert.Equal(t, jupico.JournalStateRollbackOwed, e.State)
	assert.Equal(t, tries, e.Tries)
	assert.Equal(t, 10*interval, e.NextTry.Sub(e.Updated), "capped at ten intervals")

	// The process stops; another starts on the same journal.
	require.NoError(t, c1.Close())
	before := len(srv.Rollbacks())
	c2 := srv.Client(append(opts, jupico.WithJournal(j))...)
	info := obs.next(t)
	assert.Equal(t, before, len(srv.Rollbacks()), "the restart keeps the schedule: nothing sent at start")
	assert.Equal(t, 1, info.Owed)
	assert.Equal(t, 1, c2.Owed().Count)

	refused.Remove()
	for clock.Now().Before(e.NextTry.Add(-interval / 4)) {
		clock.Advance(interval * 6 / 5)
		obs.next(t)
		if len(srv.Rollbacks()) > before {
			break
		}
	}
	if len(srv.Rollbacks()) == before {
		clock.Advance(interval * 6 / 5)
		obs.next(t)
	}
	assert.Equal(t, before+1, len(srv.Rollbacks()), "tried once its next try came")
	assert.GreaterOrEqual(t, clock.Now(), e.NextTry.Add(-interval/4), "not before its next try")
	assert.Equal(t, jupico.JournalOutcomeRolledBack, byRef(t, j, "order-1").Outcome)
	tx, _ := srv.Transaction("tx_000001")
	assert.Equal(t, 1, tx.Rollbacks)
	assert.Zero(t, c2.Owed().Count)
}

// Close stops the background recovery at once, even mid-rollback; what
// it was doing stays owed.
func TestCloseStopsRecoveryPromptly(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	j := open(t, filepath.Join(t.TempDir(), "j"))
	obs := newSweeps()
	c := srv.Client(fast, oneTry, jupico.WithJournal(j), jupico.WithRecoveryInterval(50*time.Millisecond), jupico.WithObserver(obs))
	obs.next(t)
	srv.Inject(jupicotest.Path(salePath), jupicotest.Fault{AfterProcessing: true, Status: http.StatusInternalServerError, Times: 1})
	down := srv.Inject(jupicotest.Path(rollbackPath), jupicotest.Fault{Status: http.StatusServiceUnavailable, Times: 1})
	_, err := c.CreditCard.Sale(context.Background(), sale(2500, "order-1"))
	require.ErrorIs(t, err, jupico.ErrIndeterminate)
	require.Zero(t, down.Hits()-1)
	// The next rollback hangs: Jupico takes an hour to answer.
	hang := srv.Inject(jupicotest.Path(rollbackPath), jupicotest.Fault{Delay: time.Hour})
	require.Eventually(t, func() bool { return hang.Hits() > 0 }, 10*time.Second, time.Millisecond)

	done := make(chan error, 1)
	start := time.Now()
	go func() { done <- c.Close() }()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Close waited for a rollback that takes an hour")
	}
	assert.Less(t, time.Since(start), 10*time.Second)
	e := byRef(t, j, "order-1")
	assert.Equal(t, jupico.JournalStateRollbackOwed, e.State, "still owed, for the next process")
}

// Requests with no rollback are settled by reference: found when Jupico
// processed them, whatever operation they were.
func TestRecoveryFindsRequestsWithNoRollbackByReference(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	j := open(t, filepath.Join(t.TempDir(), "j"))
	var ev jupicotest.RollbackRecorder
	c := srv.Client(fast, jupico.WithJournal(j), jupico.WithRollbackHook(ev.Hook), jupico.WithoutBackgroundRecovery())
	ctx := context.Background()
	_, err := c.CreditCard.Sale(ctx, sale(50000, "funds"))
	require.NoError(t, err)
	srv.Settle()
	plan, err := c.Plans.Create(ctx, &jupico.PlanRequest{SubMerchantID: merchant, Name: "Gold", Amount: jupico.Cents(900), Frequency: jupico.FrequencyMonthly})
	require.NoError(t, err)

	for _, path := range []string{"/v1/payouts/create", "/v1/subscriptions", "/v1/transactions/echeck/sale"} {
		srv.Inject(jupicotest.Path(path), jupicotest.Fault{AfterProcessing: true, Status: http.StatusInternalServerError, Times: 1})
	}
	_, err = c.Payouts.Create(ctx, &jupico.PayoutRequest{SubMerchantID: merchant, Amount: jupico.Cents(500), Reference: "po-1"})
	require.ErrorIs(t, err, jupico.ErrIndeterminate)
	_, err = c.Subscriptions.Create(ctx, &jupico.SubscriptionRequest{SubMerchantID: merchant, PlanID: plan.ID, CustomerID: "cus-1",
		PaymentToken: jupico.PermanentToken("card", "tok_visa_4242"), Reference: "sub-1"})
	require.ErrorIs(t, err, jupico.ErrIndeterminate)
	_, err = c.ECheck.Sale(ctx, &jupico.ChargeRequest{SubMerchantID: merchant, Amount: jupico.Cents(700),
		PaymentToken: jupico.PermanentToken("bank", "tok_bank_1"), Reference: "ach-1"})
	require.ErrorIs(t, err, jupico.ErrIndeterminate)

	rep, err := c.Recover(ctx)
	require.NoError(t, err)
	assert.Equal(t, 3, rep.Found)
	assert.Zero(t, rep.Owed)
	want := map[string]string{"po-1": `^po_`, "sub-1": `^sub_`, "ach-1": `^tx_`}
	for ref, id := range want {
		e := byRef(t, j, ref)
		assert.Equal(t, jupico.JournalOutcomeFound, e.Outcome, ref)
		assert.Regexp(t, id, e.TransactionID, ref)
		assert.NotEmpty(t, e.FoundStatus, ref)
	}
	found := 0
	for _, x := range ev.Events() {
		if x.Result == jupico.RollbackResultFound {
			found++
			assert.Contains(t, want, x.Reference)
			assert.NotEmpty(t, x.TransactionID)
		}
	}
	assert.Equal(t, 3, found)
	for _, path := range []string{"/v1/payouts/create", "/v1/subscriptions", "/v1/transactions/echeck/sale"} {
		assert.Equal(t, 1, len(srv.RequestsTo(path)), "%s is never sent again", path)
	}
}

// A request Jupico never processed is asked for at each sweep (its query
// may lag) and reported absent once the grace period has passed; it is
// never sent again. One Jupico processed, whose query lags, is found once
// the query shows it.
func TestRecoveryReportsAbsentAfterTheGracePeriod(t *testing.T) {
	t.Parallel()
	const interval = time.Minute
	srv := jupicotest.NewServer(t)
	j := open(t, filepath.Join(t.TempDir(), "j"))
	clock := fakeclock.New()
	obs := newSweeps()
	var ev jupicotest.RollbackRecorder
	c := srv.Client(fast, jupico.WithJournal(j), jupico.WithRollbackHook(ev.Hook), jupico.WithClock(clock), jupico.WithObserver(obs),
		jupico.WithRecoveryInterval(interval), jupico.WithReconcileGrace(10*time.Minute))
	obs.next(t)
	ctx := context.Background()
	_, err := c.CreditCard.Sale(ctx, sale(50000, "funds"))
	require.NoError(t, err)
	srv.Settle()

	// po-lost never reached Jupico's ledger; po-late did, but the query
	// lags it.
	srv.Inject(jupicotest.BodyContains(`"po-lost"`), jupicotest.Fault{Status: http.StatusInternalServerError, Times: 1})
	srv.Inject(jupicotest.BodyContains(`"po-late"`), jupicotest.Fault{AfterProcessing: true, Status: http.StatusInternalServerError, Times: 1})
	srv.SetQueryLag(time.Hour)
	for _, ref := range []string{"po-lost", "po-late"} {
		_, err = c.Payouts.Create(ctx, &jupico.PayoutRequest{SubMerchantID: merchant, Amount: jupico.Cents(500), Reference: ref})
		require.ErrorIs(t, err, jupico.ErrIndeterminate)
	}
	clock.Advance(interval * 6 / 5)
	info := obs.next(t)
	assert.Equal(t, 2, info.Pending, "not found yet: asked again next sweep")
	assert.Equal(t, 2, info.Owed)
	assert.Equal(t, jupico.JournalStateLookupOwed, byRef(t, j, "po-late").State)

	srv.SetQueryLag(0) // the query catches up
	clock.Advance(interval * 6 / 5)
	info = obs.next(t)
	assert.Equal(t, 1, info.Found)
	assert.Equal(t, jupico.JournalOutcomeFound, byRef(t, j, "po-late").Outcome)

	for clock.Now().Sub(fakeclock.Start) < 12*time.Minute {
		clock.Advance(interval * 6 / 5)
		info = obs.next(t)
	}
	e := byRef(t, j, "po-lost")
	assert.Equal(t, jupico.JournalOutcomeAbsent, e.Outcome)
	assert.Zero(t, info.Owed)
	var absent []jupico.RollbackEvent
	for _, x := range ev.Events() {
		if x.Result == jupico.RollbackResultAbsent {
			absent = append(absent, x)
		}
	}
	require.Len(t, absent, 1)
	assert.Equal(t, "po-lost", absent[0].Reference)
	assert.True(t, errors.Is(absent[0].Err, jupico.ErrAbsent))
	assert.Contains(t, absent[0].Err.Error(), "safe to send again")
	lookups := 0
	for _, r := range srv.RequestsTo("/v1/query/payoutInstructions") {
		if bytes.Contains(r.Body, []byte(`"po-lost"`)) {
			lookups++
		}
	}
	assert.GreaterOrEqual(t, lookups, 8, "asked at each sweep of the grace period")
	assert.Equal(t, 2, len(srv.RequestsTo("/v1/payouts/create")), "nothing is ever sent again")
}

// A rollback body read from the journal passes the checks of the original
// transaction before it is sent: one a crafted or damaged journal holds
// (a card number, no payment token, a string) is reported for a person,
// and nothing is sent.
func TestRecoveryRefusesARollbackBodyItWouldNotHaveSent(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	j := open(t, filepath.Join(t.TempDir(), "j"))
	ctx := context.Background()
	bodies := map[string]string{
		"pan":    `{"subMerchantId":"m1","amount":25.00,"paymentToken":{"type":"card","token":"tok"},"description":"4111 1111 1111 1111","reference":"pan"}`,
		"notok":  `{"subMerchantId":"m1","amount":25.00,"reference":"notok"}`,
		"string": `"{\"reference\":\"string\"}"`,
	}
	for ref, body := range bodies {
		now := time.Now()
		require.NoError(t, j.Record(ctx, &jupico.JournalEntry{ID: fmt.Sprintf("%032x", now.UnixNano()), Operation: "creditcard.sale", Reference: ref,
			Body: []byte(body), State: jupico.JournalStateIntent, Created: now, Updated: now}))
	}
	var ev jupicotest.RollbackRecorder
	c := srv.Client(jupico.WithJournal(j), jupico.WithoutBackgroundRecovery(), jupico.WithRollbackHook(ev.Hook))
	rep, err := c.Recover(ctx)
	require.NoError(t, err)
	assert.Equal(t, len(bodies), rep.Reconcile)
	assert.Zero(t, rep.RolledBack)
	assert.Empty(t, srv.Requests(), "nothing was sent")
	require.Len(t, ev.Events(), len(bodies))
	for _, x := range ev.Events() {
		assert.ErrorIs(t, x.Err, jupico.ErrReconcile)
		assert.ErrorIs(t, x.Err, jupico.ErrValidation)
		assert.NotContains(t, x.Err.Error(), "4111", "the refusal never echoes the body")
	}
	for ref := range bodies {
		assert.Equal(t, jupico.JournalOutcomeReconcile, byRef(t, j, ref).Outcome, ref)
	}
}

// Sweeps run one at a time: the background recovery sweeping every
// millisecond and four callers of Recover at once send each owed rollback
// exactly once.
func TestConcurrentSweepsSendEachRollbackOnce(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	j := open(t, filepath.Join(t.TempDir(), "j"))
	c := srv.Client(fast, oneTry, jupico.WithJournal(j), jupico.WithRecoveryInterval(time.Hour))
	ctx := context.Background()
	const sales = 20
	srv.Inject(jupicotest.Path(salePath), jupicotest.Fault{AfterProcessing: true, Status: http.StatusInternalServerError, Times: sales})
	down := srv.Inject(jupicotest.Path(rollbackPath), jupicotest.Fault{Status: http.StatusServiceUnavailable})
	for i := range sales {
		_, err := c.CreditCard.Sale(ctx, sale(2500, fmt.Sprintf("order-%d", i)))
		require.ErrorIs(t, err, jupico.ErrIndeterminate)
	}
	require.NoError(t, c.Close())
	down.Remove()

	c2 := srv.Client(jupico.WithJournal(j), jupico.WithRecoveryInterval(time.Millisecond))
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			_, err := c2.Recover(ctx)
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	require.Eventually(t, func() bool { return c2.Owed().Count == 0 && c2.Owed().Swept.After(time.Time{}) }, 10*time.Second, time.Millisecond)
	txs := srv.Transactions()
	require.Len(t, txs, sales)
	for _, tx := range txs {
		assert.Equal(t, 1, tx.Rollbacks, "%s rolled back %d times", tx.Reference, tx.Rollbacks)
	}
}

// A sweep every millisecond alongside 400 live sales never rolls back a
// sale its caller is about to hear approved: a transaction in flight, or
// released while the sweep ran, is its caller's.
func TestSweepsAlongsideLiveTrafficLeaveApprovedSalesAlone(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	j := open(t, filepath.Join(t.TempDir(), "j"))
	c := srv.Client(fast, jupico.WithJournal(j), jupico.WithRecoveryInterval(time.Millisecond))
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				_, err := c.CreditCard.Sale(ctx, sale(2500, fmt.Sprintf("live-%d-%d", g, i)))
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	assert.Empty(t, srv.Rollbacks(), "no approved sale was rolled back")
	for _, tx := range srv.Transactions() {
		assert.Equal(t, jupico.Cents(2500), tx.Captured, tx.Reference)
	}
	all, err := j.Entries(ctx)
	require.NoError(t, err)
	for _, e := range all {
		assert.Equal(t, jupico.JournalOutcomeApproved, e.Outcome, e.Reference)
	}
}
