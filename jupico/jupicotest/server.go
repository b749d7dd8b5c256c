package jupicotest

import (
	"bytes"
	"context"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/internal/wire"
	"github.com/jupico/jupico-go/jupico"
)

// Default credentials the fake accepts until SetCredentials changes them.
const (
	DefaultUsername = "jupicotest"
	DefaultPassword = "jupicotest-password"
)

// maxRecorded and maxRecordedBytes bound the request log so a
// long-running fake stays small: at most 10,000 requests, whose bodies
// take at most 32 MiB in all.
const (
	maxRecorded      = 10000
	maxRecordedBytes = 32 << 20
)

// maxRequestBytes is the largest request body the fake reads.
const maxRequestBytes = 1 << 20

// maxStreams is how many requests one HTTP/2 connection to the fake may
// have in flight at once.
const maxStreams = 1000

// Server is an in-process fake of Jupico's API over real TLS on loopback.
// It enforces Basic auth and the application/json content type with the
// documented 401 codes and serves the SDK's wire contract. All methods are
// safe for concurrent use.
type Server struct {
	t   testing.TB
	srv *httptest.Server

	mu       sync.Mutex
	keys     []apiKey // accepted now; the last is the newest
	requests []Request
	recBytes int // the memory the bodies in requests hold
	refused  int // requests answered 401 before being recorded
	faults   []*Injection
	handlers map[string]http.HandlerFunc
	ledger   *ledger
	plat     *store // the platform resources, see platform.go
	queryLag time.Duration
	drifts   map[string]*driftSpec // by operation name, see drift.go
	reqSeq   atomic.Uint64
	conns    atomic.Int64

	whOnce sync.Once
	wh     webhookState // see deliver.go

	listen listenConfig // see listen.go

	settleAfter time.Duration // see settle.go
}

// Request is what the fake recorded of one request it received.
type Request struct {
	Method string
	Path   string
	// Username is the Basic-auth user the request carried, "" if none.
	Username string
	// ContentType and UserAgent are the request's headers of those names.
	ContentType string
	UserAgent   string
	Body        []byte
	// Protocol is "HTTP/1.1" or "HTTP/2.0".
	Protocol string
}

// Option configures a Server. Options validate their input: New returns
// the first error, which matches jupico.ErrInvalidOption, NewServer fails
// the test with it, and Start panics with it. A nil option is an error.
type Option func(*Server) error

// invalid is a configuration error of the fake.
func invalid(what string) error {
	return fmt.Errorf("%w: jupicotest: %s", jupico.ErrInvalidOption, what)
}

// WithCredentials makes the fake accept username and password instead of
// the defaults; neither may be empty.
func WithCredentials(username, password string) Option {
	return func(s *Server) error {
		if username == "" || password == "" {
			return invalid("WithCredentials needs a username and a password")
		}
		s.keys = []apiKey{{username, password}}
		return nil
	}
}

// NewServer starts a fake on loopback for the test t and closes it when the
// test ends. A bad option fails the test.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s, err := start(t, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// New starts a fake without a testing.T, for programs such as the jupico
// command's fake server. It fails with an error matching
// jupico.ErrInvalidOption on a bad option. The caller must Close it.
func New(opts ...Option) (*Server, error) { return start(nil, opts) }

// Start is New for examples and benchmarks, where a bad option is a
// programming error: it panics with New's error. The caller must Close it.
func Start(opts ...Option) *Server {
	s, err := start(nil, opts)
	if err != nil {
		panic(err)
	}
	return s
}

func start(t testing.TB, opts []Option) (*Server, error) {
	s := &Server{t: t, keys: []apiKey{{DefaultUsername, DefaultPassword}}, handlers: map[string]http.HandlerFunc{}}
	for _, o := range opts {
		if o == nil {
			return nil, invalid("nil option")
		}
		if err := o(s); err != nil {
			return nil, err
		}
	}
	s.routes()
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	s.applyListen()
	s.srv.EnableHTTP2 = true
	// Go's HTTP/2 server runs 250 handlers per connection by default and
	// closes the connection (ENHANCE_YOUR_CALM) once more than four times
	// that many streams wait to start, which a burst of a thousand sales
	// with cancellations can reach under the race detector: every sale in
	// flight would then fail with the connection. A test of the client
	// should meet its own faults, not the fake's stream limit.
	s.srv.Config.HTTP2 = &http.HTTP2Config{MaxConcurrentStreams: maxStreams}
	// Clients that drop connections (tests of timeouts, benchmarks of
	// small pools) make net/http log handshake EOFs: noise, not findings.
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.srv.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.srv.StartTLS()
	return s, nil
}

