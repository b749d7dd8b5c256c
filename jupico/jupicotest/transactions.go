package jupicotest

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/jupico/jupico-go/internal/wire"
	"github.com/jupico/jupico-go/jupico"
)

// TestToken is the sandbox token that triggers Jupico's documented outcomes
// with the amounts 90.20, 90.23, 90.24 (declines), 101.10 (503) and 101.11
// (500). The fake reproduces them; any other token is approved.
const TestToken = wire.SandboxTestToken

// Transaction is the fake's record of a transaction, for inspection.
type Transaction struct {
	ID            string
	Kind          string // "sale", "authorization", "echeck"
	SubMerchantID string
	Authorized    jupico.Amount
	Captured      jupico.Amount
	Refunded      jupico.Amount
	Voided        bool
	Settled       bool
	Reference     string
	// RefundReferences are the references of the refunds made on it.
	RefundReferences []string
	// Created is when the fake recorded it.
	Created time.Time
	// Rollbacks counts the rollbacks received for requests the fake
	// processed on this transaction (its charge, capture, void or refund).
	// A rolled-back charge is reversed: nothing stays captured.
	Rollbacks int
}

type ledger struct {
	seq   int
	byID  map[string]*Transaction
	order []string
	// byBody maps the hash of each processed transaction request's body to
	// the transaction it acted on, so a rollback (which carries the original
	// body) finds what to reverse.
	byBody map[[32]byte]string
	// early counts rollbacks that arrived before the request they reverse
	// was processed (a request still queued when the client gave up); the
	// fake applies them as soon as that request is processed.
	early map[[32]byte]int
}

// processed records that body acted on tx. Called with s.mu held.
func (l *ledger) processed(r *http.Request, tx *Transaction) {
	b, ok := r.Context().Value(bodyKey{}).([]byte)
	if !ok {
		return
	}
	h := sha256.Sum256(b)
	l.byBody[h] = tx.ID
	if n := l.early[h]; n > 0 {
		delete(l.early, h)
		for range n {
			reverse(tx)
		}
	}
}

// reverse applies one rollback to tx.
func reverse(tx *Transaction) {
	tx.Rollbacks++
	if tx.Kind != "authorization" || tx.Captured == 0 {
		tx.Captured, tx.Voided = 0, true
	}
}

type bodyKey struct{}

func (s *Server) transactionRoutes() {
	s.ledger = &ledger{byID: map[string]*Transaction{}, byBody: map[[32]byte]string{}, early: map[[32]byte]int{}}
	s.handlers["POST "+wire.CardSale.Path] = s.charge("sale")
	s.handlers["POST "+wire.CardAuthorize.Path] = s.charge("authorization")
	s.handlers["POST "+wire.ECheckSale.Path] = s.charge("echeck")
	s.handlers["POST "+wire.CardCapture.Path] = s.capture
	s.handlers["POST "+wire.CardVoid.Path] = s.void
	s.handlers["POST "+wire.CardRefund.Path] = s.refund("sale", "authorization")
	s.handlers["POST "+wire.ECheckRefund.Path] = s.refund("echeck")
	s.handlers["POST "+wire.CardRollback.Path] = s.rollback
	s.handlers["POST "+wire.CardAVS.Path] = s.avs
	s.handlers["POST "+wire.BrowserSession.Path] = s.session
	s.handlers["POST "+wire.QueryTransactions.Path] = s.platform(s.queryTransactions)
}

// decodeStrict decodes a request body by the wire contract, refusing
// unknown fields, so drift between the SDK and the contract shows up in
// tests.
func decodeStrict(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data")
	}
	return nil
}

func amountOf(n json.Number) (jupico.Amount, error) {
	if n == "" {
		return 0, nil
	}
	return jupico.ParseAmount(string(n))
}

func invalidPayload(w http.ResponseWriter, msg string) {
	writeError(w, http.StatusBadRequest, wire.CodeInvalidPayload, msg)
}

