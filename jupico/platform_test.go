package jupico_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/internal/wire"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// The platform operations, driven through the real client over TLS
// against the fake. steps calls every platform operation of the wire
// table at least once, in an order in which each finds what it needs
// (an invite to send, a plan to subscribe to, a settled balance to pay
// out); the same requests feed the card-number and fault tests.

const (
	merchantID = "jpt-fs-demo-acc1-m1"
	// testPAN is a Luhn-valid card number, the canary of the guard tests.
	testPAN = "4111 1111 1111 1111"
)

var (
	cardToken   = jupico.PermanentToken("card", "tok_visa_4242")
	bankAccount = jupico.BankAccount{RoutingNumber: "011000015", AccountNumber: "000123456789", AccountType: jupico.BankAccountTypeChecking, NameOnAccount: "Acme LLC"}
	nextMonth   = jupico.DateOf(time.Now().UTC().AddDate(0, 1, 0))
)

// ids are the resources a run created, by step key.
type ids map[string]string

// step is one call: op with the request req builds. key, when set, keeps
// the result's ID (and txKey its TransactionID) for later steps; before
// runs first, on the fake (settling, opening a dispute).
type step struct {
	op     *wire.Operation
	key    string
	txKey  string
	before func(t *testing.T, srv *jupicotest.Server, got ids)
	req    func(got ids) any
}

