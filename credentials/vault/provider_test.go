package vault_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/credentials/vault"
	"github.com/jupico/jupico-go/internal/testkit/fakeclock"
	"github.com/jupico/jupico-go/webhook"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// demoKey is Jupico's published public sandbox key.
const demoKey = "ZGVtb0FwaVVzZXI6VjhtIXhQI2wyUXozCg=="

func basicHeader(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func TestCredentialsRead(t *testing.T) {
	t.Parallel()
	expires := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	tests := []struct {
		name       string
		data       map[string]any
		wantUser   string
		wantHeader string
		wantExp    time.Time
	}{
		{
			name:       "username and password",
			data:       map[string]any{"username": "api-user", "password": "api-pass"},
			wantUser:   "api-user",
			wantHeader: basicHeader("api-user", "api-pass"),
		},
		{
			name:       "pre-encoded api key, sent as given",
			data:       map[string]any{"apiKey": demoKey},
			wantUser:   "demoApiUser",
			wantHeader: "Basic " + demoKey,
		},
		{
			name: "other keys ignored, nested or not",
			data: map[string]any{
				"username": "api-user", "password": "api-pass",
				"webhookSecret": "whsec_x", "note": map[string]any{"owner": []any{1, true}},
			},
			wantUser:   "api-user",
			wantHeader: basicHeader("api-user", "api-pass"),
		},
		{
			name:       "expiresAt",
			data:       map[string]any{"username": "api-user", "password": "api-pass", "expiresAt": expires.Format(time.RFC3339)},
			wantUser:   "api-user",
			wantHeader: basicHeader("api-user", "api-pass"),
			wantExp:    expires,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fv := newTestVault(t)
			fv.put("secret", "jupico/api", map[string]any{"username": "old", "password": "older"})
			fv.put("secret", "jupico/api", tt.data)
			p, err := fv.client(t).Credentials("secret", "/jupico/api/")
			require.NoError(t, err)

			c, err := p.Retrieve(context.Background())
			require.NoError(t, err)
			assert.Equal(t, tt.wantUser, c.Username())
			assert.Equal(t, tt.wantHeader, c.AuthorizationHeader().Reveal())
			assert.Equal(t, "vault:secret/jupico/api@v2", c.Source)
			assert.True(t, tt.wantExp.Equal(c.Expires), "expires: got %v, want %v", c.Expires, tt.wantExp)

			reqs := fv.requestLog()
			require.Len(t, reqs, 1)
			assert.Equal(t, "/v1/secret/data/jupico/api", reqs[0].Path)
			assert.Empty(t, reqs[0].Query)
			assert.Equal(t, testToken, reqs[0].Token)
			assert.Equal(t, "true", reqs[0].VaultRequest)
			assert.Empty(t, reqs[0].Namespace)
		})
	}
}

func TestNamespaceAndEscaping(t *testing.T) {
	t.Parallel()
	fv := newTestVault(t)
	fv.mu.Lock()
	fv.mounts["kv/team"] = true
	fv.mu.Unlock()
	fv.setNamespace("ns1/payments")
	fv.put("kv/team", "jupico/a%b?c#d", map[string]any{"username": "api-user", "password": "api-pass"})

	p, err := fv.client(t, vault.WithNamespace("/ns1/payments/")).Credentials("kv/team", "jupico/a%b?c#d")
	require.NoError(t, err)
	c, err := p.Retrieve(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "vault:kv/team/jupico/a%b?c#d@v1", c.Source)
	reqs := fv.requestLog()
	require.Len(t, reqs, 1)
	assert.Equal(t, "/v1/kv/team/data/jupico/a%25b%3Fc%23d", reqs[0].Path)
	assert.Empty(t, reqs[0].Query, "nothing of the path may leak into the query")
	assert.Equal(t, "ns1/payments", reqs[0].Namespace)

	// Without the namespace the secret is not there.
	p, err = fv.client(t).Credentials("kv/team", "jupico/a%b?c#d")
	require.NoError(t, err)
	_, err = p.Retrieve(context.Background())
	assert.ErrorIs(t, err, vault.ErrNotFound)
}

