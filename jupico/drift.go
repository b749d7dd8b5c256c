package jupico

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/jupico/jupico-go/internal/redact"
	"github.com/jupico/jupico-go/internal/wire"
)

// Drift: every successful answer the SDK decodes is compared, by member
// name only, with what the SDK models of it. A member of the answer's data
// the response type does not carry is "unknown"; a member the wire table
// says the SDK relies on (wire.Operation.Relies) that did not come is
// "missing"; for a list operation the records of the list are compared
// too ("payouts[].bankName"). Each occurrence goes to the Observer's Drift;
// the log gets each (operation, member, kind) once per client, at WARN.
//
// What the SDK models of each operation is computed once, at init, from
// the response type's json tags (embedded structs flattened). The check on
// an answer walks its keys in place: an answer without drift costs no
// allocation. Operations whose answer the SDK hands over undecoded (the
// health check, browser sessions) and rollbacks (whose answer the SDK does
// not read) are not checked.

// memberSet is the members of one object the SDK models.
type memberSet struct {
	names []string // relied-on members first
	index map[string]int
	// relied has bit i set when names[i] is relied on.
	relied uint64
}

func newMemberSet(relies, known []string) memberSet {
	s := memberSet{index: map[string]int{}}
	for _, n := range append(append([]string(nil), relies...), known...) {
		if _, dup := s.index[n]; dup {
			continue
		}
		s.index[n] = len(s.names)
		s.names = append(s.names, n)
	}
	if len(relies) > 64 {
		panic("jupico: an operation relies on more than 64 members")
	}
	for _, r := range relies {
		s.relied |= 1 << s.index[r]
	}
	return s
}

// lookup finds a quoted key as encoding/json would match it to a field
// (exactly, else ignoring case): its index, or -1.
func (s *memberSet) lookup(quoted []byte) int {
	key := quoted[1 : len(quoted)-1]
	if bytes.IndexByte(key, '\\') >= 0 {
		var k string
		if json.Unmarshal(quoted, &k) != nil {
			return -1
		}
		key = []byte(k)
	}
	if i, ok := s.index[string(key)]; ok {
		return i
	}
	for i, n := range s.names {
		if foldEqual(key, n) {
			return i
		}
	}
	return -1
}

