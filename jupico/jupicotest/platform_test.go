package jupicotest_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
	"github.com/jupico/jupico-go/webhook"
)

const sub = "jpt-fs-demo-acc1-m1"

var token = jupico.PermanentToken("card", "tok_visa_4242")

// An invite, followed by the merchant through the fake: each step moves
// its status and delivers the matching onboarding webhook, signed, to the
// merchant's receiver, which parses it with package webhook.
func TestInviteLifecycleDeliversOnboardingWebhooks(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	recv := newReceiver(t, verifier(t, srv.WebhookSecret()), nil)
	srv.SetWebhookClient(recv.Client())
	require.NoError(t, srv.SetWebhookURL(recv.URL))
	c := srv.Client()
	ctx := context.Background()

	inv, err := c.OnboardingInvites.Create(ctx, &jupico.InviteRequest{Name: "Ada", Email: "ada@example.com", Reference: "crm-42",
		MerchantSetup: jupico.MerchantSetup{Identity: &jupico.Identity{Business: &jupico.Business{LegalName: "Acme LLC", DBAName: "Acme"}}}})
	require.NoError(t, err)
	assert.Equal(t, jupico.InviteStatusCreated, inv.Status)
	_, _, err = srv.AdvanceInvite(ctx, inv.ID)
	require.ErrorIs(t, err, jupicotest.ErrInviteState, "an invite never sent cannot be opened")

	ref := &jupico.Ref{ID: inv.ID}
	inv, err = c.OnboardingInvites.Send(ctx, ref)
	require.NoError(t, err)
	assert.Equal(t, jupico.InviteStatusSent, inv.Status)
	inv, err = c.OnboardingInvites.Send(ctx, ref)
	require.NoError(t, err)
	assert.Equal(t, jupico.InviteStatusResent, inv.Status)

	want := []struct {
		event  webhook.EventType
		status jupico.InviteStatus
	}{
		{webhook.EventApplicationInitiated, jupico.InviteStatusInitiated},
		{webhook.EventMerchantSubmit, jupico.InviteStatusOnboarding},
		{webhook.EventMerchantActivation, jupico.InviteStatusOnboarding},
	}
	for _, w := range want {
		ev, d, err := srv.AdvanceInvite(ctx, inv.ID)
		require.NoError(t, err)
		assert.Equal(t, w.event, ev)
		require.NotNil(t, d)
		assert.True(t, d.Acknowledged(), "the receiver verified and processed %s", ev)
		page, err := c.Query.OnboardingInvites(ctx, &jupico.ListFilter{Extra: map[string]any{"inviteId": inv.ID}})
		require.NoError(t, err)
		require.Len(t, page.Items, 1)
		assert.Equal(t, w.status, page.Items[0].Status)
	}
	_, _, err = srv.AdvanceInvite(ctx, inv.ID)
	require.ErrorIs(t, err, jupicotest.ErrInviteState, "an active merchant has no further step")

	evs := recv.events()
	require.Len(t, evs, 3)
	for i, e := range evs {
		assert.Equal(t, want[i].event, e.Type)
	}
	act, err := evs[2].MerchantActivation()
	require.NoError(t, err)
	assert.Equal(t, inv.ID, act.Invite.InviteID)
	assert.Equal(t, "crm-42", act.Invite.Reference)
	require.NotNil(t, act.Identity)
	assert.Equal(t, "Acme LLC", act.Identity.Business.LegalName)
	assert.Equal(t, "ada@example.com", act.Applicant.Email)
	init, err := evs[0].ApplicationInitiated()
	require.NoError(t, err)
	assert.Nil(t, init.Identity, "the business identity comes with the submission")
	assert.Equal(t, act.SubMerchantID, init.SubMerchantID)

	merchants, err := c.Query.Merchants(ctx, nil)
	require.NoError(t, err)
	require.Len(t, merchants.Items, 1)
	assert.Equal(t, act.SubMerchantID, merchants.Items[0].ID)
	assert.Equal(t, jupico.MerchantStatusActive, merchants.Items[0].Status)

	// Once the merchant started, the invite can no longer be changed.
	_, err = c.OnboardingInvites.Update(ctx, &jupico.InviteUpdate{ID: inv.ID, Phone: jupico.Ptr("1")})
	assert.ErrorIs(t, err, jupico.ErrInvalidPayload)
	_, err = c.OnboardingInvites.Cancel(ctx, ref)
	assert.ErrorIs(t, err, jupico.ErrInvalidPayload)
}