func (s *Server) charge(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var c wire.Charge
		if err := decodeStrict(r, &c); err != nil {
			invalidPayload(w, "invalid payload")
			return
		}
		amt, err := amountOf(c.Amount)
		if err != nil || amt <= 0 || c.SubMerchantID == "" || (c.PaymentToken.Token == "" && c.PaymentToken.Data == "") {
			invalidPayload(w, "invalid payload")
			return
		}
		if f := sandboxTrigger(c.PaymentToken.Token, c.PaymentToken.Data, amt); f != nil {
			f.write(w)
			return
		}
		s.mu.Lock()
		tx := s.newTx(kind, c.SubMerchantID, c.Reference)
		tx.Authorized = amt
		if kind != "authorization" {
			tx.Captured = amt
		}
		s.ledger.processed(r, tx)
		out := *tx
		s.mu.Unlock()
		writeTx(w, &out, amt)
	}
}

// newTx records a transaction. Called with s.mu held.
func (s *Server) newTx(kind, sub, ref string) *Transaction {
	l := s.ledger
	l.seq++
	tx := &Transaction{ID: fmt.Sprintf("tx_%06d", l.seq), Kind: kind, SubMerchantID: sub, Reference: ref, Created: time.Now()}
	l.byID[tx.ID] = tx
	l.order = append(l.order, tx.ID)
	return tx
}

func writeDecline(w http.ResponseWriter, code, msg string) {
	writeJSON(w, http.StatusOK, wire.Envelope{Success: false, Status: wire.StatusDeclined, Error: &wire.ErrorBody{Code: code, Message: msg}})
}

// failure is an answer that is not a success: an error envelope, or a
// decline (HTTP 200, success false).
type failure struct {
	status    int
	code, msg string
	decline   bool
}

func (f *failure) write(w http.ResponseWriter) {
	if f.decline {
		writeDecline(w, f.code, f.msg)
		return
	}
	writeError(w, f.status, f.code, f.msg)
}

// sandboxTrigger is Jupico's documented sandbox outcome for a charge of amt
// with the test token (as a permanent token or a one-time payload), nil for
// any other charge.
func sandboxTrigger(token, data string, amt jupico.Amount) *failure {
	if token != TestToken && data != TestToken {
		return nil
	}
	switch amt {
	case wire.TriggerDeclined:
		return &failure{code: wire.CodeDeclined, msg: "Card declined", decline: true}
	case wire.TriggerInsufficientFunds:
		return &failure{code: wire.CodeInsufficientFunds, msg: "Insufficient funds", decline: true}
	case wire.TriggerDoNotHonor:
		return &failure{code: wire.CodeDoNotHonor, msg: "Declined", decline: true}
	case wire.TriggerServiceUnavailable:
		return &failure{status: http.StatusServiceUnavailable, code: wire.CodeServiceUnavailable, msg: "external service unavailable, retry later"}
	case wire.TriggerInternalError:
		return &failure{status: http.StatusInternalServerError, code: wire.CodeInternalServerError, msg: "internal error"}
	}
	return nil
}

func txData(tx *Transaction, amt jupico.Amount) wire.Transaction {
	return wire.Transaction{TransactionID: tx.ID, Status: wire.StatusSucceeded, Amount: json.Number(amt.String()), AuthCode: "A1B2C3", AVS: "Y", CVV: "M"}
}

func writeTx(w http.ResponseWriter, tx *Transaction, amt jupico.Amount) {
	data, _ := json.Marshal(txData(tx, amt))
	writeJSON(w, http.StatusOK, wire.Envelope{Success: true, Status: wire.StatusSucceeded, Data: data})
}

// followUp decodes a capture/void/refund body and finds its transaction.
// Called without s.mu; returns with s.mu held on success.
func (s *Server) followUp(w http.ResponseWriter, r *http.Request) (*wire.FollowUp, *Transaction, bool) {
	var f wire.FollowUp
	if err := decodeStrict(r, &f); err != nil || f.TransactionID == "" || f.SubMerchantID == "" {
		invalidPayload(w, "invalid payload")
		return nil, nil, false
	}
	s.mu.Lock()
	s.settleDue()
	tx := s.ledger.byID[f.TransactionID]
	if tx == nil || tx.SubMerchantID != f.SubMerchantID {
		s.mu.Unlock()
		invalidPayload(w, "transaction not found")
		return nil, nil, false
	}
	return &f, tx, true
}

