package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/internal/testkit/testproc"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/journal"
	"github.com/jupico/jupico-go/jupico/jupicotest"
	"github.com/jupico/jupico-go/webhook"
)

// bin is the jupico binary TestMain builds.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "jupico-cli-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "jupico")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		_ = os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// result is what one run of the binary produced.
type result struct {
	stdout, stderr string
	code           int
}

// cli runs the binary with args and only the environment given (plus
// HOME and PATH), and returns what it printed and its exit code.
func cli(t *testing.T, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append([]string{"HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return result{stdout.String(), stderr.String(), code}
}

// decode parses r's stdout as one JSON value into v.
func (r result) decode(t *testing.T, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal([]byte(r.stdout), v), "stdout: %s\nstderr: %s", r.stdout, r.stderr)
}

// writePEM writes certificates to a PEM file and returns its path.
func writePEM(t *testing.T, certs ...*x509.Certificate) string {
	t.Helper()
	var b bytes.Buffer
	for _, c := range certs {
		require.NoError(t, pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
	}
	path := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o600))
	return path
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

// fakeEnv is the environment that points the binary at an in-process
// fake: its credentials and base URL, and the flags for its certificate.
func fakeEnv(t *testing.T, srv *jupicotest.Server) (env []string, flags []string) {
	return []string{
			"JUPICO_API_USERNAME=" + jupicotest.DefaultUsername,
			"JUPICO_API_PASSWORD=" + jupicotest.DefaultPassword,
		}, []string{
			"--base-url", srv.URL(), "--ca-file", writePEM(t, srv.Certificate()),
		}
}

func args(a []string, more ...string) []string { return append(append([]string(nil), more...), a...) }

func TestUsage(t *testing.T) {
	t.Parallel()
	r := cli(t, nil)
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "usage: jupico <command>")

	r = cli(t, nil, "--help")
	assert.Equal(t, exitOK, r.code)
	assert.Contains(t, r.stdout, "exit codes:")

	r = cli(t, nil, "frobnicate")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, `unknown command "frobnicate"`)

	r = cli(t, nil, "webhook")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "webhook send, webhook verify")

	for _, c := range commands {
		r := cli(t, nil, append(strings.Fields(c.name), "--help")...)
		assert.Equal(t, exitOK, r.code, c.name)
		assert.Contains(t, r.stdout, "usage: jupico "+c.name, c.name)
		assert.Contains(t, r.stdout, "-json", c.name)
		assert.Contains(t, r.stdout, "3  could not reach", c.name)

		r = cli(t, nil, append(strings.Fields(c.name), "--no-such-flag")...)
		assert.Equal(t, exitUsage, r.code, c.name)
		assert.Contains(t, r.stderr, "flag provided but not defined", c.name)
	}

	r = cli(t, nil, "version", "--json")
	assert.Equal(t, exitOK, r.code)
	var v version
	r.decode(t, &v)
	assert.Equal(t, jupico.Version, v.SDK)
}

func TestStatus(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	env, flags := fakeEnv(t, srv)

	r := cli(t, env, args(flags, "status", "--json")...)
	require.Equal(t, exitOK, r.code, r.stderr)
	var st statusResult
	r.decode(t, &st)
	assert.True(t, st.Online)
	assert.NotEmpty(t, st.RequestID)

	r = cli(t, env, args(flags, "status")...)
	assert.Equal(t, exitOK, r.code)
	assert.Contains(t, r.stdout, "online")

	// Jupico answers, but not 2xx.
	srv.InjectFault("/status", jupicotest.Fault{Status: http.StatusInternalServerError, Code: "internal_server_error", Times: 1})
	r = cli(t, env, args(flags, "status", "--json")...)
	assert.Equal(t, exitFailed, r.code)
	var failed struct {
		Error    string `json:"error"`
		ExitCode int    `json:"exitCode"`
	}
	r.decode(t, &failed)
	assert.Contains(t, failed.Error, "500 internal_server_error")
	assert.Equal(t, exitFailed, failed.ExitCode)

	// Credentials refused.
	r = cli(t, []string{"JUPICO_API_USERNAME=someone", "JUPICO_API_PASSWORD=wrong-password"}, args(flags, "status")...)
	assert.Equal(t, exitFailed, r.code)
	assert.Contains(t, r.stderr, "401")

	// No answer: the certificate is not trusted, or nothing listens.
	r = cli(t, env, "status", "--base-url", srv.URL())
	assert.Equal(t, exitTransport, r.code)
	assert.Contains(t, r.stderr, "certificate")
	r = cli(t, env, "status", "--base-url", "https://"+closedAddr(t), "--timeout", "5s")
	assert.Equal(t, exitTransport, r.code)

	// Usage: no credentials, a bad environment, plain http, a bad CA file.
	r = cli(t, nil, args(flags, "status")...)
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "no credentials: set JUPICO_API_USERNAME")
	r = cli(t, env, "status", "--env", "staging")
	assert.Equal(t, exitUsage, r.code)
	r = cli(t, env, "status", "--base-url", "http://127.0.0.1:1")
	assert.Equal(t, exitUsage, r.code)
	r = cli(t, env, "status", "--base-url", srv.URL(), "--ca-file", writeFile(t, "x.pem", "not pem"))
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "no PEM certificate")
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	port, err := testproc.FreePort()
	require.NoError(t, err)
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
}

func TestDoctor(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	env, flags := fakeEnv(t, srv)

	r := cli(t, append(env, "JUPICO_WEBHOOK_SECRET="+jupicotest.DefaultWebhookSecret), args(flags, "doctor", "--json")...)
	require.Equal(t, exitOK, r.code, r.stdout+r.stderr)
	var rep struct {
		Checks []struct{ Check, Result, Detail string } `json:"checks"`
		Failed int                                      `json:"failed"`
	}
	r.decode(t, &rep)
	got := map[string]string{}
	for _, c := range rep.Checks {
		got[c.Check] = c.Result
	}
	assert.Equal(t, map[string]string{
		"credentials": "PASS", "egress": "PASS", "api reachable": "PASS", "credentials accepted": "PASS", "tls": "PASS",
		"clock skew": "PASS", "webhook secret": "PASS", "go toolchain": "PASS",
	}, got)

	// The table, with the webhook secret check skipped.
	r = cli(t, env, args(flags, "doctor")...)
	require.Equal(t, exitOK, r.code, r.stdout+r.stderr)
	assert.Regexp(t, `tls +PASS +TLS 1\.[23]`, r.stdout)
	assert.Regexp(t, `webhook secret +SKIP`, r.stdout)
	assert.Contains(t, r.stdout, "all checks passed")

	// Failures: credentials refused, a malformed secret, no credentials.
	r = cli(t, []string{"JUPICO_API_USERNAME=someone", "JUPICO_API_PASSWORD=wrong-password"}, args(flags, "doctor")...)
	assert.Equal(t, exitFailed, r.code)
	assert.Regexp(t, `credentials accepted +FAIL +401`, r.stdout)
	r = cli(t, env, args(flags, "doctor", "--secret-file", writeFile(t, "s", "whsec_tooshort\n"))...)
	assert.Equal(t, exitFailed, r.code)
	assert.Regexp(t, `webhook secret +FAIL`, r.stdout)
	r = cli(t, nil, args(flags, "doctor", "--json")...)
	assert.Equal(t, exitFailed, r.code)
	r.decode(t, &rep)
	assert.Equal(t, "FAIL", rep.Checks[0].Result)

	// The egress path: direct to the fake on loopback even with a proxy
	// set; a proxy that does not parse fails, without its credentials.
	r = cli(t, append(env, "HTTPS_PROXY=http://proxyuser:pw0rd@proxy.corp:3128"), args(flags, "doctor")...)
	assert.Equal(t, exitOK, r.code, r.stdout+r.stderr)
	assert.Regexp(t, `egress +PASS +direct`, r.stdout)
	r = cli(t, append(env, "HTTPS_PROXY=http://proxyuser:pw%rd@proxy.corp:3128"), args(flags, "doctor")...)
	assert.Equal(t, exitFailed, r.code)
	assert.Regexp(t, `egress +FAIL +HTTPS_PROXY is set but is not a proxy url`, r.stdout)
	assert.NotContains(t, r.stdout+r.stderr, "proxyuser")
	assert.NotContains(t, r.stdout+r.stderr, "pw%rd")
	r = cli(t, append(env, "HTTPS_PROXY=http://proxyuser:pw0rd@proxy.corp:3128"), "doctor", "--env", "production", "--timeout", "1s")
	assert.Regexp(t, `egress +PASS +proxy http://proxy\.corp:3128 \(HTTPS_PROXY\)`, r.stdout)
	assert.NotContains(t, r.stdout+r.stderr, "pw0rd")

	// The API unreachable is a failed check.
	r = cli(t, env, "doctor", "--base-url", "https://"+closedAddr(t), "--timeout", "5s")
	assert.Equal(t, exitFailed, r.code)
	assert.Regexp(t, `api reachable +FAIL`, r.stdout)
}

