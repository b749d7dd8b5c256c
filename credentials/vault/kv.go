package vault

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jupico/jupico-go/credentials"
)

// kvPath is a validated KV version 2 location.
type kvPath struct {
	mount string // as given, trimmed of slashes: "secret", "kv/team"
	path  string // "jupico/api"
	api   string // escaped "secret/data/jupico/api", relative to /v1/
}

// newKVPath validates mount and path: non-empty, no empty, "." or ".."
// segment (which could reach another API path), no whitespace or control
// characters. Each segment is escaped on the wire.
func newKVPath(mount, path string) (kvPath, error) {
	m, err := cleanPath("mount", mount)
	if err != nil {
		return kvPath{}, err
	}
	p, err := cleanPath("path", path)
	if err != nil {
		return kvPath{}, err
	}
	return kvPath{mount: m, path: p, api: escapePath(m) + "/data/" + escapePath(p)}, nil
}

func cleanPath(what, v string) (string, error) {
	v = strings.Trim(v, "/")
	if v == "" {
		return "", &configError{msg: "the " + what + " is empty"}
	}
	for _, seg := range strings.Split(v, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", &configError{msg: "the " + what + " has an empty, \".\" or \"..\" segment"}
		}
	}
	if strings.IndexFunc(v, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
		return "", &configError{msg: "the " + what + " contains whitespace or control characters"}
	}
	return v, nil
}

func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// display names the secret in Credentials.Source and errors.
func (p kvPath) display(version int) string {
	s := "vault:" + p.mount + "/" + p.path
	if version > 0 {
		s += "@v" + strconv.Itoa(version)
	}
	return s
}

// kvSecret is one version of a KV version 2 secret.
type kvSecret struct {
	data    json.RawMessage // the secret's key/value object; nil when deleted
	version int
	created time.Time // zero if Vault did not say
	lease   time.Duration
}

// kvResponse is the envelope of GET /v1/<mount>/data/<path>.
type kvResponse struct {
	LeaseDuration int64 `json:"lease_duration"`
	Data          *struct {
		Data     json.RawMessage `json:"data"`
		Metadata *struct {
			CreatedTime  string `json:"created_time"`
			DeletionTime string `json:"deletion_time"`
			Destroyed    bool   `json:"destroyed"`
			Version      int    `json:"version"`
		} `json:"metadata"`
	} `json:"data"`
}

// read reads the latest version of the secret (version 0) or the given one.
func (c *Client) read(ctx context.Context, p kvPath, version int) (kvSecret, error) {
	var q url.Values
	if version > 0 {
		q = url.Values{"version": {strconv.Itoa(version)}}
	}
	resp, err := c.get(ctx, p.api, q)
	if err != nil {
		return kvSecret{}, err
	}
	return parseKVResponse(resp.body)
}

// parseKVResponse decodes a KV version 2 read. Any decoding problem is
// ErrMalformedResponse, without the decoder's message.
func parseKVResponse(body []byte) (kvSecret, error) {
	var r kvResponse
	if err := json.Unmarshal(body, &r); err != nil || r.Data == nil || r.Data.Metadata == nil || r.LeaseDuration < 0 {
		return kvSecret{}, ErrMalformedResponse
	}
	md := r.Data.Metadata
	s := kvSecret{version: md.Version, lease: time.Duration(min(r.LeaseDuration, 1<<31)) * time.Second}
	if t, err := time.Parse(time.RFC3339Nano, md.CreatedTime); err == nil {
		s.created = t
	}
	raw := bytes.TrimSpace(r.Data.Data)
	if md.DeletionTime != "" || md.Destroyed || len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return s, nil // deleted or destroyed: no data
	}
	s.data = raw
	return s, nil
}

// Fields of the secret's data that the providers read.
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

// parseCredentials builds credentials from a secret's data: username and
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

// parseSecret reads one signing secret from a secret's data: the string at
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
