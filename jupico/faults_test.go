package jupico_test

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// Faults a real network and real proxies produce, injected through the
// fake over real TLS. The rules under test: an answer the client cannot
// read leaves a transaction's outcome unknown, so it is never retried and
// is rolled back exactly once; a read is retried where that is safe; a
// request that never left is not rolled back; every call ends by its
// deadline.

// truncated is a success envelope cut off mid-way.
var truncated = []byte(`{"success":true,"status":"succeeded","data":{"transactionId":"tx_0`)

// htmlPage is what a proxy in front of Jupico might answer.
var htmlPage = []byte("<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>\n")

func TestSaleFaultsAreRolledBackOnce(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		fault jupicotest.Fault
		// kind is the sentinel the cause matches; nil when the answer
		// arrived whole but could not be read.
		kind error
		// processed is whether the fake moved the money before the fault.
		processed bool
	}{
		{"connection reset mid-response", jupicotest.Fault{AfterProcessing: true, ResetAfter: 12}, jupico.ErrConnection, true},
		{"one byte a second", jupicotest.Fault{AfterProcessing: true, Drip: time.Second}, jupico.ErrTimeout, true},
		{"truncated json", jupicotest.Fault{AfterProcessing: true, Body: truncated}, nil, true},
		{"10 MiB of junk", jupicotest.Fault{AfterProcessing: true, BodySize: 10 << 20}, jupico.ErrResponseTooLarge, true},
		{"html page labelled text/html", jupicotest.Fault{AfterProcessing: true, Body: htmlPage, ContentType: "text/html"}, nil, true},
		{"connection dropped before processing", jupicotest.Fault{DropConnection: true}, jupico.ErrConnection, false},
		{"gateway html 502 before processing", jupicotest.Fault{Status: http.StatusBadGateway, Body: htmlPage, ContentType: "text/html"}, jupico.ErrServerError, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := jupicotest.NewServer(t)
			srv.InjectFault(salePath, tc.fault)
			var hooks jupicotest.RollbackRecorder
			c := srv.Client(fast, jupico.WithTransactionTimeout(1500*time.Millisecond), jupico.WithRollbackHook(hooks.Hook))

			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			tx, err := c.CreditCard.Sale(ctx, charge(4200))
			require.NoError(t, ctx.Err(), "the call returns by its own deadline, long before the caller's")
			assert.Nil(t, tx)
			require.ErrorIs(t, err, jupico.ErrIndeterminate)
			assert.ErrorIs(t, err, jupico.ErrRolledBack)
			if tc.kind != nil {
				assert.ErrorIs(t, err, tc.kind)
			}
			var re *jupico.RequestError
			if errors.As(err, &re) {
				assert.True(t, re.MaybeProcessed, "the request was written")
				assert.Equal(t, 1, re.Attempts)
			}

			assert.Len(t, srv.RequestsTo(salePath), 1, "an unknown outcome is never retried")
			assert.Len(t, srv.Rollbacks(), 1, "exactly one rollback")
			assert.Len(t, hooks.Events(), 1)
			txs := srv.Transactions()
			if !tc.processed {
				assert.Empty(t, txs, "nothing was processed, the rollback reverses nothing")
				return
			}
			require.Len(t, txs, 1)
			assert.Equal(t, 1, txs[0].Rollbacks)
			assert.Zero(t, txs[0].Captured, "the rollback reversed the charge")
		})
	}
}

// A response whose content type is wrong but whose body is a valid
// envelope is read by its content: the SDK never decides a payment's fate
// on a label, and an unreadable body is indeterminate whatever its label.
func TestWrongContentTypeIsJudgedByTheBody(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	srv.InjectFault(salePath, jupicotest.Fault{AfterProcessing: true, ContentType: "text/plain; charset=iso-8859-1"})
	c := srv.Client(fast)
	tx, err := c.CreditCard.Sale(context.Background(), charge(4200))
	require.NoError(t, err)
	assert.Equal(t, jupico.Cents(4200), tx.Amount)
	assert.Empty(t, srv.Rollbacks())
	txs := srv.Transactions()
	require.Len(t, txs, 1)
	assert.Zero(t, txs[0].Rollbacks)
	assert.Equal(t, jupico.Cents(4200), txs[0].Captured)
}

