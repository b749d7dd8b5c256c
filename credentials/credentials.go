package credentials

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ErrNoCredentials is returned (wrapped) by a Provider that found nothing to
// offer: FromEnv when none of its variables is set, FromFile when the path
// does not exist. Chain moves on to its next provider on this error and on no
// other. Match it with errors.Is.
var ErrNoCredentials = errors.New("credentials: none found")

// ErrInvalidOption is matched, through errors.Is, by every configuration
// error of this module: a nil or bad option, or a nil required argument, given
// to a constructor (NewCache, NewSecretSet, jupico.NewClient,
// webhook.NewVerifier, ...). It is the one sentinel of the module for
// invalid configuration: jupico.ErrInvalidOption, webhook.ErrInvalidOption
// and those of the other packages are this same value.
var ErrInvalidOption = errors.New("jupico: invalid option")

// ErrInvalid is matched, through errors.Is, by every *ValidationError: a
// credential or secret value that is malformed (given to NewBasic or
// NewAPIKey, or read by a provider), as opposed to a bad option, which is
// ErrInvalidOption.
var ErrInvalid = errors.New("credentials: invalid")

// ErrClosed is returned (wrapped) by a Cache or SecretSet after Close when it
// has no usable value left and may no longer refresh.
var ErrClosed = errors.New("credentials: closed")

// Reason says what is wrong with a value in a *ValidationError. Callers can
// branch on it; its text completes the error message.
type Reason string

// The reasons a *ValidationError reports, one per case.
const (
	ReasonEmpty       Reason = "is empty"
	ReasonMissing     Reason = "is missing"
	ReasonSpace       Reason = "contains whitespace or control characters"
	ReasonNotUTF8     Reason = "is not valid UTF-8"
	ReasonColon       Reason = "contains a colon"
	ReasonNotBase64   Reason = "is not standard padded base64"
	ReasonNotUserPass Reason = "does not decode to username:password"
	ReasonConflict    Reason = "are both set; set only one"
	ReasonNoneSet     Reason = "holds neither username and password nor apiKey"
	ReasonMalformed   Reason = "is not a JSON object of string fields"
	ReasonBadTime     Reason = "is not an RFC 3339 time"
	ReasonTooLarge    Reason = "exceeds the size limit"
	ReasonDuplicate   Reason = "appears more than once"
	ReasonNotString   Reason = "is not a JSON string"
	ReasonFileType    Reason = "is neither a regular file nor a directory"
)

// ValidationError reports a malformed credential. It names where the value
// came from (Source: an environment variable, a file, a command) and which
// value is wrong (Field), and never carries the value itself, nor any part of
// it. errors.Is(err, ErrInvalid) reports true for every ValidationError.
type ValidationError struct {
	// Source names the origin of the bad value: "JUPICO_API_KEY", a file
	// path, `command "vault"`. It is empty for values passed directly to
	// NewBasic or NewAPIKey.
	Source string
	// Field names the value within Source: "username", "password", "apiKey",
	// "expiresAt". It is empty when Source alone names the value (an
	// environment variable, a file holding one value).
	Field string
	// Reason says what is wrong.
	Reason Reason
}

// Error returns "credentials: <source>: <field> <reason>", leaving out the
// parts that are empty; an empty Reason reads "is invalid", and the zero
// ValidationError (or nil) "credentials: invalid value".
func (e *ValidationError) Error() string {
	if e == nil || (e.Source == "" && e.Field == "" && e.Reason == "") {
		return "credentials: invalid value"
	}
	reason := string(e.Reason)
	if reason == "" {
		reason = "is invalid"
	}
	var b strings.Builder
	b.WriteString("credentials: ")
	b.WriteString(e.Source)
	if e.Source != "" && e.Field != "" {
		b.WriteString(": ")
	}
	b.WriteString(e.Field)
	if e.Source != "" || e.Field != "" {
		b.WriteString(" ")
	}
	b.WriteString(reason)
	return b.String()
}

