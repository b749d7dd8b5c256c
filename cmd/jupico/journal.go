package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/journal"
)

const journalListHelp = `List the entries of a journal file (package jupico/journal, bbolt), oldest
first: each money-moving request the client recorded, where it stands
(intent, rollback-owed, lookup-owed, done), its outcome, how many times its
rollback or lookup was tried and when recovery tries it next. The request
bodies (payment tokens and amounts, never credentials) are shown with --body
only. The file must not be open in another process. Exits 1 when it cannot be
read (in use, corrupt).`

const journalRecoverHelp = `Finish what a journal file holds unfinished, as the client's Recover does,
whatever each entry's next try says: roll back every card transaction whose
outcome is unknown, look the others up through the Query API by their
reference (found: settled; not found within the grace period: reported
absent, safe to send again), report what cannot be looked up for a person,
and delete done entries older than the retention. The file must not be open
in another process. Exits 0 when nothing is owed any more, 1 when a rollback
or lookup failed or is still pending (the next run tries it again) or the
journal cannot be read.`

const journalReconcileHelp = `Run one recovery sweep on a journal file, as a running service's background
recovery does: only the entries whose next try has come are tried (each
failure puts an entry off further, up to ten recovery intervals, and the
schedule is kept in the file). For a service run by a scheduler rather than
as a long-running process. The file must not be open in another process.
Exits as recover does.`

// entryView is one journal entry in the output.
type entryView struct {
	ID            string          `json:"id"`
	Operation     string          `json:"operation"`
	Reference     string          `json:"reference,omitempty"`
	State         string          `json:"state"`
	Outcome       string          `json:"outcome,omitempty"`
	TransactionID string          `json:"transactionId,omitempty"`
	FoundStatus   string          `json:"foundStatus,omitempty"`
	Attempts      int             `json:"attempts,omitempty"`
	Tries         int             `json:"tries,omitempty"`
	NextTry       *time.Time      `json:"nextTry,omitempty"`
	Error         string          `json:"error,omitempty"`
	Created       time.Time       `json:"created"`
	Updated       time.Time       `json:"updated"`
	Body          json.RawMessage `json:"body,omitempty"`
}

func viewOf(en jupico.JournalEntry, body bool) entryView {
	v := entryView{
		ID: en.ID, Operation: en.Operation, Reference: en.Reference, State: string(en.State), Outcome: string(en.Outcome),
		TransactionID: en.TransactionID, FoundStatus: en.FoundStatus, Attempts: en.Attempts, Tries: en.Tries, Error: en.Err,
		Created: en.Created, Updated: en.Updated,
	}
	if !en.NextTry.IsZero() && !en.Done() {
		next := en.NextTry
		v.NextTry = &next
	}
	if body {
		v.Body = en.Body
	}
	return v
}

func writeEntries(w io.Writer, entries []entryView, body bool) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tOPERATION\tREFERENCE\tSTATE\tOUTCOME\tTRIES\tATTEMPTS\tNEXT TRY\tCREATED")
	for _, en := range entries {
		next := "-"
		if en.NextTry != nil {
			next = en.NextTry.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\n", printable(en.ID), printable(en.Operation), dash(en.Reference),
			printable(en.State), dash(en.Outcome), en.Tries, en.Attempts, next, en.Created.UTC().Format(time.RFC3339))
		if body {
			fmt.Fprintf(tw, "\tbody %s\t\t\t\t\t\t\t\n", printable(string(en.Body)))
		}
	}
	_ = tw.Flush()
}

// dash returns s for a table cell, printable, or "-" when it is empty.
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return printable(s)
}

// openJournal opens an existing journal file: list and recover never
// create one.
func openJournal(path string) (*journal.Journal, error) {
	if path == "" {
		return nil, exit(exitUsage, "--file is required")
	}
	if _, err := os.Stat(path); err != nil {
		return nil, exit(exitUsage, "--file: %w", err)
	}
	j, err := journal.Open(path)
	switch {
	case errors.Is(err, journal.ErrLocked):
		return nil, exit(exitFailed, "%w: stop the service using it first", err)
	case err != nil:
		return nil, exit(exitFailed, "%w", err)
	}
	return j, nil
}

