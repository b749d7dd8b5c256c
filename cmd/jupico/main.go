// Command jupico is the command line of the Jupico Go SDK: it checks a
// deployment, calls the API, runs the fake Jupico as a standalone server,
// sends and verifies signed webhooks, and inspects the transaction journal.
//
//	go install github.com/jupico/jupico-go/cmd/jupico@latest
//
// Subcommands (each takes --help, and --json for output meant for scripts):
//
//	jupico doctor            check credentials, TLS, clock skew, webhook secret, Go toolchain
//	jupico status            call GET /status
//	jupico conformance       exercise every operation and report where the SDK's model of Jupico is wrong
//	jupico fake              run the fake Jupico until SIGINT or SIGTERM
//	jupico webhook send      deliver signed webhooks to a receiver
//	jupico webhook verify    check a saved webhook request against a secret
//	jupico rollback          send a stored rollback request
//	jupico journal list      list the entries of a journal file
//	jupico journal recover   finish what a journal holds unfinished
//	jupico journal reconcile run one recovery sweep, as a running service does
//	jupico version           print the version
//
// Exit codes:
//
//	0  success
//	1  the check or operation failed: a doctor check failed, a webhook is
//	   not authentic or was not acknowledged, Jupico refused a request,
//	   a rollback was not acknowledged, the journal could not be read
//	2  usage error: a bad flag or argument, a missing or malformed
//	   secret, an unreadable input file
//	3  Jupico (or the webhook receiver) could not be reached or talked
//	   to: connection, TLS or timeout
//
// # Connecting
//
// Commands that call Jupico take --env sandbox|production (default
// $JUPICO_ENV, else sandbox), or --base-url https://host:port (default
// $JUPICO_BASE_URL) to talk to another server such as jupico fake, with
// --ca-file naming a PEM file of the roots to trust for it. Only https is
// spoken.
//
// # Secrets
//
// No secret is ever taken as a flag value, which would land in the shell
// history. The API credentials come from the environment, as the SDK reads
// them: JUPICO_API_USERNAME and JUPICO_API_PASSWORD, or JUPICO_API_KEY,
// each also as a _FILE variant naming a file that holds the value. The
// webhook secret comes from --secret-file, else JUPICO_WEBHOOK_SECRET (or
// JUPICO_WEBHOOK_SECRET_FILE). When nothing is set and standard input is a
// terminal, the command prompts for them without echo. Errors name the
// variable or file at fault, never the value, and nothing prints a secret,
// except jupico fake, which prints its own published test values.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// Exit codes.
const (
	exitOK        = 0
	exitFailed    = 1
	exitUsage     = 2
	exitTransport = 3
)

const exitCodesHelp = `exit codes:
  0  success
  1  the check or operation failed
  2  usage error (bad flag, missing or malformed secret, unreadable input)
  3  could not reach or talk to Jupico (or the webhook receiver)
`

// exitError is an error with the exit code it calls for. Its message is
// safe to print: it never holds a secret.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// exit returns an error exiting with code; format and args must hold no
// secret.
func exit(code int, format string, args ...any) error {
	return &exitError{code, fmt.Errorf(format, args...)}
}

// env is what a command runs with: its streams, environment and terminal.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	lookupEnv      func(string) (string, bool)
	// terminal reports whether stdin is a terminal, for prompts.
	terminal func() bool
	// readPassword reads a line from the terminal without echo.
	readPassword func() ([]byte, error)
	// json is set by a command's --json flag.
	json bool
	// printed is set once the command printed its JSON result.
	printed bool
}

// printJSON prints v as the command's JSON result.
func (e *env) printJSON(v any) {
	e.printed = true
	writeJSON(e.stdout, v)
}

func (e *env) getenv(name string) string { v, _ := e.lookupEnv(name); return v }

