package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/jupico/jupico-go/internal/wire"
	"github.com/jupico/jupico-go/jupico"
)

// Amounts the run charges. They are none of the sandbox's trigger amounts
// (90.20, 90.23, 90.24, 101.10, 101.11) but the one decline it asks for.
const (
	saleAmount    = jupico.Amount(1000) // 10.00
	authAmount    = jupico.Amount(500)  // 5.00
	refundAmount  = jupico.Amount(100)  // 1.00
	echeckAmount  = jupico.Amount(300)  // 3.00
	billingAmount = jupico.Amount(100)  // 1.00: links, checkouts, invoices, plans, installments
	payoutAmount  = jupico.Amount(100)  // 1.00
)

// cardToken is the documented sandbox token as a card token; bankToken the
// same token for eCheck (the sandbox documents no bank-account token).
var (
	cardToken = jupico.PermanentToken("card", jupico.SandboxTestToken)
	bankToken = jupico.PermanentToken("bankAccount", jupico.SandboxTestToken)
)

// state is what the scenarios hand on to those that depend on them.
type state struct {
	applicantRef string
	sale         *jupico.Transaction
	saleUndo     *undo
	refunded     jupico.Amount
	disputeID    string
	planID       string
}

// scenarios runs every scenario in dependency order, stopping when ctx
// ends.
func (r *run) scenarios(ctx context.Context) {
	var st state
	if !r.status(ctx) {
		return
	}
	for _, s := range []func(context.Context, *state){
		r.provisioning, r.card, r.echeck, r.session, r.invites, r.paymentLinks, r.checkouts,
		r.invoices, r.plans, r.installments, r.payouts, r.queries,
	} {
		if ctx.Err() != nil {
			return
		}
		s(ctx, &st)
	}
	// The deactivations, voids and deletions come after the queries, so
	// that the lists hold the run's own records and their members are
	// checked too; newest first.
	for i := len(r.finish) - 1; i >= 0 && ctx.Err() == nil; i-- {
		r.finish[i](ctx)
	}
}

// then runs f after the queries (see scenarios).
func (r *run) then(f func(context.Context)) { r.finish = append(r.finish, f) }

// status asks GET /status; no answer (connection, TLS, timeout) makes the
// target unreachable and ends the run.
func (r *run) status(ctx context.Context) bool {
	_, err := r.c.Status(ctx)
	var re *jupico.RequestError
	if err != nil && ctx.Err() == nil && errors.As(err, &re) {
		switch category(err) {
		case string(jupico.ErrorCategoryConnection), string(jupico.ErrorCategoryTLSHandshake),
			string(jupico.ErrorCategoryCertificate), string(jupico.ErrorCategoryTimeout):
			r.unreachable = true
			r.ok(ctx, &wire.Status, err)
			return false
		}
	}
	r.ok(ctx, &wire.Status, err)
	return ctx.Err() == nil
}

func (r *run) ref(what string) string { return r.prefix + "-" + what }

// scoped are the operations that need a sub-merchant.
func (r *run) needSub(ops ...*wire.Operation) bool {
	if r.sub != "" {
		return true
	}
	r.skipAll("needs a sub-merchant the account lacks (none listed, none provisioned; pass one)", ops...)
	return false
}

