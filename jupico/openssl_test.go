package jupico_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/internal/testkit/testproc"
	"github.com/jupico/jupico-go/jupico"
)

// The SDK's TLS policy checked against a TLS stack that is not Go's own:
// one `openssl s_server -www` per server configuration. Only TLS 1.2 with
// ECDHE and AES-GCM, and TLS 1.3, may connect; every other peer must be
// refused on the first attempt, and the error must say whether the TLS
// policy or the certificate was the reason.
//
// openssl is part of Debian (ca-certificates depends on it) and
// .ci/steps/05-openssl.sh installs it if absent. Without the binary the test
// fails when CI=true; elsewhere it runs the same table against Go's own TLS
// server with equivalent settings and says so in the log, so a machine with
// only Go still checks every assertion except the peer's implementation.

// pki is the set of certificates one test run generates.
type pki struct {
	roots *x509.CertPool
	// good is a leaf for 127.0.0.1 and localhost signed by the test CA.
	good, expired, otherHost, clientAuthOnly, selfSigned, ecdsaGood leafCert
}

// leafCert is a leaf certificate as files (for openssl) and as a
// tls.Certificate (for the Go fallback).
type leafCert struct {
	certFile, keyFile string
	pair              tls.Certificate
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	dir := t.TempDir()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               pkix.Name{CommonName: "jupico-go test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	require.NoError(t, err)
	ca, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)
	p := &pki{roots: x509.NewCertPool()}
	p.roots.AddCert(ca)

	// One RSA key serves every RSA leaf: a server offering RSA key exchange
	// needs an RSA certificate, and generating several keys only costs time.
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)

	leaf := func(name string, key crypto.Signer, mutate func(*x509.Certificate), selfSigned bool) leafCert {
		tmpl := &x509.Certificate{
			SerialNumber: serial(t),
			Subject:      pkix.Name{CommonName: name},
			NotBefore:    now.Add(-time.Hour),
			NotAfter:     now.Add(24 * time.Hour),
			DNSNames:     []string{"localhost"},
			IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
			KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
			ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		}
		if mutate != nil {
			mutate(tmpl)
		}
		signer, parent := crypto.Signer(caKey), ca
		if selfSigned {
			signer, parent = key, tmpl
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), signer)
		require.NoError(t, err)
		keyDER, err := x509.MarshalPKCS8PrivateKey(key)
		require.NoError(t, err)
		certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
		keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
		lc := leafCert{certFile: filepath.Join(dir, name+".crt"), keyFile: filepath.Join(dir, name+".key")}
		require.NoError(t, os.WriteFile(lc.certFile, certPEM, 0o600))
		require.NoError(t, os.WriteFile(lc.keyFile, keyPEM, 0o600))
		lc.pair, err = tls.X509KeyPair(certPEM, keyPEM)
		require.NoError(t, err)
		return lc
	}
	p.good = leaf("good", rsaKey, nil, false)
	p.ecdsaGood = leaf("good-ecdsa", ecKey, nil, false)
	p.expired = leaf("expired", rsaKey, func(c *x509.Certificate) {
		c.NotBefore, c.NotAfter = now.Add(-72*time.Hour), now.Add(-24*time.Hour)
	}, false)
	p.otherHost = leaf("other-host", rsaKey, func(c *x509.Certificate) {
		c.DNSNames, c.IPAddresses = []string{"payments.example.org"}, nil
	}, false)
	p.clientAuthOnly = leaf("client-auth-only", rsaKey, func(c *x509.Certificate) {
		c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	}, false)
	p.selfSigned = leaf("self-signed", rsaKey, nil, true)
	return p
}

func serial(t *testing.T) *big.Int {
	t.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	require.NoError(t, err)
	return n
}

