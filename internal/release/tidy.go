package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// tidyResult is what tidying a module found or did.
type tidyResult struct {
	Changed bool   // go.mod or go.sum was not tidy
	Diff    string // what differs, for a message
}

// tidy tidies m. A module that replaces every repository module it requires
// with a directory is tidied in place (`go mod tidy`, no workspace). Any
// other, such as cmd/jupico, whose go.mod has no replace, requires this
// repository's modules at versions a proxy cannot serve until they are
// tagged, so it is tidied in a copy, against a file proxy serving the work
// tree's modules at the versions it requires, and go.mod and go.sum are
// compared there. go.sum lines for this repository's modules are the
// hashes of a release: freshSums replaces them with the work tree's (the
// release does, once the work tree is the release), otherwise they are
// kept as they are and left out of the comparison. With write false
// nothing changes.
func (r *repo) tidy(m *module, write, freshSums bool) (tidyResult, error) {
	if r.localReplaces(m) {
		return r.tidyInPlace(m, write)
	}
	tmp, err := os.MkdirTemp("", "jupico-tidy-")
	if err != nil {
		return tidyResult{}, err
	}
	defer os.RemoveAll(tmp)

	proxy := filepath.Join(tmp, "proxy")
	if err := r.proxyFor(proxy, m); err != nil {
		return tidyResult{}, err
	}
	files, err := r.worktreeFiles(m)
	if err != nil {
		return tidyResult{}, err
	}
	copyDir := filepath.Join(tmp, "mod")
	for _, f := range files {
		if err := copyFile(f.(diskFile), filepath.Join(copyDir, filepath.FromSlash(f.Path()))); err != nil {
			return tidyResult{}, err
		}
	}
	origMod, err := readRepoFile(filepath.Join(r.abs(m.Dir), "go.mod"))
	if err != nil {
		return tidyResult{}, err
	}
	origSum, _ := readRepoFile(filepath.Join(r.abs(m.Dir), "go.sum"))
	own, others := r.splitSums(origSum)
	if err := writeFile(filepath.Join(copyDir, "go.sum"), others); err != nil {
		return tidyResult{}, err
	}
	env := r.proxyEnv(proxy, filepath.Join(tmp, "modcache"))
	if _, err := run(copyDir, env, "go", "mod", "tidy"); err != nil {
		return tidyResult{}, fmt.Errorf("%s: go mod tidy against the work tree's modules: %w", m.Dir, err)
	}
	newMod, err := readRepoFile(filepath.Join(copyDir, "go.mod"))
	if err != nil {
		return tidyResult{}, err
	}
	newSum, _ := readRepoFile(filepath.Join(copyDir, "go.sum"))
	newOwn, newOthers := r.splitSums(newSum)

	var diff []string
	if !bytes.Equal(origMod, newMod) {
		diff = append(diff, fmt.Sprintf("%s/go.mod would become:\n%s", m.Dir, newMod))
	}
	if d := lineDiff(others, newOthers); d != "" {
		diff = append(diff, fmt.Sprintf("%s/go.sum, lines of other modules:\n%s", m.Dir, d))
	}
	wantOwn := own
	if freshSums {
		wantOwn = newOwn
		if d := lineDiff(own, newOwn); d != "" {
			diff = append(diff, fmt.Sprintf("%s/go.sum, this repository's modules:\n%s", m.Dir, d))
		}
	}
	res := tidyResult{Changed: len(diff) > 0, Diff: strings.Join(diff, "\n")}
	if write && res.Changed {
		if err := writeFile(filepath.Join(r.abs(m.Dir), "go.mod"), newMod); err != nil {
			return res, err
		}
		if err := writeFile(filepath.Join(r.abs(m.Dir), "go.sum"), mergeSums(wantOwn, newOthers)); err != nil {
			return res, err
		}
		return res, r.load()
	}
	return res, nil
}

// tidyInPlace runs go mod tidy (or go mod tidy -diff) in m's directory.
func (r *repo) tidyInPlace(m *module, write bool) (tidyResult, error) {
	env := append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	if !write {
		out, err := run(r.abs(m.Dir), env, "go", "mod", "tidy", "-diff")
		if err != nil {
			if strings.HasPrefix(out, "diff") || strings.Contains(out, "\n+++ ") {
				return tidyResult{Changed: true, Diff: out}, nil
			}
			return tidyResult{}, err
		}
		return tidyResult{}, nil
	}
	before := r.readModSum(m)
	if _, err := run(r.abs(m.Dir), env, "go", "mod", "tidy"); err != nil {
		return tidyResult{}, err
	}
	changed := r.readModSum(m) != before
	return tidyResult{Changed: changed}, r.load()
}

func (r *repo) readModSum(m *module) string {
	a, _ := readRepoFile(filepath.Join(r.abs(m.Dir), "go.mod"))
	b, _ := readRepoFile(filepath.Join(r.abs(m.Dir), "go.sum"))
	return string(a) + "\x00" + string(b)
}

// proxyFor writes into dir a file proxy serving, from the work tree, every
// repository module m needs at the version required (and the modules
// those require, at theirs).
func (r *repo) proxyFor(dir string, m *module) error {
	type key struct {
		m *module
		v string
	}
	seen := map[key]bool{}
	var walk func(from *module) error
	walk = func(from *module) error {
		for _, req := range from.File.Require {
			d := r.byPath(req.Mod.Path)
			if d == nil || d == from {
				continue
			}
			k := key{d, req.Mod.Version}
			if seen[k] {
				continue
			}
			seen[k] = true
			if _, err := writeProxy(dir, []*module{d}, req.Mod.Version, r.worktreeFiles); err != nil {
				return err
			}
			if err := walk(d); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(m)
}

// splitSums splits go.sum content into the lines of this repository's
// modules and the others.
func (r *repo) splitSums(sum []byte) (own, others []byte) {
	for _, l := range strings.SplitAfter(string(sum), "\n") {
		if strings.TrimSpace(l) == "" {
			continue
		}
		if !strings.HasSuffix(l, "\n") {
			l += "\n"
		}
		if f := strings.Fields(l); len(f) > 0 && r.byPath(f[0]) != nil {
			own = append(own, l...)
		} else {
			others = append(others, l...)
		}
	}
	return own, others
}

// mergeSums returns the lines of a and b sorted, as go.sum keeps them.
func mergeSums(a, b []byte) []byte {
	lines := strings.Split(strings.TrimSpace(string(a)+"\n"+string(b)), "\n")
	var out []string
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	sort.Strings(out)
	if len(out) == 0 {
		return nil
	}
	return []byte(strings.Join(out, "\n") + "\n")
}

// lineDiff lists the lines only a has (-) and only b has (+).
func lineDiff(a, b []byte) string {
	in := func(s []byte) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(string(s), "\n") {
			if strings.TrimSpace(l) != "" {
				m[l] = true
			}
		}
		return m
	}
	am, bm := in(a), in(b)
	var out []string
	for l := range am {
		if !bm[l] {
			out = append(out, "- "+l)
		}
	}
	for l := range bm {
		if !am[l] {
			out = append(out, "+ "+l)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i][2:] < out[j][2:] })
	return strings.Join(out, "\n")
}

func copyFile(f diskFile, to string) error {
	if !f.info.Mode().IsRegular() {
		return nil
	}
	if err := mkdirAll(filepath.Dir(to)); err != nil {
		return err
	}
	src, err := os.Open(f.file)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := createFile(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(dst, src); err != nil {
		_ = dst.Close() // the copy's error is the one to report
		return err
	}
	return dst.Close()
}