// provisioning creates an applicant, an application and a sub-merchant,
// then picks the sub-merchant the rest uses: the one given, else the first
// active one listed, else the one just provisioned.
func (r *run) provisioning(ctx context.Context, st *state) {
	st.applicantRef = r.ref("applicant")
	provisioned := ""
	ap, err := r.c.Provisioning.CreateApplicant(ctx, &jupico.ApplicantRequest{Name: r.ref("applicant"), Email: r.email("applicant"), Reference: st.applicantRef})
	if r.ok(ctx, &wire.ProvisionApplicant, err) {
		r.created("applicant", ap.ID, nil, nil)
		app, err := r.c.Provisioning.CreateApplication(ctx, &jupico.ApplicationRequest{ApplicantID: ap.ID, Type: jupico.ApplicationTypeBusiness,
			OwnershipType: jupico.OwnershipTypeLLC, AccountLevel: jupico.AccountLevelRapid, Reference: r.ref("application")})
		if r.ok(ctx, &wire.ProvisionApplication, err) {
			r.created("application", app.ID, nil, nil)
			sm, err := r.c.Provisioning.CreateSubMerchant(ctx, &jupico.SubMerchantRequest{SMApplicationID: app.ID, Name: r.ref("merchant"), Reference: r.ref("merchant")})
			if r.ok(ctx, &wire.ProvisionSubMerchant, err) {
				r.created("sub-merchant", sm.ID, nil, nil)
				provisioned = sm.ID
			}
		} else {
			r.skip(&wire.ProvisionSubMerchant, "%s", r.after(&wire.ProvisionApplication))
		}
	} else {
		r.skip(&wire.ProvisionApplication, "%s", r.after(&wire.ProvisionApplicant))
		r.skip(&wire.ProvisionSubMerchant, "%s", r.after(&wire.ProvisionApplicant))
	}

	listed := ""
	for offset := range 2 {
		p, err := r.c.Query.Merchants(ctx, &jupico.ListFilter{Limit: 1, Offset: offset})
		if !r.ok(ctx, &wire.QueryMerchants, err) {
			break
		}
		for _, m := range p.Items {
			if listed == "" && m.Status == jupico.MerchantStatusActive {
				listed = m.ID
			}
		}
	}
	switch {
	case r.o.SubMerchantID != "":
		r.sub, r.subFrom = r.o.SubMerchantID, "given"
	case listed != "":
		r.sub, r.subFrom = listed, "the first active merchant listed"
	case provisioned != "":
		r.sub, r.subFrom = provisioned, "provisioned by this run (in review until approved)"
	}
}

func (r *run) email(what string) string { return r.prefix + "-" + what + "@example.com" }

// card runs the card transactions with the sandbox token: a sale, a
// declined sale (90.20), an authorization captured and one voided, a
// partial refund, and a rollback sent twice for one sale and once for a
// sale never sent.
func (r *run) card(ctx context.Context, st *state) {
	ops := []*wire.Operation{&wire.CardAVS, &wire.CardSale, &wire.CardAuthorize, &wire.CardCapture, &wire.CardVoid, &wire.CardRefund, &wire.CardRollback}
	if !r.needSub(ops...) {
		return
	}
	_, err := r.c.CreditCard.VerifyAddress(ctx, &jupico.AVSRequest{SubMerchantID: r.sub, PaymentToken: cardToken,
		Billing: &jupico.Address{FirstName: "Conformance", LastName: "Run", PostalCode: "10001", Country: "US"}})
	r.ok(ctx, &wire.CardAVS, err)

	charge := func(ref string, amt jupico.Amount) *jupico.ChargeRequest {
		return &jupico.ChargeRequest{SubMerchantID: r.sub, Amount: amt, PaymentToken: cardToken, Description: r.ref(ref), Reference: r.ref(ref)}
	}
	sale, err := r.c.CreditCard.Sale(ctx, charge("sale", saleAmount))
	if r.ok(ctx, &wire.CardSale, err) {
		st.sale = sale
		id := sale.ID
		st.saleUndo = r.created("card sale", id, &wire.CardRefund, func(ctx context.Context) error {
			_, err := r.c.CreditCard.Refund(ctx, &jupico.RefundRequest{SubMerchantID: r.sub, TransactionID: id,
				Amount: jupico.Ptr(saleAmount - st.refunded), Reference: r.ref("cleanup-refund")})
			return err
		})
	}
	_, err = r.c.CreditCard.Sale(ctx, charge("declined", wire.TriggerDeclined))
	r.declined(ctx, &wire.CardSale, err, wire.CodeDeclined)

	auth, err := r.c.CreditCard.Authorize(ctx, charge("auth-capture", authAmount))
	if r.ok(ctx, &wire.CardAuthorize, err) {
		id := auth.ID
		_, err := r.c.CreditCard.Capture(ctx, &jupico.CaptureRequest{SubMerchantID: r.sub, TransactionID: id, Amount: jupico.Ptr(authAmount), Reference: r.ref("capture")})
		if r.ok(ctx, &wire.CardCapture, err) {
			r.created("card capture", id, &wire.CardRefund, func(ctx context.Context) error {
				_, err := r.c.CreditCard.Refund(ctx, &jupico.RefundRequest{SubMerchantID: r.sub, TransactionID: id, Amount: jupico.Ptr(authAmount), Reference: r.ref("cleanup-refund")})
				return err
			})
		} else {
			r.voidLater(auth)
		}
	} else {
		r.skip(&wire.CardCapture, "%s", r.after(&wire.CardAuthorize))
	}
	auth, err = r.c.CreditCard.Authorize(ctx, charge("auth-void", authAmount))
	if r.ok(ctx, &wire.CardAuthorize, err) {
		u := r.voidLater(auth)
		_, err := r.c.CreditCard.Void(ctx, &jupico.VoidRequest{SubMerchantID: r.sub, TransactionID: auth.ID, Reference: r.ref("void")})
		u.done = r.ok(ctx, &wire.CardVoid, err)
	} else {
		r.skip(&wire.CardVoid, "%s", r.after(&wire.CardAuthorize))
	}

	if st.sale != nil {
		_, err := r.c.CreditCard.Refund(ctx, &jupico.RefundRequest{SubMerchantID: r.sub, TransactionID: st.sale.ID, Amount: jupico.Ptr(refundAmount), Reference: r.ref("refund")})
		if r.ok(ctx, &wire.CardRefund, err) {
			st.refunded = refundAmount
		}
	} else {
		r.skip(&wire.CardRefund, "%s", r.after(&wire.CardSale))
	}

	// A rollback carries the original body as it was sent: sent twice for
	// one sale (a rollback repeated after a crash) and once for a sale
	// Jupico never received, both assumed harmless.
	rb := charge("rollback", saleAmount)
	sale, err = r.c.CreditCard.Sale(ctx, rb)
	if r.ok(ctx, &wire.CardSale, err) {
		u := r.created("card sale", sale.ID, &wire.CardRollback, func(ctx context.Context) error {
			return r.c.CreditCard.Rollback(ctx, rollbackOf(rb))
		})
		first := r.ok(ctx, &wire.CardRollback, r.c.CreditCard.Rollback(ctx, rollbackOf(rb)))
		second := r.ok(ctx, &wire.CardRollback, r.c.CreditCard.Rollback(ctx, rollbackOf(rb)))
		u.done = first || second
	}
	r.ok(ctx, &wire.CardRollback, r.c.CreditCard.Rollback(ctx, rollbackOf(charge("never-sent", saleAmount))))
}

