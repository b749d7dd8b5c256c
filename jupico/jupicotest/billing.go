package jupicotest

import (
	"time"

	"github.com/jupico/jupico-go/internal/wire"
	"github.com/jupico/jupico-go/jupico"
)

// Payment links, checkouts and invoices (which move no money themselves),
// plans, subscriptions and installment plans (whose creation and
// activation charge through the ledger, with the sandbox triggers).

const (
	active   = "active"
	inactive = "inactive"
	deleted  = "deleted"
)

func (s *Server) billingRoutes() {
	route := s.route
	for _, r := range []struct {
		k                          *kind
		create, update, off, erase *wire.Operation
		required                   []string
	}{
		{kPaymentLink, &wire.PaymentLinkCreate, &wire.PaymentLinkUpdate, &wire.PaymentLinkDeactivate, &wire.PaymentLinkDelete, []string{"subMerchantId", "description"}},
		{kCheckout, &wire.CheckoutCreate, &wire.CheckoutUpdate, &wire.CheckoutDeactivate, &wire.CheckoutDelete, []string{"subMerchantId", "returnUrl"}},
	} {
		route(r.create, s.create(r.k, active, r.required...))
		route(r.update, s.update(r.k, active, inactive))
		route(r.off, s.move(r.k, inactive, active))
		route(r.erase, s.move(r.k, deleted, active, inactive))
	}

	route(&wire.InvoiceCreate, s.create(kInvoice, "draft", "subMerchantId", "customerId", "dueDate", "paymentTerm"))
	route(&wire.InvoiceUpdate, s.update(kInvoice, "draft", "sent"))
	route(&wire.InvoiceSend, s.move(kInvoice, "sent", "draft", "sent"))
	route(&wire.InvoiceVoid, s.move(kInvoice, "voided", "draft", "sent"))
	route(&wire.InvoiceDelete, s.move(kInvoice, deleted, "draft"))

	route(&wire.PlanCreate, s.create(kPlan, active, "subMerchantId", "name", "frequency"))
	route(&wire.PlanUpdate, s.update(kPlan))
	route(&wire.PlanActivate, s.move(kPlan, active, inactive))
	route(&wire.PlanDeactivate, s.move(kPlan, inactive, active))
	route(&wire.PlanDelete, s.move(kPlan, deleted, active, inactive))

	route(&wire.SubscriptionCreate, s.subscribe)
	route(&wire.SubscriptionActivate, s.resumeSubscription)
	route(&wire.SubscriptionDeactivate, s.move(kSubscription, inactive, active))
	route(&wire.SubscriptionDelete, s.move(kSubscription, deleted, active, inactive))
	route(&wire.SubscriptionPaymentToken, s.update(kSubscription, active, inactive))

	route(&wire.InstallmentCreate, s.installments)
	route(&wire.InstallmentActivate, s.move(kInstallment, active, inactive))
	route(&wire.InstallmentDeactivate, s.move(kInstallment, inactive, active))
	route(&wire.InstallmentDelete, s.move(kInstallment, deleted, active, inactive))
	route(&wire.InstallmentPaymentToken, s.update(kInstallment, active, inactive))
}

// today is the fake's calendar day (UTC).
func today() jupico.Date { return jupico.DateOf(time.Now().UTC()) }

// chargeNow charges amt for a platform resource through the ledger, with
// the sandbox triggers of a card sale: a decline or an error answer comes
// back as a failure and nothing is recorded. Called with s.mu held.
func (s *Server) chargeNow(kind string, b body, amt jupico.Amount) (*Transaction, *failure) {
	tok, _ := b["paymentToken"].(map[string]any)
	token, _ := tok["token"].(string)
	data, _ := tok["data"].(string)
	if token == "" && data == "" {
		return nil, bad("paymentToken is required")
	}
	if f := sandboxTrigger(token, data, amt); f != nil {
		return nil, f
	}
	tx := s.newTx(kind, b.str("subMerchantId"), b.str("reference"))
	tx.Authorized, tx.Captured = amt, amt
	return tx, nil
}

