package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"golang.org/x/mod/modfile"
)

var versionConstRE = regexp.MustCompile(`(?m)^const Version = "([^"]*)"$`)

// release cuts version v of every module of the repository: it checks the
// work tree is clean and CHANGELOG.md has the version's dated section,
// moves Unreleased into it, sets jupico.Version, requires v of this
// repository's modules in every nested module, tidies them, commits, and
// tags the released modules in dependency order. It never pushes: it
// prints the command that does. With dryRun it changes nothing and prints
// the plan.
func release(r *repo, v string, dryRun bool, out io.Writer) error {
	if err := checkVersion(v); err != nil {
		return err
	}
	ver := strings.TrimPrefix(v, "v")
	status, err := r.git("status", "--porcelain")
	if err != nil {
		return err
	}
	if strings.TrimSpace(status) != "" {
		return fmt.Errorf("the work tree has changes; commit or stash them first:\n%s", strings.TrimRight(status, "\n"))
	}
	released := r.released()
	var tags []string
	for _, m := range released {
		t := m.tag(v)
		if _, err := r.git("rev-parse", "-q", "--verify", "refs/tags/"+t); err == nil {
			return fmt.Errorf("tag %s already exists", t)
		}
		tags = append(tags, t)
	}
	for _, m := range released {
		if r.isCommand(m) && len(m.File.Replace) > 0 {
			return fmt.Errorf("%s/go.mod has a replace directive, which go install %s@%s refuses: remove it (build it in the repository through %s/go.work)", m.Dir, m.Path, v, m.Dir)
		}
	}

	// CHANGELOG.md.
	clText, err := readRepoFile(r.abs(changelogFile))
	if err != nil {
		return err
	}
	cl, err := releaseChangelog(string(clText), ver, r.root().tag(v))
	if err != nil {
		return err
	}

	// jupico.Version.
	vfText, err := readRepoFile(r.abs(versionFile))
	if err != nil {
		return err
	}
	ms := versionConstRE.FindAllSubmatchIndex(vfText, -1)
	if len(ms) != 1 {
		return fmt.Errorf("%s: want exactly one line `const Version = \"...\"`, found %d", versionFile, len(ms))
	}
	oldVersion := string(vfText[ms[0][2]:ms[0][3]])
	newVF := string(vfText[:ms[0][2]]) + ver + string(vfText[ms[0][3]:])

	// Requirements on this repository's modules.
	type modEdit struct {
		m       *module
		changes []string
		data    []byte
	}
	var edits []modEdit
	for _, m := range r.mods {
		if m.Dir == "." {
			continue
		}
		var changes []string
		for _, req := range m.File.Require {
			if r.byPath(req.Mod.Path) != nil && req.Mod.Version != v {
				changes = append(changes, fmt.Sprintf("%s %s => %s", req.Mod.Path, req.Mod.Version, v))
				if err := m.File.AddRequire(req.Mod.Path, v); err != nil {
					return err
				}
			}
		}
		if len(changes) == 0 {
			continue
		}
		m.File.Cleanup()
		data, err := m.File.Format()
		if err != nil {
			return err
		}
		edits = append(edits, modEdit{m, changes, data})
	}

	fmt.Fprintf(out, "release %s\n", v)
	fmt.Fprintf(out, "  %s: section [%s] - %s, %d lines moved in from Unreleased\n", changelogFile, ver, cl.Date, cl.Moved)
	fmt.Fprintf(out, "  %s: Version %q => %q\n", versionFile, oldVersion, ver)
	for _, e := range edits {
		for _, c := range e.changes {
			fmt.Fprintf(out, "  %s/go.mod: %s\n", e.m.Dir, c)
		}
	}
	fmt.Fprintf(out, "  tidy every nested module (the command's against a file proxy of this release)\n")
	fmt.Fprintf(out, "  commit %q\n", "Release "+v)
	fmt.Fprintf(out, "  annotated tags, in dependency order:\n")
	for _, t := range tags {
		fmt.Fprintf(out, "    %s\n", t)
	}
	if dryRun {
		fmt.Fprintf(out, "dry run: nothing changed\n")
		return nil
	}

	if err := writeFile(r.abs(changelogFile), []byte(cl.Text)); err != nil {
		return err
	}
	if err := writeFile(r.abs(versionFile), []byte(newVF)); err != nil {
		return err
	}
	for _, e := range edits {
		if err := writeFile(filepath.Join(r.abs(e.m.Dir), "go.mod"), e.data); err != nil {
			return err
		}
	}
	if err := r.load(); err != nil {
		return err
	}
	// Modules building against the work tree first; then the others,
	// against a proxy of the work tree, which is now the release: their
	// go.sum gets the h1: lines of the release (go install pkg@version
	// needs them). In dependency order, so each proxy holds its
	// requirements' final files.
	for _, pass := range []bool{true, false} {
		for _, m := range r.mods {
			if m.Dir == "." || r.localReplaces(m) != pass {
				continue
			}
			fmt.Fprintf(out, "tidy %s\n", m.Dir)
			if _, err := r.tidy(m, true, true); err != nil {
				return err
			}
		}
	}
	if _, err := r.git("add", "-A", "--", "."); err != nil {
		return err
	}
	if _, err := r.git("commit", "-q", "-m", "Release "+v, "-m", releaseBody(r, v)); err != nil {
		return err
	}
	if err := r.checkSums(v); err != nil {
		return err
	}
	for _, m := range released {
		if _, err := r.git("tag", "-a", m.tag(v), "-m", m.Path+" "+v); err != nil {
			return err
		}
	}
	head, _ := r.git("rev-parse", "--short", "HEAD")
	branch, _ := r.git("rev-parse", "--abbrev-ref", "HEAD")
	fmt.Fprintf(out, "committed %s and tagged %d modules. Nothing is pushed; check, then:\n", strings.TrimSpace(head), len(tags))
	fmt.Fprintf(out, "  git push origin %s %s\n", strings.TrimSpace(branch), strings.Join(tags, " "))
	return nil
}

