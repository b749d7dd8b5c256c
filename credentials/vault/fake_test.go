package vault_test

import (
	"crypto/x509"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jupico/jupico-go/credentials/vault"
	"github.com/stretchr/testify/require"
)

// testToken is the token the fake accepts by default; it has the shape of
// a real service token so that the redaction of token-shaped text applies.
const testToken = "hvs.CAESIJtest0token0for0the0vault0fake0only"

// fakeVault is an in-process Vault over real TLS speaking the KV version 2
// HTTP API: GET /v1/<mount>/data/<path>[?version=N], X-Vault-Token,
// X-Vault-Namespace, {"errors":[...]} bodies, 404 for deleted versions.
type fakeVault struct {
	srv *httptest.Server

	mu        sync.Mutex
	token     string
	namespace string
	lease     int64
	mounts    map[string]bool
	secrets   map[string][]*fakeVersion // mount/path -> versions, oldest first
	faults    []fakeFault
	requests  []fakeRequest
	handler   http.HandlerFunc // replaces everything when set
}

type fakeVersion struct {
	raw       json.RawMessage
	created   time.Time
	deleted   bool
	destroyed bool
}

// fakeFault is one canned answer, served before the normal handling.
type fakeFault struct {
	status     int
	body       string
	retryAfter string
}

type fakeRequest struct {
	Path, Query, Token, Namespace, VaultRequest string
	At                                          time.Time
}

func newFakeVault() *fakeVault {
	f := &fakeVault{token: testToken, mounts: map[string]bool{"secret": true}, secrets: map[string][]*fakeVersion{}}
	f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
	f.srv.EnableHTTP2 = true
	f.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // handshakes refused on purpose
	f.srv.StartTLS()
	return f
}

// newTestVault starts a fake closed when the test ends.
func newTestVault(t testing.TB) *fakeVault {
	f := newFakeVault()
	t.Cleanup(f.Close)
	return f
}

func (f *fakeVault) Close()      { f.srv.Close() }
func (f *fakeVault) URL() string { return f.srv.URL }

func (f *fakeVault) CertPool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(f.srv.Certificate())
	return p
}

// options are the client options that point at the fake.
func (f *fakeVault) options() []vault.Option {
	return []vault.Option{
		vault.WithAddress(f.URL()),
		vault.WithToken(testToken),
		vault.WithRootCAs(f.CertPool()),
		vault.WithRetry(3, time.Millisecond, 5*time.Millisecond),
	}
}

// client returns a client for the fake, closed when the test ends; opts
// are applied after the defaults.
func (f *fakeVault) client(t testing.TB, opts ...vault.Option) *vault.Client {
	t.Helper()
	c, err := vault.NewClient(append(f.options(), opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func (f *fakeVault) setToken(tok string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.token = tok
}

func (f *fakeVault) setNamespace(ns string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.namespace = ns
}

func (f *fakeVault) setLease(seconds int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lease = seconds
}

func (f *fakeVault) setHandler(h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.handler = h
}

// put writes a new version of the secret, created now, and returns its
// version number.
func (f *fakeVault) put(mount, path string, data map[string]any) int {
	return f.putAt(mount, path, data, time.Now())
}

func (f *fakeVault) putAt(mount, path string, data map[string]any, created time.Time) int {
	raw, err := json.Marshal(data)
	if err != nil {
		panic(err)
	}
	return f.putRaw(mount, path, string(raw), created)
}

// putRaw writes a version whose data is the given JSON text, as is.
func (f *fakeVault) putRaw(mount, path, raw string, created time.Time) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := mount + "/" + path
	f.secrets[key] = append(f.secrets[key], &fakeVersion{raw: json.RawMessage(raw), created: created.UTC()})
	return len(f.secrets[key])
}

// deleteVersion soft-deletes one version (0: the latest).
func (f *fakeVault) deleteVersion(mount, path string, v int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	vs := f.secrets[mount+"/"+path]
	if v == 0 {
		v = len(vs)
	}
	vs[v-1].deleted = true
}

func (f *fakeVault) fail(faults ...fakeFault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, faults...)
}

func (f *fakeVault) requestLog() []fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeRequest(nil), f.requests...)
}

