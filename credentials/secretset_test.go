package credentials

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/internal/testkit/fakeclock"
)

// secretSource is a SecretProvider the test switches between answers.
type secretSource struct {
	mu  sync.Mutex
	val []string
	err error
	n   int
}

func (s *secretSource) set(err error, vals ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.val, s.err = vals, err
}

func (s *secretSource) calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

func (s *secretSource) RetrieveSecrets(context.Context) ([]Secret, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	if s.err != nil {
		return nil, s.err
	}
	out := make([]Secret, len(s.val))
	for i, v := range s.val {
		out[i] = NewSecret(v)
	}
	return out, nil
}

func reveal(list []Secret) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = s.Reveal()
	}
	return out
}

// waitSecrets polls until SigningSecrets shows want (background refreshes
// publish asynchronously).
func waitSecrets(t *testing.T, s *SecretSet, want ...string) []Secret {
	t.Helper()
	var got []Secret
	require.Eventually(t, func() bool {
		got = s.SigningSecrets()
		return assert.ObjectsAreEqual(want, reveal(got))
	}, 10*time.Second, time.Millisecond, "want %v", want)
	return got
}

func TestSecretSetRotation(t *testing.T) {
	t.Parallel()
	src := &secretSource{}
	src.set(nil, "whsec_A")
	clock := fakeclock.New()
	s, err := NewSecretSet(t.Context(), src, WithClock(clock), WithJitter(0), WithRefreshInterval(time.Minute), WithGracePeriod(time.Hour))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })

	first := s.SigningSecrets()
	assert.Equal(t, []string{"whsec_A"}, reveal(first))
	assert.Equal(t, len(first), cap(first), "no spare capacity: append must copy")
	again := s.SigningSecrets()
	assert.Same(t, &first[0], &again[0], "same backing array until the set changes")

	// The store rotates to B: after the interval the set is [B, A].
	src.set(nil, "whsec_B")
	clock.Advance(time.Minute)
	rotated := waitSecrets(t, s, "whsec_B", "whsec_A")
	assert.Equal(t, []string{"whsec_A"}, reveal(first), "a returned slice is never modified")
	again = s.SigningSecrets()
	assert.Same(t, &rotated[0], &again[0])

	// Unchanged answers keep the same slice.
	clock.Advance(time.Minute)
	require.Eventually(t, func() bool { s.SigningSecrets(); return src.calls() >= 3 }, 10*time.Second, time.Millisecond)
	require.Eventually(t, func() bool { return !s.e.busy.Load() }, 10*time.Second, time.Millisecond)
	again = s.SigningSecrets()
	assert.Same(t, &rotated[0], &again[0])

	// After the grace period the previous secret is dropped.
	clock.Advance(time.Hour)
	waitSecrets(t, s, "whsec_B")
	assert.Equal(t, []string{"whsec_B", "whsec_A"}, reveal(rotated))
}

func TestSecretSetProviderListsBoth(t *testing.T) {
	t.Parallel()
	src := &secretSource{}
	src.set(nil, "whsec_A")
	clock := fakeclock.New()
	s, err := NewSecretSet(t.Context(), src, WithClock(clock), WithJitter(0), WithRefreshInterval(time.Minute))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })

	src.set(nil, "whsec_B", "whsec_A", "whsec_B") // duplicates collapse
	clock.Advance(time.Minute)
	waitSecrets(t, s, "whsec_B", "whsec_A")
	clock.Advance(2 * DefaultGracePeriod)
	assert.Equal(t, []string{"whsec_B", "whsec_A"}, reveal(s.SigningSecrets()), "A stays while the provider lists it")
}

func TestSecretSetZeroGraceAndFailures(t *testing.T) {
	t.Parallel()
	src := &secretSource{}
	src.set(nil, "whsec_A")
	clock := fakeclock.New()
	var failures []error
	var mu sync.Mutex
	s, err := NewSecretSet(t.Context(), src, WithClock(clock), WithJitter(0), WithRefreshInterval(time.Minute),
		WithGracePeriod(0), WithOnRefreshError(func(err error) {
			mu.Lock()
			defer mu.Unlock()
			failures = append(failures, err)
		}))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })

	boom := errors.New("credentials: store unavailable")
	src.set(boom)
	clock.Advance(time.Minute)
	require.Eventually(t, func() bool {
		s.SigningSecrets() // a due refresh starts on use
		mu.Lock()
		defer mu.Unlock()
		return len(failures) == 1
	}, 10*time.Second, time.Millisecond)
	assert.Equal(t, []string{"whsec_A"}, reveal(s.SigningSecrets()), "last good set kept")

	src.set(nil, "whsec_B")
	clock.Advance(time.Minute)
	waitSecrets(t, s, "whsec_B") // grace 0: A dropped at once
}

