package jupico_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/internal/wire"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// The operations that move money but have no documented rollback
// (subscriptions and installment plans that charge, payouts) get the
// matrix card sales get: an answer that leaves the outcome unknown is sent
// once and reported, never retried and never "rolled back" by a request
// Jupico does not define; a 503 is retried.
func TestMoneyMovingOperationsAreNeverRetried(t *testing.T) {
	t.Parallel()
	var money []*wire.Operation
	for _, op := range wire.Operations {
		if op.Kind == wire.KindTransaction && !strings.HasPrefix(op.Path, "/v1/transactions/") {
			money = append(money, op)
			require.Nil(t, op.Rollback, "%s: Jupico documents no rollback for it", op.Name)
		}
	}
	require.ElementsMatch(t, []*wire.Operation{&wire.SubscriptionCreate, &wire.SubscriptionActivate, &wire.InstallmentCreate, &wire.PayoutCreate}, money)

	faults := []struct {
		name  string
		fault jupicotest.Fault
		cause error // nil: a 400 "failed" carries no sentinel of its own
	}{
		{"500", jupicotest.Fault{Status: http.StatusInternalServerError, Code: wire.CodeInternalServerError}, jupico.ErrServerError},
		{"400 failed", jupicotest.Fault{Status: http.StatusBadRequest}, nil},
		{"502", jupicotest.Fault{Status: http.StatusBadGateway}, jupico.ErrServerError},
		{"timeout", jupicotest.Fault{Delay: time.Minute}, jupico.ErrTimeout},
		{"connection dropped after processing", jupicotest.Fault{DropConnection: true, AfterProcessing: true}, jupico.ErrConnection},
	}
	for _, op := range money {
		for _, tc := range faults {
			t.Run(op.Name+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				srv := jupicotest.NewServer(t)
				var hooks jupicotest.RollbackRecorder
				c := srv.Client(fast, jupico.WithTransactionTimeout(300*time.Millisecond), jupico.WithRollbackHook(hooks.Hook))
				got := run(t, srv, c, op)
				srv.InjectFault(op.Path, tc.fault)
				before := len(srv.RequestsTo(op.Path))

				res, err := invoke(context.Background(), c, op, stepOf(op).req(got))
				assert.True(t, reflect.ValueOf(res).IsNil(), "no result for an unknown outcome")
				var ie *jupico.IndeterminateError
				require.ErrorAs(t, err, &ie)
				assert.ErrorIs(t, err, jupico.ErrIndeterminate)
				if tc.cause != nil {
					assert.ErrorIs(t, err, tc.cause)
				}
				assert.NotErrorIs(t, err, jupico.ErrRolledBack)
				assert.Equal(t, op.Name, ie.Operation)
				assert.False(t, ie.RollbackAttempted, "no rollback exists for %s", op.Name)
				assert.Nil(t, ie.Rollback)
				assert.Contains(t, err.Error(), "reconcile")
				assert.Len(t, srv.RequestsTo(op.Path), before+1, "sent exactly once")
				assert.Empty(t, srv.Rollbacks(), "no card rollback is invented for it")
				assert.Empty(t, hooks.Events())
			})
		}
		t.Run(op.Name+"/503 is retried", func(t *testing.T) {
			t.Parallel()
			srv := jupicotest.NewServer(t)
			c := srv.Client(fast)
			got := run(t, srv, c, op)
			srv.InjectFault(op.Path, jupicotest.Fault{Status: http.StatusServiceUnavailable, Code: wire.CodeServiceUnavailable, Times: 2})
			before := len(srv.RequestsTo(op.Path))
			res, err := invoke(context.Background(), c, op, stepOf(op).req(got))
			require.NoError(t, err)
			assert.NotEmpty(t, field(res, "ID"))
			assert.Len(t, srv.RequestsTo(op.Path), before+3, "two 503s, then the answer")
		})
	}
}

