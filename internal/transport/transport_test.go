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

func clearProxyEnv(t *testing.T) {
	t.Helper()
	for _, k := range []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "REQUEST_METHOD", "ALL_PROXY", "all_proxy"} {
		t.Setenv(k, "")
	}
}

// A proxy variable that does not parse is an error that names the
// variable and never its value, where net/http would silently go direct.
func TestProxyFromEnvironmentRefusesWhatDoesNotParse(t *testing.T) {
	target, _ := url.Parse("https://platform.jupico.com/v1/status")
	for _, tc := range []struct{ name, value string }{
		{"HTTPS_PROXY", "http://user:pa%ss@proxy.corp:3128"}, // net/http goes direct
		{"https_proxy", "%zz-secret"},
		{"HTTPS_PROXY", "http://us er:secret@proxy.corp:3128"},
		{"HTTPS_PROXY", "http://"},
		{"HTTPS_PROXY", "ftp://user:secret@proxy.corp"},
		{"HTTPS_PROXY", "http://proxy.corp:port-secret"},
		{"HTTP_PROXY", "http://user:pa%ss@proxy.corp:3128"},
	} {
		clearProxyEnv(t)
		t.Setenv(tc.name, tc.value)
		_, err := transport.ProxyFromEnvironment()
		require.ErrorIs(t, err, transport.ErrInvalidProxy, "%s=%s", tc.name, tc.value)
		assert.Contains(t, err.Error(), tc.name)
		for _, secret := range []string{"user", "pa%ss", "secret", "proxy.corp", tc.value} {
			assert.NotContains(t, err.Error(), secret, "the error repeats part of the value")
		}
		// The transport built anyway fails closed: no request goes direct.
		tr := transport.New(transport.Options{})
		_, perr := tr.Proxy(&http.Request{URL: target})
		if tc.name != "HTTP_PROXY" {
			require.ErrorIs(t, perr, transport.ErrInvalidProxy)
		}
	}
}

func TestProxyFromEnvironmentChoosesLikeNetHTTP(t *testing.T) {
	jupico, _ := url.Parse("https://platform.jupico.com/v1/status")
	loop, _ := url.Parse("https://127.0.0.1:8443/v1/status")
	for _, tc := range []struct {
		env              map[string]string
		target           *url.URL
		want             string // the proxy, "" for direct
		egressContains   string
		egressNotContain string
	}{
		{nil, jupico, "", "direct", ""},
		{map[string]string{"HTTPS_PROXY": "http://user:secret@proxy.corp:3128"}, jupico, "http://user:secret@proxy.corp:3128", "proxy http://proxy.corp:3128 (HTTPS_PROXY)", "secret"},
		{map[string]string{"https_proxy": "proxy.corp:3128"}, jupico, "http://proxy.corp:3128", "proxy http://proxy.corp:3128 (https_proxy)", ""},
		{map[string]string{"HTTPS_PROXY": "https://proxy.corp"}, jupico, "https://proxy.corp", "proxy https://proxy.corp:443", ""},
		{map[string]string{"HTTPS_PROXY": "http://proxy.corp:3128"}, loop, "", "is loopback or listed in NO_PROXY", ""},
		{map[string]string{"HTTPS_PROXY": "http://proxy.corp:3128", "NO_PROXY": ".jupico.com"}, jupico, "", "direct", ""},
		{map[string]string{"HTTPS_PROXY": "http://proxy.corp:3128", "no_proxy": "platform.jupico.com:443"}, jupico, "", "direct", ""},
		{map[string]string{"HTTPS_PROXY": "http://proxy.corp:3128", "NO_PROXY": "platform.jupico.com:8443,10.0.0.0/8"}, jupico, "http://proxy.corp:3128", "proxy", ""},
		{map[string]string{"HTTPS_PROXY": "http://proxy.corp:3128", "NO_PROXY": "*"}, jupico, "", "direct", ""},
		{map[string]string{"HTTP_PROXY": "http://proxy.corp:3128"}, jupico, "", "https requests only use HTTPS_PROXY", ""},
	} {
		clearProxyEnv(t)
		for k, v := range tc.env {
			t.Setenv(k, v)
		}
		p, err := transport.ProxyFromEnvironment()
		require.NoError(t, err, tc.env)
		got, err := p.For(tc.target)
		require.NoError(t, err)
		if tc.want == "" {
			assert.Nil(t, got, tc.env)
		} else if assert.NotNil(t, got, tc.env) {
			assert.Equal(t, tc.want, got.String())
		}
		e := p.Egress(tc.target)
		assert.Contains(t, e, tc.egressContains, tc.env)
		if tc.egressNotContain != "" {
			assert.NotContains(t, e, tc.egressNotContain)
		}
	}
}
