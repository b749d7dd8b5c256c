package vault_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"io/fs"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/credentials/vault"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func retrieveErr(t *testing.T, c *vault.Client) error {
	t.Helper()
	p, err := c.Credentials("secret", "jupico/api")
	require.NoError(t, err)
	_, err = p.Retrieve(context.Background())
	return err
}

func TestErrorAnswers(t *testing.T) {
	t.Parallel()
	sealed := `{"errors":["Vault is sealed"]}`
	tests := []struct {
		name     string
		status   int
		body     string
		is       []error
		isNot    []error
		requests int
		message  string
	}{
		{"permission denied", 403, `{"errors":["1 error occurred:\n\t* permission denied\n\n"]}`,
			[]error{vault.ErrPermissionDenied}, []error{vault.ErrUnavailable, credentials.ErrNoCredentials}, 1, "permission denied"},
		{"proxy 401", 401, `<html>login</html>`,
			[]error{vault.ErrPermissionDenied}, []error{vault.ErrUnavailable}, 1, ""},
		{"not found", 404, `{"errors":[]}`,
			[]error{vault.ErrNotFound, credentials.ErrNoCredentials}, []error{vault.ErrUnavailable}, 1, ""},
		{"rate limited", 429, `{"errors":["request path \"secret/data/jupico/api\": rate limit quota exceeded"]}`,
			[]error{vault.ErrThrottled, vault.ErrUnavailable}, []error{vault.ErrSealed}, 3, "rate limit quota exceeded"},
		{"sealed", 503, sealed,
			[]error{vault.ErrSealed, vault.ErrUnavailable}, []error{vault.ErrThrottled}, 3, "Vault is sealed"},
		{"server error", 500, `{"errors":["internal error"]}`,
			[]error{vault.ErrUnavailable}, []error{vault.ErrSealed, vault.ErrPermissionDenied}, 3, "internal error"},
		{"not yet consistent", 412, `{"errors":["required index state not present"]}`,
			[]error{vault.ErrUnavailable}, nil, 3, "required index state not present"},
		{"bad gateway page", 502, `<html><body>bad gateway</body></html>`,
			[]error{vault.ErrUnavailable}, nil, 3, ""},
		{"bad request", 400, `{"errors":["invalid request"]}`,
			nil, []error{vault.ErrUnavailable, vault.ErrPermissionDenied, vault.ErrNotFound}, 1, "invalid request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fv := newTestVault(t)
			fv.put("secret", "jupico/api", map[string]any{"username": "api-user", "password": "api-pass"})
			for range 3 {
				fv.fail(fakeFault{status: tt.status, body: tt.body})
			}
			err := retrieveErr(t, fv.client(t))
			require.Error(t, err)
			var ve *vault.Error
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tt.status, ve.StatusCode)
			assert.Equal(t, "secret/data/jupico/api", ve.Path)
			assert.Equal(t, tt.requests, ve.Attempts)
			for _, target := range tt.is {
				assert.ErrorIs(t, err, target)
			}
			for _, target := range tt.isNot {
				assert.NotErrorIs(t, err, target)
			}
			assert.Len(t, fv.requestLog(), tt.requests)
			assert.Contains(t, err.Error(), tt.message)
			assert.NotContains(t, err.Error(), "\n")
			assert.NotContains(t, err.Error(), "<html>")
		})
	}
}

// Throttling is retried with backoff: each wait at least half the policy's
// delay (the jitter's floor), doubled between attempts.
func TestThrottlingBackoff(t *testing.T) {
	t.Parallel()
	fv := newTestVault(t)
	fv.put("secret", "jupico/api", map[string]any{"username": "api-user", "password": "api-pass"})
	throttled := fakeFault{status: 429, body: `{"errors":["rate limit quota exceeded"]}`}
	fv.fail(throttled, throttled)
	c := fv.client(t, vault.WithRetry(4, 40*time.Millisecond, time.Second))
	p, err := c.Credentials("secret", "jupico/api")
	require.NoError(t, err)
	got, err := p.Retrieve(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "api-user", got.Username())

	reqs := fv.requestLog()
	require.Len(t, reqs, 3)
	assert.GreaterOrEqual(t, reqs[1].At.Sub(reqs[0].At), 20*time.Millisecond, "first wait: got, want at least")
	assert.GreaterOrEqual(t, reqs[2].At.Sub(reqs[1].At), 40*time.Millisecond, "second wait: got, want at least")
}

