package conformance

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Result is what a run found of one operation.
type Result string

// Results of an operation.
const (
	// ResultOK: every call of the operation was answered as the scenario
	// expected, and the answers held every member the SDK relies on and
	// nothing it does not model.
	ResultOK Result = "ok"
	// ResultDrift: answered as expected, but with members the SDK does not
	// model (Unknown) or without members it relies on (Missing).
	ResultDrift Result = "drift"
	// ResultRefused: an error answer, or an answer the SDK could not
	// decode, where the scenario expected success (or a decline where it
	// expected a given decline code).
	ResultRefused Result = "refused"
	// ResultSkipped: not sent; Reason says why.
	ResultSkipped Result = "skipped"
)

// Report is what a run found: one entry per operation of the wire table,
// in the table's order, and what its cleanup did. It holds names, HTTP
// statuses, Jupico's error codes and the identifiers of what the run
// created, never a value of an answer's member, a credential or a token.
type Report struct {
	// Target describes the server the run talked to.
	Target string `json:"target"`
	// Prefix is the run's prefix: every reference and description the
	// run sends starts with it.
	Prefix string `json:"prefix"`
	// SubMerchant says where the sub-merchant the run used came from, not
	// its identifier; empty when there was none.
	SubMerchant string `json:"subMerchant,omitempty"`
	// Operations holds one entry per operation of the wire table.
	Operations []Operation `json:"operations"`
	// Cleanup is what the run undid, and what it could not.
	Cleanup Cleanup `json:"cleanup"`
	// Unreachable is set when the status call got no answer (connection,
	// TLS or timeout): nothing else was sent.
	Unreachable bool `json:"unreachable,omitempty"`
	// Interrupted is set when the run was cancelled or ran out of time
	// before it finished; what it had not sent is skipped.
	Interrupted bool `json:"interrupted,omitempty"`
}

// Operation is what the run found of one operation.
type Operation struct {
	// Operation is the wire table's name, e.g. "creditcard.sale".
	Operation string `json:"operation"`
	Result    Result `json:"result"`
	// Sent reports whether the run sent it at least once; Calls how many
	// times.
	Sent  bool `json:"sent"`
	Calls int  `json:"calls,omitempty"`
	// Status and Code are the HTTP status and Jupico's error code of the
	// last answer (of the failing one for a refusal).
	Status int    `json:"status,omitempty"`
	Code   string `json:"code,omitempty"`
	// Unknown are the members answered that the SDK does not model;
	// Missing the members the SDK relies on that did not come. Names
	// only, as "<member>" or "<list>[].<member>".
	Unknown []string `json:"unknown,omitempty"`
	Missing []string `json:"missing,omitempty"`
	// Error says what went wrong with a refused operation: the category
	// of the failure and what was expected, never Jupico's message.
	Error string `json:"error,omitempty"`
	// Reason says why a skipped operation was not sent.
	Reason string `json:"reason,omitempty"`
	// DurationMS is the time its calls took, in milliseconds.
	DurationMS int64 `json:"duration_ms"`
}

// Cleanup lists what the run created and undid, and what it could not.
type Cleanup struct {
	Cleaned []Leftover `json:"cleaned"`
	Left    []Leftover `json:"left"`
}

// Leftover is one thing the run created: a resource or a transaction,
// by Jupico's identifier.
type Leftover struct {
	// Resource is its kind, e.g. "plan" or "card sale"; ID its
	// identifier at Jupico.
	Resource string `json:"resource"`
	ID       string `json:"id,omitempty"`
	// Action is the operation that undoes it ("plans.delete"), empty when
	// none does.
	Action string `json:"action,omitempty"`
	// Reason says why it is left: no operation removes it, or the undoing
	// call failed (its category and status).
	Reason string `json:"reason,omitempty"`
}

// Counts returns how many operations had each result.
func (r *Report) Counts() map[Result]int {
	n := map[Result]int{}
	for _, o := range r.Operations {
		n[o.Result]++
	}
	return n
}

