package credentials

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Values the leak tests hunt for. None of them, in any encoding below, may
// appear in any printed form.
const (
	leakUser = "leak-test-user"
	leakPass = "Sup3r-S3cret-Passw0rd"
)

// forbidden returns the strings that must never be printed: the password,
// the header and its base64, and their hex forms.
func forbidden() []string {
	enc := b64(leakUser + ":" + leakPass)
	out := []string{leakPass, enc, "Basic " + enc, enc[:12]}
	for _, s := range []string{leakPass, enc} {
		out = append(out, hex.EncodeToString([]byte(s)), strings.ToUpper(hex.EncodeToString([]byte(s))))
	}
	return out
}

func assertNoLeak(t *testing.T, what, out string) {
	t.Helper()
	for _, f := range forbidden() {
		if strings.Contains(out, f) {
			t.Errorf("%s leaked a secret: got %q", what, out)
			return
		}
	}
}

type exportedHolder struct {
	Creds  Credentials
	Secret Secret
	Ptr    *Secret
	List   []Secret
	Map    map[string]Secret
}

type unexportedHolder struct {
	creds  Credentials
	secret Secret
	ptr    *Secret
	list   []Secret
	nested exportedHolder
}

// credsError is an application error type that carries credentials.
type credsError struct{ Creds Credentials }

func (e credsError) Error() string { return fmt.Sprintf("request failed with %v", e.Creds) }

func leakFixtures(t *testing.T) map[string]any {
	t.Helper()
	c, err := NewBasic(leakUser, leakPass)
	require.NoError(t, err)
	k, err := NewAPIKey(b64(leakUser + ":" + leakPass))
	require.NoError(t, err)
	s := NewSecret(leakPass)
	h := c.AuthorizationHeader()
	ex := exportedHolder{Creds: c, Secret: s, Ptr: &s, List: []Secret{s, h}, Map: map[string]Secret{"k": s}}
	un := unexportedHolder{creds: k, secret: s, ptr: &h, list: []Secret{s}, nested: ex}
	wrapped := fmt.Errorf("charge: %w", credsError{Creds: c})
	return map[string]any{
		"secret":            s,
		"secret pointer":    &s,
		"header":            h,
		"credentials":       c,
		"api key":           k,
		"credentials ptr":   &c,
		"exported fields":   ex,
		"exported ptr":      &ex,
		"unexported fields": un,
		"unexported ptr":    &un,
		"slice":             []Secret{s, h},
		"map":               map[Secret]Credentials{s: c},
		"any slice":         []any{s, c, &un},
		"wrapped error":     wrapped,
		"joined error":      errors.Join(wrapped, fmt.Errorf("secret %v", s)),
	}
}

func TestLeakFmtVerbs(t *testing.T) {
	t.Parallel()
	verbs := []string{
		"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "% x", "%#x", "%d", "%T", "%p",
		"%t", "%o", "%O", "%b", "%c", "%U", "%e", "%f", "%g", "%10.4s", "%-30v", "%+q", "%#q", "%08d",
	}
	for name, v := range leakFixtures(t) {
		for _, verb := range verbs {
			out := fmt.Sprintf(verb, v)
			assertNoLeak(t, name+" "+verb, out)
		}
		assertNoLeak(t, name+" Sprint", fmt.Sprint(v))
		assertNoLeak(t, name+" Sprintln", fmt.Sprintln(v, v))
	}
	s := NewSecret(leakPass)
	assert.Equal(t, "[REDACTED]", fmt.Sprintf("%v", s))
	assert.Equal(t, `"[REDACTED]"`, fmt.Sprintf("%q", s))
	assert.Equal(t, "[REDACTED]", fmt.Sprintf("%x", s))
	assert.Equal(t, "[REDACTED]", fmt.Sprintf("%#v", s))
	assert.Equal(t, "[REDACTED]", fmt.Sprintf("%100s", s), "width must not pad or reveal length")
}

