package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The tests work on a tiny repository made in t.TempDir() with the layout
// the tool expects: a root module with jupico/version.go and a
// CHANGELOG.md, a nested library module with a replace, a command module
// with none (built through its go.work), and an internal tool module that
// is not released.
const fakeRoot = "example.com/fake"

var fakeFiles = map[string]string{
	"go.mod":            "module example.com/fake\n\ngo 1.25.0\n",
	"LICENSE":           "fake license\n",
	"jupico/version.go": "// Package jupico is the fake SDK.\npackage jupico\n\n// Version is the SDK's version.\nconst Version = \"0.1.0-dev\"\n",
	"jupico/client.go":  "package jupico\n\n// Hello greets.\nfunc Hello() string { return \"hello \" + Version }\n",
	"internal/x/x.go":   "// Package x is internal.\npackage x\n\n// X is internal.\nconst X = 1\n",
	"CHANGELOG.md": `# Changelog

## [Unreleased]

### Added
- A greeting.

### Fixed
- The greeting's spelling.
`,
	"lib/go.mod":       "module example.com/fake/lib\n\ngo 1.25.0\n\nrequire example.com/fake v0.0.0\n\nreplace example.com/fake => ../\n",
	"lib/lib.go":       "// Package lib is a nested library.\npackage lib\n\nimport \"example.com/fake/jupico\"\n\n// Greet greets twice.\nfunc Greet() string { return jupico.Hello() + jupico.Hello() }\n",
	"cmd/fake/go.mod":  "module example.com/fake/cmd/fake\n\ngo 1.25.0\n\nrequire example.com/fake v0.1.0\n",
	"cmd/fake/go.work": "go 1.25.0\n\nuse .\n\nreplace example.com/fake => ../..\n",
	"cmd/fake/main.go": `// Command fake prints its version as jupico version --json does.
package main

import (
	"encoding/json"
	"os"
	"runtime/debug"

	"example.com/fake/jupico"
)

func main() {
	v := map[string]string{"command": "(devel)", "sdkModule": "(devel)", "sdk": jupico.Version}
	if bi, ok := debug.ReadBuildInfo(); ok {
		v["command"] = bi.Main.Version
		for _, d := range bi.Deps {
			if d.Path == "example.com/fake" {
				v["sdkModule"] = d.Version
			}
		}
	}
	_ = json.NewEncoder(os.Stdout).Encode(v)
}
`,
	"internal/tool/go.mod":  "module example.com/fake/internal/tool\n\ngo 1.25.0\n\nrequire example.com/fake v0.0.0\n\nreplace example.com/fake => ../..\n",
	"internal/tool/tool.go": "// Command tool is not released.\npackage main\n\nimport \"example.com/fake/jupico\"\n\nfunc main() { println(jupico.Version) }\n",
}