// foldEqual reports whether b and s are equal ignoring ASCII case, as
// encoding/json matches member names to fields (the SDK's are ASCII).
func foldEqual(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// driftModel is what the SDK models of one operation's answer.
type driftModel struct {
	op  *wire.Operation
	top memberSet
	// list is the index in top of a list operation's list, -1 for none;
	// rec the members of its records.
	list int
	rec  memberSet
}

// emitFunc receives a drift found in an answer: the member's name as
// reported (already checked, see reportedName) and its kind.
type emitFunc func(member string, kind DriftKind)

// walk compares data, a successful answer's data, with the model. With a
// nil emit it stops at the first drift; it reports whether there was any.
// Absent or null data has no members.
func (m *driftModel) walk(data []byte, emit emitFunc) bool {
	drift := false
	var seen uint64
	if len(data) > 0 && string(data) != "null" {
		wire.EachMember(data, func(k, v []byte) bool {
			i := m.top.lookup(k)
			switch {
			case i < 0:
				drift = true
				if emit == nil {
					return false
				}
				emit(reportedName("", k), DriftUnknownMember)
			case i == m.list:
				seen |= 1 << i
				if m.records(v, emit) {
					drift = true
					return emit != nil
				}
			case i < 64:
				seen |= 1 << i
			}
			return true
		})
	}
	if missing := m.top.relied &^ seen; missing != 0 {
		drift = true
		for i, n := range m.top.names {
			if emit != nil && missing&(1<<i) != 0 {
				emit(n, DriftMissingMember)
			}
		}
	}
	return drift
}

// records compares each record of a list with the model of a record.
func (m *driftModel) records(list []byte, emit emitFunc) bool {
	drift := false
	name := m.top.names[m.list]
	wire.EachElement(list, func(rec []byte) bool {
		var seen uint64
		wire.EachMember(rec, func(k, _ []byte) bool {
			switch i := m.rec.lookup(k); {
			case i < 0:
				drift = true
				if emit == nil {
					return false
				}
				emit(reportedName(name, k), DriftUnknownMember)
			case i < 64:
				seen |= 1 << i
			}
			return true
		})
		if missing := m.rec.relied &^ seen; missing != 0 {
			drift = true
			for i, n := range m.rec.names {
				if emit != nil && missing&(1<<i) != 0 {
					emit(name+"[]."+n, DriftMissingMember)
				}
			}
		}
		return !drift || emit != nil
	})
	return drift
}

// maxDriftName bounds a member name as reported: it comes from the answer.
const maxDriftName = 64

// withheldName is reported for a member name that is not printable text
// or holds what looks like a card number.
const withheldName = "(withheld)"

// reportedName is the name under which an unknown member is reported:
// list+"[]."+key for a record's, at most maxDriftName bytes of the key.
func reportedName(list string, quoted []byte) string {
	var k string
	if bytes.IndexByte(quoted, '\\') < 0 {
		k = string(quoted[1 : len(quoted)-1])
	} else if json.Unmarshal(quoted, &k) != nil {
		k = withheldName
	}
	if !printable(k) || redact.FindPAN(k) {
		k = withheldName
	}
	if len(k) > maxDriftName {
		cut := maxDriftName
		for cut > 0 && !utf8.RuneStart(k[cut]) {
			cut--
		}
		k = k[:cut] + "..."
	}
	if list != "" {
		return list + "[]." + k
	}
	return k
}

// driftModels holds the model of every operation whose answer the SDK
// decodes: a map written once, at init, and only read after.
var driftModels = buildDriftModels()

// answerTypes is the type each operation's answer decodes into, for a
// list operation the type of a record. A test holds it to the methods'
// result types.
func answerTypes() map[*wire.Operation]reflect.Type {
	tx := reflect.TypeFor[Transaction]()
	return map[*wire.Operation]reflect.Type{
		&wire.CardSale: tx, &wire.CardAuthorize: tx, &wire.CardCapture: tx, &wire.CardVoid: tx, &wire.CardRefund: tx,
		&wire.CardAVS: reflect.TypeFor[wire.Transaction](), &wire.ECheckSale: tx, &wire.ECheckRefund: tx,
		&wire.QueryTransactions: tx,

		&wire.InviteCreate: reflect.TypeFor[Invite](), &wire.InviteCreateAndSend: reflect.TypeFor[Invite](),
		&wire.InviteCreateBatch: reflect.TypeFor[InviteBatch](), &wire.InviteUpdate: reflect.TypeFor[Invite](),
		&wire.InviteSend: reflect.TypeFor[Invite](), &wire.InviteCancel: reflect.TypeFor[Invite](),
		&wire.InviteAddSubMerchant: reflect.TypeFor[Invite](),

		&wire.ProvisionApplicant: reflect.TypeFor[Applicant](), &wire.ProvisionApplication: reflect.TypeFor[Application](),
		&wire.ProvisionSubMerchant: reflect.TypeFor[SubMerchant](),

		&wire.PaymentLinkCreate: reflect.TypeFor[PaymentLink](), &wire.PaymentLinkUpdate: reflect.TypeFor[PaymentLink](),
		&wire.PaymentLinkDeactivate: reflect.TypeFor[PaymentLink](), &wire.PaymentLinkDelete: reflect.TypeFor[PaymentLink](),
		&wire.CheckoutCreate: reflect.TypeFor[Checkout](), &wire.CheckoutUpdate: reflect.TypeFor[Checkout](),
		&wire.CheckoutDeactivate: reflect.TypeFor[Checkout](), &wire.CheckoutDelete: reflect.TypeFor[Checkout](),

		&wire.InvoiceCreate: reflect.TypeFor[Invoice](), &wire.InvoiceUpdate: reflect.TypeFor[Invoice](),
		&wire.InvoiceVoid: reflect.TypeFor[Invoice](), &wire.InvoiceDelete: reflect.TypeFor[Invoice](),
		&wire.InvoiceSend: reflect.TypeFor[Invoice](),

		&wire.PlanCreate: reflect.TypeFor[Plan](), &wire.PlanUpdate: reflect.TypeFor[Plan](), &wire.PlanActivate: reflect.TypeFor[Plan](),
		&wire.PlanDeactivate: reflect.TypeFor[Plan](), &wire.PlanDelete: reflect.TypeFor[Plan](),
		&wire.SubscriptionCreate: reflect.TypeFor[Subscription](), &wire.SubscriptionActivate: reflect.TypeFor[Subscription](),
		&wire.SubscriptionDeactivate: reflect.TypeFor[Subscription](), &wire.SubscriptionDelete: reflect.TypeFor[Subscription](),
		&wire.SubscriptionPaymentToken: reflect.TypeFor[Subscription](),
		&wire.InstallmentCreate:        reflect.TypeFor[Installment](), &wire.InstallmentDelete: reflect.TypeFor[Installment](),
		&wire.InstallmentActivate: reflect.TypeFor[Installment](), &wire.InstallmentDeactivate: reflect.TypeFor[Installment](),
		&wire.InstallmentPaymentToken: reflect.TypeFor[Installment](),
		&wire.PayoutCreate:            reflect.TypeFor[Payout](), &wire.PayoutVoid: reflect.TypeFor[Payout](),

		&wire.QueryTimeline: reflect.TypeFor[Timeline](), &wire.QueryMerchants: reflect.TypeFor[Merchant](),
		&wire.QueryBankAccounts: reflect.TypeFor[MerchantBankAccount](), &wire.QueryOperations: reflect.TypeFor[AccountOperation](),
		&wire.QueryFees: reflect.TypeFor[Fee](), &wire.QueryPayoutInstructions: reflect.TypeFor[Payout](),
		&wire.QueryBalance: reflect.TypeFor[Balance](), &wire.QuerySettlements: reflect.TypeFor[Settlement](),
		&wire.QueryDisputes: reflect.TypeFor[Dispute](), &wire.QueryDisputeHistory: reflect.TypeFor[DisputeEvent](),
		&wire.QueryCheckoutSessions: reflect.TypeFor[Checkout](), &wire.QueryPaymentLinks: reflect.TypeFor[PaymentLink](),
		&wire.QueryOnboardingInvites: reflect.TypeFor[Invite](), &wire.QueryInvoices: reflect.TypeFor[Invoice](),
		&wire.QuerySubscriptions: reflect.TypeFor[Subscription](), &wire.QueryPlans: reflect.TypeFor[Plan](),
		&wire.QueryPlan: reflect.TypeFor[Plan](),
	}
}

// declaredMembers are the members of the answer types that decode
// themselves (a custom UnmarshalJSON), declared beside the wire struct
// they decode through.
var declaredMembers = map[reflect.Type][]string{
	reflect.TypeFor[Transaction](): wire.TransactionMembers,
}

// membersOf returns the members type t decodes: its json names, embedded
// structs flattened; for a type that decodes itself, its declared members.
func membersOf(t reflect.Type) []string {
	if reflect.PointerTo(t).Implements(reflect.TypeFor[json.Unmarshaler]()) {
		m, ok := declaredMembers[t]
		if !ok {
			panic(fmt.Sprintf("jupico: %s decodes itself: declare its members for the drift check", t))
		}
		return m
	}
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case tag == "-":
		case f.Anonymous && tag == "" && ft.Kind() == reflect.Struct:
			out = append(out, membersOf(ft)...)
		case !f.IsExported():
		case tag != "":
			out = append(out, tag)
		default:
			out = append(out, f.Name)
		}
	}
	return out
}

