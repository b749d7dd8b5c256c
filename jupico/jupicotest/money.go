package jupicotest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/jupico/jupico-go/internal/wire"
	"github.com/jupico/jupico-go/jupico"
)

// Payouts, balances, settlements, disputes, fees, the operations log and
// the Query API. A merchant's available balance is what settled (captured
// less refunded, rolled-back and voided charges excluded), less payouts
// not voided, less disputes not won and their fees; pending is what is
// captured but not settled yet.

// DisputeFee is what the fake charges a merchant for each dispute, as
// Jupico debits a dispute fee with the disputed amount.
const DisputeFee = jupico.Amount(1500)

func (s *Server) moneyRoutes() {
	route := s.route
	route(&wire.PayoutCreate, s.payout)
	route(&wire.PayoutVoid, s.voidPayout)
	route(&wire.QueryBalance, s.balanceOf)
	route(&wire.QueryTimeline, s.timeline)
	route(&wire.QueryPlan, s.get(kPlan))
	for op, k := range map[*wire.Operation]*kind{
		&wire.QueryMerchants: kMerchant, &wire.QueryBankAccounts: kBankAccount,
		&wire.QueryFees: kFee, &wire.QueryPayoutInstructions: kPayout, &wire.QuerySettlements: kSettlement,
		&wire.QueryDisputes: kDispute, &wire.QueryDisputeHistory: kDisputeEvent, &wire.QueryCheckoutSessions: kCheckout,
		&wire.QueryPaymentLinks: kPaymentLink, &wire.QueryOnboardingInvites: kInvite, &wire.QueryInvoices: kInvoice,
		&wire.QuerySubscriptions: kSubscription, &wire.QueryPlans: kPlan,
	} {
		route(op, s.query(k, op.List))
	}
	route(&wire.QueryOperations, func(b body) (any, *failure) { return page(s.operations(), b, wire.QueryOperations.List) })
}

// route serves op with h.
func (s *Server) route(op *wire.Operation, h handler) {
	s.handlers[op.Method+" "+op.Path] = s.platform(h)
}

func num(a jupico.Amount) json.Number { return json.Number(a.String()) }

// operations lists every money movement, derived from the ledger and the
// store when asked rather than logged as it happens, so a card sale costs
// the fake nothing more: each charge (and its capture, refunds and
// reversal), each payout (and its void), each dispute and each fee.
// Called with s.mu held.
func (s *Server) operations() []*record {
	var out []*record
	add := func(sub, typ string, amt jupico.Amount, txID, source string) {
		out = append(out, &record{kind: kOperation, m: map[string]any{kOperation.id: "op_" + source + "_" + strings.ReplaceAll(typ, " ", "_"),
			"subMerchantId": sub, "type": typ, "amount": num(amt), "transactionId": txID, "status": "succeeded"}})
	}
	for _, id := range s.ledger.order {
		tx := s.ledger.byID[id]
		add(tx.SubMerchantID, tx.Kind, tx.Authorized, tx.ID, tx.ID)
		if tx.Kind == "authorization" && tx.Captured > 0 {
			add(tx.SubMerchantID, "capture", tx.Captured, tx.ID, tx.ID)
		}
		if tx.Refunded > 0 {
			add(tx.SubMerchantID, "refund", tx.Refunded, tx.ID, tx.ID)
		}
		if tx.Voided {
			add(tx.SubMerchantID, "reversal", tx.Authorized, tx.ID, tx.ID)
		}
	}
	for _, r := range s.plat.order[kPayout] {
		add(r.sub(), "payout", r.amount("amount"), "", r.id())
		if r.status() == "voided" {
			add(r.sub(), "payout void", r.amount("amount"), "", r.id())
		}
	}
	for _, k := range []*kind{kDispute, kFee} {
		for _, r := range s.plat.order[k] {
			add(r.sub(), k.name, r.amount("amount"), r.str("transactionId"), r.id())
		}
	}
	return out
}

// balance computes a merchant's balance. Called with s.mu held.
func (s *Server) balance(sub string) (available, pending jupico.Amount) {
	for _, id := range s.ledger.order {
		tx := s.ledger.byID[id]
		if tx.SubMerchantID != sub || tx.Voided {
			continue
		}
		if tx.Settled {
			available += tx.Captured - tx.Refunded
		} else {
			pending += tx.Captured - tx.Refunded
		}
	}
	for _, k := range []*kind{kPayout, kDispute, kFee} {
		for _, r := range s.plat.order[k] {
			if r.sub() == sub && r.status() != "voided" && r.status() != "won" {
				available -= r.amount("amount")
			}
		}
	}
	return available, pending
}

func (s *Server) balanceOf(b body) (any, *failure) {
	if f := b.require("subMerchantId"); f != nil {
		return nil, f
	}
	avail, pend := s.balance(b.str("subMerchantId"))
	return map[string]any{"subMerchantId": b.str("subMerchantId"), "available": num(avail), "pending": num(pend)}, nil
}

