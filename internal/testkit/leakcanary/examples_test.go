package leakcanary_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"go/parser"
	"go/token"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// The example programs run as newcomers and operators run them, as
// separate processes, in three modes:
//
//   - fake: no JUPICO_ENV, so each program starts its own in-process fake;
//     the canary credentials and webhook secret are in the environment
//     anyway, as they would be on a deployed host.
//   - sandbox, username and password / sandbox, api key: JUPICO_ENV=sandbox
//     and the canaries in JUPICO_API_USERNAME/JUPICO_API_PASSWORD or
//     JUPICO_API_KEY. The programs then build their client as production
//     does (credentials.FromEnv, Jupico's sandbox host, system roots), and
//     HTTPS_PROXY plus SSL_CERT_FILE route them, over real TLS with a
//     certificate for Jupico's host name from a test CA, to a fake that
//     accepts exactly the canaries. Nothing leaves the machine.
//
// Every directory under examples/ holding a main package is run in every
// mode; runFlags passes flags to a program when it needs some.
var runFlags = map[string][]string{}

// certFileHonoured: Go reads SSL_CERT_FILE for its roots on Linux and the
// BSDs; on macOS and Windows it asks the system, which does not trust the
// test CA, so there the sandbox runs stop at the certificate (still checked
// for leaks) and cannot prove the canaries were sent.
var certFileHonoured = runtime.GOOS != "darwin" && runtime.GOOS != "ios" && runtime.GOOS != "windows"

const (
	exampleBuildTimeout = 5 * time.Minute
	exampleRunTimeout   = 2 * time.Minute
)

func TestExamplesLeakNoCanary(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs("../../..")
	require.NoError(t, err)
	names := examplePrograms(t, filepath.Join(root, "examples"))
	bin := buildExamples(t, root, names)
	ca := newTestCA(t)

	modes := []struct {
		name     string
		sandbox  bool
		user     string
		password string
		env      []string
	}{
		{name: "fake", env: []string{
			"JUPICO_API_USERNAME=" + canaryUser, "JUPICO_API_PASSWORD=" + canaryPassword, "JUPICO_WEBHOOK_SECRET=" + canaryWebhookSecret,
		}},
		{name: "sandbox, username and password", sandbox: true, user: canaryUser, password: canaryPassword, env: []string{
			"JUPICO_ENV=sandbox", "JUPICO_API_USERNAME=" + canaryUser, "JUPICO_API_PASSWORD=" + canaryPassword, "JUPICO_WEBHOOK_SECRET=" + canaryWebhookSecret,
		}},
		{name: "sandbox, api key", sandbox: true, user: keyUser, password: keyPassword, env: []string{
			"JUPICO_ENV=sandbox", "JUPICO_API_KEY=" + canaryAPIKey, "JUPICO_WEBHOOK_SECRET=" + canaryWebhookSecret,
		}},
	}
	for _, name := range names {
		readsEnv := mentionsInCode(t, filepath.Join(root, "examples", name), `"JUPICO_ENV"`)
		for _, m := range modes {
			t.Run(name+"/"+m.name, func(t *testing.T) {
				t.Parallel()
				env := append([]string(nil), m.env...)
				var fake *jupicotest.Server
				if m.sandbox {
					fake = jupicotest.NewServer(t, jupicotest.WithCredentials(m.user, m.password))
					env = append(env, sandboxRoute(t, ca, fake)...)
				}
				stdout, stderr, err := runExample(t, filepath.Join(bin, name), runFlags[name], env)
				t.Logf("%s exited with %v; %d bytes of stdout, %d of stderr", name, err, len(stdout), len(stderr))
				assertNoCanary(t, name+"'s stdout", stdout)
				assertNoCanary(t, name+"'s stderr", stderr)
				if !m.sandbox {
					assert.NoError(t, err, "%s fails against its own fake; stderr:\n%s", name, stderr)
					return
				}
				if readsEnv && certFileHonoured {
					// The program took the production path: the canaries
					// were read from the environment and sent.
					var used int
					for _, r := range fake.Requests() {
						if r.Username == m.user {
							used++
						}
					}
					assert.Positive(t, used, "%s never authenticated with the canary credentials; stderr:\n%s", name, stderr)
				}
			})
		}
	}
}

// examplePrograms lists the directories of dir whose non-test Go files
// declare package main.
func examplePrograms(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	fset := token.NewFileSet()
	var names []string
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") || e.Name() == "testdata" {
			continue
		}
		files, err := filepath.Glob(filepath.Join(dir, e.Name(), "*.go"))
		require.NoError(t, err)
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			file, err := parser.ParseFile(fset, f, nil, parser.PackageClauseOnly)
			require.NoError(t, err)
			if file.Name.Name == "main" {
				names = append(names, e.Name())
				break
			}
		}
	}
	require.NotEmpty(t, names, "no example programs under %s", dir)
	return names
}

// mentionsInCode reports whether a non-test Go file in dir contains s.
func mentionsInCode(t *testing.T, dir, s string) bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	require.NoError(t, err)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f) // #nosec G304 -- a file of this repository found by Glob
		require.NoError(t, err)
		if bytes.Contains(b, []byte(s)) {
			return true
		}
	}
	return false
}

