package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// TestRollbackRefusesBadFiles runs jupico rollback on files that must not
// send anything: data after the request, a body that is not one JSON
// object holding the operation's members, a card number anywhere in it.
func TestRollbackRefusesBadFiles(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	env, flags := fakeEnv(t, srv)
	body := `{"subMerchantId":"sm_1","amount":19.99,"paymentToken":{"type":"card","token":"tok_1"}}`
	withBody := func(b string) string { return `{"operation":"creditcard.sale","body":` + b + `}` }
	for _, tc := range []struct{ name, file, says string }{
		{"trailing garbage", rollbackFile + " garbage", "has data after the rollback request"},
		{"a second request", rollbackFile + "\n" + rollbackFile, "has data after the rollback request"},
		{"a stray brace", rollbackFile + "}", "has data after the rollback request"},
		{"a body that is a JSON string", withBody(strconv.Quote(body)), "rollback.body: must be a JSON object"},
		{"a body that is an array", withBody("[" + body + "]"), "rollback.body: must be a JSON object"},
		{"a card number in the description", withBody(`{"subMerchantId":"sm_1","amount":19.99,"paymentToken":{"type":"card","token":"tok_1"},"description":"4111 1111 1111 1111"}`),
			"rollback.body.description: contains what looks like a card number"},
		{"a dotted card number", withBody(`{"subMerchantId":"sm_1","amount":19.99,"paymentToken":{"type":"card","token":"tok_1"},"description":"4111.1111.1111.1111"}`),
			"rollback.body.description: contains what looks like a card number"},
		{"no payment token", withBody(`{"subMerchantId":"sm_1","amount":19.99}`), "rollback.body.paymentToken: is required"},
		{"a capture without transactionId", `{"operation":"creditcard.capture","body":{"subMerchantId":"sm_1"}}`, "rollback.body.transactionId: is required"},
	} {
		r := cli(t, env, args(flags, "rollback", "--file", writeFile(t, "rollback.json", tc.file))...)
		assert.Equal(t, exitUsage, r.code, "%s: %s", tc.name, r.stderr)
		assert.Contains(t, r.stderr, tc.says, tc.name)
		assert.NotContains(t, r.stderr, "1111", "%s: the error echoes no card number", tc.name)
	}
	require.Empty(t, srv.Rollbacks(), "no rollback was sent")
	assert.Empty(t, srv.Requests(), "nothing was sent")

	// The same request alone in its file goes out.
	r := cli(t, env, args(flags, "rollback", "--file", writeFile(t, "rollback.json", withBody(body)+"\n"))...)
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Len(t, srv.Rollbacks(), 1)
	assert.True(t, strings.HasPrefix(string(srv.Rollbacks()[0].Body), `{"subMerchantId":"sm_1"`))
}
