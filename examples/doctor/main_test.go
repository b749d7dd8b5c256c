package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestDoctorPassesAgainstTheFake(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, config{}))
	s := out.String()
	assert.Regexp(t, `credentials +PASS +present and well formed: user jupicotest`, s)
	assert.Regexp(t, `api reachable +PASS +GET /status answered in`, s)
	assert.Regexp(t, `credentials accepted +PASS`, s)
	assert.Regexp(t, `tls +PASS +TLS 1\.[23], TLS_`, s)
	assert.Regexp(t, `clock skew +PASS +local clock`, s)
	assert.Regexp(t, `webhook secret +PASS +well formed`, s)
	assert.Contains(t, s, "all checks passed")
	assert.NotContains(t, s, jupicotest.DefaultPassword)
}

// Each misconfiguration fails its own row, and the run as a whole.
func TestDoctorReportsFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		prepare func(*jupicotest.Server, *config)
		want    string // a regexp of the failing row
	}{
		{"api answers 500", func(s *jupicotest.Server, _ *config) {
			s.InjectFault("/status", jupicotest.Fault{Status: http.StatusInternalServerError, Code: "internal_server_error"})
		}, `api reachable +FAIL +GET /status answered 500 internal_server_error`},
		{"api drops the connection", func(s *jupicotest.Server, _ *config) {
			s.InjectFault("/status", jupicotest.Fault{DropConnection: true})
		}, `api reachable +FAIL +jupico: status: `},
		{"key revoked", func(s *jupicotest.Server, c *config) {
			c.creds = s.Credentials()
			s.SetCredentials("someone-else", "another-password")
		}, `credentials accepted +FAIL +401 auth_invalid_api_token`},
		{"clock ten minutes fast", func(_ *jupicotest.Server, c *config) {
			c.now = func() time.Time { return time.Now().Add(10 * time.Minute) }
		}, `clock skew +FAIL +local clock (9m59|10m0)(\.\d)?s ahead of the server .*synchronise`},
		{"malformed webhook secret", func(_ *jupicotest.Server, c *config) {
			c.webhookSecret = "whsec_tooshort"
		}, `webhook secret +FAIL +webhook: invalid signing secret`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fake := jupicotest.NewServer(t)
			cfg := config{fake: fake}
			tc.prepare(fake, &cfg)
			var out bytes.Buffer
			err := run(context.Background(), &out, cfg)
			require.ErrorIs(t, err, errChecksFailed)
			assert.Regexp(t, tc.want, out.String())
			assert.Contains(t, out.String(), "1 of 7 checks failed")
			assert.NotContains(t, out.String(), "tooshort", "a secret is never printed")
		})
	}
}

func TestDoctorRefusesAnUnknownEnvironment(t *testing.T) {
	t.Parallel()
	err := run(context.Background(), new(bytes.Buffer), config{env: "staging"})
	require.ErrorContains(t, err, "unknown environment")
	assert.NotErrorIs(t, err, errChecksFailed)
}

func TestCheckCredentials(t *testing.T) {
	t.Parallel()
	good, err := credentials.NewBasic("demoApiUser", "a-password")
	require.NoError(t, err)
	for _, tc := range []struct {
		name   string
		p      credentials.Provider
		result string
		detail string
	}{
		{"well formed", credentials.ProviderFunc(func(context.Context) (credentials.Credentials, error) { return good, nil }), pass, "user demoApiUser"},
		{"not base64", credentials.StaticAPIKey("not base64!"), fail, "credentials"},
		{"missing", credentials.ProviderFunc(func(context.Context) (credentials.Credentials, error) {
			return credentials.Credentials{}, credentials.ErrNoCredentials
		}), fail, "credentials"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, ok := checkCredentials(context.Background(), tc.p)
			assert.Equal(t, tc.result == pass, ok)
			assert.Equal(t, tc.result, r.result)
			assert.Contains(t, r.detail, tc.detail)
			assert.NotContains(t, r.detail, "not base64!", "the value is never printed")
		})
	}
}

func TestCheckTLS(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cert := &x509.Certificate{NotAfter: now.Add(90 * 24 * time.Hour)}
	for _, tc := range []struct {
		name    string
		version uint16
		suite   uint16
		result  string
	}{
		{"TLS 1.3", tls.VersionTLS13, tls.TLS_AES_128_GCM_SHA256, pass},
		{"TLS 1.2 ECDHE GCM", tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, pass},
		{"TLS 1.2 ECDHE ChaCha20", tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, pass},
		{"TLS 1.2 CBC", tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, fail},
		{"TLS 1.2 RSA key exchange", tls.VersionTLS12, tls.TLS_RSA_WITH_AES_128_GCM_SHA256, fail},
		{"TLS 1.1", tls.VersionTLS11, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, fail},
		{"TLS 1.0", tls.VersionTLS10, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, fail},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := checkTLS(&tls.ConnectionState{Version: tc.version, CipherSuite: tc.suite, PeerCertificates: []*x509.Certificate{cert}}, now)
			assert.Equal(t, tc.result, r.result, r.detail)
			assert.Contains(t, r.detail, tls.VersionName(tc.version))
			assert.Contains(t, r.detail, tls.CipherSuiteName(tc.suite))
			assert.Contains(t, r.detail, "certificate expires in 90 days")
		})
	}
}

func TestCheckClock(t *testing.T) {
	t.Parallel()
	sent := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	received := sent.Add(200 * time.Millisecond)
	date := func(d time.Duration) string { return sent.Add(d).Format(http.TimeFormat) }
	for _, tc := range []struct {
		name   string
		date   string
		result string
		detail string
	}{
		{"in step", date(0), pass, "matches the server within ±600ms"},
		// The Date header truncates to the second: the server's time is
		// taken as date+0.5s, against the midpoint of the request, sent+0.1s.
		{"two minutes behind", date(2 * time.Minute), pass, "2m0.4s behind the server (±600ms)"},
		{"three minutes behind", date(3 * time.Minute), fail, "3m0.4s behind the server (±600ms)"},
		{"three minutes ahead", date(-3 * time.Minute), fail, "2m59.6s ahead of the server (±600ms)"},
		{"no Date header", "", skip, "no Date header"},
		{"unparsable", "yesterday", fail, "does not parse"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := checkClock(tc.date, sent, received, 5*time.Minute)
			assert.Equal(t, tc.result, r.result, r.detail)
			assert.Contains(t, r.detail, tc.detail)
		})
	}
}