func TestRetryAfterIsHonouredAndCapped(t *testing.T) {
	t.Parallel()
	fv := newTestVault(t)
	fv.put("secret", "jupico/api", map[string]any{"username": "api-user", "password": "api-pass"})
	fv.fail(fakeFault{status: 429, body: `{"errors":["slow down"]}`, retryAfter: "3600"})
	c := fv.client(t, vault.WithRetry(2, time.Millisecond, 150*time.Millisecond))
	require.NoError(t, retrieveErr(t, c))
	reqs := fv.requestLog()
	require.Len(t, reqs, 2)
	assert.GreaterOrEqual(t, reqs[1].At.Sub(reqs[0].At), 150*time.Millisecond, "Retry-After capped at the policy's maximum: got, want at least")
}

func TestContextIsHonoured(t *testing.T) {
	t.Parallel()
	t.Run("while waiting for an answer", func(t *testing.T) {
		t.Parallel()
		fv := newTestVault(t)
		release := make(chan struct{})
		t.Cleanup(func() { close(release) })
		fv.setHandler(func(_ http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		})
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			for len(fv.requestLog()) == 0 {
				time.Sleep(time.Millisecond)
			}
			cancel()
		}()
		p, err := fv.client(t).Credentials("secret", "jupico/api")
		require.NoError(t, err)
		_, err = p.Retrieve(ctx)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Len(t, fv.requestLog(), 1, "no retry once the caller gave up")
	})
	t.Run("while waiting to retry", func(t *testing.T) {
		t.Parallel()
		fv := newTestVault(t)
		fv.fail(fakeFault{status: 503, body: `{"errors":["Vault is sealed"]}`})
		c := fv.client(t, vault.WithRetry(3, time.Hour, time.Hour))
		p, err := c.Credentials("secret", "jupico/api")
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			for len(fv.requestLog()) == 0 {
				time.Sleep(time.Millisecond)
			}
			cancel()
		}()
		_, err = p.Retrieve(ctx)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Len(t, fv.requestLog(), 1)
	})
}

// A request that outlives WithTimeout is abandoned and sent again.
func TestAttemptTimeoutIsRetried(t *testing.T) {
	t.Parallel()
	fv := newTestVault(t)
	var n atomic.Int32
	fv.setHandler(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			<-r.Context().Done()
			return
		}
		writeVault(w, http.StatusOK, map[string]any{"data": map[string]any{
			"data":     map[string]any{"username": "api-user", "password": "api-pass"},
			"metadata": map[string]any{"version": 1, "created_time": "2030-01-02T03:04:05Z"},
		}})
	})
	c := fv.client(t, vault.WithTimeout(50*time.Millisecond))
	require.NoError(t, retrieveErr(t, c))
	assert.Len(t, fv.requestLog(), 2)
}

func TestResponseTooLarge(t *testing.T) {
	t.Parallel()
	fv := newTestVault(t)
	fv.setHandler(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		chunk := []byte(strings.Repeat(" ", 64<<10))
		for range 20 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	err := retrieveErr(t, fv.client(t))
	assert.ErrorIs(t, err, vault.ErrResponseTooLarge)
	assert.Len(t, fv.requestLog(), 1, "an oversized answer is not retried")
}

// A standby's redirect is refused: the token never reaches the target.
func TestRedirectIsRefused(t *testing.T) {
	t.Parallel()
	var hit atomic.Bool
	target := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hit.Store(true) }))
	t.Cleanup(target.Close)
	fv := newTestVault(t)
	fv.setHandler(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+r.URL.Path, http.StatusTemporaryRedirect)
	})
	err := retrieveErr(t, fv.client(t))
	assert.ErrorIs(t, err, vault.ErrRedirect)
	assert.False(t, hit.Load(), "the redirect target was contacted")
	assert.Len(t, fv.requestLog(), 1)
}