// Is reports whether target is ErrInvalid.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// Credentials authenticate requests to Jupico with HTTP Basic auth. They are
// built by NewBasic (username and password) or NewAPIKey (the pre-encoded key
// Jupico's Backoffice shows), which validate their input, so Credentials that
// exist are well formed. The Authorization header is computed once, at
// construction, so using Credentials on every request costs no allocation.
//
// The zero Credentials is empty (IsZero reports true) and is rejected by the
// client and by Cache. Credentials are immutable values, safe to copy and to
// share between goroutines. Printing them with any fmt verb, slog or
// encoding/json shows the username and Source, never the password or the key.
type Credentials struct {
	// Source names where the credentials came from ("env", a file path, a
	// command), for diagnostics. It never holds secret material.
	Source string
	// Expires is when the credentials stop being valid. The zero time means
	// they do not expire on a schedule. Cache refreshes ahead of it.
	Expires time.Time

	username string
	header   Secret // "Basic <base64>"
}

// NewBasic returns credentials for a username and password, which the SDK
// encodes as Jupico's Basic auth expects. Both must be non-empty valid UTF-8
// free of whitespace and control characters (no trimming is done: a trailing
// newline is an error here; the file providers strip it before calling), and
// the username may not contain a colon. The error is a *ValidationError with
// Field "username" or "password" that never repeats the values.
func NewBasic(username, password string) (Credentials, error) {
	if err := checkField("username", username); err != nil {
		return Credentials{}, err
	}
	if strings.Contains(username, ":") {
		return Credentials{}, &ValidationError{Field: "username", Reason: ReasonColon}
	}
	if err := checkField("password", password); err != nil {
		return Credentials{}, err
	}
	enc := base64.StdEncoding.EncodeToString([]byte(username + ":" + password))
	return Credentials{username: username, header: NewSecret("Basic " + enc)}, nil
}

// NewAPIKey returns credentials for a pre-encoded API key: the base64 string
// of "username:password" that Jupico's Backoffice shows.
//
// Trailing-newline policy: whitespace around the key string (the newline a
// mounted secret file or `echo` adds, a CRLF, stray spaces) is trimmed, since
// base64 cannot contain it; whitespace inside the key (a line-wrapped key) is
// an error. What remains must be standard, padded base64 and is then sent
// byte for byte, never re-encoded. Its decoded form must be
// "username:password" with a non-empty username free of colons and a
// non-empty password, both free of whitespace and control characters, except
// that exactly one trailing "\n" or "\r\n" after the password is accepted:
// Jupico's own published sandbox key decodes that way, and re-encoding it
// without the newline could turn a key Jupico accepts into one it rejects.
//
// The error is a *ValidationError with Field "apiKey" that never repeats the
// key or what it decodes to.
func NewAPIKey(key string) (Credentials, error) {
	key = strings.TrimSpace(key)
	if key == "" {
		return Credentials{}, &ValidationError{Field: "apiKey", Reason: ReasonEmpty}
	}
	if hasSpaceOrControl(key) {
		// The decoder would skip an inner newline, but the header cannot
		// carry one: reject rather than send something else than given.
		return Credentials{}, &ValidationError{Field: "apiKey", Reason: ReasonSpace}
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(key)
	if err != nil {
		return Credentials{}, &ValidationError{Field: "apiKey", Reason: ReasonNotBase64}
	}
	decoded := string(raw)
	if d, ok := strings.CutSuffix(decoded, "\r\n"); ok {
		decoded = d
	} else if d, ok := strings.CutSuffix(decoded, "\n"); ok {
		decoded = d
	}
	user, pass, ok := strings.Cut(decoded, ":")
	if !ok || user == "" || pass == "" {
		return Credentials{}, &ValidationError{Field: "apiKey", Reason: ReasonNotUserPass}
	}
	if !utf8.ValidString(decoded) {
		return Credentials{}, &ValidationError{Field: "apiKey", Reason: ReasonNotUTF8}
	}
	if hasSpaceOrControl(decoded) {
		return Credentials{}, &ValidationError{Field: "apiKey", Reason: ReasonSpace}
	}
	return Credentials{username: user, header: NewSecret("Basic " + key)}, nil
}

func checkField(name, v string) error {
	switch {
	case v == "":
		return &ValidationError{Field: name, Reason: ReasonEmpty}
	case !utf8.ValidString(v):
		return &ValidationError{Field: name, Reason: ReasonNotUTF8}
	case hasSpaceOrControl(v):
		return &ValidationError{Field: name, Reason: ReasonSpace}
	}
	return nil
}

// hasSpaceOrControl reports whether s holds a space, a control character or
// an invisible format character (zero-width space, BOM, bidi marks): the
// debris of copy and paste, never part of a real key.
func hasSpaceOrControl(s string) bool {
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return true
		}
	}
	return false
}

