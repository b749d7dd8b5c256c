package jupico_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/jupico"
)

// tlsPeer starts a TLS server restricted to cfg that answers like Jupico's
// health check and counts the requests that got through.
func tlsPeer(t *testing.T, cfg *tls.Config) (*httptest.Server, *int) {
	t.Helper()
	var mu sync.Mutex
	n := 0
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		mu.Lock()
		n++
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"success":true}`))
	}))
	srv.TLS = cfg
	srv.Config.ErrorLog = quietLog()
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, &n
}

// observed records the TLS state each response arrived over, as a tracing
// middleware would see it.
type observed struct {
	mu    sync.Mutex
	state []tls.ConnectionState
}

func (o *observed) middleware(next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(r)
		if err == nil && resp.TLS != nil {
			o.mu.Lock()
			o.state = append(o.state, *resp.TLS)
			o.mu.Unlock()
		}
		return resp, err
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func peerClient(t *testing.T, srv *httptest.Server, opts ...jupico.Option) *jupico.Client {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	c, err := jupico.NewClient(append([]jupico.Option{
		jupico.WithBaseURL(srv.URL),
		jupico.WithRootCAs(pool),
		jupico.WithCredentials(credentials.Static("u", "p")),
		jupico.WithRetry(jupico.RetryPolicy{MaxAttempts: 3, MinDelay: 1, MaxDelay: 1}),
	}, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestTLSPolicyRefusesWeakServers(t *testing.T) {
	t.Parallel()
	cases := map[string]*tls.Config{
		"tls1.0 only": {MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS10},
		"tls1.1 only": {MinVersion: tls.VersionTLS11, MaxVersion: tls.VersionTLS11},
		"tls1.2 cbc only": {MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{
			tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
		}},
		"tls1.2 rsa key exchange only": {MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{
			tls.TLS_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_RSA_WITH_AES_256_GCM_SHA384, tls.TLS_RSA_WITH_AES_128_CBC_SHA,
		}},
		"tls1.2 3des only": {MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{
			tls.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA, tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA,
		}},
	}
	for name, cfg := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv, served := tlsPeer(t, cfg)
			c := peerClient(t, srv)
			_, err := c.Status(context.Background())
			require.Error(t, err)
			assert.ErrorIs(t, err, jupico.ErrTLSHandshake)
			assert.NotErrorIs(t, err, jupico.ErrCertificate)
			var re *jupico.RequestError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, 1, re.Attempts, "a TLS policy refusal is never retried")
			assert.False(t, re.MaybeProcessed)
			assert.Zero(t, *served)
		})
	}
}

func TestTLSPolicyAcceptsStrongServers(t *testing.T) {
	t.Parallel()
	allowed := map[uint16]bool{}
	for _, s := range []uint16{
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
		tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		tls.TLS_AES_128_GCM_SHA256, tls.TLS_AES_256_GCM_SHA384, tls.TLS_CHACHA20_POLY1305_SHA256,
	} {
		allowed[s] = true
	}
	cases := []struct {
		name    string
		cfg     *tls.Config
		version uint16
		suite   uint16
	}{
		{"tls1.2 ecdhe aes-gcm", &tls.Config{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}}, tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256},
		{"tls1.2 ecdhe chacha20", &tls.Config{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256}}, tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256},
		{"tls1.2 server offers weak and strong", &tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384}}, tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384},
		{"tls1.3", &tls.Config{MinVersion: tls.VersionTLS13}, tls.VersionTLS13, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, served := tlsPeer(t, tc.cfg)
			var obs observed
			c := peerClient(t, srv, jupico.WithTransportMiddleware(obs.middleware))
			st, err := c.Status(context.Background())
			require.NoError(t, err)
			assert.True(t, st.Online)
			assert.Equal(t, 1, *served)
			require.Len(t, obs.state, 1)
			got := obs.state[0]
			assert.Equal(t, tls.VersionName(tc.version), tls.VersionName(got.Version))
			assert.True(t, allowed[got.CipherSuite], "negotiated suite %s is outside the policy", tls.CipherSuiteName(got.CipherSuite))
			if tc.suite != 0 {
				assert.Equal(t, tls.CipherSuiteName(tc.suite), tls.CipherSuiteName(got.CipherSuite))
			}
		})
	}
}

func TestUntrustedCertificateIsRefusedAndNotRetried(t *testing.T) {
	t.Parallel()
	srv, served := tlsPeer(t, &tls.Config{})
	// No WithRootCAs: the system roots do not trust the test certificate.
	c, err := jupico.NewClient(jupico.WithBaseURL(srv.URL), jupico.WithCredentials(credentials.Static("u", "p")),
		jupico.WithRetry(jupico.RetryPolicy{MaxAttempts: 3, MinDelay: 1, MaxDelay: 1}))
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Status(context.Background())
	require.Error(t, err)
	assert.ErrorIs(t, err, jupico.ErrCertificate)
	var cv *tls.CertificateVerificationError
	assert.ErrorAs(t, err, &cv, "the crypto/tls error stays reachable")
	var re *jupico.RequestError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 1, re.Attempts)
	assert.Zero(t, *served)
}

func TestHTTP2IsNegotiated(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Proto", r.Proto)
		_, _ = w.Write([]byte(`{"success":true}`))
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	var obs observed
	c := peerClient(t, srv, jupico.WithTransportMiddleware(obs.middleware))
	_, err := c.Status(context.Background())
	require.NoError(t, err)
	require.Len(t, obs.state, 1)
	assert.Equal(t, "h2", obs.state[0].NegotiatedProtocol)
}