// receiver is a webhook receiver for tests: it verifies with secret and
// answers status.
func receiver(t *testing.T, secret string, status int) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	v, err := webhook.NewVerifier(secret)
	require.NoError(t, err)
	var verified atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if v.Verify(r.Header, body) != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		verified.Add(1)
		w.WriteHeader(status)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // clients that distrust it are tested on purpose
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv, &verified
}

func TestWebhookSend(t *testing.T) {
	t.Parallel()
	secret := jupicotest.DefaultWebhookSecret
	recv, verified := receiver(t, secret, http.StatusOK)
	ca := writePEM(t, recv.Certificate())
	secretFile := writeFile(t, "secret", secret+"\n")

	r := cli(t, nil, "webhook", "send", "--url", recv.URL+"/webhooks", "--event", "onMerchantActivation",
		"--data", `{"subMerchantId":"sm_1"}`, "--duplicates", "2", "--shuffle", "--secret-file", secretFile, "--ca-file", ca, "--json")
	require.Equal(t, exitOK, r.code, r.stderr)
	var res sendResult
	r.decode(t, &res)
	require.Len(t, res.Deliveries, 3)
	assert.Equal(t, 3, res.Acknowledged)
	assert.Equal(t, int64(3), verified.Load(), "every copy verified")
	for _, d := range res.Deliveries {
		assert.Equal(t, res.Deliveries[0].ID, d.ID, "copies share the webhook-id")
		assert.Equal(t, http.StatusOK, d.StatusCode)
	}

	// The secret from the environment; two events.
	r = cli(t, []string{"JUPICO_WEBHOOK_SECRET=" + secret}, "webhook", "send", "--url", recv.URL, "--event", "onMerchantSubmit,onMerchantActivation", "--ca-file", ca)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, "2 of 2 deliveries acknowledged")

	// Another secret: the receiver refuses.
	other := "whsec_" + base64.StdEncoding.EncodeToString([]byte("another signing key, 32 bytes!!!"))
	r = cli(t, []string{"JUPICO_WEBHOOK_SECRET=" + other}, "webhook", "send", "--url", recv.URL, "--event", "onMerchantActivation", "--ca-file", ca, "--json")
	assert.Equal(t, exitFailed, r.code)
	r.decode(t, &res)
	assert.Equal(t, http.StatusUnauthorized, res.Deliveries[0].StatusCode)

	// No answer: the receiver's certificate is not trusted, or nothing listens.
	r = cli(t, nil, "webhook", "send", "--url", recv.URL, "--event", "onMerchantActivation", "--secret-file", secretFile)
	assert.Equal(t, exitTransport, r.code)
	r = cli(t, nil, "webhook", "send", "--url", "https://"+closedAddr(t), "--event", "onMerchantActivation", "--secret-file", secretFile)
	assert.Equal(t, exitTransport, r.code)

	// Usage: no secret, a malformed one, plain http, no event.
	r = cli(t, nil, "webhook", "send", "--url", recv.URL, "--event", "onMerchantActivation")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "no webhook secret")
	r = cli(t, []string{"JUPICO_WEBHOOK_SECRET=whsec_tooshort"}, "webhook", "send", "--url", recv.URL, "--event", "onMerchantActivation")
	assert.Equal(t, exitUsage, r.code)
	r = cli(t, nil, "webhook", "send", "--url", "http://127.0.0.1:1/", "--event", "onMerchantActivation", "--secret-file", secretFile)
	assert.Equal(t, exitUsage, r.code)
	r = cli(t, nil, "webhook", "send", "--url", recv.URL, "--secret-file", secretFile)
	assert.Equal(t, exitUsage, r.code)
}

