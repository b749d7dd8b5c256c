package credentials

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/internal/testkit/fakeclock"
)

func TestParseDocument(t *testing.T) {
	t.Parallel()
	exp := time.Date(2030, 1, 2, 15, 4, 5, 0, time.UTC)
	tests := []struct {
		name     string
		doc      string
		wantUser string
		wantExp  time.Time
		field    string
		reason   Reason
	}{
		{name: "basic", doc: `{"username":"u","password":"p"}`, wantUser: "u"},
		{name: "api key", doc: `{"apiKey":"` + demoKey + `"}`, wantUser: "demoApiUser"},
		{name: "expiry", doc: `{"username":"u","password":"p","expiresAt":"2030-01-02T15:04:05Z"}`, wantUser: "u", wantExp: exp},
		{name: "expiry with offset", doc: `{"apiKey":"` + b64("u:p") + `","expiresAt":"2030-01-02T16:04:05+01:00"}`, wantUser: "u", wantExp: exp},
		{name: "unknown keys ignored", doc: `{"Version":1,"username":"u","meta":{"a":[1,2]},"password":"p"}`, wantUser: "u"},
		{name: "null is absent", doc: `{"username":"u","password":"p","apiKey":null}`, wantUser: "u"},
		{name: "surrounding whitespace", doc: "\n {\"username\":\"u\",\"password\":\"p\"}\n", wantUser: "u"},
		{name: "empty", doc: ``, reason: ReasonMalformed},
		{name: "array", doc: `[]`, reason: ReasonMalformed},
		{name: "truncated", doc: `{"username":"u","password":"p"`, reason: ReasonMalformed},
		{name: "trailing data", doc: `{"username":"u","password":"p"}{}`, reason: ReasonMalformed},
		{name: "trailing garbage", doc: `{"username":"u","password":"p"} x`, reason: ReasonMalformed},
		{name: "number password", doc: `{"username":"u","password":123}`, field: "password", reason: ReasonNotString},
		{name: "object key", doc: `{"apiKey":{"v":"x"}}`, field: "apiKey", reason: ReasonNotString},
		{name: "duplicate", doc: `{"username":"u","password":"p","password":"q"}`, field: "password", reason: ReasonDuplicate},
		{name: "key and username", doc: `{"apiKey":"x","username":"u"}`, field: "apiKey and username", reason: ReasonConflict},
		{name: "key and password", doc: `{"apiKey":"x","password":"p"}`, field: "apiKey and password", reason: ReasonConflict},
		{name: "no password", doc: `{"username":"u"}`, field: "password", reason: ReasonMissing},
		{name: "no username", doc: `{"password":"p"}`, field: "username", reason: ReasonMissing},
		{name: "nothing", doc: `{}`, reason: ReasonNoneSet},
		{name: "case matters", doc: `{"APIKEY":"` + demoKey + `"}`, reason: ReasonNoneSet},
		{name: "empty password", doc: `{"username":"u","password":""}`, field: "password", reason: ReasonEmpty},
		{name: "newline in password", doc: `{"username":"u","password":"p\n"}`, field: "password", reason: ReasonSpace},
		{name: "bad key", doc: `{"apiKey":"%%%"}`, field: "apiKey", reason: ReasonNotBase64},
		{name: "bad expiry", doc: `{"username":"u","password":"p","expiresAt":"tomorrow"}`, field: "expiresAt", reason: ReasonBadTime},
		{name: "numeric expiry", doc: `{"username":"u","password":"p","expiresAt":1700000000}`, field: "expiresAt", reason: ReasonNotString},
		{name: "deep nesting", doc: `{"x":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`, reason: ReasonMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := ParseDocument([]byte(tt.doc), "creds.json")
			if tt.reason == "" {
				require.NoError(t, err)
				assert.Equal(t, tt.wantUser, c.Username())
				assert.True(t, c.Expires.Equal(tt.wantExp), "expires: got %v, want %v", c.Expires, tt.wantExp)
				assert.Equal(t, "creds.json", c.Source)
				return
			}
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, "creds.json", ve.Source)
			assert.Equal(t, tt.field, ve.Field)
			assert.Equal(t, tt.reason, ve.Reason)
		})
	}
}

