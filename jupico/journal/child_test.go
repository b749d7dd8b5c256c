//go:build linux

package journal_test

import (
	"bufio"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/journal"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// The test binary runs itself as the process that dies: with childEnv set,
// TestMain runs childMain instead of the tests. The child talks to the
// parent's fake over TLS on loopback, with a journal file the parent then
// opens in a fresh process to recover.

const childEnv = "JUPICO_JOURNAL_CHILD"

// Kill points a child stops at (prints "AT <point>" and waits to be
// killed), for the sale whose reference is KILL_REF.
const (
	atBeforeIntent  = "before-intent"  // about to record the intent
	atAfterIntent   = "after-intent"   // intent synced, request not sent
	atBeforeOutcome = "before-outcome" // answer read, outcome not recorded
)

// childMain runs a child: "sales" runs the sales REFS (comma-separated)
// with CONCURRENCY at once, printing "RESULT <ref> <outcome>" for each;
// "recover" recovers and prints "RECOVERED <found> <rolled back> <failed>
// <reconcile>"; "fill" runs sales under a file-size limit of LIMIT bytes
// until the journal refuses one, printing "FULL <sales sent>".
func childMain(mode string) int {
	env := os.Getenv
	ctx := context.Background()
	j, err := journal.Open(env("JOURNAL_PATH"), journal.WithOpenTimeout(10*time.Second))
	if err != nil {
		fmt.Println("ERROR open:", err)
		return 3
	}
	hooked := &pausing{Journal: j, point: env("KILL_POINT"), ref: env("KILL_REF")}
	pool := x509.NewCertPool()
	caPEM, _ := os.ReadFile(env("FAKE_CA"))
	pool.AppendCertsFromPEM(caPEM)
	c, err := jupico.NewClient(jupico.WithBaseURL(env("FAKE_URL")), jupico.WithRootCAs(pool),
		jupico.WithCredentials(credentials.Static(env("FAKE_USER"), env("FAKE_PASS"))),
		jupico.WithJournal(hooked), jupico.WithTransactionTimeout(30*time.Second),
		jupico.WithRetry(jupico.RetryPolicy{MaxAttempts: 2, MinDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}),
		jupico.WithRollbackRetry(jupico.RetryPolicy{MaxAttempts: 10, MinDelay: 100 * time.Millisecond, MaxDelay: 100 * time.Millisecond}),
		jupico.WithRollbackTimeout(time.Minute))
	if err != nil {
		fmt.Println("ERROR client:", err)
		return 3
	}
	switch mode {
	case "recover":
		rep, err := c.Recover(ctx)
		if err != nil {
			fmt.Println("ERROR recover:", err)
			return 4
		}
		fmt.Printf("RECOVERED %d %d %d %d\n", len(rep.Entries), rep.RolledBack, rep.Failed, rep.Reconcile)
		return 0
	case "fill":
		signal.Ignore(syscall.SIGXFSZ) // a write past the limit fails instead of killing the process
		limit, _ := strconv.ParseUint(env("LIMIT"), 10, 64)
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: limit, Max: limit}); err != nil {
			fmt.Println("ERROR rlimit:", err)
			return 3
		}
		for i := 0; ; i++ {
			_, err := c.CreditCard.Sale(ctx, childSale("fill-"+strconv.Itoa(i)))
			if errors.Is(err, jupico.ErrJournal) {
				fmt.Printf("FULL %d %s\n", i, strings.ReplaceAll(err.Error(), "\n", " "))
				return 0
			}
			if err != nil {
				fmt.Println("ERROR sale:", err)
				return 4
			}
		}
	}
	refs := strings.Split(env("REFS"), ",")
	n, _ := strconv.Atoi(env("CONCURRENCY"))
	sem := make(chan struct{}, max(n, 1))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, ref := range refs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			_, err := c.CreditCard.Sale(ctx, childSale(ref))
			mu.Lock()
			fmt.Println("RESULT", ref, outcomeWord(err))
			mu.Unlock()
		})
	}
	wg.Wait()
	return 0
}

func childSale(ref string) *jupico.ChargeRequest {
	return &jupico.ChargeRequest{SubMerchantID: merchant, Amount: jupico.Cents(1000), PaymentToken: jupico.PermanentToken("card", "tok_visa_4242"), Reference: ref}
}