func TestInvitesCancelAndExpire(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client()
	ctx := context.Background()
	mk := func() *jupico.Invite {
		inv, err := c.OnboardingInvites.CreateAndSend(ctx, &jupico.InviteRequest{Name: "Ada", Email: "ada@example.com"})
		require.NoError(t, err)
		assert.Equal(t, jupico.InviteStatusSent, inv.Status)
		return inv
	}
	a := mk()
	got, err := c.OnboardingInvites.Cancel(ctx, &jupico.Ref{ID: a.ID})
	require.NoError(t, err)
	assert.Equal(t, jupico.InviteStatusCancelled, got.Status)
	_, err = c.OnboardingInvites.Send(ctx, &jupico.Ref{ID: a.ID})
	assert.ErrorIs(t, err, jupico.ErrInvalidPayload, "a cancelled invite is not sent")
	_, _, err = srv.AdvanceInvite(ctx, a.ID)
	assert.ErrorIs(t, err, jupicotest.ErrInviteState)

	b := mk()
	require.NoError(t, srv.ExpireInvite(b.ID))
	_, err = c.OnboardingInvites.Cancel(ctx, &jupico.Ref{ID: b.ID})
	assert.ErrorIs(t, err, jupico.ErrInvalidPayload, "an expired invite is not cancelled")
	assert.ErrorIs(t, srv.ExpireInvite(b.ID), jupicotest.ErrInviteState)
	_, err = c.OnboardingInvites.Send(ctx, &jupico.Ref{ID: "inv_404404"})
	assert.ErrorIs(t, err, jupico.ErrInvalidPayload)

	// Without a webhook URL the step still happens.
	d := mk()
	ev, del, err := srv.AdvanceInvite(ctx, d.ID)
	require.NoError(t, err)
	assert.Equal(t, webhook.EventApplicationInitiated, ev)
	assert.Nil(t, del)
}

func TestInvoiceVoidedOnce(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client()
	ctx := context.Background()
	mk := func() *jupico.Invoice {
		in, err := c.Invoices.Create(ctx, &jupico.InvoiceRequest{SubMerchantID: sub, CustomerID: "cus_1", Total: jupico.Cents(1000),
			Items: []jupico.Item{{Name: "Lesson", UnitPrice: jupico.Cents(1000)}}, InvoiceDate: jupico.DateOf(time.Now()),
			DueDate: jupico.DateOf(time.Now()), PaymentTerm: jupico.PaymentTermDueOnReceipt})
		require.NoError(t, err)
		assert.Equal(t, jupico.InvoiceStatusDraft, in.Status)
		return in
	}
	in := mk()
	ref := &jupico.Ref{SubMerchantID: sub, ID: in.ID}
	sent, err := c.Invoices.Send(ctx, ref)
	require.NoError(t, err)
	assert.Equal(t, jupico.InvoiceStatusSent, sent.Status)
	_, err = c.Invoices.Delete(ctx, ref)
	assert.ErrorIs(t, err, jupico.ErrInvalidPayload, "a sent invoice is voided, not deleted")
	v, err := c.Invoices.Void(ctx, ref)
	require.NoError(t, err)
	assert.Equal(t, jupico.InvoiceStatusVoided, v.Status)
	_, err = c.Invoices.Void(ctx, ref)
	var ae *jupico.APIError
	require.ErrorAs(t, err, &ae, "an invoice cannot be voided twice")
	assert.Equal(t, http.StatusBadRequest, ae.HTTPStatus)
	_, err = c.Invoices.Void(ctx, &jupico.Ref{SubMerchantID: "someone-else", ID: in.ID})
	assert.ErrorIs(t, err, jupico.ErrInvalidPayload, "another merchant's invoice is not found")
}

