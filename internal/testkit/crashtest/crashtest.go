//go:build linux

package crashtest

import (
	"bufio"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
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
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// Env, set to a mode, makes a test binary run as a child.
const Env = "JUPICO_CRASHTEST_CHILD"

// Kill points a child stops at (it prints "AT <point>" and waits to be
// killed), for the sale whose reference is KILL_REF.
const (
	BeforeIntent  = "before-intent"  // about to record the intent
	AfterIntent   = "after-intent"   // intent recorded, request not sent
	BeforeOutcome = "before-outcome" // answer read, outcome not recorded
)

// Opener opens the child's journal from its environment; the func closes
// it.
type Opener func(ctx context.Context) (jupico.Journal, func() error, error)

// Main runs a child in mode and returns its exit code: "sales" runs the
// sales REFS (comma-separated; payouts with OPERATION=payout), CONCURRENCY
// at once, with the background recovery every RECOVERY_INTERVAL when set, printing
// "RESULT <ref> <outcome>" for each; "recover" recovers and prints
// "RECOVERED <found> <rolled back> <failed> <reconcile>"; "fill" runs
// sales under a file-size limit of LIMIT bytes until the journal refuses
// one, printing "FULL <sales sent> <error>"; "replica" runs the sales as
// "sales" does, prints "SALES DONE", then recovers each time it reads the
// line "recover" on its standard input, printing the report as "recover"
// does, until its input ends. The fake is reached through FAKE_URL,
// FAKE_CA, FAKE_USER and FAKE_PASS.
func Main(mode string, open Opener) int {
	env := os.Getenv
	ctx := context.Background()
	if mode == "fill" {
		signal.Ignore(syscall.SIGXFSZ) // a write past the limit fails instead of killing the process
		limit, _ := strconv.ParseUint(env("LIMIT"), 10, 64)
		if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: limit, Max: limit}); err != nil {
			fmt.Println("ERROR rlimit:", err)
			return 3
		}
	}
	j, closeJ, err := open(ctx)
	if err != nil {
		fmt.Println("ERROR open:", err)
		return 3
	}
	defer closeJ()
	hooked := &pausing{Journal: j, point: env("KILL_POINT"), ref: env("KILL_REF")}
	pool := x509.NewCertPool()
	caPEM, _ := os.ReadFile(env("FAKE_CA")) // #nosec G703 -- the CA file the parent test wrote for its child
	pool.AppendCertsFromPEM(caPEM)
	opts := []jupico.Option{jupico.WithBaseURL(env("FAKE_URL")), jupico.WithRootCAs(pool),
		jupico.WithCredentials(credentials.Static(env("FAKE_USER"), env("FAKE_PASS"))),
		jupico.WithJournal(hooked), jupico.WithTransactionTimeout(30 * time.Second),
		jupico.WithRetry(jupico.RetryPolicy{MaxAttempts: 2, MinDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}),
		jupico.WithRollbackRetry(jupico.RetryPolicy{MaxAttempts: 10, MinDelay: 100 * time.Millisecond, MaxDelay: 100 * time.Millisecond}),
		jupico.WithRollbackTimeout(time.Minute)}
	// RECOVERY_INTERVAL turns the background recovery on; without it only
	// the recoveries the parent asks for run.
	if d, err := time.ParseDuration(env("RECOVERY_INTERVAL")); err == nil {
		opts = append(opts, jupico.WithRecoveryInterval(d))
	} else {
		opts = append(opts, jupico.WithoutBackgroundRecovery())
	}
	c, err := jupico.NewClient(opts...)
	if err != nil {
		fmt.Println("ERROR client:", err)
		return 3
	}
	defer c.Close()
	switch mode {
	case "recover":
		return recoverOnce(ctx, c)
	case "fill":
		for i := 0; ; i++ {
			_, err := c.CreditCard.Sale(ctx, Sale("fill-"+strconv.Itoa(i)))
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
	n, _ := strconv.Atoi(env("CONCURRENCY"))
	sem := make(chan struct{}, max(n, 1))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for ref := range strings.SplitSeq(env("REFS"), ",") {
		if ref == "" {
			continue
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			var err error
			if env("OPERATION") == "payout" {
				_, err = c.Payouts.Create(ctx, Payout(ref))
			} else {
				_, err = c.CreditCard.Sale(ctx, Sale(ref))
			}
			mu.Lock()
			fmt.Println("RESULT", ref, outcomeWord(err))
			mu.Unlock()
		})
	}
	wg.Wait()
	if mode != "replica" {
		return 0
	}
	fmt.Println("SALES DONE")
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		if in.Text() == "recover" {
			if code := recoverOnce(ctx, c); code != 0 {
				return code
			}
		}
	}
	return 0
}

func recoverOnce(ctx context.Context, c *jupico.Client) int {
	rep, err := c.Recover(ctx)
	if err != nil {
		fmt.Println("ERROR recover:", err)
		return 4
	}
	fmt.Printf("RECOVERED %d %d %d %d\n", len(rep.Entries), rep.RolledBack, rep.Failed, rep.Reconcile)
	return 0
}

