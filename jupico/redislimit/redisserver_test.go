package redislimit_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// envRedisAddr names the variable that points the tests at a disposable
// Redis (host:port). The tests write keys under random prefixes and delete
// them afterwards. When it is unset, the tests start their own redis-server.
const envRedisAddr = "JUPICO_TEST_REDIS_ADDR"

// errNoRedisServer explains what the tests need when they cannot run.
var errNoRedisServer = errors.New("the tests need Redis: set " + envRedisAddr +
	" to the address of a disposable Redis, or put redis-server on PATH " +
	"(Debian: apt-get install redis-server; CI does this in .ci/steps/20-redis.sh)")

// sharedAddr is the address of the Redis that most tests share, set by
// TestMain.
var sharedAddr string

// redisServer is a redis-server process started by the tests, listening on
// loopback only.
type redisServer struct {
	addr string
	bin  string
	args []string
	dir  string
	cmd  *exec.Cmd
}

// noPersistence keeps everything in memory, as the shared server does.
var noPersistence = []string{"--save", "", "--appendonly", "no"}

// startRedisServer starts redis-server on a free loopback port with its
// files in dir, and waits until it serves commands.
func startRedisServer(dir string, extra ...string) (*redisServer, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, errNoRedisServer
	}
	var last error
	for range 5 { // another process may take the free port first
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		s := &redisServer{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), bin: bin, dir: dir}
		s.args = append([]string{
			"--bind", "127.0.0.1", "--port", strconv.Itoa(port),
			"--dir", dir, "--logfile", filepath.Join(dir, "redis.log"),
			"--daemonize", "no", "--protected-mode", "no",
		}, extra...)
		if last = s.start(); last == nil {
			return s, nil
		}
		if !strings.Contains(last.Error(), "Address already in use") {
			break
		}
	}
	return nil, last
}

// start runs the process and waits until it is ready.
func (s *redisServer) start() error {
	s.cmd = exec.Command(s.bin, s.args...)
	if err := s.cmd.Start(); err != nil {
		return fmt.Errorf("starting redis-server: %w", err)
	}
	if err := waitReady(s.addr, s.password(), s.cmd.Process.Pid, 15*time.Second); err != nil {
		s.kill()
		log, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
		return fmt.Errorf("redis-server on %s did not come up: %w\n%s", s.addr, err, lastLines(string(log), 3))
	}
	return nil
}

// password is the value of --requirepass, if given.
func (s *redisServer) password() string {
	for i, a := range s.args[:len(s.args)-1] {
		if a == "--requirepass" {
			return s.args[i+1]
		}
	}
	return ""
}

// kill stops the process abruptly, as a crash would, and reaps it.
func (s *redisServer) kill() {
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
}

// waitReady polls addr until the server whose process id is pid (and not
// another one that happens to hold the port) has loaded its data.
func waitReady(addr, password string, pid int, within time.Duration) error {
	rdb := redis.NewClient(&redis.Options{Addr: addr, Password: password, MaxRetries: -1, DialTimeout: time.Second})
	defer rdb.Close()
	deadline := time.Now().Add(within)
	var err error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		var server, persistence string
		if server, err = rdb.Info(ctx, "server").Result(); err == nil {
			persistence, err = rdb.Info(ctx, "persistence").Result()
		}
		cancel()
		switch {
		case err != nil:
		case !strings.Contains(server, "process_id:"+strconv.Itoa(pid)+"\r\n"):
			return errors.New("another server answers on this port")
		case strings.Contains(persistence, "loading:0\r\n"):
			return nil
		default:
			err = errors.New("still loading its data")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return err
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// deadAddr returns a loopback address where nothing listens.
func deadAddr(t *testing.T) string {
	t.Helper()
	port, err := freePort()
	require.NoError(t, err)
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// newServer starts a redis-server of the test's own, stopped when the test
// ends.
func newServer(t *testing.T, extra ...string) *redisServer {
	t.Helper()
	s, err := startRedisServer(t.TempDir(), extra...)
	require.NoError(t, err)
	t.Cleanup(s.kill)
	return s
}

// newClient returns a go-redis client for addr, closed when the test ends.
func newClient(t *testing.T, addr string) *redis.Client {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// setupSharedRedis returns the address of the Redis most tests share and a
// function that stops it if the tests started it.
func setupSharedRedis() (string, func(), error) {
	if addr := os.Getenv(envRedisAddr); addr != "" {
		rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
		defer rdb.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := rdb.Ping(ctx).Err(); err != nil {
			return "", nil, fmt.Errorf("%s=%s is not reachable: %w", envRedisAddr, addr, err)
		}
		return addr, func() {}, nil
	}
	dir, err := os.MkdirTemp("", "redislimit-test-")
	if err != nil {
		return "", nil, err
	}
	s, err := startRedisServer(dir, noPersistence...)
	if err != nil {
		_ = os.RemoveAll(dir)
		return "", nil, err
	}
	return s.addr, func() { s.kill(); _ = os.RemoveAll(dir) }, nil
}