// The balance rises with settled sales and falls with each payout; a
// payout can be voided until it is processed, and never exceeds the
// balance.
func TestBalanceFollowsSalesAndPayouts(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client(jupico.WithRetry(jupico.NoRetry()))
	ctx := context.Background()
	balance := func() (avail, pending jupico.Amount) {
		t.Helper()
		b, err := c.Query.Balance(ctx, &jupico.BalanceRequest{SubMerchantID: sub})
		require.NoError(t, err)
		return b.Available, b.Pending
	}
	sale := func(cents int64) {
		_, err := c.CreditCard.Sale(ctx, &jupico.ChargeRequest{SubMerchantID: sub, Amount: jupico.Cents(cents), PaymentToken: token})
		require.NoError(t, err)
	}
	sale(10000)
	a, p := balance()
	assert.Equal(t, jupico.Cents(0), a)
	assert.Equal(t, jupico.Cents(10000), p, "captured, not settled")
	srv.Settle()
	a, p = balance()
	assert.Equal(t, jupico.Cents(10000), a)
	assert.Zero(t, p)

	payout := func(cents int64) (*jupico.Payout, error) {
		return c.Payouts.Create(ctx, &jupico.PayoutRequest{SubMerchantID: sub, Amount: jupico.Cents(cents), Reference: "po"})
	}
	_, err := payout(10001)
	assert.ErrorIs(t, err, jupico.ErrInvalidPayload, "more than the available balance")
	first, err := payout(3000)
	require.NoError(t, err)
	assert.Equal(t, jupico.PayoutStatusPending, first.Status)
	a, _ = balance()
	assert.Equal(t, jupico.Cents(7000), a)
	v, err := c.Payouts.Void(ctx, &jupico.Ref{SubMerchantID: sub, ID: first.ID})
	require.NoError(t, err)
	assert.Equal(t, jupico.PayoutStatusVoided, v.Status)
	a, _ = balance()
	assert.Equal(t, jupico.Cents(10000), a, "a voided payout gives the money back")
	_, err = c.Payouts.Void(ctx, &jupico.Ref{SubMerchantID: sub, ID: first.ID})
	assert.ErrorIs(t, err, jupico.ErrInvalidPayload)

	second, err := payout(4000)
	require.NoError(t, err)
	assert.Equal(t, 1, srv.ProcessPayouts())
	_, err = c.Payouts.Void(ctx, &jupico.Ref{SubMerchantID: sub, ID: second.ID})
	assert.ErrorIs(t, err, jupico.ErrInvalidPayload, "a processed payout cannot be voided")
	a, _ = balance()
	assert.Equal(t, jupico.Cents(6000), a)

	sale(2500)
	srv.Settle()
	a, _ = balance()
	assert.Equal(t, jupico.Cents(8500), a)
	payouts, err := c.Query.PayoutInstructions(ctx, &jupico.ListFilter{SubMerchantID: sub})
	require.NoError(t, err)
	require.Len(t, payouts.Items, 2)
	assert.Equal(t, jupico.PayoutStatusVoided, payouts.Items[0].Status)
	assert.Equal(t, jupico.PayoutStatusProcessed, payouts.Items[1].Status)
	settlements, err := c.Query.Settlements(ctx, &jupico.ListFilter{SubMerchantID: sub})
	require.NoError(t, err)
	require.Len(t, settlements.Items, 2)
	assert.Equal(t, jupico.Cents(2500), settlements.Items[1].Amount)

	// A dispute takes the amount and the fee; winning it gives the amount
	// back.
	txs := srv.Transactions()
	d, err := srv.OpenDispute(txs[1].ID, "fraudulent")
	require.NoError(t, err)
	a, _ = balance()
	assert.Equal(t, jupico.Cents(8500-2500)-jupicotest.DisputeFee, a)
	require.NoError(t, srv.ResolveDispute(d, true))
	a, _ = balance()
	assert.Equal(t, jupico.Cents(8500)-jupicotest.DisputeFee, a)
	assert.ErrorIs(t, srv.ResolveDispute(d, false), jupicotest.ErrNoDispute)
}

// What creating an installment plan charges at once, in Jupico's four
// documented cases.
func TestInstallmentChargesWhatIsDue(t *testing.T) {
	t.Parallel()
	later := jupico.DateOf(time.Now().UTC().AddDate(0, 0, 10))
	for _, tc := range []struct {
		name    string
		deposit int64
		start   jupico.Date
		charged int64
	}{
		{"no deposit, no future start: the first payment", 0, jupico.Date{}, 2500},
		{"future start, no deposit: nothing", 0, later, 0},
		{"deposit, no future start: deposit and first payment", 1000, jupico.Date{}, 3500},
		{"deposit and future start: the deposit", 1000, later, 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := jupicotest.NewServer(t)
			c := srv.Client()
			total := 4*2500 + tc.deposit
			req := &jupico.InstallmentRequest{SubMerchantID: sub, CustomerID: "cus_1", Total: jupico.Cents(total),
				Payments:     jupico.InstallmentSchedule{Amount: jupico.Cents(2500), Frequency: jupico.FrequencyWeekly, Cycles: 4, StartDate: tc.start},
				PaymentToken: token}
			if tc.deposit > 0 {
				req.Deposit = &jupico.InstallmentDeposit{Amount: jupico.Cents(tc.deposit)}
			}
			ins, err := c.Installments.Create(context.Background(), req)
			require.NoError(t, err)
			assert.Equal(t, jupico.Cents(tc.charged), ins.Charged)
			var sum jupico.Amount
			for _, e := range ins.Executions {
				sum += e.Amount
			}
			assert.Equal(t, jupico.Cents(total), sum, "the executions add up to the total")
			txs := srv.Transactions()
			if tc.charged == 0 {
				assert.Empty(t, txs)
				assert.Empty(t, ins.TransactionID)
				return
			}
			require.Len(t, txs, 1)
			assert.Equal(t, jupico.Cents(tc.charged), txs[0].Captured)
			assert.Equal(t, txs[0].ID, ins.TransactionID)
		})
	}
}