// voidLater records an authorization to void at cleanup.
func (r *run) voidLater(auth *jupico.Transaction) *undo {
	id := auth.ID
	return r.created("card authorization", id, &wire.CardVoid, func(ctx context.Context) error {
		_, err := r.c.CreditCard.Void(ctx, &jupico.VoidRequest{SubMerchantID: r.sub, TransactionID: id, Reference: r.ref("cleanup-void")})
		return err
	})
}

// rollbackOf is the rollback of a card sale sent as req: its body as the
// SDK writes it (the wire contract's Charge).
func rollbackOf(req *jupico.ChargeRequest) *jupico.RollbackRequest {
	body, _ := json.Marshal(&wire.Charge{SubMerchantID: req.SubMerchantID, Amount: json.Number(req.Amount.String()),
		PaymentToken: wire.PaymentToken{Type: req.PaymentToken.Type, Token: req.PaymentToken.Token},
		Description:  req.Description, Reference: req.Reference})
	return &jupico.RollbackRequest{Operation: wire.CardSale.Name, Body: body}
}

// echeck runs an eCheck sale and refunds it in full.
func (r *run) echeck(ctx context.Context, _ *state) {
	if !r.needSub(&wire.ECheckSale, &wire.ECheckRefund) {
		return
	}
	sale, err := r.c.ECheck.Sale(ctx, &jupico.ChargeRequest{SubMerchantID: r.sub, Amount: echeckAmount, PaymentToken: bankToken,
		Description: r.ref("echeck"), Reference: r.ref("echeck")})
	if !r.ok(ctx, &wire.ECheckSale, err) {
		r.skip(&wire.ECheckRefund, "%s", r.after(&wire.ECheckSale))
		return
	}
	refund := func(ctx context.Context) error {
		_, err := r.c.ECheck.Refund(ctx, &jupico.RefundRequest{SubMerchantID: r.sub, TransactionID: sale.ID, Amount: jupico.Ptr(echeckAmount), Reference: r.ref("echeck-refund")})
		return err
	}
	u := r.created("eCheck sale", sale.ID, &wire.ECheckRefund, refund)
	u.done = r.ok(ctx, &wire.ECheckRefund, refund(ctx))
}

// session creates a browser session for the card and bank-account forms.
func (r *run) session(ctx context.Context, _ *state) {
	if !r.needSub(&wire.BrowserSession) {
		return
	}
	_, err := r.c.Sessions.Authorize(ctx, &jupico.BrowserSessionRequest{SubMerchantID: r.sub, CardTokenization: true, BankAccountTokenization: true})
	r.ok(ctx, &wire.BrowserSession, err)
}