func (s *Server) capture(w http.ResponseWriter, r *http.Request) {
	f, tx, ok := s.followUp(w, r)
	if !ok {
		return
	}
	amt, err := amountOf(f.Amount)
	var msg string
	switch {
	case err != nil || amt < 0:
		msg = "invalid amount"
	case tx.Kind != "authorization":
		msg = "only an authorization can be captured"
	case tx.Voided:
		msg = "authorization was voided"
	case tx.Captured > 0:
		msg = "authorization already captured"
	case amt > tx.Authorized:
		msg = "capture exceeds the authorized amount"
	}
	if msg != "" {
		s.mu.Unlock()
		invalidPayload(w, msg)
		return
	}
	if amt == 0 {
		amt = tx.Authorized
	}
	tx.Captured = amt
	s.ledger.processed(r, tx)
	out := *tx
	s.mu.Unlock()
	writeTx(w, &out, amt)
}

func (s *Server) void(w http.ResponseWriter, r *http.Request) {
	_, tx, ok := s.followUp(w, r)
	if !ok {
		return
	}
	var msg string
	switch {
	case tx.Kind == "echeck":
		msg = "an eCheck cannot be voided"
	case tx.Settled:
		msg = "transaction already settled; refund it instead"
	case tx.Voided:
		msg = "transaction already voided"
	}
	if msg != "" {
		s.mu.Unlock()
		invalidPayload(w, msg)
		return
	}
	tx.Voided = true
	s.ledger.processed(r, tx)
	out := *tx
	s.mu.Unlock()
	writeTx(w, &out, out.Authorized)
}

func (s *Server) refund(kinds ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f, tx, ok := s.followUp(w, r)
		if !ok {
			return
		}
		amt, err := amountOf(f.Amount)
		kindOK := false
		for _, k := range kinds {
			kindOK = kindOK || tx.Kind == k
		}
		left := tx.Captured - tx.Refunded
		var msg string
		switch {
		case err != nil || amt < 0:
			msg = "invalid amount"
		case !kindOK:
			msg = "transaction not found"
		case tx.Voided:
			msg = "transaction was voided"
		case tx.Captured == 0:
			msg = "nothing captured to refund"
		case amt > left:
			msg = "refund exceeds the captured amount"
		}
		if msg == "" && amt == 0 {
			amt = left
			if amt == 0 {
				msg = "already fully refunded"
			}
		}
		if msg != "" {
			s.mu.Unlock()
			invalidPayload(w, msg)
			return
		}
		tx.Refunded += amt
		if f.Reference != "" {
			tx.RefundReferences = append(tx.RefundReferences, f.Reference)
		}
		s.ledger.processed(r, tx)
		out := *tx
		s.mu.Unlock()
		writeTx(w, &out, amt)
	}
}

// rollback reverses what the original request (its body, carried as is)
// did. A rollback that arrives before its original was processed (the
// original still queued when the client gave up) is held and applied when
// the original is processed: the fake assumes Jupico matches a reversal to
// a late original (not in public docs). Either way it is acknowledged,
// since Jupico's rollback is safe to repeat.
func (s *Server) rollback(w http.ResponseWriter, r *http.Request) {
	b, _ := r.Context().Value(bodyKey{}).([]byte)
	if !json.Valid(b) {
		invalidPayload(w, "invalid payload")
		return
	}
	h := sha256.Sum256(b)
	s.mu.Lock()
	if id, ok := s.ledger.byBody[h]; ok {
		reverse(s.ledger.byID[id])
	} else {
		s.ledger.early[h]++
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, wire.Envelope{Success: true, Status: wire.StatusSucceeded})
}

