package transport_test

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/jupico/jupico-go/internal/transport"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// connectProxy is a minimal HTTPS proxy: it answers CONNECT and copies
// bytes both ways, recording what passed through.
type connectProxy struct {
	ln      net.Listener
	mu      sync.Mutex
	targets []string
	seen    bytes.Buffer
	wg      sync.WaitGroup
}

func startProxy(t *testing.T) *connectProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &connectProxy{ln: ln}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(func() { _ = ln.Close(); p.wg.Wait() })
	return p
}

func (p *connectProxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			defer c.Close()
			br := bufio.NewReader(c)
			req, err := http.ReadRequest(br)
			if err != nil || req.Method != http.MethodConnect {
				return
			}
			p.mu.Lock()
			p.targets = append(p.targets, req.Host)
			p.mu.Unlock()
			up, err := net.Dial("tcp", req.Host)
			if err != nil {
				return
			}
			defer up.Close()
			_, _ = io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n")
			done := make(chan struct{})
			go func() {
				_, _ = io.Copy(up, io.TeeReader(br, p))
				_ = up.(*net.TCPConn).CloseWrite()
				close(done)
			}()
			_, _ = io.Copy(c, up)
			_ = c.Close()
			<-done
		}()
	}
}

func (p *connectProxy) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.seen.Write(b)
}

// Through a proxy, TLS still runs end to end to the server: the proxy sees
// a CONNECT and ciphertext, never the Authorization header or the body.
func TestProxyKeepsTLSEndToEnd(t *testing.T) {
	var got string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Get("Authorization")
		_, _ = w.Write([]byte("ok"))
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	p := startProxy(t)
	pool := srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	proxyURL := &url.URL{Scheme: "http", Host: p.ln.Addr().String()}
	tr := transport.New(transport.Options{RootCAs: pool, Proxy: http.ProxyURL(proxyURL)})
	defer tr.CloseIdleConnections()

	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/transactions/creditcard/sale", bytes.NewReader([]byte(`{"secret-body":"tok_123"}`)))
	req.Header.Set("Authorization", "Basic c2VjcmV0LXVzZXI6c2VjcmV0LXBhc3M=")
	resp, err := (&http.Client{Transport: tr}).Do(req)
	require.NoError(t, err)
	_, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NotNil(t, resp.TLS)
	assert.Equal(t, "Basic c2VjcmV0LXVzZXI6c2VjcmV0LXBhc3M=", got)
	assert.True(t, resp.TLS.Version >= tls.VersionTLS12)

	p.mu.Lock()
	defer p.mu.Unlock()
	assert.Equal(t, []string{srv.Listener.Addr().String()}, p.targets, "the proxy was asked to tunnel to the server")
	assert.NotZero(t, p.seen.Len(), "bytes went through the proxy")
	for _, plain := range []string{"Authorization", "c2VjcmV0", "secret-body", "tok_123", "/v1/transactions"} {
		assert.NotContains(t, p.seen.String(), plain, "the proxy saw %q in clear", plain)
	}
}

func TestTLSConfigIsStrict(t *testing.T) {
	cfg := transport.TLSConfig(nil, nil)
	assert.Equal(t, uint16(tls.VersionTLS12), cfg.MinVersion)
	assert.Zero(t, cfg.MaxVersion, "never capped: TLS 1.3 stays available")
	assert.False(t, cfg.InsecureSkipVerify)
	assert.NotNil(t, cfg.ClientSessionCache)
	for _, id := range cfg.CipherSuites {
		name := tls.CipherSuiteName(id)
		assert.Contains(t, name, "ECDHE", name)
		assert.NotContains(t, name, "CBC", name)
		assert.NotContains(t, name, "3DES", name)
	}
	tr := transport.New(transport.Options{})
	assert.True(t, tr.ForceAttemptHTTP2)
	assert.GreaterOrEqual(t, tr.MaxIdleConnsPerHost, 64)
	assert.NotZero(t, tr.TLSHandshakeTimeout)
	assert.NotZero(t, tr.ResponseHeaderTimeout)
	assert.NotZero(t, tr.IdleConnTimeout)
	assert.Zero(t, transport.New(transport.Options{ResponseHeaderTimeout: -1}).ResponseHeaderTimeout, "negative means none")
}
