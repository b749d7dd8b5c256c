package credentials

import (
	"crypto/subtle"
	"fmt"
	"log/slog"
)

// redacted is what every printed form of a Secret shows instead of its value.
const redacted = "[REDACTED]"

// Secret holds a sensitive string (a password, an API key, a webhook signing
// secret) and refuses to print it. String, GoString, Format (every fmt verb,
// including %v, %+v, %#v, %s, %q, %x and %d), MarshalJSON, MarshalText and
// LogValue all produce "[REDACTED]"; Reveal is the only way to read the value.
//
// The value sits behind an unexported pointer, so even a Secret held in an
// unexported struct field, which fmt prints by reflection without calling any
// method, shows only a pointer address, never the bytes.
//
// The zero Secret is empty. A Secret is immutable and safe for concurrent use.
type Secret struct {
	v *secretValue
}

type secretValue struct{ s string }

// NewSecret wraps s. It does not validate s; the providers that build
// credentials do.
func NewSecret(s string) Secret {
	if s == "" {
		return Secret{}
	}
	return Secret{v: &secretValue{s: s}}
}

// Reveal returns the plain value. Call it only where the value must leave the
// process (an Authorization header, an HMAC key), never to log or wrap it.
func (s Secret) Reveal() string {
	if s.v == nil {
		return ""
	}
	return s.v.s
}

// IsZero reports whether the secret is empty.
func (s Secret) IsZero() bool { return s.v == nil || s.v.s == "" }

// Equal reports whether s and o hold the same value. The comparison takes
// time that depends on the lengths only, never on where the values differ.
func (s Secret) Equal(o Secret) bool {
	return subtle.ConstantTimeCompare([]byte(s.Reveal()), []byte(o.Reveal())) == 1
}

// String returns "[REDACTED]".
func (s Secret) String() string { return redacted }

// GoString returns "[REDACTED]", so %#v never shows the value.
func (s Secret) GoString() string { return redacted }

// Format implements fmt.Formatter: every verb prints "[REDACTED]" (quoted for
// %q), so no verb, flag or width can reveal the value.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		_, _ = f.Write([]byte(`"` + redacted + `"`))
		return
	}
	_, _ = f.Write([]byte(redacted))
}

// MarshalJSON encodes the secret as the JSON string "[REDACTED]".
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText returns "[REDACTED]"; encoders that use encoding.TextMarshaler
// (slog's text handler among them) therefore never see the value.
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }
