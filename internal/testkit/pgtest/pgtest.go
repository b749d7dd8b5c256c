// Package pgtest runs the PostgreSQL server that the tests of
// jupico/pgjournal use: one per test run, on a free loopback port, with
// its data in a temporary directory, stopped when the run ends.
//
// PostgreSQL refuses to run as root, and CI runs as root: then the server
// runs as the unprivileged user nobody, which owns its directory. When no
// server binary is found (on PATH or under /usr/lib/postgresql) the helpers
// return ErrNoPostgres, the one case in which the tests skip, saying why;
// a server that fails to start fails them.
//
// It is a package of the root module, imported only by tests, and uses only
// the standard library (and internal/testkit/testproc), so that it adds no
// dependency to the root module.
package pgtest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jupico/jupico-go/internal/testkit/testproc"
)

// EnvURL names the variable that points the tests at a disposable
// PostgreSQL database (a connection URL) instead. The tests create tables
// with random names and drop them afterwards.
const EnvURL = "JUPICO_TEST_PG_URL"

// ErrNoPostgres explains what the tests need when they cannot run.
var ErrNoPostgres = errors.New("the tests need PostgreSQL: set " + EnvURL +
	" to the URL of a disposable database, or install the server (Debian: apt-get install postgresql;" +
	" CI does this in .ci/steps/25-postgres.sh)")

// Server is a postgres process started by Start.
type Server struct {
	url string
	dir string
	cmd *exec.Cmd
}

// URL is the server's connection URL: user postgres, no password, on
// loopback.
func (s *Server) URL() string { return s.url }

// bindir finds initdb and postgres: on PATH, else Debian's newest
// /usr/lib/postgresql/<version>/bin.
func bindir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if _, err := os.Stat(filepath.Join(filepath.Dir(p), "postgres")); err == nil {
			return filepath.Dir(p), nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return version(b) - version(a) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", ErrNoPostgres
}

func version(bin string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(bin)))
	return v
}

// Start creates a database cluster in a new temporary directory and runs
// a server on it, listening on a free loopback port only, and waits until
// it accepts connections. Stop it with Stop.
func Start() (*Server, error) {
	bin, err := bindir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "jupico-pg-")
	if err != nil {
		return nil, err
	}
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		if cred, err = unprivileged(dir); err != nil {
			_ = os.RemoveAll(dir)
			return nil, err
		}
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync") // #nosec G204 -- initdb from the server's own bin directory
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %w\n%s", err, testproc.LastLines(string(out), 5))
	}
	var last error
	for range 5 { // another process may take the free port first
		port, err := testproc.FreePort()
		if err != nil {
			_ = os.RemoveAll(dir)
			return nil, err
		}
		s := &Server{dir: dir, url: fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)}
		if last = s.start(bin, data, port, cred); last == nil {
			return s, nil
		}
		if !strings.Contains(last.Error(), "in use") {
			break
		}
	}
	_ = os.RemoveAll(dir)
	return nil, last
}

// unprivileged makes dir belong to nobody and returns nobody's
// credentials, for a server started by root.
func unprivileged(dir string) (*syscall.Credential, error) {
	u, err := user.Lookup("nobody")
	if err != nil {
		return nil, fmt.Errorf("running as root, PostgreSQL needs an unprivileged user: %w", err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	if err := os.Chown(dir, int(uid), int(gid)); err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: false}, nil
}

func (s *Server) logPath() string { return filepath.Join(s.dir, "postgres.log") }

func (s *Server) start(bin, data string, port int, cred *syscall.Credential) error {
	log, err := os.OpenFile(s.logPath(), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600) // #nosec G304 -- in the directory Start created
	if err != nil {
		return err
	}
	defer log.Close()
	if cred != nil {
		_ = log.Chown(int(cred.Uid), int(cred.Gid))
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", data, // #nosec G204 -- postgres from the server's own bin directory
		"-c", "listen_addresses=127.0.0.1", "-c", "port="+strconv.Itoa(port), "-c", "unix_socket_directories=",
		"-c", "max_connections=200", "-c", "logging_collector=off")
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting postgres: %w", err)
	}
	s.cmd = cmd
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("postgres exited: %s", s.logTail(5))
		case <-time.After(50 * time.Millisecond):
		}
		logged, _ := os.ReadFile(s.logPath()) // #nosec G304 -- the log of the server started here
		if strings.Contains(string(logged), "ready to accept connections") {
			c, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
			if err == nil {
				_ = c.Close()
				return nil
			}
		}
	}
	_ = cmd.Process.Kill()
	<-exited
	return fmt.Errorf("postgres did not come up: %s", s.logTail(5))
}

func (s *Server) logTail(n int) string {
	logged, _ := os.ReadFile(s.logPath()) // #nosec G304 -- the log of the server started here
	return testproc.LastLines(string(logged), n)
}

// Stop shuts the server down (fast shutdown: clients are disconnected) and
// deletes its directory.
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGINT)
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) && s.cmd.Process.Signal(syscall.Signal(0)) == nil {
			time.Sleep(20 * time.Millisecond)
		}
		_ = s.cmd.Process.Kill()
	}
	_ = os.RemoveAll(s.dir)
}

// SetupShared returns the URL of the database the tests of a run share:
// EnvURL's, else a server started here, and a func that stops what it
// started.
func SetupShared() (url string, stop func(), err error) {
	if url := os.Getenv(EnvURL); url != "" {
		return url, func() {}, nil
	}
	s, err := Start()
	if err != nil {
		return "", nil, err
	}
	return s.url, s.Stop, nil
}