func outcomeWord(err error) string {
	switch {
	case err == nil:
		return "approved"
	case errors.Is(err, jupico.ErrRolledBack):
		return "rolled-back"
	case errors.Is(err, jupico.ErrIndeterminate):
		return "indeterminate"
	default:
		return "failed"
	}
}

// pausing stops the child at its kill point.
type pausing struct {
	jupico.Journal
	point, ref string
}

func (p *pausing) Record(ctx context.Context, e *jupico.JournalEntry) error {
	mine := e.Reference == p.ref
	if mine && ((p.point == atBeforeIntent && e.State == jupico.JournalIntent) ||
		(p.point == atBeforeOutcome && e.State == jupico.JournalDone && e.Outcome == jupico.OutcomeApproved)) {
		stop(p.point)
	}
	err := p.Journal.Record(ctx, e)
	if mine && p.point == atAfterIntent && e.State == jupico.JournalIntent && err == nil {
		stop(p.point)
	}
	return err
}

func stop(point string) {
	fmt.Println("AT", point)
	select {} // until SIGKILL
}

// child is a running child process and the lines it printed.
type child struct {
	cmd   *exec.Cmd
	lines chan string
	done  chan error
}

// fakeEnv writes what a child needs to reach srv.
func fakeEnv(t *testing.T, srv *jupicotest.Server) []string {
	t.Helper()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return []string{"FAKE_URL=" + srv.URL(), "FAKE_CA=" + ca, "FAKE_USER=" + jupicotest.DefaultUsername, "FAKE_PASS=" + jupicotest.DefaultPassword}
}

// start runs the test binary as a child in mode with env added.
func start(t *testing.T, mode string, env ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$") // #nosec G204 -- this test binary, re-run as the child
	cmd.Env = append(append(os.Environ(), childEnv+"="+mode), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, lines: make(chan string, 4096), done: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
		close(c.lines)
		c.done <- cmd.Wait()
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return c
}

// await returns the first line starting with prefix, failing the test
// after timeout or when the child ends first.
func (c *child) await(t *testing.T, prefix string, timeout time.Duration) string {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case l, ok := <-c.lines:
			if !ok {
				t.Fatalf("child ended before printing %q", prefix)
			}
			if strings.HasPrefix(l, "ERROR") {
				t.Fatalf("child: %s", l)
			}
			if strings.HasPrefix(l, prefix) {
				return l
			}
		case <-deadline:
			t.Fatalf("child printed no %q within %v", prefix, timeout)
		}
	}
}

// kill sends SIGKILL, waits for the child to be gone, and returns the
// lines it printed that were not read yet.
func (c *child) kill(t *testing.T) []string {
	t.Helper()
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	var rest []string
	for l := range c.lines {
		rest = append(rest, l)
	}
	<-c.done
	return rest
}

// wait waits for the child to exit by itself, returning what it printed.
func (c *child) wait(t *testing.T, timeout time.Duration) []string {
	t.Helper()
	var lines []string
	deadline := time.After(timeout)
	for {
		select {
		case l, ok := <-c.lines:
			if !ok {
				if err := <-c.done; err != nil {
					t.Fatalf("child failed: %v; it printed %q", err, lines)
				}
				return lines
			}
			lines = append(lines, l)
		case <-deadline:
			_ = c.cmd.Process.Kill()
			t.Fatalf("child did not finish within %v; it printed %q", timeout, lines)
		}
	}
}

// recoverIn runs a recovery child to the end and returns what it found.
func recoverIn(t *testing.T, env []string) (found, rolledBack, failed int) {
	t.Helper()
	lines := start(t, "recover", env...).wait(t, 2*time.Minute)
	for _, l := range lines {
		if strings.HasPrefix(l, "RECOVERED ") {
			var reconcile int
			if _, err := fmt.Sscan(strings.TrimPrefix(l, "RECOVERED "), &found, &rolledBack, &failed, &reconcile); err != nil {
				t.Fatal(err)
			}
			return found, rolledBack, failed
		}
	}
	t.Fatalf("recovery printed no report: %q", lines)
	return 0, 0, 0
}