// A decline of a charge made by a platform operation is the result and an
// *APIError matching ErrDeclined, never an unknown outcome; nothing is
// created.
func TestPlatformChargeDeclined(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client(fast)
	ctx := context.Background()
	plan, err := c.Plans.Create(ctx, &jupico.PlanRequest{SubMerchantID: merchantID, Name: "Decline", Amount: jupico.Cents(wire.TriggerDeclined), Frequency: jupico.FrequencyMonthly})
	require.NoError(t, err)
	_, err = c.Subscriptions.Create(ctx, &jupico.SubscriptionRequest{SubMerchantID: merchantID, PlanID: plan.ID, CustomerID: "cus_1",
		PaymentToken: jupico.PermanentToken("card", jupico.SandboxTestToken)})
	require.ErrorIs(t, err, jupico.ErrDeclined)
	assert.NotErrorIs(t, err, jupico.ErrIndeterminate)
	var ae *jupico.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, jupico.ErrorCodeDeclined, ae.Code)
	page, err := c.Query.Subscriptions(ctx, nil)
	require.NoError(t, err)
	assert.Empty(t, page.Items)
	assert.Empty(t, srv.Transactions())
}

func stepOf(op *wire.Operation) step {
	for _, s := range steps() {
		if s.op == op {
			return s
		}
	}
	panic("no step for " + op.Name)
}

func TestExtraIsMergedAndNeverOverwrites(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client()
	ctx := context.Background()

	p := requestOf(&wire.PlanCreate).(*jupico.PlanRequest)
	p.Extra = map[string]any{"tier": "gold", "trial": map[string]any{"days": 14}, "z": nil}
	plan, err := c.Plans.Create(ctx, p)
	require.NoError(t, err)
	sent := srv.RequestsTo(wire.PlanCreate.Path)
	require.Len(t, sent, 1)
	assert.JSONEq(t, `{"subMerchantId":"`+merchantID+`","name":"Gold","amount":15.00,"frequency":"monthly","tier":"gold","trial":{"days":14},"z":null}`, string(sent[0].Body))
	assert.Equal(t, "gold", jsonField(t, plan.Raw, "tier"), "the fake keeps what it was sent")

	// On an update, Extra goes with the id the row names; an update that
	// sets only Extra members is an update.
	_, err = c.Plans.Update(ctx, &jupico.PlanUpdate{ID: plan.ID, SubMerchantID: merchantID,
		Extra: map[string]any{"tier": "platinum"}})
	require.NoError(t, err)
	upd := srv.RequestsTo(wire.PlanUpdate.Path)
	require.Len(t, upd, 1)
	assert.JSONEq(t, `{"subMerchantId":"`+merchantID+`","planId":"`+plan.ID+`","tier":"platinum"}`, string(upd[0].Body))

	// A list filter's Extra is where the Query API's operators go.
	_, err = c.Query.Plans(ctx, &jupico.ListFilter{Limit: 5, Extra: map[string]any{"amount": map[string]any{"$gte": 10}}})
	require.NoError(t, err)
	q := srv.RequestsTo(wire.QueryPlans.Path)
	require.Len(t, q, 1)
	assert.JSONEq(t, `{"amount":{"$gte":10},"limit":5,"offset":0}`, string(q[0].Body))

	refused := []struct {
		name  string
		call  func() error
		field string
	}{
		{"a typed field", func() error {
			p := requestOf(&wire.PlanCreate).(*jupico.PlanRequest)
			p.Extra = map[string]any{"amount": 99}
			_, err := c.Plans.Create(ctx, p)
			return err
		}, "extra[amount]"},
		{"a typed field left empty", func() error {
			p := requestOf(&wire.PlanCreate).(*jupico.PlanRequest)
			p.Extra = map[string]any{"description": "sneaky"}
			_, err := c.Plans.Create(ctx, p)
			return err
		}, "extra[description]"},
		{"the id the row writes", func() error {
			_, err := c.Plans.Activate(ctx, &jupico.Ref{SubMerchantID: merchantID, ID: plan.ID, Extra: map[string]any{"planId": "plan_other"}})
			return err
		}, "extra[planId]"},
		{"a field of an embedded struct", func() error {
			r := requestOf(&wire.InviteCreate).(*jupico.InviteRequest)
			r.Extra = map[string]any{"feesTemplateId": "x"}
			_, err := c.OnboardingInvites.Create(ctx, r)
			return err
		}, "extra[feesTemplateId]"},
		{"the page window", func() error {
			_, err := c.Query.Plans(ctx, &jupico.ListFilter{Extra: map[string]any{"limit": 1000}})
			return err
		}, "extra[limit]"},
		{"a card number in a value", func() error {
			p := requestOf(&wire.PlanCreate).(*jupico.PlanRequest)
			p.Extra = map[string]any{"notes": []any{"ok", map[string]any{"card": testPAN}}}
			_, err := c.Plans.Create(ctx, p)
			return err
		}, "extra[notes][1][card]"},
		{"a card number as a key", func() error {
			p := requestOf(&wire.PlanCreate).(*jupico.PlanRequest)
			p.Extra = map[string]any{testPAN: "x"}
			_, err := c.Plans.Create(ctx, p)
			return err
		}, "extra[key]"},
		{"an empty key", func() error {
			p := requestOf(&wire.PlanCreate).(*jupico.PlanRequest)
			p.Extra = map[string]any{" ": "x"}
			_, err := c.Plans.Create(ctx, p)
			return err
		}, "extra[key]"},
		{"a value JSON cannot hold", func() error {
			p := requestOf(&wire.PlanCreate).(*jupico.PlanRequest)
			p.Extra = map[string]any{"f": func() {}}
			_, err := c.Plans.Create(ctx, p)
			return err
		}, "extra[f]"},
	}
	before := len(srv.Requests())
	for _, tc := range refused {
		err := tc.call()
		var ve *jupico.ValidationError
		if assert.ErrorAs(t, err, &ve, tc.name) {
			assert.Equal(t, tc.field, ve.Field, tc.name)
		}
		assert.NotContains(t, err.Error(), "4111", tc.name)
	}
	assert.Len(t, srv.Requests(), before, "nothing refused was sent")
}

