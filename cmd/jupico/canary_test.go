package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// canary returns a value to plant as a secret and look for in output.
func canary(t *testing.T) string {
	t.Helper()
	var b [8]byte
	_, err := rand.Read(b[:])
	require.NoError(t, err)
	return "CANARY" + hex.EncodeToString(b[:])
}

// TestSecretsNeverPrinted plants canary credentials and webhook secrets,
// well formed and malformed, in the environment and in files, runs every
// subcommand, in success and in failure, and checks that no canary ever
// reaches stdout or stderr.
func TestSecretsNeverPrinted(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	_, flags := fakeEnv(t, srv)
	recv, _ := receiver(t, jupicotest.DefaultWebhookSecret, http.StatusOK)
	recvCA := writePEM(t, recv.Certificate())
	journalFile := journalWithIntent(t)
	request := savedRequest(t, jupicotest.DefaultWebhookSecret, jupicotest.WebhookEvent{Type: "onMerchantActivation"})
	rollback := writeFile(t, "rollback.json", rollbackFile)
	down := "https://" + closedAddr(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()

	password, key, rawSecret, badSecret := canary(t), canary(t), canary(t)+"-32-bytes-of-key!", canary(t)
	secret := "whsec_" + base64.StdEncoding.EncodeToString([]byte(rawSecret))
	encSecret := strings.TrimPrefix(secret, "whsec_")
	canaries := []string{password, key, rawSecret, secret, encSecret, badSecret}

	secretFile := writeFile(t, "secret", secret)
	badSecretFile := writeFile(t, "bad-secret", "whsec_"+badSecret)
	wrongCreds := []string{"JUPICO_API_USERNAME=someone", "JUPICO_API_PASSWORD=" + password, "JUPICO_WEBHOOK_SECRET=" + secret}
	malformed := []string{"JUPICO_API_KEY=" + key + " !", "JUPICO_WEBHOOK_SECRET=whsec_" + badSecret}
	conflict := []string{"JUPICO_API_KEY=" + key, "JUPICO_API_PASSWORD=" + password, "JUPICO_API_USERNAME=x", "JUPICO_WEBHOOK_SECRET=" + badSecret + " x"}

	runs := [][]string{
		args(flags, "status"), args(flags, "status", "--json"), {"status", "--base-url", down, "--timeout", "5s"},
		args(flags, "doctor"), args(flags, "doctor", "--json"), {"doctor", "--base-url", down, "--timeout", "5s"},
		args(flags, "doctor", "--secret-file", badSecretFile),
		args(flags, "rollback", "--file", rollback), args(flags, "rollback", "--file", rollback, "--json"),
		args(flags, "journal", "recover", "--file", journalFile, "--json"),
		{"journal", "list", "--file", journalFile, "--body"},
		{"webhook", "send", "--url", recv.URL, "--event", "onMerchantActivation", "--ca-file", recvCA, "--json"},
		{"webhook", "send", "--url", recv.URL, "--event", "onMerchantActivation", "--ca-file", recvCA, "--secret-file", secretFile},
		{"webhook", "send", "--url", recv.URL, "--event", "onMerchantActivation", "--secret-file", badSecretFile},
		{"webhook", "send", "--url", down, "--event", "onMerchantActivation"},
		{"webhook", "verify", "--file", request}, {"webhook", "verify", "--file", request, "--json"},
		{"webhook", "verify", "--file", secretFile}, {"webhook", "verify", "--file", request, "--secret-file", badSecretFile},
		{"fake", "--addr", busy.Addr().String()}, {"fake", "--help"}, {"version"}, {"--help"}, {"status", "--bogus"},
		args(flags, "conformance", "--json", "--rate", "500"), args(flags, "conformance", "--rate", "500"), {"conformance", "--base-url", down},
	}
	for _, env := range [][]string{wrongCreds, malformed, conflict} {
		for _, a := range runs {
			r := cli(t, env, a...)
			if a[0] == "status" && len(a) > 1 && a[1] != "--help" {
				assert.NotEqual(t, exitOK, r.code, "status with these credentials fails: %v", a)
			}
			for _, c := range canaries {
				require.NotContains(t, r.stdout, c, "stdout of %v", a)
				require.NotContains(t, r.stderr, c, "stderr of %v", a)
			}
		}
	}
}
