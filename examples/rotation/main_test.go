package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestRotationLosesNoRequest(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	err := run(context.Background(), &out, config{workers: 3, perPhase: 40, rotations: 2})
	s := out.String()
	require.NoError(t, err, "output:\n%s", s)
	for _, want := range []string{
		"rotation 1: ..data -> ..",
		"fake now accepts only merchant-api-v2",
		"rotation 2: ..data -> ..",
		"fake now accepts only merchant-api-v3",
		" failed",
		"the fake received",
		"requests with merchant-api-v1",
		"requests with merchant-api-v3",
		"client credentials rotated: merchant-api-v1 -> merchant-api-v2",
		"client credentials rotated: merchant-api-v2 -> merchant-api-v3",
		"done: no request failed",
	} {
		assert.Contains(t, s, want)
	}
	assert.Regexp(t, `requests: \d+ succeeded \(\d+ status checks, \d+ sales\), 0 failed`, s)
	assert.Regexp(t, `ledger: (\d+) sales recorded for (\d+) approved`, s)
}

func TestSecretVolumeSwapsAtomically(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	v := &secretVolume{dir: dir}
	for n := 1; n <= 3; n++ {
		require.NoError(t, v.publish(keyN(n)))
		user, err := os.ReadFile(filepath.Join(dir, "username"))
		require.NoError(t, err)
		assert.Equal(t, keyN(n).user+"\n", string(user))
		target, err := os.Readlink(filepath.Join(dir, "..data"))
		require.NoError(t, err)
		assert.Equal(t, v.current, target)
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.ElementsMatch(t, []string{"..data", v.current, "username", "password"}, names, "old versions are removed")
}