func steps() []step {
	ref := func(key string) func(ids) any {
		return func(got ids) any { return &jupico.Ref{SubMerchantID: merchantID, ID: got[key]} }
	}
	inviteRef := func(key string) func(ids) any { return func(got ids) any { return &jupico.Ref{ID: got[key]} } }
	invite := func(email string) *jupico.InviteRequest {
		return &jupico.InviteRequest{Name: "Ada Lovelace", Email: email, Reference: "crm-" + email, MerchantSetup: jupico.MerchantSetup{
			Identity:           &jupico.Identity{Business: &jupico.Business{LegalName: "Acme LLC", Address: &jupico.BusinessAddress{City: "Austin"}}},
			PayoutBankAccounts: []jupico.BankAccount{bankAccount},
		}}
	}
	plan := &jupico.PlanRequest{SubMerchantID: merchantID, Name: "Gold", Amount: jupico.Cents(1500), Frequency: jupico.FrequencyMonthly}
	invoice := func(got ids) any {
		return &jupico.InvoiceRequest{SubMerchantID: merchantID, CustomerID: "cus_1", Total: jupico.Cents(5000),
			Items:       []jupico.Item{{Name: "Consulting", Quantity: 2, UnitPrice: jupico.Cents(2500)}},
			InvoiceDate: jupico.DateOf(time.Now()), DueDate: nextMonth, PaymentTerm: jupico.PaymentTermNet30}
	}
	newToken := func(key string) func(ids) any {
		return func(got ids) any {
			return &jupico.PaymentTokenUpdate{SubMerchantID: merchantID, ID: got[key], PaymentToken: jupico.PermanentToken("card", "tok_mc_5454")}
		}
	}
	list := func(got ids) any { return &jupico.ListFilter{SubMerchantID: merchantID} }
	all := func(got ids) any { return &jupico.ListFilter{} }
	return []step{
		{op: &wire.InviteCreate, key: "invite", req: func(ids) any { return invite("ada@example.com") }},
		{op: &wire.InviteUpdate, req: func(got ids) any {
			return &jupico.InviteUpdate{ID: got["invite"], Phone: jupico.Ptr("+1 512 555 0100")}
		}},
		{op: &wire.InviteSend, req: inviteRef("invite")},
		{op: &wire.InviteCreateAndSend, key: "invite2", req: func(ids) any { return invite("grace@example.com") }},
		{op: &wire.InviteCancel, req: inviteRef("invite2")},
		{op: &wire.InviteCreateBatch, req: func(ids) any {
			return &jupico.InviteBatchRequest{Invites: []jupico.InviteRequest{*invite("a@example.com"), *invite("b@example.com")}}
		}},
		{op: &wire.InviteAddSubMerchant, req: func(ids) any {
			return &jupico.AddSubMerchantRequest{ApplicantReference: "apl-ref-1", Reference: "add-1"}
		}},

		{op: &wire.ProvisionApplicant, key: "applicant", req: func(ids) any {
			return &jupico.ApplicantRequest{Name: "Acme Holdings", Email: "ops@acme.example"}
		}},
		{op: &wire.ProvisionApplication, key: "application", req: func(got ids) any {
			return &jupico.ApplicationRequest{ApplicantID: got["applicant"], Type: jupico.ApplicationTypeBusiness, OwnershipType: jupico.OwnershipTypeLLC, AccountLevel: jupico.AccountLevelFlex}
		}},
		{op: &wire.ProvisionSubMerchant, key: "submerchant", req: func(got ids) any {
			return &jupico.SubMerchantRequest{SMApplicationID: got["application"], Name: "Acme Austin", PayoutBankAccounts: []jupico.BankAccount{bankAccount}}
		}},

		{op: &wire.PaymentLinkCreate, key: "link", req: func(ids) any {
			return &jupico.PaymentLinkRequest{SubMerchantID: merchantID, Description: "Donation", Reusable: true}
		}},
		{op: &wire.PaymentLinkUpdate, req: func(got ids) any {
			return &jupico.PaymentLinkUpdate{ID: got["link"], SubMerchantID: merchantID, Amount: jupico.Ptr(jupico.Cents(2000))}
		}},
		{op: &wire.PaymentLinkDeactivate, req: ref("link")},
		{op: &wire.PaymentLinkDelete, req: ref("link")},

		{op: &wire.CheckoutCreate, key: "checkout", req: func(ids) any {
			return &jupico.CheckoutRequest{SubMerchantID: merchantID, Amount: jupico.Cents(4200), ReturnURL: "https://shop.example/done", Reference: "order-7"}
		}},
		{op: &wire.CheckoutUpdate, req: func(got ids) any {
			return &jupico.CheckoutUpdate{ID: got["checkout"], SubMerchantID: merchantID, Amount: jupico.Ptr(jupico.Cents(4300))}
		}},
		{op: &wire.CheckoutDeactivate, req: ref("checkout")},
		{op: &wire.CheckoutDelete, req: ref("checkout")},

		{op: &wire.InvoiceCreate, key: "invoice", req: invoice},
		{op: &wire.InvoiceUpdate, req: func(got ids) any {
			return &jupico.InvoiceUpdate{ID: got["invoice"], SubMerchantID: merchantID, Memo: jupico.Ptr("Thank you")}
		}},
		{op: &wire.InvoiceSend, req: ref("invoice")},
		{op: &wire.InvoiceVoid, req: ref("invoice")},
		{op: &wire.InvoiceCreate, key: "invoice2", req: invoice},
		{op: &wire.InvoiceDelete, req: ref("invoice2")},

		{op: &wire.PlanCreate, key: "plan", req: func(ids) any { p := *plan; return &p }},
		{op: &wire.PlanUpdate, req: func(got ids) any {
			return &jupico.PlanUpdate{ID: got["plan"], SubMerchantID: merchantID, Description: jupico.Ptr("Gold tier")}
		}},
		{op: &wire.PlanDeactivate, req: ref("plan")},
		{op: &wire.PlanActivate, req: ref("plan")},
		{op: &wire.SubscriptionCreate, key: "subscription", txKey: "tx", req: func(got ids) any {
			return &jupico.SubscriptionRequest{SubMerchantID: merchantID, PlanID: got["plan"], CustomerID: "cus_1", PaymentToken: cardToken}
		}},
		{op: &wire.SubscriptionDeactivate, req: ref("subscription")},
		{op: &wire.SubscriptionActivate, req: ref("subscription")},
		{op: &wire.SubscriptionPaymentToken, req: newToken("subscription")},
		{op: &wire.SubscriptionDelete, req: ref("subscription")},
		{op: &wire.PlanDelete, req: ref("plan")},

		{op: &wire.InstallmentCreate, key: "installment", req: func(ids) any {
			return &jupico.InstallmentRequest{SubMerchantID: merchantID, CustomerID: "cus_1", Total: jupico.Cents(10000),
				Deposit:      &jupico.InstallmentDeposit{Amount: jupico.Cents(1000)},
				Payments:     jupico.InstallmentSchedule{Amount: jupico.Cents(3000), Frequency: jupico.FrequencyBiweekly, Cycles: 3},
				PaymentToken: cardToken}
		}},
		{op: &wire.InstallmentDeactivate, req: ref("installment")},
		{op: &wire.InstallmentActivate, req: ref("installment")},
		{op: &wire.InstallmentPaymentToken, req: newToken("installment")},
		{op: &wire.InstallmentDelete, req: ref("installment")},

		{op: &wire.PayoutCreate, key: "payout", before: settle, req: func(ids) any {
			return &jupico.PayoutRequest{SubMerchantID: merchantID, Amount: jupico.Cents(500), Reference: "po-1"}
		}},
		{op: &wire.PayoutVoid, req: ref("payout")},

		{op: &wire.QueryTimeline, req: func(got ids) any { return &jupico.TimelineRequest{SubMerchantID: merchantID, TransactionID: got["tx"]} }},
		{op: &wire.QueryMerchants, req: all},
		{op: &wire.QueryBankAccounts, req: all},
		{op: &wire.QueryOperations, req: list},
		{op: &wire.QueryFees, req: list, before: dispute},
		{op: &wire.QueryPayoutInstructions, req: list},
		{op: &wire.QueryBalance, req: func(ids) any { return &jupico.BalanceRequest{SubMerchantID: merchantID} }},
		{op: &wire.QuerySettlements, req: list},
		{op: &wire.QueryDisputes, req: list},
		{op: &wire.QueryDisputeHistory, req: func(got ids) any { return &jupico.DisputeHistoryFilter{DisputeID: got["dispute"]} }},
		{op: &wire.QueryCheckoutSessions, req: list},
		{op: &wire.QueryPaymentLinks, req: func(ids) any { return &jupico.ListFilter{Status: "deleted"} }},
		{op: &wire.QueryOnboardingInvites, req: all},
		{op: &wire.QueryInvoices, req: list},
		{op: &wire.QuerySubscriptions, req: func(ids) any { return &jupico.ListFilter{Status: "deleted"} }},
		{op: &wire.QueryPlans, req: func(ids) any { return &jupico.ListFilter{Status: "deleted"} }},
		{op: &wire.QueryPlan, key: "plan-again", before: newPlan(plan), req: ref("plan3")},
	}
}