// subscribe enrols a customer in an active plan of the same merchant and
// charges the first cycle unless it starts later.
func (s *Server) subscribe(b body) (any, *failure) {
	if f := b.require("subMerchantId", "planId", "customerId"); f != nil {
		return nil, f
	}
	plan, f := s.find(kPlan, b)
	if f != nil {
		return nil, f
	}
	if plan.status() != active {
		return nil, bad("plan is " + plan.status() + ": it takes no new subscriptions")
	}
	start := today()
	if d := b.str("startDate"); d != "" {
		p, err := jupico.ParseDate(d)
		if err != nil {
			return nil, bad("startDate is not a date")
		}
		start = p
	}
	m := map[string]any(b)
	if !today().Before(start) {
		tx, f := s.chargeNow("subscription", b, plan.amount("amount"))
		if f != nil {
			return nil, f
		}
		m["chargedAmount"], m["transactionId"] = num(plan.amount("amount")), tx.ID
		start = next(start, plan.str("frequency"))
	}
	m["status"], m["nextChargeDate"] = active, start.String()
	return s.plat.add(kSubscription, m).view(), nil
}

// resumeSubscription activates an inactive subscription, charging a cycle
// that fell due while it was paused.
func (s *Server) resumeSubscription(b body) (any, *failure) {
	r, f := s.find(kSubscription, b)
	if f != nil {
		return nil, f
	}
	if r.status() != inactive {
		return nil, bad("subscription is " + r.status() + ": cannot become active")
	}
	due, _ := jupico.ParseDate(r.str("nextChargeDate"))
	delete(r.m, "chargedAmount")
	if plan := s.plat.byID[r.str("planId")]; plan != nil && !today().Before(due) {
		tx, f := s.chargeNow("subscription", body(r.m), plan.amount("amount"))
		if f != nil {
			return nil, f
		}
		r.m["chargedAmount"], r.m["transactionId"] = num(plan.amount("amount")), tx.ID
		r.m["nextChargeDate"] = next(today(), plan.str("frequency")).String()
	}
	r.m["status"] = active
	return r.view(), nil
}

// installments creates an installment plan, charging what Jupico documents
// is due at once: the deposit, and the first payment unless the schedule
// starts later.
func (s *Server) installments(b body) (any, *failure) {
	if f := b.require("subMerchantId", "customerId"); f != nil {
		return nil, f
	}
	total, f1 := b.amount("total")
	pay, _ := b["payments"].(map[string]any)
	amount, f2 := body(pay).amount("amount")
	cycles, err := intValue(pay["cycles"])
	dep, _ := b["deposit"].(map[string]any)
	deposit, f3 := body(dep).amount("amount")
	if f := firstFailure(f1, f2, f3); f != nil {
		return nil, f
	}
	if err != nil || cycles < 1 || amount <= 0 || total <= 0 || deposit+amount*jupico.Amount(cycles) < total {
		return nil, bad("payments do not cover the total")
	}
	start := today()
	if d := body(pay).str("startDate"); d != "" {
		if start, err = jupico.ParseDate(d); err != nil {
			return nil, bad("payments.startDate is not a date")
		}
	}
	future := today().Before(start)
	var execs []any
	left, charged := total, jupico.Amount(0)
	if deposit > 0 {
		execs = append(execs, map[string]any{"date": today().String(), "amount": num(deposit), "status": "paid"})
		left -= deposit
		charged += deposit
	}
	day := start
	for i := range cycles {
		a := min(amount, left)
		left -= a
		st := "scheduled"
		if i == 0 && !future {
			st = "paid"
			charged += a
		}
		execs = append(execs, map[string]any{"date": day.String(), "amount": num(a), "status": st})
		day = next(day, body(pay).str("frequency"))
	}
	m := map[string]any(b)
	if charged > 0 {
		tx, f := s.chargeNow("installment", b, charged)
		if f != nil {
			return nil, f
		}
		m["chargedAmount"], m["transactionId"] = num(charged), tx.ID
	}
	m["status"], m["executions"] = active, execs
	return s.plat.add(kInstallment, m).view(), nil
}

func firstFailure(fs ...*failure) *failure {
	for _, f := range fs {
		if f != nil {
			return f
		}
	}
	return nil
}

// next is the day after d by frequency (monthly when unknown).
func next(d jupico.Date, frequency string) jupico.Date {
	t := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
	switch jupico.Frequency(frequency) {
	case jupico.FrequencyWeekly:
		t = t.AddDate(0, 0, 7)
	case jupico.FrequencyBiweekly:
		t = t.AddDate(0, 0, 14)
	case jupico.FrequencyEvery28Days:
		t = t.AddDate(0, 0, 28)
	default:
		t = t.AddDate(0, 1, 0)
	}
	return jupico.DateOf(t)
}
