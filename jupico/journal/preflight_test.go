//go:build unix

package journal_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/journal"
)

// otherUID is a user that is not the one running the tests.
const otherUID = 1001

// mkdir makes a directory with exactly mode perm (umask aside).
func mkdir(t *testing.T, parent, name string, perm os.FileMode) string {
	t.Helper()
	dir := filepath.Join(parent, name)
	require.NoError(t, os.Mkdir(dir, 0o700))
	require.NoError(t, os.Chmod(dir, perm))
	return dir
}

// goodJournal makes a valid journal file holding one entry, and returns
// its bytes.
func goodJournal(t *testing.T, path string) []byte {
	t.Helper()
	j, err := journal.Open(path)
	require.NoError(t, err)
	require.NoError(t, j.Record(context.Background(), entry("r1", jupico.JournalStateRollbackOwed)))
	require.NoError(t, j.Close())
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

func requireUnsafe(t *testing.T, err error, want string) {
	t.Helper()
	require.Error(t, err)
	assert.ErrorIs(t, err, journal.ErrUnsafeFile)
	assert.Contains(t, err.Error(), want)
	t.Logf("refused: %v", err)
}

// A symlink at the journal's path is refused, dangling or not: its target
// is neither created nor changed.
func TestSymlinkIsRefused(t *testing.T) {
	t.Parallel()
	t.Run("dangling", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		target := filepath.Join(dir, "target")
		path := filepath.Join(dir, "j")
		require.NoError(t, os.Symlink(target, path))
		_, err := journal.Open(path)
		requireUnsafe(t, err, "journal: "+path+": refusing a symlink")
		assert.NoFileExists(t, target, "the symlink's target is not created")
	})
	t.Run("to an existing journal", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		target := filepath.Join(dir, "target")
		before := goodJournal(t, target)
		path := filepath.Join(dir, "j")
		require.NoError(t, os.Symlink(target, path))
		_, err := journal.Open(path)
		requireUnsafe(t, err, "journal: "+path+": refusing a symlink")
		after, rerr := os.ReadFile(target)
		require.NoError(t, rerr)
		assert.Equal(t, before, after, "the symlink's target is left as it was")
	})
	t.Run("to another file", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		target := filepath.Join(dir, "passwd")
		require.NoError(t, os.WriteFile(target, []byte{}, 0o600)) // empty: what a new journal would be written over
		path := filepath.Join(dir, "j")
		require.NoError(t, os.Symlink(target, path))
		_, err := journal.Open(path)
		requireUnsafe(t, err, "refusing a symlink")
		st, serr := os.Stat(target)
		require.NoError(t, serr)
		assert.Zero(t, st.Size(), "the symlink's target is not written")
	})
	t.Run("final directory", func(t *testing.T) {
		t.Parallel()
		parent := t.TempDir()
		realDir := mkdir(t, parent, "real", 0o700)
		link := filepath.Join(parent, "link")
		require.NoError(t, os.Symlink(realDir, link))
		_, err := journal.Open(filepath.Join(link, "j"))
		requireUnsafe(t, err, "journal: "+link+": directory is a symlink")
		assert.NoFileExists(t, filepath.Join(realDir, "j"))
		// Named through the real directory, it opens.
		j, err := journal.Open(filepath.Join(realDir, "j"))
		require.NoError(t, err)
		require.NoError(t, j.Close())
	})
}

// A directory others may write to is refused, unless it is sticky and
// ours, and nothing is created in it.
func TestWritableDirectoryIsRefused(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		perm os.FileMode
		want string
	}{
		{"world-writable", 0o777, "directory is world-writable and not sticky-and-ours"},
		{"group-writable", 0o770, "directory is group-writable and not sticky-and-ours"},
		{"world-writable, setgid", os.ModeSetgid | 0o777, "directory is world-writable"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := mkdir(t, t.TempDir(), "d", c.perm)
			path := filepath.Join(dir, "j")
			_, err := journal.Open(path)
			requireUnsafe(t, err, "journal: "+dir+": "+c.want)
			assert.NoFileExists(t, path, "nothing is created in it")
		})
	}
	t.Run("an existing journal in it", func(t *testing.T) {
		t.Parallel()
		dir := mkdir(t, t.TempDir(), "d", 0o700)
		path := filepath.Join(dir, "j")
		goodJournal(t, path)
		require.NoError(t, os.Chmod(dir, 0o777))
		_, err := journal.Open(path)
		requireUnsafe(t, err, "world-writable")
	})
	t.Run("sticky and ours", func(t *testing.T) {
		t.Parallel()
		dir := mkdir(t, t.TempDir(), "d", os.ModeSticky|0o777)
		path := filepath.Join(dir, "j")
		goodJournal(t, path)
		j, err := journal.Open(path)
		require.NoError(t, err, "no one else can remove or rename our file in it")
		all, err := j.Entries(context.Background())
		require.NoError(t, err)
		assert.Len(t, all, 1)
		require.NoError(t, j.Close())
	})
}