// Merchant is the sub-merchant of every sale.
const Merchant = "jpt-fs-demo-acc1-m1"

// Payout is the payout a child runs for ref, with OPERATION=payout: 1.00.
func Payout(ref string) *jupico.PayoutRequest {
	return &jupico.PayoutRequest{SubMerchantID: Merchant, Amount: jupico.Cents(100), Reference: ref}
}

// Sale is the card sale a child runs for ref: 10.00.
func Sale(ref string) *jupico.ChargeRequest {
	return &jupico.ChargeRequest{SubMerchantID: Merchant, Amount: jupico.Cents(1000), PaymentToken: jupico.PermanentToken("card", "tok_visa_4242"), Reference: ref}
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
	if mine && ((p.point == BeforeIntent && e.State == jupico.JournalStateIntent) ||
		(p.point == BeforeOutcome && e.State == jupico.JournalStateDone && e.Outcome == jupico.JournalOutcomeApproved)) {
		stop(p.point)
	}
	err := p.Journal.Record(ctx, e)
	if mine && p.point == AfterIntent && e.State == jupico.JournalStateIntent && err == nil {
		stop(p.point)
	}
	return err
}

func stop(point string) {
	fmt.Println("AT", point)
	select {} // until SIGKILL
}

// Child is a running child process and the lines it printed.
type Child struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
	// passed are the lines Await read past.
	passed []string
	// Done receives the child's exit once it ended and its output is read.
	Done chan error
}

// FakeEnv writes what a child needs to reach srv and returns it as
// environment variables.
func FakeEnv(t testing.TB, srv *jupicotest.Server) []string {
	t.Helper()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return []string{"FAKE_URL=" + srv.URL(), "FAKE_CA=" + ca, "FAKE_USER=" + jupicotest.DefaultUsername, "FAKE_PASS=" + jupicotest.DefaultPassword}
}

// Start runs this test binary as a child in mode with env added.
func Start(t testing.TB, mode string, env ...string) *Child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$") // #nosec G204 G702 -- this test binary, re-run as the child
	cmd.Env = append(append(os.Environ(), Env+"="+mode), env...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &Child{cmd: cmd, stdin: in, lines: make(chan string, 4096), Done: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
		close(c.lines)
		c.Done <- cmd.Wait()
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return c
}

// Await returns the first line starting with prefix, failing the test
// after timeout or when the child ends first.
func (c *Child) Await(t testing.TB, prefix string, timeout time.Duration) string {
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
			c.passed = append(c.passed, l)
		case <-deadline:
			t.Fatalf("child printed no %q within %v", prefix, timeout)
		}
	}
}

// Passed returns the lines Await read past on its way to the ones it
// returned.
func (c *Child) Passed() []string { return c.passed }

// Send writes line to the child's standard input.
func (c *Child) Send(t testing.TB, line string) {
	t.Helper()
	if _, err := io.WriteString(c.stdin, line+"\n"); err != nil {
		t.Fatalf("writing to the child: %v", err)
	}
}

// CloseInput ends the child's standard input.
func (c *Child) CloseInput() { _ = c.stdin.Close() }

// Kill sends SIGKILL, waits for the child to be gone, and returns the
// lines it printed that were not read yet.
func (c *Child) Kill(t testing.TB) []string {
	t.Helper()
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	var rest []string
	for l := range c.lines {
		rest = append(rest, l)
	}
	<-c.Done
	return rest
}

// Rest returns the lines of a child that ended by itself, unread so far.
func (c *Child) Rest() []string {
	var rest []string
	for l := range c.lines {
		rest = append(rest, l)
	}
	return rest
}

// Wait waits for the child to exit by itself, returning what it printed;
// an exit other than 0 fails the test.
func (c *Child) Wait(t testing.TB, timeout time.Duration) []string {
	t.Helper()
	var lines []string
	deadline := time.After(timeout)
	for {
		select {
		case l, ok := <-c.lines:
			if !ok {
				if err := <-c.Done; err != nil {
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

// Recovery is what a recovery child reported.
type Recovery struct{ Found, RolledBack, Failed, Reconcile int }

// ParseRecovery reads a recovery child's report from its lines.
func ParseRecovery(t testing.TB, lines []string) Recovery {
	t.Helper()
	for _, l := range lines {
		if rest, ok := strings.CutPrefix(l, "RECOVERED "); ok {
			var r Recovery
			if _, err := fmt.Sscan(rest, &r.Found, &r.RolledBack, &r.Failed, &r.Reconcile); err != nil {
				t.Fatal(err)
			}
			return r
		}
	}
	t.Fatalf("recovery printed no report: %q", lines)
	return Recovery{}
}

// Recover runs a recovery child to its end and returns its report.
func Recover(t testing.TB, env []string) Recovery {
	t.Helper()
	return ParseRecovery(t, Start(t, "recover", env...).Wait(t, 2*time.Minute))
}

// Told returns the references the lines say a caller heard approved.
func Told(lines []string) []string {
	var out []string
	for _, l := range lines {
		if ref, ok := strings.CutSuffix(strings.TrimPrefix(l, "RESULT "), " approved"); ok {
			out = append(out, ref)
		}
	}
	return out
}