// Close shuts the fake down, closing its connections.
func (s *Server) Close() { s.srv.Close() }

// Connections is how many TCP connections (each with a full TLS handshake
// unless resumed) clients have opened to the fake, to check that a client
// reuses its connections.
func (s *Server) Connections() int64 { return s.conns.Load() }

// URL is the fake's https base URL, for jupico.WithBaseURL.
func (s *Server) URL() string { return s.srv.URL }

// Certificate is the fake's self-signed TLS certificate.
func (s *Server) Certificate() *x509.Certificate { return s.srv.Certificate() }

// CertPool is a pool holding only the fake's certificate, for
// jupico.WithRootCAs.
func (s *Server) CertPool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(s.srv.Certificate())
	return p
}

// apiKey is one username and password the fake accepts.
type apiKey struct{ username, password string }

// Credentials returns a provider of the newest credentials the fake
// accepts (those of the last SetCredentials or AddCredentials).
func (s *Server) Credentials() credentials.Provider {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.keys[len(s.keys)-1]
	return credentials.Static(k.username, k.password)
}

// SetCredentials changes the credentials the fake accepts, as revoking
// every other key at Jupico would: from now on only these work.
func (s *Server) SetCredentials(username, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = []apiKey{{username, password}}
}

// AddCredentials makes the fake accept username and password as well as
// the keys it accepts now, as creating a new API key in Jupico's Backoffice
// does. With SetCredentials it plays a whole rotation: add the new key,
// publish it where the client reads its credentials, then set it alone.
func (s *Server) AddCredentials(username, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range s.keys {
		if k.username == username && k.password == password {
			return
		}
	}
	s.keys = append(s.keys, apiKey{username, password})
}

// accepts reports whether user and pass are one of the accepted keys. It
// compares with every key in constant time. s.mu must be held.
func (s *Server) accepts(user, pass string) bool {
	ok := 0
	for _, k := range s.keys {
		ok |= subtle.ConstantTimeCompare([]byte(user), []byte(k.username)) & subtle.ConstantTimeCompare([]byte(pass), []byte(k.password))
	}
	return ok == 1
}

// ClientOptions returns the options that point a client at the fake: its
// base URL, its certificate as the only trusted root, and its credentials.
func (s *Server) ClientOptions() []jupico.Option {
	return []jupico.Option{
		jupico.WithBaseURL(s.URL()),
		jupico.WithRootCAs(s.CertPool()),
		jupico.WithCredentials(s.Credentials()),
	}
}

// NewClient returns a client for the fake; opts are applied after
// ClientOptions and may override them.
func (s *Server) NewClient(opts ...jupico.Option) (*jupico.Client, error) {
	return jupico.NewClient(append(s.ClientOptions(), opts...)...)
}

// Client is NewClient for tests: a configuration error fails the test (or,
// for a Server made by Start, panics, since it is a programming error). For
// a Server made by NewServer the client is closed when the test ends.
func (s *Server) Client(opts ...jupico.Option) *jupico.Client {
	c, err := s.NewClient(opts...)
	if err != nil {
		if s.t != nil {
			s.t.Helper()
			s.t.Fatalf("jupicotest: client: %v", err)
		}
		panic(fmt.Sprintf("jupicotest: client: %v", err))
	}
	if s.t != nil {
		s.t.Cleanup(func() { _ = c.Close() })
	}
	return c
}

// Requests returns a copy of the requests received so far, oldest first:
// those that passed the auth and content-type checks (a request answered
// 401 is not recorded, see Refused). The record is bounded: it keeps the
// newest 10,000 requests whose bodies fit in 32 MiB in all, the oldest
// dropped first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// RequestsTo returns the recorded requests whose path is path.
func (s *Server) RequestsTo(path string) []Request {
	var out []Request
	for _, r := range s.Requests() {
		if r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// Refused is how many requests the fake answered 401 (no or wrong
// credentials, another content type) since it started or was Reset. They
// are not in Requests and never take a fault.
func (s *Server) Refused() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refused
}

// Reset forgets recorded requests, the count of refused ones and pending
// faults.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests, s.recBytes, s.refused, s.faults = nil, 0, 0, nil
}

