package credentials

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"sync"
	"time"
)

// DefaultCommandTimeout bounds one run of a FromCommand helper when
// CommandProvider.Timeout is zero.
const DefaultCommandTimeout = 15 * time.Second

// commandWaitDelay is how long Retrieve waits, after the helper exited or was
// killed, for its output pipe to close; a grandchild that kept the pipe open
// cannot hold Retrieve longer.
const commandWaitDelay = time.Second

// errCommandTimeout is the cancellation cause of a helper that ran too long.
var errCommandTimeout = errors.New("credentials: command timed out")

// CommandProvider runs a credential helper, an external program that prints
// the credentials document on its standard output, in the convention of AWS's
// credential_process: any secret manager's command-line tool (Vault, AWS
// Secrets Manager, 1Password, gcloud...) can supply keys with no SDK
// dependency. The document is JSON:
//
//	{"username": "...", "password": "...", "expiresAt": "2030-01-02T15:04:05Z"}
//	{"apiKey": "...", "expiresAt": "..."}
//
// with expiresAt (RFC 3339) optional and other keys ignored; it may be
// surrounded by whitespace and preceded by a UTF-8 byte order mark.
//
// Each Retrieve runs the helper once, with no standard input, bounded by
// Timeout and ctx. On timeout or cancellation its whole process group is
// killed (on Unix; the process alone elsewhere) and it is always waited for,
// so no zombie is left behind. Standard output beyond MaxOutput kills it too.
// Its standard error goes to Stderr and never into an error.
//
// Set the exported fields before the first Retrieve and do not change them
// afterwards. Retrieve is safe for concurrent use (each call runs its own
// process); wrap the provider in a Cache so the helper runs only when the
// credentials need refreshing.
type CommandProvider struct {
	// Timeout bounds one run of the helper. Zero means DefaultCommandTimeout;
	// a shorter ctx deadline wins.
	Timeout time.Duration
	// MaxOutput caps the helper's standard output in bytes. Zero means 64 KiB.
	MaxOutput int
	// Env is the helper's environment, as in exec.Cmd. Nil means the
	// environment of the current process.
	Env []string
	// Stderr receives the helper's standard error, for diagnostics. Nil
	// discards it. It is never copied into an error, since helpers may print
	// secrets there.
	Stderr io.Writer

	name string
	args []string
}

// FromCommand returns a provider that runs the helper name with args (see
// CommandProvider). A name without a path separator is looked up in PATH at
// each run.
//
// Errors from Retrieve: a helper that cannot start, exits with a non-zero
// status, or is killed gives an error naming the command (never its arguments,
// which may hold tokens) and wrapping the cause (*exec.ExitError,
// exec.ErrNotFound...); one that times out wraps context.DeadlineExceeded; a
// cancelled ctx gives an error wrapping ctx.Err(); output that is too large,
// empty or malformed gives a *ValidationError naming the command and the
// field, never a value. Credentials.Source is `command "<name>"`.
func FromCommand(name string, args ...string) *CommandProvider {
	return &CommandProvider{name: name, args: append([]string(nil), args...)}
}

// Retrieve runs the helper and parses its output. See FromCommand for errors.
func (p *CommandProvider) Retrieve(ctx context.Context) (Credentials, error) {
	source := "command " + strconv.Quote(p.name)
	if err := ctx.Err(); err != nil {
		return Credentials{}, fmt.Errorf("credentials: %s: %w", source, err)
	}
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = DefaultCommandTimeout
	}
	limit := p.MaxOutput
	if limit <= 0 {
		limit = maxDocumentSize
	}
	runCtx, cancel := context.WithTimeoutCause(ctx, timeout, errCommandTimeout)
	defer cancel()

	cmd := exec.CommandContext(runCtx, p.name, p.args...)
	cmd.Env = p.Env
	cmd.Stderr = p.Stderr
	out := &cappedBuffer{limit: limit, overflow: cancel}
	cmd.Stdout = out
	cmd.WaitDelay = commandWaitDelay
	setProcessGroup(cmd)

	err := cmd.Run()
	switch {
	case out.overflowed():
		return Credentials{}, &ValidationError{Source: source, Field: "output", Reason: ReasonTooLarge}
	case ctx.Err() != nil:
		return Credentials{}, fmt.Errorf("credentials: %s: %w", source, ctx.Err())
	case errors.Is(context.Cause(runCtx), errCommandTimeout):
		return Credentials{}, fmt.Errorf("credentials: %s timed out after %v: %w", source, timeout, context.DeadlineExceeded)
	case errors.Is(err, exec.ErrWaitDelay):
		// The helper succeeded but left a descendant holding its output
		// open; what it printed before exiting is complete.
	case err != nil:
		return Credentials{}, fmt.Errorf("credentials: %s failed: %w", source, err)
	}
	return parseCommandOutput(out.bytes(), source)
}

// cappedBuffer collects a helper's output up to limit bytes; one byte more
// marks it overflowed, calls overflow (which kills the helper) and fails the
// write.
type cappedBuffer struct {
	mu       sync.Mutex
	buf      bytes.Buffer
	limit    int
	over     bool
	overflow func()
}

var errOutputTooLarge = errors.New("credentials: command output too large")

func (b *cappedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.over || b.buf.Len()+len(p) > b.limit {
		if !b.over {
			b.over = true
			b.overflow()
		}
		return 0, errOutputTooLarge
	}
	return b.buf.Write(p)
}

func (b *cappedBuffer) overflowed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.over
}

func (b *cappedBuffer) bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Bytes()
}