// savedRequest writes a signed webhook request, as it goes over the wire,
// to a file.
func savedRequest(t *testing.T, secret string, e jupicotest.WebhookEvent) string {
	t.Helper()
	req, err := jupicotest.NewWebhookRequest(secret, "https://merchant.example/webhooks/jupico", e)
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, req.Write(&b))
	return writeFile(t, "request.http", b.String())
}

func TestWebhookVerify(t *testing.T) {
	t.Parallel()
	secret := jupicotest.DefaultWebhookSecret
	secretFile := writeFile(t, "secret", secret)
	good := savedRequest(t, secret, jupicotest.WebhookEvent{ID: "msg_1", Type: webhook.EventMerchantActivation, Data: json.RawMessage(`{"subMerchantId":"sm_1"}`)})

	r := cli(t, nil, "webhook", "verify", "--file", good, "--secret-file", secretFile, "--json")
	require.Equal(t, exitOK, r.code, r.stderr)
	var res verifyResult
	r.decode(t, &res)
	assert.True(t, res.Authentic)
	assert.Equal(t, "msg_1", res.ID)
	assert.Equal(t, "onMerchantActivation", res.Event)

	r = cli(t, []string{"JUPICO_WEBHOOK_SECRET=" + secret}, "webhook", "verify", "--file", good)
	assert.Equal(t, exitOK, r.code)
	assert.Contains(t, r.stdout, "authentic: webhook-id msg_1")

	// Another secret, a tampered body, an old capture.
	other := "whsec_" + base64.StdEncoding.EncodeToString([]byte("another signing key, 32 bytes!!!"))
	r = cli(t, []string{"JUPICO_WEBHOOK_SECRET=" + other}, "webhook", "verify", "--file", good, "--json")
	assert.Equal(t, exitFailed, r.code)
	r.decode(t, &res)
	assert.False(t, res.Authentic)
	assert.Contains(t, res.Reason, "signature")

	raw, err := os.ReadFile(good)
	require.NoError(t, err)
	tampered := writeFile(t, "tampered.http", strings.Replace(string(raw), "sm_1", "sm_2", 1))
	r = cli(t, nil, "webhook", "verify", "--file", tampered, "--secret-file", secretFile)
	assert.Equal(t, exitFailed, r.code)
	assert.Contains(t, r.stdout, "not authentic")

	sent := time.Now().Add(-time.Hour)
	old := savedRequest(t, secret, jupicotest.WebhookEvent{Type: webhook.EventMerchantSubmit, SignedAt: sent})
	r = cli(t, nil, "webhook", "verify", "--file", old, "--secret-file", secretFile)
	assert.Equal(t, exitFailed, r.code, "too old for now")
	r = cli(t, nil, "webhook", "verify", "--file", old, "--secret-file", secretFile, "--at", sent.Add(time.Minute).Format(time.RFC3339))
	assert.Equal(t, exitOK, r.code, "as of when it was sent")

	// Usage: not a request, no file, no secret.
	r = cli(t, nil, "webhook", "verify", "--file", writeFile(t, "junk", "hello\n"), "--secret-file", secretFile)
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.stderr, "not a raw HTTP/1.1 request")
	r = cli(t, nil, "webhook", "verify", "--secret-file", secretFile)
	assert.Equal(t, exitUsage, r.code)
	r = cli(t, nil, "webhook", "verify", "--file", good)
	assert.Equal(t, exitUsage, r.code)
}

const rollbackFile = `{"operation":"creditcard.sale","body":{"subMerchantId":"sm_1","amount":19.99,"paymentToken":{"type":"card","token":"tok_1"},"reference":"order-7"}}`