func releaseBody(r *repo, v string) string {
	var b strings.Builder
	b.WriteString("Modules released at " + v + ":\n")
	for _, m := range r.released() {
		fmt.Fprintf(&b, "\n  %s", m.Path)
	}
	return b.String()
}

// checkSums checks, at HEAD, that every go.sum line naming one of this
// repository's modules at v holds that module's hash at HEAD, and that
// every module without a local replace has one for each repository module
// it requires (go install pkg@version reads them).
func (r *repo) checkSums(v string) error {
	tmp, err := os.MkdirTemp("", "jupico-sums-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	sums, err := writeProxy(tmp, r.released(), v, r.revFiles("HEAD"))
	if err != nil {
		return err
	}
	for _, m := range r.mods {
		data, _ := readRepoFile(filepath.Join(r.abs(m.Dir), "go.sum"))
		have := map[string]string{}
		for _, l := range strings.Split(string(data), "\n") {
			f := strings.Fields(l)
			if len(f) == 3 && f[1] == v && r.byPath(f[0]) != nil {
				have[f[0]] = f[2]
				if want, ok := sums[f[0]]; ok && want != f[2] {
					return fmt.Errorf("%s/go.sum: %s %s is %s, but the release's zip hashes to %s", m.Dir, f[0], v, f[2], want)
				}
			}
		}
		if r.localReplaces(m) {
			continue
		}
		for _, d := range r.deps(m) {
			if _, ok := have[d.Path]; !ok {
				return fmt.Errorf("%s/go.sum has no hash of %s %s, which go install needs", m.Dir, d.Path, v)
			}
		}
	}
	return nil
}

// checkGoMods checks the go.mod of every released module
// at its tag for v, as users' go commands will read it: requirements on this repository's
// modules name released versions (tags), and a command's go.mod has no
// replace.
func (r *repo) checkGoMods(v string) []string {
	var problems []string
	for _, m := range r.released() {
		name := "go.mod"
		if m.Dir != "." {
			name = m.Dir + "/go.mod"
		}
		data, err := r.git("show", m.tag(v)+":"+name)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: no go.mod at tag %s: %v", m.Path, m.tag(v), err))
			continue
		}
		f, err := modfile.Parse(name, []byte(data), nil)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", m.Path, err))
			continue
		}
		for _, req := range f.Require {
			d := r.byPath(req.Mod.Path)
			if d == nil {
				continue
			}
			if _, err := r.git("rev-parse", "-q", "--verify", "refs/tags/"+d.tag(req.Mod.Version)); err != nil {
				problems = append(problems, fmt.Sprintf("%s requires %s %s, which is not released (no tag %s)", m.Path, req.Mod.Path, req.Mod.Version, d.tag(req.Mod.Version)))
			}
		}
		if r.isCommand(m) {
			for _, rep := range f.Replace {
				problems = append(problems, fmt.Sprintf("%s: go.mod replaces %s with %s; go install %s@%s refuses a replace", m.Path, rep.Old.Path, rep.New.Path, m.Path, v))
			}
		}
	}
	return problems
}
