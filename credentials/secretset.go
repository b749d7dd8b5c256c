package credentials

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// DefaultGracePeriod is how long a SecretSet keeps accepting the previous
// signing secret after a rotation, when WithGracePeriod is not given.
const DefaultGracePeriod = time.Hour

// SecretProvider supplies webhook signing secrets. RetrieveSecrets returns the
// current secret first, followed by any others that must still be accepted
// (a previous secret that the store keeps during a rotation, or the next one
// staged ahead of it); it may return just the current one and let the
// SecretSet keep the previous one for its grace period.
//
// Implementations must be safe for concurrent use, must honour ctx, and must
// never put secret values in their errors. The SecretSet copies the slice,
// so it may be reused.
type SecretProvider interface {
	RetrieveSecrets(ctx context.Context) ([]Secret, error)
}

// SecretProviderFunc adapts a function to SecretProvider.
type SecretProviderFunc func(ctx context.Context) ([]Secret, error)

// RetrieveSecrets calls f(ctx) and returns its result unchanged.
func (f SecretProviderFunc) RetrieveSecrets(ctx context.Context) ([]Secret, error) { return f(ctx) }

// WithGracePeriod sets how long a SecretSet keeps accepting the previous
// current secret after its provider starts returning a different one, so
// that deliveries signed before the rotation (and their retries) still
// verify. Zero drops the previous secret at once, as after a leak. The
// default is DefaultGracePeriod. A d < 0 is an error matching
// ErrInvalidOption, and so is passing it to NewCache.
func WithGracePeriod(d time.Duration) Option {
	return func(c *config) error {
		if err := c.only(forSecretSet, "WithGracePeriod"); err != nil {
			return err
		}
		if d < 0 {
			return invalidOption("WithGracePeriod(%v): negative", d)
		}
		c.grace = d
		return nil
	}
}

// SecretSet is the rotating set of webhook signing secrets a verifier
// accepts: the current secret first, then the others the provider returns,
// then the previous current secret during its grace period. It is refreshed
// by the machinery of Cache: in the background on an interval
// (WithRefreshInterval, jittered), one provider call at a time, keeping the
// last good set on failure with backoff. SigningSecrets never waits.
//
// A rotation looks like this: the store's secret changes from A to B; within
// one refresh interval the set becomes [B, A]; after the grace period
// (WithGracePeriod) it becomes [B]. The previous secret is kept in memory
// only: after a restart during the grace period, have the provider return
// both (SecretsFromEnv with a second variable, a second line in
// SecretsFromFile).
//
// The zero SecretSet is empty: SigningSecrets returns nil, which a verifier
// treats as accepting nothing. Use NewSecretSet. A SecretSet is safe for
// concurrent use; Close stops its timers and background refresh.
type SecretSet struct {
	e     *engine[[]Secret]
	list  atomic.Pointer[[]Secret]
	clock Clock
	grace time.Duration

	mu        sync.Mutex
	current   []Secret // as the provider last returned it
	prev      Secret   // the previous current secret, during its grace
	prevUntil time.Time
	timer     Timer
	closed    bool
}

