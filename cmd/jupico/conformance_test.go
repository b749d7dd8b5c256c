package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/internal/app/conformance"
	"github.com/jupico/jupico-go/internal/wire"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// conformanceFake is an in-process fake that settles sales by itself, so
// the payout finds a balance.
func conformanceFake(t *testing.T) *jupicotest.Server {
	return jupicotest.NewServer(t, jupicotest.WithSettleAfter(200*time.Millisecond))
}

// Against the fake every operation is ok: exit 0, and the JSON report has
// the documented shape.
func TestConformanceAgainstFake(t *testing.T) {
	t.Parallel()
	srv := conformanceFake(t)
	env, flags := fakeEnv(t, srv)
	md := filepath.Join(t.TempDir(), "report.md")
	r := cli(t, env, args(flags, "conformance", "--json", "--rate", "500", "--markdown", md)...)
	require.Equal(t, exitOK, r.code, r.stderr)

	var doc map[string]json.RawMessage
	r.decode(t, &doc)
	for _, k := range []string{"target", "prefix", "operations", "cleanup"} {
		assert.Contains(t, doc, k)
	}
	var target string
	require.NoError(t, json.Unmarshal(doc["target"], &target))
	assert.Equal(t, srv.URL(), target)
	var ops []map[string]any
	require.NoError(t, json.Unmarshal(doc["operations"], &ops))
	require.Len(t, ops, len(wire.Operations))
	for i, op := range ops {
		assert.Equal(t, wire.Operations[i].Name, op["operation"], "in the wire table's order")
		assert.Equal(t, "ok", op["result"], "%v", op)
		assert.Equal(t, true, op["sent"], "%v", op)
		assert.EqualValues(t, 200, op["status"], "%v", op)
		assert.Contains(t, op, "duration_ms")
		assert.NotContains(t, op, "unknown")
		assert.NotContains(t, op, "missing")
		assert.NotContains(t, op, "error")
	}
	var cleanup struct {
		Cleaned []map[string]string `json:"cleaned"`
		Left    []map[string]string `json:"left"`
	}
	require.NoError(t, json.Unmarshal(doc["cleanup"], &cleanup))
	assert.NotEmpty(t, cleanup.Cleaned)
	assert.Len(t, cleanup.Left, 3, "the provisioned applicant, application and sub-merchant")

	b, err := os.ReadFile(md)
	require.NoError(t, err)
	assert.Contains(t, string(b), "| `creditcard.sale` | ok | 200 |")
	assert.Contains(t, string(b), "69 operations: 69 ok, 0 drift, 0 refused, 0 skipped")

	// The table, for a person.
	r = cli(t, env, args(flags, "conformance", "--rate", "500")...)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "OPERATION")
	assert.Regexp(t, `(?m)^payouts\.void\s+ok\s+200\s+-`, r.stdout)
	assert.Contains(t, r.stdout, "69 ok, 0 drift, 0 refused, 0 skipped")
	assert.Contains(t, r.stdout, "no operation removes it")
}

// A refusal exits 1 and names the operation, its status and code.
func TestConformanceRefusalExits1(t *testing.T) {
	t.Parallel()
	srv := conformanceFake(t)
	srv.InjectFault(wire.InvoiceSend.Path, jupicotest.Fault{Status: 401, Code: wire.CodeAuthInvalidRole})
	env, flags := fakeEnv(t, srv)
	r := cli(t, env, args(flags, "conformance", "--json", "--rate", "500")...)
	assert.Equal(t, exitFailed, r.code, r.stderr)
	assert.Contains(t, r.stderr, "0 operations drifted, 1 were refused")
	var rep conformance.Report
	r.decode(t, &rep)
	for _, op := range rep.Operations {
		if op.Operation == wire.InvoiceSend.Name {
			assert.Equal(t, conformance.ResultRefused, op.Result)
			assert.Equal(t, 401, op.Status)
			assert.Equal(t, wire.CodeAuthInvalidRole, op.Code)
			assert.Equal(t, "answered 401 where success was expected", op.Error)
		} else {
			assert.Equal(t, conformance.ResultOK, op.Result, op.Operation)
		}
	}
}