// record appends rec to the request log, dropping the oldest requests
// beyond maxRecorded or maxRecordedBytes. s.mu must be held.
func (s *Server) record(rec Request) {
	for len(s.requests) > 0 && (len(s.requests) >= maxRecorded || s.recBytes+cap(rec.Body) > maxRecordedBytes) {
		s.recBytes -= cap(s.requests[0].Body)
		s.requests[0] = Request{} // its body is freed now, not when the array is
		s.requests = s.requests[1:]
	}
	s.recBytes += cap(rec.Body)
	s.requests = append(s.requests, rec)
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set(wire.HeaderRequestID, fmt.Sprintf("req_%08d", s.reqSeq.Add(1)))
	// Jupico's documented auth and content-type checks come first, before
	// the body is read, the request recorded or a fault taken: a request
	// without the key costs the fake nothing and changes nothing.
	user, pass, hasAuth := r.BasicAuth()
	s.mu.Lock()
	authorized := s.accepts(user, pass)
	s.mu.Unlock()
	refuse := func(code, msg string) {
		s.mu.Lock()
		s.refused++
		s.mu.Unlock()
		writeError(w, http.StatusUnauthorized, code, msg)
	}
	switch {
	case !hasAuth:
		refuse(wire.CodeAuthHeaderNotPresent, "authorization header not present")
		return
	case !strings.EqualFold(strings.TrimSpace(strings.Split(r.Header.Get("Content-Type"), ";")[0]), wire.ContentTypeJSON):
		refuse(wire.CodeAuthInvalidContentType, "invalid content type (expected: application/json)")
		return
	case !authorized:
		refuse(wire.CodeAuthInvalidAPIToken, "invalid api token")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBytes))
	if err != nil {
		writeError(w, http.StatusBadRequest, wire.CodeInvalidPayload, "request body too large or unreadable")
		return
	}
	rec := Request{
		Method: r.Method, Path: r.URL.Path, Username: user, ContentType: r.Header.Get("Content-Type"),
		UserAgent: r.UserAgent(), Body: body, Protocol: r.Proto,
	}
	s.mu.Lock()
	s.record(rec)
	f := s.takeFault(&rec)
	h := s.drifted(r.Method+" "+r.URL.Path, s.handlers[r.Method+" "+r.URL.Path])
	s.mu.Unlock()

	r.Body = io.NopCloser(bytes.NewReader(body))
	r = r.WithContext(context.WithValue(r.Context(), bodyKey{}, body))
	if f != nil {
		f.serve(w, r, h)
		return
	}
	if h == nil {
		writeError(w, http.StatusNotFound, wire.CodeWrongURL, "resource not found")
		return
	}
	h(w, r)
}

func (s *Server) routes() {
	s.handlers["GET "+wire.Status.Path] = func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, wire.Envelope{Success: true, Status: wire.StatusSucceeded, Data: json.RawMessage(`{"status":"online"}`)})
	}
	s.transactionRoutes()
	s.plat = newStore()
	s.onboardingRoutes()
	s.billingRoutes()
	s.moneyRoutes()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", wire.ContentTypeJSON)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	var b bytes.Buffer
	writeErrorTo(&b, w.Header(), status, code, msg)
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// writeErrorTo renders Jupico's error envelope into b and sets h's
// content type. A 400 without a code is a "failed" transaction.
func writeErrorTo(b *bytes.Buffer, h http.Header, status int, code, msg string) {
	env := wire.Envelope{Success: false, Error: &wire.ErrorBody{Code: code, Message: msg}}
	if status == http.StatusBadRequest && code == "" {
		env.Status = wire.StatusFailed
		env.Error = nil
	}
	out, _ := json.Marshal(env)
	b.Write(out)
	h.Set("Content-Type", wire.ContentTypeJSON)
}

// BasicAuthHeader returns the Authorization header value for username and
// password, for tests that build requests by hand.
func BasicAuthHeader(username, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(username+":"+password))
}
