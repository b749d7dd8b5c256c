package jupico_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/internal/wire"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// Rules each platform request is held to before anything is sent. Each
// case starts from its row's valid request, breaks one rule, and expects
// the field named.
func TestPlatformRequestsAreValidatedBeforeSending(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client()
	ctx := context.Background()
	feb30 := jupico.Date{Year: 2027, Month: time.February, Day: 30}
	badAccount := func(mut func(*jupico.BankAccount)) any {
		r := requestOf(&wire.ProvisionSubMerchant).(*jupico.SubMerchantRequest)
		r.PayoutBankAccounts = []jupico.BankAccount{bankAccount}
		mut(&r.PayoutBankAccounts[0])
		return r
	}
	cases := []struct {
		name  string
		op    *wire.Operation
		req   any
		field string
	}{
		{"nil request", &wire.PlanCreate, (*jupico.PlanRequest)(nil), "request"},
		{"individual as an LLC", &wire.ProvisionApplication, &jupico.ApplicationRequest{ApplicantID: "apl_1", Type: jupico.ApplicationTypeIndividual,
			OwnershipType: jupico.OwnershipTypeLLC, AccountLevel: jupico.AccountLevelRapid}, "ownershipType"},
		{"government as a trust", &wire.ProvisionApplication, &jupico.ApplicationRequest{ApplicantID: "apl_1", Type: jupico.ApplicationTypeGovernmentPublicCorp,
			OwnershipType: jupico.OwnershipTypeTrust, AccountLevel: jupico.AccountLevelCustom}, "ownershipType"},
		{"unknown application type", &wire.ProvisionApplication, &jupico.ApplicationRequest{ApplicantID: "apl_1", Type: "charity",
			OwnershipType: jupico.OwnershipTypeNonProfit, AccountLevel: jupico.AccountLevelFlex}, "type"},
		{"unknown account level", &wire.ProvisionApplication, &jupico.ApplicationRequest{ApplicantID: "apl_1", Type: jupico.ApplicationTypeBusiness,
			OwnershipType: jupico.OwnershipTypeNonProfit, AccountLevel: "Gold"}, "accountLevel"},
		{"routing number checksum", &wire.ProvisionSubMerchant, badAccount(func(a *jupico.BankAccount) { a.RoutingNumber = "011000016" }), "payoutBankAccounts[0].accountRouting"},
		{"routing number length", &wire.ProvisionSubMerchant, badAccount(func(a *jupico.BankAccount) { a.RoutingNumber = "01100001" }), "payoutBankAccounts[0].accountRouting"},
		{"account number with letters", &wire.ProvisionSubMerchant, badAccount(func(a *jupico.BankAccount) { a.AccountNumber = "12345x" }), "payoutBankAccounts[0].accountNumber"},
		{"account without a holder", &wire.ProvisionSubMerchant, badAccount(func(a *jupico.BankAccount) { a.NameOnAccount = "" }), "payoutBankAccounts[0]"},
		{"ownership over 100 %", &wire.InviteCreate, func() any {
			r := requestOf(&wire.InviteCreate).(*jupico.InviteRequest)
			r.Identity.Representatives = []jupico.Representative{{FirstName: "A", OwnershipPercent: 120}}
			return r
		}(), "identity.representatives"},
		{"fees not an object", &wire.InviteCreate, func() any {
			r := requestOf(&wire.InviteCreate).(*jupico.InviteRequest)
			r.Fees = json.RawMessage(`[1]`)
			return r
		}(), "fees"},
		{"fees not JSON", &wire.InviteCreate, func() any {
			r := requestOf(&wire.InviteCreate).(*jupico.InviteRequest)
			r.Fees = json.RawMessage(`{"fixed":`)
			return r
		}(), "fees"},
		{"fees with a card number behind JSON escapes", &wire.InviteCreate, func() any {
			r := requestOf(&wire.InviteCreate).(*jupico.InviteRequest)
			r.Fees = json.RawMessage(`{"note":"\u0034111 1111 1111 1111"}`)
			return r
		}(), "fees"},
		{"invite without email", &wire.InviteCreate, &jupico.InviteRequest{Name: "Ada"}, "email"},
		{"empty batch", &wire.InviteCreateBatch, &jupico.InviteBatchRequest{}, "invites"},
		{"batch too large", &wire.InviteCreateBatch, &jupico.InviteBatchRequest{Invites: make([]jupico.InviteRequest, jupico.MaxBatchInvites+1)}, "invites"},
		{"batch invite without email", &wire.InviteCreateBatch, &jupico.InviteBatchRequest{Invites: []jupico.InviteRequest{
			{Name: "A", Email: "a@example.com"}, {Name: "B"}}}, "invites[1].email"},
		{"batch invite with its own Extra", &wire.InviteCreateBatch, &jupico.InviteBatchRequest{Invites: []jupico.InviteRequest{
			{Name: "A", Email: "a@example.com", Extra: map[string]any{"x": 1}}}}, "invites[0].extra"},
		{"add-merchant invite without applicant", &wire.InviteAddSubMerchant, &jupico.AddSubMerchantRequest{Reference: "r"}, "applicantReference"},
		{"invoice total off", &wire.InvoiceCreate, func() any {
			r := requestOf(&wire.InvoiceCreate).(*jupico.InvoiceRequest)
			r.Total = jupico.Cents(4999)
			return r
		}(), "total"},
		{"invoice due before its date", &wire.InvoiceCreate, func() any {
			r := requestOf(&wire.InvoiceCreate).(*jupico.InvoiceRequest)
			r.DueDate = jupico.DateOf(time.Now().AddDate(0, 0, -1))
			return r
		}(), "dueDate"},
		{"invoice without items", &wire.InvoiceCreate, func() any {
			r := requestOf(&wire.InvoiceCreate).(*jupico.InvoiceRequest)
			r.Items = nil
			return r
		}(), "items"},
		{"invoice without a due date", &wire.InvoiceCreate, func() any {
			r := requestOf(&wire.InvoiceCreate).(*jupico.InvoiceRequest)
			r.DueDate = jupico.Date{}
			return r
		}(), "dueDate"},
		{"a day that does not exist", &wire.SubscriptionCreate, func() any {
			r := requestOf(&wire.SubscriptionCreate).(*jupico.SubscriptionRequest)
			r.StartDate = feb30
			return r
		}(), "startDate"},
		{"subscription with a card number as token", &wire.SubscriptionCreate, func() any {
			r := requestOf(&wire.SubscriptionCreate).(*jupico.SubscriptionRequest)
			r.PaymentToken = jupico.PermanentToken("card", "4242424242424242")
			return r
		}(), "paymentToken.token"},
		{"checkout returns over http", &wire.CheckoutCreate, func() any {
			r := requestOf(&wire.CheckoutCreate).(*jupico.CheckoutRequest)
			r.ReturnURL = "http://shop.example/done"
			return r
		}(), "returnUrl"},
		{"checkout cancel URL with userinfo", &wire.CheckoutCreate, func() any {
			r := requestOf(&wire.CheckoutCreate).(*jupico.CheckoutRequest)
			r.CancelURL = "https://user:pw@shop.example/cancel"
			return r
		}(), "cancelUrl"},
		{"checkout of nothing", &wire.CheckoutCreate, func() any {
			r := requestOf(&wire.CheckoutCreate).(*jupico.CheckoutRequest)
			r.Amount = 0
			return r
		}(), "amount"},
		{"negative amount anywhere", &wire.PaymentLinkCreate, func() any {
			r := requestOf(&wire.PaymentLinkCreate).(*jupico.PaymentLinkRequest)
			r.Items = []jupico.Item{{Name: "x", UnitPrice: jupico.Cents(-1)}}
			return r
		}(), "items[0].unitPrice"},
		{"installments that do not reach the total", &wire.InstallmentCreate, func() any {
			r := requestOf(&wire.InstallmentCreate).(*jupico.InstallmentRequest)
			r.Total = jupico.Cents(10001)
			return r
		}(), "total"},
		{"installments with a cycle too many", &wire.InstallmentCreate, func() any {
			r := requestOf(&wire.InstallmentCreate).(*jupico.InstallmentRequest)
			r.Payments.Cycles = 4
			return r
		}(), "total"},
		{"installments without cycles", &wire.InstallmentCreate, func() any {
			r := requestOf(&wire.InstallmentCreate).(*jupico.InstallmentRequest)
			r.Payments.Cycles = 0
			return r
		}(), "payments.cycles"},
		{"plan without a frequency", &wire.PlanCreate, func() any {
			r := requestOf(&wire.PlanCreate).(*jupico.PlanRequest)
			r.Frequency = ""
			return r
		}(), "frequency"},
		{"update without an id", &wire.PlanUpdate, &jupico.PlanUpdate{SubMerchantID: merchantID, Cycles: jupico.Ptr(0)}, "planId"},
		{"update without its merchant", &wire.PlanUpdate, &jupico.PlanUpdate{ID: "plan_1", Cycles: jupico.Ptr(0)}, "subMerchantId"},
		{"ref without an id", &wire.PlanActivate, &jupico.Ref{SubMerchantID: merchantID}, "planId"},
		{"ref without its merchant", &wire.PayoutVoid, &jupico.Ref{ID: "po_1"}, "subMerchantId"},
		{"token update without a token", &wire.InstallmentPaymentToken, &jupico.PaymentTokenUpdate{SubMerchantID: merchantID, ID: "ins_1"}, "paymentToken"},
		{"page too large", &wire.QueryPlans, &jupico.ListFilter{Limit: jupico.MaxPageSize + 1}, "limit"},
		{"window backwards", &wire.QueryDisputes, &jupico.ListFilter{From: time.Now(), To: time.Now().Add(-time.Hour)}, "to"},
		{"dispute history of no dispute", &wire.QueryDisputeHistory, &jupico.DisputeHistoryFilter{}, "disputeId"},
		{"balance of no one", &wire.QueryBalance, &jupico.BalanceRequest{}, "subMerchantId"},
		{"timeline of no transaction", &wire.QueryTimeline, &jupico.TimelineRequest{SubMerchantID: merchantID}, "transactionId"},
		{"control characters", &wire.ProvisionApplicant, &jupico.ApplicantRequest{Name: "Acme\x00", Email: "a@example.com"}, "name"},
	}
	for _, tc := range cases {
		_, err := invoke(ctx, c, tc.op, tc.req)
		var ve *jupico.ValidationError
		if assert.ErrorAs(t, err, &ve, tc.name) {
			assert.Equal(t, tc.field, ve.Field, "%s: %s", tc.name, ve.Reason)
			assert.ErrorIs(t, err, jupico.ErrValidation)
		}
	}
	assert.Zero(t, len(srv.Requests()), "nothing refused was sent")

	// An invite to the platform needs no merchant; a valid update of one
	// field passes.
	inv, err := c.OnboardingInvites.Create(ctx, &jupico.InviteRequest{Name: "Ada", Email: "ada@example.com"})
	require.NoError(t, err)
	_, err = c.OnboardingInvites.Send(ctx, &jupico.Ref{ID: inv.ID})
	require.NoError(t, err)
}

