//go:build linux

package pgjournal_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/internal/testkit/crashtest"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
	"github.com/jupico/jupico-go/jupico/pgjournal"
)

// Three replicas (processes) sell against one fake Jupico, sharing a
// journal table, with random faults at the fake. One is killed with
// SIGKILL mid-run with sales in flight; once its lease has run out, the
// two survivors recover at the same moment. Each sale the dead replica
// left unfinished is taken by exactly one survivor and rolled back once;
// then the fake's ledger is reconciled with the journal: nothing lost,
// nothing doubled, and no sale a caller heard approved is reversed. Three
// rounds kill a different replica at a different point.
func TestReplicaKilledMidRunIsRecoveredByItsPeers(t *testing.T) {
	t.Parallel()
	for i, round := range []struct {
		kill string
		at   int // the share of its sales processed, in percent
	}{{"a", 20}, {"b", 50}, {"c", 80}} {
		t.Run(fmt.Sprintf("kill %s at %d%%", round.kill, round.at), func(t *testing.T) {
			t.Parallel()
			killedMidRun(t, uint64(i), round.kill, round.at)
		})
	}
}

func killedMidRun(t *testing.T, seed uint64, victim string, at int) {
	const perReplica, lease = 200, time.Second
	rng := rand.New(rand.NewPCG(2026, seed))
	srv := jupicotest.NewServer(t)
	table := freshTable(t)
	ctx := context.Background()
	createTables(t, table)

	names := []string{"a", "b", "c"}
	replicas := map[string]*crashtest.Child{}
	for _, name := range names {
		refs := faultedSales(srv, rng, name, perReplica)
		env := append(crashtest.FakeEnv(t, srv), "JOURNAL_URL="+sharedURL, "JOURNAL_TABLE="+table, "JOURNAL_OWNER=replica-"+name,
			"JOURNAL_LEASE="+lease.String(), "REFS="+strings.Join(refs, ","), "CONCURRENCY=16")
		replicas[name] = crashtest.Start(t, "replica", env...)
	}

	var survivors []string
	for _, name := range names {
		if name != victim {
			survivors = append(survivors, name)
		}
	}
	// Kill the victim once the fake has processed its share of its sales.
	require.Eventually(t, func() bool { return processedOf(srv, victim) >= perReplica*at/100 }, time.Minute, time.Millisecond)
	told := map[string]bool{}
	for _, ref := range crashtest.Told(replicas[victim].Kill(t)) {
		told[ref] = true
	}
	for _, name := range survivors {
		replicas[name].Await(t, "SALES DONE", 2*time.Minute)
		for _, ref := range crashtest.Told(replicas[name].Passed()) {
			told[ref] = true
		}
	}

	// What the victim left unfinished, as the table says.
	pool := newPool(t)
	var orphans int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM "+table+" WHERE owner = $1 AND state <> 'done'", "replica-"+victim).Scan(&orphans))
	require.Positive(t, orphans, "the victim died with sales in flight")
	// Its lease runs out; the survivors are live.
	require.Eventually(t, func() bool {
		var live int
		_ = pool.QueryRow(ctx, "SELECT count(*) FROM "+table+"_leases WHERE expires > now()").Scan(&live)
		return live == 2
	}, 10*lease, 20*time.Millisecond)

	srv.Reset() // faults end; rollbacks are counted from here
	for _, name := range survivors {
		replicas[name].Send(t, "recover")
	}
	var found, rolledBack int
	for _, name := range survivors {
		r := crashtest.ParseRecovery(t, []string{replicas[name].Await(t, "RECOVERED", 2*time.Minute)})
		assert.Zero(t, r.Failed)
		found += r.Found
		rolledBack += r.RolledBack
		t.Logf("replica %s recovered %d", name, r.Found)
	}
	for _, name := range survivors {
		replicas[name].CloseInput()
		for _, ref := range crashtest.Told(replicas[name].Wait(t, time.Minute)) {
			told[ref] = true
		}
	}
	assert.Equal(t, orphans, found, "every orphan taken by exactly one survivor")
	assert.Equal(t, orphans, rolledBack)
	perRef := map[string]int{}
	for _, r := range srv.Rollbacks() {
		for _, name := range names {
			if ref := referenceIn(string(r.Body)); strings.HasPrefix(ref, name) {
				perRef[ref]++
			}
		}
	}
	assert.Len(t, perRef, orphans, "one rollback per orphan during recovery")
	for ref, n := range perRef {
		assert.Equal(t, 1, n, "%s rolled back %d times during recovery", ref, n)
		assert.True(t, strings.HasPrefix(ref, victim), "%s: only the dead replica's sales are recovered", ref)
	}

	// Reconcile the fake with the journal.
	j := open(t, table)
	entries, err := j.Entries(ctx)
	require.NoError(t, err)
	approved := map[string]bool{}
	for _, e := range entries {
		assert.True(t, e.Done(), "%s left %s", e.Reference, e.State)
		if e.Outcome == jupico.JournalOutcomeApproved {
			approved[e.Reference] = true
		}
	}
	var processed, reversed, doubled, lost int
	seen := map[string]bool{}
	for _, tx := range srv.Transactions() {
		processed++
		if seen[tx.Reference] {
			doubled++
		}
		seen[tx.Reference] = true
		if told[tx.Reference] {
			assert.True(t, approved[tx.Reference], "%s: the caller heard approved before the journal had it", tx.Reference)
		}
		switch {
		case approved[tx.Reference] && tx.Rollbacks > 0:
			doubled++ // reversed although recorded approved
		case approved[tx.Reference]:
		case tx.Captured == 0 && tx.Rollbacks > 0:
			reversed++
		default:
			lost++
		}
	}
	t.Logf("%d sales by 3 replicas, %s killed: %d processed, %d approved (%d heard approved), %d orphans taken over, %d reversed in all; doubled %d, lost %d",
		3*perReplica, victim, processed, len(approved), len(told), orphans, reversed, doubled, lost)
	assert.Zero(t, doubled, "doubled")
	assert.Zero(t, lost, "lost")
}

