package journal_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/internal/testkit/crashtest"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/journal"
)

func entry(id string, state jupico.JournalState) *jupico.JournalEntry {
	now := time.Now().UTC().Truncate(time.Millisecond)
	return &jupico.JournalEntry{ID: id, Operation: "creditcard.sale", Body: []byte(`{"subMerchantId":"m1","amount":25.00,"reference":"` + id + `"}`),
		Reference: id, State: state, Created: now, Updated: now}
}

func open(t *testing.T, path string) *journal.Journal {
	t.Helper()
	j, err := journal.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = j.Close() })
	return j
}

func TestRecordClaimCompactSurviveReopen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "jupico.journal")
	j, err := journal.Open(path)
	require.NoError(t, err)
	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm(), "the file holds payment tokens")

	owing := entry("a1", jupico.JournalStateIntent)
	require.NoError(t, j.Record(ctx, owing))
	assert.Equal(t, j.Owner(), owing.Owner, "Record stamps the owner")
	require.NoError(t, j.Record(ctx, entry("a2", jupico.JournalStateRollbackOwed)))
	done := entry("a3", jupico.JournalStateDone)
	done.Outcome, done.Updated = jupico.JournalOutcomeApproved, time.Now().Add(-48*time.Hour)
	require.NoError(t, j.Record(ctx, done))
	fresh := entry("a4", jupico.JournalStateDone)
	fresh.Outcome = jupico.JournalOutcomeRolledBack
	require.NoError(t, j.Record(ctx, fresh))
	first := j.Owner()
	require.NoError(t, j.Close())
	assert.ErrorIs(t, j.Record(ctx, entry("late", jupico.JournalStateIntent)), journal.ErrClosed)

	// A new process: what the first left unfinished is claimed, now its.
	j2 := open(t, path)
	assert.NotEqual(t, first, j2.Owner())
	claimed, err := j2.Claim(ctx)
	require.NoError(t, err)
	require.Len(t, claimed, 2)
	assert.Equal(t, "a1", claimed[0].ID)
	assert.Equal(t, "a2", claimed[1].ID)
	for _, e := range claimed {
		assert.Equal(t, j2.Owner(), e.Owner)
		assert.JSONEq(t, string(entry(e.ID, "").Body), string(e.Body), "the body is kept byte for byte")
	}
	all, err := j2.Entries(ctx)
	require.NoError(t, err)
	require.Len(t, all, 4)
	for _, e := range all[:2] {
		assert.Equal(t, j2.Owner(), e.Owner, "claiming is recorded")
	}

	n, err := j2.Compact(ctx, time.Now().Add(-24*time.Hour))
	require.NoError(t, err)
	assert.Equal(t, 1, n, "only the done entry older than the retention")
	all, err = j2.Entries(ctx)
	require.NoError(t, err)
	assert.Len(t, all, 3)
}

// Records made at the same time share a commit, and so a sync.
func TestConcurrentRecordsShareCommits(t *testing.T) {
	t.Parallel()
	j := open(t, filepath.Join(t.TempDir(), "j"))
	ctx := context.Background()
	const n = 400
	before := j.Stats().Commits
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { assert.NoError(t, j.Record(ctx, entry(fmt.Sprintf("e%04d", i), jupico.JournalStateIntent))) })
	}
	wg.Wait()
	commits := j.Stats().Commits - before
	t.Logf("%d records in %d commits", n, commits)
	assert.Less(t, commits, int64(n/4), "concurrent records are grouped")
	all, err := j.Entries(ctx)
	require.NoError(t, err)
	assert.Len(t, all, n)
}

func TestOneProcessAtATime(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "j")
	open(t, path)
	_, err := journal.Open(path, journal.WithOpenTimeout(100*time.Millisecond))
	assert.ErrorIs(t, err, journal.ErrLocked)
}