func writeVault(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func vaultErrors(msgs ...string) map[string]any {
	if msgs == nil {
		msgs = []string{}
	}
	return map[string]any{"errors": msgs}
}

func (f *fakeVault) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, fakeRequest{
		Path: r.URL.EscapedPath(), Query: r.URL.RawQuery,
		Token: r.Header.Get("X-Vault-Token"), Namespace: r.Header.Get("X-Vault-Namespace"),
		VaultRequest: r.Header.Get("X-Vault-Request"), At: time.Now(),
	})
	if h := f.handler; h != nil {
		f.mu.Unlock()
		h(w, r)
		return
	}
	if len(f.faults) > 0 {
		ft := f.faults[0]
		f.faults = f.faults[1:]
		f.mu.Unlock()
		if ft.retryAfter != "" {
			w.Header().Set("Retry-After", ft.retryAfter)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(ft.status)
		_, _ = w.Write([]byte(ft.body))
		return
	}
	defer f.mu.Unlock()

	if r.Method != http.MethodGet {
		writeVault(w, http.StatusMethodNotAllowed, vaultErrors("unsupported operation"))
		return
	}
	if r.Header.Get("X-Vault-Token") != f.token {
		writeVault(w, http.StatusForbidden, vaultErrors("permission denied"))
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/v1/")
	if !ok || f.namespace != r.Header.Get("X-Vault-Namespace") {
		writeVault(w, http.StatusNotFound, vaultErrors("no handler for route \""+rest+"\". route entry not found."))
		return
	}
	mount, path, ok := f.route(rest)
	if !ok {
		writeVault(w, http.StatusNotFound, vaultErrors("no handler for route \""+rest+"\". route entry not found."))
		return
	}
	versions := f.secrets[mount+"/"+path]
	if len(versions) == 0 {
		writeVault(w, http.StatusNotFound, vaultErrors())
		return
	}
	n := len(versions)
	if q := r.URL.Query().Get("version"); q != "" && q != "0" {
		v, err := strconv.Atoi(q)
		if err != nil || v < 1 || v > len(versions) {
			writeVault(w, http.StatusNotFound, vaultErrors())
			return
		}
		n = v
	}
	ver := versions[n-1]
	md := map[string]any{
		"created_time": ver.created.Format(time.RFC3339Nano), "custom_metadata": nil,
		"deletion_time": "", "destroyed": ver.destroyed, "version": n,
	}
	if ver.deleted || ver.destroyed {
		if ver.deleted {
			md["deletion_time"] = ver.created.Add(time.Second).Format(time.RFC3339Nano)
		}
		writeVault(w, http.StatusNotFound, map[string]any{"data": map[string]any{"data": nil, "metadata": md}})
		return
	}
	writeVault(w, http.StatusOK, map[string]any{
		"request_id": "8d7d1c4e-0000-4000-8000-000000000001", "lease_id": "", "renewable": false,
		"lease_duration": f.lease,
		"data":           map[string]any{"data": ver.raw, "metadata": md},
		"wrap_info":      nil, "warnings": nil, "auth": nil,
	})
}

// route splits "<mount>/data/<path>" on the longest known mount.
func (f *fakeVault) route(rest string) (mount, path string, ok bool) {
	mounts := make([]string, 0, len(f.mounts))
	for m := range f.mounts {
		mounts = append(mounts, m)
	}
	sort.Slice(mounts, func(i, j int) bool { return len(mounts[i]) > len(mounts[j]) })
	for _, m := range mounts {
		if p, ok := strings.CutPrefix(rest, m+"/data/"); ok && p != "" {
			return m, p, true
		}
	}
	return "", "", false
}
