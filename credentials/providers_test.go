package credentials

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mapLookup(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

func TestFromEnvCases(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	userFile := writeFile(t, dir, "user", "file-user\n")
	passFile := writeFile(t, dir, "pass", "file-pass\r\n")
	keyFile := writeFile(t, dir, "key", demoKey+"\n")
	twoNewlines := writeFile(t, dir, "pass2", "file-pass\n\n")
	big := writeFile(t, dir, "big", string(make([]byte, maxDocumentSize+1)))

	tests := []struct {
		name     string
		env      map[string]string
		wantUser string
		wantHdr  string
		noCreds  bool
		source   string // of the *ValidationError
		reason   Reason
		errHas   string // for other errors
	}{
		{name: "nothing set", env: map[string]string{}, noCreds: true},
		{name: "basic", env: map[string]string{EnvUsername: "u", EnvPassword: "p"}, wantUser: "u", wantHdr: "Basic " + b64("u:p")},
		{name: "key", env: map[string]string{EnvAPIKey: demoKey}, wantUser: "demoApiUser", wantHdr: "Basic " + demoKey},
		{name: "key with newline", env: map[string]string{EnvAPIKey: b64("u:p") + "\n"}, wantUser: "u", wantHdr: "Basic " + b64("u:p")},
		{name: "file variants", env: map[string]string{EnvUsername + "_FILE": userFile, EnvPassword + "_FILE": passFile}, wantUser: "file-user", wantHdr: "Basic " + b64("file-user:file-pass")},
		{name: "mixed file and value", env: map[string]string{EnvUsername: "u", EnvPassword + "_FILE": passFile}, wantUser: "u", wantHdr: "Basic " + b64("u:file-pass")},
		{name: "key file", env: map[string]string{EnvAPIKey + "_FILE": keyFile}, wantUser: "demoApiUser", wantHdr: "Basic " + demoKey},
		{name: "empty key", env: map[string]string{EnvAPIKey: ""}, source: EnvAPIKey, reason: ReasonEmpty},
		{name: "whitespace key", env: map[string]string{EnvAPIKey: "  \t"}, source: EnvAPIKey, reason: ReasonEmpty},
		{name: "bad key", env: map[string]string{EnvAPIKey: "???"}, source: EnvAPIKey, reason: ReasonNotBase64},
		{name: "bad key file", env: map[string]string{EnvAPIKey + "_FILE": userFile}, source: EnvAPIKey + "_FILE", reason: ReasonNotBase64},
		{name: "empty password", env: map[string]string{EnvUsername: "u", EnvPassword: ""}, source: EnvPassword, reason: ReasonEmpty},
		{name: "password newline", env: map[string]string{EnvUsername: "u", EnvPassword: "p\n"}, source: EnvPassword, reason: ReasonSpace},
		{name: "file keeps second newline", env: map[string]string{EnvUsername: "u", EnvPassword + "_FILE": twoNewlines}, source: EnvPassword + "_FILE", reason: ReasonSpace},
		{name: "username only", env: map[string]string{EnvUsername: "u"}, source: EnvPassword, reason: ReasonMissing},
		{name: "password only", env: map[string]string{EnvPassword: "p"}, source: EnvUsername, reason: ReasonMissing},
		{name: "value and file", env: map[string]string{EnvAPIKey: demoKey, EnvAPIKey + "_FILE": keyFile}, source: EnvAPIKey + " and " + EnvAPIKey + "_FILE", reason: ReasonConflict},
		{name: "key and basic", env: map[string]string{EnvAPIKey: demoKey, EnvUsername: "u", EnvPassword: "p"}, source: EnvAPIKey + " and " + EnvUsername, reason: ReasonConflict},
		{name: "key file and password", env: map[string]string{EnvAPIKey + "_FILE": keyFile, EnvPassword: "p"}, source: EnvAPIKey + "_FILE and " + EnvPassword, reason: ReasonConflict},
		{name: "empty file path", env: map[string]string{EnvAPIKey + "_FILE": ""}, source: EnvAPIKey + "_FILE", reason: ReasonEmpty},
		{name: "missing file", env: map[string]string{EnvAPIKey + "_FILE": filepath.Join(dir, "nope")}, errHas: EnvAPIKey + "_FILE"},
		{name: "file too large", env: map[string]string{EnvAPIKey + "_FILE": big}, source: big, reason: ReasonTooLarge},
		{name: "file is a directory", env: map[string]string{EnvAPIKey + "_FILE": dir}, source: dir, reason: ReasonFileType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := fromEnv(mapLookup(tt.env))
			switch {
			case tt.noCreds:
				require.ErrorIs(t, err, ErrNoCredentials)
				assert.Contains(t, err.Error(), EnvAPIKey)
			case tt.reason != "":
				var ve *ValidationError
				require.ErrorAs(t, err, &ve)
				assert.Equal(t, tt.source, ve.Source)
				assert.Equal(t, tt.reason, ve.Reason)
				assert.False(t, errors.Is(err, ErrNoCredentials), "a set but bad variable must not let Chain move on")
			case tt.errHas != "":
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.errHas)
				assert.ErrorIs(t, err, fs.ErrNotExist)
				assert.False(t, errors.Is(err, ErrNoCredentials))
			default:
				require.NoError(t, err)
				assert.Equal(t, tt.wantUser, c.Username())
				assert.Equal(t, tt.wantHdr, c.AuthorizationHeader().Reveal())
				assert.Equal(t, "env", c.Source)
			}
		})
	}
}