// invites creates invites every way there is, updates, sends and cancels
// them (the platform's: no sub-merchant needed).
func (r *run) invites(ctx context.Context, st *state) {
	cancel := func(id string) func(context.Context) error {
		return func(ctx context.Context) error {
			_, err := r.c.OnboardingInvites.Cancel(ctx, &jupico.Ref{ID: id})
			return err
		}
	}
	invite := func(what string) *jupico.InviteRequest {
		return &jupico.InviteRequest{Name: r.ref(what), Email: r.email(what), Reference: r.ref(what)}
	}
	inv, err := r.c.OnboardingInvites.Create(ctx, invite("invite"))
	if r.ok(ctx, &wire.InviteCreate, err) {
		u := r.created("onboarding invite", inv.ID, &wire.InviteCancel, cancel(inv.ID))
		_, err = r.c.OnboardingInvites.Update(ctx, &jupico.InviteUpdate{ID: inv.ID, Name: jupico.Ptr(r.ref("invite-updated"))})
		r.ok(ctx, &wire.InviteUpdate, err)
		_, err = r.c.OnboardingInvites.Send(ctx, &jupico.Ref{ID: inv.ID})
		r.ok(ctx, &wire.InviteSend, err)
		id := inv.ID
		r.then(func(ctx context.Context) { u.done = r.ok(ctx, &wire.InviteCancel, cancel(id)(ctx)) })
	} else {
		r.skipAll(r.after(&wire.InviteCreate), &wire.InviteUpdate, &wire.InviteSend, &wire.InviteCancel)
	}
	inv, err = r.c.OnboardingInvites.CreateAndSend(ctx, invite("invite-sent"))
	if r.ok(ctx, &wire.InviteCreateAndSend, err) {
		r.created("onboarding invite", inv.ID, &wire.InviteCancel, cancel(inv.ID))
	}
	batch, err := r.c.OnboardingInvites.CreateBatch(ctx, &jupico.InviteBatchRequest{Invites: []jupico.InviteRequest{*invite("invite-batch-1"), *invite("invite-batch-2")}})
	if r.ok(ctx, &wire.InviteCreateBatch, err) {
		for _, inv := range batch.Invites {
			r.created("onboarding invite", inv.ID, &wire.InviteCancel, cancel(inv.ID))
		}
	}
	inv, err = r.c.OnboardingInvites.AddSubMerchant(ctx, &jupico.AddSubMerchantRequest{ApplicantReference: st.applicantRef, Reference: r.ref("invite-add")})
	if r.ok(ctx, &wire.InviteAddSubMerchant, err) {
		r.created("onboarding invite", inv.ID, &wire.InviteCancel, cancel(inv.ID))
	}
}

// paymentLinks creates a link and updates it; deactivates and deletes it
// after the queries.
func (r *run) paymentLinks(ctx context.Context, _ *state) {
	if !r.needSub(&wire.PaymentLinkCreate, &wire.PaymentLinkUpdate, &wire.PaymentLinkDeactivate, &wire.PaymentLinkDelete) {
		return
	}
	l, err := r.c.PaymentLinks.Create(ctx, &jupico.PaymentLinkRequest{SubMerchantID: r.sub, Amount: jupico.Ptr(billingAmount), Description: r.ref("link"), Reference: r.ref("link")})
	if !r.ok(ctx, &wire.PaymentLinkCreate, err) {
		r.skipAll(r.after(&wire.PaymentLinkCreate), &wire.PaymentLinkUpdate, &wire.PaymentLinkDeactivate, &wire.PaymentLinkDelete)
		return
	}
	ref := &jupico.Ref{SubMerchantID: r.sub, ID: l.ID}
	del := func(ctx context.Context) error { _, err := r.c.PaymentLinks.Delete(ctx, ref); return err }
	u := r.created("payment link", l.ID, &wire.PaymentLinkDelete, del)
	_, err = r.c.PaymentLinks.Update(ctx, &jupico.PaymentLinkUpdate{ID: l.ID, SubMerchantID: r.sub, Description: jupico.Ptr(r.ref("link-updated"))})
	r.ok(ctx, &wire.PaymentLinkUpdate, err)
	r.then(func(ctx context.Context) {
		_, err := r.c.PaymentLinks.Deactivate(ctx, ref)
		r.ok(ctx, &wire.PaymentLinkDeactivate, err)
		u.done = r.ok(ctx, &wire.PaymentLinkDelete, del(ctx))
	})
}

