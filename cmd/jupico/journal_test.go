//go:build unix

package main

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// A journal another local user crafted is refused: recover sends none of
// its rollbacks with the operator's credentials. The test runs as root
// (as CI does), to give the file away with chown.
func TestJournalOfAnotherUserIsRefused(t *testing.T) {
	t.Parallel()
	require.Zero(t, os.Geteuid(), "this test chowns a file to another user: run it as root, as CI does")
	srv := jupicotest.NewServer(t)
	env, flags := fakeEnv(t, srv)
	path := journalWithIntent(t) // an entry owing a rollback
	require.NoError(t, os.Chown(path, 1001, 1001))

	r := cli(t, env, args(flags, "journal", "recover", "--file", path)...)
	assert.Equal(t, exitFailed, r.code)
	assert.Contains(t, r.stderr, path+": owned by uid 1001, not by this user (uid 0)")
	assert.Empty(t, srv.Rollbacks(), "nothing is sent")

	r = cli(t, nil, "journal", "list", "--file", path)
	assert.Equal(t, exitFailed, r.code)
	assert.Contains(t, r.stderr, "owned by uid 1001")
	assert.Empty(t, r.stdout)
}
