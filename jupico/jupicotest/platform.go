package jupicotest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/jupico/jupico-go/internal/wire"
	"github.com/jupico/jupico-go/jupico"
)

// The platform resources (invites, applicants, applications, merchants,
// bank accounts, payment links, checkouts, invoices, plans, subscriptions,
// installments, payouts, settlements, disputes, fees, operations) live in
// one store of records, each a JSON object as the client sent it plus the
// fake's own members (id, status...). Handlers are built from a few
// shapes: create, update, change status, list; the money-moving ones add
// their ledger effects. Every handler runs under s.mu.

// kind is a resource type of the store.
type kind struct {
	name   string // "plan"
	id     string // the id member, "planId"
	prefix string // ids are prefix_000001
}

var (
	kInvite       = &kind{"invite", "inviteId", "inv"}
	kApplicant    = &kind{"applicant", "applicantId", "apl"}
	kApplication  = &kind{"application", "smApplicationId", "app"}
	kMerchant     = &kind{"merchant", "subMerchantId", "sm"}
	kBankAccount  = &kind{"bank account", "bankAccountId", "ba"}
	kPaymentLink  = &kind{"payment link", "paymentLinkId", "pl"}
	kCheckout     = &kind{"checkout", "checkoutId", "co"}
	kInvoice      = &kind{"invoice", "invoiceId", "in"}
	kPlan         = &kind{"plan", "planId", "plan"}
	kSubscription = &kind{"subscription", "subscriptionId", "sub"}
	kInstallment  = &kind{"installment plan", "installmentId", "ins"}
	kPayout       = &kind{"payout", "payoutId", "po"}
	kSettlement   = &kind{"settlement", "settlementId", "st"}
	kDispute      = &kind{"dispute", "disputeId", "dp"}
	kDisputeEvent = &kind{"dispute event", "disputeEventId", "de"}
	kFee          = &kind{"fee", "feeId", "fee"}
	// kOperation records are derived when listed (see operations).
	kOperation = &kind{"operation", "operationId", "op"}
)

// record is one resource: its members as JSON values (numbers as
// json.Number), the id and status among them.
type record struct {
	kind    *kind
	m       map[string]any
	created time.Time
}

func (r *record) id() string     { return r.str(r.kind.id) }
func (r *record) status() string { return r.str("status") }
func (r *record) sub() string    { return r.str("subMerchantId") }

func (r *record) str(k string) string {
	s, _ := r.m[k].(string)
	return s
}

func (r *record) amount(k string) jupico.Amount {
	a, _ := amountValue(r.m[k])
	return a
}

// view is a copy of the record's members, safe to encode outside s.mu,
// without the payment token the record was created with: an answer never
// echoes one.
func (r *record) view() map[string]any {
	v := cloneMap(r.m)
	delete(v, "paymentToken")
	for _, k := range ownMembers[r.kind] {
		delete(v, k)
	}
	return v
}

// ownMembers are members the fake keeps on records of a kind to filter
// and move them, which the answers do not carry: the answers stay what
// the SDK models (a client reports anything else as drift).
var ownMembers = map[*kind][]string{
	kApplicant: {"status"}, kBankAccount: {"status"}, kSettlement: {"status"}, kOperation: {"status"},
	kDisputeEvent: {"disputeEventId", "disputeId"},
}

func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// store holds the records, by id and in creation order per kind.
type store struct {
	seq   map[*kind]int
	byID  map[string]*record
	order map[*kind][]*record
}

func newStore() *store {
	return &store{seq: map[*kind]int{}, byID: map[string]*record{}, order: map[*kind][]*record{}}
}

// add stores m as a new record of k, with a fresh id.
func (st *store) add(k *kind, m map[string]any) *record {
	st.seq[k]++
	m[k.id] = fmt.Sprintf("%s_%06d", k.prefix, st.seq[k])
	r := &record{kind: k, m: m, created: time.Now()}
	st.byID[r.id()] = r
	st.order[k] = append(st.order[k], r)
	return r
}

// body is a decoded request body.
type body map[string]any

func (b body) str(k string) string {
	s, _ := b[k].(string)
	return s
}

// amount reads an amount member; absent is zero, malformed is an error.
func (b body) amount(k string) (jupico.Amount, *failure) {
	v, ok := b[k]
	if !ok {
		return 0, nil
	}
	a, ok := amountValue(v)
	if !ok || a < 0 {
		return 0, bad(k + " is not an amount")
	}
	return a, nil
}

func amountValue(v any) (jupico.Amount, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	a, err := jupico.ParseAmount(string(n))
	return a, err == nil
}

func (b body) require(keys ...string) *failure {
	for _, k := range keys {
		if s, ok := b[k].(string); !ok || strings.TrimSpace(s) == "" {
			return bad(k + " is required")
		}
	}
	return nil
}

func bad(msg string) *failure {
	return &failure{status: http.StatusBadRequest, code: wire.CodeInvalidPayload, msg: msg}
}

// handler answers one platform operation from its decoded body; it runs
// under s.mu and returns the answer's data or a failure.
type handler func(b body) (any, *failure)