// checkouts creates a checkout and updates it; deactivates and deletes it
// after the queries.
func (r *run) checkouts(ctx context.Context, _ *state) {
	if !r.needSub(&wire.CheckoutCreate, &wire.CheckoutUpdate, &wire.CheckoutDeactivate, &wire.CheckoutDelete) {
		return
	}
	co, err := r.c.Checkouts.Create(ctx, &jupico.CheckoutRequest{SubMerchantID: r.sub, Amount: billingAmount, Reference: r.ref("checkout"),
		ReturnURL: "https://example.com/" + r.ref("return"), CancelURL: "https://example.com/" + r.ref("cancel")})
	if !r.ok(ctx, &wire.CheckoutCreate, err) {
		r.skipAll(r.after(&wire.CheckoutCreate), &wire.CheckoutUpdate, &wire.CheckoutDeactivate, &wire.CheckoutDelete)
		return
	}
	ref := &jupico.Ref{SubMerchantID: r.sub, ID: co.ID}
	del := func(ctx context.Context) error { _, err := r.c.Checkouts.Delete(ctx, ref); return err }
	u := r.created("checkout", co.ID, &wire.CheckoutDelete, del)
	_, err = r.c.Checkouts.Update(ctx, &jupico.CheckoutUpdate{ID: co.ID, SubMerchantID: r.sub, Reference: jupico.Ptr(r.ref("checkout-updated"))})
	r.ok(ctx, &wire.CheckoutUpdate, err)
	r.then(func(ctx context.Context) {
		_, err := r.c.Checkouts.Deactivate(ctx, ref)
		r.ok(ctx, &wire.CheckoutDeactivate, err)
		u.done = r.ok(ctx, &wire.CheckoutDelete, del(ctx))
	})
}

// invoices creates an invoice that is updated and sent (voided after the
// queries), and a draft (deleted after the queries).
func (r *run) invoices(ctx context.Context, _ *state) {
	if !r.needSub(&wire.InvoiceCreate, &wire.InvoiceUpdate, &wire.InvoiceSend, &wire.InvoiceVoid, &wire.InvoiceDelete) {
		return
	}
	today := jupico.DateOf(time.Now().UTC())
	invoice := func(what string) *jupico.InvoiceRequest {
		return &jupico.InvoiceRequest{SubMerchantID: r.sub, CustomerID: r.ref("customer"),
			Items: []jupico.Item{{Name: r.ref(what), Quantity: 1, UnitPrice: billingAmount}}, Total: billingAmount,
			InvoiceDate: today, DueDate: jupico.DateOf(time.Now().UTC().AddDate(0, 0, 30)), PaymentTerm: jupico.PaymentTermDueOnReceipt,
			Memo: r.ref(what), Reference: r.ref(what)}
	}
	in, err := r.c.Invoices.Create(ctx, invoice("invoice"))
	if r.ok(ctx, &wire.InvoiceCreate, err) {
		ref := &jupico.Ref{SubMerchantID: r.sub, ID: in.ID}
		void := func(ctx context.Context) error { _, err := r.c.Invoices.Void(ctx, ref); return err }
		u := r.created("invoice", in.ID, &wire.InvoiceVoid, void)
		_, err = r.c.Invoices.Update(ctx, &jupico.InvoiceUpdate{ID: in.ID, SubMerchantID: r.sub, Memo: jupico.Ptr(r.ref("invoice-updated"))})
		r.ok(ctx, &wire.InvoiceUpdate, err)
		_, err = r.c.Invoices.Send(ctx, ref)
		r.ok(ctx, &wire.InvoiceSend, err)
		r.then(func(ctx context.Context) { u.done = r.ok(ctx, &wire.InvoiceVoid, void(ctx)) })
	} else {
		r.skipAll(r.after(&wire.InvoiceCreate), &wire.InvoiceUpdate, &wire.InvoiceSend, &wire.InvoiceVoid)
	}
	in, err = r.c.Invoices.Create(ctx, invoice("invoice-draft"))
	if r.ok(ctx, &wire.InvoiceCreate, err) {
		ref := &jupico.Ref{SubMerchantID: r.sub, ID: in.ID}
		del := func(ctx context.Context) error { _, err := r.c.Invoices.Delete(ctx, ref); return err }
		u := r.created("invoice", in.ID, &wire.InvoiceDelete, del)
		r.then(func(ctx context.Context) { u.done = r.ok(ctx, &wire.InvoiceDelete, del(ctx)) })
	} else {
		r.skip(&wire.InvoiceDelete, "%s", r.after(&wire.InvoiceCreate))
	}
}