func TestTLSPolicy(t *testing.T) {
	t.Parallel()
	t.Run("unknown certificate authority", func(t *testing.T) {
		t.Parallel()
		fv := newTestVault(t)
		c, err := vault.NewClient(vault.WithAddress(fv.URL()), vault.WithToken(testToken),
			vault.WithRetry(3, time.Millisecond, time.Millisecond)) // system roots only
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		err = retrieveErr(t, c)
		var certErr *tls.CertificateVerificationError
		assert.ErrorAs(t, err, &certErr)
		assert.Empty(t, fv.requestLog())
	})
	t.Run("server limited to TLS 1.1", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		srv.TLS = &tls.Config{MaxVersion: tls.VersionTLS11}
		srv.Config.ErrorLog = log.New(io.Discard, "", 0)
		srv.StartTLS()
		t.Cleanup(srv.Close)
		c, err := vault.NewClient(vault.WithAddress(srv.URL), vault.WithToken(testToken),
			vault.WithRootCAs(poolOf(srv)), vault.WithRetry(1, time.Millisecond, time.Millisecond))
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		err = retrieveErr(t, c)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "protocol version")
	})
}

func TestNewClientConfig(t *testing.T) {
	// Not parallel: it sets environment variables.
	fv := newTestVault(t)
	dir := t.TempDir()
	certFile := filepath.Join(dir, "ca.pem")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: fv.srv.Certificate().Raw}), 0o600))
	notPEM := filepath.Join(dir, "not.pem")
	require.NoError(t, os.WriteFile(notPEM, []byte("hello"), 0o600))
	for _, k := range []string{vault.EnvAddress, vault.EnvToken, vault.EnvNamespace, vault.EnvCACert} {
		t.Setenv(k, "")
		require.NoError(t, os.Unsetenv(k))
	}

	bad := []struct {
		name string
		env  map[string]string
		opts []vault.Option
		want string
	}{
		{"no address", map[string]string{vault.EnvToken: testToken}, nil, "no address"},
		{"plain http", nil, []vault.Option{vault.WithAddress("http://vault:8200"), vault.WithToken(testToken)}, "https"},
		{"http from env", map[string]string{vault.EnvAddress: "http://vault:8200", vault.EnvToken: testToken}, nil, "VAULT_ADDR must be an https URL"},
		{"userinfo", nil, []vault.Option{vault.WithAddress("https://u:p@vault:8200"), vault.WithToken(testToken)}, "userinfo"},
		{"query", nil, []vault.Option{vault.WithAddress("https://vault:8200/?x=1"), vault.WithToken(testToken)}, "query"},
		{"fragment", nil, []vault.Option{vault.WithAddress("https://vault:8200/#x"), vault.WithToken(testToken)}, "query or fragment"},
		{"no host", nil, []vault.Option{vault.WithAddress("https:///v1"), vault.WithToken(testToken)}, "no host"},
		{"no token", map[string]string{vault.EnvAddress: fv.URL()}, nil, "no token"},
		{"empty token", map[string]string{vault.EnvAddress: fv.URL(), vault.EnvToken: " \n"}, nil, "VAULT_TOKEN is empty"},
		{"token with a space", nil, []vault.Option{vault.WithAddress(fv.URL()), vault.WithToken("hvs.abc def-token-part")}, "whitespace"},
		{"token and token file", nil, []vault.Option{vault.WithToken(testToken), vault.WithTokenFile("/x")}, "both set"},
		{"token file and token", nil, []vault.Option{vault.WithTokenFile("/x"), vault.WithToken(testToken)}, "both set"},
		{"empty token file", nil, []vault.Option{vault.WithTokenFile("")}, "empty path"},
		{"namespace with a newline", nil, []vault.Option{vault.WithAddress(fv.URL()), vault.WithToken(testToken), vault.WithNamespace("a\nb")}, "namespace"},
		{"ca file missing", map[string]string{vault.EnvCACert: filepath.Join(dir, "missing.pem")}, []vault.Option{vault.WithAddress(fv.URL()), vault.WithToken(testToken)}, "cannot be read"},
		{"ca file not pem", map[string]string{vault.EnvCACert: notPEM}, []vault.Option{vault.WithAddress(fv.URL()), vault.WithToken(testToken)}, "no PEM certificate"},
		{"nil roots", nil, []vault.Option{vault.WithRootCAs(nil)}, "nil pool"},
		{"bad timeout", nil, []vault.Option{vault.WithTimeout(0)}, "timeout"},
		{"bad retry", nil, []vault.Option{vault.WithRetry(0, time.Second, time.Second)}, "WithRetry"},
		{"bad retry delays", nil, []vault.Option{vault.WithRetry(3, time.Second, time.Millisecond)}, "WithRetry"},
		{"nil option", nil, []vault.Option{nil}, "nil option"},
		{"nil clock", nil, []vault.Option{vault.WithClock(nil)}, "nil clock"},
		{"secret option", nil, []vault.Option{vault.WithField("signing")}, "WithField applies to WebhookSecrets, not NewClient"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			c, err := vault.NewClient(tt.opts...)
			assert.Nil(t, c)
			require.ErrorIs(t, err, vault.ErrInvalidOption)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "def-token-part")
		})
	}

	t.Run("environment", func(t *testing.T) {
		fv.put("secret", "jupico/api", map[string]any{"username": "env-user", "password": "api-pass"})
		fv.setNamespace("team")
		t.Cleanup(func() { fv.setNamespace("") })
		t.Setenv(vault.EnvAddress, fv.URL()+"/")
		t.Setenv(vault.EnvToken, testToken+"\n")
		t.Setenv(vault.EnvNamespace, "team")
		t.Setenv(vault.EnvCACert, certFile)
		t.Setenv("VAULT_SKIP_VERIFY", "true") // never honoured
		c, err := vault.NewClient()
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		assert.Equal(t, fv.URL(), c.Address())
		p, err := c.Credentials("secret", "jupico/api")
		require.NoError(t, err)
		got, err := p.Retrieve(context.Background())
		require.NoError(t, err)
		assert.Equal(t, "env-user", got.Username())
	})
	t.Run("VAULT_SKIP_VERIFY does not skip verification", func(t *testing.T) {
		t.Setenv(vault.EnvAddress, fv.URL())
		t.Setenv(vault.EnvToken, testToken)
		t.Setenv("VAULT_SKIP_VERIFY", "1")
		c, err := vault.NewClient(vault.WithRetry(1, time.Millisecond, time.Millisecond))
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		var certErr *tls.CertificateVerificationError
		assert.ErrorAs(t, retrieveErr(t, c), &certErr)
	})
}

