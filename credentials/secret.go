package credentials

import (
	"crypto/subtle"
	"fmt"
	"io"
	"log/slog"
)

// redacted is what every printed form of a Secret shows instead of its value.
const redacted = "[REDACTED]"

// Secret holds a sensitive string (a password, an API key, an Authorization
// header, a webhook signing secret) and refuses to print it. String,
// GoString, Format (every fmt verb, flag and width: %v, %+v, %#v, %s, %q, %x,
// %X, %d, %p...), MarshalJSON, MarshalText and LogValue all produce
// "[REDACTED]"; not even the last characters are shown. Reveal is the only
// way to read the value.
//
// The value sits behind an unexported pointer and is held by a closure, so
// printers that bypass methods also come away empty: fmt printing a Secret in
// an unexported struct field shows a pointer address, and reflection-based
// dumpers that follow pointers (go-spew, as used by testify's failure
// messages) show a func address.
//
// The zero Secret is empty: IsZero reports true and Reveal returns "". A
// Secret is immutable and safe for concurrent use. Compare Secrets with
// Equal, which runs in constant time; == compares identity, not value.
type Secret struct {
	v *secretValue
}

type secretValue struct {
	reveal func() string
}

// NewSecret wraps s. It does not validate s (the providers that build
// credentials do). NewSecret("") returns the zero Secret.
func NewSecret(s string) Secret {
	if s == "" {
		return Secret{}
	}
	return Secret{v: &secretValue{reveal: func() string { return s }}}
}

// Reveal returns the plain value, or "" for the zero Secret. Call it only
// where the value must leave the process (an Authorization header, an HMAC
// key), never to log it or to put it in an error.
func (s Secret) Reveal() string {
	if s.v == nil {
		return ""
	}
	return s.v.reveal()
}

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.v == nil }

// Equal reports whether s and o hold the same value. Its running time depends
// on the lengths of the values only, never on where they differ, so it is
// safe for comparing keys and signatures.
func (s Secret) Equal(o Secret) bool {
	if s.v == o.v {
		return true
	}
	return subtle.ConstantTimeCompare([]byte(s.Reveal()), []byte(o.Reveal())) == 1
}

// String returns "[REDACTED]".
func (s Secret) String() string { return redacted }

// GoString returns "[REDACTED]", so %#v never shows the value.
func (s Secret) GoString() string { return redacted }

// Format implements fmt.Formatter: every verb prints "[REDACTED]" (quoted for
// %q), ignoring flags, width and precision, so no verb can reveal the value
// or its length.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		_, _ = io.WriteString(f, `"`+redacted+`"`)
		return
	}
	_, _ = io.WriteString(f, redacted)
}

// MarshalJSON encodes the secret as the JSON string "[REDACTED]". It never
// fails.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText returns "[REDACTED]", so encoders that use
// encoding.TextMarshaler (slog's text handler, map keys in encoding/json)
// never see the value. It never fails.
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// LogValue implements slog.LogValuer: the secret logs as "[REDACTED]".
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }
