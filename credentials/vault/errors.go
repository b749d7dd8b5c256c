package vault

import (
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/internal/redact"
)

// Errors that callers branch on, matched with errors.Is. An *Error from
// Vault matches the ones that fit its status; the others are returned
// wrapped.
var (
	// ErrPermissionDenied is matched by a 403 (or a 401 from a proxy in
	// front of Vault): the token is invalid, expired or revoked, or its
	// policy does not allow reading the path.
	ErrPermissionDenied = errors.New("vault: permission denied")
	// ErrNotFound is matched by a 404: no secret at the path, its latest
	// version deleted or destroyed, or a mount that is not KV version 2.
	// Errors matching it also match credentials.ErrNoCredentials, so that
	// credentials.Chain moves on to its next provider.
	ErrNotFound = errors.New("vault: secret not found")
	// ErrThrottled is matched by a 429: a rate limit quota, or a standby
	// node that does not forward requests.
	ErrThrottled = errors.New("vault: too many requests")
	// ErrSealed is matched by a 503: Vault is sealed or down for
	// maintenance.
	ErrSealed = errors.New("vault: sealed or unavailable")
	// ErrUnavailable is matched by every answer worth trying again later:
	// 412 (not yet consistent), 429, and any 5xx including 503. The client
	// has already retried it (WithRetry) by the time it is returned.
	ErrUnavailable = errors.New("vault: temporarily unavailable")
	// ErrRedirect is returned when Vault answers with a redirect, as a
	// standby node can. It is never followed, so the token only ever goes
	// to the configured address.
	ErrRedirect = errors.New("vault: redirect refused")
	// ErrResponseTooLarge is returned when a response body exceeds 1 MiB.
	ErrResponseTooLarge = errors.New("vault: response too large")
	// ErrMalformedResponse is returned when a successful response is not the
	// JSON of a KV version 2 read. The decoder's own message, which can
	// quote the body, is never passed on.
	ErrMalformedResponse = errors.New("vault: malformed response")
	// ErrInvalidOption is matched by every configuration error of NewClient,
	// Client.Credentials and Client.WebhookSecrets. It is
	// credentials.ErrInvalidOption, the module's one sentinel for invalid
	// configuration.
	ErrInvalidOption = credentials.ErrInvalidOption
	// ErrToken is matched when the token cannot be read: a token file that
	// is missing, unreadable, empty or malformed. The message names the
	// file, never the token.
	ErrToken = errors.New("vault: token unavailable")
)

// Error is an error answer from Vault. It carries the HTTP status, the API
// path and Vault's own messages, cleaned up: control characters replaced,
// card numbers masked, anything that looks like a Vault token (including the
// one sent) replaced by "[REDACTED]", each message capped. It never carries
// the token or a secret value.
//
// errors.Is matches ErrPermissionDenied (401, 403), ErrNotFound and
// credentials.ErrNoCredentials (404), ErrThrottled (429), ErrSealed (503),
// and ErrUnavailable (412, 429, 5xx).
type Error struct {
	// StatusCode is the HTTP status Vault answered with.
	StatusCode int
	// Path is the API path read, such as "secret/data/jupico/api"; paths
	// are not secret.
	Path string
	// Messages are Vault's error messages, cleaned up as described above.
	Messages []string
	// Attempts is how many requests were sent, retries included.
	Attempts int
}

// Error returns "vault: read <path>: <status> <meaning>: <messages>",
// followed by the number of attempts when there was more than one.
func (e *Error) Error() string {
	if e == nil {
		return "vault: read failed"
	}
	var b strings.Builder
	b.WriteString("vault: read ")
	b.WriteString(e.Path)
	b.WriteString(": ")
	b.WriteString(strconv.Itoa(e.StatusCode))
	b.WriteString(" ")
	b.WriteString(statusMeaning(e.StatusCode))
	if len(e.Messages) > 0 {
		b.WriteString(": vault says: ")
		b.WriteString(strings.Join(e.Messages, "; "))
	}
	if e.Attempts > 1 {
		b.WriteString(" (after ")
		b.WriteString(strconv.Itoa(e.Attempts))
		b.WriteString(" attempts)")
	}
	return b.String()
}