// plans creates a plan, updates, deactivates and activates it, subscribes
// a customer to it (subscriptions), asks for it, and deletes it after the
// queries.
func (r *run) plans(ctx context.Context, st *state) {
	subs := []*wire.Operation{&wire.SubscriptionCreate, &wire.SubscriptionPaymentToken, &wire.SubscriptionDeactivate, &wire.SubscriptionActivate, &wire.SubscriptionDelete}
	if !r.needSub(append([]*wire.Operation{&wire.PlanCreate, &wire.PlanUpdate, &wire.PlanDeactivate, &wire.PlanActivate, &wire.PlanDelete, &wire.QueryPlan}, subs...)...) {
		return
	}
	p, err := r.c.Plans.Create(ctx, &jupico.PlanRequest{SubMerchantID: r.sub, Name: r.ref("plan"), Description: r.ref("plan"),
		Amount: billingAmount, Frequency: jupico.FrequencyMonthly, Cycles: 12, Reference: r.ref("plan")})
	if !r.ok(ctx, &wire.PlanCreate, err) {
		r.skipAll(r.after(&wire.PlanCreate), append([]*wire.Operation{&wire.PlanUpdate, &wire.PlanDeactivate, &wire.PlanActivate, &wire.PlanDelete, &wire.QueryPlan}, subs...)...)
		return
	}
	st.planID = p.ID
	ref := &jupico.Ref{SubMerchantID: r.sub, ID: p.ID}
	del := func(ctx context.Context) error { _, err := r.c.Plans.Delete(ctx, ref); return err }
	u := r.created("plan", p.ID, &wire.PlanDelete, del)
	r.then(func(ctx context.Context) { u.done = r.ok(ctx, &wire.PlanDelete, del(ctx)) })
	_, err = r.c.Plans.Update(ctx, &jupico.PlanUpdate{ID: p.ID, SubMerchantID: r.sub, Description: jupico.Ptr(r.ref("plan-updated"))})
	r.ok(ctx, &wire.PlanUpdate, err)
	_, err = r.c.Plans.Deactivate(ctx, ref)
	r.ok(ctx, &wire.PlanDeactivate, err)
	_, err = r.c.Plans.Activate(ctx, ref)
	if r.ok(ctx, &wire.PlanActivate, err) {
		r.subscriptions(ctx, p.ID)
	} else {
		r.skipAll(r.after(&wire.PlanActivate), subs...)
	}
	_, err = r.c.Query.Plan(ctx, ref)
	r.ok(ctx, &wire.QueryPlan, err)
}

// monthAhead is a start date a month ahead, so that creating a
// subscription or an installment plan charges nothing now.
func monthAhead() jupico.Date { return jupico.DateOf(time.Now().UTC().AddDate(0, 1, 0)) }

// subscriptions subscribes a customer to the plan, starting in a month;
// replaces its token, deactivates and activates it; deletes it after the
// queries.
func (r *run) subscriptions(ctx context.Context, planID string) {
	s, err := r.c.Subscriptions.Create(ctx, &jupico.SubscriptionRequest{SubMerchantID: r.sub, PlanID: planID, CustomerID: r.ref("customer"),
		PaymentToken: cardToken, StartDate: monthAhead(), Reference: r.ref("subscription")})
	if !r.ok(ctx, &wire.SubscriptionCreate, err) {
		r.skipAll(r.after(&wire.SubscriptionCreate), &wire.SubscriptionPaymentToken, &wire.SubscriptionDeactivate, &wire.SubscriptionActivate, &wire.SubscriptionDelete)
		return
	}
	ref := &jupico.Ref{SubMerchantID: r.sub, ID: s.ID}
	del := func(ctx context.Context) error { _, err := r.c.Subscriptions.Delete(ctx, ref); return err }
	u := r.created("subscription", s.ID, &wire.SubscriptionDelete, del)
	_, err = r.c.Subscriptions.UpdatePaymentToken(ctx, &jupico.PaymentTokenUpdate{SubMerchantID: r.sub, ID: s.ID, PaymentToken: cardToken})
	r.ok(ctx, &wire.SubscriptionPaymentToken, err)
	_, err = r.c.Subscriptions.Deactivate(ctx, ref)
	r.ok(ctx, &wire.SubscriptionDeactivate, err)
	_, err = r.c.Subscriptions.Activate(ctx, ref)
	r.ok(ctx, &wire.SubscriptionActivate, err)
	r.then(func(ctx context.Context) { u.done = r.ok(ctx, &wire.SubscriptionDelete, del(ctx)) })
}