// Reads are safe to retry, but a body cut off mid-way is not retried by
// the SDK today (the retry loop covers the round trip, not the body read):
// a known gap, reported. What must hold either way: the error class, no
// partial result, every call ended by its own deadline, and the attempt
// count the error reports is the number of requests the fake received.
func TestReadFaults(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		fault jupicotest.Fault
		kind  error // nil: the call succeeds
		body  bool  // on success: whether the body is handed over as JSON
	}{
		{"connection reset mid-response", jupicotest.Fault{ResetAfter: 5}, jupico.ErrConnection, false},
		{"one byte a second times out", jupicotest.Fault{Drip: time.Second}, jupico.ErrTimeout, false},
		{"10 MiB of junk is refused", jupicotest.Fault{BodySize: 10 << 20}, jupico.ErrResponseTooLarge, false},
		{"truncated json still answers the health check", jupicotest.Fault{Body: truncated}, nil, false},
		{"wrong content type on a json body", jupicotest.Fault{ContentType: "text/html"}, nil, true},
		{"html page", jupicotest.Fault{Body: htmlPage, ContentType: "text/html"}, nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := jupicotest.NewServer(t)
			srv.InjectFault("/status", tc.fault)
			c := srv.Client(jupico.WithRetry(jupico.RetryPolicy{MaxAttempts: 2, MinDelay: time.Millisecond, MaxDelay: time.Millisecond}),
				jupico.WithTimeout(time.Second))
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			st, err := c.Status(ctx)
			require.NoError(t, ctx.Err(), "the call returns by its own deadline")
			if tc.kind == nil {
				require.NoError(t, err)
				assert.True(t, st.Online, "any 2xx means online")
				assert.Equal(t, tc.body, st.Body != nil, "the body is handed over only when it is JSON")
				assert.Len(t, srv.Requests(), 1)
				return
			}
			require.Error(t, err)
			assert.Nil(t, st)
			assert.ErrorIs(t, err, tc.kind)
			var re *jupico.RequestError
			require.ErrorAs(t, err, &re)
			assert.Len(t, srv.Requests(), re.Attempts, "the error counts every request sent")
			if tc.kind == jupico.ErrResponseTooLarge {
				assert.Equal(t, 1, re.Attempts, "a response too large is not retried")
			}
		})
	}
}

// A host that does not resolve: nothing left the client, so a transaction
// is neither indeterminate nor rolled back, and no retry mends it.
func TestUnresolvableHost(t *testing.T) {
	t.Parallel()
	var attempts atomic.Int32
	c, err := jupico.NewClient(
		jupico.WithBaseURL("https://nonexistent.invalid"),
		jupico.WithCredentials(credentials.Static("u", "p")),
		fast,
		jupico.WithTransportMiddleware(countAttempts(&attempts)),
	)
	require.NoError(t, err)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tx, err := c.CreditCard.Sale(ctx, charge(4200))
	assert.Nil(t, tx)
	require.Error(t, err)
	assert.ErrorIs(t, err, jupico.ErrConnection)
	assert.NotErrorIs(t, err, jupico.ErrIndeterminate, "the request never left")
	var re *jupico.RequestError
	require.ErrorAs(t, err, &re)
	assert.False(t, re.MaybeProcessed)
	var dns *net.DNSError
	require.ErrorAs(t, err, &dns, "the resolver's error stays reachable")
	if dns.IsNotFound {
		assert.Equal(t, 1, re.Attempts, "a name that does not exist is not retried")
	} else {
		// No resolver answered at all (a machine without DNS): that is
		// temporary, and a request that never left may be retried.
		t.Logf("resolver unavailable (%v): retried %d times", dns, re.Attempts)
	}
	assert.EqualValues(t, re.Attempts, attempts.Load())
}

// mixOutcome is what a caller sees of a sale.
type mixOutcome string