// faultedSales returns the references of n sales of a replica, with random
// faults injected at srv for a share of them: processed with the answer
// lost, slow (likely in flight when a replica dies), or of unknown outcome.
func faultedSales(srv *jupicotest.Server, rng *rand.Rand, replica string, n int) []string {
	refs := make([]string, 0, n)
	for i := range n {
		ref := fmt.Sprintf("%s%d", replica, i)
		refs = append(refs, ref)
		this := jupicotest.And(jupicotest.Path(salePath), jupicotest.BodyContains(`"`+ref+`"`))
		switch rng.IntN(10) {
		case 0:
			srv.Inject(this, jupicotest.ProcessThenDrop())
		case 1, 2:
			srv.Inject(this, jupicotest.Fault{AfterProcessing: rng.IntN(2) == 0, Delay: 400 * time.Millisecond, Times: 1})
		case 3:
			srv.Inject(this, jupicotest.Fault{Status: http.StatusInternalServerError, AfterProcessing: rng.IntN(2) == 0})
		}
	}
	return refs
}

// createTables creates the journal's tables before replicas race to.
func createTables(t *testing.T, table string) {
	t.Helper()
	setup, err := pgjournal.Open(context.Background(), newPool(t), pgjournal.WithTable(table))
	require.NoError(t, err)
	require.NoError(t, setup.Close())
}

// processedOf counts the fake's transactions for the replica's sales.
func processedOf(srv *jupicotest.Server, replica string) int {
	n := 0
	for _, tx := range srv.Transactions() {
		if strings.HasPrefix(tx.Reference, replica) {
			n++
		}
	}
	return n
}

// referenceIn returns the reference member of a request body.
func referenceIn(body string) string {
	_, rest, ok := strings.Cut(body, `"reference":"`)
	if !ok {
		return ""
	}
	ref, _, _ := strings.Cut(rest, `"`)
	return ref
}

