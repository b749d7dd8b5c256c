package jupico

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jupico/jupico-go/internal/redact"
	"github.com/jupico/jupico-go/internal/wire"
)

// checkRollbackBody checks body, the original request body of op (the
// operation rolled back, e.g. &wire.CardSale), before it is sent as a
// rollback: by hand (CreditCardService.Rollback, the CLI) or from a journal.
// A rollback carries the original body as is, so it must pass what the
// original transaction had to:
//
//   - exactly one JSON object, valid UTF-8, nothing after it, nested at
//     most maxDepth deep, no member named twice (at the top level, names
//     differing only in case count as the same: a server may read either);
//   - the members op requires: subMerchantId, a positive amount and a
//     paymentToken for a sale or authorization; subMerchantId and
//     transactionId for a capture, void or refund (and a positive amount
//     when one is given);
//   - on every string and member name anywhere in it, the free-text rules:
//     no control characters, no card number, at most maxFreeText
//     characters; numbers plain decimals, never negative, and no card
//     number either.
//
// It returns nil or a *ValidationError naming the field and the rule, never
// the value.
func checkRollbackBody(op *wire.Operation, body []byte) error {
	var charge bool
	switch {
	case op == nil || op.Rollback == nil:
		return &ValidationError{Field: "rollback.operation", Reason: "names no operation with a rollback"}
	case op.Name == wire.CardSale.Name || op.Name == wire.CardAuthorize.Name:
		charge = true
	case op.Name == wire.CardCapture.Name || op.Name == wire.CardVoid.Name || op.Name == wire.CardRefund.Name:
	default:
		return &ValidationError{Field: "rollback.operation", Reason: "names no operation with a rollback"}
	}
	const field = "rollback.body"
	fail := func(reason string) error { return &ValidationError{Field: field, Reason: reason} }
	switch {
	case len(bytes.TrimSpace(body)) == 0:
		return fail("is empty; it must be the original request body")
	case !utf8.Valid(body):
		return fail("is not valid UTF-8")
	case !json.Valid(body):
		if trailingData(body) {
			return fail("has data after its JSON value; it must be exactly one JSON object")
		}
		return fail("is not valid JSON")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fail("must be a JSON object")
	}
	w := bodyWalker{dec: dec}
	if w.object(field, 1); w.err != nil {
		return w.err
	}
	// The walk refused duplicates, so decoding keeps every member.
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return fail("must be a JSON object")
	}
	v := &validator{}
	str := func(name string, required bool) string {
		raw, ok := top[name]
		if !ok {
			if required {
				v.fail(field+"."+name, "is required")
			}
			return ""
		}
		var s string
		if json.Unmarshal(raw, &s) != nil {
			v.fail(field+"."+name, "must be a string")
			return ""
		}
		if required {
			v.required(field+"."+name, s)
		}
		return s
	}
	amount := func(required bool) {
		raw, ok := top["amount"]
		switch {
		case !ok && required:
			v.fail(field+".amount", "is required")
		case !ok:
		case len(raw) == 0 || raw[0] < '0' || raw[0] > '9':
			v.fail(field+".amount", "must be a JSON number")
		default:
			a, err := ParseAmount(string(raw))
			if err != nil {
				v.fail(field+".amount", "is not a number of dollars with at most two decimals")
				return
			}
			v.positive(field+".amount", a)
		}
	}
	str("subMerchantId", true)
	if !charge {
		str("transactionId", true)
		amount(false)
		return v.error()
	}
	amount(true)
	raw, ok := top["paymentToken"]
	if !ok {
		v.fail(field+".paymentToken", "is required")
		return v.error()
	}
	var tok map[string]json.RawMessage
	if json.Unmarshal(raw, &tok) != nil || tok == nil {
		v.fail(field+".paymentToken", "must be a JSON object")
		return v.error()
	}
	var pt wire.PaymentToken
	for name, dst := range map[string]*string{"type": &pt.Type, "token": &pt.Token, "data": &pt.Data} {
		if r, ok := tok[name]; ok && json.Unmarshal(r, dst) != nil {
			v.fail(field+".paymentToken."+name, "must be a string")
		}
	}
	PaymentToken{Type: pt.Type, Token: pt.Token, OneTime: pt.Data}.validate(v, field+".paymentToken")
	return v.error()
}

// trailingData reports whether b starts with one JSON value followed by
// more than white space.
func trailingData(b []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(b))
	var v json.RawMessage
	if dec.Decode(&v) != nil {
		return false
	}
	_, err := dec.Token()
	return !errors.Is(err, io.EOF)
}

// bodyWalker reads a JSON value token by token and holds every member
// name, string and number in it to the rules of checkRollbackBody. It
// decodes escapes, so "\u0034" counts as the digit it stands for.
type bodyWalker struct {
	dec *json.Decoder
	err *ValidationError
}

func (w *bodyWalker) fail(field, reason string) {
	if w.err == nil {
		w.err = &ValidationError{Field: field, Reason: reason}
	}
}

// object reads the members of an object whose '{' was read, up to its '}'.
func (w *bodyWalker) object(field string, depth int) {
	seen := map[string]bool{}
	for w.err == nil {
		tok, err := w.dec.Token()
		if err != nil {
			w.fail(field, "is not valid JSON")
			return
		}
		if tok == json.Delim('}') {
			return
		}
		k, _ := tok.(string)
		if p := textOf(k, 100); p.err != nil || strings.TrimSpace(k) == "" {
			w.fail(field+"[key]", "is empty, longer than 100 characters, unprintable or holds a card number")
			return
		}
		name := k
		if depth == 1 {
			// The members the checks below read: one reading only.
			name = strings.ToLower(k)
		}
		if seen[name] {
			w.fail(field+"."+k, "is given twice")
			return
		}
		seen[name] = true
		w.value(field+"."+k, depth)
	}
}

// value reads one value.
func (w *bodyWalker) value(field string, depth int) {
	tok, err := w.dec.Token()
	if err != nil {
		w.fail(field, "is not valid JSON")
		return
	}
	switch t := tok.(type) {
	case json.Delim:
		if depth >= maxDepth {
			w.fail(field, "nests too deeply")
			return
		}
		if t == '{' {
			w.object(field, depth+1)
			return
		}
		for i := 0; w.err == nil; i++ {
			if !w.dec.More() {
				if _, err := w.dec.Token(); err != nil { // the closing ']'
					w.fail(field, "is not valid JSON")
				}
				return
			}
			w.value(field+"["+strconv.Itoa(i)+"]", depth+1)
		}
	case string:
		if p := textOf(t, maxFreeText); p.err != nil {
			w.fail(field, p.err.Reason)
		}
	case json.Number:
		switch s := string(t); {
		case strings.HasPrefix(s, "-"):
			w.fail(field, "must not be negative")
		case strings.ContainsAny(s, "eE"):
			w.fail(field, "must be a plain decimal number, without an exponent")
		case redact.FindPAN(s):
			w.fail(field, "looks like a card number; card numbers must never be sent")
		}
	}
}
