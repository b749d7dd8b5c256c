//go:build linux

package journal_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/internal/testkit/crashtest"
	"github.com/jupico/jupico-go/internal/testkit/fakeclock"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/journal"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// A child process runs one sale and is killed with SIGKILL at a point of
// its life; a fresh process opens the same journal and recovers. Whatever
// the point: a sale the fake processed whose outcome was never recorded is
// rolled back exactly once; a sale recorded as approved is never rolled
// back; a sale that never reached the fake is rolled back harmlessly (the
// fake acknowledges a rollback of a sale it does not know, as Jupico
// does) or was never recorded.
func TestKillAtEachPoint(t *testing.T) {
	t.Parallel()
	const ref = "order-1"
	cases := []struct {
		point string
		// arrange injects faults on the fake before the child starts;
		// ready reports when to kill (nil: at the child's AT line).
		arrange func(srv *jupicotest.Server)
		ready   func(srv *jupicotest.Server) bool
		// processed is whether the fake processed the sale; journaled
		// whether the intent made it to disk.
		processed, journaled bool
	}{
		{point: crashtest.BeforeIntent, processed: false, journaled: false},
		{point: crashtest.AfterIntent, processed: false, journaled: true},
		{point: "processed, answer not read", processed: true, journaled: true,
			arrange: func(srv *jupicotest.Server) {
				srv.Inject(jupicotest.Path(salePath), jupicotest.Fault{AfterProcessing: true, Delay: time.Hour})
			},
			ready: func(srv *jupicotest.Server) bool { return len(srv.Transactions()) == 1 }},
		{point: crashtest.BeforeOutcome, processed: true, journaled: true},
		{point: "during the rollback's retries", processed: true, journaled: true,
			arrange: func(srv *jupicotest.Server) {
				srv.Inject(jupicotest.Path(salePath), jupicotest.Fault{Status: http.StatusInternalServerError, AfterProcessing: true})
				srv.Inject(jupicotest.Path(rollbackPath), jupicotest.Fault{Status: http.StatusServiceUnavailable})
			},
			ready: func(srv *jupicotest.Server) bool { return len(srv.Rollbacks()) >= 3 }},
	}
	for _, tc := range cases {
		t.Run(tc.point, func(t *testing.T) {
			t.Parallel()
			srv := jupicotest.NewServer(t)
			env := append(crashtest.FakeEnv(t, srv), "JOURNAL_PATH="+filepath.Join(t.TempDir(), "j"), "REFS="+ref, "CONCURRENCY=1",
				"KILL_POINT="+tc.point, "KILL_REF="+ref)
			if tc.arrange != nil {
				tc.arrange(srv)
			}
			c := crashtest.Start(t, "sales", env...)
			if tc.ready == nil {
				c.Await(t, "AT "+tc.point, time.Minute)
			} else {
				require.Eventually(t, func() bool { return tc.ready(srv) }, time.Minute, 5*time.Millisecond)
			}
			c.Kill(t)
			rollbacksBefore := len(srv.Rollbacks())
			srv.Reset() // the faults end with the process; requests are counted from here

			r := crashtest.Recover(t, env)
			found, rolledBack := r.Found, r.RolledBack
			assert.Zero(t, r.Failed)
			txs := srv.Transactions()
			if tc.processed {
				require.Len(t, txs, 1)
				assert.Zero(t, txs[0].Captured, "the charge is reversed")
				assert.Equal(t, 1, txs[0].Rollbacks, "rolled back exactly once (refused attempts before the kill do not count)")
			} else {
				assert.Empty(t, txs, "the sale never reached the fake")
			}
			if tc.journaled {
				assert.Equal(t, 1, found)
				assert.Equal(t, 1, rolledBack)
				assert.Len(t, srv.Rollbacks(), 1, "one rollback from the recovery")
			} else {
				assert.Zero(t, found, "an intent that never reached the disk is not there to recover")
				assert.Empty(t, srv.Rollbacks())
			}
			t.Logf("%s: found %d, rolled back %d; %d rollback attempts before the kill", tc.point, found, rolledBack, rollbacksBefore)

			// And the journal agrees: nothing owed.
			j := open(t, envValue(env, "JOURNAL_PATH"))
			all, err := j.Entries(context.Background())
			require.NoError(t, err)
			for _, e := range all {
				assert.True(t, e.Done(), "%s left %s", e.Reference, e.State)
			}
		})
	}
}