func TestRollback(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	env, flags := fakeEnv(t, srv)
	file := writeFile(t, "rollback.json", rollbackFile)

	r := cli(t, env, args(flags, "rollback", "--file", file, "--json")...)
	require.Equal(t, exitOK, r.code, r.stderr)
	var res rollbackResult
	r.decode(t, &res)
	assert.True(t, res.Acknowledged)
	require.Len(t, srv.Rollbacks(), 1)
	assert.Contains(t, string(srv.Rollbacks()[0].Body), "order-7")

	srv.InjectFault("/v1/transactions/creditcard/rollback", jupicotest.Fault{Status: http.StatusBadRequest, Code: "invalid_payload", Message: "no"})
	r = cli(t, env, args(flags, "rollback", "--file", file, "--json")...)
	assert.Equal(t, exitFailed, r.code)
	r.decode(t, &res)
	assert.False(t, res.Acknowledged)
	assert.Equal(t, http.StatusBadRequest, res.HTTPStatus)
	assert.Equal(t, "invalid_payload", res.Code)

	r = cli(t, env, args(flags, "rollback", "--file", writeFile(t, "bad.json", `{"op":1}`))...)
	assert.Equal(t, exitUsage, r.code)
	r = cli(t, env, args(flags, "rollback", "--file", writeFile(t, "empty.json", `{}`))...)
	assert.Equal(t, exitUsage, r.code, "an empty request is refused before sending")
	r = cli(t, env, args(flags, "rollback")...)
	assert.Equal(t, exitUsage, r.code)
}

// journalWithIntent makes a journal file holding what a process that died
// mid-sale leaves: an intent.
func journalWithIntent(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "jupico.journal")
	j, err := journal.Open(path)
	require.NoError(t, err)
	now := time.Now()
	require.NoError(t, j.Record(context.Background(), &jupico.JournalEntry{
		ID: "0123456789abcdef0123456789abcdef", Operation: "creditcard.sale", Reference: "order-9",
		Body:  json.RawMessage(`{"subMerchantId":"sm_1","amount":25.00,"paymentToken":{"type":"card","token":"tok_visa_4242"},"reference":"order-9"}`),
		State: jupico.JournalStateIntent, Created: now, Updated: now,
	}))
	require.NoError(t, j.Close())
	return path
}

func TestJournal(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	env, flags := fakeEnv(t, srv)
	path := journalWithIntent(t)

	r := cli(t, nil, "journal", "list", "--file", path, "--json")
	require.Equal(t, exitOK, r.code, r.stderr)
	var list struct {
		Entries    []entryView `json:"entries"`
		Unfinished int         `json:"unfinished"`
	}
	r.decode(t, &list)
	require.Len(t, list.Entries, 1)
	assert.Equal(t, "intent", list.Entries[0].State)
	assert.Equal(t, "order-9", list.Entries[0].Reference)
	assert.Nil(t, list.Entries[0].Body, "bodies only with --body")
	assert.Equal(t, 1, list.Unfinished)

	r = cli(t, nil, "journal", "list", "--file", path, "--body")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Regexp(t, `0123456789abcdef0123456789abcdef +creditcard\.sale +order-9 +intent`, r.stdout)
	assert.Contains(t, r.stdout, `"amount":25.00`)

	// Jupico unavailable: the entry still owes a rollback, recover says so,
	// and the list shows when it is tried next.
	refuse := srv.InjectFault("/v1/transactions/creditcard/rollback", jupicotest.Fault{Status: http.StatusServiceUnavailable})
	r = cli(t, env, args(flags, "journal", "recover", "--file", path, "--json")...)
	assert.Equal(t, exitFailed, r.code, r.stderr)
	var rec recoverResult
	r.decode(t, &rec)
	assert.Equal(t, 1, rec.Failed)
	assert.Equal(t, 1, rec.Owed)
	refuse.Remove()
	r = cli(t, nil, "journal", "list", "--file", path, "--json")
	require.Equal(t, exitOK, r.code, r.stderr)
	r.decode(t, &list)
	assert.Equal(t, "rollback-owed", list.Entries[0].State)
	assert.Equal(t, 1, list.Entries[0].Tries)
	require.NotNil(t, list.Entries[0].NextTry)
	assert.WithinDuration(t, time.Now().Add(time.Minute), *list.Entries[0].NextTry, 30*time.Second)
	r = cli(t, nil, "journal", "list", "--file", path)
	assert.Regexp(t, `order-9 +rollback-owed +- +1 +\d+ +\d{4}-`, r.stdout)

	// A sweep as the service runs it leaves it until its next try...
	rollbacks := len(srv.Rollbacks())
	r = cli(t, env, args(flags, "journal", "reconcile", "--file", path, "--json")...)
	require.Equal(t, exitOK, r.code, r.stderr)
	r.decode(t, &rec)
	assert.Equal(t, 1, rec.Owed)
	assert.Empty(t, rec.Entries)
	assert.Equal(t, rollbacks, len(srv.Rollbacks()), "not due: nothing sent")
	// ...recover does it now.

	r = cli(t, env, args(flags, "journal", "recover", "--file", path, "--json")...)
	require.Equal(t, exitOK, r.code, r.stderr)
	r.decode(t, &rec)
	assert.Equal(t, 1, rec.RolledBack)
	require.Len(t, rec.Entries, 1)
	assert.Equal(t, string(jupico.JournalOutcomeRolledBack), rec.Entries[0].Outcome)

	r = cli(t, nil, "journal", "list", "--file", path, "--json")
	require.Equal(t, exitOK, r.code)
	r.decode(t, &list)
	assert.Equal(t, 0, list.Unfinished)
	assert.Equal(t, "done", list.Entries[0].State)

	// Usage: no such file (never created), no file; in use.
	missing := filepath.Join(t.TempDir(), "none")
	r = cli(t, nil, "journal", "list", "--file", missing)
	assert.Equal(t, exitUsage, r.code)
	assert.NoFileExists(t, missing)
	r = cli(t, nil, "journal", "list")
	assert.Equal(t, exitUsage, r.code)
	j, err := journal.Open(path)
	require.NoError(t, err)
	r = cli(t, nil, "journal", "list", "--file", path)
	require.NoError(t, j.Close())
	assert.Equal(t, exitFailed, r.code)
	assert.Contains(t, r.stderr, "in use")
}

