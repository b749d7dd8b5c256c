package redistest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jupico/jupico-go/internal/testkit/testproc"
)

// EnvAddr names the variable that points the tests at a disposable Redis
// (host:port) to share. The tests write keys under random prefixes and
// delete them afterwards. When it is unset, SetupShared starts a
// redis-server.
const EnvAddr = "JUPICO_TEST_REDIS_ADDR"

// ErrNoRedisServer explains what the tests need when they cannot run.
var ErrNoRedisServer = errors.New("the tests need Redis: set " + EnvAddr +
	" to the address of a disposable Redis, or put redis-server on PATH " +
	"(Debian: apt-get install redis-server; CI does this in .ci/steps/20-redis.sh)")

// Persistence settings for StartServer and NewServer.
var (
	// NoPersistence keeps everything in memory, as the shared server does.
	NoPersistence = []string{"--save", "", "--appendonly", "no"}
	// Durable writes every change to the append-only file before replying,
	// so a killed server comes back with everything it acknowledged.
	Durable = []string{"--save", "", "--appendonly", "yes", "--appendfsync", "always"}
)

// Server is a redis-server process started by the tests, listening on
// loopback only. Its methods are safe for concurrent use.
type Server struct {
	addr     string
	bin      string
	args     []string
	dir      string
	sentinel bool // runs in Sentinel mode

	mu  sync.Mutex
	cmd *exec.Cmd // nil while the process is down
}

// StartServer starts redis-server on a free loopback port with its files
// in dir and the options in extra added to its command line, and waits
// until it serves commands. Stop it with Kill.
func StartServer(dir string, extra ...string) (*Server, error) {
	return startServer(dir, nil, extra)
}

// startServer is StartServer with lead put first on the command line: a
// configuration file, and --sentinel for a Sentinel.
func startServer(dir string, lead, extra []string) (*Server, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, ErrNoRedisServer
	}
	var last error
	for range 5 { // another process may take the free port first
		port, err := testproc.FreePort()
		if err != nil {
			return nil, err
		}
		s := &Server{
			addr:     net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
			bin:      bin,
			dir:      dir,
			sentinel: slices.Contains(lead, "--sentinel"),
		}
		s.args = slices.Concat(lead, []string{
			"--bind", "127.0.0.1", "--port", strconv.Itoa(port),
			"--dir", dir, "--logfile", s.logPath(),
			"--daemonize", "no", "--protected-mode", "no",
		}, extra)
		if last = s.start(); last == nil {
			return s, nil
		}
		if !strings.Contains(last.Error(), "Address already in use") {
			break
		}
	}
	return nil, last
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.addr }

func (s *Server) logPath() string { return filepath.Join(s.dir, "redis.log") }

// logTail returns the last n lines of the server's log file.
func (s *Server) logTail(n int) string {
	log, _ := os.ReadFile(s.logPath()) // #nosec G304 -- the log of a server these helpers started
	return testproc.LastLines(string(log), n)
}

// start runs the process and waits until it is ready.
func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cmd := exec.Command(s.bin, s.args...) // #nosec G204 -- redis-server from PATH, with the helpers' own options
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting redis-server: %w", err)
	}
	s.cmd = cmd
	if err := waitReady(s.addr, s.password(), cmd.Process.Pid, s.sentinel, 15*time.Second); err != nil {
		s.killLocked()
		return fmt.Errorf("redis-server on %s did not come up: %w\n%s", s.addr, err, s.logTail(3))
	}
	return nil
}

// password is the value of --requirepass, if given.
func (s *Server) password() string {
	for i, a := range s.args[:len(s.args)-1] {
		if a == "--requirepass" {
			return s.args[i+1]
		}
	}
	return ""
}

// Kill stops the process abruptly, as a crash would, and reaps it. Killing
// a server that is down does nothing.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.killLocked()
}

func (s *Server) killLocked() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// Restart kills the server, keeps it down for down, and starts it again on
// the same port with the same files.
func (s *Server) Restart(down time.Duration) error {
	s.Kill()
	time.Sleep(down)
	return s.start()
}

// waitReady polls addr until the server whose process id is pid (and not
// another one that happens to hold the port) serves commands: a data
// server once it has loaded its data, a Sentinel as soon as it answers.
func waitReady(addr, password string, pid int, sentinel bool, within time.Duration) error {
	c := newConn(addr, password)
	defer c.close()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	err := errors.New("no answer")
	eventually(ctx, func(ctx context.Context) bool {
		attempt, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		var server, persistence string
		if server, err = as[string](c.do(attempt, "INFO", "server")); err == nil && !sentinel {
			persistence, err = as[string](c.do(attempt, "INFO", "persistence"))
		}
		switch {
		case err != nil:
			return false
		case !strings.Contains(server, "process_id:"+strconv.Itoa(pid)+"\r\n"):
			err = errors.New("another server answers on this port")
			return true
		case sentinel || strings.Contains(persistence, "loading:0\r\n"):
			return true
		}
		err = errors.New("still loading its data")
		return false
	})
	return err
}

// NewServer starts a redis-server of the test's own with the options in
// extra, killed when the test ends. Tests that stop or reconfigure Redis
// use one instead of the shared server.
func NewServer(t testing.TB, extra ...string) *Server {
	t.Helper()
	s, err := StartServer(t.TempDir(), extra...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Kill)
	return s
}

// DeadAddr returns a loopback address where nothing listens.
func DeadAddr(t testing.TB) string {
	t.Helper()
	port, err := testproc.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
}

// BlackHole returns the address of a listener that accepts TCP connections
// and never answers, like a Redis that hangs. It is closed, with every
// connection it accepted, when the test ends.
func BlackHole(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return l.Addr().String()
}

// SetupShared returns the address of the Redis that most of a package's
// tests share, and a function that stops it if SetupShared started it. It
// uses the Redis that EnvAddr names, failing when that one does not
// answer; without EnvAddr it starts a redis-server that keeps everything
// in memory, with its files in a temporary directory named after name. It
// fails with ErrNoRedisServer when it would need redis-server and there is
// none.
func SetupShared(name string) (addr string, stop func(), err error) {
	if addr := os.Getenv(EnvAddr); addr != "" {
		c := newConn(addr, "")
		defer c.close()
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if _, err := c.do(ctx, "PING"); err != nil {
			return "", nil, fmt.Errorf("%s=%s is not reachable: %w", EnvAddr, addr, err)
		}
		return addr, func() {}, nil
	}
	dir, err := os.MkdirTemp("", name+"-test-")
	if err != nil {
		return "", nil, err
	}
	s, err := StartServer(dir, NoPersistence...)
	if err != nil {
		_ = os.RemoveAll(dir)
		return "", nil, err
	}
	return s.addr, func() { s.Kill(); _ = os.RemoveAll(dir) }, nil
}

// eventually calls cond every 20 ms until it returns true or ctx ends,
// and reports whether it returned true.
func eventually(ctx context.Context, cond func(ctx context.Context) bool) bool {
	for {
		if cond(ctx) {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(20 * time.Millisecond):
		}
	}
}