// A sale the child finished and recorded is never rolled back, by any
// number of recoveries.
func TestRecordedApprovalIsNeverRolledBack(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	env := append(crashtest.FakeEnv(t, srv), "JOURNAL_PATH="+filepath.Join(t.TempDir(), "j"), "REFS=a,b,c", "CONCURRENCY=3")
	lines := crashtest.Start(t, "sales", env...).Wait(t, time.Minute)
	assert.Len(t, lines, 3)
	for range 2 {
		assert.Zero(t, crashtest.Recover(t, env).Found)
	}
	assert.Empty(t, srv.Rollbacks())
	for _, tx := range srv.Transactions() {
		assert.Equal(t, jupico.Cents(1000), tx.Captured)
	}
}

func envValue(env []string, key string) string {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, key+"="); ok {
			return v
		}
	}
	return ""
}

// TestThousandSalesWithRandomKills runs 1,000 sales through children
// killed at random moments, with random faults at the fake, and recovers
// after each with children that are themselves killed at random
// (a crash during recovery), until a recovery completes. A sale a killed
// child never started goes to the next child, so every one of the 1,000
// is attempted. Then it reconciles the fake's ledger with the journal:
// every processed sale is either recorded as approved and never rolled
// back, or rolled back; none is lost (processed, unrecorded, not
// reversed) or doubled (processed twice, or reversed although recorded as
// approved).
func TestThousandSalesWithRandomKills(t *testing.T) {
	t.Parallel()
	const total, perChild = 1000, 100
	rng := rand.New(rand.NewPCG(2026, 12))
	srv := jupicotest.NewServer(t)
	path := filepath.Join(t.TempDir(), "j")
	base := append(crashtest.FakeEnv(t, srv), "JOURNAL_PATH="+path)
	var queue []string
	for i := range total {
		ref := "r" + strconv.Itoa(i)
		queue = append(queue, ref)
		// Only the sale: its rollback carries the same body.
		this := jupicotest.And(jupicotest.Path(salePath), jupicotest.BodyContains(`"`+ref+`"`))
		switch rng.IntN(10) {
		case 0: // processed, then the answer is lost
			srv.Inject(this, jupicotest.Fault{DropConnection: true, AfterProcessing: true})
		case 1: // slow: likely in flight when the child dies
			srv.Inject(this, jupicotest.Fault{AfterProcessing: rng.IntN(2) == 0, Delay: 300 * time.Millisecond, Times: 1})
		case 2: // outcome unknown: the child rolls it back (if it lives)
			srv.Inject(this, jupicotest.Fault{Status: http.StatusInternalServerError, AfterProcessing: rng.IntN(2) == 0})
		}
	}
	var found, rounds, recoveries, crashedRecoveries, killedChildren int
	told := map[string]bool{}
	for len(queue) > 0 {
		rounds++
		require.Less(t, rounds, 100, "sales are not getting through: %d left", len(queue))
		n := min(perChild, len(queue))
		refs := queue[:n]
		queue = queue[n:]
		// Now and then Jupico refuses rollbacks for a while.
		var refuse *jupicotest.Injection
		if rng.IntN(3) == 0 {
			refuse = srv.Inject(jupicotest.Path(rollbackPath), jupicotest.Fault{Status: http.StatusServiceUnavailable})
		}
		c := crashtest.Start(t, "sales", append(base, "REFS="+strings.Join(refs, ","), "CONCURRENCY=16")...)
		var said []string
		select {
		case <-time.After(time.Duration(20+rng.IntN(600)) * time.Millisecond):
			said = c.Kill(t)
			killedChildren++
		case err := <-c.Done:
			require.NoError(t, err)
			said = c.Rest()
		}
		for _, ref := range crashtest.Told(said) {
			told[ref] = true // the caller heard: approved
		}
		if refuse != nil {
			refuse.Remove()
		}
		// Recover, crashing now and then part-way, until one completes.
		for {
			recoveries++
			rc := crashtest.Start(t, "recover", base...)
			if rng.IntN(3) == 0 {
				time.Sleep(time.Duration(rng.IntN(60)) * time.Millisecond)
				rc.Kill(t)
				crashedRecoveries++
				continue
			}
			r := crashtest.ParseRecovery(t, rc.Wait(t, 2*time.Minute))
			found += r.Found
			require.Zero(t, r.Failed, "nothing refuses rollbacks during recovery")
			break
		}
		// The sales the child never started go to the next one.
		started := map[string]bool{}
		for _, e := range journalEntries(t, path) {
			started[e.Reference] = true
		}
		for _, ref := range refs {
			if !started[ref] {
				queue = append(queue, ref)
			}
		}
	}

	// Reconcile the fake with the journal.
	entries := journalEntries(t, path)
	require.Len(t, entries, total, "every sale was attempted once")
	approved := map[string]bool{}
	for _, e := range entries {
		assert.True(t, e.Done(), "%s left %s", e.Reference, e.State)
		if e.Outcome == jupico.JournalOutcomeApproved {
			approved[e.Reference] = true
		}
	}
	var processed, rolledBack, doubled, lost, repeated int
	seen := map[string]bool{}
	for _, tx := range srv.Transactions() {
		processed++
		if seen[tx.Reference] {
			doubled++ // processed twice
		}
		seen[tx.Reference] = true
		reversed := tx.Captured == 0 && tx.Rollbacks > 0
		if told[tx.Reference] {
			assert.True(t, approved[tx.Reference], "%s: the caller heard approved before the journal had it", tx.Reference)
		}
		switch {
		case (approved[tx.Reference] || told[tx.Reference]) && tx.Rollbacks > 0:
			doubled++ // reversed although the caller was told it went through
		case approved[tx.Reference]:
		case reversed:
			rolledBack++
			if tx.Rollbacks > 1 {
				repeated++ // a recovery crashed after its rollback left: sent again, no further effect
			}
		default:
			lost++
		}
	}
	t.Logf("%d sales over %d children (%d killed), %d processed by the fake, %d approved (%d heard by their callers before a kill or the end); %d recoveries (%d crashed part-way)",
		total, rounds, killedChildren, processed, len(approved), len(told), recoveries, crashedRecoveries)
	t.Logf("found %d / rolled back %d / doubled %d / lost %d (rollbacks repeated after a crash in recovery, without effect: %d)",
		found, rolledBack, doubled, lost, repeated)
	assert.Zero(t, doubled, "doubled")
	assert.Zero(t, lost, "lost")
	assert.Positive(t, killedChildren)
	assert.Positive(t, crashedRecoveries)
	assert.Positive(t, rolledBack)
}