// buildExamples builds every program with one go command into a temporary
// directory.
func buildExamples(t *testing.T, root string, names []string) string {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	require.NoError(t, err, "the go command is needed to build the examples")
	bin := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), exampleBuildTimeout)
	defer cancel()
	args := []string{"build", "-o", bin + string(filepath.Separator)}
	for _, n := range names {
		args = append(args, "./examples/"+n)
	}
	cmd := exec.CommandContext(ctx, goCmd, args...) // #nosec G204 -- the go command building this repository's examples
	cmd.Dir = root
	cmd.Env = baseEnv(nil)
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build failed:\n%s", out)
	return bin
}

// runExample runs one program from an empty directory with flags and
// extra added to a clean environment, and returns its output.
func runExample(t *testing.T, path string, flags, extra []string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), exampleRunTimeout)
	defer cancel()
	if runtime.GOOS == "windows" {
		path += ".exe"
	}
	cmd := exec.CommandContext(ctx, path, flags...) // #nosec G204 -- a program this test just built
	cmd.Dir = t.TempDir()
	cmd.Env = baseEnv(extra)
	cmd.WaitDelay = 10 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	require.NoError(t, ctx.Err(), "%s did not finish within %v", filepath.Base(path), exampleRunTimeout)
	return stdout.String(), stderr.String(), err
}

// baseEnv is this process's environment without JUPICO_ variables, proxy
// settings or certificate locations, plus extra.
func baseEnv(extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "JUPICO_"), strings.EqualFold(k, "HTTPS_PROXY"), strings.EqualFold(k, "HTTP_PROXY"),
			strings.EqualFold(k, "NO_PROXY"), k == "SSL_CERT_FILE", k == "SSL_CERT_DIR", k == "REQUEST_METHOD":
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

// testCA signs leaf certificates for Jupico's host names.
type testCA struct {
	cert    *x509.Certificate
	key     *ecdsa.PrivateKey
	pemFile string
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "jupico-go leak canary CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pemFile := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(pemFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	return &testCA{cert: cert, key: key, pemFile: pemFile}
}

func (ca *testCA) leaf(t *testing.T, hosts ...string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: hosts[0]}, DNSNames: hosts,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	require.NoError(t, err)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// sandboxRoute makes Jupico's host names lead to fake for a child process:
// a TLS front with a certificate for those names (from ca) that forwards to
// the fake, reached through a CONNECT proxy that refuses any other host. It
// returns the environment that routes a program there.
func sandboxRoute(t *testing.T, ca *testCA, fake *jupicotest.Server) []string {
	t.Helper()
	target, err := url.Parse(fake.URL())
	require.NoError(t, err)
	rp := &httputil.ReverseProxy{
		Rewrite:   func(pr *httputil.ProxyRequest) { pr.SetURL(target); pr.Out.Host = target.Host },
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: fake.CertPool(), MinVersion: tls.VersionTLS12}, ForceAttemptHTTP2: true},
		ErrorLog:  log.New(io.Discard, "", 0),
	}
	front := httptest.NewUnstartedServer(rp)
	front.TLS = &tls.Config{Certificates: []tls.Certificate{ca.leaf(t, "sandbox-platform.jupico.com", "platform.jupico.com")}, MinVersion: tls.VersionTLS12}
	front.EnableHTTP2 = true
	front.Config.ErrorLog = log.New(io.Discard, "", 0)
	front.StartTLS()
	t.Cleanup(func() {
		front.Close()
		rp.Transport.(*http.Transport).CloseIdleConnections()
	})

	p := &connectProxy{to: front.Listener.Addr().String()}
	proxy := httptest.NewServer(p)
	proxy.Config.ErrorLog = log.New(io.Discard, "", 0)
	t.Cleanup(func() {
		proxy.Close()
		p.wg.Wait()
	})
	return []string{"HTTPS_PROXY=" + proxy.URL, "NO_PROXY=", "SSL_CERT_FILE=" + ca.pemFile}
}

// connectProxy tunnels CONNECT requests for Jupico's hosts to one address
// and refuses everything else.
type connectProxy struct {
	to string
	wg sync.WaitGroup
}

func (p *connectProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host, _, _ := net.SplitHostPort(r.Host)
	if r.Method != http.MethodConnect || !strings.HasSuffix(host, ".jupico.com") {
		http.Error(w, "this proxy only tunnels to jupico.com", http.StatusForbidden)
		return
	}
	up, err := net.DialTimeout("tcp", p.to, 10*time.Second)
	if err != nil {
		http.Error(w, "upstream unreachable", http.StatusBadGateway)
		return
	}
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		_ = up.Close()
		return
	}
	if _, err := conn.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n")); err != nil {
		_ = conn.Close()
		_ = up.Close()
		return
	}
	p.wg.Add(2)
	go p.pipe(up, rw.Reader, conn, up) // rw.Reader holds anything read past the CONNECT
	go p.pipe(conn, up, conn, up)
}

// pipe copies src to dst, then closes both connections so the other
// direction ends too.
func (p *connectProxy) pipe(dst io.Writer, src io.Reader, a, b net.Conn) {
	defer p.wg.Done()
	// An error here is a tunnel torn down mid-stream, normal when the
	// program exits.
	_, _ = io.Copy(dst, src)
	_ = a.Close()
	_ = b.Close()
}
