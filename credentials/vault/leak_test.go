package vault_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/credentials/vault"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Values the leak test hunts for: the token and the secret's values.
const (
	leakPassword = "Sup3r-S3cret-Passw0rd"
	leakHook     = "whsec_TGVha1Rlc3RTZWNyZXRWYWx1ZTEyMzQ1Njc4OTA="
	leakFileTok  = "hvs.file-token-that-must-not-leak"
)

func forbiddenStrings() []string {
	enc := base64.StdEncoding.EncodeToString([]byte("leak-user:" + leakPassword))
	return []string{testToken, strings.TrimPrefix(testToken, "hvs."), leakFileTok, leakPassword, "S3cret", enc, leakHook, "TGVha1Rlc3RTZWNyZXRWYWx1ZTEy"}
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// No token, secret value or token-shaped text reaches an error or a log
// line, whatever goes wrong, including a hostile server that echoes the
// token back in its error messages.
func TestNoSecretInErrorsOrLogs(t *testing.T) {
	t.Parallel()
	var logs lockedBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var errs []error
	collect := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}

	echo := func(status int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			tok := r.Header.Get("X-Vault-Token")
			writeVault(w, status, vaultErrors(
				"permission denied for token "+tok,
				"token="+strings.TrimPrefix(tok, "hvs."),
				"header X-Vault-Token: "+tok+"\n\tand again "+tok,
				"other token hvs.AAAAAAAAAAAAAAAAAAAAAAAAAA seen",
			))
		}
	}
	malformed := []string{
		`{"username":"leak-user","password":"Sup3r S3cret-Passw0rd"}`,
		`{"username":"leak-user","password":"Sup3r-S3cret-Passw0rd\n"}`,
		`{"username":"leak-user:` + leakPassword + `","password":"x"}`,
		`{"username":"leak-user","password":["` + leakPassword + `"]}`,
		`{"apiKey":"` + base64.StdEncoding.EncodeToString([]byte("leak-user "+leakPassword)) + `"}`,
		`{"apiKey":"` + leakPassword + `"}`,
		`{"username":"leak-user","password":"` + leakPassword + `","expiresAt":"` + leakPassword + `"}`,
		`{"webhookSecret":"` + leakHook + ` x"}`,
		`{"username":"leak-user","password":"` + leakPassword,
	}

	// Error answers, with the token echoed.
	for _, status := range []int{401, 403, 404, 429, 500, 503} {
		fv := newTestVault(t)
		fv.setHandler(echo(status))
		p, err := fv.client(t).Credentials("secret", "jupico/api")
		require.NoError(t, err)
		_, err = p.Retrieve(context.Background())
		collect(err)
		s, err := fv.client(t).WebhookSecrets("secret", "jupico/hooks")
		require.NoError(t, err)
		_, err = s.RetrieveSecrets(context.Background())
		collect(err)
	}
	// Malformed secrets, through a Cache that logs its refresh errors and a
	// jupico.Client that logs at debug level.
	for _, raw := range malformed {
		fv := newTestVault(t)
		fv.putRaw("secret", "jupico/api", raw, time.Now())
		fv.putRaw("secret", "jupico/hooks", raw, time.Now())
		vc := fv.client(t)
		p, err := vc.Credentials("secret", "jupico/api")
		require.NoError(t, err)
		cache, cerr := credentials.NewCache(p, credentials.WithOnRefreshError(func(err error) {
			logger.Error("refresh failed", "err", err)
		}))
		require.NoError(t, cerr)
		_, err = cache.Retrieve(context.Background())
		collect(err)
		_ = cache.Close()
		srv := jupicotest.NewServer(t)
		c := srv.Client(jupico.WithCredentials(p), jupico.WithLogger(logger))
		_, err = c.Status(context.Background())
		collect(err)
		s, err := vc.WebhookSecrets("secret", "jupico/hooks")
		require.NoError(t, err)
		_, err = credentials.NewSecretSet(context.Background(), s)
		collect(err)
	}
	// Token problems: a bad token file, a token Vault refuses.
	dir := t.TempDir()
	tokFile := filepath.Join(dir, "token")
	require.NoError(t, os.WriteFile(tokFile, []byte(leakFileTok+" "+leakFileTok), 0o600))
	fv := newTestVault(t)
	vc, err := vault.NewClient(vault.WithAddress(fv.URL()), vault.WithTokenFile(tokFile), vault.WithRootCAs(fv.CertPool()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = vc.Close() })
	p, err := vc.Credentials("secret", "jupico/api")
	require.NoError(t, err)
	_, err = p.Retrieve(context.Background())
	collect(err)
	require.NoError(t, os.WriteFile(tokFile, []byte(leakFileTok), 0o600))
	_, err = p.Retrieve(context.Background())
	collect(err)
	_, err = vault.NewClient(vault.WithAddress(fv.URL()), vault.WithToken(leakFileTok+"\x00"))
	collect(err)
	_, err = vault.NewClient(vault.WithAddress("http://vault:8200"), vault.WithToken(leakFileTok))
	collect(err)

	require.GreaterOrEqual(t, len(errs), 40)
	for _, err := range errs {
		for _, form := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
			for _, f := range forbiddenStrings() {
				if strings.Contains(form, f) {
					t.Errorf("an error leaked a secret: got %q", form)
				}
			}
		}
		assert.NotContains(t, err.Error(), "\n")
	}
	out := logs.String()
	assert.NotEmpty(t, out)
	for _, f := range forbiddenStrings() {
		assert.NotContains(t, out, f, "the logs leaked a secret")
	}
}
