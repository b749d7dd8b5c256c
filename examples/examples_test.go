// Package examples_test builds and runs every example program, the way a
// newcomer runs them: go build, then the binary, with no set-up and no
// JUPICO_ variables, so each one runs against the in-process fake. A new
// directory under examples/ holding a main package is picked up without
// changing this file.
package examples_test

import (
	"bytes"
	"context"
	"errors"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// keyLines are lines each program must print when it works; a program not
// listed here must still exit 0 and print something.
var keyLines = map[string][]string{
	"quickstart":       {"online: true", "declined: tx_cc_declined", "rolled back by the SDK: true", "done"},
	"webhook-receiver": {"1 refused: webhook: no matching signature", "1 refused: webhook: timestamp too old", "summary: 3 processed, 3 duplicates dropped, 2 refused"},
	"rotation":         {"fake now accepts only merchant-api-v3", "client credentials rotated: merchant-api-v2 -> merchant-api-v3", ", 0 failed", "done: no request failed"},
	"merchant-service": {"POST /checkout -> 402 declined", "POST /checkout -> 503 not_charged", "the fake holds 1 sale", "done"},
	"doctor":           {"tls", "clock skew", "all checks passed"},
	"crash-recovery": {"Jupico holds 25.00 that nobody recorded", "order-7001, left unfinished by the dead process: rolled back",
		"Jupico now holds 0.00 for it (1 rollback)", "done"},
	"platform": {"invite inv_000001: Sent", "webhook onApplicationInitiated", "webhook onMerchantSubmit", "webhook onMerchantActivation",
		"merchant sm_000001 (Analytical Engines LLC, invite crm-1815) is active", "plan plan_000001 updated: 0 cycles (until cancelled)",
		"subscription sub_000001 active, charged 49.00 now",
		"available 49.00, pending 0.00", "payout po_000001 of 40.00: pending", "listed: payout-day-1 40.00 pending", "done"},
}

const (
	buildTimeout = 5 * time.Minute
	runTimeout   = 2 * time.Minute
)

func TestExamplesBuildAndRun(t *testing.T) {
	names := mainPackages(t)
	for name := range keyLines {
		require.Contains(t, names, name, "an example listed in keyLines is gone or no longer a main package")
	}
	bin := buildAll(t, names)

	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			stdout, stderr, err := runProgram(t, filepath.Join(bin, name), nil)
			require.NoError(t, err, "%s failed; its stderr:\n%s\nits stdout:\n%s", name, stderr, stdout)
			require.NotEmpty(t, strings.TrimSpace(stdout), "%s printed nothing", name)
			for _, line := range keyLines[name] {
				assert.Contains(t, stdout, line, "%s output", name)
			}
		})
	}

	// A program must fail loudly, not fall back to the fake, when asked for
	// an environment that does not exist.
	if slices.Contains(names, "doctor") {
		t.Run("doctor with an unknown environment", func(t *testing.T) {
			t.Parallel()
			_, stderr, err := runProgram(t, filepath.Join(bin, "doctor"), []string{"JUPICO_ENV=staging"})
			var exit *exec.ExitError
			require.ErrorAs(t, err, &exit)
			assert.Equal(t, 2, exit.ExitCode())
			assert.Contains(t, stderr, "unknown environment")
		})
	}
}

// mainPackages lists the directories next to this file whose non-test Go
// files declare package main.
func mainPackages(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(".")
	require.NoError(t, err)
	var names []string
	fset := token.NewFileSet()
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") || e.Name() == "testdata" {
			continue
		}
		files, err := filepath.Glob(filepath.Join(e.Name(), "*.go"))
		require.NoError(t, err)
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			ast, err := parser.ParseFile(fset, f, nil, parser.PackageClauseOnly)
			require.NoError(t, err)
			if ast.Name.Name == "main" {
				names = append(names, e.Name())
				break
			}
		}
	}
	require.NotEmpty(t, names, "no example programs found")
	return names
}

// buildAll builds every program with one go command, so shared packages
// compile once, into a temporary directory.
func buildAll(t *testing.T, names []string) string {
	t.Helper()
	goCmd, err := exec.LookPath("go")
	require.NoError(t, err, "the go command is needed to build the examples")
	bin := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	args := []string{"build", "-o", bin + string(filepath.Separator)}
	for _, n := range names {
		args = append(args, "./"+n)
	}
	cmd := exec.CommandContext(ctx, goCmd, args...)
	cmd.Env = cleanEnv(nil)
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build failed:\n%s", out)
	return bin
}

// runProgram runs one binary with a timeout, from an empty directory, with
// extra added to a clean environment.
func runProgram(t *testing.T, path string, extra []string) (string, string, error) {
	t.Helper()
	if runtime.GOOS == "windows" {
		path += ".exe"
	}
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path)
	cmd.Dir = t.TempDir()
	cmd.Env = cleanEnv(extra)
	cmd.WaitDelay = 10 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Errorf("%s did not finish within %v", filepath.Base(path), runTimeout)
	}
	return stdout.String(), stderr.String(), err
}

// cleanEnv is this process's environment without any JUPICO_ variable, so
// no program talks to a real Jupico from a developer's shell, plus extra.
func cleanEnv(extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "JUPICO_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}
