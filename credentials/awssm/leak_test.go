package awssm_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/credentials/awssm"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

const (
	leakPassword = "Sup3r-S3cret-Passw0rd"
	leakHook     = "whsec_TGVha1Rlc3RTZWNyZXRWYWx1ZTEyMzQ1Njc4OTA="
)

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

var signatureRE = regexp.MustCompile(`Signature=([0-9a-f]{64})`)

// No AWS secret key, session token, request signature or secret value
// reaches an error or a log line, even when the endpoint echoes the
// request's headers and the secret back in its error messages.
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
	var servers []*fakeSM

	// Error answers that echo the Authorization header, the session token
	// and a secret value.
	for _, code := range []string{"AccessDeniedException", "InvalidSignatureException", "ExpiredTokenException",
		"ResourceNotFoundException", "ThrottlingException", "InternalServiceError", "SomethingNew"} {
		fs := newTestSM(t)
		servers = append(servers, fs)
		status := 400
		if code == "InternalServiceError" {
			status = 500
		}
		fs.setHandler(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Amzn-ErrorType", code)
			smError(w, status, code, "echo: "+r.Header.Get("Authorization")+" token="+r.Header.Get("X-Amz-Security-Token")+
				" key="+testSecretKey+" value="+leakPassword)
		})
		p, err := awssm.Credentials(fs.client(), "prod/jupico/api")
		require.NoError(t, err)
		_, err = p.Retrieve(context.Background())
		collect(err)
		s, err := awssm.WebhookSecrets(fs.client(), "prod/jupico/hooks")
		require.NoError(t, err)
		_, err = s.RetrieveSecrets(context.Background())
		collect(err)
	}
	// A successful answer that does not decode, with the secret in it.
	fs := newTestSM(t)
	servers = append(servers, fs)
	fs.setHandler(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = w.Write([]byte(`{"SecretString":"{\"password\":\"` + leakPassword + `"` + "\x00"))
	})
	p, err := awssm.Credentials(fs.client(), "prod/jupico/api")
	require.NoError(t, err)
	_, err = p.Retrieve(context.Background())
	collect(err)

	// Malformed secrets, through a Cache that logs its refresh errors and a
	// jupico.Client that logs at debug level.
	enc := base64.StdEncoding.EncodeToString([]byte("leak-user " + leakPassword))
	for _, value := range []string{
		`{"username":"leak-user","password":"Sup3r S3cret-Passw0rd"}`,
		`{"username":"leak-user:` + leakPassword + `","password":"x"}`,
		`{"username":"leak-user","password":["` + leakPassword + `"]}`,
		`{"apiKey":"` + enc + `"}`,
		`{"apiKey":"` + leakPassword + `"}`,
		`{"username":"leak-user","password":"` + leakPassword + `","expiresAt":"` + leakPassword + `"}`,
		`{"webhookSecret":"` + leakHook + ` x"}`,
		`{"username":"leak-user","password":"` + leakPassword,
		leakPassword,
	} {
		fs := newTestSM(t)
		servers = append(servers, fs)
		fs.put("prod/jupico/api", value)
		fs.put("prod/jupico/hooks", value)
		p, err := awssm.Credentials(fs.client(), "prod/jupico/api")
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
		s, err := awssm.WebhookSecrets(fs.client(), "prod/jupico/hooks")
		require.NoError(t, err)
		_, err = credentials.NewSecretSet(context.Background(), s)
		collect(err)
	}
	// No connection at all.
	gone := newFakeSM()
	gone.Close()
	p, err = awssm.Credentials(gone.client(func(o *secretsmanager.Options) { o.Retryer = aws.NopRetryer{} }), "prod/jupico/api")
	require.NoError(t, err)
	_, err = p.Retrieve(context.Background())
	collect(err)

	forbidden := []string{testSecretKey, testSessionToken, leakPassword, "S3cret", enc, leakHook, "TGVha1Rlc3RTZWNyZXRWYWx1ZTEy"}
	for _, fs := range servers {
		for _, r := range fs.requestLog() {
			if m := signatureRE.FindStringSubmatch(r.Authorization); m != nil {
				forbidden = append(forbidden, m[1])
			}
		}
	}
	require.Greater(t, len(forbidden), 30, "signatures were collected")
	require.GreaterOrEqual(t, len(errs), 40)
	for _, err := range errs {
		for _, form := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
			for _, f := range forbidden {
				if strings.Contains(form, f) {
					t.Errorf("an error leaked a secret: got %q", form)
				}
			}
		}
	}
	out := logs.String()
	assert.NotEmpty(t, out)
	for _, f := range forbidden {
		assert.NotContains(t, out, f, "the logs leaked a secret")
	}
}
