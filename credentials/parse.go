package credentials

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
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

// parseDocument parses the JSON credentials document,
//
//	{"username": "...", "password": "...", "expiresAt": "2030-01-02T15:04:05Z"}
//	{"apiKey": "...", "expiresAt": "..."}
//
// with expiresAt optional. Keys match exactly (case-sensitive); other keys are
// ignored, whatever their value; a repeated known key, a known key that is
// not a string (null counts as absent), and anything after the object are
// errors. Every error is a *ValidationError with the given source that names
// the field, never a value: the JSON decoder's own errors, which can quote
// input bytes, are never passed on.
func parseDocument(data []byte, source string) (Credentials, error) {
	malformed := &ValidationError{Source: source, Reason: ReasonMalformed}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return Credentials{}, malformed
	}
	fields := map[string]*string{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return Credentials{}, malformed
		}
		key, _ := tok.(string)
		switch key {
		case fieldUsername, fieldPassword, fieldAPIKey, fieldExpiresAt:
			if _, dup := fields[key]; dup {
				return Credentials{}, &ValidationError{Source: source, Field: key, Reason: ReasonDuplicate}
			}
			v, err := dec.Token()
			if err != nil {
				return Credentials{}, malformed
			}
			switch v := v.(type) {
			case string:
				fields[key] = &v
			case nil:
				fields[key] = nil
			default: // a number, a boolean, or the start of an object or array
				return Credentials{}, &ValidationError{Source: source, Field: key, Reason: ReasonNotString}
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return Credentials{}, malformed
			}
		}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return Credentials{}, malformed
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Credentials{}, malformed
	}

	user, pass, key := fields[fieldUsername], fields[fieldPassword], fields[fieldAPIKey]
	var c Credentials
	var err error
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

// utf8BOM is the byte order mark some Windows tools put before their output.
var utf8BOM = []byte{0xef, 0xbb, 0xbf}

// parseCommandOutput parses what a credential helper printed on stdout: the
// document of parseDocument, optionally preceded by a UTF-8 byte order mark
// and surrounded by whitespace. Empty output is its own error.
func parseCommandOutput(out []byte, source string) (Credentials, error) {
	out = bytes.TrimPrefix(out, utf8BOM)
	if len(bytes.TrimSpace(out)) == 0 {
		return Credentials{}, &ValidationError{Source: source, Field: "output", Reason: ReasonEmpty}
	}
	return parseDocument(out, source)
}
