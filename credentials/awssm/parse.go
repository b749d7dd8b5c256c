package awssm

// The secret-document parser below is the one of credentials/vault (kv.go),
// kept in step with it and with the credentials package's FromFile: the same
// fields, the same strictness, the same value-free errors. It is a copy
// because the credentials package does not export its parser and a nested
// module should not build on the root module's internal packages.

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jupico/jupico-go/credentials"
)

// Fields of the secret string that the providers read.
const (
	fieldUsername  = "username"
	fieldPassword  = "password"
	fieldAPIKey    = "apiKey"
	fieldExpiresAt = "expiresAt"
)

// stringFields walks the JSON object data and returns the string values of
// the wanted keys (a nil pointer for a JSON null). Other keys are skipped
// whatever their value. A repeated wanted key, a wanted key that is not a
// string, anything that is not one JSON object, are *credentials.
// ValidationError naming source and the field, never a value; the decoder's
// own messages, which can quote the input, are never passed on.
func stringFields(data []byte, source string, wanted ...string) (map[string]*string, error) {
	malformed := &credentials.ValidationError{Source: source, Reason: credentials.ReasonMalformed}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, malformed
	}
	out := make(map[string]*string, len(wanted))
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, malformed
		}
		key, _ := tok.(string)
		want := false
		for _, w := range wanted {
			want = want || key == w
		}
		if !want {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, malformed
			}
			continue
		}
		if _, dup := out[key]; dup {
			return nil, &credentials.ValidationError{Source: source, Field: key, Reason: credentials.ReasonDuplicate}
		}
		v, err := dec.Token()
		if err != nil {
			return nil, malformed
		}
		switch v := v.(type) {
		case string:
			out[key] = &v
		case nil:
			out[key] = nil
		default:
			return nil, &credentials.ValidationError{Source: source, Field: key, Reason: credentials.ReasonNotString}
		}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, malformed
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, malformed
	}
	return out, nil
}

// parseCredentials builds credentials from a secret string: username and
// password, or apiKey, with an optional RFC 3339 expiresAt, validated by
// credentials.NewBasic and credentials.NewAPIKey.
func parseCredentials(data []byte, source string) (credentials.Credentials, error) {
	f, err := stringFields(data, source, fieldUsername, fieldPassword, fieldAPIKey, fieldExpiresAt)
	if err != nil {
		return credentials.Credentials{}, err
	}
	user, pass, key := f[fieldUsername], f[fieldPassword], f[fieldAPIKey]
	var c credentials.Credentials
	switch {
	case key != nil && (user != nil || pass != nil):
		other := fieldUsername
		if user == nil {
			other = fieldPassword
		}
		return c, &credentials.ValidationError{Source: source, Field: fieldAPIKey + " and " + other, Reason: credentials.ReasonConflict}
	case key != nil:
		c, err = credentials.NewAPIKey(*key)
	case user != nil && pass != nil:
		c, err = credentials.NewBasic(*user, *pass)
	case user != nil:
		return c, &credentials.ValidationError{Source: source, Field: fieldPassword, Reason: credentials.ReasonMissing}
	case pass != nil:
		return c, &credentials.ValidationError{Source: source, Field: fieldUsername, Reason: credentials.ReasonMissing}
	default:
		return c, &credentials.ValidationError{Source: source, Reason: credentials.ReasonNoneSet}
	}
	if err != nil {
		var ve *credentials.ValidationError
		if errors.As(err, &ve) {
			return credentials.Credentials{}, &credentials.ValidationError{Source: source, Field: ve.Field, Reason: ve.Reason}
		}
		return credentials.Credentials{}, err
	}
	if exp := f[fieldExpiresAt]; exp != nil {
		t, err := time.Parse(time.RFC3339, *exp)
		if err != nil {
			return credentials.Credentials{}, &credentials.ValidationError{Source: source, Field: fieldExpiresAt, Reason: credentials.ReasonBadTime}
		}
		c.Expires = t
	}
	c.Source = source
	return c, nil
}

// parseSecret reads one signing secret from a secret string: the string at
// field, trimmed of surrounding whitespace, non-empty, valid UTF-8, with no
// whitespace or control character inside. ok is false when the field is
// absent or null.
func parseSecret(data []byte, source, field string) (s credentials.Secret, ok bool, err error) {
	f, err := stringFields(data, source, field)
	if err != nil {
		return credentials.Secret{}, false, err
	}
	v := f[field]
	if v == nil {
		return credentials.Secret{}, false, nil
	}
	s, err = checkSecret(*v, source, field)
	return s, err == nil, err
}

// checkSecret applies the credentials package's rule for signing secrets.
func checkSecret(v, source, field string) (credentials.Secret, error) {
	v = strings.TrimSpace(v)
	var reason credentials.Reason
	switch {
	case v == "":
		reason = credentials.ReasonEmpty
	case !utf8.ValidString(v):
		reason = credentials.ReasonNotUTF8
	case strings.IndexFunc(v, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
	}) >= 0:
		reason = credentials.ReasonSpace
	default:
		return credentials.NewSecret(v), nil
	}
	return credentials.Secret{}, &credentials.ValidationError{Source: source, Field: field, Reason: reason}
}