// Three replicas keep running, each with the background recovery on. One
// is killed with SIGKILL mid-load and restarted at once under a new owner,
// before its old lease ran out (as an orchestrator restarts a pod in
// seconds). Every sale the dead replica left unfinished is rolled back by
// a live replica within its lease plus a recovery interval, exactly once;
// none is lost, and none a caller heard approved is reversed.
func TestKilledReplicaRestartedAtOnceIsSettledByLivePeers(t *testing.T) {
	t.Parallel()
	const perReplica, lease, interval = 150, time.Second, 500 * time.Millisecond
	rng := rand.New(rand.NewPCG(2026, 21))
	srv := jupicotest.NewServer(t)
	table := freshTable(t)
	ctx := context.Background()
	createTables(t, table)

	names := []string{"a", "b", "c"}
	replica := func(owner string, refs []string) *crashtest.Child {
		env := append(crashtest.FakeEnv(t, srv), "JOURNAL_URL="+sharedURL, "JOURNAL_TABLE="+table, "JOURNAL_OWNER="+owner,
			"JOURNAL_LEASE="+lease.String(), "REFS="+strings.Join(refs, ","), "CONCURRENCY=16", "RECOVERY_INTERVAL="+interval.String())
		return crashtest.Start(t, "replica", env...)
	}
	replicas := map[string]*crashtest.Child{}
	for _, name := range names {
		replicas[name] = replica("replica-"+name, faultedSales(srv, rng, name, perReplica))
	}

	const victim = "b"
	require.Eventually(t, func() bool { return processedOf(srv, victim) >= perReplica/2 }, time.Minute, time.Millisecond)
	killed := time.Now()
	told := map[string]bool{}
	for _, ref := range crashtest.Told(replicas[victim].Kill(t)) {
		told[ref] = true
	}
	sentBefore := len(srv.Requests())
	// The pod comes back at once under a new name: the old lease still
	// holds, so the new replica must not take its sales yet.
	replicas[victim] = replica("replica-"+victim+"-2", nil)

	pool := newPool(t)
	var orphans int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM "+table+" WHERE owner = $1 AND state <> 'done'", "replica-"+victim).Scan(&orphans))
	require.Positive(t, orphans, "the victim died with sales in flight")
	// Nobody asks for a recovery: the live replicas' sweeps settle them.
	var settledAt time.Time
	require.Eventually(t, func() bool {
		var open int
		_ = pool.QueryRow(ctx, "SELECT count(*) FROM "+table+" WHERE reference LIKE $1 AND state <> 'done'", victim+"%").Scan(&open)
		if open == 0 {
			settledAt = time.Now()
		}
		return open == 0
	}, time.Minute, 10*time.Millisecond)
	took := settledAt.Sub(killed)
	t.Logf("%d sales the killed replica left were settled by its live peers %v after the kill (lease %v, interval %v)", orphans, took, lease, interval)
	// The lease runs out at most a lease after the kill; the next sweep
	// of any live replica comes within 1.2 intervals; a second of slack
	// for the sweep itself on a loaded machine.
	assert.LessOrEqual(t, took, lease+interval*6/5+time.Second, "settled within lease + interval")

	for _, name := range names {
		if name != victim {
			replicas[name].Await(t, "SALES DONE", 2*time.Minute)
		}
		replicas[name].CloseInput()
		for _, ref := range crashtest.Told(replicas[name].Wait(t, time.Minute)) {
			told[ref] = true
		}
	}
	perRef := map[string]int{}
	for _, r := range srv.Requests()[sentBefore:] {
		if r.Path == rollbackPath {
			if ref := referenceIn(string(r.Body)); strings.HasPrefix(ref, victim) {
				perRef[ref]++
			}
		}
	}
	for ref, n := range perRef {
		assert.Equal(t, 1, n, "%s rolled back %d times after the kill", ref, n)
	}

	j := open(t, table)
	entries, err := j.Entries(ctx)
	require.NoError(t, err)
	approved := map[string]bool{}
	byOwner := map[string]int{}
	for _, e := range entries {
		assert.True(t, e.Done(), "%s left %s", e.Reference, e.State)
		if e.Outcome == jupico.JournalOutcomeApproved {
			approved[e.Reference] = true
		}
		if strings.HasPrefix(e.Reference, victim) && e.Outcome == jupico.JournalOutcomeRolledBack && perRef[e.Reference] > 0 {
			byOwner[e.Owner]++
		}
	}
	assert.Zero(t, byOwner["replica-"+victim], "the dead owner settled nothing after its death")
	t.Logf("rolled back after the kill, by owner: %v", byOwner)
	var doubled, lost int
	for _, tx := range srv.Transactions() {
		if told[tx.Reference] {
			assert.True(t, approved[tx.Reference], "%s: the caller heard approved before the journal had it", tx.Reference)
		}
		switch {
		case approved[tx.Reference] && tx.Rollbacks > 0:
			doubled++
		case approved[tx.Reference], tx.Captured == 0 && tx.Rollbacks > 0:
		default:
			lost++
		}
	}
	assert.Zero(t, doubled, "a sale recorded approved was reversed")
	assert.Zero(t, lost, "a sale charged and neither approved nor reversed")
}
