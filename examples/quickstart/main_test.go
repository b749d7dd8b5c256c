package main

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestQuickstartRunsAgainstTheFake(t *testing.T) {
	require.NoError(t, os.Unsetenv("JUPICO_ENV"))
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out))
	s := out.String()
	for _, want := range []string{
		"online: true",
		"succeeded, amount 25.00, auth code A1B2C3",
		"authorized 100.00, captured 80.00",
		"refunded 30.00",
		"voided",
		"declined: tx_cc_declined",
		"rolled back by the SDK: true",
		"one rollback, acknowledged on attempt 2",
		"done",
	} {
		assert.Contains(t, s, want)
	}
}
