package vault

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
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
