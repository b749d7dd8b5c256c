package jupico_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/internal/wire"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// driftRecorder keeps the Drift events an Observer is given and the IDs
// of the calls it saw start.
type driftRecorder struct {
	jupico.NopObserver
	mu     sync.Mutex
	events []jupico.DriftEvent
	calls  map[uint64]string
}

func (r *driftRecorder) CallStart(ctx context.Context, c jupico.CallInfo) context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.calls == nil {
		r.calls = map[uint64]string{}
	}
	r.calls[c.ID] = c.Operation
	return ctx
}

func (r *driftRecorder) Drift(_ context.Context, d jupico.DriftEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, d)
}

func (r *driftRecorder) take() []jupico.DriftEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	ev := r.events
	r.events = nil
	return ev
}

// named lists events as "operation member kind", without the call.
func named(events []jupico.DriftEvent) []string {
	var out []string
	for _, e := range events {
		out = append(out, e.Operation+" "+e.Member+" "+string(e.Kind))
	}
	return out
}

// driftLogs is a client's log, as JSON lines.
type driftLogs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *driftLogs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *driftLogs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// warnings returns the WARN lines as "operation member kind".
func (l *driftLogs) warnings(t *testing.T) []string {
	t.Helper()
	var out []string
	for line := range strings.Lines(l.String()) {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec), line)
		if rec["level"] == "WARN" {
			out = append(out, fmt.Sprint(rec["operation"], " ", rec["member"], " ", rec["kind"]))
		}
	}
	return out
}

func driftClient(t *testing.T, srv *jupicotest.Server) (*jupico.Client, *driftRecorder, *driftLogs) {
	t.Helper()
	obs, logs := &driftRecorder{}, &driftLogs{}
	c := srv.Client(jupico.WithObserver(obs), jupico.WithLogger(slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	return c, obs, logs
}

// A member Jupico adds to a sale's answer is logged once per client, at
// WARN, by name and never with its value, and reported to the Observer
// on every call, with that call's ID.
func TestDriftUnknownMemberIsLoggedOnceAndObservedEachCall(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c, obs, logs := driftClient(t, srv)
	const value = "surcharge-value-7731"
	srv.SetDrift(wire.CardSale.Name, jupicotest.Drift{Add: map[string]any{"surcharge": value}})
	for range 3 {
		tx, err := c.CreditCard.Sale(context.Background(), charge(1000))
		require.NoError(t, err)
		assert.NotEmpty(t, tx.ID, "the sale itself is untouched")
	}
	events := obs.take()
	assert.Equal(t, []string{"creditcard.sale surcharge unknown", "creditcard.sale surcharge unknown", "creditcard.sale surcharge unknown"}, named(events))
	ids := map[uint64]bool{}
	for _, e := range events {
		assert.Equal(t, "creditcard.sale", obs.calls[e.Call], "event %+v names the call it belongs to", e)
		ids[e.Call] = true
	}
	assert.Len(t, ids, 3, "one event per call")
	assert.Equal(t, []string{"creditcard.sale surcharge unknown"}, logs.warnings(t), "logged once across three calls")
	assert.NotContains(t, logs.String(), value, "never the member's value")

	// Another client logs it again: once per client.
	other, _, otherLogs := driftClient(t, srv)
	_, err := other.CreditCard.Sale(context.Background(), charge(1000))
	require.NoError(t, err)
	assert.Equal(t, []string{"creditcard.sale surcharge unknown"}, otherLogs.warnings(t))
}

// A member renamed is the new name unknown and, when the SDK relies on
// the old one, the old name missing; a member it does not rely on is only
// unknown under its new name.
func TestDriftRenamedMember(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c, obs, logs := driftClient(t, srv)
	srv.SetDrift(wire.CardSale.Name, jupicotest.Drift{Rename: map[string]string{"transactionId": "txnId"}})
	_, err := c.CreditCard.Sale(context.Background(), charge(1000))
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"creditcard.sale txnId unknown", "creditcard.sale transactionId missing"}, named(obs.take()))
	assert.ElementsMatch(t, []string{"creditcard.sale txnId unknown", "creditcard.sale transactionId missing"}, logs.warnings(t))

	srv.SetDrift(wire.CardAuthorize.Name, jupicotest.Drift{Rename: map[string]string{"authCode": "authorizationCode"}})
	_, err = c.CreditCard.Authorize(context.Background(), charge(1000))
	require.NoError(t, err)
	assert.Equal(t, []string{"creditcard.authorize authorizationCode unknown"}, named(obs.take()))
}