// newFakeRepo writes files (fakeFiles with changes: "" deletes) into a new
// git repository and commits them.
func newFakeRepo(t *testing.T, changes map[string]string) *repo {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{}
	for k, v := range fakeFiles {
		files[k] = v
	}
	for k, v := range changes {
		files[k] = v
	}
	for name, content := range files {
		if content == "" {
			continue
		}
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mustGit(t, dir, "init", "-q", "-b", "main")
	mustGit(t, dir, "config", "user.name", "test")
	mustGit(t, dir, "config", "user.email", "test@example.invalid")
	mustGit(t, dir, "config", "tag.gpgSign", "false")
	mustGit(t, dir, "config", "commit.gpgSign", "false")
	mustGit(t, dir, "add", "-A")
	mustGit(t, dir, "commit", "-q", "-m", "fake")
	r, err := openRepo(dir)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func mustGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := gitOut(dir, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// addSection adds the dated section of ver after the Unreleased entries
// and commits.
func addSection(t *testing.T, r *repo, ver string) {
	t.Helper()
	f, err := os.OpenFile(r.abs(changelogFile), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("\n## [" + ver + "] - 2026-12-01\n"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	mustGit(t, r.dir, "commit", "-q", "-am", "CHANGELOG: "+ver)
}

func readFile(t *testing.T, r *repo, name string) string {
	t.Helper()
	data, err := os.ReadFile(r.abs(name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestReleaseCutsTagsAndUsersCanTakeIt(t *testing.T) {
	t.Parallel()
	r := newFakeRepo(t, nil)
	addSection(t, r, "0.1.0")

	var out bytes.Buffer
	if err := release(r, "v0.1.0", false, &out); err != nil {
		t.Fatalf("release: %v\n%s", err, out.String())
	}
	// Annotated tags of the released modules only, all on the release
	// commit, in dependency order in the printed push command.
	head := strings.TrimSpace(mustGit(t, r.dir, "rev-parse", "HEAD"))
	for _, tag := range []string{"v0.1.0", "cmd/fake/v0.1.0", "lib/v0.1.0"} {
		if got := strings.TrimSpace(mustGit(t, r.dir, "cat-file", "-t", tag)); got != "tag" {
			t.Errorf("%s is a %s, want an annotated tag", tag, got)
		}
		if got := strings.TrimSpace(mustGit(t, r.dir, "rev-parse", tag+"^{commit}")); got != head {
			t.Errorf("%s points at %s, want the release commit %s", tag, got, head)
		}
	}
	if tags := mustGit(t, r.dir, "tag", "--list", "internal/*"); tags != "" {
		t.Errorf("internal modules got tags: %s", tags)
	}
	if !strings.Contains(out.String(), "git push origin main v0.1.0 cmd/fake/v0.1.0 lib/v0.1.0\n") {
		t.Errorf("output has no push command in dependency order:\n%s", out.String())
	}
	if s := mustGit(t, r.dir, "status", "--porcelain"); s != "" {
		t.Errorf("work tree not clean after the release:\n%s", s)
	}
	if got := mustGit(t, r.dir, "log", "-1", "--format=%s"); got != "Release v0.1.0\n" {
		t.Errorf("release commit subject %q", got)
	}

	if got := readFile(t, r, versionFile); !strings.Contains(got, `const Version = "0.1.0"`) {
		t.Errorf("version.go not set:\n%s", got)
	}
	for _, dir := range []string{"lib", "internal/tool"} {
		got := readFile(t, r, dir+"/go.mod")
		if !strings.Contains(got, "require example.com/fake v0.1.0") || !strings.Contains(got, "replace example.com/fake =>") {
			t.Errorf("%s/go.mod: want the requirement at v0.1.0 and the replace kept:\n%s", dir, got)
		}
	}
	// The command's go.sum holds the root's hash at the tag, which go
	// install pkg@version checks.
	sums, err := writeProxy(t.TempDir(), []*module{r.root()}, "v0.1.0", r.revFiles("v0.1.0"))
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, r, "cmd/fake/go.sum"); !strings.Contains(got, "example.com/fake v0.1.0 "+sums[fakeRoot]+"\n") {
		t.Errorf("cmd/fake/go.sum lacks example.com/fake v0.1.0 %s:\n%s", sums[fakeRoot], got)
	}
	wantCL := `# Changelog

## [Unreleased]

## [0.1.0] - 2026-12-01

### Added
- A greeting.

### Fixed
- The greeting's spelling.
`
	if got := readFile(t, r, changelogFile); got != wantCL {
		t.Errorf("CHANGELOG.md:\n%s\nwant:\n%s", got, wantCL)
	}

	// The consumer's path.
	out.Reset()
	if err := verify(r, "v0.1.0", &out); err != nil {
		t.Fatalf("verify: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"ok  go get example.com/fake@v0.1.0", "ok  go get example.com/fake/lib@v0.1.0", "ok  go get example.com/fake/cmd/fake@v0.1.0",
		"importing the 2 public packages", "      example.com/fake/jupico\n", "      example.com/fake/lib\n",
		"ok  go install example.com/fake/cmd/fake@v0.1.0",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("verify output lacks %q:\n%s", want, out.String())
		}
	}

	// The same version cannot be cut twice.
	if err := release(r, "v0.1.0", true, &out); err == nil || !strings.Contains(err.Error(), "tag v0.1.0 already exists") {
		t.Errorf("second release of v0.1.0: %v", err)
	}
}

func TestReleaseDryRunChangesNothing(t *testing.T) {
	t.Parallel()
	r := newFakeRepo(t, nil)
	addSection(t, r, "0.2.0")
	head := mustGit(t, r.dir, "rev-parse", "HEAD")
	var out bytes.Buffer
	if err := release(r, "v0.2.0", true, &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"CHANGELOG.md: section [0.2.0] - 2026-12-01, 2 lines moved in from Unreleased",
		`jupico/version.go: Version "0.1.0-dev" => "0.2.0"`,
		"lib/go.mod: example.com/fake v0.0.0 => v0.2.0",
		"cmd/fake/go.mod: example.com/fake v0.1.0 => v0.2.0",
		"internal/tool/go.mod: example.com/fake v0.0.0 => v0.2.0",
		"    v0.2.0\n    cmd/fake/v0.2.0\n    lib/v0.2.0\n",
		"dry run: nothing changed",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("plan lacks %q:\n%s", want, out.String())
		}
	}
	if got := mustGit(t, r.dir, "rev-parse", "HEAD"); got != head {
		t.Error("a dry run committed")
	}
	if s := mustGit(t, r.dir, "status", "--porcelain"); s != "" {
		t.Errorf("a dry run changed files:\n%s", s)
	}
	if tags := mustGit(t, r.dir, "tag"); tags != "" {
		t.Errorf("a dry run tagged: %s", tags)
	}
}

func TestReleaseRefusesAndChangesNothing(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		changes map[string]string
		section string // dated section to add, if any
		dirty   bool
		version string
		want    string
	}{
		"not semver":      {version: "0.1.0", section: "0.1.0", want: `"0.1.0" is not a semantic version`},
		"not canonical":   {version: "v0.1", section: "0.1.0", want: "is not canonical"},
		"build metadata":  {version: "v0.1.0+meta", section: "0.1.0", want: "is not canonical"},
		"major version 2": {version: "v2.0.0", section: "2.0.0", want: "needs a /v2 suffix"},
		"dirty work tree": {version: "v0.1.0", section: "0.1.0", dirty: true, want: "the work tree has changes"},
		"no section":      {version: "v0.1.0", want: `CHANGELOG.md has no section for 0.1.0: add the line "## [0.1.0] - `},
		"section with no date": {
			version: "v0.1.0",
			changes: map[string]string{"CHANGELOG.md": "# Changelog\n\n## [Unreleased]\n\n- x\n\n## [0.1.0]\n"},
			want:    `the section "## [0.1.0]" needs a date`,
		},
		"replace in the command": {
			version: "v0.1.0", section: "0.1.0",
			changes: map[string]string{"cmd/fake/go.mod": "module example.com/fake/cmd/fake\n\ngo 1.25.0\n\nrequire example.com/fake v0.1.0\n\nreplace example.com/fake => ../..\n"},
			want:    "cmd/fake/go.mod has a replace directive, which go install example.com/fake/cmd/fake@v0.1.0 refuses",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := newFakeRepo(t, tc.changes)
			if tc.section != "" {
				addSection(t, r, tc.section)
			}
			if tc.dirty {
				if err := os.WriteFile(r.abs("new.txt"), []byte("x"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			head := mustGit(t, r.dir, "rev-parse", "HEAD")
			status := mustGit(t, r.dir, "status", "--porcelain")
			var out bytes.Buffer
			err := release(r, tc.version, false, &out)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("release(%s) = %v, want an error containing %q", tc.version, err, tc.want)
			}
			if mustGit(t, r.dir, "rev-parse", "HEAD") != head || mustGit(t, r.dir, "status", "--porcelain") != status || mustGit(t, r.dir, "tag") != "" {
				t.Error("a refused release changed the repository")
			}
		})
	}
}

func TestVerifyNamesLeakedReplaceAndUnreleasedRequirement(t *testing.T) {
	t.Parallel()
	r := newFakeRepo(t, map[string]string{
		"lib/go.mod":      "module example.com/fake/lib\n\ngo 1.25.0\n\nrequire example.com/fake v0.0.9\n\nreplace example.com/fake => ../\n",
		"cmd/fake/go.mod": "module example.com/fake/cmd/fake\n\ngo 1.25.0\n\nrequire example.com/fake v0.1.0\n\nreplace example.com/fake => ../..\n",
	})
	for _, tag := range []string{"v0.1.0", "lib/v0.1.0", "cmd/fake/v0.1.0"} {
		mustGit(t, r.dir, "tag", "-a", tag, "-m", tag)
	}
	var out bytes.Buffer
	err := verify(r, "v0.1.0", &out)
	if err == nil {
		t.Fatal("verify passed a release whose command has a replace")
	}
	for _, want := range []string{
		"example.com/fake/lib requires example.com/fake v0.0.9, which is not released (no tag v0.0.9)",
		"example.com/fake/cmd/fake: go.mod replaces example.com/fake with ../..; go install example.com/fake/cmd/fake@v0.1.0 refuses a replace",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestTidyDiffChecksTheCommandAgainstTheWorkTree(t *testing.T) {
	t.Parallel()
	r := newFakeRepo(t, nil)
	var out bytes.Buffer
	// The command's go.sum lacks nothing but this repository's hashes,
	// which belong to a release: tidy.
	if err := tidyAll(r, []string{"cmd/fake", "lib"}, true, &out); err != nil {
		t.Fatalf("tidy -diff: %v\n%s", err, out.String())
	}
	// A requirement the code does not use is found, though go mod tidy
	// itself cannot run there (example.com/fake v0.1.0 is not published).
	gomod := fakeFiles["cmd/fake/go.mod"] + "\nrequire example.com/fake/lib v0.1.0\n"
	if err := os.WriteFile(r.abs("cmd/fake/go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	mustGit(t, r.dir, "commit", "-q", "-am", "unused requirement")
	if err := r.load(); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err := tidyAll(r, []string{"cmd/fake"}, true, &out)
	if err == nil || !strings.Contains(err.Error(), "not tidy: cmd/fake") || !strings.Contains(out.String(), "cmd/fake/go.mod would become") {
		t.Fatalf("tidy -diff of an untidy command: %v\n%s", err, out.String())
	}
	cmd := exec.Command("go", "mod", "tidy", "-diff")
	cmd.Dir = r.abs("cmd/fake")
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOWORK=off")
	if err := cmd.Run(); err == nil {
		t.Error("go mod tidy -diff ran in the command without a proxy; the test does not show what it means to")
	}
}