const (
	mixApproved      mixOutcome = "approved"
	mixDeclined      mixOutcome = "declined"
	mixRejected      mixOutcome = "rejected"
	mixUnavailable   mixOutcome = "unavailable"
	mixIndeterminate mixOutcome = "indeterminate"
)

// mixKind is one kind of sale in the mixed run: its fault (nil for none),
// what the caller must see and whether the money moved at the fake.
type mixKind struct {
	name    string
	fault   *jupicotest.Fault
	decline bool
	// stall marks a fault that holds the answer back for longer than the
	// test runs: the caller gives up mid-request (its context is cancelled
	// once the fake has the request, and has processed it when the fault
	// comes after processing).
	stall     bool
	want      mixOutcome
	processed bool
}

var mixKinds = []mixKind{
	{name: "clean", want: mixApproved, processed: true},
	{name: "declined", decline: true, want: mixDeclined},
	{name: "503 every attempt", fault: &jupicotest.Fault{Status: http.StatusServiceUnavailable, Code: "service_unavailable"}, want: mixUnavailable},
	{name: "400 invalid payload", fault: &jupicotest.Fault{Status: http.StatusBadRequest, Code: "invalid_payload"}, want: mixRejected},
	{name: "500 before processing", fault: &jupicotest.Fault{Status: http.StatusInternalServerError}, want: mixIndeterminate},
	{name: "400 failed before processing", fault: &jupicotest.Fault{Status: http.StatusBadRequest}, want: mixIndeterminate},
	{name: "502 html before processing", fault: &jupicotest.Fault{Status: http.StatusBadGateway, Body: htmlPage, ContentType: "text/html"}, want: mixIndeterminate},
	{name: "dropped before processing", fault: &jupicotest.Fault{DropConnection: true}, want: mixIndeterminate},
	{name: "500 after processing", fault: &jupicotest.Fault{AfterProcessing: true, Status: http.StatusInternalServerError}, want: mixIndeterminate, processed: true},
	{name: "400 failed after processing", fault: &jupicotest.Fault{AfterProcessing: true, Status: http.StatusBadRequest}, want: mixIndeterminate, processed: true},
	{name: "dropped after processing", fault: &jupicotest.Fault{AfterProcessing: true, DropConnection: true}, want: mixIndeterminate, processed: true},
	{name: "reset mid-response", fault: &jupicotest.Fault{AfterProcessing: true, ResetAfter: 16}, want: mixIndeterminate, processed: true},
	{name: "truncated json", fault: &jupicotest.Fault{AfterProcessing: true, Body: truncated}, want: mixIndeterminate, processed: true},
	{name: "junk past the cap", fault: &jupicotest.Fault{AfterProcessing: true, BodySize: 1<<20 + 4096}, want: mixIndeterminate, processed: true},
	{name: "stalled before processing", fault: &jupicotest.Fault{Delay: time.Minute}, stall: true, want: mixIndeterminate},
	{name: "stalled after processing", fault: &jupicotest.Fault{AfterProcessing: true, Delay: time.Minute}, stall: true, want: mixIndeterminate, processed: true},
	{name: "one byte a second", fault: &jupicotest.Fault{AfterProcessing: true, Drip: time.Second}, stall: true, want: mixIndeterminate, processed: true},
}

// refOf reads the reference from a recorded sale or rollback body.
func refOf(body []byte) string {
	var b struct {
		Reference string `json:"reference"`
	}
	_ = json.Unmarshal(body, &b)
	return b.Reference
}

// heapPeak samples the live heap until stop is closed and returns the
// largest value seen.
func heapPeak(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var peak uint64
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
			select {
			case <-stop:
				out <- peak
				return
			case <-tick.C:
			}
		}
	}()
	return out
}

// stallWatch cancels a stalled sale's context once the fake has its
// request, and has processed it when the fault comes after processing.
type stallWatch struct {
	srv             *jupicotest.Server
	cancel          map[string]context.CancelFunc // by reference; read-only once run starts
	afterProcessing map[string]bool
}