func jsonField(t *testing.T, raw []byte, name string) any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(raw, &m))
	return m[name]
}

// TestCardNumberGuardCoversEveryString puts a Luhn-valid card number into
// every string a platform request can hold (nested objects, slices, the
// id), one at a time, and checks that each is refused before sending
// without the digits in the error. Bank account and routing numbers are
// digits by nature: they have rules of their own instead.
func TestCardNumberGuardCoversEveryString(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client()
	ctx := context.Background()
	checked := 0
	for _, s := range steps() {
		for _, path := range stringLeaves(reflect.ValueOf(filled(s.op)), nil) {
			req := filled(s.op)
			setLeaf(reflect.ValueOf(req), path, testPAN)
			_, err := invoke(ctx, c, s.op, req)
			var ve *jupico.ValidationError
			if assert.ErrorAs(t, err, &ve, "%s: a card number in %v was not refused", s.op.Call, path) {
				assert.NotContains(t, err.Error(), "1111", s.op.Call)
				assert.NotEmpty(t, ve.Field)
			}
			checked++
		}
	}
	assert.Zero(t, len(srv.Requests()), "nothing was sent")
	assert.Greater(t, checked, 150, "every string of every request")
	t.Logf("a card number refused in each of %d strings of %d requests", checked, len(steps()))
}

// filled is op's request with every optional object present and every
// slice holding one element, so that each string it can hold exists.
func filled(op *wire.Operation) any {
	req := requestOf(op)
	fill(reflect.ValueOf(req).Elem(), 0)
	return req
}

var (
	accountNumberType = reflect.TypeFor[jupico.AccountNumber]()
	routingNumberType = reflect.TypeFor[jupico.RoutingNumber]()
)

func fill(v reflect.Value, depth int) {
	if depth > 6 {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		// An update's optional strings are pointers: each gets one too.
		if k := v.Type().Elem().Kind(); v.IsNil() && (k == reflect.Struct || k == reflect.String) {
			v.Set(reflect.New(v.Type().Elem()))
		}
		if !v.IsNil() {
			fill(v.Elem(), depth+1)
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() || v.Type() == reflect.TypeFor[jupico.Date]() {
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), depth+1)
			}
		}
	case reflect.Slice:
		if v.Len() == 0 && v.Type().Elem().Kind() == reflect.Struct {
			v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		}
		for i := range v.Len() {
			fill(v.Index(i), depth+1)
		}
	}
}

// stringLeaves lists the paths (field and element indexes) of every
// string-kinded value in v, account and routing numbers excepted.
func stringLeaves(v reflect.Value, path []int) [][]int {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return stringLeaves(v.Elem(), path)
	case reflect.String:
		if v.Type() == accountNumberType || v.Type() == routingNumberType {
			return nil
		}
		return [][]int{append([]int(nil), path...)}
	case reflect.Struct:
		var out [][]int
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				out = append(out, stringLeaves(v.Field(i), append(path, i))...)
			}
		}
		return out
	case reflect.Slice:
		var out [][]int
		for i := range v.Len() {
			out = append(out, stringLeaves(v.Index(i), append(path, i))...)
		}
		return out
	}
	return nil
}