// A bank account number prints masked through every fmt verb; only the
// request body carries it whole.
func TestAccountNumbersPrintMasked(t *testing.T) {
	t.Parallel()
	a := jupico.BankAccount{RoutingNumber: "011000015", AccountNumber: "000123456789", AccountType: jupico.BankAccountTypeSavings, NameOnAccount: "Ada"}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		s := fmt.Sprintf(verb, a)
		assert.NotContains(t, s, "0001234", verb)
		assert.NotContains(t, s, "3030303132333435", verb, "%x shows no digits either")
	}
	assert.Contains(t, fmt.Sprint(a.AccountNumber), "****6789")
	assert.Equal(t, "****", jupico.AccountNumber("12").String())
	b, err := json.Marshal(a)
	require.NoError(t, err)
	assert.Contains(t, string(b), `"accountNumber":"000123456789"`)
}

func TestDates(t *testing.T) {
	t.Parallel()
	d, err := jupico.ParseDate("2027-02-28")
	require.NoError(t, err)
	assert.Equal(t, jupico.Date{Year: 2027, Month: time.February, Day: 28}, d)
	b, err := json.Marshal(d)
	require.NoError(t, err)
	assert.Equal(t, `"2027-02-28"`, string(b))
	var back jupico.Date
	require.NoError(t, json.Unmarshal([]byte(`"2027-03-01T10:00:00Z"`), &back), "a timestamp gives its day")
	assert.Equal(t, "2027-03-01", back.String())
	assert.True(t, d.Before(back))
	for _, bad := range []string{"2027-02-29", "27-02-28", "2027/02/28", ""} {
		_, err := jupico.ParseDate(bad)
		assert.Error(t, err, bad)
	}
	_, err = json.Marshal(jupico.Date{Year: 2027, Month: 13, Day: 1})
	assert.Error(t, err)
	assert.True(t, jupico.Date{}.IsZero())
	assert.False(t, jupico.Date{}.Valid())
	assert.Error(t, json.Unmarshal([]byte(`20270228`), &back))
	assert.Equal(t, "0000-00-00", jupico.Date{}.String())
	assert.Equal(t, "2027-02-30", jupico.Date{Year: 2027, Month: time.February, Day: 30}.String(), "an impossible day is shown as given")
}
