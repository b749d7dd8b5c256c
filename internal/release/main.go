// Command release cuts releases of the repository's modules, records their
// exported API, and checks a release the way users take it. Run it from the
// repository with go -C:
//
//	go -C internal/release run . [--dry-run] VERSION   cut VERSION (e.g. v0.1.0) of every module
//	go -C internal/release run . api [-w]             check (-w: record) api/*.txt
//	go -C internal/release run . tidy [-diff] [DIR...] tidy the nested modules (-diff: check only)
//	go -C internal/release run . verify VERSION        take VERSION's tags as a user would
//
// See RELEASING.md for what each does and why.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

func main() {
	if err := runMain(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(os.Stderr, "release: %v\n\n%s", err, usage)
			os.Exit(2)
		}
		fmt.Fprintf(os.Stderr, "release: %v\n", err)
		os.Exit(1)
	}
}

const usage = `usage:
  go -C internal/release run . [--dry-run] VERSION    cut VERSION (e.g. v0.1.0) of every module
  go -C internal/release run . api [-w]              check (-w: record) the exported API in api/
  go -C internal/release run . tidy [-diff] [DIR...] tidy the nested modules (-diff: check only)
  go -C internal/release run . verify VERSION        take VERSION's tags as a user would
`

type usageError struct{ error }

func runMain(args []string, stdout, stderr io.Writer) error {
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return usageError{errors.New("missing VERSION or subcommand")}
	}
	sub := args[0]
	fs := flag.NewFlagSet("release", flag.ContinueOnError)
	fs.SetOutput(stderr)
	repoDir := fs.String("repo", wd, "a directory of the repository to work on")
	switch sub {
	case "api":
		write := fs.Bool("w", false, "record the current API in api/*.txt")
		if err := fs.Parse(args[1:]); err != nil || fs.NArg() != 0 {
			return usageError{errors.New("api takes only -w")}
		}
		r, err := openRepo(*repoDir)
		if err != nil {
			return err
		}
		return checkAPI(r, *write, stdout)
	case "tidy":
		diff := fs.Bool("diff", false, "change nothing; fail if a module is not tidy")
		if err := fs.Parse(args[1:]); err != nil {
			return usageError{err}
		}
		r, err := openRepo(*repoDir)
		if err != nil {
			return err
		}
		return tidyAll(r, fs.Args(), *diff, stdout)
	case "verify":
		if err := fs.Parse(args[1:]); err != nil || fs.NArg() != 1 {
			return usageError{errors.New("verify takes VERSION")}
		}
		r, err := openRepo(*repoDir)
		if err != nil {
			return err
		}
		return verify(r, fs.Arg(0), stdout)
	default:
		dry := fs.Bool("dry-run", false, "change nothing; print the plan")
		if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
			return usageError{errors.New("want [--dry-run] VERSION")}
		}
		r, err := openRepo(*repoDir)
		if err != nil {
			return err
		}
		return release(r, fs.Arg(0), *dry, stdout)
	}
}

// tidyAll tidies the nested modules in dirs (all of them if none), or with
// diff only checks them.
func tidyAll(r *repo, dirs []string, diff bool, out io.Writer) error {
	var mods []*module
	for _, d := range dirs {
		d = path.Clean(strings.TrimPrefix(d, "./"))
		var found *module
		for _, m := range r.mods {
			if m.Dir == d {
				found = m
			}
		}
		if found == nil {
			return fmt.Errorf("%s: not a module of the repository", d)
		}
		mods = append(mods, found)
	}
	if len(dirs) == 0 {
		for _, m := range r.mods {
			if m.Dir != "." {
				mods = append(mods, m)
			}
		}
	}
	var untidy []string
	for _, m := range mods {
		res, err := r.tidy(m, !diff, false)
		if err != nil {
			return err
		}
		switch {
		case res.Changed && diff:
			fmt.Fprintf(out, "%s: not tidy:\n%s\n", m.Dir, res.Diff)
			untidy = append(untidy, m.Dir)
		case res.Changed:
			fmt.Fprintf(out, "%s: tidied\n", m.Dir)
		default:
			fmt.Fprintf(out, "%s: tidy\n", m.Dir)
		}
	}
	if len(untidy) > 0 {
		return fmt.Errorf("not tidy: %s; run 'go -C internal/release run . tidy %s'", strings.Join(untidy, ", "), strings.Join(untidy, " "))
	}
	return nil
}