// withSource returns err with its Source set to source and, when field maps
// a generic field name to a more precise one, its Field renamed; other errors
// are returned unchanged. Use it to make a constructor's error name the
// variable or file the value came from.
func withSource(err error, source string, fields map[string]string) error {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	out := &ValidationError{Source: source, Field: ve.Field, Reason: ve.Reason}
	if f, ok := fields[ve.Field]; ok {
		out.Field = f
	}
	return out
}

// Username returns the API user the credentials authenticate as, or "" for
// the zero Credentials. It is not secret and may be logged.
func (c Credentials) Username() string { return c.username }

// AuthorizationHeader returns the value of the HTTP Authorization header,
// "Basic <base64>", as a Secret (the zero Secret for the zero Credentials).
// It is computed once, when the credentials are built, and costs nothing.
func (c Credentials) AuthorizationHeader() Secret { return c.header }

// IsZero reports whether c holds no credentials.
func (c Credentials) IsZero() bool { return c.header.IsZero() }

// Equal reports whether c and o authenticate identically (same Authorization
// header), compared in constant time. Source and Expires are ignored. Two
// zero Credentials are Equal.
func (c Credentials) Equal(o Credentials) bool { return c.header.Equal(o.header) }

// expiredAt reports whether c has an expiry that is not after now.
func (c Credentials) expiredAt(now time.Time) bool {
	return !c.Expires.IsZero() && !now.Before(c.Expires)
}

// String describes the credentials without their secret part, for example
// "credentials{user=demoApiUser source=env}".
func (c Credentials) String() string {
	if c.IsZero() {
		return "credentials{}"
	}
	s := "credentials{user=" + c.username + " source=" + c.Source
	if !c.Expires.IsZero() {
		s += " expires=" + c.Expires.UTC().Format(time.RFC3339)
	}
	return s + "}"
}

// GoString is String, so %#v never shows the Authorization header.
func (c Credentials) GoString() string { return c.String() }

// Format implements fmt.Formatter: every verb prints String (quoted for %q).
func (c Credentials) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		_, _ = io.WriteString(f, strconv.Quote(c.String()))
		return
	}
	_, _ = io.WriteString(f, c.String())
}

// LogValue implements slog.LogValuer: a group of user, source and, when set,
// expires; never the secret part.
func (c Credentials) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("user", c.username), slog.String("source", c.Source)}
	if !c.Expires.IsZero() {
		attrs = append(attrs, slog.Time("expires", c.Expires))
	}
	return slog.GroupValue(attrs...)
}

// MarshalJSON encodes the non-secret parts: {"user","source","expires"}
// (expires omitted when zero). It never fails.
func (c Credentials) MarshalJSON() ([]byte, error) {
	type view struct {
		User    string    `json:"user"`
		Source  string    `json:"source"`
		Expires time.Time `json:"expires,omitzero"`
	}
	return json.Marshal(view{User: c.username, Source: c.Source, Expires: c.Expires})
}

// Provider supplies credentials. The client calls Retrieve, through a Cache,
// before every attempt of every request, so a provider whose answer changes
// (a rotated file, a secret manager) takes effect without a restart.
//
// Implementations must be safe for concurrent use, must honour ctx, must
// return non-zero Credentials when the error is nil, should wrap
// ErrNoCredentials when they have nothing to offer (so Chain moves on), and
// must never put secret values in their errors.
type Provider interface {
	Retrieve(ctx context.Context) (Credentials, error)
}

// ProviderFunc adapts a function to Provider. It is as safe for concurrent
// use as the function it wraps.
type ProviderFunc func(ctx context.Context) (Credentials, error)

// Retrieve calls f(ctx) and returns its result unchanged.
func (f ProviderFunc) Retrieve(ctx context.Context) (Credentials, error) { return f(ctx) }