// installments creates a plan of three payments starting in a month (no
// deposit, so only the token is checked now), replaces its token,
// deactivates and activates it; deletes it after the queries.
func (r *run) installments(ctx context.Context, _ *state) {
	rest := []*wire.Operation{&wire.InstallmentPaymentToken, &wire.InstallmentDeactivate, &wire.InstallmentActivate, &wire.InstallmentDelete}
	if !r.needSub(append(rest, &wire.InstallmentCreate)...) {
		return
	}
	in, err := r.c.Installments.Create(ctx, &jupico.InstallmentRequest{SubMerchantID: r.sub, CustomerID: r.ref("customer"), Total: 3 * billingAmount,
		Payments:     jupico.InstallmentSchedule{Amount: billingAmount, Frequency: jupico.FrequencyMonthly, Cycles: 3, StartDate: monthAhead()},
		PaymentToken: cardToken, Reference: r.ref("installments")})
	if !r.ok(ctx, &wire.InstallmentCreate, err) {
		r.skipAll(r.after(&wire.InstallmentCreate), rest...)
		return
	}
	ref := &jupico.Ref{SubMerchantID: r.sub, ID: in.ID}
	del := func(ctx context.Context) error { _, err := r.c.Installments.Delete(ctx, ref); return err }
	u := r.created("installment plan", in.ID, &wire.InstallmentDelete, del)
	_, err = r.c.Installments.UpdatePaymentToken(ctx, &jupico.PaymentTokenUpdate{SubMerchantID: r.sub, ID: in.ID, PaymentToken: cardToken})
	r.ok(ctx, &wire.InstallmentPaymentToken, err)
	_, err = r.c.Installments.Deactivate(ctx, ref)
	r.ok(ctx, &wire.InstallmentDeactivate, err)
	_, err = r.c.Installments.Activate(ctx, ref)
	r.ok(ctx, &wire.InstallmentActivate, err)
	r.then(func(ctx context.Context) { u.done = r.ok(ctx, &wire.InstallmentDelete, del(ctx)) })
}

// pages asks two pages of one entry each of a list query.
func pages[T any](ctx context.Context, r *run, op *wire.Operation, ask func(context.Context, int) (*jupico.Page[T], error)) []*T {
	var items []*T
	for offset := range 2 {
		p, err := ask(ctx, offset)
		if !r.ok(ctx, op, err) {
			break
		}
		items = append(items, p.Items...)
	}
	return items
}