func TestSubscriptionsNeedAnActivePlan(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client()
	ctx := context.Background()
	plan, err := c.Plans.Create(ctx, &jupico.PlanRequest{SubMerchantID: sub, Name: "Gold", Amount: jupico.Cents(900), Frequency: jupico.FrequencyEvery28Days})
	require.NoError(t, err)
	pref := &jupico.Ref{SubMerchantID: sub, ID: plan.ID}
	_, err = c.Plans.Activate(ctx, pref)
	assert.ErrorIs(t, err, jupico.ErrInvalidPayload, "already active")
	_, err = c.Plans.Deactivate(ctx, pref)
	require.NoError(t, err)
	subReq := &jupico.SubscriptionRequest{SubMerchantID: sub, PlanID: plan.ID, CustomerID: "cus_1", PaymentToken: token}
	_, err = c.Subscriptions.Create(ctx, subReq)
	assert.ErrorIs(t, err, jupico.ErrInvalidPayload, "an inactive plan takes no subscription")
	assert.Empty(t, srv.Transactions())
	_, err = c.Plans.Activate(ctx, pref)
	require.NoError(t, err)
	s, err := c.Subscriptions.Create(ctx, subReq)
	require.NoError(t, err)
	assert.Equal(t, jupico.Cents(900), s.Charged)
	assert.Equal(t, jupico.DateOf(time.Now().UTC().AddDate(0, 0, 28)), s.NextCharge)
	got, err := c.Query.Plan(ctx, pref)
	require.NoError(t, err)
	assert.Equal(t, jupico.PlanStatusActive, got.Status)

	// A subscription that starts later charges nothing now.
	subReq.StartDate = jupico.DateOf(time.Now().UTC().AddDate(0, 1, 0))
	later, err := c.Subscriptions.Create(ctx, subReq)
	require.NoError(t, err)
	assert.Zero(t, later.Charged)
	assert.Len(t, srv.Transactions(), 1)
}

// Faults apply to the platform paths like to any other: a write answered
// 503 is retried, one answered 500 is not.
func TestPlatformWritesUnderFaults(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client(jupico.WithRetry(jupico.RetryPolicy{MaxAttempts: 3, MinDelay: time.Millisecond, MaxDelay: time.Millisecond}))
	ctx := context.Background()
	path := "/v1/subscriptions/plan/create"
	req := &jupico.PlanRequest{SubMerchantID: sub, Name: "Gold", Amount: jupico.Cents(900), Frequency: jupico.FrequencyMonthly}
	srv.InjectFault(path, jupicotest.Fault{Status: http.StatusServiceUnavailable, Times: 1})
	_, err := c.Plans.Create(ctx, req)
	require.NoError(t, err)
	assert.Len(t, srv.RequestsTo(path), 2)

	srv.InjectFault(path, jupicotest.Fault{Status: http.StatusInternalServerError, Times: 1})
	_, err = c.Plans.Create(ctx, req)
	assert.ErrorIs(t, err, jupico.ErrServerError)
	assert.NotErrorIs(t, err, jupico.ErrIndeterminate, "a write is not a transaction")
	assert.Len(t, srv.RequestsTo(path), 3, "a 500 on a write is not retried: it may have been processed")

	srv.InjectFault("/v1/query/plans", jupicotest.Fault{Status: http.StatusBadGateway, Times: 2})
	page, err := c.Query.Plans(ctx, nil)
	require.NoError(t, err, "a read is retried on 502")
	assert.Len(t, page.Items, 1)
	assert.Len(t, srv.RequestsTo("/v1/query/plans"), 3)
}
