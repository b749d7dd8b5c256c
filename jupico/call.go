package jupico

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jupico/jupico-go/internal/pipeline"
	"github.com/jupico/jupico-go/internal/redact"
	"github.com/jupico/jupico-go/internal/wire"
)

// This file is the one path every platform operation (onboarding,
// provisioning, links, checkouts, invoices, plans, subscriptions,
// installments, payouts, queries) takes: a service method is a row of the
// wire table, its request and response types, and a line calling call or
// list. The path validates the request, guards every string in it against
// card numbers, writes the body with the request's Extra members, sends it
// under the rules of the row's kind and keeps the answer's raw data.

// request is implemented by every request type of the platform services.
// validate checks the type's own rules (required fields, amounts, dates);
// the guard on every string runs separately, by reflection, which also
// finds the type's Extra (its own, or that of an embedded filter).
type request interface{ validate(v *validator) }

// addressed is a request that names the resource it acts on; its ID is
// written as the member the operation's row names (wire.Operation.ID).
type addressed interface{ resourceID() string }

// responder is implemented, through ResponseMeta, by every response type.
type responder interface{ meta() *ResponseMeta }

// ResponseMeta is embedded in every result of the platform services.
type ResponseMeta struct {
	// RequestID is the response's request identifier, when Jupico sent one.
	RequestID string `json:"-"`
	// Raw is the answer's data exactly as Jupico sent it, for fields this
	// version of the SDK does not model: json.Unmarshal(x.Raw, &mine).
	Raw json.RawMessage `json:"-"`
}

func (m *ResponseMeta) meta() *ResponseMeta { return m }

// call sends req as op and decodes the answer's data into a new T. It
// returns (*T, nil) on success; for a transaction (money moves), a decline
// as (*T, *APIError matching ErrDeclined) and an unknown outcome as
// *IndeterminateError, never retried; otherwise an *APIError, a
// *RequestError, or a *ValidationError before anything is sent.
func call[T any, PT interface {
	*T
	responder
}](ctx context.Context, c *Client, op *wire.Operation, req request) (_ *T, err error) {
	body, err := encodeRequest(op, req)
	if err != nil {
		return nil, err
	}
	ctx, ob := c.startCall(ctx, op)
	var resp *pipeline.Response
	defer func() { ob.end(resp, err) }()
	resp, e, err := c.exchange(ctx, op, body)
	defer c.release(e)
	if err != nil {
		return nil, err
	}
	out := PT(new(T))
	if resp.Envelope == nil || !decodeData(resp, resp.Envelope.Data, out) {
		return nil, c.unreadable(ctx, op, body, resp, e)
	}
	declined := resp.Outcome == wire.OutcomeDeclined
	if err := c.settleAnswer(ctx, op, body, e, declined, ""); err != nil {
		return nil, err
	}
	if declined {
		return out, newAPIError(op.Name, resp)
	}
	c.checkDrift(ctx, op, resp.Envelope.Data)
	return out, nil
}

// read validates and writes a read's body for op and sends it: the answer
// to decode, as exchange returns it, and the call's observation, which the
// caller ends once it decoded the answer (nil for a request not sent).
func (c *Client) read(ctx context.Context, op *wire.Operation, req request) (*pipeline.Response, *callObs, error) {
	body, err := encodeRequest(op, req)
	if err != nil {
		return nil, nil, err
	}
	ctx, ob := c.startCall(ctx, op)
	resp, _, err := c.exchange(ctx, op, body)
	return resp, ob, err
}

// decodeData reads data (absent or null: nothing) into out and keeps it as
// out's Raw.
func decodeData(resp *pipeline.Response, data json.RawMessage, out responder) bool {
	m := out.meta()
	m.RequestID = resp.RequestID
	if len(data) == 0 || string(data) == "null" {
		return true
	}
	if json.Unmarshal(data, out) != nil {
		return false
	}
	m.Raw = data // already a copy: decoding into a RawMessage copies
	return true
}

// encodeRequest validates req for op and writes its body: the typed fields
// as encoding/json writes them, then the resource's id member, the page
// window and the Extra members in key order. Nothing is sent on error.
func encodeRequest(op *wire.Operation, req request) ([]byte, error) {
	// The validator goes through an interface call, so it would escape:
	// a pooled one keeps a valid request from allocating it.
	v := validators.Get().(*validator)
	*v = validator{op: op}
	defer validators.Put(v)
	rv := reflect.ValueOf(req)
	if req == nil || rv.IsNil() {
		v.fail("request", "is nil")
		return nil, v.error()
	}
	req.validate(v)
	var id string
	if a, ok := req.(addressed); ok && op.ID != "" {
		id = a.resourceID()
		if v.required(op.ID, id); op.Scoped {
			v.required("subMerchantId", ownerOf(rv.Elem()))
		}
	}
	g := guard{v: v, op: op}
	g.value(rv.Elem(), 0)
	extra := extraOf(rv.Elem())
	if len(extra) > 0 {
		checkExtra(v, op, rv.Elem().Type(), extra)
	}
	if err := v.error(); err != nil {
		return nil, err
	}
	b, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("jupico: %s: encode request: %w", op.Name, err)
	}
	p, isPaged := req.(Filter)
	if id == "" && !isPaged && len(extra) == 0 {
		return b, nil
	}
	b = b[:len(b)-1] // reopen the object
	member := func(k string, val []byte) {
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = wire.AppendString(b, k)
		b = append(b, ':')
		b = append(b, val...)
	}
	if id != "" {
		member(op.ID, wire.AppendString(nil, id))
	}
	if isPaged {
		w := p.filter()
		for _, t := range [...]struct {
			name string
			at   time.Time
		}{{"from", w.From}, {"to", w.To}} {
			if !t.at.IsZero() {
				member(t.name, strconv.AppendQuote(nil, t.at.UTC().Format(time.RFC3339)))
			}
		}
		member("limit", strconv.AppendInt(nil, int64(w.limit()), 10))
		member("offset", strconv.AppendInt(nil, int64(w.Offset), 10))
	}
	if b, err = appendExtra(b, extra); err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