func TestNewSecretSetErrors(t *testing.T) {
	t.Parallel()
	boom := errors.New("credentials: nope")
	tests := []struct {
		name string
		src  SecretProvider
		want error
	}{
		{name: "nil", src: nil, want: ErrInvalidOption},
		{name: "provider error", src: SecretProviderFunc(func(context.Context) ([]Secret, error) { return nil, boom }), want: boom},
		{name: "empty list", src: SecretProviderFunc(func(context.Context) ([]Secret, error) { return nil, nil }), want: ErrInvalid},
		{name: "zero secret", src: SecretProviderFunc(func(context.Context) ([]Secret, error) { return []Secret{{}}, nil }), want: ErrInvalid},
		{name: "static empty", src: StaticSecrets(), want: ErrInvalid},
		{name: "static blank", src: StaticSecrets("x", ""), want: ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := NewSecretSet(t.Context(), tt.src)
			require.ErrorIs(t, err, tt.want)
			assert.Nil(t, s)
		})
	}
	var zero SecretSet
	assert.Nil(t, zero.SigningSecrets())
	require.NoError(t, zero.Close())
}

func TestSecretsFromEnvAndFile(t *testing.T) {
	dir := t.TempDir()
	file := writeFile(t, dir, "prev", "whsec_prev\n")
	t.Setenv("TEST_WH_CURRENT", " whsec_cur\n")
	t.Setenv("TEST_WH_PREVIOUS_FILE", file)
	got, err := SecretsFromEnv("TEST_WH_CURRENT", "TEST_WH_PREVIOUS", "TEST_WH_UNSET").RetrieveSecrets(t.Context())
	require.NoError(t, err)
	assert.Equal(t, []string{"whsec_cur", "whsec_prev"}, reveal(got))

	_, err = SecretsFromEnv("TEST_WH_UNSET").RetrieveSecrets(t.Context())
	require.ErrorIs(t, err, ErrNoCredentials)
	t.Setenv("TEST_WH_BAD", "whsec_a b")
	_, err = SecretsFromEnv("TEST_WH_BAD").RetrieveSecrets(t.Context())
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "TEST_WH_BAD", ve.Source)
	assert.Equal(t, ReasonSpace, ve.Reason)
	assert.NotContains(t, err.Error(), "whsec_a")

	lines := writeFile(t, dir, "secrets", "whsec_one\r\n\n  whsec_two  \n")
	p := SecretsFromFile(lines)
	got, err = p.RetrieveSecrets(t.Context())
	require.NoError(t, err)
	assert.Equal(t, []string{"whsec_one", "whsec_two"}, reveal(got))
	tmp := writeFile(t, dir, "secrets.tmp", "whsec_three\n")
	require.NoError(t, os.Rename(tmp, lines))
	got, err = p.RetrieveSecrets(t.Context())
	require.NoError(t, err)
	assert.Equal(t, []string{"whsec_three"}, reveal(got))

	for content, reason := range map[string]Reason{"\n\n": ReasonEmpty, "ok\nbad\x01line\n": ReasonSpace} {
		path := writeFile(t, t.TempDir(), "s", content)
		_, err = SecretsFromFile(path).RetrieveSecrets(t.Context())
		require.ErrorAs(t, err, &ve)
		assert.Equal(t, reason, ve.Reason)
	}
	_, err = SecretsFromFile(filepath.Join(dir, "missing")).RetrieveSecrets(t.Context())
	require.ErrorIs(t, err, ErrNoCredentials)
}

func TestSigningSecretsAllocs(t *testing.T) {
	s, err := NewSecretSet(t.Context(), StaticSecrets("whsec_A", "whsec_B"))
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	assert.Zero(t, testing.AllocsPerRun(1000, func() { _ = s.SigningSecrets() }))
}

func BenchmarkSigningSecrets(b *testing.B) {
	s, err := NewSecretSet(context.Background(), StaticSecrets("whsec_A", "whsec_B"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if len(s.SigningSecrets()) != 2 {
				b.Error("wrong set")
				return
			}
		}
	})
}