func TestTokenFile(t *testing.T) {
	t.Parallel()
	const tokA = "hvs.token-A-aaaaaaaaaaaaaaaaaaaa"
	const tokB = "hvs.token-B-bbbbbbbbbbbbbbbbbbbb"

	t.Run("re-read when it changes", func(t *testing.T) {
		t.Parallel()
		fv := newTestVault(t)
		fv.put("secret", "jupico/api", map[string]any{"username": "api-user", "password": "api-pass"})
		path := filepath.Join(t.TempDir(), "token")
		require.NoError(t, os.WriteFile(path, []byte(tokA+"\n"), 0o600))
		fv.setToken(tokA)
		c, err := vault.NewClient(vault.WithAddress(fv.URL()), vault.WithTokenFile(path), vault.WithRootCAs(fv.CertPool()))
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		require.NoError(t, retrieveErr(t, c))
		require.NoError(t, retrieveErr(t, c))

		// The agent writes a new token atomically (rename over the file).
		tmp := path + ".tmp"
		require.NoError(t, os.WriteFile(tmp, []byte(tokB+"\n"), 0o600))
		require.NoError(t, os.Rename(tmp, path))
		fv.setToken(tokB)
		require.NoError(t, retrieveErr(t, c))

		reqs := fv.requestLog()
		require.Len(t, reqs, 3)
		assert.Equal(t, []string{tokA, tokA, tokB}, []string{reqs[0].Token, reqs[1].Token, reqs[2].Token})
	})

	t.Run("re-read at once on 403", func(t *testing.T) {
		t.Parallel()
		fv := newTestVault(t)
		fv.put("secret", "jupico/api", map[string]any{"username": "api-user", "password": "api-pass"})
		path := filepath.Join(t.TempDir(), "token")
		require.NoError(t, os.WriteFile(path, []byte(tokA), 0o600))
		fi, err := os.Stat(path)
		require.NoError(t, err)
		fv.setToken(tokA)
		c, err := vault.NewClient(vault.WithAddress(fv.URL()), vault.WithTokenFile(path), vault.WithRootCAs(fv.CertPool()))
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		require.NoError(t, retrieveErr(t, c))

		// Rewritten in place, same size and time: a stat cannot tell.
		require.NoError(t, os.WriteFile(path, []byte(tokB), 0o600))
		require.NoError(t, os.Chtimes(path, fi.ModTime(), fi.ModTime()))
		fv.setToken(tokB)
		require.NoError(t, retrieveErr(t, c))
		reqs := fv.requestLog()
		require.Len(t, reqs, 3)
		assert.Equal(t, []string{tokA, tokA, tokB}, []string{reqs[0].Token, reqs[1].Token, reqs[2].Token})

		// A 403 with a token that did not change is final.
		fv.setToken("hvs.revoked-everything-else-xxxx")
		err = retrieveErr(t, c)
		assert.ErrorIs(t, err, vault.ErrPermissionDenied)
		assert.Len(t, fv.requestLog(), 4)
	})

	bad := []struct {
		name    string
		content *string
		is      error
		want    string
	}{
		{"missing", nil, fs.ErrNotExist, "does not exist"},
		{"empty", ptr("\n"), vault.ErrToken, "is empty"},
		{"two tokens", ptr(tokA + "\n" + tokB), vault.ErrToken, "whitespace"},
		{"too large", ptr(strings.Repeat("x", 17<<10)), vault.ErrToken, "size limit"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fv := newTestVault(t)
			path := filepath.Join(t.TempDir(), "token")
			if tt.content != nil {
				require.NoError(t, os.WriteFile(path, []byte(*tt.content), 0o600))
			}
			c, err := vault.NewClient(vault.WithAddress(fv.URL()), vault.WithTokenFile(path), vault.WithRootCAs(fv.CertPool()))
			require.NoError(t, err, "a missing token file is not a configuration error: an agent may write it later")
			t.Cleanup(func() { _ = c.Close() })
			err = retrieveErr(t, c)
			assert.ErrorIs(t, err, vault.ErrToken)
			assert.ErrorIs(t, err, tt.is)
			assert.Contains(t, err.Error(), path)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "token-A")
			assert.NotContains(t, err.Error(), "token-B")
			assert.Empty(t, fv.requestLog())
		})
	}
	t.Run("a directory", func(t *testing.T) {
		t.Parallel()
		fv := newTestVault(t)
		c, err := vault.NewClient(vault.WithAddress(fv.URL()), vault.WithTokenFile(t.TempDir()), vault.WithRootCAs(fv.CertPool()))
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		err = retrieveErr(t, c)
		assert.ErrorIs(t, err, vault.ErrToken)
		assert.False(t, errors.Is(err, vault.ErrInvalidOption))
	})
}

func ptr(s string) *string { return &s }

func poolOf(srv *httptest.Server) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(srv.Certificate())
	return p
}

// An address with a path (a reverse proxy's prefix) keeps it.
func TestAddressPathPrefix(t *testing.T) {
	t.Parallel()
	fv := newTestVault(t)
	c := fv.client(t, vault.WithAddress(fv.URL()+"/vault%20proxy/"))
	assert.Equal(t, fv.URL()+"/vault%20proxy", c.Address())
	err := retrieveErr(t, c)
	assert.ErrorIs(t, err, vault.ErrNotFound)
	reqs := fv.requestLog()
	require.Len(t, reqs, 1)
	assert.Equal(t, "/vault%20proxy/v1/secret/data/jupico/api", reqs[0].Path)
}