// NewSecretSet returns a SecretSet fed by src, after loading it once with
// ctx so that a missing or malformed secret fails at startup rather than at
// the first webhook. Errors: src's error, or a *ValidationError if src
// returned no secret or a zero one; an error matching ErrInvalidOption for
// a nil src, a nil Option, an option with a bad value or one meant for
// NewCache (checked before src is called).
func NewSecretSet(ctx context.Context, src SecretProvider, opts ...Option) (*SecretSet, error) {
	if src == nil {
		return nil, invalidOption("NewSecretSet: nil SecretProvider")
	}
	cfg := config{target: forSecretSet, refresh: defaultRefreshConfig(), grace: DefaultGracePeriod}
	if err := applyOptions(&cfg, opts); err != nil {
		return nil, err
	}
	fetch := func(ctx context.Context) ([]Secret, time.Time, error) {
		got, err := src.RetrieveSecrets(ctx)
		if err != nil {
			return nil, time.Time{}, err
		}
		if len(got) == 0 {
			return nil, time.Time{}, &ValidationError{Source: "secret provider", Reason: ReasonEmpty}
		}
		out := make([]Secret, 0, len(got))
		for _, s := range got {
			if s.IsZero() {
				return nil, time.Time{}, &ValidationError{Source: "secret provider", Field: "secret", Reason: ReasonEmpty}
			}
			if !containsSecret(out, s) {
				out = append(out, s)
			}
		}
		return out, time.Time{}, nil
	}
	s := &SecretSet{clock: cfg.refresh.clock, grace: cfg.grace}
	s.e = newEngine(cfg.refresh, fetch, equalSecrets)
	s.e.onChange = s.rotate
	if _, err := s.e.get(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// SigningSecrets returns the secrets to accept, current first. It is meant to
// be called on every webhook verification: it takes no lock and allocates
// nothing, and it returns the same slice (same backing array) until the set
// changes. The SecretSet never modifies a slice it has returned, and the
// slice has no spare capacity, so appending to it copies; callers must not
// modify its elements. When a refresh is due it starts one in the background
// and returns the current set without waiting.
func (s *SecretSet) SigningSecrets() []Secret {
	if s == nil || s.e == nil {
		return nil
	}
	s.e.peek()
	if p := s.list.Load(); p != nil {
		return *p
	}
	return nil
}

// Close stops the set's timers, cancels a refresh in progress and waits for
// it. SigningSecrets keeps returning the last set (with the previous secret
// dropped only if its grace period ended before Close). Close is idempotent
// and always returns nil.
func (s *SecretSet) Close() error {
	if s == nil || s.e == nil {
		return nil
	}
	s.e.close()
	s.mu.Lock()
	s.closed = true
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	s.mu.Unlock()
	return nil
}

// rotate is the engine's change hook: it records the previous current
// secret for the grace period and publishes the new list.
func (s *SecretSet) rotate(old []Secret, hadOld bool, current []Secret) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	if hadOld && len(old) > 0 && !containsSecret(current, old[0]) && s.grace > 0 {
		s.prev, s.prevUntil = old[0], now.Add(s.grace)
	}
	if containsSecret(current, s.prev) {
		s.prev = Secret{}
	}
	s.current = current
	s.publish(now)
}

// publish stores the list for SigningSecrets and arms the grace timer.
// s.mu must be held.
func (s *SecretSet) publish(now time.Time) {
	if !s.prev.IsZero() && !now.Before(s.prevUntil) {
		s.prev = Secret{}
	}
	list := make([]Secret, 0, len(s.current)+1)
	list = append(list, s.current...)
	if !s.prev.IsZero() {
		list = append(list, s.prev)
	}
	list = list[:len(list):len(list)]
	s.list.Store(&list)
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	if !s.prev.IsZero() && !s.closed {
		until := s.prevUntil
		s.timer = s.clock.AfterFunc(until.Sub(now), s.onGraceEnd)
	}
}

func (s *SecretSet) onGraceEnd() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.prev.IsZero() {
		return
	}
	now := s.clock.Now()
	if now.Before(s.prevUntil) {
		s.timer = s.clock.AfterFunc(s.prevUntil.Sub(now), s.onGraceEnd)
		return
	}
	s.publish(now)
}

func containsSecret(list []Secret, s Secret) bool {
	if s.IsZero() {
		return false
	}
	for _, x := range list {
		if x.Equal(s) {
			return true
		}
	}
	return false
}

func equalSecrets(a, b []Secret) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Equal(b[i]) {
			return false
		}
	}
	return true
}

// StaticSecrets returns a SecretProvider that always answers with secrets,
// current first. It is meant for tests and examples; empty strings are
// reported by RetrieveSecrets as a *ValidationError.
func StaticSecrets(secrets ...string) SecretProvider {
	out := make([]Secret, len(secrets))
	for i, s := range secrets {
		out[i] = NewSecret(s)
	}
	return SecretProviderFunc(func(context.Context) ([]Secret, error) {
		if len(out) == 0 {
			return nil, &ValidationError{Source: "static secrets", Reason: ReasonEmpty}
		}
		for _, s := range out {
			if s.IsZero() {
				return nil, &ValidationError{Source: "static secrets", Field: "secret", Reason: ReasonEmpty}
			}
		}
		return out, nil
	})
}

// SecretsFromEnv returns a SecretProvider that reads, at every
// RetrieveSecrets, the environment variable current and then each of others
// (a previous or next secret, optional). Each variable X may instead be given
// as X_FILE, the path of a file holding the value. Whitespace around a value
// (the newline of a mounted file) is trimmed; whitespace or control
// characters inside it are an error.
//
// Errors: current unset (nor its _FILE), an error wrapping ErrNoCredentials;
// a variable set but empty or malformed, or both X and X_FILE set, a
// *ValidationError naming the variable, never the value; a _FILE that cannot
// be read, an error naming the variable and the file.
func SecretsFromEnv(current string, others ...string) SecretProvider {
	names := append([]string{current}, others...)
	return SecretProviderFunc(func(context.Context) ([]Secret, error) {
		var out []Secret
		for i, name := range names {
			v, err := lookupEnvValue(os.LookupEnv, name)
			if err != nil {
				return nil, err
			}
			if !v.set {
				if i == 0 {
					return nil, &notFoundError{what: "environment: neither " + name + " nor " + name + fileSuffix + " is set"}
				}
				continue
			}
			s, err := checkSecret(v.value, v.name, "")
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	})
}

// SigningSecret checks a webhook signing secret the way every provider in
// this package does: v is trimmed of surrounding whitespace and must then be
// non-empty valid UTF-8 with no whitespace or control character inside.
// The error is a *ValidationError naming source and field, never the value.
// It is for secret-store integrations that hold a secret as a plain string.
func SigningSecret(v, source, field string) (Secret, error) { return checkSecret(v, source, field) }

// checkSecret trims v and checks that what remains is a usable secret.
func checkSecret(v, source, field string) (Secret, error) {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return Secret{}, &ValidationError{Source: source, Field: field, Reason: ReasonEmpty}
	case !utf8.ValidString(v):
		return Secret{}, &ValidationError{Source: source, Field: field, Reason: ReasonNotUTF8}
	case hasSpaceOrControl(v):
		return Secret{}, &ValidationError{Source: source, Field: field, Reason: ReasonSpace}
	}
	return NewSecret(v), nil
}

// secretsFile is the provider of SecretsFromFile.
type secretsFile struct {
	path string
	mu   sync.Mutex
	last atomic.Pointer[secretsFileResult]
}

type secretsFileResult struct {
	stamp   stamp
	secrets []Secret
	err     error
}

// SecretsFromFile returns a SecretProvider that reads path, a file holding
// one secret per line, current first; blank lines are ignored and whitespace
// around each line is trimmed. Like FromFile, it re-reads the file only when
// a stat shows it changed (including the Kubernetes "..data" symlink swap)
// and reads at most 64 KiB.
//
// Errors: a missing file, an error wrapping ErrNoCredentials and
// fs.ErrNotExist; a file with no secret or a malformed line, a
// *ValidationError naming the file and line, never the value; other I/O
// errors wrapped.
func SecretsFromFile(path string) SecretProvider {
	return &secretsFile{path: path}
}

// RetrieveSecrets implements SecretProvider.
func (p *secretsFile) RetrieveSecrets(ctx context.Context) ([]Secret, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	fi, err := os.Stat(p.path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &notFoundError{what: p.path + " does not exist", err: fs.ErrNotExist}
		}
		return nil, fmt.Errorf("credentials: %w", err)
	}
	st := stamp{files: []fs.FileInfo{fi}}
	if last := p.last.Load(); last != nil && last.stamp.equal(st) {
		return last.secrets, last.err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	data, fi, err := readFileLimited(p.path, maxDocumentSize)
	if err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			return nil, err
		}
		return nil, fmt.Errorf("credentials: %w", err)
	}
	secrets, perr := parseSecretLines(data, p.path)
	p.last.Store(&secretsFileResult{stamp: stamp{files: []fs.FileInfo{fi}}, secrets: secrets, err: perr})
	return secrets, perr
}

// parseSecretLines parses a secrets file: one secret per line, blank lines
// ignored.
func parseSecretLines(data []byte, source string) ([]Secret, error) {
	var out []Secret
	for i, line := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		s, err := checkSecret(string(line), source, fmt.Sprintf("line %d", i+1))
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil, &ValidationError{Source: source, Reason: ReasonEmpty}
	}
	return out, nil
}
