package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func TestAPIRecordsAndNamesIncompatibleChanges(t *testing.T) {
	t.Parallel()
	r := newFakeRepo(t, nil)
	var out bytes.Buffer
	if err := checkAPI(r, false, &out); err == nil || !strings.Contains(err.Error(), "api/root.txt is missing") || !strings.Contains(err.Error(), "go -C internal/release run . api -w") {
		t.Fatalf("api with nothing recorded: %v", err)
	}
	if err := checkAPI(r, true, &out); err != nil {
		t.Fatal(err)
	}
	root := readFile(t, r, "api/root.txt")
	for _, want := range []string{
		"pkg example.com/fake/jupico, const Version untyped string = \"0.1.0-dev\"\n",
		"pkg example.com/fake/jupico, func Hello() string\n",
	} {
		if !strings.Contains(root, want) {
			t.Errorf("api/root.txt lacks %q:\n%s", want, root)
		}
	}
	if strings.Contains(root, "/internal/") {
		t.Errorf("api/root.txt records an internal package:\n%s", root)
	}
	if got := readFile(t, r, "api/lib.txt"); !strings.Contains(got, "pkg example.com/fake/lib, func Greet() string\n") {
		t.Errorf("api/lib.txt:\n%s", got)
	}
	if _, err := os.Stat(r.abs("api/cmd-fake.txt")); !os.IsNotExist(err) {
		t.Errorf("a command got an API file: %v", err)
	}
	if err := checkAPI(r, false, &out); err != nil {
		t.Fatalf("api right after api -w: %v", err)
	}
	mustGit(t, r.dir, "add", "-A")
	mustGit(t, r.dir, "commit", "-q", "-m", "api")

	// Before the first release: a recorded name the API lost must be named
	// in Unreleased; -w refuses until it is.
	rename := func(from, to string) {
		t.Helper()
		src := strings.ReplaceAll(readFile(t, r, "jupico/client.go"), from, to)
		if err := os.WriteFile(r.abs("jupico/client.go"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		src = strings.ReplaceAll(readFile(t, r, "lib/lib.go"), from, to)
		if err := os.WriteFile(r.abs("lib/lib.go"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rename("Hello()", "Greeting()")
	for _, write := range []bool{false, true} {
		err := checkAPI(r, write, &out)
		if err == nil || !strings.Contains(err.Error(), "does not name:\n    Hello (removed or changed: pkg example.com/fake/jupico, func Hello() string)") {
			t.Fatalf("api (write %v) with Hello removed and not in CHANGELOG: %v", write, err)
		}
	}
	cl := strings.Replace(readFile(t, r, changelogFile), "### Fixed", "### Removed\n- `Hello`: use `Greeting`.\n\n### Fixed", 1)
	if err := os.WriteFile(r.abs(changelogFile), []byte(cl), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := checkAPI(r, false, &out); err == nil || !strings.Contains(err.Error(), "api/root.txt differs") || !strings.Contains(err.Error(), "+ pkg example.com/fake/jupico, func Greeting() string") {
		t.Fatalf("api with an unrecorded change: %v", err)
	}
	if err := checkAPI(r, true, &out); err != nil {
		t.Fatalf("api -w of a change CHANGELOG names: %v", err)
	}

	// After a release (Unreleased emptied), apidiff against the module's
	// last tag.
	if err := os.WriteFile(r.abs(changelogFile), []byte("# Changelog\n\n## [Unreleased]\n\n## [0.1.0] - 2026-12-01\n\n"+unreleasedText(cl)), 0o644); err != nil {
		t.Fatal(err)
	}
	mustGit(t, r.dir, "add", "-A")
	mustGit(t, r.dir, "commit", "-q", "-m", "Greeting")
	mustGit(t, r.dir, "tag", "-a", "v0.1.0", "-m", "v0.1.0")
	mustGit(t, r.dir, "tag", "-a", "lib/v0.1.0", "-m", "lib/v0.1.0")
	rename("Greeting()", "Salute()")
	err := checkAPI(r, true, &out)
	if err == nil || !strings.Contains(err.Error(), "Greeting (example.com/fake/jupico: Greeting: removed (since v0.1.0))") {
		t.Fatalf("api -w with Greeting removed since v0.1.0: %v", err)
	}
	if strings.Contains(readFile(t, r, "api/root.txt"), "Salute") {
		t.Error("api -w recorded an incompatible change CHANGELOG does not name")
	}
}