func setLeaf(v reflect.Value, path []int, s string) {
	for _, i := range path {
		for v.Kind() == reflect.Pointer {
			v = v.Elem()
		}
		if v.Kind() == reflect.Slice {
			v = v.Index(i)
		} else {
			v = v.Field(i)
		}
	}
	for v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	v.SetString(s)
}

// TestEveryListPages walks every list query with jupico.All over pages of
// two: it yields every entry once, asks for each page once and stops at
// the last; a loop body that breaks ends it after one page.
func TestEveryListPages(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client()
	ctx := context.Background()
	const n = 5
	var disputeID string
	for i := range n {
		ref := strconv.Itoa(i)
		_, err := c.OnboardingInvites.Create(ctx, &jupico.InviteRequest{Name: "M " + ref, Email: "m" + ref + "@example.com"})
		require.NoError(t, err)
		plan, err := c.Plans.Create(ctx, requestOf(&wire.PlanCreate).(*jupico.PlanRequest))
		require.NoError(t, err)
		_, err = c.PaymentLinks.Create(ctx, requestOf(&wire.PaymentLinkCreate).(*jupico.PaymentLinkRequest))
		require.NoError(t, err)
		_, err = c.Checkouts.Create(ctx, requestOf(&wire.CheckoutCreate).(*jupico.CheckoutRequest))
		require.NoError(t, err)
		_, err = c.Invoices.Create(ctx, requestOf(&wire.InvoiceCreate).(*jupico.InvoiceRequest))
		require.NoError(t, err)
		_, err = c.Subscriptions.Create(ctx, &jupico.SubscriptionRequest{SubMerchantID: merchantID, PlanID: plan.ID, CustomerID: "cus_" + ref, PaymentToken: cardToken})
		require.NoError(t, err)
		sale, err := c.CreditCard.Sale(ctx, charge(10000))
		require.NoError(t, err)
		srv.Settle()
		_, err = c.Payouts.Create(ctx, &jupico.PayoutRequest{SubMerchantID: merchantID, Amount: jupico.Cents(1000)})
		require.NoError(t, err)
		d, err := srv.OpenDispute(sale.ID, "not received")
		require.NoError(t, err)
		disputeID = d
		applicant, err := c.Provisioning.CreateApplicant(ctx, &jupico.ApplicantRequest{Name: "A " + ref, Email: "a" + ref + "@example.com"})
		require.NoError(t, err)
		app, err := c.Provisioning.CreateApplication(ctx, &jupico.ApplicationRequest{ApplicantID: applicant.ID, Type: jupico.ApplicationTypeIndividual,
			OwnershipType: jupico.OwnershipTypeSoleProprietorship, AccountLevel: jupico.AccountLevelRapid})
		require.NoError(t, err)
		_, err = c.Provisioning.CreateSubMerchant(ctx, &jupico.SubMerchantRequest{SMApplicationID: app.ID, Name: "S " + ref,
			PayoutBankAccounts: []jupico.BankAccount{bankAccount}})
		require.NoError(t, err)
	}
	require.NoError(t, srv.ResolveDispute(disputeID, true))

	mine := func() *jupico.ListFilter { return &jupico.ListFilter{SubMerchantID: merchantID, Limit: 2} }
	everyone := func() *jupico.ListFilter { return &jupico.ListFilter{Limit: 2} }
	cases := []struct {
		op   *wire.Operation
		want int
		walk func(brk bool) (int, error)
	}{
		{&wire.QueryOnboardingInvites, n, walker(ctx, c.Query.OnboardingInvites, everyone)},
		{&wire.QueryPlans, n, walker(ctx, c.Query.Plans, mine)},
		{&wire.QueryPaymentLinks, n, walker(ctx, c.Query.PaymentLinks, mine)},
		{&wire.QueryCheckoutSessions, n, walker(ctx, c.Query.CheckoutSessions, mine)},
		{&wire.QueryInvoices, n, walker(ctx, c.Query.Invoices, mine)},
		{&wire.QuerySubscriptions, n, walker(ctx, c.Query.Subscriptions, mine)},
		{&wire.QueryPayoutInstructions, n, walker(ctx, c.Query.PayoutInstructions, mine)},
		{&wire.QuerySettlements, n, walker(ctx, c.Query.Settlements, mine)},
		{&wire.QueryDisputes, n, walker(ctx, c.Query.Disputes, mine)},
		{&wire.QueryFees, n, walker(ctx, c.Query.Fees, mine)},
		// per round: a subscription charge, a sale, a payout, a dispute and its fee
		{&wire.QueryOperations, 5 * n, walker(ctx, c.Query.Operations, mine)},
		{&wire.QueryMerchants, n, walker(ctx, c.Query.Merchants, everyone)},
		{&wire.QueryBankAccounts, n, walker(ctx, c.Query.BankAccounts, everyone)},
		{&wire.QueryDisputeHistory, 2, walker(ctx, c.Query.DisputeHistory, func() *jupico.DisputeHistoryFilter {
			return &jupico.DisputeHistoryFilter{DisputeID: disputeID, ListFilter: jupico.ListFilter{Limit: 2}}
		})},
	}
	listed := map[*wire.Operation]bool{&wire.QueryTransactions: true} // paged by jupico.All, tested with transactions
	for _, tc := range cases {
		listed[tc.op] = true
		before := len(srv.RequestsTo(tc.op.Path))
		got, err := tc.walk(false)
		require.NoError(t, err, tc.op.Name)
		assert.Equal(t, tc.want, got, "%s yields every entry", tc.op.Name)
		assert.Len(t, srv.RequestsTo(tc.op.Path), before+(tc.want+1)/2, "%s asks for each page of two once", tc.op.Name)

		before = len(srv.RequestsTo(tc.op.Path))
		got, err = tc.walk(true)
		require.NoError(t, err)
		assert.Equal(t, 1, got, tc.op.Name)
		assert.Len(t, srv.RequestsTo(tc.op.Path), before+1, "%s stops when the loop breaks", tc.op.Name)
	}
	for _, op := range wire.Operations {
		if op.List != "" {
			assert.True(t, listed[op], "no paging test for %s", op.Name)
		}
	}
}