func buildDriftModels() map[*wire.Operation]*driftModel {
	// The records of a lookup's query carry the members it reads.
	lookups := map[*wire.Operation][]string{}
	for _, op := range wire.Operations {
		if l := op.Lookup; l != nil {
			lookups[l.Query] = append(lookups[l.Query], l.Filter, l.ID)
			if l.Status != "" {
				lookups[l.Query] = append(lookups[l.Query], "status")
			}
		}
	}
	// An answer is the resource, which may carry what it was created or
	// changed with: the members of the requests of the operations that
	// answer with its type are modeled too.
	types := answerTypes()
	echoes := map[reflect.Type][]string{}
	for op, t := range types {
		if req := requestType(op); req != nil && op.List == "" {
			echoes[t] = append(echoes[t], membersOf(req)...)
		}
	}
	models := map[*wire.Operation]*driftModel{}
	for op, t := range types {
		var top, rec []string
		for _, r := range op.Relies {
			if _, member, ok := strings.Cut(r, "[]."); ok {
				rec = append(rec, member)
			} else {
				top = append(top, r)
			}
		}
		m := &driftModel{op: op, list: -1}
		if op.List == "" {
			m.top = newMemberSet(top, append(membersOf(t), echoes[t]...))
		} else {
			m.top = newMemberSet(top, []string{op.List, "total"})
			m.list = m.top.index[op.List]
			m.rec = newMemberSet(rec, slices.Concat(membersOf(t), echoes[t], lookups[op]))
		}
		models[op] = m
	}
	return models
}