// journalEntries opens the journal at path (no child may hold it) and
// returns its entries.
func journalEntries(t *testing.T, path string) []jupico.JournalEntry {
	t.Helper()
	j, err := journal.Open(path)
	require.NoError(t, err)
	defer j.Close()
	entries, err := j.Entries(context.Background())
	require.NoError(t, err)
	return entries
}

// A full disk refuses new transactions with ErrJournal, and loses no
// recorded intent: the child runs sales under a file-size limit until the
// journal cannot grow.
func TestFullDiskRefusesAndLosesNothing(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	path := filepath.Join(t.TempDir(), "j")
	env := append(crashtest.FakeEnv(t, srv), "JOURNAL_PATH="+path, "LIMIT="+strconv.Itoa(256<<10))
	lines := crashtest.Start(t, "fill", env...).Wait(t, 2*time.Minute)
	require.NotEmpty(t, lines)
	last := lines[len(lines)-1]
	require.True(t, strings.HasPrefix(last, "FULL "), "%q", lines)
	sent, err := strconv.Atoi(strings.Fields(last)[1])
	require.NoError(t, err)
	t.Logf("%s", last)
	assert.Positive(t, sent)
	assert.Contains(t, last, "file too large", "the journal's write failed on the size limit")

	assert.Len(t, srv.RequestsTo(salePath), sent, "the refused sale was not sent")
	j := open(t, path)
	entries, err := j.Entries(context.Background())
	require.NoError(t, err)
	approved := 0
	for _, e := range entries {
		if e.Outcome == jupico.JournalOutcomeApproved {
			approved++
		}
	}
	assert.Equal(t, sent, approved, "every sale sent is recorded, with its outcome")
}

