package jupico

import (
	"errors"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jupico/jupico-go/internal/redact"
	"github.com/jupico/jupico-go/internal/wire"
)

// ErrValidation is matched by every *ValidationError.
var ErrValidation = errors.New("jupico: invalid request")

// ValidationError reports a request the client refused to send because a
// field is missing or wrong. Nothing was sent. The error names the field and
// the rule, and never repeats the value (which could be a card number).
type ValidationError struct {
	// Field is the JSON-style path of the field, e.g. "amount",
	// "metadata[order]" or "items[2].description".
	Field string
	// Reason says which rule failed, e.g. "must be positive".
	Reason string
}

// Error returns "jupico: invalid request: <field>: <reason>", leaving out
// the parts that are empty (and both for nil).
func (e *ValidationError) Error() string {
	s := "jupico: invalid request"
	if e == nil {
		return s
	}
	for _, part := range []string{e.Field, e.Reason} {
		if part != "" {
			s += ": " + part
		}
	}
	return s
}

// Is reports whether target is ErrValidation.
func (e *ValidationError) Is(target error) bool { return target == ErrValidation }

// Limits enforced before sending (Jupico's metadata rules).
const (
	MaxMetadataKeys        = 50
	MaxMetadataKeyLength   = 40
	MaxMetadataValueLength = 500
	maxFreeText            = 1000
	maxIDLength            = 128
)

// validator collects the first failure while a request is checked.
type validator struct {
	err *ValidationError
	// op is the operation a platform request is checked for.
	op *wire.Operation
}

func (v *validator) fail(field, reason string) {
	if v.err == nil {
		v.err = &ValidationError{Field: field, Reason: reason}
	}
}

func (v *validator) error() error {
	if v.err == nil {
		return nil
	}
	return v.err
}

// required checks an identifier: present, short, printable, no card number.
func (v *validator) required(field, s string) {
	if strings.TrimSpace(s) == "" {
		v.fail(field, "is required")
		return
	}
	v.id(field, s)
}

// need is required, for a member of a create request.
func (v *validator) need(field, s string) { v.required(field, s) }

// needAmount is positive, for an amount of a create request.
func (v *validator) needAmount(field string, a Amount) { v.positive(field, a) }

// date checks an optional day: zero, or one that exists.
func (v *validator) date(field string, d Date) {
	if !d.IsZero() && !d.Valid() {
		v.fail(field, "is not a real day")
	}
}

// needDate is date for a day a create request requires.
func (v *validator) needDate(field string, d Date) {
	if d.IsZero() {
		v.fail(field, "is required")
	}
	v.date(field, d)
}

// https checks an optional URL the customer is sent to: https, a host, no
// userinfo.
func (v *validator) https(field, s string) {
	if s == "" {
		return
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		v.fail(field, "must be an https URL with a host and no userinfo")
	}
}

func (v *validator) id(field, s string) {
	switch {
	case len(s) > maxIDLength:
		v.fail(field, "is longer than "+strconv.Itoa(maxIDLength)+" bytes")
	case !printable(s):
		v.fail(field, "contains control characters or invalid UTF-8")
	case redact.FindPAN(s):
		v.fail(field, "looks like a card number; send the payment token, never the card number")
	}
}

// text checks a free-text field: bounded, printable, and free of anything
// that looks like a card number (PCI DSS: a card number pasted into a
// description would be stored and displayed in clear).
func (v *validator) text(field, s string, max int) {
	switch {
	case s == "":
	case utf8.RuneCountInString(s) > max:
		v.fail(field, "is longer than "+strconv.Itoa(max)+" characters")
	case !printable(s):
		v.fail(field, "contains control characters or invalid UTF-8")
	case redact.FindPAN(s):
		v.fail(field, "contains what looks like a card number; remove it (card numbers must never be sent in free text)")
	}
}

func (v *validator) positive(field string, a Amount) {
	switch {
	case a <= 0:
		v.fail(field, "must be positive")
	case a > MaxAmount:
		v.fail(field, "is too large")
	}
}

func (v *validator) nonNegative(field string, a *Amount) {
	if a == nil {
		return
	}
	switch {
	case *a < 0:
		v.fail(field, "must not be negative")
	case *a > MaxAmount:
		v.fail(field, "is too large")
	}
}

func (v *validator) metadata(field string, m map[string]string) {
	if len(m) > MaxMetadataKeys {
		v.fail(field, "has more than "+strconv.Itoa(MaxMetadataKeys)+" keys")
		return
	}
	// Check in map order first, which allocates nothing; only a failure is
	// worth sorting for, so that the error names the same key every time.
	probe := validator{}
	for k, val := range m {
		probe.metadataEntry(field, k, val)
		if probe.err != nil {
			break
		}
	}
	if probe.err == nil {
		return
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if v.metadataEntry(field, k, m[k]); v.err != nil {
			return
		}
	}
}

func (v *validator) metadataEntry(field, k, val string) {
	reason := ""
	switch {
	case k == "":
		reason = "is empty"
	case utf8.RuneCountInString(k) > MaxMetadataKeyLength:
		reason = "is longer than " + strconv.Itoa(MaxMetadataKeyLength) + " characters"
	case strings.ContainsAny(k, "[]"):
		reason = "contains [ or ]"
	case !printable(k):
		reason = "contains control characters or invalid UTF-8"
	case redact.FindPAN(k):
		reason = "contains what looks like a card number"
	}
	if reason != "" {
		v.fail(field+"[key]", reason)
		return
	}
	// The key is safe to name now: it is short, printable, no card.
	v.adopt(textOf(val, MaxMetadataValueLength), field, "[", k, "]")
}

// textOf and idOf run text and id on s alone, for a field whose name is
// built only if s fails (see adopt).
func textOf(s string, max int) (p validator) {
	p.text("", s, max)
	return p
}

func idOf(s string) (p validator) {
	p.id("", s)
	return p
}

// adopt records probe's failure, if any, under the field name that parts
// spell ("billing", ".", "city"): nested and keyed names are built only
// for a failure, so a valid request allocates none.
func (v *validator) adopt(probe validator, parts ...string) {
	if probe.err != nil {
		v.fail(strings.Join(parts, ""), probe.err.Reason)
	}
}

func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return false
		}
	}
	return true
}