// fakeProc is a jupico fake process.
type fakeProc struct {
	cmd    *exec.Cmd
	info   fakeInfo
	caFile string
	stdout *bufio.Reader
	done   chan error
}

// startFake runs jupico fake and waits for the line that says it listens.
func startFake(t *testing.T, extra ...string) *fakeProc {
	t.Helper()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	cmd := exec.Command(bin, append([]string{"fake", "--addr", "127.0.0.1:0", "--ca-out", ca, "--json"}, extra...)...)
	cmd.Env = []string{"HOME=" + t.TempDir()}
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	stderr := new(testproc.Buffer)
	cmd.Stderr = stderr
	require.NoError(t, cmd.Start())
	p := &fakeProc{cmd: cmd, caFile: ca, stdout: bufio.NewReader(out), done: make(chan error, 1)}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	lines := make(chan string, 1)
	go func() {
		line, _ := p.stdout.ReadString('\n')
		lines <- line
		_, _ = io.Copy(io.Discard, p.stdout)
		p.done <- cmd.Wait()
	}()
	select {
	case line := <-lines:
		require.NoError(t, json.Unmarshal([]byte(line), &p.info), "first line %q, stderr %s", line, stderr.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("jupico fake did not start: %s", stderr.String())
	}
	require.True(t, p.info.Listening)
	return p
}

// stop sends sig and returns the exit code.
func (p *fakeProc) stop(t *testing.T, sig os.Signal) int {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(sig))
	select {
	case err := <-p.done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		require.NoError(t, err)
		return 0
	case <-time.After(10 * time.Second):
		t.Fatal("jupico fake did not stop")
		return -1
	}
}

func (p *fakeProc) pool(t *testing.T) *x509.CertPool {
	t.Helper()
	b, err := os.ReadFile(p.caFile)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(b))
	return pool
}