// Is reports whether target is a sentinel that e's status matches.
func (e *Error) Is(target error) bool {
	if e == nil {
		return false
	}
	switch target {
	case ErrPermissionDenied:
		return e.StatusCode == http.StatusForbidden || e.StatusCode == http.StatusUnauthorized
	case ErrNotFound, credentials.ErrNoCredentials:
		return e.StatusCode == http.StatusNotFound
	case ErrThrottled:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrSealed:
		return e.StatusCode == http.StatusServiceUnavailable
	case ErrUnavailable:
		return retryableStatus(e.StatusCode)
	}
	return false
}

func statusMeaning(code int) string {
	switch {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return "permission denied (the token is invalid, expired or revoked, or its policy does not allow reading this path)"
	case code == http.StatusNotFound:
		return "not found (no secret at this path, its latest version deleted, or not a KV version 2 mount)"
	case code == http.StatusTooManyRequests:
		return "too many requests (a rate limit quota, or a standby node)"
	case code == http.StatusServiceUnavailable:
		return "sealed or down for maintenance"
	case code == http.StatusPreconditionFailed:
		return "not yet consistent"
	case code >= 500:
		return "server error"
	}
	return "unexpected status"
}

// retryableStatus reports whether an answer is worth sending again: reads
// are idempotent, and these statuses say "later", not "never".
func retryableStatus(code int) bool {
	return code == http.StatusPreconditionFailed || code == http.StatusTooManyRequests || code >= 500
}

// Limits on what an *Error repeats of Vault's messages.
const (
	maxMessages   = 4
	maxMessageLen = 200
)

// tokenLike matches Vault tokens: service, batch and recovery tokens
// (hvs., hvb., hvr.) and the older s., b., r. forms.
var tokenLike = regexp.MustCompile(`\b(?:hv[sbr]|[sbr])\.[A-Za-z0-9_-]{16,}`)

// cleanMessages prepares Vault's messages for an error string: the token
// that was sent and anything shaped like a token are redacted, card numbers
// masked, control characters replaced, each message capped.
func cleanMessages(msgs []string, token credentials.Secret) []string {
	if len(msgs) == 0 {
		return nil
	}
	tok := token.Reveal()
	out := make([]string, 0, min(len(msgs), maxMessages))
	for _, m := range msgs {
		if len(out) == maxMessages {
			break
		}
		if tok != "" {
			m = strings.ReplaceAll(m, tok, "[REDACTED]")
			// The body of a prefixed token ("hvs.<body>") on its own.
			if _, body, ok := strings.Cut(tok, "."); ok && len(body) >= 16 {
				m = strings.ReplaceAll(m, body, "[REDACTED]")
			}
		}
		m = tokenLike.ReplaceAllString(m, "[REDACTED]")
		m = strings.TrimSpace(redact.Text(m, maxMessageLen))
		if m != "" {
			out = append(out, m)
		}
	}
	return out
}

// configError reports a configuration mistake; it matches ErrInvalidOption.
type configError struct{ msg string }

func (e *configError) Error() string { return "vault: invalid configuration: " + e.msg }
func (e *configError) Unwrap() error { return ErrInvalidOption }

// tokenError reports a token that cannot be read; it matches ErrToken.
type tokenError struct {
	msg string
	err error // optional cause, such as fs.ErrNotExist
}

func (e *tokenError) Error() string { return "vault: token " + e.msg }
func (e *tokenError) Unwrap() []error {
	if e.err == nil {
		return []error{ErrToken}
	}
	return []error{ErrToken, e.err}
}

// errorMessages returns the "errors" array of Vault's error body, or nil if
// the body is not that JSON (a proxy's HTML page, say: it is not repeated).
func errorMessages(body []byte) []string {
	var r struct {
		Errors []string `json:"errors"`
	}
	if json.Unmarshal(body, &r) != nil {
		return nil
	}
	return r.Errors
}