// platform wraps h into an HTTP handler: it decodes the body (numbers kept
// as written), runs h under s.mu and writes the envelope.
func (s *Server) platform(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		raw, _ := r.Context().Value(bodyKey{}).([]byte)
		var b body
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&b); err != nil || b == nil || dec.More() {
			invalidPayload(w, "invalid payload")
			return
		}
		s.mu.Lock()
		s.settleDue()
		out, f := h(b)
		var data []byte
		if f == nil {
			data, _ = json.Marshal(out) // records are copied by view
		}
		s.mu.Unlock()
		if f != nil {
			f.write(w)
			return
		}
		writeJSON(w, http.StatusOK, wire.Envelope{Success: true, Status: wire.StatusSucceeded, Data: data})
	}
}

// find returns the record of kind k the body names through k's id member,
// checking the owning sub-merchant when the body names one.
func (s *Server) find(k *kind, b body) (*record, *failure) {
	r := s.plat.byID[b.str(k.id)]
	if r == nil || r.kind != k || (b.str("subMerchantId") != "" && r.sub() != "" && b.str("subMerchantId") != r.sub()) {
		return nil, bad(k.name + " not found")
	}
	if r.status() == "deleted" {
		return nil, bad(k.name + " was deleted")
	}
	return r, nil
}

// create stores the body as a new record of k in status, after the
// required members are checked.
func (s *Server) create(k *kind, status string, required ...string) handler {
	return func(b body) (any, *failure) {
		if f := b.require(required...); f != nil {
			return nil, f
		}
		m := map[string]any(b)
		m["status"] = status
		return s.plat.add(k, m).view(), nil
	}
}

// update merges the body into a record of k whose status is one of from
// (any but deleted when from is empty); the id and status stay. Every
// member sent is applied as sent, false, 0 and "" included; a member sent
// as null is removed from the record (cleared); a member not sent keeps
// its value.
func (s *Server) update(k *kind, from ...string) handler {
	return func(b body) (any, *failure) {
		r, f := s.find(k, b)
		if f != nil {
			return nil, f
		}
		if len(from) > 0 && !slices.Contains(from, r.status()) {
			return nil, bad(k.name + " can no longer be updated (" + r.status() + ")")
		}
		for key, v := range b {
			switch {
			case key == k.id || key == "status":
			case v == nil:
				delete(r.m, key)
			default:
				r.m[key] = v
			}
		}
		return r.view(), nil
	}
}

// move changes a record of k from one of the statuses from to status to;
// any other status is refused, naming it.
func (s *Server) move(k *kind, to string, from ...string) handler {
	return func(b body) (any, *failure) {
		r, f := s.find(k, b)
		if f != nil {
			return nil, f
		}
		if !slices.Contains(from, r.status()) {
			return nil, bad(k.name + " is " + r.status() + ": cannot become " + to)
		}
		r.m["status"] = to
		return r.view(), nil
	}
}

// get answers one record of k.
func (s *Server) get(k *kind) handler {
	return func(b body) (any, *failure) {
		r, f := s.find(k, b)
		if f != nil {
			return nil, f
		}
		return r.view(), nil
	}
}

// query pages over the records of k in creation order (see page).
func (s *Server) query(k *kind, member string) handler {
	return func(b body) (any, *failure) {
		records := s.plat.order[k]
		if s.queryLag > 0 {
			records = slices.DeleteFunc(slices.Clone(records), func(r *record) bool { return !s.visible(r.created) })
		}
		return page(records, b, member)
	}
}

// visible reports whether what the fake recorded at t shows in queries
// yet (see SetQueryLag). Called with s.mu held.
func (s *Server) visible(t time.Time) bool {
	return s.queryLag <= 0 || time.Since(t) >= s.queryLag
}

// SetQueryLag makes the Query API lag the ledger by d, as a read replica
// behind it would: a transaction or resource recorded less than d ago does
// not show in queries yet (it does in Transactions and the operations that
// act on it). Zero, the default, shows everything at once.
func (s *Server) SetQueryLag(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queryLag = d
}

// page answers a list query over records: the body's limit and offset
// (Jupico's Query API), a sort starting with "-" for newest first, and
// every other top-level string member as an equality filter
// (subMerchantId, status, disputeId...). Deleted records show only when
// asked for by status. Called with s.mu held.
func page(records []*record, b body, member string) (any, *failure) {
	limit, offset, f := window(b)
	if f != nil {
		return nil, f
	}
	var match []map[string]any
	for _, r := range records {
		if r.status() == "deleted" && b.str("status") != "deleted" {
			continue
		}
		if matches(r, b) {
			match = append(match, r.view())
		}
	}
	if strings.HasPrefix(b.str("sort"), "-") {
		slices.Reverse(match)
	}
	total := len(match)
	items := match[min(offset, total):min(offset+limit, total)]
	if items == nil {
		items = []map[string]any{}
	}
	return map[string]any{member: items, "total": total}, nil
}

// window reads limit and offset, as the transaction query does.
func window(b body) (limit, offset int, f *failure) {
	l, err1 := intValue(b["limit"])
	o, err2 := intValue(b["offset"])
	if err1 != nil || err2 != nil || l <= 0 || o < 0 {
		return 0, 0, bad("invalid payload")
	}
	return l, o, nil
}

func intValue(v any) (int, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, fmt.Errorf("not a number")
	}
	i, err := n.Int64()
	return int(i), err
}

// matches applies a query body's string members as equality filters.
func matches(r *record, b body) bool {
	for key, v := range b {
		want, ok := v.(string)
		if !ok || key == "sort" || key == "from" || key == "to" {
			continue
		}
		if r.str(key) != want {
			return false
		}
	}
	return true
}