// tlsPeerCase is one server configuration, as openssl s_server arguments
// and as the equivalent Go tls.Config for the fallback.
type tlsPeerCase struct {
	name    string
	leaf    func(*pki) leafCert
	openssl []string
	goTLS   *tls.Config
	// want is nil for a peer that must connect, else ErrTLSHandshake or
	// ErrCertificate.
	want error
	// x509 checks that errors.As reaches the certificate error's type.
	x509 func(*testing.T, error)
	// version and suite are what a connecting peer must negotiate (suite 0:
	// any suite the policy allows). For a peer refused by the TLS policy,
	// version is what it negotiates with a permissive client, which proves
	// the peer really offers what the case claims.
	version, suite uint16
}

// Debian's OpenSSL refuses TLS 1.0/1.1 and SHA-1 at its default security
// level, so the peers that must offer them lower it; the point is that the
// SDK refuses them, not that OpenSSL does.
const seclevel0 = "DEFAULT:@SECLEVEL=0"

func tlsPeerCases() []tlsPeerCase {
	good := func(p *pki) leafCert { return p.good }
	invalidReason := func(reason x509.InvalidReason) func(*testing.T, error) {
		return func(t *testing.T, err error) {
			var ci x509.CertificateInvalidError
			require.ErrorAs(t, err, &ci)
			assert.Equal(t, reason, ci.Reason)
		}
	}
	return []tlsPeerCase{
		{
			name: "tls1.0 only", leaf: good, want: jupico.ErrTLSHandshake, version: tls.VersionTLS10,
			openssl: []string{"-tls1", "-cipher", seclevel0},
			goTLS:   &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS10},
		},
		{
			name: "tls1.1 only", leaf: good, want: jupico.ErrTLSHandshake, version: tls.VersionTLS11,
			openssl: []string{"-tls1_1", "-cipher", seclevel0},
			goTLS:   &tls.Config{MinVersion: tls.VersionTLS11, MaxVersion: tls.VersionTLS11},
		},
		{
			name: "tls1.2 rsa key exchange only", leaf: good, want: jupico.ErrTLSHandshake, version: tls.VersionTLS12,
			openssl: []string{"-tls1_2", "-cipher", "AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA:AES256-SHA256:@SECLEVEL=0"},
			goTLS: &tls.Config{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{
				tls.TLS_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_RSA_WITH_AES_256_GCM_SHA384, tls.TLS_RSA_WITH_AES_128_CBC_SHA,
			}},
		},
		{
			name: "tls1.2 ecdhe cbc only", leaf: good, want: jupico.ErrTLSHandshake, version: tls.VersionTLS12,
			openssl: []string{"-tls1_2", "-cipher", "ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA:ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES256-SHA384:@SECLEVEL=0"},
			goTLS: &tls.Config{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{
				tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
			}},
		},
		{
			name: "tls1.2 ecdhe-rsa aes-gcm", leaf: good,
			openssl: []string{"-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"},
			goTLS: &tls.Config{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{
				tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
			}},
			version: tls.VersionTLS12, suite: tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		},
		{
			name: "tls1.2 ecdhe-ecdsa aes-gcm", leaf: func(p *pki) leafCert { return p.ecdsaGood },
			openssl: []string{"-tls1_2", "-cipher", "ECDHE-ECDSA-AES256-GCM-SHA384"},
			goTLS: &tls.Config{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{
				tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
			}},
			version: tls.VersionTLS12, suite: tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
		},
		{
			name: "tls1.3", leaf: good,
			openssl: []string{"-tls1_3"},
			goTLS:   &tls.Config{MinVersion: tls.VersionTLS13},
			version: tls.VersionTLS13,
		},
		{
			name: "expired certificate", leaf: func(p *pki) leafCert { return p.expired }, want: jupico.ErrCertificate,
			x509:  invalidReason(x509.Expired),
			goTLS: &tls.Config{},
		},
		{
			name: "certificate for another host", leaf: func(p *pki) leafCert { return p.otherHost }, want: jupico.ErrCertificate,
			x509: func(t *testing.T, err error) {
				var he x509.HostnameError
				require.ErrorAs(t, err, &he)
				assert.Equal(t, "127.0.0.1", he.Host)
			},
			goTLS: &tls.Config{},
		},
		{
			name: "self-signed certificate the client does not trust", leaf: func(p *pki) leafCert { return p.selfSigned }, want: jupico.ErrCertificate,
			x509: func(t *testing.T, err error) {
				var ua x509.UnknownAuthorityError
				require.ErrorAs(t, err, &ua)
			},
			goTLS: &tls.Config{},
		},
		{
			name: "certificate for client auth only", leaf: func(p *pki) leafCert { return p.clientAuthOnly }, want: jupico.ErrCertificate,
			x509:  invalidReason(x509.IncompatibleUsage),
			goTLS: &tls.Config{},
		},
		{
			name: "expired certificate over tls1.2", leaf: func(p *pki) leafCert { return p.expired }, want: jupico.ErrCertificate,
			openssl: []string{"-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"},
			x509:    invalidReason(x509.Expired),
			goTLS:   &tls.Config{MaxVersion: tls.VersionTLS12},
		},
	}
}

