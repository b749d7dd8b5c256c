package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// verify takes release v the way users will: from a file proxy built from
// the tags alone, in fresh modules outside the repository, it gets each
// released module on its own, builds a program importing every public
// package of every released module, installs the command with go install
// pkg@version and runs its version subcommand. Every go.mod at the tags is
// read first, so a requirement on an unreleased version or a replace in
// the command is named plainly.
func verify(r *repo, v string, out io.Writer) error {
	if err := checkVersion(v); err != nil {
		return err
	}
	released := r.released()
	for _, m := range released {
		if _, err := r.git("rev-parse", "-q", "--verify", "refs/tags/"+m.tag(v)); err != nil {
			return fmt.Errorf("%s: no tag %s: run the release first", m.Path, m.tag(v))
		}
	}
	if problems := r.checkGoMods(v); len(problems) > 0 {
		return fmt.Errorf("the released go.mod files would fail users:\n  %s", strings.Join(problems, "\n  "))
	}

	tmp, err := os.MkdirTemp("", "jupico-verify-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	proxy := filepath.Join(tmp, "proxy")
	var seed []byte
	for _, m := range released {
		if _, err := writeProxy(proxy, []*module{m}, v, r.revFiles(m.tag(v))); err != nil {
			return err
		}
		name := "go.sum"
		if m.Dir != "." {
			name = m.Dir + "/go.sum"
		}
		if s, err := r.git("show", m.tag(v)+":"+name); err == nil {
			_, others := r.splitSums([]byte(s))
			seed = mergeSums(seed, others)
		}
	}
	fmt.Fprintf(out, "proxy of %d modules at %s from their tags: %s\n", len(released), v, proxy)
	env := r.proxyEnv(proxy, filepath.Join(tmp, "modcache"))

	// newConsumer makes an empty module outside the repository whose go.sum
	// holds the hashes the released modules' go.sum files vouch for (so no
	// checksum database is asked for the usual dependencies).
	newConsumer := func(name string) (string, error) {
		dir := filepath.Join(tmp, name)
		if err := mkdirAll(dir); err != nil {
			return "", err
		}
		if _, err := run(dir, env, "go", "mod", "init", "example.com/"+name); err != nil {
			return "", err
		}
		return dir, writeFile(filepath.Join(dir, "go.sum"), seed)
	}

	for _, m := range released {
		dir, err := newConsumer("get-" + strings.NewReplacer("/", "-", ".", "root").Replace(m.Dir))
		if err != nil {
			return err
		}
		if _, err := run(dir, env, "go", "get", m.Path+"@"+v); err != nil {
			return fmt.Errorf("%s: go get %s@%s failed in a fresh module: %w", m.Path, m.Path, v, err)
		}
		fmt.Fprintf(out, "ok  go get %s@%s\n", m.Path, v)
	}

	// Every public package of every released module in one program.
	dir, err := newConsumer("imports")
	if err != nil {
		return err
	}
	args := []string{"get"}
	for _, m := range released {
		args = append(args, m.Path+"@"+v)
	}
	if _, err := run(dir, env, "go", args...); err != nil {
		return fmt.Errorf("go get of every released module together: %w", err)
	}
	listArgs := []string{"list", "-e", "-f", "{{.ImportPath}} {{.Name}} {{len .GoFiles}} {{.Module.Path}}"}
	for _, m := range released {
		listArgs = append(listArgs, m.Path+"/...")
	}
	listed, err := run(dir, env, "go", listArgs...)
	if err != nil {
		return err
	}
	var pkgs []string
	for _, l := range strings.Split(listed, "\n") {
		f := strings.Fields(l)
		if len(f) != 4 || f[1] == "main" || f[2] == "0" || !isPublic(f[0]) {
			continue
		}
		if m := r.byPath(f[3]); m == nil || !m.released() {
			continue
		}
		pkgs = append(pkgs, f[0])
	}
	sort.Strings(pkgs)
	pkgs = compactStrings(pkgs)
	if len(pkgs) == 0 {
		return fmt.Errorf("no public package found in the released modules")
	}
	var src strings.Builder
	src.WriteString("// Command imports imports every public package of the release.\npackage main\n\nimport (\n")
	for _, p := range pkgs {
		fmt.Fprintf(&src, "\t_ %q\n", p)
	}
	src.WriteString(")\n\nfunc main() {}\n")
	if err := writeFile(filepath.Join(dir, "main.go"), []byte(src.String())); err != nil {
		return err
	}
	if _, err := run(dir, env, "go", "mod", "tidy"); err != nil {
		return fmt.Errorf("a program importing every public package: %w", err)
	}
	if _, err := run(dir, env, "go", "build", "-o", filepath.Join(tmp, "imports.bin"), "."); err != nil {
		return fmt.Errorf("a program importing every public package does not build: %w", err)
	}
	fmt.Fprintf(out, "ok  built a program importing the %d public packages:\n", len(pkgs))
	for _, p := range pkgs {
		fmt.Fprintf(out, "      %s\n", p)
	}

	// go install of every command, then its version.
	gobin := filepath.Join(tmp, "bin")
	installEnv := append(append([]string{}, env...), "GOFLAGS=-modcacherw", "GOBIN="+gobin)
	for _, m := range released {
		if !r.isCommand(m) {
			continue
		}
		if _, err := run(tmp, installEnv, "go", "install", m.Path+"@"+v); err != nil {
			return fmt.Errorf("%s: go install %s@%s failed: %w", m.Path, m.Path, v, err)
		}
		bin := filepath.Join(gobin, path.Base(m.Path))
		got, err := run(tmp, env, bin, "version", "--json")
		if err != nil {
			return fmt.Errorf("%s version: %w", bin, err)
		}
		var vi struct {
			Command   string `json:"command"`
			SDKModule string `json:"sdkModule"`
			SDK       string `json:"sdk"`
		}
		if err := json.Unmarshal([]byte(got), &vi); err != nil {
			return fmt.Errorf("%s version --json: %w: %s", bin, err, got)
		}
		if vi.Command != v || vi.SDKModule != v || vi.SDK != strings.TrimPrefix(v, "v") {
			return fmt.Errorf("%s version --json says command %q, SDK module %q, jupico.Version %q; want %s, %s, %s:\n%s",
				bin, vi.Command, vi.SDKModule, vi.SDK, v, v, strings.TrimPrefix(v, "v"), got)
		}
		text, err := run(tmp, env, bin, "version")
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "ok  go install %s@%s; %s version: %s", m.Path, v, path.Base(m.Path), text)
	}
	return nil
}

// isPublic reports whether an import path is outside every internal
// directory.
func isPublic(p string) bool {
	for _, e := range strings.Split(p, "/") {
		if e == "internal" {
			return false
		}
	}
	return true
}

func compactStrings(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
