//go:build unix

package credentials

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/internal/testkit/fakeclock"
)

// helper returns a FromCommand provider that re-executes the test binary in
// the given helper mode, with extra environment variables.
func helper(mode string, env ...string) *CommandProvider {
	p := FromCommand(os.Args[0], "-test.run=^$")
	// GORACE: a race-instrumented helper would otherwise sleep 1s at exit.
	p.Env = append(append(os.Environ(), helperEnv+"="+mode, "GORACE=atexit_sleep_ms=0"), env...)
	return p
}

func readPID(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	pid, err := strconv.Atoi(string(b))
	require.NoError(t, err)
	return pid
}

// assertReaped checks that pid, a child of this process, is gone: not
// running and not a zombie (kill(pid, 0) succeeds on a zombie).
func assertReaped(t *testing.T, pid int) {
	t.Helper()
	err := syscall.Kill(pid, 0)
	assert.ErrorIs(t, err, syscall.ESRCH, "child %d must be reaped, got %v", pid, err)
	var ws syscall.WaitStatus
	_, err = syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
	assert.ErrorIs(t, err, syscall.ECHILD, "nothing left to wait for")
}

// assertDead checks that pid, a grandchild reparented to init, is no longer
// running; reaping it is init's job, so a zombie counts as dead.
func assertDead(t *testing.T, pid int) {
	t.Helper()
	require.Eventually(t, func() bool {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return errors.Is(err, os.ErrNotExist)
		}
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		return len(f) > 0 && (f[0] == "Z" || f[0] == "X")
	}, 10*time.Second, 10*time.Millisecond, "grandchild %d must be killed with the group", pid)
}

func TestFromCommandOK(t *testing.T) {
	t.Parallel()
	p := helper("print", `HELPER_OUTPUT={"username":"cmd-user","password":"cmd-pass","expiresAt":"2030-01-02T15:04:05Z"}`)
	c, err := p.Retrieve(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "cmd-user", c.Username())
	assert.Equal(t, "Basic "+b64("cmd-user:cmd-pass"), c.AuthorizationHeader().Reveal())
	assert.Equal(t, `command "`+os.Args[0]+`"`, c.Source)
	assert.Equal(t, 2030, c.Expires.Year())

	p = helper("print", `HELPER_OUTPUT={"apiKey":"`+demoKey+`"}`+"\n")
	c, err = p.Retrieve(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "demoApiUser", c.Username())
}

func TestFromCommandFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		p      *CommandProvider
		check  func(t *testing.T, err error)
		stderr bool
	}{
		{
			name: "non-zero exit, secret on stderr and stdout",
			p:    helper("fail"),
			check: func(t *testing.T, err error) {
				var ee *exec.ExitError
				require.ErrorAs(t, err, &ee)
				assert.Equal(t, 3, ee.ExitCode())
				assert.Empty(t, ee.Stderr)
			},
			stderr: true,
		},
		{
			name: "malformed output",
			p:    helper("print", "HELPER_OUTPUT="+helperSecret),
			check: func(t *testing.T, err error) {
				var ve *ValidationError
				require.ErrorAs(t, err, &ve)
				assert.Equal(t, ReasonMalformed, ve.Reason)
			},
		},
		{
			name: "empty output",
			p:    helper("print", "HELPER_OUTPUT="),
			check: func(t *testing.T, err error) {
				var ve *ValidationError
				require.ErrorAs(t, err, &ve)
				assert.Equal(t, ReasonEmpty, ve.Reason)
			},
		},
		{
			name: "invalid credentials",
			p:    helper("print", `HELPER_OUTPUT={"username":"u","password":"`+helperSecret+` x"}`),
			check: func(t *testing.T, err error) {
				var ve *ValidationError
				require.ErrorAs(t, err, &ve)
				assert.Equal(t, "password", ve.Field)
				assert.Equal(t, ReasonSpace, ve.Reason)
			},
		},
		{
			name: "output flood",
			p: func() *CommandProvider {
				p := helper("flood")
				p.MaxOutput = 4096
				return p
			}(),
			check: func(t *testing.T, err error) {
				var ve *ValidationError
				require.ErrorAs(t, err, &ve)
				assert.Equal(t, ReasonTooLarge, ve.Reason)
			},
		},
		{
			name: "not found",
			p:    FromCommand("jupico-no-such-helper-" + helperSecret[:6]),
			check: func(t *testing.T, err error) {
				require.ErrorIs(t, err, exec.ErrNotFound)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stderr bytes.Buffer
			tt.p.Stderr = &stderr
			tt.p.args = append(tt.p.args, "secret-arg-"+helperSecret)
			c, err := tt.p.Retrieve(t.Context())
			require.Error(t, err)
			assert.True(t, c.IsZero())
			tt.check(t, err)
			assert.NotContains(t, err.Error(), helperSecret, "neither output, stderr nor arguments may reach the error")
			if tt.stderr {
				assert.Contains(t, stderr.String(), helperSecret, "stderr goes to the configured writer")
			}
		})
	}
}