// policySuites is what the SDK may negotiate: the TLS 1.2 ECDHE-AEAD suites
// and TLS 1.3's.
var policySuites = map[uint16]bool{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: true, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: true,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: true, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: true,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: true, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: true,
	tls.TLS_AES_128_GCM_SHA256: true, tls.TLS_AES_256_GCM_SHA384: true, tls.TLS_CHACHA20_POLY1305_SHA256: true,
}

func TestOpenSSLPeers(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("openssl not found (%v); CI must run this test against it: apt-get install -y openssl", err)
		}
		t.Logf("openssl not found (%v): running the same peers on Go's TLS server instead; CI=true makes this a failure", err)
		bin = ""
	}
	p := newPKI(t)
	for _, tc := range tlsPeerCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			leaf := tc.leaf(p)
			var base string
			if bin != "" {
				base = startOpenSSL(t, bin, leaf, tc.openssl)
			} else {
				cfg := tc.goTLS.Clone()
				cfg.Certificates = []tls.Certificate{leaf.pair}
				srv, _ := tlsPeer(t, cfg)
				base = srv.URL
			}
			var attempts atomic.Int32
			var obs observed
			c, err := jupico.NewClient(
				jupico.WithBaseURL(base),
				jupico.WithRootCAs(p.roots),
				jupico.WithCredentials(credentials.Static("openssl-peer", "not-a-secret")),
				jupico.WithRetry(jupico.RetryPolicy{MaxAttempts: 3, MinDelay: time.Millisecond, MaxDelay: time.Millisecond}),
				jupico.WithTimeout(10*time.Second),
				jupico.WithTransportMiddleware(obs.middleware),
				jupico.WithTransportMiddleware(countAttempts(&attempts)),
			)
			require.NoError(t, err)
			defer c.Close()

			st, err := c.Status(context.Background())
			if tc.want == nil {
				require.NoError(t, err, "a peer within the policy must connect")
				assert.True(t, st.Online)
				assert.EqualValues(t, 1, attempts.Load())
				obs.mu.Lock()
				defer obs.mu.Unlock()
				require.Len(t, obs.state, 1)
				got := obs.state[0]
				assert.Equal(t, tls.VersionName(tc.version), tls.VersionName(got.Version))
				assert.True(t, policySuites[got.CipherSuite], "negotiated %s, outside the policy", tls.CipherSuiteName(got.CipherSuite))
				if tc.suite != 0 {
					assert.Equal(t, tls.CipherSuiteName(tc.suite), tls.CipherSuiteName(got.CipherSuite))
				}
				return
			}
			require.Error(t, err)
			assert.Nil(t, st)
			t.Logf("refused as expected: %v", err)
			assert.ErrorIs(t, err, tc.want)
			other := jupico.ErrCertificate
			if tc.want == jupico.ErrCertificate {
				other = jupico.ErrTLSHandshake
			}
			assert.NotErrorIs(t, err, other, "a refusal is one class or the other, never both")
			assert.NotErrorIs(t, err, jupico.ErrConnection)
			var re *jupico.RequestError
			require.ErrorAs(t, err, &re)
			assert.Equal(t, 1, re.Attempts, "a refused handshake is never retried")
			assert.EqualValues(t, 1, attempts.Load(), "one attempt reached the transport")
			assert.False(t, re.MaybeProcessed, "nothing was sent over a refused handshake")
			if tc.want == jupico.ErrTLSHandshake {
				requirePeerOffers(t, base, p.roots, tc.version)
			}
			if tc.x509 != nil {
				var cv *tls.CertificateVerificationError
				assert.ErrorAs(t, err, &cv)
				tc.x509(t, err)
			}
			obs.mu.Lock()
			defer obs.mu.Unlock()
			assert.Empty(t, obs.state, "no response arrived")
		})
	}
}

