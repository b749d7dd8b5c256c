package main

import (
	"bytes"
	"fmt"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"
)

// Files of the repository the release edits.
const (
	versionFile   = "jupico/version.go"
	changelogFile = "CHANGELOG.md"
	apiDir        = "api"
)

// module is one go.mod of the repository.
type module struct {
	Dir  string // slash path from the repository root; "." for the root
	Path string // module path
	File *modfile.File
}

// prefix is the module's directory as a prefix of repository paths ("" for
// the root, "jupico/pgjournal/" for a nested module).
func (m *module) prefix() string {
	if m.Dir == "." {
		return ""
	}
	return m.Dir + "/"
}

// released reports whether users install the module, so it gets a tag and
// an API file: everything but the modules under internal/.
func (m *module) released() bool {
	return m.Dir != "internal" && !strings.HasPrefix(m.Dir, "internal/")
}

// tag returns the module's tag for version v: v for the root, dir/v for a
// nested module (the form the go command looks for).
func (m *module) tag(v string) string {
	if m.Dir == "." {
		return v
	}
	return m.Dir + "/" + v
}

// repo is a git checkout of the repository and its modules.
type repo struct {
	dir  string // absolute path of the work tree
	mods []*module
}

// openRepo reads the modules of the git work tree holding dir: every
// go.mod git tracks outside testdata.
func openRepo(dir string) (*repo, error) {
	top, err := gitOut(dir, "rev-parse", "--show-toplevel")
	if err != nil {
		return nil, fmt.Errorf("%s is not in a git work tree: %w", dir, err)
	}
	r := &repo{dir: strings.TrimSpace(top)}
	return r, r.load()
}

// load (re)reads every module's go.mod.
func (r *repo) load() error {
	out, err := r.git("ls-files", "-z", "--", "go.mod", "*/go.mod")
	if err != nil {
		return err
	}
	r.mods = nil
	for _, f := range strings.Split(out, "\x00") {
		if f == "" || strings.Contains("/"+f, "/testdata/") {
			continue
		}
		data, err := readRepoFile(filepath.Join(r.dir, filepath.FromSlash(f)))
		if err != nil {
			return err
		}
		mf, err := modfile.Parse(f, data, nil)
		if err != nil {
			return err
		}
		if mf.Module == nil {
			return fmt.Errorf("%s: no module line", f)
		}
		r.mods = append(r.mods, &module{Dir: path.Dir(f), Path: mf.Module.Mod.Path, File: mf})
	}
	if r.root() == nil {
		return fmt.Errorf("%s: no go.mod at the repository root", r.dir)
	}
	r.order()
	return nil
}

// root returns the module at the repository root.
func (r *repo) root() *module {
	for _, m := range r.mods {
		if m.Dir == "." {
			return m
		}
	}
	return nil
}

// byPath returns the repository's module with module path p, or nil.
func (r *repo) byPath(p string) *module {
	for _, m := range r.mods {
		if m.Path == p {
			return m
		}
	}
	return nil
}

// deps returns the repository's modules m requires.
func (r *repo) deps(m *module) []*module {
	var ds []*module
	for _, req := range m.File.Require {
		if d := r.byPath(req.Mod.Path); d != nil && d != m {
			ds = append(ds, d)
		}
	}
	return ds
}

// order sorts r.mods so every module comes after the modules it requires
// (the root first), and otherwise by directory.
func (r *repo) order() {
	sort.Slice(r.mods, func(i, j int) bool {
		if (r.mods[i].Dir == ".") != (r.mods[j].Dir == ".") {
			return r.mods[i].Dir == "."
		}
		return r.mods[i].Dir < r.mods[j].Dir
	})
	done := map[*module]bool{}
	var out []*module
	var visit func(m *module, stack map[*module]bool)
	visit = func(m *module, stack map[*module]bool) {
		if done[m] || stack[m] {
			return
		}
		stack[m] = true
		for _, d := range r.deps(m) {
			visit(d, stack)
		}
		done[m] = true
		out = append(out, m)
	}
	for _, m := range r.mods {
		visit(m, map[*module]bool{})
	}
	r.mods = out
}

// released returns the modules users install, in dependency order.
func (r *repo) released() []*module {
	var ms []*module
	for _, m := range r.mods {
		if m.released() {
			ms = append(ms, m)
		}
	}
	return ms
}

// localReplaces reports whether m replaces every repository module it
// requires with a directory, so its build and tidy never ask a proxy for
// them.
func (r *repo) localReplaces(m *module) bool {
	for _, d := range r.deps(m) {
		found := false
		for _, rep := range m.File.Replace {
			if rep.Old.Path == d.Path && modfile.IsDirectoryPath(rep.New.Path) {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// isCommand reports whether the module's root directory is a main package,
// which users install with go install pkg@version; that refuses a go.mod
// with a replace directive.
func (r *repo) isCommand(m *module) bool {
	files, _ := filepath.Glob(filepath.Join(r.dir, filepath.FromSlash(m.Dir), "*.go"))
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := readRepoFile(f)
		if err == nil && bytes.Contains(data, []byte("\npackage main\n")) {
			return true
		}
	}
	return false
}

// abs returns the absolute path of a slash path in the work tree.
func (r *repo) abs(rel string) string {
	return filepath.Join(r.dir, filepath.FromSlash(rel))
}

// git runs git in the work tree and returns its standard output.
func (r *repo) git(args ...string) (string, error) {
	return gitOut(r.dir, args...)
}

func gitOut(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...) // #nosec G204 -- git with arguments the tool builds; no shell
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// lastTag returns the newest release tag of m (a valid semantic version,
// prerelease or not), or "".
func (r *repo) lastTag(m *module) (string, error) {
	prefix := ""
	if m.Dir != "." {
		prefix = m.Dir + "/"
	}
	out, err := r.git("tag", "--list", prefix+"v*")
	if err != nil {
		return "", err
	}
	best := ""
	for _, t := range strings.Fields(out) {
		v := strings.TrimPrefix(t, prefix)
		if semver.IsValid(v) && strings.Count(v, "/") == 0 && (best == "" || semver.Compare(v, best) > 0) {
			best = v
		}
	}
	if best == "" {
		return "", nil
	}
	return prefix + best, nil
}

// checkVersion checks v is a release version a tag can carry: a canonical
// semantic version (vMAJOR.MINOR.PATCH, optionally -prerelease), with no
// build metadata, and of major version 0 or 1 (v2 and later need a /v2
// module path).
func checkVersion(v string) error {
	switch {
	case !semver.IsValid(v):
		return fmt.Errorf("version %q is not a semantic version such as v0.1.0", v)
	case semver.Canonical(v) != v || semver.Build(v) != "":
		return fmt.Errorf("version %q is not canonical: write vMAJOR.MINOR.PATCH, e.g. %s", v, semver.Canonical(v))
	case semver.Major(v) != "v0" && semver.Major(v) != "v1":
		return fmt.Errorf("version %q needs a /%s suffix on every module path first", v, semver.Major(v))
	}
	return nil
}
