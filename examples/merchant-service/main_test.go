package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The whole program against the in-process fake: the service, the SDK and
// the fake over real TLS.
func TestMerchantServiceRunsAgainstTheFake(t *testing.T) {
	t.Parallel()
	var out, logs bytes.Buffer
	require.NoError(t, run(context.Background(), &out, config{logs: &logs}))
	s := out.String()
	for _, want := range []string{
		"charging an in-process fake Jupico",
		"POST /checkout -> 200 paid tx_000001 25.00",
		"2. the browser retries order-1001\n   POST /checkout -> 200 paid tx_000001 25.00",
		`POST /checkout -> 402 declined ("Card declined")`,
		"POST /checkout -> 503 not_charged",
		"POST /refunds -> 200 refunded tx_000001 10.00",
		"GET /orders/order-1001 -> 200 refunded tx_000001 25.00",
		"the fake holds 1 sale for the two attempts at order-1001 and 1 rollback for order-1003",
		"done",
	} {
		assert.Contains(t, s, want)
	}
	assert.Contains(t, logs.String(), "charge rolled back", "the service logs the rolled-back charge")
	assert.NotContains(t, logs.String(), "jupicotest-password", "no credential in the log")
}

func TestMerchantServiceRefusesAnUnknownEnvironment(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	err := run(context.Background(), &out, config{env: "staging"})
	require.ErrorContains(t, err, "unknown environment")
	assert.Empty(t, out.String())
}