// requirePeerOffers proves that the peer at base is a working TLS server
// that negotiates version, and only suites outside the SDK's policy, with a
// client that allows everything Go still implements.
func requirePeerOffers(t *testing.T, base string, roots *x509.CertPool, version uint16) {
	t.Helper()
	var all []uint16
	for _, s := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		all = append(all, s.ID)
	}
	d := tls.Dialer{Config: &tls.Config{
		RootCAs: roots, ServerName: "127.0.0.1", CipherSuites: all,
		MinVersion: tls.VersionTLS10, // #nosec G402 -- test-only control client that must reach weak peers to prove they are weak
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := d.DialContext(ctx, "tcp", strings.TrimPrefix(base, "https://"))
	require.NoError(t, err, "control handshake: the peer must work for a permissive client")
	defer conn.Close()
	st := conn.(*tls.Conn).ConnectionState()
	assert.Equal(t, tls.VersionName(version), tls.VersionName(st.Version), "control handshake version")
	assert.False(t, policySuites[st.CipherSuite], "control handshake negotiated %s, which the policy allows", tls.CipherSuiteName(st.CipherSuite))
}

func countAttempts(n *atomic.Int32) func(http.RoundTripper) http.RoundTripper {
	return func(next http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			n.Add(1)
			return next.RoundTrip(r)
		})
	}
}

// acceptLine is what s_server prints once it listens: "ACCEPT 127.0.0.1:port".
var acceptLine = regexp.MustCompile(`(?m)^ACCEPT (127\.0\.0\.1:[0-9]+)\s*$`)

// startOpenSSL runs `openssl s_server -www` on a free loopback port with
// leaf and args, and returns its base URL. The server is killed when the
// test ends.
func startOpenSSL(t *testing.T, bin string, leaf leafCert, args []string) string {
	t.Helper()
	full := append([]string{"s_server", "-accept", "127.0.0.1:0", "-www", "-cert", leaf.certFile, "-key", leaf.keyFile}, args...)
	cmd := exec.Command(bin, full...) // #nosec G204 -- test-only: the binary comes from PATH and the arguments are the test's own constants
	out := &watchBuffer{seen: make(chan struct{}, 1)}
	var stderr testproc.Buffer
	cmd.Stdout, cmd.Stderr = out, &stderr
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	deadline := time.NewTimer(15 * time.Second)
	defer deadline.Stop()
	for {
		if m := acceptLine.FindStringSubmatch(out.String()); m != nil {
			return "https://" + m[1]
		}
		select {
		case <-out.seen:
		case err := <-exited:
			exited <- err
			t.Fatalf("openssl s_server %v exited before listening: %v\nstderr: %s", args, err, stderr.String())
		case <-deadline.C:
			t.Fatalf("openssl s_server %v did not listen within 15 s\nstdout: %s\nstderr: %s", args, out.String(), stderr.String())
		}
	}
}

// watchBuffer is a buffer safe for concurrent use that signals each write.
type watchBuffer struct {
	mu   sync.Mutex
	b    bytes.Buffer
	seen chan struct{}
}

func (w *watchBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	n, err := w.b.Write(p)
	w.mu.Unlock()
	select {
	case w.seen <- struct{}{}:
	default:
	}
	return n, err
}

func (w *watchBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}