// payout records a pending payout of at most the available balance.
func (s *Server) payout(b body) (any, *failure) {
	if f := b.require("subMerchantId"); f != nil {
		return nil, f
	}
	amt, f := b.amount("amount")
	if f != nil || amt <= 0 {
		return nil, bad("amount must be positive")
	}
	if avail, _ := s.balance(b.str("subMerchantId")); amt > avail {
		return nil, bad("amount exceeds the available balance")
	}
	m := map[string]any(b)
	m["status"] = "pending"
	return s.plat.add(kPayout, m).view(), nil
}

// voidPayout voids a payout Jupico has not processed.
func (s *Server) voidPayout(b body) (any, *failure) {
	r, f := s.find(kPayout, b)
	if f != nil {
		return nil, f
	}
	switch r.status() {
	case "processed":
		return nil, bad("payout already processed: it can no longer be voided")
	case "voided":
		return nil, bad("payout already voided")
	}
	r.m["status"] = "voided"
	return r.view(), nil
}

// ProcessPayouts processes every pending payout, as Jupico does once
// underwriting approved them: they can no longer be voided. It returns how
// many it processed.
func (s *Server) ProcessPayouts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.plat.order[kPayout] {
		if r.status() == "pending" {
			r.m["status"] = "processed"
			n++
		}
	}
	return n
}

// settled records one settlement per merchant for the transactions that
// just settled. Called with s.mu held.
func (s *Server) settled(txs []*Transaction) {
	sums, counts := map[string]jupico.Amount{}, map[string]int{}
	var subs []string
	for _, tx := range txs {
		if _, seen := counts[tx.SubMerchantID]; !seen {
			subs = append(subs, tx.SubMerchantID)
		}
		sums[tx.SubMerchantID] += tx.Captured - tx.Refunded
		counts[tx.SubMerchantID]++
	}
	for _, sub := range subs {
		s.plat.add(kSettlement, map[string]any{"subMerchantId": sub, "amount": num(sums[sub]),
			"transactionCount": counts[sub], "date": today().String(), "status": "settled"})
	}
}

// ErrNoDispute is returned by OpenDispute and ResolveDispute for a
// transaction or dispute they cannot act on.
var ErrNoDispute = errors.New("jupicotest: no such disputable transaction or open dispute")

// OpenDispute opens a chargeback on a captured transaction, as a
// cardholder's bank would: the disputed amount and DisputeFee leave the
// merchant's balance, and the dispute, its history and the fee show in the
// Query API. It returns the dispute's id.
func (s *Server) OpenDispute(transactionID, reason string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tx := s.ledger.byID[transactionID]
	if tx == nil || tx.Captured-tx.Refunded <= 0 || tx.Voided {
		return "", fmt.Errorf("%w: %q", ErrNoDispute, transactionID)
	}
	amt := tx.Captured - tx.Refunded
	d := s.plat.add(kDispute, map[string]any{"subMerchantId": tx.SubMerchantID, "transactionId": tx.ID, "amount": num(amt),
		"status": "open", "reason": reason, "respondBy": jupico.DateOf(time.Now().UTC().AddDate(0, 0, 14)).String()})
	s.plat.add(kDisputeEvent, map[string]any{"disputeId": d.id(), "status": "open", "note": reason})
	s.plat.add(kFee, map[string]any{"subMerchantId": tx.SubMerchantID, "type": "dispute", "amount": num(DisputeFee), "transactionId": tx.ID})
	return d.id(), nil
}

// ResolveDispute closes an open dispute: won returns the disputed amount
// to the merchant's balance (the fee stays charged), lost keeps it.
func (s *Server) ResolveDispute(disputeID string, won bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.plat.byID[disputeID]
	if d == nil || d.kind != kDispute || d.status() != "open" {
		return fmt.Errorf("%w: %q", ErrNoDispute, disputeID)
	}
	status := "lost"
	if won {
		status = "won"
	}
	d.m["status"] = status
	s.plat.add(kDisputeEvent, map[string]any{"disputeId": disputeID, "status": status})
	return nil
}

// timeline answers a transaction's history, from the ledger's record.
func (s *Server) timeline(b body) (any, *failure) {
	if f := b.require("subMerchantId", "transactionId"); f != nil {
		return nil, f
	}
	tx := s.ledger.byID[b.str("transactionId")]
	if tx == nil || tx.SubMerchantID != b.str("subMerchantId") {
		return nil, &failure{status: http.StatusBadRequest, code: wire.CodeInvalidPayload, msg: "transaction not found"}
	}
	events := []map[string]any{{"type": tx.Kind, "amount": num(tx.Authorized)}}
	add := func(ok bool, typ string, amt jupico.Amount) {
		if ok {
			events = append(events, map[string]any{"type": typ, "amount": num(amt)})
		}
	}
	add(tx.Kind == "authorization" && tx.Captured > 0, "capture", tx.Captured)
	add(tx.Refunded > 0, "refund", tx.Refunded)
	add(tx.Voided && tx.Rollbacks == 0, "void", tx.Authorized)
	for range tx.Rollbacks {
		add(true, "rollback", tx.Authorized)
	}
	add(tx.Settled, "settlement", tx.Captured-tx.Refunded)
	return map[string]any{"transactionId": tx.ID, "events": events}, nil
}