// A server that cannot be reached exits 3; bad usage and production exit
// 2 before anything is sent.
func TestConformanceExitCodes(t *testing.T) {
	t.Parallel()
	srv := conformanceFake(t)
	env, flags := fakeEnv(t, srv)

	r := cli(t, env, "conformance", "--base-url", "https://"+closedAddr(t), "--json")
	assert.Equal(t, exitTransport, r.code, r.stderr)
	var rep conformance.Report
	r.decode(t, &rep)
	assert.True(t, rep.Unreachable)
	assert.Contains(t, r.stderr, "could not be reached")

	// The certificate is not trusted: TLS fails, exit 3.
	r = cli(t, env, "conformance", "--base-url", srv.URL())
	assert.Equal(t, exitTransport, r.code, r.stderr)

	for _, c := range []struct {
		env  []string
		args []string
		want string
	}{
		{nil, []string{"--env", "production"}, "refusing to run against production"},
		{[]string{"JUPICO_ENV=production"}, nil, "refusing to run against production"},
		{[]string{"JUPICO_ENV=production"}, flags, "refusing to run against production"},
		{nil, []string{"--base-url", "https://platform.jupico.com"}, "refusing to run against production"},
		{nil, []string{"--base-url", "https://Platform.Jupico.com:443/"}, "refusing to run against production"},
		{nil, []string{"--env", "staging"}, "--env"},
		{nil, args(flags, "--rate", "0"), "--rate must be positive"},
		{nil, args(flags, "--timeout", "0s"), "--timeout must be positive"},
		{nil, args(flags, "--markdown", filepath.Join(t.TempDir(), "no", "such", "dir.md")), "--markdown"},
	} {
		r := cli(t, append(append([]string(nil), env...), c.env...), append([]string{"conformance"}, c.args...)...)
		assert.Equal(t, exitUsage, r.code, "%v %v: %s", c.env, c.args, r.stderr)
		assert.Contains(t, r.stderr, c.want, "%v %v", c.env, c.args)
	}
	assert.Empty(t, srv.Requests(), "nothing was sent to the fake by a refused run")
}

// SIGINT part-way through: the run stops, cleans up what it created and
// reports what it could not undo; the exit code is 1.
func TestConformanceInterruptCleansUp(t *testing.T) {
	t.Parallel()
	srv := conformanceFake(t)
	env, flags := fakeEnv(t, srv)
	cmd := exec.Command(bin, args(flags, "conformance", "--json", "--rate", "20")...)
	cmd.Env = append([]string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	require.Eventually(t, func() bool { return len(srv.Requests()) >= 20 }, 20*time.Second, 10*time.Millisecond)
	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	err := cmd.Wait()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "stderr: %s", stderr.String())
	assert.Equal(t, exitFailed, ee.ExitCode())
	assert.Contains(t, stderr.String(), "interrupted")

	var rep conformance.Report
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &rep), stdout.String())
	assert.True(t, rep.Interrupted)
	assert.Positive(t, rep.Counts()[conformance.ResultSkipped])
	assert.NotEmpty(t, rep.Cleanup.Cleaned)
	for _, l := range rep.Cleanup.Left {
		assert.Equal(t, "no operation removes it", l.Reason, "%s %s", l.Resource, l.ID)
	}
	for _, tx := range srv.Transactions() {
		assert.True(t, tx.Voided || tx.Captured == tx.Refunded, "%s (%s) left charged", tx.ID, tx.Reference)
	}
	assert.True(t, strings.HasPrefix(rep.Prefix, "conf-"))
}

// Drift exits 1, and the report names the members, never their values.
func TestConformanceDriftExits1(t *testing.T) {
	t.Parallel()
	srv := conformanceFake(t)
	srv.SetDrift(wire.QuerySubscriptions.Name, jupicotest.Drift{Rename: map[string]string{"subscriptionId": "id"}, Add: map[string]any{"surprise": "a-value-never-shown"}})
	env, flags := fakeEnv(t, srv)
	r := cli(t, env, args(flags, "conformance", "--json", "--rate", "500")...)
	assert.Equal(t, exitFailed, r.code, r.stderr)
	assert.Contains(t, r.stderr, "1 operations drifted, 0 were refused")
	assert.NotContains(t, r.stdout, "a-value-never-shown")
	var rep conformance.Report
	r.decode(t, &rep)
	for _, op := range rep.Operations {
		if op.Operation != wire.QuerySubscriptions.Name {
			assert.Equal(t, conformance.ResultOK, op.Result, op.Operation)
			continue
		}
		assert.Equal(t, conformance.ResultDrift, op.Result)
		assert.Equal(t, []string{"subscriptions[].subscriptionId"}, op.Missing)
		assert.Equal(t, []string{"subscriptions[].id", "subscriptions[].surprise", "surprise"}, op.Unknown, "the list's records and the data object")
	}
}