func TestInvalidLocations(t *testing.T) {
	t.Parallel()
	fv := newTestVault(t)
	c := fv.client(t)
	tests := []struct{ mount, path string }{
		{"", "jupico"},
		{"secret", ""},
		{"/", "jupico"},
		{"secret", "a//b"},
		{"secret", "../../sys/raw"},
		{"secret", "a/./b"},
		{"..", "x"},
		{"secret", "a b"},
		{"secret", "a\nb"},
	}
	for _, tt := range tests {
		_, err := c.Credentials(tt.mount, tt.path)
		assert.ErrorIs(t, err, vault.ErrInvalidOption, "Credentials(%q, %q)", tt.mount, tt.path)
		_, err = c.WebhookSecrets(tt.mount, tt.path)
		assert.ErrorIs(t, err, vault.ErrInvalidOption, "WebhookSecrets(%q, %q)", tt.mount, tt.path)
	}
	assert.Empty(t, fv.requestLog())
}

func TestMalformedSecret(t *testing.T) {
	t.Parallel()
	const src = "vault:secret/jupico/api@v1"
	tests := []struct {
		name   string
		raw    string
		field  string
		reason credentials.Reason
	}{
		{"not an object", `["api-user","api-pass"]`, "", credentials.ReasonMalformed},
		{"a string", `"api-user:api-pass"`, "", credentials.ReasonMalformed},
		{"password missing", `{"username":"api-user"}`, "password", credentials.ReasonMissing},
		{"username missing", `{"password":"api-pass"}`, "username", credentials.ReasonMissing},
		{"nothing usable", `{"user":"api-user","pass":"api-pass"}`, "", credentials.ReasonNoneSet},
		{"username not a string", `{"username":42,"password":"api-pass"}`, "username", credentials.ReasonNotString},
		{"password an object", `{"username":"api-user","password":{"v":"api-pass"}}`, "password", credentials.ReasonNotString},
		{"api key and username", `{"apiKey":"` + demoKey + `","username":"api-user"}`, "apiKey and username", credentials.ReasonConflict},
		{"api key not base64", `{"apiKey":"not base64!"}`, "apiKey", credentials.ReasonSpace},
		{"api key bad base64", `{"apiKey":"bm90LWEta2V5"}`, "apiKey", credentials.ReasonNotUserPass},
		{"password with a space", `{"username":"api-user","password":"api pass"}`, "password", credentials.ReasonSpace},
		{"username with a colon", `{"username":"api:user","password":"api-pass"}`, "username", credentials.ReasonColon},
		{"duplicate username", `{"username":"a","username":"b","password":"api-pass"}`, "username", credentials.ReasonDuplicate},
		{"bad expiresAt", `{"username":"api-user","password":"api-pass","expiresAt":"tomorrow"}`, "expiresAt", credentials.ReasonBadTime},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fv := newTestVault(t)
			fv.putRaw("secret", "jupico/api", tt.raw, time.Now())
			p, err := fv.client(t).Credentials("secret", "jupico/api")
			require.NoError(t, err)
			_, err = p.Retrieve(context.Background())
			require.Error(t, err)
			assert.ErrorIs(t, err, credentials.ErrInvalid)
			var ve *credentials.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, src, ve.Source)
			assert.Equal(t, tt.field, ve.Field)
			assert.Equal(t, tt.reason, ve.Reason)
			assert.NotContains(t, err.Error(), "api-pass")
			assert.NotContains(t, err.Error(), "api pass")
			assert.Len(t, fv.requestLog(), 1, "a malformed secret is not retried")
		})
	}
}