// command is one subcommand.
type command struct {
	name    string // e.g. "webhook send"
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

var commands = []command{
	{"doctor", "check credentials, TLS, clock skew, webhook secret and Go toolchain", runDoctor},
	{"status", "call GET /status", runStatus},
	{"conformance", "exercise every operation and report where the SDK's model of Jupico is wrong", runConformance},
	{"fake", "run the fake Jupico as a standalone server", runFake},
	{"webhook send", "deliver signed webhooks to a receiver", runWebhookSend},
	{"webhook verify", "check a saved webhook request against a secret", runWebhookVerify},
	{"rollback", "send a stored rollback request", runRollback},
	{"journal list", "list the entries of a journal file", runJournalList},
	{"journal recover", "finish what a journal holds unfinished", runJournalRecover},
	{"journal reconcile", "run one recovery sweep, as a running service does", runJournalReconcile},
	{"version", "print the version", runVersion},
}

func usage(w io.Writer) {
	fmt.Fprint(w, "usage: jupico <command> [flags]\n\ncommands:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-17s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nRun 'jupico <command> --help' for a command's flags.\n\n", exitCodesHelp)
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	e := &env{
		stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, lookupEnv: os.LookupEnv,
		terminal: stdinIsTerminal, readPassword: readPassword,
	}
	code := run(ctx, e, os.Args[1:])
	stop()
	os.Exit(code)
}

// run runs the command args name and returns the exit code.
func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 {
		usage(e.stderr)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		usage(e.stdout)
		return exitOK
	}
	var cmd *command
	n := 0
	for i := range commands {
		words := strings.Fields(commands[i].name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == commands[i].name && len(words) > n {
			cmd, n = &commands[i], len(words)
		}
	}
	if cmd == nil {
		var group []string
		for _, c := range commands {
			if strings.HasPrefix(c.name, args[0]+" ") {
				group = append(group, c.name)
			}
		}
		if len(group) > 0 {
			sort.Strings(group)
			fmt.Fprintf(e.stderr, "jupico %s: want one of: %s\n", args[0], strings.Join(group, ", "))
		} else {
			fmt.Fprintf(e.stderr, "jupico: unknown command %q\n\n", args[0])
			usage(e.stderr)
		}
		return exitUsage
	}
	err := cmd.run(ctx, e, args[n:])
	if err == nil {
		return exitOK
	}
	code := exitFailed
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	if errors.Is(err, errHelp) {
		return exitOK
	}
	if errors.Is(err, errUsagePrinted) {
		return exitUsage
	}
	if err.Error() != "" {
		// Errors quote what Jupico, a journal or a webhook said.
		fmt.Fprintf(e.stderr, "jupico %s: %s\n", cmd.name, printable(err.Error()))
	}
	if e.json && !e.printed {
		e.printJSON(map[string]any{"error": err.Error(), "exitCode": code})
	}
	return code
}

// Errors of parse: help was printed (exit 0), or a usage error was.
var (
	errHelp         = errors.New("help printed")
	errUsagePrinted = errors.New("usage error printed")
)

// newFlags returns the flag set of the command name, with --json.
func newFlags(e *env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("jupico "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {}
	fs.BoolVar(&e.json, "json", false, "print the result as JSON, for scripts")
	return fs
}

// parse parses args into fs. With --help it prints the command's help on
// stdout: synopsis, description, flags and exit codes.
func parse(e *env, fs *flag.FlagSet, args []string, synopsis, description string) error {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(e.stdout)
		fmt.Fprintf(e.stdout, "usage: %s %s\n\n%s\n\nflags:\n", fs.Name(), synopsis, strings.TrimSpace(description))
		fs.PrintDefaults()
		fmt.Fprint(e.stdout, "\n", exitCodesHelp)
		return errHelp
	}
	if err == nil && fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "%s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		err = errUsagePrinted
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "run '%s --help' for usage\n", fs.Name())
		return errUsagePrinted
	}
	return nil
}

func runVersion(_ context.Context, e *env, args []string) error {
	fs := newFlags(e, "version")
	if err := parse(e, fs, args, "[--json]", "Print the versions of the command's module and of the SDK module it was built with\n(\"(devel)\" when built from a checkout), jupico.Version, and the Go toolchain."); err != nil {
		return err
	}
	v := versionInfo()
	if e.json {
		e.printJSON(v)
		return nil
	}
	fmt.Fprintf(e.stdout, "jupico %s (SDK %s %s, jupico.Version %s, %s)\n", v.Command, sdkModule, v.SDKModule, v.SDK, v.Go)
	return nil
}