func (s *Server) avs(w http.ResponseWriter, r *http.Request) {
	var a wire.AVSCheck
	if err := decodeStrict(r, &a); err != nil || a.SubMerchantID == "" {
		invalidPayload(w, "invalid payload")
		return
	}
	writeJSON(w, http.StatusOK, wire.Envelope{Success: true, Status: wire.StatusSucceeded, Data: json.RawMessage(`{"avs":"Y"}`)})
}

// SessionBody is the session object the fake returns, spaced as Jupico
// might send it, so tests can check it reaches the browser byte for byte.
const SessionBody = `{ "sessionId": "sess_fake_0001",  "expiresIn": 900, "config": {"methods": ["card", "bankAccount"], "amount": 10.50} }`

func (s *Server) session(w http.ResponseWriter, r *http.Request) {
	var b wire.BrowserSessionRequest
	if err := decodeStrict(r, &b); err != nil || b.SubMerchantID == "" {
		invalidPayload(w, "invalid payload")
		return
	}
	w.Header().Set("Content-Type", wire.ContentTypeJSON)
	w.WriteHeader(http.StatusOK)
	var buf bytes.Buffer
	buf.WriteString(`{"success":true,"status":"succeeded","data":`)
	buf.WriteString(SessionBody)
	buf.WriteString("}")
	_, _ = w.Write(buf.Bytes())
}

// queryTransactions pages over the ledger, filtered by subMerchantId,
// transactionId, reference (a transaction's own, or one of its refunds')
// and status (every recorded transaction succeeded). What the ledger
// recorded within the query lag (SetQueryLag) is not shown yet.
func (s *Server) queryTransactions(b body) (any, *failure) {
	limit, offset, f := window(b)
	if f != nil {
		return nil, f
	}
	var match []*Transaction
	ref := b.str("reference")
	for _, id := range s.ledger.order {
		tx := s.ledger.byID[id]
		if (b.str("subMerchantId") == "" || tx.SubMerchantID == b.str("subMerchantId")) && (b.str("transactionId") == "" || tx.ID == b.str("transactionId")) &&
			(b.str("status") == "" || b.str("status") == wire.StatusSucceeded) &&
			(ref == "" || tx.Reference == ref || slices.Contains(tx.RefundReferences, ref)) && s.visible(tx.Created) {
			match = append(match, tx)
		}
	}
	if strings.HasPrefix(b.str("sort"), "-") {
		slices.Reverse(match)
	}
	page := []map[string]any{}
	for _, tx := range match[min(offset, len(match)):min(offset+limit, len(match))] {
		m := map[string]any{}
		data, _ := json.Marshal(txData(tx, tx.Authorized))
		_ = json.Unmarshal(data, &m)
		if tx.Reference != "" {
			m["reference"] = tx.Reference
		}
		if ref != "" {
			m["reference"] = ref // the refund's, when that is what matched
		}
		page = append(page, m)
	}
	return map[string]any{wire.QueryTransactions.List: page, "total": len(match)}, nil
}

// Transaction returns the fake's record of the transaction id.
func (s *Server) Transaction(id string) (Transaction, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tx, ok := s.ledger.byID[id]
	if !ok {
		return Transaction{}, false
	}
	return *tx, true
}

// Transactions returns the fake's records, oldest first.
func (s *Server) Transactions() []Transaction {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Transaction, 0, len(s.ledger.order))
	for _, id := range s.ledger.order {
		out = append(out, *s.ledger.byID[id])
	}
	return out
}

// Settle marks transactions as settled, as Jupico's end-of-day batch does:
// after it they can be refunded but no longer voided, their money counts
// in the merchant's available balance, and each merchant gets a settlement
// (Query.Settlements). With no ids, every transaction settles.
func (s *Server) Settle(ids ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(ids) == 0 {
		ids = s.ledger.order
	}
	var now []*Transaction
	for _, id := range ids {
		if tx := s.ledger.byID[id]; tx != nil && !tx.Settled {
			tx.Settled = true
			if !tx.Voided {
				now = append(now, tx)
			}
		}
	}
	s.settled(now)
}

// Rollbacks returns the rollback requests the fake received, oldest first.
func (s *Server) Rollbacks() []Request { return s.RequestsTo(wire.CardRollback.Path) }