// appendExtra appends extra's members, in key order, to b, an object
// still open: b holds "{" and perhaps members, and no closing brace.
func appendExtra(b []byte, extra map[string]any) ([]byte, error) {
	for _, k := range slices.Sorted(mapKeys(extra)) {
		val, err := json.Marshal(extra[k])
		if err != nil {
			return nil, &ValidationError{Field: "extra[" + k + "]", Reason: "cannot be written as JSON"}
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = wire.AppendString(b, k)
		b = append(b, ':')
		b = append(b, val...)
	}
	return b, nil
}

func mapKeys(m map[string]any) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// extraOf returns a request struct's Extra, looking into flattened fields.
func extraOf(rv reflect.Value) map[string]any {
	for _, f := range fieldsOf(rv.Type()) {
		switch {
		case f.flat:
			if m := extraOf(rv.Field(f.index)); m != nil {
				return m
			}
		case f.name == "extra" && !f.own:
			m, _ := rv.Field(f.index).Interface().(map[string]any)
			return m
		}
	}
	return nil
}

// ownerOf returns the subMerchantId a request struct writes at its top
// level, looking into flattened fields.
func ownerOf(rv reflect.Value) string {
	for _, f := range fieldsOf(rv.Type()) {
		switch {
		case f.flat:
			if s := ownerOf(rv.Field(f.index)); s != "" {
				return s
			}
		case f.name == "subMerchantId":
			return rv.Field(f.index).String()
		}
	}
	return ""
}

// checkExtra refuses Extra members that would overwrite a typed field (or
// a member the SDK writes itself), and keys that are empty, unprintable or
// hold a card number. Values are guarded like typed fields.
func checkExtra(v *validator, op *wire.Operation, t reflect.Type, extra map[string]any) {
	names := memberNames(t)
	for _, k := range slices.Sorted(mapKeys(extra)) {
		switch {
		case strings.TrimSpace(k) == "" || len(k) > 100 || !printable(k) || redact.FindPAN(k):
			v.fail("extra[key]", "is empty, longer than 100 bytes, unprintable or holds a card number")
		case names[k] || k == op.ID:
			v.fail("extra["+k+"]", "collides with a field the SDK writes; set that field instead")
		}
	}
}

var validators = sync.Pool{New: func() any { return new(validator) }}

// guard walks a request by reflection and runs the free-text rules on every
// string it holds (typed fields, nested objects, slices, maps, Extra): no
// control characters, no card number, at most maxFreeText characters. It
// also refuses negative amounts anywhere. Types with rules of their own
// (bank account and routing numbers, which are digits by nature) use them
// instead. Field names are built only for a failure, so a valid request
// walks without allocating.
type guard struct {
	v    *validator
	op   *wire.Operation
	path [maxDepth]segment
	n    int
}

// maxDepth bounds how deep a request (its Extra included) may nest.
const maxDepth = 16

// segment is one step of a field path: a member name, or an index.
type segment struct {
	name string
	idx  int // -1 for a name
}

func (g *guard) push(name string, idx int) bool {
	if g.n == maxDepth {
		g.failHere("nests too deeply")
		return false
	}
	g.path[g.n] = segment{name, idx}
	g.n++
	return true
}

func (g *guard) pop() { g.n-- }

// failHere records reason under the current path.
func (g *guard) failHere(reason string) { g.v.fail(g.where(), reason) }

// where spells the current path: "payments.startDate", "items[2].name",
// "extra[note]". The ID field is named by the operation's row.
func (g *guard) where() string {
	var b strings.Builder
	for _, s := range g.path[:g.n] {
		switch {
		case s.idx >= 0:
			b.WriteString("[" + strconv.Itoa(s.idx) + "]")
		case strings.HasPrefix(s.name, "["):
			b.WriteString(s.name)
		case s.name != "":
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			if s.name == "id" && g.op.ID != "" {
				b.WriteString(g.op.ID)
			} else {
				b.WriteString(s.name)
			}
		}
	}
	return b.String()
}

var (
	amountType   = reflect.TypeFor[Amount]()
	rawType      = reflect.TypeFor[json.RawMessage]()
	metadataType = reflect.TypeFor[map[string]string]()
	timeType     = reflect.TypeFor[time.Time]()
	// ownTextRules are the string types with rules of their own; every
	// other string is free text.
	ownTextRules = map[reflect.Type]func(string) string{
		reflect.TypeFor[AccountNumber](): func(s string) string { return AccountNumber(s).problem() },
		reflect.TypeFor[RoutingNumber](): func(s string) string { return RoutingNumber(s).problem() },
	}
)

func (g *guard) value(rv reflect.Value, depth int) {
	if g.v.err != nil {
		return
	}
	switch rv.Kind() {
	case reflect.String:
		s := rv.String()
		if rule := ownTextRules[rv.Type()]; rule != nil {
			if reason := rule(s); reason != "" {
				g.failHere(reason)
			}
			return
		}
		if p := textOf(s, maxFreeText); p.err != nil {
			g.failHere(p.err.Reason)
		}
	case reflect.Int64:
		if rv.Type() == amountType && rv.Int() < 0 {
			g.failHere("must not be negative")
		}
	case reflect.Struct:
		if rv.Type() == timeType {
			return
		}
		for _, f := range fieldsOf(rv.Type()) {
			if !g.push(f.name, -1) {
				return
			}
			g.value(rv.Field(f.index), depth+1)
			g.pop()
		}
	case reflect.Pointer, reflect.Interface:
		if !rv.IsNil() {
			g.value(rv.Elem(), depth)
		}
	case reflect.Slice, reflect.Array:
		if rv.Type() == rawType {
			g.raw(rv.Bytes())
			return
		}
		for i := range rv.Len() {
			if !g.push("", i) {
				return
			}
			g.value(rv.Index(i), depth+1)
			g.pop()
		}
	case reflect.Map:
		if rv.Type() == metadataType {
			g.metadata(rv.Interface().(map[string]string))
			return
		}
		iter := rv.MapRange()
		for iter.Next() {
			k := iter.Key().String()
			if p := textOf(k, 100); p.err != nil {
				if g.push("[key]", -1) {
					g.failHere(p.err.Reason)
				}
				return
			}
			if !g.push("["+k+"]", -1) {
				return
			}
			g.value(iter.Value(), depth+1)
			g.pop()
		}
	}
}

// raw checks a JSON value the caller wrote (fees, schedules).
func (g *guard) raw(b []byte) {
	switch {
	case len(b) == 0:
	case !json.Valid(b):
		g.failHere("is not valid JSON")
	case redact.FindPAN(string(b)), bytes.IndexByte(b, '\\') >= 0 && escapedPAN(b):
		g.failHere("contains what looks like a card number; remove it (card numbers must never be sent in free text)")
	}
}

// escapedPAN reports whether a string or member name of the JSON value b
// holds a card number once its escapes are decoded ("\u0034111..."): the
// raw text's own scan cannot see one.
func escapedPAN(b []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(b))
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		if s, ok := tok.(string); ok && redact.FindPAN(s) {
			return true
		}
	}
}