// TestOpenRefusesBadOptions: a nil option or a timeout that would wait
// forever is refused with the module's one sentinel, and no file is made.
func TestOpenRefusesBadOptions(t *testing.T) {
	t.Parallel()
	for name, opt := range map[string]journal.Option{
		"nil option":   nil,
		"zero timeout": journal.WithOpenTimeout(0),
		"negative":     journal.WithOpenTimeout(-time.Second),
	} {
		path := filepath.Join(t.TempDir(), "j")
		j, err := journal.Open(path, opt)
		require.ErrorIs(t, err, jupico.ErrInvalidOption, name)
		require.ErrorIs(t, err, credentials.ErrInvalidOption, name)
		assert.Nil(t, j, name)
		_, statErr := os.Stat(path)
		assert.ErrorIs(t, statErr, os.ErrNotExist, name)
	}
}

func TestFileOthersMayReadIsRefused(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "j")
	j, err := journal.Open(path)
	require.NoError(t, err)
	require.NoError(t, j.Close())
	require.NoError(t, os.Chmod(path, 0o644))
	_, err = journal.Open(path)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "chmod 600")
}

// A torn or corrupt file is reported, and left exactly as it was.
func TestTornAndCorruptFilesAreReportedNotTruncated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// A journal with enough entries to span many pages.
	good := filepath.Join(t.TempDir(), "good")
	j, err := journal.Open(good)
	require.NoError(t, err)
	for i := range 300 {
		require.NoError(t, j.Record(ctx, entry(fmt.Sprintf("k%04d", i), jupico.JournalStateIntent)))
	}
	require.NoError(t, j.Close())
	orig, err := os.ReadFile(good)
	require.NoError(t, err)
	pageSize := int(binary.NativeEndian.Uint32(orig[16+8:]))

	cases := map[string]func([]byte) []byte{
		"torn: cut in half":           func(b []byte) []byte { return b[:len(b)/2] },
		"torn: only the header pages": func(b []byte) []byte { return b[:2*pageSize] },
		"both header pages damaged": func(b []byte) []byte {
			b = bytes.Clone(b)
			b[16] ^= 0xff
			b[pageSize+16] ^= 0xff
			return b
		},
		"an entry's bytes changed": func(b []byte) []byte {
			b = bytes.Clone(b)
			i := bytes.Index(b, []byte(`"reference":"k0150"`))
			require.Positive(t, i)
			b[i+len(`"reference":"k0`)] = '9' // still valid JSON: only the checksum can tell
			return b
		},
		"a page's header overwritten": func(b []byte) []byte {
			b = bytes.Clone(b)
			for i := 3 * pageSize; i < 3*pageSize+16; i++ {
				b[i] = 0xee
			}
			return b
		},
	}
	for name, damage := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "j")
			bad := damage(orig)
			require.NoError(t, os.WriteFile(path, bad, 0o600))
			_, err := journal.Open(path)
			require.ErrorIs(t, err, journal.ErrCorrupt)
			t.Logf("%s: %v", name, err)
			after, rerr := os.ReadFile(path)
			require.NoError(t, rerr)
			assert.True(t, bytes.Equal(bad, after), "the file is left as it was")
		})
	}
	// The undamaged file still opens, every entry intact.
	j = open(t, good)
	all, err := j.Entries(ctx)
	require.NoError(t, err)
	assert.Len(t, all, 300)
}

// Every field of an entry survives the file, also one a later version adds
// to jupico.JournalEntry: crashtest.FullEntry sets them all.
func TestEveryEntryFieldRoundTrips(t *testing.T) {
	t.Parallel()
	j := open(t, filepath.Join(t.TempDir(), "j"))
	ctx := context.Background()
	want := crashtest.FullEntry(1)
	e := want
	require.NoError(t, j.Record(ctx, &e))
	want.Owner = j.Owner() // the journal sets it
	all, err := j.Entries(ctx)
	require.NoError(t, err)
	require.Len(t, all, 1)
	assert.Equal(t, want, all[0])
}
