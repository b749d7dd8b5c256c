// Package testproc holds what the helpers that run servers for the tests
// (internal/testkit/redistest, internal/testkit/pgtest) and the tests that use them share:
// a free port to listen on, the end of a log to quote when a server does
// not come up, and a TestMain's run with its leak check.
package testproc

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

// FreePort returns a loopback TCP port that was free a moment ago; a
// caller retries when another process took it first.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// LastLines returns the last n lines of s.
func LastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// Run runs the tests of m, then stop (the servers TestMain started), then
// fails the run if a test left a goroutine behind; it returns the exit
// code for os.Exit.
func Run(m *testing.M, stop func()) int {
	code := m.Run()
	stop()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	return code
}

// Buffer is a bytes.Buffer safe for concurrent writers (a logger, a child
// process's output) while a test reads it.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns what was written so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