// Payouts have no rollback: killed children leave them to be settled by
// reference. 300 payouts run in ten children, with faults at the fake,
// and each child is killed at a kill point of one of its payouts (before
// its intent is synced, after, once the fake processed it, after the
// answer), its other payouts wherever they stand then. Recovery finds
// every payout the fake processed and reports the others absent once the
// grace period has passed on its clock; no payout is ever sent twice.
func TestPayoutsKilledAtRandomPointsAreSettledByReference(t *testing.T) {
	t.Parallel()
	const children, perChild = 10, 30
	rng := rand.New(rand.NewPCG(2026, 12))
	srv := jupicotest.NewServer(t)
	ctx := context.Background()
	funds := srv.Client()
	_, err := funds.CreditCard.Sale(ctx, &jupico.ChargeRequest{SubMerchantID: crashtest.Merchant, Amount: jupico.Cents(1_000_000),
		PaymentToken: jupico.PermanentToken("card", "tok_visa_4242")})
	require.NoError(t, err)
	srv.Settle()

	points := []string{crashtest.BeforeIntent, crashtest.AfterIntent, "processed, answer not read", crashtest.BeforeOutcome}
	type run struct {
		child *crashtest.Child
		path  string
	}
	runs := make([]run, children)
	for i := range children {
		var refs []string
		point, victim := points[i%len(points)], fmt.Sprintf("po-%d-%d", i, rng.IntN(perChild))
		for k := range perChild {
			ref := fmt.Sprintf("po-%d-%d", i, k)
			refs = append(refs, ref)
			if ref == victim {
				continue // killed at its point, not faulted
			}
			this := jupicotest.And(jupicotest.Path(payoutPath), jupicotest.BodyContains(`"`+ref+`"`))
			switch rng.IntN(10) {
			case 0: // processed, then the answer is an error
				srv.Inject(this, jupicotest.ProcessThenError(http.StatusInternalServerError))
			case 1: // processed, then the connection breaks
				srv.Inject(this, jupicotest.ProcessThenDrop())
			case 2: // not processed, and the answer is an error
				srv.Inject(this, jupicotest.Fault{Status: http.StatusInternalServerError})
			case 3, 4: // slow: in flight when the child dies
				srv.Inject(this, jupicotest.Fault{AfterProcessing: rng.IntN(2) == 0, Delay: time.Duration(rng.IntN(300)) * time.Millisecond})
			}
		}
		if point == "processed, answer not read" {
			srv.Inject(jupicotest.And(jupicotest.Path(payoutPath), jupicotest.BodyContains(`"`+victim+`"`)),
				jupicotest.Fault{AfterProcessing: true, Delay: time.Hour})
		}
		path := filepath.Join(t.TempDir(), "j")
		env := append(crashtest.FakeEnv(t, srv), "JOURNAL_PATH="+path, "REFS="+strings.Join(refs, ","), "CONCURRENCY=8",
			"OPERATION=payout", "KILL_POINT="+point, "KILL_REF="+victim)
		runs[i] = run{crashtest.Start(t, "sales", env...), path}
		if point == "processed, answer not read" {
			require.Eventually(t, func() bool { return payoutOf(t, funds, victim) != nil }, time.Minute, 5*time.Millisecond)
		} else {
			runs[i].child.Await(t, "AT "+point, time.Minute)
		}
		runs[i].child.Kill(t)
	}
	sends := map[string]int{}
	for _, r := range srv.RequestsTo(payoutPath) {
		sends[referenceIn(r.Body)]++
	}
	srv.Reset() // the faults end with the children

	var found, absent, approved, unsent int
	settled := map[string]jupico.JournalOutcome{}
	for _, r := range runs {
		clock := fakeclock.NewAt(time.Now())
		j := open(t, r.path)
		c := srv.Client(jupico.WithJournal(j), jupico.WithClock(clock), jupico.WithoutBackgroundRecovery())
		_, err := c.Recover(ctx)
		require.NoError(t, err)
		clock.Advance(jupico.DefaultReconcileGrace + time.Minute)
		_, err = c.Recover(ctx)
		require.NoError(t, err)
		all, err := j.Entries(ctx)
		require.NoError(t, err)
		for _, e := range all {
			require.True(t, e.Done(), "%s left %s", e.Reference, e.State)
			settled[e.Reference] = e.Outcome
			p := payoutOf(t, funds, e.Reference)
			switch e.Outcome {
			case jupico.JournalOutcomeFound:
				found++
				require.NotNil(t, p, "%s found, so the fake has it", e.Reference)
				assert.Equal(t, p.ID, e.TransactionID, e.Reference)
			case jupico.JournalOutcomeAbsent:
				absent++
				assert.Nil(t, p, "%s reported absent, but the fake processed it", e.Reference)
			case jupico.JournalOutcomeApproved:
				approved++
				require.NotNil(t, p, e.Reference)
			case jupico.JournalOutcomeNotProcessed:
				unsent++
				assert.Nil(t, p, e.Reference)
			default:
				t.Errorf("%s: outcome %q", e.Reference, e.Outcome)
			}
		}
		require.NoError(t, c.Close())
	}
	page, err := funds.Query.PayoutInstructions(ctx, &jupico.ListFilter{SubMerchantID: crashtest.Merchant, Limit: jupico.MaxPageSize})
	require.NoError(t, err)
	for _, p := range page.Items {
		assert.Contains(t, []jupico.JournalOutcome{jupico.JournalOutcomeApproved, jupico.JournalOutcomeFound}, settled[p.Reference],
			"%s: processed by the fake, so approved or found", p.Reference)
	}
	for ref, n := range sends {
		assert.Equal(t, 1, n, "%s sent %d times", ref, n)
	}
	assert.Empty(t, srv.RequestsTo(payoutPath), "recovery never sends a payout")
	assert.Positive(t, found, "some processed payouts were left unknown")
	assert.Positive(t, absent, "some unprocessed payouts were left unknown")
	t.Logf("%d payouts: %d processed by the fake; journal: %d approved, %d found, %d absent, %d not processed",
		children*perChild, len(page.Items), approved, found, absent, unsent)
}

const payoutPath = "/v1/payouts/create"

// payoutOf returns the fake's payout with reference ref, or nil.
func payoutOf(t *testing.T, c *jupico.Client, ref string) *jupico.Payout {
	t.Helper()
	page, err := c.Query.PayoutInstructions(context.Background(), &jupico.ListFilter{SubMerchantID: crashtest.Merchant, Limit: 1,
		Extra: map[string]any{"reference": ref}})
	require.NoError(t, err)
	if len(page.Items) == 0 {
		return nil
	}
	return page.Items[0]
}

// referenceIn returns the reference member of a request body.
func referenceIn(body []byte) string {
	_, rest, ok := strings.Cut(string(body), `"reference":"`)
	if !ok {
		return ""
	}
	ref, _, _ := strings.Cut(rest, `"`)
	return ref
}