// queries asks every query, two pages of each list (the merchants were
// asked with provisioning, the plan with plans, the balance with payouts),
// while the run's records exist.
func (r *run) queries(ctx context.Context, st *state) {
	ops := []*wire.Operation{&wire.QueryTransactions, &wire.QueryTimeline, &wire.QueryBankAccounts, &wire.QueryOperations, &wire.QueryFees,
		&wire.QueryPayoutInstructions, &wire.QueryBalance, &wire.QuerySettlements, &wire.QueryDisputes, &wire.QueryDisputeHistory,
		&wire.QueryCheckoutSessions, &wire.QueryPaymentLinks, &wire.QueryInvoices, &wire.QuerySubscriptions, &wire.QueryPlans}
	pages(ctx, r, &wire.QueryOnboardingInvites, func(ctx context.Context, off int) (*jupico.Page[jupico.Invite], error) {
		return r.c.Query.OnboardingInvites(ctx, &jupico.ListFilter{Limit: 1, Offset: off})
	})
	if !r.needSub(ops...) {
		return
	}
	f := func(off int) *jupico.ListFilter {
		return &jupico.ListFilter{SubMerchantID: r.sub, Limit: 1, Offset: off}
	}
	q := r.c.Query
	pages(ctx, r, &wire.QueryTransactions, func(ctx context.Context, off int) (*jupico.Page[jupico.Transaction], error) {
		return q.Transactions(ctx, &jupico.TransactionFilter{ListFilter: *f(off)})
	})
	if st.sale != nil {
		_, err := q.Timeline(ctx, &jupico.TimelineRequest{SubMerchantID: r.sub, TransactionID: st.sale.ID})
		r.ok(ctx, &wire.QueryTimeline, err)
	} else {
		r.skip(&wire.QueryTimeline, "%s", r.after(&wire.CardSale))
	}
	pages(ctx, r, &wire.QueryBankAccounts, func(ctx context.Context, off int) (*jupico.Page[jupico.MerchantBankAccount], error) {
		return q.BankAccounts(ctx, f(off))
	})
	pages(ctx, r, &wire.QueryOperations, func(ctx context.Context, off int) (*jupico.Page[jupico.AccountOperation], error) {
		return q.Operations(ctx, f(off))
	})
	pages(ctx, r, &wire.QueryFees, func(ctx context.Context, off int) (*jupico.Page[jupico.Fee], error) { return q.Fees(ctx, f(off)) })
	pages(ctx, r, &wire.QueryPayoutInstructions, func(ctx context.Context, off int) (*jupico.Page[jupico.Payout], error) {
		return q.PayoutInstructions(ctx, f(off))
	})
	pages(ctx, r, &wire.QuerySettlements, func(ctx context.Context, off int) (*jupico.Page[jupico.Settlement], error) {
		return q.Settlements(ctx, f(off))
	})
	disputes := pages(ctx, r, &wire.QueryDisputes, func(ctx context.Context, off int) (*jupico.Page[jupico.Dispute], error) {
		return q.Disputes(ctx, f(off))
	})
	// With no dispute in the account, the history of one that does not
	// exist: an empty list is the answer expected.
	st.disputeID = r.ref("no-dispute")
	if len(disputes) > 0 {
		st.disputeID = disputes[0].ID
	}
	pages(ctx, r, &wire.QueryDisputeHistory, func(ctx context.Context, off int) (*jupico.Page[jupico.DisputeEvent], error) {
		return q.DisputeHistory(ctx, &jupico.DisputeHistoryFilter{DisputeID: st.disputeID, ListFilter: jupico.ListFilter{Limit: 1, Offset: off}})
	})
	pages(ctx, r, &wire.QueryCheckoutSessions, func(ctx context.Context, off int) (*jupico.Page[jupico.Checkout], error) {
		return q.CheckoutSessions(ctx, f(off))
	})
	pages(ctx, r, &wire.QueryPaymentLinks, func(ctx context.Context, off int) (*jupico.Page[jupico.PaymentLink], error) {
		return q.PaymentLinks(ctx, f(off))
	})
	pages(ctx, r, &wire.QueryInvoices, func(ctx context.Context, off int) (*jupico.Page[jupico.Invoice], error) {
		return q.Invoices(ctx, f(off))
	})
	pages(ctx, r, &wire.QuerySubscriptions, func(ctx context.Context, off int) (*jupico.Page[jupico.Subscription], error) {
		return q.Subscriptions(ctx, f(off))
	})
	pages(ctx, r, &wire.QueryPlans, func(ctx context.Context, off int) (*jupico.Page[jupico.Plan], error) { return q.Plans(ctx, f(off)) })
}

// payouts asks the balance, waits (up to Options.SettleWait) for the run's
// sale to settle when it is short, and pays out 1.00, voided after the
// queries.
func (r *run) payouts(ctx context.Context, _ *state) {
	if !r.needSub(&wire.QueryBalance, &wire.PayoutCreate, &wire.PayoutVoid) {
		return
	}
	deadline := time.Now().Add(r.o.SettleWait)
	var b *jupico.Balance
	for {
		var err error
		b, err = r.c.Query.Balance(ctx, &jupico.BalanceRequest{SubMerchantID: r.sub})
		if !r.ok(ctx, &wire.QueryBalance, err) {
			r.skipAll(r.after(&wire.QueryBalance), &wire.PayoutCreate, &wire.PayoutVoid)
			return
		}
		if b.Available >= payoutAmount || b.Pending <= 0 || !time.Now().Before(deadline) {
			break
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(min(2*time.Second, time.Until(deadline))):
		}
	}
	if b.Available < payoutAmount {
		r.skipAll("the available balance is below "+payoutAmount.String()+" (sales settle later: about two minutes on the sandbox)", &wire.PayoutCreate, &wire.PayoutVoid)
		return
	}
	p, err := r.c.Payouts.Create(ctx, &jupico.PayoutRequest{SubMerchantID: r.sub, Amount: payoutAmount, Description: r.ref("payout"), Reference: r.ref("payout")})
	if !r.ok(ctx, &wire.PayoutCreate, err) {
		r.skip(&wire.PayoutVoid, "%s", r.after(&wire.PayoutCreate))
		return
	}
	void := func(ctx context.Context) error {
		_, err := r.c.Payouts.Void(ctx, &jupico.Ref{SubMerchantID: r.sub, ID: p.ID})
		return err
	}
	u := r.created("payout", p.ID, &wire.PayoutVoid, void)
	r.then(func(ctx context.Context) { u.done = r.ok(ctx, &wire.PayoutVoid, void(ctx)) })
}