// walker returns a walk over list with filters from mk: it counts entries
// (each must have its raw data), stopping after the first when brk.
func walker[T any, F any, PF interface {
	*F
	jupico.Filter
}](ctx context.Context, list func(context.Context, PF) (*jupico.Page[T], error), mk func() PF) func(bool) (int, error) {
	return func(brk bool) (int, error) {
		f := mk()
		n := 0
		for it, err := range jupico.All(ctx, list, f) {
			if err != nil {
				return n, err
			}
			if reflect.ValueOf(it).Elem().FieldByName("Raw").Len() == 0 {
				return n, errors.New("an entry without Raw")
			}
			n++
			if brk {
				break
			}
		}
		if reflect.ValueOf(f).Elem().FieldByName("Offset").Int() != 0 && !brk {
			return n, errors.New("All changed the caller's filter")
		}
		return n, nil
	}
}

// A list that stops early (a page shorter than the limit) ends the walk
// even when Jupico reports no total; a list whose context ends yields the
// context's error once.
func TestAllStopsWithoutTotalAndOnContext(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client()
	page := func(items string) []byte {
		return []byte(`{"success":true,"status":"succeeded","data":{"plans":[` + items + `]}}`)
	}
	srv.Inject(jupicotest.Path(wire.QueryPlans.Path), jupicotest.Fault{Times: 1, Body: page(`{"planId":"p1"},{"planId":"p2"}`)})
	srv.Inject(jupicotest.Path(wire.QueryPlans.Path), jupicotest.Fault{Times: 1, Body: page(`{"planId":"p3"}`)})
	var got []string
	for p, err := range jupico.All(context.Background(), c.Query.Plans, &jupico.ListFilter{Limit: 2}) {
		require.NoError(t, err)
		got = append(got, p.ID)
	}
	assert.Equal(t, []string{"p1", "p2", "p3"}, got)
	assert.Len(t, srv.RequestsTo(wire.QueryPlans.Path), 2)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	n := 0
	for p, err := range jupico.All(ctx, c.Query.Plans, nil) {
		assert.Nil(t, p)
		assert.ErrorIs(t, err, context.Canceled)
		n++
	}
	assert.Equal(t, 1, n)
}