// Files and directories of another user: the tests run as root (as CI
// does), which can give them away with chown.
func TestAnotherUsersFileIsRefused(t *testing.T) {
	t.Parallel()
	me := os.Geteuid()
	require.Zero(t, me, "these tests chown files to another user: run them as root, as CI does")
	other := strconv.Itoa(otherUID)

	t.Run("a journal owned by another user", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "j")
		before := goodJournal(t, path) // a valid journal with an entry owing a rollback
		require.NoError(t, os.Chown(path, otherUID, otherUID))
		_, err := journal.Open(path)
		requireUnsafe(t, err, "journal: "+path+": owned by uid "+other+", not by this user (uid 0)")
		after, rerr := os.ReadFile(path)
		require.NoError(t, rerr)
		assert.Equal(t, before, after, "the file is left as it was")
	})
	t.Run("an empty file owned by another user", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "j")
		require.NoError(t, os.WriteFile(path, nil, 0o600))
		require.NoError(t, os.Chown(path, otherUID, otherUID))
		_, err := journal.Open(path)
		requireUnsafe(t, err, "owned by uid "+other)
		st, serr := os.Stat(path)
		require.NoError(t, serr)
		assert.Zero(t, st.Size(), "not made into a journal")
	})
	t.Run("a sticky world-writable directory of another user", func(t *testing.T) {
		t.Parallel()
		dir := mkdir(t, t.TempDir(), "d", os.ModeSticky|0o777)
		require.NoError(t, os.Chown(dir, otherUID, otherUID))
		path := filepath.Join(dir, "j")
		_, err := journal.Open(path)
		requireUnsafe(t, err, "journal: "+dir+": directory is world-writable and not sticky-and-ours")
		assert.NoFileExists(t, path)
	})
	t.Run("a directory of another user", func(t *testing.T) {
		t.Parallel()
		dir := mkdir(t, t.TempDir(), "d", 0o755)
		require.NoError(t, os.Chown(dir, otherUID, otherUID))
		path := filepath.Join(dir, "j")
		_, err := journal.Open(path)
		requireUnsafe(t, err, "journal: "+dir+": directory is owned by uid "+other+", neither this user (uid 0) nor root")
		assert.NoFileExists(t, path)
	})
	t.Run("a directory of root", func(t *testing.T) {
		t.Parallel()
		dir := mkdir(t, t.TempDir(), "d", 0o755)
		require.NoError(t, os.Chown(dir, 0, 0))
		j, err := journal.Open(filepath.Join(dir, "j"))
		require.NoError(t, err)
		require.NoError(t, j.Close())
	})
}

// A path that is not a regular file (a directory, a FIFO) is refused
// before anything opens it.
func TestNotARegularFileIsRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sub := mkdir(t, dir, "sub", 0o700)
	_, err := journal.Open(sub)
	requireUnsafe(t, err, "journal: "+sub+": not a regular file")
}

// A file others may read is refused, with the fix in the message.
func TestReadableFileIsUnsafe(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "j")
	goodJournal(t, path)
	require.NoError(t, os.Chmod(path, 0o640))
	_, err := journal.Open(path)
	requireUnsafe(t, err, "chmod 600")
}

// A new journal is created 0600 and opened as usual.
func TestNewJournalIsCreatedPrivate(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "j")
	goodJournal(t, path)
	st, err := os.Lstat(path)
	require.NoError(t, err)
	assert.True(t, st.Mode().IsRegular())
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	j := open(t, path)
	all, err := j.Entries(context.Background())
	require.NoError(t, err)
	assert.Len(t, all, 1)
}