func (w *stallWatch) run(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		left := len(w.cancel)
		fired := map[string]bool{}
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for left > 0 {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			processed := map[string]bool{}
			for _, tx := range w.srv.Transactions() {
				processed[tx.Reference] = true
			}
			for _, r := range w.srv.RequestsTo(salePath) {
				ref := refOf(r.Body)
				cancel, ok := w.cancel[ref]
				if !ok || fired[ref] || (w.afterProcessing[ref] && !processed[ref]) {
					continue
				}
				cancel()
				fired[ref] = true
				left--
			}
		}
	}()
	return done
}

func outcomeOf(err error) mixOutcome {
	var ie *jupico.IndeterminateError
	switch {
	case err == nil:
		return mixApproved
	case errors.Is(err, jupico.ErrDeclined):
		return mixDeclined
	case errors.As(err, &ie):
		return mixIndeterminate
	case errors.Is(err, jupico.ErrServiceUnavailable):
		return mixUnavailable
	case errors.Is(err, jupico.ErrInvalidPayload):
		return mixRejected
	}
	return mixOutcome("unexpected: " + err.Error())
}

// TestThousandConcurrentSalesWithRandomFaults runs 1,000 sales at once on
// one client, each with a fault drawn from a seeded generator, then
// reconciles what each caller was told with the fake's ledger: every
// indeterminate sale was rolled back exactly once, its charge (if it
// happened) reversed, and nothing else was rolled back. It is not parallel:
// it checks the whole process for leaked goroutines and measures the heap.
//
// Stalls end by the caller giving up rather than by the transaction timeout,
// which is long here: a burst of 1,000 sales queues for connections (for
// seconds under the race detector), and no outcome may depend on how fast
// the machine is. The caller gives up once the fake holds the request (and
// has processed it, for a fault after processing), so the rollback can
// never reach the fake before the sale it reverses.
func TestThousandConcurrentSalesWithRandomFaults(t *testing.T) {
	const n = 1000
	const seed = 20260107
	rng := rand.New(rand.NewPCG(seed, seed))

	srv := jupicotest.Start()
	kinds := make([]int, n)
	refs := make(map[string]int, n) // reference -> sale index
	byKind := make([]map[string]bool, len(mixKinds))
	for i := range byKind {
		byKind[i] = map[string]bool{}
	}
	for i := range n {
		kinds[i] = rng.IntN(len(mixKinds))
		ref := "mix-" + strconv.Itoa(i)
		refs[ref] = i
		byKind[kinds[i]][ref] = true
	}
	for k, mk := range mixKinds {
		if mk.fault == nil {
			continue
		}
		set := byKind[k]
		srv.Inject(func(r *jupicotest.Request) bool { return r.Path == salePath && set[refOf(r.Body)] }, *mk.fault)
	}
	c, err := srv.NewClient(
		jupico.WithRetry(jupico.RetryPolicy{MaxAttempts: 2, MinDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}),
		jupico.WithRollbackRetry(jupico.RetryPolicy{MaxAttempts: 5, MinDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}),
		jupico.WithTransactionTimeout(2*time.Minute),
	)
	require.NoError(t, err)
	_, err = c.Status(context.Background()) // one warm connection, as in production
	require.NoError(t, err)

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	stop := make(chan struct{})
	peak := heapPeak(stop)

	type result struct {
		tx  *jupico.Transaction
		err error
	}
	results := make([]result, n)
	parent, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	giveUp := &stallWatch{srv: srv, cancel: map[string]context.CancelFunc{}, afterProcessing: map[string]bool{}}
	for i := range n {
		if mk := mixKinds[kinds[i]]; mk.stall {
			ref := "mix-" + strconv.Itoa(i)
			giveUp.cancel[ref] = nil
			giveUp.afterProcessing[ref] = mk.fault.AfterProcessing
		}
	}
	ctxs := make([]context.Context, n)
	for i := range n {
		ctxs[i] = parent
		ref := "mix-" + strconv.Itoa(i)
		if _, ok := giveUp.cancel[ref]; ok {
			ctxs[i], giveUp.cancel[ref] = context.WithCancel(parent)
		}
	}
	watchDone := giveUp.run(parent)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			mk := mixKinds[kinds[i]]
			req := charge(int64(1000 + i))
			req.Reference = "mix-" + strconv.Itoa(i)
			if mk.decline {
				req.Amount = jupico.Cents(9020)
				req.PaymentToken = jupico.PermanentToken("card", jupico.SandboxTestToken)
			}
			tx, err := c.CreditCard.Sale(ctxs[i], req)
			results[i] = result{tx, err}
		})
	}
	wg.Wait()
	require.NoError(t, parent.Err(), "every sale ended well before the test's deadline")
	cancel()
	<-watchDone
	close(stop)
	peakHeap := <-peak

	// What each caller was told matches its fault.
	outcome := make([]mixOutcome, n)
	seen := map[mixOutcome]int{}
	for i, r := range results {
		mk := mixKinds[kinds[i]]
		outcome[i] = outcomeOf(r.err)
		seen[outcome[i]]++
		assert.Equal(t, mk.want, outcome[i], "sale %d (%s): %v", i, mk.name, r.err)
		var ie *jupico.IndeterminateError
		if errors.As(r.err, &ie) {
			assert.True(t, ie.RolledBack, "sale %d (%s): rollback acknowledged", i, mk.name)
		}
	}
	t.Logf("outcomes over %d sales (seed %d): %v", n, seed, seen)

	// The fake's ledger: every indeterminate sale was rolled back exactly
	// once, and nothing else was.
	rollbacksFor := map[string]int{}
	rollbacks := srv.Rollbacks()
	for _, rb := range rollbacks {
		rollbacksFor[refOf(rb.Body)]++
	}
	for ref, i := range refs {
		want := 0
		if outcome[i] == mixIndeterminate {
			want = 1
		}
		assert.Equal(t, want, rollbacksFor[ref], "%s (%s, %s): rollback requests", ref, mixKinds[kinds[i]].name, outcome[i])
	}
	assert.Len(t, rollbacks, seen[mixIndeterminate], "one rollback per indeterminate sale, none other")
	processed := map[string]jupicotest.Transaction{}
	for _, tx := range srv.Transactions() {
		_, dup := processed[tx.Reference]
		assert.False(t, dup, "%s processed twice", tx.Reference)
		processed[tx.Reference] = tx
	}
	for ref, i := range refs {
		mk := mixKinds[kinds[i]]
		tx, ok := processed[ref]
		assert.Equal(t, mk.processed, ok, "%s (%s): processed at the fake", ref, mk.name)
		if !ok {
			continue
		}
		switch outcome[i] {
		case mixIndeterminate:
			assert.Equal(t, 1, tx.Rollbacks, "%s (%s): its charge rolled back once", ref, mk.name)
			assert.Zero(t, tx.Captured, "%s (%s): reversed", ref, mk.name)
		case mixApproved:
			assert.Zero(t, tx.Rollbacks, "%s (%s): not rolled back", ref, mk.name)
			assert.Equal(t, results[i].tx.Amount, tx.Captured, "%s: captured what the client was told", ref)
		default:
			assert.Fail(t, "processed without being approved or indeterminate", "%s (%s): %s", ref, mk.name, outcome[i])
		}
	}

	// Resources: nothing left running once the client and the fake are
	// closed, and the heap back where it started.
	require.NoError(t, c.Close())
	srv.Close()
	results = nil
	runtime.GC()
	runtime.ReadMemStats(&after)
	t.Logf("heap: %d KiB before, %d KiB peak, %d KiB after", before.HeapAlloc>>10, peakHeap>>10, after.HeapAlloc>>10)
	assert.Less(t, after.HeapAlloc, before.HeapAlloc+32<<20, "heap retained after the run")
	assert.Less(t, peakHeap, before.HeapAlloc+512<<20, "heap during the run")
	// Connections wind down asynchronously, slowly on a loaded machine:
	// give them up to 30 s before calling what is left a leak.
	for end := time.Now().Add(30 * time.Second); goleak.Find() != nil && time.Now().Before(end); {
		time.Sleep(100 * time.Millisecond)
	}
	goleak.VerifyNone(t)
}