// The records of a list are held to the record's type: a member every
// record carries is reported once per call, as "<list>[].<member>".
func TestDriftListRecords(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c, obs, logs := driftClient(t, srv)
	seed(t, c, 3)
	obs.take()
	srv.SetDrift(wire.QueryTransactions.Name, jupicotest.Drift{Rename: map[string]string{"transactionId": "id"}})
	page, err := c.Query.Transactions(context.Background(), &jupico.TransactionFilter{})
	require.NoError(t, err)
	require.Len(t, page.Items, 3)
	assert.ElementsMatch(t, []string{"query.transactions transactions[].id unknown", "query.transactions transactions[].transactionId missing"}, named(obs.take()))

	srv.SetDrift(wire.QueryTransactions.Name, jupicotest.Drift{Rename: map[string]string{"transactions": "items"}})
	_, err = c.Query.Transactions(context.Background(), &jupico.TransactionFilter{})
	require.ErrorIs(t, err, jupico.ErrMalformedAnswer, "a list renamed is an answer the SDK cannot read")
	assert.Empty(t, obs.take(), "and reported as that, not as drift")
	assert.Len(t, logs.warnings(t), 2)
}

// An answer as the SDK models it is neither logged nor observed.
func TestNoDriftNoReport(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c, obs, logs := driftClient(t, srv)
	ids := seed(t, c, 2)
	_, err := c.CreditCard.Refund(context.Background(), &jupico.RefundRequest{SubMerchantID: merchant, TransactionID: ids[0], Amount: jupico.Ptr(jupico.Cents(50))})
	require.NoError(t, err)
	_, err = c.Query.Transactions(context.Background(), &jupico.TransactionFilter{})
	require.NoError(t, err)
	declined := charge(wire.TriggerDeclined)
	declined.PaymentToken = jupico.PermanentToken("card", jupicotest.TestToken)
	_, err = c.CreditCard.Sale(context.Background(), declined)
	require.ErrorIs(t, err, jupico.ErrDeclined)
	assert.Empty(t, obs.take())
	assert.Empty(t, logs.warnings(t))
}

// A member name is reported as the answer spells it only when it is
// short, printable text without a card number.
func TestDriftMemberNamesAreChecked(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c, obs, logs := driftClient(t, srv)
	long := strings.Repeat("x", 100)
	srv.SetDrift(wire.CardSale.Name, jupicotest.Drift{Add: map[string]any{"4111111111111111": 1, "bad\nname": 2, long: 3}})
	_, err := c.CreditCard.Sale(context.Background(), charge(1000))
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"creditcard.sale (withheld) unknown", "creditcard.sale " + strings.Repeat("x", 64) + "... unknown"}, named(obs.take()))
	assert.NotContains(t, logs.String(), "4111111111111111")
	assert.NotContains(t, logs.String(), long)
}

// notDecoded are the operations whose answer the SDK does not decode, so
// the drift check has nothing to hold it to.
var notDecoded = map[*wire.Operation]string{
	&wire.Status:         "the health check's body is handed over unparsed",
	&wire.BrowserSession: "the session is handed over as Jupico sent it",
	&wire.CardRollback:   "only the rollback's status is read",
}

// Every operation whose answer the SDK decodes has a drift model, of the
// type its method returns, and every member its row relies on is one that
// type models.
func TestDriftModelsMatchTheMethods(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client()
	types := jupico.AnswerTypes()
	for _, op := range wire.Operations {
		data, records, ok := jupico.DriftModel(op)
		if _, skip := notDecoded[op]; skip {
			assert.False(t, ok, "%s is not decoded, so not checked", op.Name)
			assert.Empty(t, op.Relies, "%s relies on nothing of an answer it does not decode", op.Name)
			continue
		}
		if !assert.True(t, ok, "%s has no drift model", op.Name) {
			continue
		}
		for _, r := range op.Relies {
			if list, member, isRecord := strings.Cut(r, "[]."); isRecord {
				assert.Equal(t, op.List, list)
				assert.Contains(t, records, member, "%s relies on %q, which %s does not model", op.Name, r, types[op])
			} else {
				assert.Contains(t, data, r, "%s relies on %q, which %s does not model", op.Name, r, types[op])
			}
		}

		svc, method, onService := strings.Cut(op.Call, ".")
		require.True(t, onService, op.Call)
		fn := reflect.ValueOf(c).Elem().FieldByName(svc).MethodByName(method)
		require.True(t, fn.IsValid(), op.Call)
		out := fn.Type().Out(0).Elem()
		if op == &wire.CardAVS {
			// VerifyAddress reads the answer through the wire struct.
			assert.Equal(t, reflect.TypeFor[wire.Transaction](), types[op])
			continue
		}
		if op.List != "" {
			items, ok := out.FieldByName("Items")
			require.True(t, ok, "%s returns %s, not a page", op.Call, out)
			out = items.Type.Elem().Elem()
		}
		assert.Equal(t, out, types[op], "%s decodes into %s; its drift model is of %s", op.Name, out, types[op])
	}
}

