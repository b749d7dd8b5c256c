package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
)

// This file writes the transaction bodies of contract.go without
// reflection: a card sale is on every checkout request, and encoding/json
// spends more time discovering the struct than writing it. The output is
// byte for byte what encoding/json.Marshal writes for the same value (field
// order, omitempty, sorted map keys, HTML-safe escaping, U+FFFD for invalid
// UTF-8); encode_test.go holds the two equal over the struct tags above, so
// contract.go stays the one statement of the field names.

// Appender is a body that writes its own JSON.
type Appender interface {
	AppendJSON(dst []byte) ([]byte, error)
}

// scratch holds buffers bodies are written into before being copied out at
// their exact size (a body outlives the call when a rollback needs it).
var scratch = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// Marshal encodes a request body: through AppendJSON when v has one, else
// with encoding/json.
func Marshal(v any) ([]byte, error) {
	a, ok := v.(Appender)
	if !ok {
		return json.Marshal(v)
	}
	bp := scratch.Get().(*[]byte)
	b, err := a.AppendJSON((*bp)[:0])
	var out []byte
	if err == nil {
		out = bytes.Clone(b)
	}
	if cap(b) <= 64<<10 { // an outsized body does not pin its buffer
		*bp = b[:0]
		scratch.Put(bp)
	}
	return out, err
}

// ErrInvalidNumber is returned for a json.Number that is not a JSON number.
var ErrInvalidNumber = errors.New("wire: invalid number literal")

// AppendJSON appends c as encoding/json would write it.
func (c *Charge) AppendJSON(dst []byte) ([]byte, error) {
	var e enc
	e.b = dst
	e.open()
	e.str("subMerchantId", c.SubMerchantID, false)
	e.num("amount", c.Amount, false)
	e.key("paymentToken")
	c.PaymentToken.append(&e)
	e.str("description", c.Description, true)
	if len(c.Items) > 0 {
		e.key("items")
		e.b = append(e.b, '[')
		for i := range c.Items {
			if i > 0 {
				e.b = append(e.b, ',')
			}
			c.Items[i].append(&e)
		}
		e.b = append(e.b, ']')
	}
	e.num("taxAmount", c.TaxAmount, true)
	e.flag("taxWithHold", c.TaxWithHold)
	if f := c.DynamicFee; f != nil {
		e.key("dynamicFee")
		e.open()
		e.num("fixed", f.Fixed, true)
		e.num("discountRatePerc", f.DiscountRatePerc, true)
		e.close()
	}
	if c.Billing != nil {
		e.key("billing")
		c.Billing.append(&e)
	}
	if c.Shipping != nil {
		e.key("shipping")
		c.Shipping.append(&e)
	}
	e.strMap("metadata", c.Metadata)
	e.str("billingDescriptor", c.BillingDescriptor, true)
	e.str("reference", c.Reference, true)
	e.close()
	return e.b, e.err
}

// AppendJSON appends f as encoding/json would write it.
func (f *FollowUp) AppendJSON(dst []byte) ([]byte, error) {
	var e enc
	e.b = dst
	e.open()
	e.str("subMerchantId", f.SubMerchantID, false)
	e.str("transactionId", f.TransactionID, false)
	e.num("amount", f.Amount, true)
	e.num("taxAmount", f.TaxAmount, true)
	e.flag("taxWithHold", f.TaxWithHold)
	e.flag("taxWithHoldRelease", f.TaxWithHoldRelease)
	e.num("taxAmountRelease", f.TaxAmountRelease, true)
	e.str("description", f.Description, true)
	e.strMap("metadata", f.Metadata)
	e.str("reference", f.Reference, true)
	e.close()
	return e.b, e.err
}

func (t *PaymentToken) append(e *enc) {
	e.open()
	e.optional(member{"type", t.Type}, member{"token", t.Token}, member{"data", t.Data})
	e.close()
}

func (it *Item) append(e *enc) {
	e.open()
	e.optional(member{"name", it.Name}, member{"description", it.Description})
	if it.Quantity != 0 {
		e.key("quantity")
		e.b = strconv.AppendInt(e.b, int64(it.Quantity), 10)
	}
	e.num("unitPrice", it.UnitPrice, true)
	e.close()
}

func (a *Address) append(e *enc) {
	e.open()
	e.optional(member{"firstName", a.FirstName}, member{"lastName", a.LastName}, member{"company", a.Company},
		member{"address1", a.Line1}, member{"address2", a.Line2}, member{"city", a.City}, member{"state", a.State},
		member{"postalCode", a.PostalCode}, member{"country", a.Country}, member{"email", a.Email}, member{"phone", a.Phone})
	e.close()
}

// member is a string member of an object: its name and value.
type member struct{ name, value string }

// optional writes string members tagged omitempty, in order.
func (e *enc) optional(ms ...member) {
	for _, m := range ms {
		e.str(m.name, m.value, true)
	}
}

// enc writes one JSON object at a time; first says no member has been
// written yet at the current depth.
type enc struct {
	b     []byte
	first bool
	err   error
}

func (e *enc) open() {
	e.b = append(e.b, '{')
	e.first = true
}

func (e *enc) close() {
	e.b = append(e.b, '}')
	e.first = false
}

// key writes a member name; names are ASCII identifiers, never escaped.
func (e *enc) key(k string) {
	if !e.first {
		e.b = append(e.b, ',')
	}
	e.first = false
	e.b = append(e.b, '"')
	e.b = append(e.b, k...)
	e.b = append(e.b, '"', ':')
}

func (e *enc) str(k, v string, omitEmpty bool) {
	if omitEmpty && v == "" {
		return
	}
	e.key(k)
	e.b = AppendString(e.b, v)
}

func (e *enc) flag(k string, v bool) {
	if v {
		e.key(k)
		e.b = append(e.b, "true"...)
	}
}

func (e *enc) num(k string, n json.Number, omitEmpty bool) {
	if omitEmpty && n == "" {
		return
	}
	e.key(k)
	if n == "" {
		// encoding/json writes an empty json.Number as 0.
		e.b = append(e.b, '0')
		return
	}
	if !validNumber(string(n)) {
		if e.err == nil {
			e.err = ErrInvalidNumber
		}
		return
	}
	e.b = append(e.b, n...)
}

// strMap writes a string map with its keys sorted, omitted when empty.
func (e *enc) strMap(k string, m map[string]string) {
	if len(m) == 0 {
		return
	}
	e.key(k)
	var small [16]string
	keys := small[:0]
	for mk := range m {
		keys = append(keys, mk)
	}
	slices.Sort(keys)
	e.b = append(e.b, '{')
	for i, mk := range keys {
		if i > 0 {
			e.b = append(e.b, ',')
		}
		e.b = AppendString(e.b, mk)
		e.b = append(e.b, ':')
		e.b = AppendString(e.b, m[mk])
	}
	e.b = append(e.b, '}')
}

const hexDigits = "0123456789abcdef"

// safeASCII marks the bytes encoding/json writes as they are: printable
// ASCII except the quote, the backslash and the HTML-significant <, > and &.
var safeASCII = func() (t [utf8.RuneSelf]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		t[b] = b != '"' && b != '\\' && b != '<' && b != '>' && b != '&'
	}
	return t
}()

// AppendString appends s as a JSON string exactly as encoding/json.Marshal
// writes it.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if safeASCII[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// validNumber reports whether s is a JSON number literal.
func validNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i == len(s) || s[i] < '0' || s[i] > '9' {
			return false
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i == len(s) || s[i] < '0' || s[i] > '9' {
			return false
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	return i == len(s)
}
