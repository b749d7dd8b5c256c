package conformance_test

import (
	"context"
	"encoding/json"
	"net"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/internal/app/conformance"
	"github.com/jupico/jupico-go/internal/wire"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// settleAfter is how soon the fake settles a sale, so that the payout
// scenario finds a balance without waiting long.
const settleAfter = 300 * time.Millisecond

// newFake starts a fake that settles sales by itself.
func newFake(t *testing.T) *jupicotest.Server {
	return jupicotest.NewServer(t, jupicotest.WithSettleAfter(settleAfter))
}

// options points a run at srv, fast.
func options(srv *jupicotest.Server) conformance.Options {
	return conformance.Options{
		BaseURL: srv.URL(),
		Client:  []jupico.Option{jupico.WithRootCAs(srv.CertPool()), jupico.WithCredentials(srv.Credentials())},
		Rate:    1000,
	}
}

func run(t *testing.T, ctx context.Context, o conformance.Options) *conformance.Report {
	t.Helper()
	rep, err := conformance.Run(ctx, o)
	require.NoError(t, err)
	require.Len(t, rep.Operations, len(wire.Operations), "one entry per operation of the wire table")
	return rep
}

func byName(rep *conformance.Report) map[string]conformance.Operation {
	out := map[string]conformance.Operation{}
	for _, o := range rep.Operations {
		out[o.Operation] = o
	}
	return out
}

// Against the fake, which serves the SDK's contract, every operation is
// ok, and everything the run created that an operation can undo is undone.
func TestRunAgainstFakeEveryOperationOK(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	rep := run(t, context.Background(), options(srv))
	for _, o := range rep.Operations {
		assert.Equal(t, conformance.ResultOK, o.Result, "%s: %+v", o.Operation, o)
		assert.Empty(t, o.Unknown, o.Operation)
		assert.Empty(t, o.Missing, o.Operation)
	}
	assert.True(t, rep.OK())
	assert.False(t, rep.Interrupted)
	assert.Regexp(t, `^conf-\d{8}t\d{6}-[0-9a-f]{6}$`, rep.Prefix)
	assert.Equal(t, "provisioned by this run (in review until approved)", rep.SubMerchant)

	// Only what no operation removes is left: the provisioned applicant,
	// application and sub-merchant.
	var left []string
	for _, l := range rep.Cleanup.Left {
		assert.Empty(t, l.Action, l.Resource)
		assert.Equal(t, "no operation removes it", l.Reason)
		left = append(left, l.Resource)
	}
	assert.ElementsMatch(t, []string{"applicant", "application", "sub-merchant"}, left)
	assert.NotEmpty(t, rep.Cleanup.Cleaned)
	assertNothingLeftCharged(t, srv)
}

// Completeness: every operation of the wire table is sent by some
// scenario. Sent is what the client's Observer saw (CallStart and
// CallEnd), so an operation added to the table without a scenario fails
// here.
func TestRunSendsEveryOperationOfTheWireTable(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	rep := run(t, context.Background(), options(srv))
	ops := byName(rep)
	sentPaths := map[string]bool{}
	for _, r := range srv.Requests() {
		sentPaths[r.Method+" "+r.Path] = true
	}
	for _, op := range wire.Operations {
		o, ok := ops[op.Name]
		require.True(t, ok, op.Name)
		assert.True(t, o.Sent, "%s has no scenario: %s", op.Name, o.Reason)
		assert.Positive(t, o.Calls, op.Name)
		assert.True(t, sentPaths[op.Method+" "+op.Path], "%s never reached the fake", op.Name)
	}
	// Every list query was asked for two pages.
	for _, op := range wire.Operations {
		if op.List != "" {
			assert.GreaterOrEqual(t, ops[op.Name].Calls, 2, "%s: two pages", op.Name)
		}
	}
}

// The run sends tokens, never a card number; its references and
// descriptions carry its prefix; the rollback is sent twice for one sale
// (which the fake reverses) and once for a sale never sent.
func TestRunSendsTokensAndPrefixedReferences(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	o := options(srv)
	o.Prefix = "conf-test-0001"
	rep := run(t, context.Background(), o)
	require.True(t, rep.OK())
	digits := regexp.MustCompile(`\d[\d -]{11,}\d`)
	for _, r := range srv.Requests() {
		assert.NotRegexp(t, digits, string(r.Body), "%s: a long run of digits", r.Path)
		var m map[string]any
		if json.Unmarshal(r.Body, &m) != nil {
			continue
		}
		for _, k := range []string{"reference", "description", "name"} {
			if v, ok := m[k].(string); ok {
				assert.True(t, strings.HasPrefix(v, "conf-test-0001"), "%s %s: %q", r.Path, k, v)
			}
		}
		if tok, ok := m["paymentToken"].(map[string]any); ok {
			assert.Equal(t, jupico.SandboxTestToken, tok["token"], r.Path)
		}
	}
	rollbacks := srv.Rollbacks()
	assert.Len(t, rollbacks, 3)
	reversed := 0
	for _, tx := range srv.Transactions() {
		if tx.Reference == "conf-test-0001-rollback" {
			assert.Equal(t, 2, tx.Rollbacks, "the rollback, sent twice, matched its sale")
			reversed++
		}
	}
	assert.Equal(t, 1, reversed)
}

// assertNothingLeftCharged checks that every transaction the run made was
// refunded, voided or rolled back.
func assertNothingLeftCharged(t *testing.T, srv *jupicotest.Server) {
	t.Helper()
	for _, tx := range srv.Transactions() {
		assert.True(t, tx.Voided || tx.Captured == tx.Refunded, "%s (%s): captured %s, refunded %s", tx.ID, tx.Reference, tx.Captured, tx.Refunded)
	}
}

// A run cancelled part-way (SIGINT in the command) stops sending, cleans
// up what it created under a context of its own, and reports the rest as
// skipped.
func TestRunCancelledMidwayStillCleansUp(t *testing.T) {
	t.Parallel()
	for _, after := range []int{12, 30, 45} {
		srv := newFake(t)
		ctx, cancel := context.WithCancel(context.Background())
		o := options(srv)
		var calls atomic.Int64
		o.AfterCall = func(n int) {
			calls.Store(int64(n))
			if n == after {
				cancel()
			}
		}
		rep := run(t, ctx, o)
		cancel()
		assert.True(t, rep.Interrupted, "after %d calls", after)
		assert.False(t, rep.OK())
		assert.Equal(t, int64(after), calls.Load(), "no call of the run after the cancellation")
		n := rep.Counts()
		assert.Positive(t, n[conformance.ResultSkipped], "after %d calls", after)
		assert.Zero(t, n[conformance.ResultRefused], "after %d calls: %+v", after, rep.Operations)
		for _, op := range rep.Operations {
			if op.Result == conformance.ResultSkipped {
				assert.NotEmpty(t, op.Reason, op.Operation)
			}
		}
		for _, l := range rep.Cleanup.Left {
			assert.Equal(t, "no operation removes it", l.Reason, "after %d calls: %s %s", after, l.Resource, l.ID)
		}
		assert.NotEmpty(t, rep.Cleanup.Cleaned, "after %d calls", after)
		assertNothingLeftCharged(t, srv)
	}
}

// What the cleanup cannot undo is listed with why.
func TestCleanupListsWhatItCouldNotUndo(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	// The plan cannot be deleted, neither by its scenario nor by the
	// cleanup.
	srv.InjectFault(wire.PlanDelete.Path, jupicotest.Fault{Status: 500, Code: wire.CodeInternalServerError})
	rep := run(t, context.Background(), options(srv))
	ops := byName(rep)
	assert.Equal(t, conformance.ResultRefused, ops[wire.PlanDelete.Name].Result)
	assert.Equal(t, 500, ops[wire.PlanDelete.Name].Status)
	assert.Equal(t, wire.CodeInternalServerError, ops[wire.PlanDelete.Name].Code)
	assert.Equal(t, "answered 500 where success was expected", ops[wire.PlanDelete.Name].Error)
	var plan *conformance.Leftover
	for i, l := range rep.Cleanup.Left {
		if l.Resource == "plan" {
			plan = &rep.Cleanup.Left[i]
		}
	}
	require.NotNil(t, plan, "%+v", rep.Cleanup.Left)
	assert.Equal(t, wire.PlanDelete.Name, plan.Action)
	assert.Equal(t, "refused: 500 internal_server_error", plan.Reason)
	assert.NotEmpty(t, plan.ID)
}

// A refusal is reported on its operation, and what depends on it is
// skipped with the reason.
func TestRefusalSkipsWhatDependsOnIt(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	srv.InjectFault(wire.PaymentLinkCreate.Path, jupicotest.Fault{Status: 403, Code: wire.CodeForbidden})
	rep := run(t, context.Background(), options(srv))
	ops := byName(rep)
	assert.Equal(t, conformance.ResultRefused, ops[wire.PaymentLinkCreate.Name].Result)
	assert.Equal(t, wire.CodeForbidden, ops[wire.PaymentLinkCreate.Name].Code)
	for _, op := range []*wire.Operation{&wire.PaymentLinkUpdate, &wire.PaymentLinkDeactivate, &wire.PaymentLinkDelete} {
		assert.Equal(t, conformance.ResultSkipped, ops[op.Name].Result, op.Name)
		assert.False(t, ops[op.Name].Sent, op.Name)
		assert.Equal(t, "depends on paymentLinks.create, which was refused", ops[op.Name].Reason, op.Name)
	}
	assert.Equal(t, conformance.ResultOK, ops[wire.CheckoutCreate.Name].Result, "the other scenarios run on")
}

// A server that cannot be reached ends the run at the status call.
func TestRunUnreachable(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	o := conformance.Options{BaseURL: "https://" + addr, Client: []jupico.Option{jupico.WithCredentials(jupicotest.NewServer(t).Credentials()),
		jupico.WithRetry(jupico.NoRetry())}, Rate: 1000}
	rep := run(t, context.Background(), o)
	assert.True(t, rep.Unreachable)
	ops := byName(rep)
	assert.Equal(t, conformance.ResultRefused, ops[wire.Status.Name].Result)
	assert.Contains(t, ops[wire.Status.Name].Error, "connection")
	for _, op := range rep.Operations[1:] {
		assert.Equal(t, conformance.ResultSkipped, op.Result, op.Operation)
		assert.Equal(t, "the status call could not connect", op.Reason, op.Operation)
	}
	assert.Empty(t, rep.Cleanup.Left)
}

// Production is refused outright, by environment and by host.
func TestRunRefusesProduction(t *testing.T) {
	t.Parallel()
	for _, u := range []string{wire.ProductionBaseURL, "https://PLATFORM.jupico.com:443", "https://platform.jupico.com./", "https://platform.jupico.com/v1"} {
		assert.True(t, conformance.IsProduction(u), u)
		_, err := conformance.Run(context.Background(), conformance.Options{BaseURL: u})
		assert.ErrorIs(t, err, conformance.ErrProduction, u)
	}
	for _, u := range []string{wire.SandboxBaseURL, "https://127.0.0.1:8443", "https://platform.jupico.com.example.org", "https://platform.jupico.com:8443"} {
		assert.False(t, conformance.IsProduction(u), u)
	}
}

// An answer that changed shape is reported on its operation alone: the
// member the SDK relies on that was renamed is missing, its new name and
// the added member are unknown; every other operation stays ok.
func TestRunReportsDriftOnTheOperationAlone(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	srv.SetDrift(wire.CardAVS.Name, jupicotest.Drift{Rename: map[string]string{"avs": "avsResult"}, Add: map[string]any{"surprise": 1}})
	rep := run(t, context.Background(), options(srv))
	for _, o := range rep.Operations {
		if o.Operation != wire.CardAVS.Name {
			assert.Equal(t, conformance.ResultOK, o.Result, "%s: %+v", o.Operation, o)
			continue
		}
		assert.Equal(t, conformance.ResultDrift, o.Result, "%+v", o)
		assert.True(t, o.Sent)
		assert.Equal(t, 200, o.Status)
		assert.Equal(t, []string{"avs"}, o.Missing)
		assert.Equal(t, []string{"avsResult", "surprise"}, o.Unknown)
		assert.Empty(t, o.Error)
	}
	assert.Equal(t, 1, rep.Counts()[conformance.ResultDrift])
	assert.False(t, rep.OK())
	var table strings.Builder
	require.NoError(t, rep.WriteTable(&table, nil))
	assert.Regexp(t, `(?m)^creditcard\.avs\s+drift\s+200\s+-\s+unknown: avsResult, surprise; missing: avs$`, table.String())
}

// An answer the SDK cannot decode is a refusal, named by its category.
func TestUndecodableAnswerIsRefused(t *testing.T) {
	t.Parallel()
	srv := newFake(t)
	srv.InjectFault(wire.QueryFees.Path, jupicotest.Fault{Status: 200, ContentType: "application/json", Body: []byte(`{"success":true,"data":{"fees":`)})
	rep := run(t, context.Background(), options(srv))
	ops := byName(rep)
	fees := ops[wire.QueryFees.Name]
	assert.Equal(t, conformance.ResultRefused, fees.Result, "%+v", fees)
	assert.Equal(t, "the answer could not be decoded (unreadable) where success was expected", fees.Error)
	assert.Equal(t, 1, fees.Calls, "the second page is not asked after the first failed")
	assert.Equal(t, conformance.ResultOK, ops[wire.QuerySettlements.Name].Result)
}
