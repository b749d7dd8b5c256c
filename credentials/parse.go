package credentials

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"time"
)

// maxDocumentSize caps what is read from a credentials file, a _FILE
// variable or a command's output: real documents are a few hundred bytes.
const maxDocumentSize = 64 << 10

// Fields of the credentials document that FromFile and FromCommand read.
const (
	fieldUsername  = "username"
	fieldPassword  = "password"
	fieldAPIKey    = "apiKey"
	fieldExpiresAt = "expiresAt"
)

// ParseDocument parses the JSON credentials document that FromFile and
// FromCommand read, and that a secret store (Vault, a cloud secret manager)
// holds as a secret's data:
//
//	{"username": "...", "password": "...", "expiresAt": "2030-01-02T15:04:05Z"}
//	{"apiKey": "...", "expiresAt": "..."}
//
// with expiresAt optional (RFC 3339). Keys match exactly (case-sensitive);
// other keys are ignored, whatever their value; a repeated known key, a
// known key that is not a string (null counts as absent), and anything after
// the object are errors. source names where data came from, for the error
// and Credentials.Source. Every error is a *ValidationError that names the
// field, never a value: the JSON decoder's own errors, which can quote input
// bytes, are never passed on. It is safe for concurrent use.
func ParseDocument(data []byte, source string) (Credentials, error) {
	fields, err := stringFields(data, source, fieldUsername, fieldPassword, fieldAPIKey, fieldExpiresAt)
	if err != nil {
		return Credentials{}, err
	}
	user, pass, key := fields[fieldUsername], fields[fieldPassword], fields[fieldAPIKey]
	var c Credentials
	switch {
	case key != nil && (user != nil || pass != nil):
		other := fieldUsername
		if user == nil {
			other = fieldPassword
		}
		return Credentials{}, &ValidationError{Source: source, Field: fieldAPIKey + " and " + other, Reason: ReasonConflict}
	case key != nil:
		c, err = NewAPIKey(*key)
	case user != nil && pass != nil:
		c, err = NewBasic(*user, *pass)
	case user != nil:
		return Credentials{}, &ValidationError{Source: source, Field: fieldPassword, Reason: ReasonMissing}
	case pass != nil:
		return Credentials{}, &ValidationError{Source: source, Field: fieldUsername, Reason: ReasonMissing}
	default:
		return Credentials{}, &ValidationError{Source: source, Reason: ReasonNoneSet}
	}
	if err != nil {
		return Credentials{}, withSource(err, source, nil)
	}
	if exp := fields[fieldExpiresAt]; exp != nil {
		t, err := time.Parse(time.RFC3339, *exp)
		if err != nil {
			return Credentials{}, &ValidationError{Source: source, Field: fieldExpiresAt, Reason: ReasonBadTime}
		}
		c.Expires = t
	}
	c.Source = source
	return c, nil
}

// ParseSigningSecret reads one webhook signing secret from a JSON object:
// the string at field, trimmed of surrounding whitespace, non-empty, valid
// UTF-8, with no whitespace or control character inside. ok is false (and
// err nil) when the field is absent or null. Errors are *ValidationError
// naming source and field, never the value. It is for secret-store
// integrations that keep a signing secret in a secret's data.
func ParseSigningSecret(data []byte, source, field string) (s Secret, ok bool, err error) {
	fields, err := stringFields(data, source, field)
	if err != nil {
		return Secret{}, false, err
	}
	v := fields[field]
	if v == nil {
		return Secret{}, false, nil
	}
	s, err = checkSecret(*v, source, field)
	return s, err == nil, err
}

// stringFields walks the JSON object data and returns the string values of
// the wanted keys (a nil pointer for a JSON null). Other keys are skipped
// whatever their value. A repeated wanted key, a wanted key that is not a
// string, and anything that is not exactly one JSON object are
// *ValidationError naming source and the field, never a value.
func stringFields(data []byte, source string, wanted ...string) (map[string]*string, error) {
	malformed := &ValidationError{Source: source, Reason: ReasonMalformed}
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
		if !slices.Contains(wanted, key) {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return nil, malformed
			}
			continue
		}
		if _, dup := out[key]; dup {
			return nil, &ValidationError{Source: source, Field: key, Reason: ReasonDuplicate}
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
		default: // a number, a boolean, or the start of an object or array
			return nil, &ValidationError{Source: source, Field: key, Reason: ReasonNotString}
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

// utf8BOM is the byte order mark some Windows tools put before their output.
var utf8BOM = []byte{0xef, 0xbb, 0xbf}

// parseCommandOutput parses what a credential helper printed on stdout: the
// document of ParseDocument, optionally preceded by a UTF-8 byte order mark
// and surrounded by whitespace. Empty output is its own error.
func parseCommandOutput(out []byte, source string) (Credentials, error) {
	out = bytes.TrimPrefix(out, utf8BOM)
	if len(bytes.TrimSpace(out)) == 0 {
		return Credentials{}, &ValidationError{Source: source, Field: "output", Reason: ReasonEmpty}
	}
	return ParseDocument(out, source)
}
