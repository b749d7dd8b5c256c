package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"strings"
	"sync"

	"github.com/jupico/jupico-go/credentials"
)

// Secret length limits of the Standard Webhooks scheme, in decoded bytes.
const (
	minSecretBytes = 24
	maxSecretBytes = 64
)

// secretPrefix is the optional prefix of a serialised signing secret.
const secretPrefix = "whsec_"

// SecretSource supplies the signing secrets currently accepted (current first).
// It is called from concurrent Verify calls, so it must be safe for concurrent use.
// SigningSecrets is called on every Verify and must be cheap and lock-free; it must
// return the same slice (same backing array) until the set changes, and never mutate
// a slice it has returned.
//
// The Verifier decodes the set once and reuses the decoded keys for as long
// as SigningSecrets returns the same slice (same first element, same length).
// A source that returns a fresh slice on every call still works, but pays for
// decoding on every Verify. An empty set, or a set with any invalid secret,
// makes Verify fail closed with ErrInvalidSecret; it never skips
// verification. Each secret has the form NewVerifier accepts.
type SecretSource interface {
	SigningSecrets() []credentials.Secret
}

// decodeSecret turns "whsec_<base64>" (prefix optional, surrounding white
// space ignored) into key bytes. Errors never contain the secret.
func decodeSecret(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, secretPrefix)
	if s == "" {
		return nil, detail(ErrInvalidSecret, "empty")
	}
	key, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, detail(ErrInvalidSecret, "not standard base64")
	}
	if len(key) < minSecretBytes {
		return nil, detail(ErrInvalidSecret, "shorter than 24 bytes")
	}
	if len(key) > maxSecretBytes {
		return nil, detail(ErrInvalidSecret, "longer than 64 bytes")
	}
	return key, nil
}

// macState is one keyed HMAC-SHA256 with the scratch space Verify needs, so
// that verifying allocates nothing once the pool is warm.
type macState struct {
	h   hash.Hash
	sum [sha256.Size]byte
	// prefix holds "id.timestamp." (at most maxIDLen+1+maxTimestampLen+1 bytes).
	prefix [maxIDLen + maxTimestampLen + 2]byte
}

// hmacKey is one decoded secret with a pool of keyed MAC states. hmac's Reset
// returns a state to "just keyed" without rehashing the key.
type hmacKey struct {
	pool sync.Pool
}

func newHMACKey(key []byte) *hmacKey {
	k := &hmacKey{}
	k.pool.New = func() any { return &macState{h: hmac.New(sha256.New, key)} }
	return k
}

// sum writes id "." ts "." body into the MAC and returns the state holding
// the result in st.sum. The caller must put st back.
func (k *hmacKey) sum(id, ts string, body []byte) *macState {
	st := k.pool.Get().(*macState)
	st.h.Reset()
	n := copy(st.prefix[:], id)
	st.prefix[n] = '.'
	n++
	n += copy(st.prefix[n:], ts)
	st.prefix[n] = '.'
	n++
	st.h.Write(st.prefix[:n])
	st.h.Write(body)
	st.h.Sum(st.sum[:0])
	return st
}

// keySet is an immutable decoded set of secrets, current first. err is set
// when the set is unusable; Verify then fails closed.
type keySet struct {
	keys []*hmacKey
	err  error

	// Identity of the SecretSource slice this set was decoded from.
	first *credentials.Secret
	n     int
}

// newKeySet decodes secrets. Any invalid member invalidates the whole set.
func newKeySet(secrets []string) *keySet {
	if len(secrets) == 0 {
		return &keySet{err: detail(ErrInvalidSecret, "no secrets")}
	}
	ks := &keySet{keys: make([]*hmacKey, 0, len(secrets))}
	for _, s := range secrets {
		key, err := decodeSecret(s)
		if err != nil {
			return &keySet{err: err}
		}
		ks.keys = append(ks.keys, newHMACKey(key))
	}
	return ks
}

// keySetFromSource decodes a SecretSource answer and records its identity.
func keySetFromSource(secs []credentials.Secret) *keySet {
	plain := make([]string, len(secs))
	for i, s := range secs {
		plain[i] = s.Reveal()
	}
	ks := newKeySet(plain)
	if len(secs) > 0 {
		ks.first = &secs[0]
	}
	ks.n = len(secs)
	return ks
}

// sameSlice reports whether secs is the slice ks was decoded from.
func (ks *keySet) sameSlice(secs []credentials.Secret) bool {
	if len(secs) != ks.n {
		return false
	}
	if len(secs) == 0 {
		return true
	}
	return &secs[0] == ks.first
}