// The fake answers every operation as the SDK models it: a run of every
// operation reports no drift at all.
func TestFakeAnswersCarryNoDrift(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c, obs, logs := driftClient(t, srv)
	ctx := context.Background()

	sale, err := c.CreditCard.Sale(ctx, charge(2000))
	require.NoError(t, err)
	auth, err := c.CreditCard.Authorize(ctx, charge(2000))
	require.NoError(t, err)
	_, err = c.CreditCard.Capture(ctx, &jupico.CaptureRequest{SubMerchantID: merchant, TransactionID: auth.ID})
	require.NoError(t, err)
	_, err = c.CreditCard.Refund(ctx, &jupico.RefundRequest{SubMerchantID: merchant, TransactionID: sale.ID, Amount: jupico.Ptr(jupico.Cents(500))})
	require.NoError(t, err)
	other, err := c.CreditCard.Sale(ctx, charge(2100))
	require.NoError(t, err)
	_, err = c.CreditCard.Void(ctx, &jupico.VoidRequest{SubMerchantID: merchant, TransactionID: other.ID})
	require.NoError(t, err)
	_, err = c.CreditCard.VerifyAddress(ctx, &jupico.AVSRequest{SubMerchantID: merchant, PaymentToken: jupico.PermanentToken("card", "tok_visa_4242")})
	require.NoError(t, err)
	bank := charge(4200)
	bank.PaymentToken = jupico.PermanentToken("bankAccount", "tok_ba_1")
	check, err := c.ECheck.Sale(ctx, bank)
	require.NoError(t, err)
	_, err = c.ECheck.Refund(ctx, &jupico.RefundRequest{SubMerchantID: merchant, TransactionID: check.ID, Amount: amt(200)})
	require.NoError(t, err)
	_, err = c.Query.Transactions(ctx, &jupico.TransactionFilter{})
	require.NoError(t, err)
	run(t, srv, c, nil) // every platform operation, see platform_test.go

	assert.Empty(t, named(obs.take()))
	assert.Empty(t, logs.warnings(t))
}

// The check of an answer without drift allocates nothing: a sale costs
// what it cost before the check existed.
func TestDriftCheckDoesNotAllocate(t *testing.T) {
	sale := []byte(`{"transactionId":"tx_000001","status":"succeeded","amount":25.00,"authCode":"A1B2C3","avs":"Y","cvv":"M"}`)
	page := []byte(`{"transactions":[{"transactionId":"tx_1","status":"succeeded","reference":"r-1"},{"transactionId":"tx_2","amount":1}],"total":2}`)
	require.False(t, jupico.Drifted(&wire.CardSale, sale))
	require.False(t, jupico.Drifted(&wire.QueryTransactions, page))
	require.True(t, jupico.Drifted(&wire.CardSale, []byte(`{"transactionId":"tx_1","status":"succeeded","surcharge":1}`)))
	require.True(t, jupico.Drifted(&wire.CardSale, []byte(`{"status":"succeeded"}`)), "the id is missing")
	require.False(t, jupico.Drifted(&wire.CardSale, []byte(`{"TransactionID":"tx_1","statu\u0073":"succeeded"}`)),
		"a member is matched as encoding/json matches it: ignoring case, escapes decoded")
	assert.Zero(t, testing.AllocsPerRun(200, func() { jupico.Drifted(&wire.CardSale, sale) }))
	assert.Zero(t, testing.AllocsPerRun(200, func() { jupico.Drifted(&wire.QueryTransactions, page) }))
}

// An answer is reported for at most 32 members, and a client logs at
// most 256 distinct drifts, then says once that it logs no more: an
// answer keyed by ids cannot flood the log or the Observer.
func TestDriftIsBounded(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c, obs, logs := driftClient(t, srv)
	for round := range 9 {
		add := map[string]any{}
		for i := range 40 {
			add[fmt.Sprintf("m%d_%02d", round, i)] = i
		}
		srv.SetDrift(wire.CardSale.Name, jupicotest.Drift{Add: add})
		_, err := c.CreditCard.Sale(context.Background(), charge(1000))
		require.NoError(t, err)
		assert.Len(t, obs.take(), 32, "round %d", round)
	}
	warnings := logs.warnings(t)
	require.Len(t, warnings, 257, "256 drifts, then one line saying no more are logged")
	assert.Contains(t, logs.String(), "in more ways than are logged")
	assert.Equal(t, 1, strings.Count(logs.String(), "in more ways than are logged"))
}