func TestParseCommandOutput(t *testing.T) {
	t.Parallel()
	c, err := parseCommandOutput([]byte("\xef\xbb\xbf{\"username\":\"u\",\"password\":\"p\"}\r\n"), "cmd")
	require.NoError(t, err)
	assert.Equal(t, "u", c.Username())
	for _, out := range []string{"", " \n", "\xef\xbb\xbf"} {
		_, err = parseCommandOutput([]byte(out), "cmd")
		var ve *ValidationError
		require.ErrorAs(t, err, &ve)
		assert.Equal(t, ReasonEmpty, ve.Reason)
		assert.Equal(t, "output", ve.Field)
	}
}

func TestFromFileJSON(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := writeFile(t, dir, "creds.json", `{"username":"u1","password":"p1","expiresAt":"2030-01-02T15:04:05Z"}`+"\n")
	p := FromFile(path)

	c, err := p.Retrieve(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "u1", c.Username())
	assert.Equal(t, path, c.Source)
	assert.Equal(t, 2030, c.Expires.Year())

	// Replaced by rename, as editors and config tools do.
	tmp := writeFile(t, dir, "creds.json.tmp", `{"apiKey":"`+b64("u2:p2")+`"}`)
	require.NoError(t, os.Rename(tmp, path))
	c, err = p.Retrieve(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "u2", c.Username())
	assert.True(t, c.Expires.IsZero())

	// Rewritten in place with a new modification time.
	require.NoError(t, os.WriteFile(path, []byte(`{"username":"u3","password":"p3"}`), 0o600))
	future := time.Now().Add(time.Hour)
	require.NoError(t, os.Chtimes(path, future, future))
	c, err = p.Retrieve(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "u3", c.Username())

	// Change detection is by stat: same inode, size and mtime is not re-read.
	require.NoError(t, os.WriteFile(path, []byte(`{"username":"u4","password":"p4"}`), 0o600))
	require.NoError(t, os.Chtimes(path, future, future))
	c, err = p.Retrieve(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "u3", c.Username(), "unchanged metadata must be served from memory")

	// Malformed, then fixed.
	require.NoError(t, os.WriteFile(path, []byte(`{"username":"u5"}`), 0o600))
	_, err = p.Retrieve(t.Context())
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, path, ve.Source)
	assert.Equal(t, ReasonMissing, ve.Reason)
	// The cached error is returned again while the file is unchanged.
	_, err2 := p.Retrieve(t.Context())
	assert.Equal(t, err, err2)
}

func TestFromFileErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := FromFile(filepath.Join(dir, "missing.json")).Retrieve(t.Context())
	require.ErrorIs(t, err, ErrNoCredentials)
	require.ErrorIs(t, err, fs.ErrNotExist)

	big := writeFile(t, dir, "big.json", `{"x":"`+strings.Repeat("a", maxDocumentSize)+`"}`)
	_, err = FromFile(big).Retrieve(t.Context())
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, ReasonTooLarge, ve.Reason)

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = FromFile(big).Retrieve(ctx)
	require.ErrorIs(t, err, context.Canceled)
}

func TestFromFileDirectory(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		files    map[string]string
		wantUser string
		wantHdr  string
		source   string // relative to the directory, "." for itself
		field    string
		reason   Reason
	}{
		{name: "username and password", files: map[string]string{"username": "u\n", "password": "p\r\n"}, wantUser: "u", wantHdr: "Basic " + b64("u:p")},
		{name: "api key", files: map[string]string{"apiKey": demoKey + "\n"}, wantUser: "demoApiUser", wantHdr: "Basic " + demoKey},
		{name: "both", files: map[string]string{"apiKey": demoKey, "username": "u"}, source: ".", field: "apiKey and username", reason: ReasonConflict},
		{name: "no password", files: map[string]string{"username": "u"}, source: "password", reason: ReasonMissing},
		{name: "no username", files: map[string]string{"password": "p"}, source: "username", reason: ReasonMissing},
		{name: "empty dir", files: map[string]string{}, source: ".", reason: ReasonNoneSet},
		{name: "two newlines", files: map[string]string{"username": "u", "password": "p\n\n"}, source: "password", reason: ReasonSpace},
		{name: "empty password", files: map[string]string{"username": "u", "password": "\n"}, source: "password", reason: ReasonEmpty},
		{name: "bad key", files: map[string]string{"apiKey": "nope!"}, source: "apiKey", reason: ReasonNotBase64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			for name, content := range tt.files {
				writeFile(t, dir, name, content)
			}
			c, err := FromFile(dir).Retrieve(t.Context())
			if tt.reason == "" {
				require.NoError(t, err)
				assert.Equal(t, tt.wantUser, c.Username())
				assert.Equal(t, tt.wantHdr, c.AuthorizationHeader().Reveal())
				assert.Equal(t, dir, c.Source)
				return
			}
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, filepath.Join(dir, tt.source), ve.Source)
			assert.Equal(t, tt.field, ve.Field)
			assert.Equal(t, tt.reason, ve.Reason)
		})
	}
}

