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

func TestReceiverProcessesEachEventOnceAndRefusesForgeries(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, config{allow: []string{"127.0.0.0/8", "::1/128"}, seed: 7}))
	s := out.String()
	for _, want := range []string{
		"receiver: https://127.0.0.1:",
		"fake Jupico delivers 3 events, each twice, shuffled, 2 at a time",
		"onApplicationInitiated: application app_1 started",
		"onMerchantSubmit: application submitted by sub-merchant sm_demo_1",
		"onMerchantActivation: activated sub-merchant sm_demo_1 (Analytical Engines LLC)",
		"3 duplicate copies",
		"1 refused: webhook: no matching signature",
		"1 refused: webhook: timestamp too old",
		"summary: 3 processed, 3 duplicates dropped, 2 refused",
	} {
		assert.Contains(t, s, want)
	}
}

func TestReceiverAllowListRefusesOtherSources(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	err := run(context.Background(), &out, config{allow: []string{"203.0.113.0/24"}, seed: 7})
	require.ErrorContains(t, err, "processed 0 of 3 events")
	assert.Contains(t, out.String(), "8 refused: webhook: source address not allowed")
	assert.Contains(t, out.String(), "summary: 0 processed, 0 duplicates dropped, 8 refused")
}

func TestReceiverRejectsABadAllowList(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	err := run(context.Background(), &out, config{allow: []string{"0.0.0.0/0"}})
	require.Error(t, err, "an allow list of everyone is refused")
	assert.Empty(t, out.String())
}
