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

func TestPlatformRunsAgainstTheFake(t *testing.T) {
	require.NoError(t, os.Unsetenv("JUPICO_ENV"))
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out))
	s := out.String()
	for _, want := range []string{
		"invite inv_000001: Sent",
		"webhook onApplicationInitiated",
		"webhook onMerchantSubmit",
		"webhook onMerchantActivation",
		"merchant sm_000001 (Analytical Engines LLC, invite crm-1815) is active",
		"subscription sub_000001 active, charged 49.00 now",
		"available 49.00, pending 0.00",
		"payout po_000001 of 40.00: pending",
		"listed: payout-day-1 40.00 pending",
		"done",
	} {
		assert.Contains(t, s, want)
	}
	assert.NotContains(t, s, "000123456789", "the bank account number is never printed")
}