// k8sVolume lays out a directory the way Kubernetes' atomic writer does:
// files live in a timestamped directory, "..data" links to it, and each
// visible name links through "..data".
type k8sVolume struct {
	t   *testing.T
	dir string
	gen int
}

func newK8sVolume(t *testing.T, files map[string]string) *k8sVolume {
	v := &k8sVolume{t: t, dir: t.TempDir()}
	v.publish(files)
	for name := range files {
		require.NoError(t, os.Symlink(filepath.Join("..data", name), filepath.Join(v.dir, name)))
	}
	return v
}

// publish writes a new version and swaps "..data" to it atomically (symlink
// then rename), then removes the old version, as Kubernetes does.
func (v *k8sVolume) publish(files map[string]string) {
	t := v.t
	v.gen++
	old, _ := os.Readlink(filepath.Join(v.dir, "..data"))
	ts := filepath.Join(v.dir, "..2030_01_02_03_04_05."+strings.Repeat("0", v.gen))
	require.NoError(t, os.Mkdir(ts, 0o755))
	for name, content := range files {
		require.NoError(t, os.WriteFile(filepath.Join(ts, name), []byte(content), 0o644))
	}
	tmp := filepath.Join(v.dir, "..data_tmp")
	require.NoError(t, os.Symlink(filepath.Base(ts), tmp))
	require.NoError(t, os.Rename(tmp, filepath.Join(v.dir, "..data")))
	if old != "" {
		require.NoError(t, os.RemoveAll(filepath.Join(v.dir, old)))
	}
}

func TestFromFileKubernetesSwap(t *testing.T) {
	t.Parallel()
	vol := newK8sVolume(t, map[string]string{"username": "old-user\n", "password": "old-pass\n"})
	p := FromFile(vol.dir)
	c, err := p.Retrieve(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "Basic "+b64("old-user:old-pass"), c.AuthorizationHeader().Reveal())

	vol.publish(map[string]string{"username": "new-user\n", "password": "new-pass\n"})
	c, err = p.Retrieve(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "Basic "+b64("new-user:new-pass"), c.AuthorizationHeader().Reveal())
	assert.Equal(t, vol.dir, c.Source)

	// A JSON file inside a swapped volume is picked up the same way.
	jv := newK8sVolume(t, map[string]string{"creds.json": `{"apiKey":"` + b64("a:1") + `"}`})
	jp := FromFile(filepath.Join(jv.dir, "creds.json"))
	c, err = jp.Retrieve(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "a", c.Username())
	jv.publish(map[string]string{"creds.json": `{"apiKey":"` + b64("b:2") + `"}`})
	c, err = jp.Retrieve(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "b", c.Username())
}

func TestFromFileKubernetesSwapThroughCache(t *testing.T) {
	t.Parallel()
	vol := newK8sVolume(t, map[string]string{"apiKey": b64("old:key") + "\n"})
	clock := fakeclock.New()
	cache, cerr := NewCache(FromFile(vol.dir), WithClock(clock), WithRefreshInterval(30*time.Second), WithJitter(0))
	require.NoError(t, cerr)
	t.Cleanup(func() { _ = cache.Close() })
	old, err := cache.Retrieve(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "old", old.Username())

	vol.publish(map[string]string{"apiKey": b64("new:key") + "\n"})
	// A 401 with the old key: invalidate, and the next Retrieve re-reads.
	cache.Invalidate(old)
	c, err := cache.Retrieve(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "new", c.Username())
}