func TestMalformedResponse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
	}{
		{"html", "<html>secret-page</html>"},
		{"no data", `{"lease_duration":0}`},
		{"no metadata", `{"data":{"data":{"username":"u","password":"secret-pass"}}}`},
		{"trailing garbage", `{"data":{"data":{},"metadata":{"version":1}}} x`},
		{"negative lease", `{"lease_duration":-5,"data":{"data":{},"metadata":{"version":1}}}`},
		{"truncated", `{"data":{"data":{"username":"u","password":"secret-pa`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fv := newTestVault(t)
			fv.setHandler(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(tt.body))
			})
			p, err := fv.client(t).Credentials("secret", "jupico/api")
			require.NoError(t, err)
			_, err = p.Retrieve(context.Background())
			assert.ErrorIs(t, err, vault.ErrMalformedResponse)
			assert.NotContains(t, err.Error(), "secret-")
		})
	}
}

func TestDeletedLatestVersionIsNotFound(t *testing.T) {
	t.Parallel()
	fv := newTestVault(t)
	fv.put("secret", "jupico/api", map[string]any{"username": "api-user", "password": "api-pass"})
	fv.deleteVersion("secret", "jupico/api", 0)
	p, err := fv.client(t).Credentials("secret", "jupico/api")
	require.NoError(t, err)
	_, err = p.Retrieve(context.Background())
	assert.ErrorIs(t, err, vault.ErrNotFound)
	assert.ErrorIs(t, err, credentials.ErrNoCredentials)
	assert.Len(t, fv.requestLog(), 1, "a 404 is not retried")
}

func TestChain(t *testing.T) {
	t.Parallel()
	t.Run("not found moves on", func(t *testing.T) {
		t.Parallel()
		fv := newTestVault(t)
		p, err := fv.client(t).Credentials("secret", "jupico/missing")
		require.NoError(t, err)
		c, err := credentials.Chain(p, credentials.Static("fallback-user", "fallback-pass")).Retrieve(context.Background())
		require.NoError(t, err)
		assert.Equal(t, "fallback-user", c.Username())
	})
	t.Run("found stops there", func(t *testing.T) {
		t.Parallel()
		fv := newTestVault(t)
		fv.put("secret", "jupico/api", map[string]any{"username": "vault-user", "password": "api-pass"})
		p, err := fv.client(t).Credentials("secret", "jupico/api")
		require.NoError(t, err)
		c, err := credentials.Chain(p, credentials.Static("fallback-user", "fallback-pass")).Retrieve(context.Background())
		require.NoError(t, err)
		assert.Equal(t, "vault-user", c.Username())
	})
	t.Run("permission denied stops the chain", func(t *testing.T) {
		t.Parallel()
		fv := newTestVault(t)
		fv.put("secret", "jupico/api", map[string]any{"username": "vault-user", "password": "api-pass"})
		fv.setToken("hvs.someone-else-s-token-value")
		p, err := fv.client(t).Credentials("secret", "jupico/api")
		require.NoError(t, err)
		called := false
		next := credentials.ProviderFunc(func(context.Context) (credentials.Credentials, error) {
			called = true
			return credentials.Credentials{}, errors.New("unreachable")
		})
		_, err = credentials.Chain(p, next).Retrieve(context.Background())
		assert.ErrorIs(t, err, vault.ErrPermissionDenied)
		assert.NotErrorIs(t, err, credentials.ErrNoCredentials)
		assert.False(t, called, "a misconfiguration must not fall through to the next provider")
	})
}

