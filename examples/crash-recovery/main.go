// Command crash-recovery shows what a journal is for. A checkout process
// starts a card sale and is killed (SIGKILL, as an OOM kill or a lost node
// would) after Jupico charged the card but before the process heard the
// answer: nobody recorded the charge, and without a journal nobody ever
// would roll it back. A new process opens the same journal and recovers:
// the sale is rolled back, and Jupico holds nothing for it.
//
//	go run ./examples/crash-recovery
//
// The program runs itself twice: as the demonstration, which starts the
// in-process fake Jupico (jupico/jupicotest) and plays the new process,
// and as the checkout process it kills. It needs no account, and ignores
// the environment variables that point the other examples at the sandbox:
// killing a process at a chosen moment needs a server that holds the
// answer back, which only the fake does.
package main

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
	"path/filepath"
	"time"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/journal"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// checkoutEnv marks the run that plays the checkout process.
const checkoutEnv = "CRASH_RECOVERY_CHECKOUT"

func main() {
	run := demonstrate
	if os.Getenv(checkoutEnv) != "" {
		run = checkout
	}
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "crash-recovery:", err)
		os.Exit(1)
	}
}

const reference = "order-7001"

func demonstrate(ctx context.Context, out io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	fake := jupicotest.Start()
	defer fake.Close()
	dir, err := os.MkdirTemp("", "crash-recovery")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "jupico.journal")
	ca := filepath.Join(dir, "jupico-fake-ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: fake.Certificate().Raw}), 0o600); err != nil {
		return err
	}
	fmt.Fprintln(out, "talking to an in-process fake Jupico")

	// Jupico will process the sale and hold its answer back: the window in
	// which a process that dies leaves a charge nobody recorded.
	fake.InjectFault("/v1/transactions/creditcard/sale", jupicotest.Fault{AfterProcessing: true, Delay: time.Hour})
	fmt.Fprintf(out, "1. the checkout process starts a sale of 25.00 (%s), journaling it\n", reference)
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, self) // #nosec G204 -- this program, run again as the checkout process
	cmd.Env = append(os.Environ(), checkoutEnv+"=1", "JOURNAL="+path, "FAKE_URL="+fake.URL(), "FAKE_CA="+ca)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() || lines.Text() != "started" {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return errors.New("the checkout process did not start its sale")
	}
	for len(fake.Transactions()) == 0 {
		select {
		case <-ctx.Done():
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
	fmt.Fprintf(out, "   Jupico charged the card (%s); its answer is still on the way\n", fake.Transactions()[0].Captured)

	fmt.Fprintln(out, "2. the checkout process is killed (SIGKILL) before it hears the answer")
	if err := cmd.Process.Kill(); err != nil {
		return err
	}
	_ = cmd.Wait()
	fmt.Fprintf(out, "   Jupico holds %s that nobody recorded\n", fake.Transactions()[0].Captured)

	fmt.Fprintln(out, "3. a new process opens the same journal; its background recovery settles the sale")
	j, err := journal.Open(path)
	if err != nil {
		return err
	}
	defer j.Close()
	settled := make(chan jupico.RollbackEvent, 1)
	client, err := fake.NewClient(jupico.WithJournal(j), jupico.WithRollbackHook(func(_ context.Context, ev jupico.RollbackEvent) {
		select {
		case settled <- ev:
		default:
		}
	}))
	if err != nil {
		return err
	}
	defer client.Close()
	var ev jupico.RollbackEvent
	select {
	case ev = <-settled:
	case <-time.After(30 * time.Second):
		return errors.New("the background recovery settled nothing within 30s")
	}
	what := ev.Result
	if ev.Acknowledged {
		what = "rolled back"
	}
	fmt.Fprintf(out, "   %s, left unfinished by the dead process: %s\n", ev.Reference, what)
	tx := fake.Transactions()[0]
	fmt.Fprintf(out, "   Jupico now holds %s for it (%d rollback)\n", tx.Captured, tx.Rollbacks)
	if !ev.Acknowledged || tx.Captured != 0 {
		return fmt.Errorf("recovery did not roll the sale back (%s); the fake holds %s", ev.Result, tx.Captured)
	}
	fmt.Fprintln(out, "done")
	return nil
}

// checkout is the process that dies: it journals a sale and waits for an
// answer the fake holds back.
func checkout(ctx context.Context, out io.Writer) error {
	j, err := journal.Open(os.Getenv("JOURNAL"))
	if err != nil {
		return err
	}
	defer j.Close()
	caPEM, err := os.ReadFile(os.Getenv("FAKE_CA")) // #nosec G703 -- the CA file this program wrote for its own child
	if err != nil {
		return err
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(caPEM)
	client, err := jupico.NewClient(jupico.WithBaseURL(os.Getenv("FAKE_URL")), jupico.WithRootCAs(roots),
		jupico.WithCredentials(credentials.Static(jupicotest.DefaultUsername, jupicotest.DefaultPassword)), jupico.WithJournal(j))
	if err != nil {
		return err
	}
	defer client.Close()
	fmt.Fprintln(out, "started")
	_, err = client.CreditCard.Sale(ctx, &jupico.ChargeRequest{SubMerchantID: "jpt-fs-demo-acc1-m1", Amount: jupico.Cents(2500),
		PaymentToken: jupico.PermanentToken("card", "tok_visa_4242"), Reference: reference})
	return err
}
