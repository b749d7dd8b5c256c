package jupicotest

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Fault makes the fake misbehave for the requests a Matcher selects. The
// zero Fault does nothing. Authentication is always checked first, as Jupico
// does, so a fault never hides a 401.
type Fault struct {
	// Status, when non-zero, answers with this HTTP status and Jupico's
	// error envelope carrying Code and Message. A 400 with an empty Code
	// is a "failed" transaction (status "failed"), which Jupico says must
	// be rolled back.
	Status  int
	Code    string
	Message string
	// RetryAfter, when non-empty, is sent as the Retry-After header.
	RetryAfter string
	// Header adds response headers, such as Location for a redirect.
	Header http.Header
	// ContentType, when non-empty, replaces the response's Content-Type.
	ContentType string
	// Body, when non-nil, is sent as is instead of the normal answer.
	Body []byte
	// BodySize, when positive, sends that many bytes of junk as the body
	// (streamed, never held in memory), to test response caps.
	BodySize int64
	// Delay waits this long (or until the client goes away) before
	// answering.
	Delay time.Duration
	// DropConnection closes the connection after reading the request,
	// without answering.
	DropConnection bool
	// ResetAfter, when positive, sends the status line, headers and the
	// first ResetAfter bytes of the body, then resets the connection.
	ResetAfter int
	// Drip sends the body one byte at a time, waiting Drip between bytes.
	Drip time.Duration
	// AfterProcessing lets the request be processed first (a sale is
	// recorded in the ledger, money moves) and only then applies the fault
	// to the answer: the realistic case of an outcome the client cannot
	// know. Without it the fault replaces processing.
	AfterProcessing bool
	// Times is how many requests the fault applies to; zero means every
	// matching request until Remove or Reset.
	Times int
}

// ProcessThenError is the fault of a request Jupico processed (money
// moved) whose answer was then an error status, such as 500: the outcome
// the client cannot know.
func ProcessThenError(status int) Fault { return Fault{AfterProcessing: true, Status: status} }

// ProcessThenDrop is the fault of a request Jupico processed whose
// connection then broke before any answer.
func ProcessThenDrop() Fault { return Fault{AfterProcessing: true, DropConnection: true} }

// Matcher selects the requests a fault applies to. It sees the request as
// the fake recorded it (method, path, user, body).
type Matcher func(r *Request) bool

// Path matches requests to path, e.g. "/v1/transactions/creditcard/sale".
func Path(path string) Matcher { return func(r *Request) bool { return r.Path == path } }

// BodyContains matches requests whose body contains s, e.g. an amount
// (`"amount":19.99`) or a reference.
func BodyContains(s string) Matcher {
	return func(r *Request) bool { return bytes.Contains(r.Body, []byte(s)) }
}

// And matches requests that every matcher matches.
func And(ms ...Matcher) Matcher {
	return func(r *Request) bool {
		for _, m := range ms {
			if !m(r) {
				return false
			}
		}
		return true
	}
}

// Injection is a fault in force. Its methods are safe for concurrent use.
type Injection struct {
	s     *Server
	match Matcher
	f     Fault
	left  int // guarded by s.mu; -1 means unlimited
	hits  atomic.Int64
}

// Hits is how many requests the fault has applied to.
func (in *Injection) Hits() int { return int(in.hits.Load()) }

// Remove withdraws the fault.
func (in *Injection) Remove() {
	in.s.mu.Lock()
	defer in.s.mu.Unlock()
	for i, x := range in.s.faults {
		if x == in {
			in.s.faults = append(in.s.faults[:i:i], in.s.faults[i+1:]...)
			return
		}
	}
}

// Inject makes the requests m selects misbehave as f says. Faults are tried
// in the order they were added; the first that matches applies.
func (s *Server) Inject(m Matcher, f Fault) *Injection {
	in := &Injection{s: s, match: m, f: f, left: f.Times}
	if f.Times <= 0 {
		in.left = -1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, in)
	return in
}

// InjectFault is Inject(Path(path), f).
func (s *Server) InjectFault(path string, f Fault) *Injection { return s.Inject(Path(path), f) }

// takeFault returns the fault for r, counting it down. Called with s.mu held.
func (s *Server) takeFault(r *Request) *Fault {
	for i, in := range s.faults {
		if !in.match(r) {
			continue
		}
		if in.left > 0 {
			in.left--
			if in.left == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		in.hits.Add(1)
		f := in.f
		return &f
	}
	return nil
}

// serve answers r under fault f. With AfterProcessing the real handler runs
// first into a buffer, and the fault shapes how (or whether) its answer is
// delivered.
func (f *Fault) serve(w http.ResponseWriter, r *http.Request, h http.HandlerFunc) {
	var rec *httptest.ResponseRecorder
	if f.AfterProcessing && h != nil {
		rec = httptest.NewRecorder()
		h(rec, r)
	}
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if f.DropConnection {
		abort(w)
	}
	for k, v := range f.Header {
		w.Header()[k] = v
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	status, body := http.StatusOK, f.Body
	switch {
	case f.BodySize > 0:
		if f.Status != 0 {
			status = f.Status
		}
		f.writeJunk(w, status)
		return
	case f.Body != nil:
		if f.Status != 0 {
			status = f.Status
		}
		w.Header().Set("Content-Type", "application/json")
	case f.Status != 0:
		status = f.Status
		var b bytes.Buffer
		writeErrorTo(&b, w.Header(), status, f.Code, f.Message)
		body = b.Bytes()
	case rec != nil:
		status = rec.Code
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		body = rec.Body.Bytes()
	case h != nil:
		// Only timing or transport faults: answer normally through them.
		rec = httptest.NewRecorder()
		h(rec, r)
		status = rec.Code
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		body = rec.Body.Bytes()
	default:
		status = http.StatusNotFound
	}
	if f.ContentType != "" {
		w.Header().Set("Content-Type", f.ContentType)
	}
	if f.ResetAfter > 0 || f.Drip > 0 {
		w.Header().Del("Content-Length")
	}
	w.WriteHeader(status)
	switch {
	case f.ResetAfter > 0:
		n := min(f.ResetAfter, len(body))
		_, _ = w.Write(body[:n])
		flush(w)
		abort(w)
	case f.Drip > 0:
		for i := range body {
			if _, err := w.Write(body[i : i+1]); err != nil {
				return
			}
			flush(w)
			t := time.NewTimer(f.Drip)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
	default:
		_, _ = w.Write(body)
	}
}

func (f *Fault) writeJunk(w http.ResponseWriter, status int) {
	ct := "application/json"
	if f.ContentType != "" {
		ct = f.ContentType
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.FormatInt(f.BodySize, 10))
	w.WriteHeader(status)
	junk := []byte(strings.Repeat("x", 32<<10))
	for left := f.BodySize; left > 0; {
		n := min(int64(len(junk)), left)
		if _, err := w.Write(junk[:n]); err != nil {
			return
		}
		left -= n
	}
}

func flush(w http.ResponseWriter) {
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
}

// abort ends the exchange without a complete answer: the TCP connection is
// closed (HTTP/1.1) or the stream reset (HTTP/2).
func abort(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if c, _, err := hj.Hijack(); err == nil {
			_ = c.Close()
			panic(http.ErrAbortHandler)
		}
	}
	panic(http.ErrAbortHandler)
}