func TestFromCommandTimeoutKillsGroup(t *testing.T) {
	t.Parallel()
	pidfile := filepath.Join(t.TempDir(), "pid")
	p := helper("hang", "HELPER_PIDFILE="+pidfile)
	p.Timeout = 2 * time.Second
	_, err := p.Retrieve(t.Context())
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "timed out after 2s")
	assertReaped(t, readPID(t, pidfile))
	assertDead(t, readPID(t, pidfile+".child"))
}

func TestFromCommandCancelKillsGroup(t *testing.T) {
	t.Parallel()
	pidfile := filepath.Join(t.TempDir(), "pid")
	p := helper("hang", "HELPER_PIDFILE="+pidfile)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := p.Retrieve(ctx)
		done <- err
	}()
	require.Eventually(t, func() bool {
		_, err := os.Stat(pidfile + ".child")
		return err == nil
	}, 30*time.Second, 5*time.Millisecond)
	cancel()
	err := <-done
	require.ErrorIs(t, err, context.Canceled)
	assertReaped(t, readPID(t, pidfile))
	assertDead(t, readPID(t, pidfile+".child"))

	// An already cancelled ctx runs nothing.
	_, err = helper("print").Retrieve(ctx)
	require.ErrorIs(t, err, context.Canceled)
}

func TestFromCommandDescendantHoldingOutput(t *testing.T) {
	t.Parallel()
	pidfile := filepath.Join(t.TempDir(), "pid")
	p := helper("daemon", "HELPER_PIDFILE="+pidfile, `HELPER_OUTPUT={"username":"d","password":"p"}`)
	c, err := p.Retrieve(t.Context())
	require.NoError(t, err, "output printed before exiting is complete")
	assert.Equal(t, "d", c.Username())
	child := readPID(t, pidfile+".child")
	require.NoError(t, syscall.Kill(child, syscall.SIGKILL))
	assertDead(t, child)
}

// TestCacheKeepsLastGoodOverCommand: a helper that fails, then hangs, behind
// a Cache: callers keep the last good credentials, no zombie is left.
func TestCacheKeepsLastGoodOverCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	modefile := writeFile(t, dir, "mode", "print")
	pidfile := filepath.Join(dir, "pid")
	p := helper("file", "HELPER_MODEFILE="+modefile, "HELPER_PIDFILE="+pidfile,
		`HELPER_OUTPUT={"username":"good","password":"pw"}`)
	p.Timeout = 2 * time.Second
	clock := fakeclock.New()
	errs := make(chan error, 10)
	cache, cerr := NewCache(p, WithClock(clock), WithRefreshInterval(time.Minute), WithJitter(0),
		WithOnRefreshError(func(err error) { errs <- err }))
	require.NoError(t, cerr)
	t.Cleanup(func() { _ = cache.Close() })

	good, err := cache.Retrieve(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "good", good.Username())

	for _, mode := range []string{"fail", "hang"} {
		require.NoError(t, os.WriteFile(modefile, []byte(mode), 0o600))
		clock.Advance(2 * time.Minute) // past the interval and any backoff
		refreshErr := retrieveUntilRefreshError(t, cache, good, errs)
		require.Error(t, refreshErr)
		if mode == "hang" {
			require.ErrorIs(t, refreshErr, context.DeadlineExceeded)
		}
		assert.NotContains(t, refreshErr.Error(), helperSecret)
		c, err := cache.Retrieve(t.Context())
		require.NoError(t, err)
		assert.True(t, c.Equal(good), "%s: last good value kept", mode)
	}
	assertReaped(t, readPID(t, pidfile))
	assertDead(t, readPID(t, pidfile+".child"))
}

// retrieveUntilRefreshError calls Retrieve, which must serve good, until the
// background refresh it starts reports an error. One call is not enough: the
// previous refresh reports its error before it releases its slot, and a
// Retrieve in that gap starts nothing (a later one does).
func retrieveUntilRefreshError(t *testing.T, cache *Cache, good Credentials, errs <-chan error) error {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := cache.Retrieve(t.Context())
		require.NoError(t, err)
		require.True(t, c.Equal(good), "served while the background refresh runs")
		select {
		case err := <-errs:
			return err
		case <-time.After(20 * time.Millisecond):
		}
		require.False(t, time.Now().After(deadline), "no background refresh reported an error in 30s")
	}
}
