package jupicotest

import (
	"net/http"
	"strconv"
	"time"
)

// Fault makes the fake misbehave for requests to one path. The zero Fault
// does nothing.
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
	// Body, when non-nil, is sent as is instead of an envelope.
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
	// Times is how many requests the fault applies to; zero means every
	// request until Reset.
	Times int
}

type fault struct {
	path string
	f    Fault
	left int
}

// InjectFault makes requests to path (for example "/status" or
// "/v1/transactions/creditcard/sale") misbehave as f says. Faults apply in
// the order they were added; authentication is still checked first.
func (s *Server) InjectFault(path string, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{path: path, f: f, left: f.Times})
}

// takeFault returns the fault for path, counting it down. Called with s.mu held.
func (s *Server) takeFault(path string) *Fault {
	for i, ft := range s.faults {
		if ft.path != path {
			continue
		}
		f := ft.f
		if ft.left > 0 {
			ft.left--
			if ft.left == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		return &f
	}
	return nil
}

// apply carries the fault out; false means "answer normally after all".
func (f *Fault) apply(w http.ResponseWriter, r *http.Request) bool {
	if f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return true
		}
	}
	if f.DropConnection {
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				_ = c.Close()
				return true
			}
		}
		// HTTP/2: abort the stream.
		panic(http.ErrAbortHandler)
	}
	for k, v := range f.Header {
		w.Header()[k] = v
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	status := f.Status
	if status == 0 {
		status = http.StatusOK
	}
	switch {
	case f.BodySize > 0:
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.FormatInt(f.BodySize, 10))
		w.WriteHeader(status)
		junk := make([]byte, 32<<10)
		for i := range junk {
			junk[i] = 'x'
		}
		for left := f.BodySize; left > 0; {
			n := int64(len(junk))
			if left < n {
				n = left
			}
			if _, err := w.Write(junk[:n]); err != nil {
				return true
			}
			left -= n
		}
		return true
	case f.Body != nil:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(f.Body)
		return true
	case f.Status != 0:
		writeError(w, status, f.Code, f.Message)
		return true
	}
	return false
}