// OK reports whether every operation is ok: nothing drifted, refused or
// was skipped, and the run was neither interrupted nor unable to connect.
func (r *Report) OK() bool {
	return !r.Unreachable && !r.Interrupted && r.Counts()[ResultOK] == len(r.Operations)
}

// detail is the operation's last column: the member names, the error or
// the reason.
func (o *Operation) detail() string {
	var parts []string
	if len(o.Unknown) > 0 {
		parts = append(parts, "unknown: "+strings.Join(o.Unknown, ", "))
	}
	if len(o.Missing) > 0 {
		parts = append(parts, "missing: "+strings.Join(o.Missing, ", "))
	}
	if o.Error != "" {
		parts = append(parts, o.Error)
	}
	if o.Reason != "" {
		parts = append(parts, o.Reason)
	}
	return strings.Join(parts, "; ")
}

func (o *Operation) statusText() string {
	if o.Status == 0 {
		return "-"
	}
	return strconv.Itoa(o.Status)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// WriteTable writes the report as a table for a terminal: operation,
// result, status, code and detail, then a summary and the cleanup. clean
// makes a string safe to print (the command escapes control characters);
// nil prints as is.
func (r *Report) WriteTable(w io.Writer, clean func(string) string) error {
	if clean == nil {
		clean = func(s string) string { return s }
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "conformance of the SDK against %s (run %s)\n\n", clean(r.Target), clean(r.Prefix))
	fmt.Fprintln(tw, "OPERATION\tRESULT\tSTATUS\tCODE\tDETAIL")
	for i := range r.Operations {
		o := &r.Operations[i]
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", o.Operation, o.Result, o.statusText(), clean(orDash(o.Code)), clean(o.detail()))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, r.summary())
	r.writeCleanup(w, clean, "")
	return nil
}

func (r *Report) summary() string {
	n := r.Counts()
	s := fmt.Sprintf("%d operations: %d ok, %d drift, %d refused, %d skipped", len(r.Operations), n[ResultOK], n[ResultDrift], n[ResultRefused], n[ResultSkipped])
	switch {
	case r.Unreachable:
		s += "; the target could not be reached"
	case r.Interrupted:
		s += "; the run was interrupted"
	}
	return s
}

func (r *Report) writeCleanup(w io.Writer, clean func(string) string, bullet string) {
	fmt.Fprintf(w, "cleanup: %d undone, %d left\n", len(r.Cleanup.Cleaned), len(r.Cleanup.Left))
	for _, l := range r.Cleanup.Left {
		fmt.Fprintf(w, "%s  left: %s %s", bullet, clean(l.Resource), clean(l.ID))
		if l.Action != "" {
			fmt.Fprintf(w, " (%s)", l.Action)
		}
		fmt.Fprintf(w, ": %s\n", clean(l.Reason))
	}
}

// WriteMarkdown writes the report as a Markdown document.
func (r *Report) WriteMarkdown(w io.Writer) error {
	cell := func(s string) string {
		s = strings.ReplaceAll(s, "|", `\|`)
		return strings.ReplaceAll(s, "\n", " ")
	}
	fmt.Fprintf(w, "# Conformance of the SDK against %s\n\nRun `%s`. %s.\n\n", cell(r.Target), cell(r.Prefix), r.summary())
	fmt.Fprintln(w, "| operation | result | status | code | detail |")
	fmt.Fprintln(w, "|---|---|---|---|---|")
	for i := range r.Operations {
		o := &r.Operations[i]
		fmt.Fprintf(w, "| `%s` | %s | %s | %s | %s |\n", o.Operation, o.Result, o.statusText(), cell(orDash(o.Code)), cell(o.detail()))
	}
	fmt.Fprintln(w, "\n## Cleanup")
	fmt.Fprintln(w)
	r.writeCleanup(w, cell, "-")
	_, err := fmt.Fprintln(w)
	return err
}