func runJournalList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "journal list")
	file := fs.String("file", "", "the journal file (required)")
	body := fs.Bool("body", false, "show each entry's request body")
	if err := parse(e, fs, args, "--file PATH [--body] [--json]", journalListHelp); err != nil {
		return err
	}
	j, err := openJournal(*file)
	if err != nil {
		return err
	}
	defer j.Close()
	entries, err := j.Entries(ctx)
	if err != nil {
		return exit(exitFailed, "%w", err)
	}
	views := make([]entryView, 0, len(entries))
	open := 0
	for _, en := range entries {
		views = append(views, viewOf(en, *body))
		if !en.Done() {
			open++
		}
	}
	if e.json {
		e.printJSON(map[string]any{"file": *file, "entries": views, "unfinished": open})
		return nil
	}
	writeEntries(e.stdout, views, *body)
	fmt.Fprintf(e.stdout, "\n%d entries, %d unfinished\n", len(views), open)
	return nil
}

// recoverResult is what jupico journal recover and reconcile --json print.
type recoverResult struct {
	File       string      `json:"file"`
	Entries    []entryView `json:"entries"`
	RolledBack int         `json:"rolledBack"`
	Found      int         `json:"found"`
	Absent     int         `json:"absent"`
	Pending    int         `json:"pending"`
	Failed     int         `json:"failed"`
	Reconcile  int         `json:"reconcile"`
	Owed       int         `json:"owed"`
	Compacted  int         `json:"compacted"`
}

func runJournalRecover(ctx context.Context, e *env, args []string) error {
	return runSweep(ctx, e, args, "journal recover", journalRecoverHelp, (*jupico.Client).Recover)
}

func runJournalReconcile(ctx context.Context, e *env, args []string) error {
	return runSweep(ctx, e, args, "journal reconcile", journalReconcileHelp, (*jupico.Client).Reconcile)
}

// runSweep runs one recovery sweep, Recover or Reconcile, on a journal
// file and prints what it did.
func runSweep(ctx context.Context, e *env, args []string, name, help string,
	sweep func(*jupico.Client, context.Context) (*jupico.RecoveryReport, error)) error {
	fs := newFlags(e, name)
	var c conn
	c.register(fs, e)
	file := fs.String("file", "", "the journal file (required)")
	retention := fs.Duration("retention", jupico.DefaultJournalRetention, "delete done entries older than this")
	interval := fs.Duration("interval", jupico.DefaultRecoveryInterval, "the recovery interval the next tries are put off by")
	grace := fs.Duration("grace", jupico.DefaultReconcileGrace, "how long a lookup by reference may find nothing before the entry is reported absent")
	if err := parse(e, fs, args, "--file PATH [--env sandbox|production | --base-url URL --ca-file F] [--interval D] [--grace D] [--json]", help); err != nil {
		return err
	}
	if *interval <= 0 || *grace <= 0 {
		return exit(exitUsage, "--interval and --grace must be positive")
	}
	if *file == "" {
		return exit(exitUsage, "--file is required")
	}
	creds, err := apiCredentials(ctx, e, true)
	if err != nil {
		return err
	}
	opts, _, err := c.options() // before the journal is opened (and locked)
	if err != nil {
		return err
	}
	j, err := openJournal(*file)
	if err != nil {
		return err
	}
	defer j.Close()
	client, err := clientWith(&c, opts, creds, jupico.WithJournal(j), jupico.WithJournalRetention(*retention),
		jupico.WithRecoveryInterval(*interval), jupico.WithReconcileGrace(*grace), jupico.WithoutBackgroundRecovery())
	if err != nil {
		return err
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	rep, err := sweep(client, ctx)
	if err != nil {
		return exit(exitFailed, "%w", err)
	}
	res := recoverResult{File: *file, Entries: []entryView{}, RolledBack: rep.RolledBack, Found: rep.Found, Absent: rep.Absent,
		Pending: rep.Pending, Failed: rep.Failed, Reconcile: rep.Reconcile, Owed: rep.Owed, Compacted: rep.Compacted}
	for _, en := range rep.Entries {
		res.Entries = append(res.Entries, viewOf(en, false))
	}
	if e.json {
		e.printJSON(res)
	} else {
		writeEntries(e.stdout, res.Entries, false)
		fmt.Fprintf(e.stdout, "\nrolled back %d, found %d, absent %d, not found yet %d, failed %d, to reconcile %d; still owed %d; compacted %d\n",
			res.RolledBack, res.Found, res.Absent, res.Pending, res.Failed, res.Reconcile, res.Owed, res.Compacted)
		if res.Absent > 0 {
			fmt.Fprintln(e.stdout, "absent entries were not processed as far as Jupico shows: it is safe to send them again")
		}
		if res.Reconcile > 0 {
			fmt.Fprintln(e.stdout, "entries to reconcile cannot be settled by the SDK: look them up by reference and settle them by hand")
		}
	}
	if res.Failed > 0 || res.Pending > 0 {
		return exit(exitFailed, "%d rollbacks or lookups failed and %d lookups found nothing yet; run again later", res.Failed, res.Pending)
	}
	return nil
}
