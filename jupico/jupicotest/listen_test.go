package jupicotest_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// testCA issues a certificate for host and 127.0.0.1 from a fresh CA, and
// returns both.
func testCA(t *testing.T, host string) (*x509.CertPool, tls.Certificate) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ca := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	caCert, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: host}, DNSNames: []string{host}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	return pool, tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func TestWithListenerAndCertificate(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	pool, cert := testCA(t, "localhost")
	srv := jupicotest.NewServer(t, jupicotest.WithListener(l), jupicotest.WithCertificate(cert))
	assert.Equal(t, "https://"+l.Addr().String(), srv.URL(), "serves on the listener given")

	// A client that trusts the CA reaches the fake by the name in its
	// certificate.
	_, port, err := net.SplitHostPort(l.Addr().String())
	require.NoError(t, err)
	c, err := jupico.NewClient(jupico.WithBaseURL("https://localhost:"+port), jupico.WithRootCAs(pool),
		jupico.WithCredentials(srv.Credentials()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	st, err := c.Status(context.Background())
	require.NoError(t, err)
	assert.True(t, st.Online)
	assert.Equal(t, "localhost", srv.Certificate().Subject.CommonName)

	// The fake's own client options still work: they trust its leaf, which
	// names the address of its URL.
	_, err = srv.Client().Status(context.Background())
	require.NoError(t, err)

	srv.Close()
	_, err = net.Dial("tcp", l.Addr().String())
	assert.Error(t, err, "Close closes the listener")
}

// Without the options the fake keeps its defaults: loopback and the
// built-in certificate.
func TestDefaultListener(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	assert.Contains(t, srv.URL(), "https://127.0.0.1:")
	assert.Contains(t, srv.Certificate().DNSNames, "example.com")
}