// The lease of a read becomes Credentials.Expires: once it has passed, the
// Cache never serves the value again, but reads Vault first.
func TestExpiredLease(t *testing.T) {
	t.Parallel()
	clk := fakeclock.New()
	fv := newTestVault(t)
	fv.setLease(60)
	fv.put("secret", "jupico/api", map[string]any{"username": "user-v1", "password": "api-pass"})
	p, err := fv.client(t, vault.WithClock(clk)).Credentials("secret", "jupico/api")
	require.NoError(t, err)
	cache, cerr := credentials.NewCache(p, credentials.WithClock(clk), credentials.WithRefreshInterval(0), credentials.WithRandom(func() float64 { return 0.5 }))
	require.NoError(t, cerr)
	t.Cleanup(func() { _ = cache.Close() })

	c, err := cache.Retrieve(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "user-v1", c.Username())
	assert.True(t, c.Expires.Equal(clk.Now().Add(time.Minute)), "expires: got %v, want the end of the lease", c.Expires)

	// Vault is sealed when the lease runs out: no stale key is served.
	fv.fail(fakeFault{status: 503, body: `{"errors":["Vault is sealed"]}`},
		fakeFault{status: 503, body: `{"errors":["Vault is sealed"]}`},
		fakeFault{status: 503, body: `{"errors":["Vault is sealed"]}`})
	clk.Advance(61 * time.Second)
	_, err = cache.Retrieve(context.Background())
	require.Error(t, err)
	assert.ErrorIs(t, err, vault.ErrSealed)

	// Unsealed, with a new version: the next read after the backoff gets it.
	fv.put("secret", "jupico/api", map[string]any{"username": "user-v2", "password": "api-pass"})
	clk.Advance(2 * time.Minute)
	c, err = cache.Retrieve(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "user-v2", c.Username())
}

// With the Cache's defaults, a lease is re-read no later than two thirds of
// the way through it, even with the least favourable jitter.
func TestLeaseReadAgainByTwoThirds(t *testing.T) {
	t.Parallel()
	for _, lease := range []time.Duration{90 * time.Second, 6 * time.Minute, 12 * time.Minute, time.Hour, 768 * time.Hour} {
		t.Run(lease.String(), func(t *testing.T) {
			t.Parallel()
			clk := fakeclock.New()
			fv := newTestVault(t)
			fv.setLease(int64(lease / time.Second))
			fv.put("secret", "jupico/api", map[string]any{"username": "api-user", "password": "api-pass"})
			p, err := fv.client(t, vault.WithClock(clk)).Credentials("secret", "jupico/api")
			require.NoError(t, err)
			cache, cerr := credentials.NewCache(p, credentials.WithClock(clk), credentials.WithRandom(func() float64 { return 0.999 }))
			require.NoError(t, cerr)
			t.Cleanup(func() { _ = cache.Close() })

			_, err = cache.Retrieve(context.Background())
			require.NoError(t, err)
			require.Len(t, fv.requestLog(), 1)

			clk.Advance(lease * 2 / 3)
			c, err := cache.Retrieve(context.Background()) // served at once, refresh in the background
			require.NoError(t, err)
			assert.Equal(t, "api-user", c.Username())
			require.Eventually(t, func() bool { return len(fv.requestLog()) == 2 }, 10*time.Second, time.Millisecond,
				"no re-read by two thirds of a %v lease", lease)
		})
	}
}

// whsec returns a valid Standard Webhooks secret derived from seed.
func whsec(seed byte) string {
	b := make([]byte, 32)
	for i := range b {
		b[i] = seed + byte(i)
	}
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

func reveal(ss []credentials.Secret) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.Reveal()
	}
	return out
}