func TestLeakSlog(t *testing.T) {
	t.Parallel()
	for name, v := range leakFixtures(t) {
		for _, handler := range []string{"text", "json"} {
			var buf bytes.Buffer
			var h slog.Handler = slog.NewTextHandler(&buf, nil)
			if handler == "json" {
				h = slog.NewJSONHandler(&buf, nil)
			}
			log := slog.New(h)
			log.Info("msg", "value", v, slog.Group("g", "value", v))
			log.With("value", v).Error("with", "err", fmt.Errorf("wrap: %v", v))
			assertNoLeak(t, name+" slog "+handler, buf.String())
		}
	}
	var buf bytes.Buffer
	c, err := NewBasic(leakUser, leakPass)
	require.NoError(t, err)
	c.Source = "env"
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("auth", "creds", c)
	assert.Contains(t, buf.String(), `"creds":{"user":"leak-test-user","source":"env"}`)
}

func TestLeakJSON(t *testing.T) {
	t.Parallel()
	for name, v := range leakFixtures(t) {
		if _, isErr := v.(error); isErr {
			continue
		}
		out, err := json.Marshal(v)
		require.NoError(t, err, name)
		assertNoLeak(t, name+" json", string(out))
		out, err = json.MarshalIndent(map[string]any{"v": v}, "", " ")
		require.NoError(t, err, name)
		assertNoLeak(t, name+" json indent", string(out))
	}
	out, err := json.Marshal(NewSecret(leakPass))
	require.NoError(t, err)
	assert.Equal(t, `"[REDACTED]"`, string(out))
	txt, err := NewSecret(leakPass).MarshalText()
	require.NoError(t, err)
	assert.Equal(t, "[REDACTED]", string(txt))
}

// recordingT captures testify failure messages, which dump values with
// go-spew (methods disabled, pointers followed, unexported fields read).
type recordingT struct{ buf strings.Builder }

func (r *recordingT) Errorf(format string, args ...any) { fmt.Fprintf(&r.buf, format, args...) }

func TestLeakTestifyDiff(t *testing.T) {
	t.Parallel()
	fx := leakFixtures(t)
	other, err := NewBasic(leakUser, "another-pass")
	require.NoError(t, err)
	for name, v := range fx {
		rec := &recordingT{}
		assert.Equal(rec, v, unexportedHolder{creds: other})
		assert.Empty(rec, v)
		require.NotEmpty(t, rec.buf.String(), "the assertion must have failed")
		assertNoLeak(t, name+" testify", rec.buf.String())
	}
}

func TestLeakValidationErrors(t *testing.T) {
	t.Parallel()
	// Malformed inputs that contain the secret: no error may echo it.
	_, e1 := NewBasic(leakUser, leakPass+" ")
	_, e2 := NewBasic(leakUser+":"+leakPass, "x")
	_, e3 := NewAPIKey(leakPass)
	_, e4 := NewAPIKey(b64(leakUser + " " + leakPass))
	_, e5 := ParseDocument([]byte(`{"username":"`+leakUser+`","password":"`+leakPass+`\n"}`), "f.json")
	_, e6 := ParseDocument([]byte(`{"apiKey":`+leakPass+`}`), "f.json")
	_, e7 := ParseDocument([]byte(`{"password":"`+leakPass+`"`), "f.json")
	_, e8 := parseCommandOutput([]byte(leakPass), `command "x"`)
	_, e9 := fromEnv(mapLookup(map[string]string{EnvAPIKey: leakPass}))
	for i, err := range []error{e1, e2, e3, e4, e5, e6, e7, e8, e9} {
		require.Error(t, err, i)
		for _, verb := range []string{"%v", "%+v", "%#v", "%q", "%x"} {
			assertNoLeak(t, fmt.Sprintf("error %d %s", i, verb), fmt.Sprintf(verb, err))
			assertNoLeak(t, fmt.Sprintf("wrapped error %d %s", i, verb), fmt.Sprintf(verb, fmt.Errorf("ctx: %w", err)))
		}
	}
}