// settle sells 100.00 and settles it, so the merchant has a balance.
func settle(t *testing.T, srv *jupicotest.Server, _ ids) {
	c := srv.Client()
	_, err := c.CreditCard.Sale(context.Background(), charge(10000))
	require.NoError(t, err)
	srv.Settle()
}

// dispute opens a chargeback on the subscription's charge.
func dispute(t *testing.T, srv *jupicotest.Server, got ids) {
	id, err := srv.OpenDispute(got["tx"], "fraudulent")
	require.NoError(t, err)
	got["dispute"] = id
}

func newPlan(p *jupico.PlanRequest) func(*testing.T, *jupicotest.Server, ids) {
	return func(t *testing.T, srv *jupicotest.Server, got ids) {
		pl, err := srv.Client().Plans.Create(context.Background(), p)
		require.NoError(t, err)
		got["plan3"] = pl.ID
	}
}

// invoke calls the client method of op's row (Call) with req.
func invoke(ctx context.Context, c *jupico.Client, op *wire.Operation, req any) (any, error) {
	svc, method, ok := strings.Cut(op.Call, ".")
	target := reflect.ValueOf(c)
	if ok {
		target = target.Elem().FieldByName(svc)
	} else {
		method = svc
	}
	m := target.MethodByName(method)
	if !m.IsValid() {
		return nil, errors.New("no method " + op.Call)
	}
	out := m.Call([]reflect.Value{reflect.ValueOf(ctx), reflect.ValueOf(req)})
	err, _ := out[1].Interface().(error)
	return out[0].Interface(), err
}

// field returns the string field name of res (a pointer to a struct).
func field(res any, name string) string {
	v := reflect.ValueOf(res)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return ""
	}
	f := v.Elem().FieldByName(name)
	if !f.IsValid() || f.Kind() != reflect.String {
		return ""
	}
	return f.String()
}

// run runs steps on srv with c until stop (whose before still runs; nil
// runs them all) and returns the ids made.
func run(t *testing.T, srv *jupicotest.Server, c *jupico.Client, stop *wire.Operation) ids {
	t.Helper()
	got := ids{}
	for _, s := range steps() {
		if s.before != nil {
			s.before(t, srv, got)
		}
		if s.op == stop {
			break
		}
		res, err := invoke(context.Background(), c, s.op, s.req(got))
		require.NoError(t, err, "%s", s.op.Call)
		if raw := reflect.ValueOf(res).Elem().FieldByName("Raw"); raw.IsValid() {
			assert.NotContains(t, string(raw.Bytes()), "tok_", "%s: an answer never echoes a payment token", s.op.Call)
		}
		if s.key != "" {
			got[s.key] = field(res, "ID")
			require.NotEmpty(t, got[s.key], "%s returned no ID", s.op.Call)
		}
		if s.txKey != "" {
			got[s.txKey] = field(res, "TransactionID")
		}
	}
	return got
}

// requestOf builds the request of op's first step with placeholder ids.
func requestOf(op *wire.Operation) any {
	for _, s := range steps() {
		if s.op == op {
			return s.req(ids{"invite": "inv_1", "invite2": "inv_2", "link": "pl_1", "checkout": "co_1", "invoice": "in_1",
				"invoice2": "in_2", "plan": "plan_1", "plan3": "plan_3", "subscription": "sub_1", "installment": "ins_1",
				"payout": "po_1", "tx": "tx_1", "dispute": "dp_1", "applicant": "apl_1", "application": "app_1"})
		}
	}
	return nil
}

func TestEveryPlatformOperationRoundTrips(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client(fast)
	got := run(t, srv, c, nil)

	// Every row of the table that the steps cover reached its path, and
	// every platform row is covered.
	covered := map[*wire.Operation]bool{}
	for _, s := range steps() {
		covered[s.op] = true
		assert.NotEmpty(t, srv.RequestsTo(s.op.Path), "%s reached %s", s.op.Call, s.op.Path)
	}
	for _, op := range wire.Operations {
		if strings.HasPrefix(op.Path, "/v1/transactions/") || op == &wire.Status || op == &wire.BrowserSession || op == &wire.QueryTransactions {
			continue // card, eCheck, session, status and transaction-query tests cover these
		}
		assert.True(t, covered[op], "no round trip for %s", op.Call)
	}
	assert.NotEmpty(t, got["dispute"])
}