func TestWebhookSecrets(t *testing.T) {
	t.Parallel()
	s1, s2 := whsec(1), whsec(2)
	tests := []struct {
		name     string
		setup    func(fv *fakeVault, now time.Time)
		opts     []vault.Option
		want     []string
		requests int
	}{
		{
			name: "one version",
			setup: func(fv *fakeVault, now time.Time) {
				fv.putAt("secret", "jupico/hooks", map[string]any{"webhookSecret": s1}, now)
			},
			want:     []string{s1},
			requests: 1,
		},
		{
			name: "fresh rotation: current then previous",
			setup: func(fv *fakeVault, now time.Time) {
				fv.putAt("secret", "jupico/hooks", map[string]any{"webhookSecret": s1}, now.Add(-48*time.Hour))
				fv.putAt("secret", "jupico/hooks", map[string]any{"webhookSecret": s2}, now.Add(-10*time.Minute))
			},
			want:     []string{s2, s1},
			requests: 2,
		},
		{
			name: "rotation older than the window: current only",
			setup: func(fv *fakeVault, now time.Time) {
				fv.putAt("secret", "jupico/hooks", map[string]any{"webhookSecret": s1}, now.Add(-48*time.Hour))
				fv.putAt("secret", "jupico/hooks", map[string]any{"webhookSecret": s2}, now.Add(-61*time.Minute))
			},
			want:     []string{s2},
			requests: 1,
		},
		{
			name: "longer window",
			setup: func(fv *fakeVault, now time.Time) {
				fv.putAt("secret", "jupico/hooks", map[string]any{"webhookSecret": s1}, now.Add(-48*time.Hour))
				fv.putAt("secret", "jupico/hooks", map[string]any{"webhookSecret": s2}, now.Add(-61*time.Minute))
			},
			opts:     []vault.Option{vault.WithPreviousFor(24 * time.Hour)},
			want:     []string{s2, s1},
			requests: 2,
		},
		{
			name: "window zero, after a leak",
			setup: func(fv *fakeVault, now time.Time) {
				fv.putAt("secret", "jupico/hooks", map[string]any{"webhookSecret": s1}, now.Add(-time.Minute))
				fv.putAt("secret", "jupico/hooks", map[string]any{"webhookSecret": s2}, now)
			},
			opts:     []vault.Option{vault.WithPreviousFor(0)},
			want:     []string{s2},
			requests: 1,
		},
		{
			name: "previous deleted",
			setup: func(fv *fakeVault, now time.Time) {
				fv.putAt("secret", "jupico/hooks", map[string]any{"webhookSecret": s1}, now.Add(-time.Minute))
				fv.putAt("secret", "jupico/hooks", map[string]any{"webhookSecret": s2}, now)
				fv.deleteVersion("secret", "jupico/hooks", 1)
			},
			want:     []string{s2},
			requests: 2,
		},
		{
			name: "previous without the field, or the same secret",
			setup: func(fv *fakeVault, now time.Time) {
				fv.putAt("secret", "jupico/hooks", map[string]any{"username": "u", "password": "p"}, now.Add(-time.Minute))
				fv.putAt("secret", "jupico/hooks", map[string]any{"webhookSecret": s2}, now.Add(-time.Minute))
				fv.putAt("secret", "jupico/hooks", map[string]any{"webhookSecret": s2, "username": "u2", "password": "p"}, now)
			},
			want:     []string{s2},
			requests: 2,
		},
		{
			name: "custom field, surrounding whitespace trimmed",
			setup: func(fv *fakeVault, now time.Time) {
				fv.putAt("secret", "jupico/hooks", map[string]any{"signing": " " + s1 + "\n"}, now)
			},
			opts:     []vault.Option{vault.WithField("signing")},
			want:     []string{s1},
			requests: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clk := fakeclock.New()
			fv := newTestVault(t)
			tt.setup(fv, clk.Now())
			p, err := fv.client(t, vault.WithClock(clk)).WebhookSecrets("secret", "jupico/hooks", tt.opts...)
			require.NoError(t, err)
			got, err := p.RetrieveSecrets(context.Background())
			require.NoError(t, err)
			assert.Equal(t, tt.want, reveal(got))
			reqs := fv.requestLog()
			assert.Len(t, reqs, tt.requests)
			if len(reqs) == 2 {
				assert.Empty(t, reqs[0].Query)
				assert.Equal(t, "version="+strconv.Itoa(len(fv.secrets["secret/jupico/hooks"])-1), reqs[1].Query)
			}
		})
	}
}