// requestType is the type of the request op's method takes, the
// Client's field and method its row names ("Invoices.Create"); nil when
// it takes none.
func requestType(op *wire.Operation) reflect.Type {
	svc, method, ok := strings.Cut(op.Call, ".")
	if !ok {
		return nil
	}
	f, ok := reflect.TypeFor[Client]().FieldByName(svc)
	if !ok {
		return nil
	}
	m, ok := f.Type.MethodByName(method)
	if !ok || m.Type.NumIn() < 3 {
		return nil
	}
	t := m.Type.In(2) // after the receiver and the context
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	return t
}

// checkDrift compares a successful answer's data for op with the SDK's
// model and reports what differs. ctx is the call's. Without drift it
// costs a walk over data's keys and allocates nothing.
func (c *Client) checkDrift(ctx context.Context, op *wire.Operation, data []byte) {
	m := driftModels[op]
	if m == nil || !m.walk(data, nil) {
		return
	}
	c.reportDrift(ctx, m, data)
}

// maxDriftPerAnswer bounds the members reported of one answer.
const maxDriftPerAnswer = 32

// reportDrift reports each member of data that differs from m, once per
// answer: to the Observer, and to the log the first time the client sees
// it.
func (c *Client) reportDrift(ctx context.Context, m *driftModel, data []byte) {
	var found []DriftEvent
	m.walk(data, func(member string, kind DriftKind) {
		if len(found) == maxDriftPerAnswer {
			return
		}
		for _, f := range found {
			if f.Member == member && f.Kind == kind {
				return // a member of every record of a list
			}
		}
		found = append(found, DriftEvent{Operation: m.op.Name, Member: member, Kind: kind})
	})
	id := callID(ctx)
	for _, ev := range found {
		ev.Call = id
		c.logDrift(ctx, ev)
		if c.observer != nil {
			c.observer.Drift(ctx, ev)
		}
	}
}

// maxDriftLogged bounds the distinct drifts a client logs (and keeps to
// log each once).
const maxDriftLogged = 256

// driftLog remembers the drifts a client logged.
type driftLog struct {
	mu     sync.Mutex
	logged map[driftKey]struct{}
	full   bool
}

type driftKey struct {
	op, member string
	kind       DriftKind
}

// logDrift logs ev at WARN the first time the client sees its operation,
// member and kind: names only, never a value.
func (c *Client) logDrift(ctx context.Context, ev DriftEvent) {
	d := &c.drift
	d.mu.Lock()
	k := driftKey{ev.Operation, ev.Member, ev.Kind}
	_, seen := d.logged[k]
	full := !seen && len(d.logged) >= maxDriftLogged
	first := full && !d.full
	if full {
		d.full = true
	} else if !seen {
		if d.logged == nil {
			d.logged = map[driftKey]struct{}{}
		}
		d.logged[k] = struct{}{}
	}
	d.mu.Unlock()
	switch {
	case first:
		c.logger.LogAttrs(ctx, slog.LevelWarn, "jupico: answers differ from the SDK's model in more ways than are logged; the Observer still sees each")
	case !seen && !full:
		c.logger.LogAttrs(ctx, slog.LevelWarn, "jupico: answer differs from the SDK's model",
			slog.String("operation", ev.Operation), slog.String("member", ev.Member), slog.String("kind", string(ev.Kind)))
	}
}
