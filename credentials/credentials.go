package credentials

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrNoCredentials is returned (wrapped) by a Provider that found nothing to
// offer, for example FromEnv when none of its variables is set. Chain moves on
// to its next provider on this error.
var ErrNoCredentials = errors.New("credentials: none found")

// ErrInvalid is matched, through errors.Is, by every *ValidationError.
var ErrInvalid = errors.New("credentials: invalid")

// ValidationError reports credentials that are malformed. It names where the
// value came from (an environment variable, a file) and what is wrong with
// it, and never carries the value itself.
type ValidationError struct {
	// Source names the origin of the bad value, e.g. "JUPICO_API_KEY".
	Source string
	// Reason says what is wrong, e.g. "is empty".
	Reason string
}

// Error returns "credentials: <source> <reason>".
func (e *ValidationError) Error() string {
	if e.Source == "" {
		return "credentials: " + e.Reason
	}
	return "credentials: " + e.Source + " " + e.Reason
}

// Is reports whether target is ErrInvalid.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// Credentials authenticate requests to Jupico with HTTP Basic auth. They are
// built by NewBasic (username and password) or NewAPIKey (the pre-encoded key
// Jupico's Backoffice shows), which validate their input, so a Credentials
// value that exists is well formed. The Authorization header is computed once,
// at construction, so using Credentials on every request costs no allocation.
//
// The zero Credentials is empty (IsZero reports true) and is rejected by the
// client. Credentials are immutable values, safe to copy and to share between
// goroutines. Printing them, with any fmt verb, slog or encoding/json, never
// shows the password or the key.
type Credentials struct {
	// Source names where the credentials came from ("env", a file path, a
	// command), for diagnostics. It never holds secret material.
	Source string
	// Expires is when the credentials stop being valid. The zero time means
	// they do not expire on a schedule.
	Expires time.Time

	username string
	header   Secret // "Basic <base64>"
}

// NewBasic returns credentials for a username and password; the SDK encodes
// them as Jupico's Basic auth expects. Both must be non-empty and free of
// whitespace and control characters, and the username may not contain a
// colon; the error is a *ValidationError that never repeats the values.
func NewBasic(username, password string) (Credentials, error) {
	if err := checkField("username", username); err != nil {
		return Credentials{}, err
	}
	if strings.Contains(username, ":") {
		return Credentials{}, &ValidationError{Source: "username", Reason: "contains a colon"}
	}
	if err := checkField("password", password); err != nil {
		return Credentials{}, err
	}
	enc := base64.StdEncoding.EncodeToString([]byte(username + ":" + password))
	return Credentials{username: username, header: NewSecret("Basic " + enc)}, nil
}

// NewAPIKey returns credentials for a pre-encoded API key: the base64 string
// of "username:password" that Jupico's Backoffice shows. The key is sent byte
// for byte as given, after surrounding whitespace (such as the newline a
// mounted secret file ends with) is trimmed. It must be standard, padded
// base64 that decodes to "username:password" with a non-empty username and
// password; the error is a *ValidationError that never repeats the key.
//
// A key whose decoded form ends in a newline, as Jupico's published public
// sandbox key does, is accepted unchanged: Jupico issued it that way.
func NewAPIKey(key string) (Credentials, error) {
	key = strings.TrimSpace(key)
	if key == "" {
		return Credentials{}, &ValidationError{Source: "api key", Reason: "is empty"}
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(key)
	if err != nil {
		return Credentials{}, &ValidationError{Source: "api key", Reason: "is not standard base64"}
	}
	decoded := strings.TrimRight(string(raw), "\r\n")
	user, pass, ok := strings.Cut(decoded, ":")
	if !ok || user == "" || pass == "" {
		return Credentials{}, &ValidationError{Source: "api key", Reason: "does not decode to username:password"}
	}
	if hasSpaceOrControl(user) || hasSpaceOrControl(pass) {
		return Credentials{}, &ValidationError{Source: "api key", Reason: "decodes to a value with whitespace or control characters"}
	}
	return Credentials{username: user, header: NewSecret("Basic " + key)}, nil
}

func checkField(name, v string) error {
	if v == "" {
		return &ValidationError{Source: name, Reason: "is empty"}
	}
	if hasSpaceOrControl(v) {
		return &ValidationError{Source: name, Reason: "contains whitespace or control characters"}
	}
	return nil
}

func hasSpaceOrControl(s string) bool {
	for _, r := range s {
		if r <= ' ' || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == '\u00a0' || r == '\u2028' || r == '\u2029' || r == '\ufeff' {
			return true
		}
	}
	return false
}

// Username returns the API user the credentials authenticate as. It is not
// secret and may be logged.
func (c Credentials) Username() string { return c.username }

// AuthorizationHeader returns the value of the HTTP Authorization header,
// "Basic <base64>", as a Secret. It is computed once, when the credentials are
// built.
func (c Credentials) AuthorizationHeader() Secret { return c.header }

// IsZero reports whether c holds no credentials.
func (c Credentials) IsZero() bool { return c.header.IsZero() }

// Equal reports whether c and o authenticate identically (same Authorization
// header), compared in constant time. Source and Expires are ignored.
func (c Credentials) Equal(o Credentials) bool { return c.header.Equal(o.header) }

// String describes the credentials without their secret part, for example
// "credentials{user=demoApiUser source=env}".
func (c Credentials) String() string {
	if c.IsZero() {
		return "credentials{}"
	}
	return fmt.Sprintf("credentials{user=%s source=%s}", c.username, c.Source)
}

// GoString is String, so %#v never shows the Authorization header.
func (c Credentials) GoString() string { return c.String() }

// Format prints String for every verb.
func (c Credentials) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

// Provider supplies credentials. The client calls Retrieve before every
// attempt of every request (through a cache), so a provider whose answer
// changes (a rotated file, a secret manager) takes effect without a restart.
//
// Implementations must be safe for concurrent use, must honour ctx, and must
// not put secret values in their errors.
type Provider interface {
	Retrieve(ctx context.Context) (Credentials, error)
}

// ProviderFunc adapts a function to Provider.
type ProviderFunc func(ctx context.Context) (Credentials, error)

// Retrieve calls f(ctx).
func (f ProviderFunc) Retrieve(ctx context.Context) (Credentials, error) { return f(ctx) }