// metadata runs Jupico's metadata rules on a map[string]string member.
func (g *guard) metadata(m map[string]string) {
	probe := validator{}
	if probe.metadata("", m); probe.err != nil {
		g.v.fail(g.where()+probe.err.Field, probe.err.Reason)
	}
}

// field is a struct field as the guard and the Extra check see it.
type field struct {
	index int
	// name is the JSON member name; for fields the body does not carry
	// under their own name (json:"-") the lower-cased Go name.
	name string
	// flat fields' members are written into the enclosing object (an
	// embedded struct).
	flat bool
	// own is false for fields the SDK writes from elsewhere (ID, Extra,
	// the page window), which cannot collide with Extra.
	own bool
}

var fieldCache sync.Map // reflect.Type -> []field

func fieldsOf(t reflect.Type) []field {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.([]field)
	}
	var fs []field
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		f := field{index: i, own: true}
		tag, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		switch {
		case sf.Anonymous && tag == "":
			f.flat = true
		case tag == "-":
			f.name, f.own = strings.ToLower(sf.Name[:1])+sf.Name[1:], false
			if sf.Name == "ID" {
				f.name = "id"
			}
		case tag != "":
			f.name = tag
		default:
			f.name = sf.Name
		}
		fs = append(fs, f)
	}
	fieldCache.Store(t, fs)
	return fs
}

var namesCache sync.Map // reflect.Type -> map[string]bool

// memberNames returns the body members a request type writes itself.
func memberNames(t reflect.Type) map[string]bool {
	if m, ok := namesCache.Load(t); ok {
		return m.(map[string]bool)
	}
	m := map[string]bool{}
	var add func(t reflect.Type)
	add = func(t reflect.Type) {
		for _, f := range fieldsOf(t) {
			ft := t.Field(f.index).Type
			switch {
			case f.flat:
				add(ft)
			case f.own:
				m[f.name] = true
			}
		}
	}
	add(t)
	if reflect.PointerTo(t).Implements(reflect.TypeFor[Filter]()) {
		m["limit"], m["offset"], m["from"], m["to"] = true, true, true, true
	}
	namesCache.Store(t, m)
	return m
}