// TestFromEnvProcess checks FromEnv against the real process environment.
// It cannot run in parallel (t.Setenv).
func TestFromEnvProcess(t *testing.T) {
	for _, name := range []string{EnvUsername, EnvPassword, EnvAPIKey} {
		t.Setenv(name, "")
		require.NoError(t, os.Unsetenv(name))
		t.Setenv(name+"_FILE", "")
		require.NoError(t, os.Unsetenv(name+"_FILE"))
	}
	_, err := FromEnv().Retrieve(t.Context())
	require.ErrorIs(t, err, ErrNoCredentials)

	t.Setenv(EnvAPIKey, demoKey)
	c, err := FromEnv().Retrieve(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "demoApiUser", c.Username())
}

func TestChain(t *testing.T) {
	t.Parallel()
	good := Static("test-user", "not-a-real-password")
	none := ProviderFunc(func(context.Context) (Credentials, error) {
		return Credentials{}, &notFoundError{what: "nothing in A"}
	})
	bad := ProviderFunc(func(context.Context) (Credentials, error) {
		return Credentials{}, &ValidationError{Source: "B", Reason: ReasonEmpty}
	})
	zero := ProviderFunc(func(context.Context) (Credentials, error) { return Credentials{}, nil })
	var calledAfter bool
	spy := ProviderFunc(func(context.Context) (Credentials, error) {
		calledAfter = true
		return Credentials{}, &notFoundError{what: "spy"}
	})

	c, err := Chain(none, nil, good, spy).Retrieve(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "test-user", c.Username())
	assert.False(t, calledAfter, "the chain stops at the first answer")

	_, err = Chain(none, none).Retrieve(t.Context())
	require.ErrorIs(t, err, ErrNoCredentials)
	assert.Equal(t, "credentials: chain: [1] nothing in A; [2] nothing in A", err.Error())

	_, err = Chain(none, bad, spy).Retrieve(t.Context())
	require.ErrorIs(t, err, ErrInvalid)
	assert.False(t, errors.Is(err, ErrNoCredentials), "a hard failure must not read as nothing found")
	assert.Equal(t, "credentials: chain: [1] nothing in A; [2] B is empty", err.Error())
	assert.False(t, calledAfter)

	// Nested: the inner chain's hard failure stops the outer one too.
	_, err = Chain(Chain(none, bad), good).Retrieve(t.Context())
	require.ErrorIs(t, err, ErrInvalid)
	// Nested: an inner chain that found nothing lets the outer move on.
	c, err = Chain(Chain(none, none), good).Retrieve(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "test-user", c.Username())

	_, err = Chain(zero).Retrieve(t.Context())
	require.ErrorIs(t, err, errEmptyCredentials)

	_, err = Chain().Retrieve(t.Context())
	require.ErrorIs(t, err, ErrNoCredentials)

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = Chain(good).Retrieve(ctx)
	require.ErrorIs(t, err, context.Canceled)
	assert.False(t, errors.Is(err, ErrNoCredentials))
}