// admin calls the fake's admin API.
func (p *fakeProc) admin(t *testing.T, method, path, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, p.info.AdminURL+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	tr := &http.Transport{TLSClientConfig: tlsConfig(p.pool(t))}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestFakeServesAClientInAnotherProcess(t *testing.T) {
	t.Parallel()
	p := startFake(t)
	assert.Equal(t, jupicotest.DefaultUsername, p.info.Username)
	assert.Equal(t, jupicotest.DefaultWebhookSecret, p.info.WebhookSecret)
	assert.Len(t, p.info.AdminToken, 64)

	client, err := jupico.NewClient(jupico.WithBaseURL(p.info.URL), jupico.WithRootCAs(p.pool(t)),
		jupico.WithCredentials(credentials.Static(p.info.Username, p.info.Password)), jupico.WithRetry(jupico.NoRetry()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = client.Close() })
	ctx := context.Background()
	st, err := client.Status(ctx)
	require.NoError(t, err)
	assert.True(t, st.Online)

	// A fault injected through the admin API, once.
	code, body := p.admin(t, http.MethodPost, "/v1/faults", p.info.AdminToken, `{"path":"/status","status":503,"code":"service_unavailable","times":1}`)
	require.Equal(t, http.StatusCreated, code, body)
	_, err = client.Status(ctx)
	var apiErr *jupico.APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusServiceUnavailable, apiErr.HTTPStatus)
	_, err = client.Status(ctx)
	require.NoError(t, err, "the fault applied once")

	code, body = p.admin(t, http.MethodGet, "/v1/faults", p.info.AdminToken, "")
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, `"hits":1`)
	code, _ = p.admin(t, http.MethodPost, "/v1/faults", p.info.AdminToken, `{"path":"/status","delay":"soon"}`)
	assert.Equal(t, http.StatusBadRequest, code)
	code, _ = p.admin(t, http.MethodPost, "/v1/faults", p.info.AdminToken, `{"path":"/status","nope":1}`)
	assert.Equal(t, http.StatusBadRequest, code)
	code, body = p.admin(t, http.MethodGet, "/v1/requests", p.info.AdminToken, "")
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, `"path":"/status"`)

	// The admin API wants the token.
	code, _ = p.admin(t, http.MethodPost, "/v1/faults", "wrong", `{"path":"/status","status":500}`)
	assert.Equal(t, http.StatusUnauthorized, code)
	code, _ = p.admin(t, http.MethodPost, "/v1/reset", p.info.AdminToken+"x", "")
	assert.Equal(t, http.StatusUnauthorized, code)

	// The command talks to it too.
	env := []string{"JUPICO_API_USERNAME=" + p.info.Username, "JUPICO_API_PASSWORD=" + p.info.Password}
	r := cli(t, env, "status", "--base-url", p.info.URL, "--ca-file", p.caFile)
	assert.Equal(t, exitOK, r.code, r.stderr)

	assert.Equal(t, 0, p.stop(t, syscall.SIGTERM), "SIGTERM ends it with 0")
	_, err = net.Dial("tcp", strings.TrimPrefix(p.info.URL, "https://"))
	assert.Error(t, err, "it stopped listening")
}

func TestFakeTextOutputAndInterrupt(t *testing.T) {
	t.Parallel()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	cmd := exec.Command(bin, "fake", "--addr", "127.0.0.1:0", "--ca-out", ca, "--hostname", "jupico-fake")
	cmd.Env = []string{"HOME=" + t.TempDir()}
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	sc := bufio.NewScanner(out)
	var text strings.Builder
	for sc.Scan() {
		text.WriteString(sc.Text() + "\n")
		if strings.HasPrefix(sc.Text(), "listening on https://127.0.0.1:") {
			break
		}
	}
	assert.Contains(t, text.String(), "password        "+jupicotest.DefaultPassword)
	assert.Contains(t, text.String(), "admin token")
	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	rest, _ := io.ReadAll(out)
	require.NoError(t, cmd.Wait(), "SIGINT ends it with 0")
	assert.Contains(t, string(rest), "stopped")

	// The certificate names the extra host name, issued by the CA written.
	b, err := os.ReadFile(ca)
	require.NoError(t, err)
	block, _ := pem.Decode(b)
	require.NotNil(t, block)
	caCert, err := x509.ParseCertificate(block.Bytes)
	require.NoError(t, err)
	assert.True(t, caCert.IsCA)

	// Listening on an address in use fails.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	r := cli(t, nil, "fake", "--addr", l.Addr().String())
	assert.Equal(t, exitFailed, r.code)
	assert.Contains(t, r.stderr, "listen")
}