func TestWebhookSecretsErrors(t *testing.T) {
	t.Parallel()
	fv := newTestVault(t)
	c := fv.client(t)
	_, err := c.WebhookSecrets("secret", "jupico/hooks", vault.WithField(""))
	assert.ErrorIs(t, err, vault.ErrInvalidOption)
	_, err = c.WebhookSecrets("secret", "jupico/hooks", vault.WithPreviousFor(-time.Second))
	assert.ErrorIs(t, err, vault.ErrInvalidOption)
	// A nil option and a client option are refused, never ignored; every
	// configuration error is the module's one sentinel.
	_, err = c.WebhookSecrets("secret", "jupico/hooks", nil)
	assert.ErrorIs(t, err, credentials.ErrInvalidOption)
	_, err = c.WebhookSecrets("secret", "jupico/hooks", vault.WithTimeout(time.Second))
	assert.ErrorIs(t, err, credentials.ErrInvalidOption)
	assert.ErrorContains(t, err, "WithTimeout applies to NewClient, not WebhookSecrets")

	tests := []struct {
		name   string
		raw    string
		reason credentials.Reason
	}{
		{"missing", `{"username":"u"}`, credentials.ReasonMissing},
		{"empty", `{"webhookSecret":"  "}`, credentials.ReasonEmpty},
		{"inner space", `{"webhookSecret":"whsec_abc def-secret"}`, credentials.ReasonSpace},
		{"not a string", `{"webhookSecret":["whsec_abc"]}`, credentials.ReasonNotString},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fv := newTestVault(t)
			fv.putRaw("secret", "jupico/hooks", tt.raw, time.Now())
			p, err := fv.client(t).WebhookSecrets("secret", "jupico/hooks")
			require.NoError(t, err)
			_, err = p.RetrieveSecrets(context.Background())
			var ve *credentials.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, "webhookSecret", ve.Field)
			assert.Equal(t, tt.reason, ve.Reason)
			assert.NotContains(t, err.Error(), "def-secret")
		})
	}
}

// A rotation in Vault, seen by a webhook verifier fed through a SecretSet:
// deliveries signed with either secret verify during the window, only the
// new one after it, also after a restart.
func TestWebhookSecretRotationVerifies(t *testing.T) {
	t.Parallel()
	clk := fakeclock.New()
	oldSecret, newSecret := whsec(10), whsec(20)
	fv := newTestVault(t)
	fv.putAt("secret", "jupico/hooks", map[string]any{"webhookSecret": oldSecret}, clk.Now().Add(-24*time.Hour))
	fv.putAt("secret", "jupico/hooks", map[string]any{"webhookSecret": newSecret}, clk.Now())
	p, err := fv.client(t, vault.WithClock(clk)).WebhookSecrets("secret", "jupico/hooks")
	require.NoError(t, err)

	// A process (re)started during the rotation window accepts both.
	set, err := credentials.NewSecretSet(context.Background(), p, credentials.WithClock(clk))
	require.NoError(t, err)
	t.Cleanup(func() { _ = set.Close() })
	v, err := webhook.NewVerifier("", webhook.WithSecretSource(set), webhook.WithClock(clk))
	require.NoError(t, err)

	body := []byte(`{"event":"onMerchantActivation","datetime":"2030-01-02T03:04:05.000Z","data":{}}`)
	deliver := func(secret string) error {
		sig, err := webhook.Sign(secret, "msg_1", clk.Now(), body)
		require.NoError(t, err)
		h := http.Header{}
		h.Set("webhook-id", "msg_1")
		h.Set("webhook-timestamp", strconv.FormatInt(clk.Now().Unix(), 10))
		h.Set("webhook-signature", sig)
		return v.Verify(h, body)
	}
	require.NoError(t, deliver(newSecret))
	require.NoError(t, deliver(oldSecret), "the previous secret verifies during the window")

	// After the window, a new process accepts only the new secret.
	clk.Advance(2 * time.Hour)
	set2, err := credentials.NewSecretSet(context.Background(), p, credentials.WithClock(clk))
	require.NoError(t, err)
	t.Cleanup(func() { _ = set2.Close() })
	assert.Equal(t, []string{newSecret}, reveal(set2.SigningSecrets()))
}
