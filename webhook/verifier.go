package webhook

import (
	"crypto/hmac"
	"encoding/base64"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/jupico/jupico-go/credentials"
)

// Defaults and limits of a Verifier.
const (
	// DefaultTolerance is how far a webhook-timestamp may lie from the
	// verifier's clock, in either direction, when WithTolerance is not given.
	DefaultTolerance = 5 * time.Minute

	// MaxTolerance is the largest tolerance WithTolerance accepts. A wider
	// window would turn the timestamp check into no check.
	MaxTolerance = time.Hour

	// DefaultMaxBodyBytes is the body cap when WithMaxBodyBytes is not
	// given: 1 MiB.
	DefaultMaxBodyBytes int64 = 1 << 20

	// MaxSignatureEntries is the most space-separated entries, over all
	// webhook-signature lines, that Verify considers; more is ErrInvalidHeader.
	MaxSignatureEntries = 16

	// MaxSignatureHeaderBytes caps the total length of the webhook-signature
	// lines; longer is ErrInvalidHeader.
	MaxSignatureHeaderBytes = 4096
)

const (
	maxIDLen        = 256
	maxTimestampLen = 18 // fits int64 without overflow
	sigLen          = 32 // HMAC-SHA256
	sigB64Len       = 44 // padded standard base64 of 32 bytes
)

// headerNames is one family of signature header names, in canonical form so
// that map look-ups need no canonicalisation.
type headerNames struct{ id, ts, sig string }

var (
	webhookHeaders = headerNames{"Webhook-Id", "Webhook-Timestamp", "Webhook-Signature"}
	svixHeaders    = headerNames{"Svix-Id", "Svix-Timestamp", "Svix-Signature"}
)

// Verifier checks Standard Webhooks signatures (HMAC-SHA256 over
// "id.timestamp.body") on incoming deliveries. Build it with NewVerifier; the
// zero Verifier has no secret and rejects every delivery with
// ErrInvalidSecret.
//
// A Verifier is immutable after construction and safe for concurrent use by
// any number of goroutines. Verifying allocates nothing in steady state.
type Verifier struct {
	tolerance time.Duration
	maxBody   int64
	now       func() time.Time

	static *keySet      // set when the secrets are fixed
	src    SecretSource // set when the secrets rotate
	cache  atomic.Pointer[keySet]
}

// Option configures NewVerifier or NewHandler: one type for both, so that
// every option of the package can be passed where an option is expected.
// Each option belongs to one constructor, which its doc names:
// WithTolerance, WithSecrets, WithSecretSource, WithClock and
// WithMaxBodyBytes configure a Verifier; WithReplayStore, WithReplayTTL,
// WithProcessingTimeout, OnReject, WithTrustedProxies and WithObserver a
// Handler. The other constructor refuses it with an error wrapping
// ErrInvalidOption that names the option and where it belongs, rather than
// ignoring it: a Handler's verification is configured on its Verifier.
//
// Options validate their argument: the constructor returns the first error
// (wrapping ErrInvalidOption or ErrInvalidSecret), never the first delivery.
// A nil Option is an error wrapping ErrInvalidOption.
type Option func(*config) error

// target says which constructor applies the options.
type target int

const (
	forVerifier target = iota + 1
	forHandler
)

func (t target) String() string {
	if t == forHandler {
		return "NewHandler"
	}
	return "NewVerifier"
}

// config is what Options set: a Verifier's settings, or (target
// forHandler) the Handler being built.
type config struct {
	target target

	tolerance time.Duration
	maxBody   int64
	clock     credentials.Clock
	more      []string
	src       SecretSource

	h *Handler
}

// only refuses an option meant for the other constructor.
func (c *config) only(t target, name string) error {
	if c.target != t {
		return detail(ErrInvalidOption, name+" configures "+t.String()+", not "+c.target.String())
	}
	return nil
}

// apply applies opts in order and returns the first error.
func (c *config) apply(opts []Option) error {
	for _, opt := range opts {
		if opt == nil {
			return detail(ErrInvalidOption, "nil option")
		}
		if err := opt(c); err != nil {
			return err
		}
	}
	return nil
}

// WithTolerance sets how far the webhook-timestamp may lie from the clock, in
// the past and in the future; a timestamp exactly at the limit passes. The
// default is DefaultTolerance (5 minutes). d must be positive and at most
// MaxTolerance: there is no way to switch the check off.
func WithTolerance(d time.Duration) Option {
	return func(c *config) error {
		if err := c.only(forVerifier, "WithTolerance"); err != nil {
			return err
		}
		if d <= 0 || d > MaxTolerance {
			return detail(ErrInvalidOption, "tolerance must be in (0, 1h]")
		}
		c.tolerance = d
		return nil
	}
}

// WithSecrets adds secrets that verify as well as the one given to
// NewVerifier, for a rotation window: a delivery passes when any of its v1
// signatures matches any secret. Each must be valid as for NewVerifier. It
// cannot be combined with WithSecretSource.
func WithSecrets(more ...string) Option {
	return func(c *config) error {
		if err := c.only(forVerifier, "WithSecrets"); err != nil {
			return err
		}
		for _, s := range more {
			if _, err := decodeSecret(s); err != nil {
				return err
			}
		}
		c.more = append(c.more, more...)
		return nil
	}
}

// WithSecretSource takes the accepted secrets from src, at every Verify, so a
// rotation takes effect without rebuilding the Verifier. NewVerifier must then
// be given an empty secret (and no WithSecrets): the source is the only place
// the secrets come from. NewVerifier calls src once and fails if the set is
// empty or invalid; later an empty or invalid set makes Verify fail closed
// with ErrInvalidSecret.
func WithSecretSource(src SecretSource) Option {
	return func(c *config) error {
		if err := c.only(forVerifier, "WithSecretSource"); err != nil {
			return err
		}
		if src == nil {
			return detail(ErrInvalidOption, "nil secret source")
		}
		c.src = src
		return nil
	}
}

// WithClock sets the clock the timestamp is checked against; only its Now
// method is used. The default is the system clock. It must be safe for
// concurrent use; nil is an error. It is the credentials.Clock that the
// rest of the module takes, so one test clock drives them all.
func WithClock(clock credentials.Clock) Option {
	return func(c *config) error {
		if err := c.only(forVerifier, "WithClock"); err != nil {
			return err
		}
		if clock == nil {
			return detail(ErrInvalidOption, "nil clock")
		}
		c.clock = clock
		return nil
	}
}

// WithMaxBodyBytes sets the largest body Verify accepts, and the cap the
// handler reads up to; the default is DefaultMaxBodyBytes (1 MiB). n must be
// positive.
func WithMaxBodyBytes(n int64) Option {
	return func(c *config) error {
		if err := c.only(forVerifier, "WithMaxBodyBytes"); err != nil {
			return err
		}
		if n <= 0 {
			return detail(ErrInvalidOption, "max body bytes must be positive")
		}
		c.maxBody = n
		return nil
	}
}

// NewVerifier returns a Verifier for the endpoint's signing secret,
// "whsec_<base64>" with the prefix optional and surrounding white space
// ignored. The secret must be standard padded base64 of 24 to 64 bytes; an
// empty or short secret is an error wrapping ErrInvalidSecret, so that a
// missing environment variable can never turn verification off. With
// WithSecretSource the secret must be "".
//
// Errors wrap ErrInvalidSecret or ErrInvalidOption (a nil option, a bad
// value, a Handler's option) and never contain a secret.
func NewVerifier(secret string, opts ...Option) (*Verifier, error) {
	c := config{
		target:    forVerifier,
		tolerance: DefaultTolerance,
		maxBody:   DefaultMaxBodyBytes,
	}
	if err := c.apply(opts); err != nil {
		return nil, err
	}
	v := &Verifier{tolerance: c.tolerance, maxBody: c.maxBody, now: time.Now}
	if c.clock != nil {
		v.now = c.clock.Now
	}
	if c.src != nil {
		if secret != "" || len(c.more) > 0 {
			return nil, detail(ErrInvalidOption, "a secret source excludes other secrets")
		}
		ks := keySetFromSource(c.src.SigningSecrets())
		if ks.err != nil {
			return nil, ks.err
		}
		v.src = c.src
		v.cache.Store(ks)
		return v, nil
	}
	ks := newKeySet(append([]string{secret}, c.more...))
	if ks.err != nil {
		return nil, ks.err
	}
	v.static = ks
	return v, nil
}

// MaxBodyBytes returns the largest body the Verifier accepts. The handler
// reads at most this many bytes.
func (v *Verifier) MaxBodyBytes() int64 { return v.maxBody }

// Verify checks that body, with the id and timestamp of h, was signed by the
// sender with an accepted secret, within the tolerance of the clock. It reads
// webhook-id, webhook-timestamp and webhook-signature, or, when none of those
// is present, svix-id, svix-timestamp and svix-signature; the two families
// are never mixed.
//
// The signature header holds space-separated "version,value" entries, over
// one or more lines. Entries of versions other than v1 are skipped; a v1
// value must be standard padded base64 of 32 bytes, anything else is simply
// no match. At most MaxSignatureEntries entries and MaxSignatureHeaderBytes
// bytes are considered. The MAC is computed once per accepted secret over
// exactly the bytes received (no normalisation) and compared with
// hmac.Equal. body is read, never copied or modified.
//
// Verify returns nil or an error matching one of ErrBodyTooLarge,
// ErrMissingHeaders, ErrInvalidHeader, ErrTimestampTooOld,
// ErrTimestampTooNew, ErrNoMatchingSignature, or ErrInvalidSecret (the
// SecretSource gave an empty or invalid set). It is safe for concurrent use.
func (v *Verifier) Verify(h http.Header, body []byte) error {
	_, err := v.verify(h, body)
	return err
}

// Authenticate verifies d's headers and body; it lets a Verifier be given to
// NewHandler or All. Errors are those of Verify.
func (v *Verifier) Authenticate(d *Delivery) error {
	return v.Verify(d.Header, d.Body)
}

// Parse verifies the delivery, as Verify does, then decodes Jupico's event
// envelope {"event", "datetime", "data"} from body. The returned Event's ID
// is the verified webhook-id. The body is decoded strictly (see
// ErrInvalidPayload); event types this package does not know decode fine,
// with their data left raw.
//
// Errors are those of Verify, or one wrapping ErrInvalidPayload. Parse is
// safe for concurrent use.
func (v *Verifier) Parse(h http.Header, body []byte) (*Event, error) {
	id, err := v.verify(h, body)
	if err != nil {
		return nil, err
	}
	e, err := decodeEvent(body)
	if err != nil {
		return nil, err
	}
	e.ID = id
	return e, nil
}

// keys returns the secrets to check against, decoding a new SecretSource
// set only when the source hands out a different slice.
func (v *Verifier) keys() *keySet {
	if v.static != nil {
		return v.static
	}
	secs := v.src.SigningSecrets()
	if ks := v.cache.Load(); ks != nil && ks.sameSlice(secs) {
		return ks
	}
	ks := keySetFromSource(secs)
	v.cache.Store(ks)
	return ks
}

// verify does the work of Verify and returns the verified id.
func (v *Verifier) verify(h http.Header, body []byte) (string, error) {
	if v.static == nil && v.src == nil {
		return "", detail(ErrInvalidSecret, "verifier not built with NewVerifier")
	}
	if int64(len(body)) > v.maxBody {
		return "", ErrBodyTooLarge
	}
	names := headerFamily(h)
	id, err := singleHeader(h, names.id)
	if err != nil {
		return "", err
	}
	ts, err := singleHeader(h, names.ts)
	if err != nil {
		return "", err
	}
	sigLines := h[names.sig]
	if len(sigLines) == 0 {
		return "", detail(ErrMissingHeaders, "no signature header")
	}
	if err := checkID(id); err != nil {
		return "", err
	}
	sec, err := parseTimestamp(ts)
	if err != nil {
		return "", err
	}

	var cands [MaxSignatureEntries][sigLen]byte
	nc, err := parseSignatures(sigLines, &cands)
	if err != nil {
		return "", err
	}

	// The timestamp is checked after the header is known to be well formed
	// but before any hashing, so stale deliveries cost no MAC.
	// Compared at full clock precision: exactly at the limit passes, one
	// nanosecond past it does not. Sub saturates instead of overflowing.
	age := v.now().Sub(time.Unix(sec, 0))
	if age > v.tolerance {
		return "", ErrTimestampTooOld
	}
	if age < -v.tolerance {
		return "", ErrTimestampTooNew
	}
	if nc == 0 {
		return "", detail(ErrNoMatchingSignature, "no usable v1 signature")
	}

	ks := v.keys()
	if ks.err != nil {
		return "", ks.err
	}
	for _, k := range ks.keys {
		st := k.sum(id, ts, body)
		ok := false
		for i := 0; i < nc; i++ {
			if hmac.Equal(st.sum[:], cands[i][:]) {
				ok = true
				break
			}
		}
		k.pool.Put(st)
		if ok {
			return id, nil
		}
	}
	return "", ErrNoMatchingSignature
}

// headerFamily picks webhook- names when any of them is present, else svix-.
func headerFamily(h http.Header) headerNames {
	if len(h[webhookHeaders.id]) > 0 || len(h[webhookHeaders.ts]) > 0 || len(h[webhookHeaders.sig]) > 0 {
		return webhookHeaders
	}
	if len(h[svixHeaders.id]) > 0 || len(h[svixHeaders.ts]) > 0 || len(h[svixHeaders.sig]) > 0 {
		return svixHeaders
	}
	return webhookHeaders
}

// singleHeader returns the only line of a header. Repeated lines are
// ambiguous (two readers could pick different ones) and rejected.
func singleHeader(h http.Header, name string) (string, error) {
	vs := h[name]
	switch len(vs) {
	case 0:
		return "", detail(ErrMissingHeaders, "no id or timestamp header")
	case 1:
		return vs[0], nil
	default:
		return "", detail(ErrInvalidHeader, "repeated id or timestamp header")
	}
}

// checkID accepts 1 to 256 bytes of visible ASCII.
func checkID(id string) error {
	if id == "" {
		return detail(ErrInvalidHeader, "empty id")
	}
	if len(id) > maxIDLen {
		return detail(ErrInvalidHeader, "id longer than 256 bytes")
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c >= 0x7f {
			return detail(ErrInvalidHeader, "id has characters outside visible ASCII")
		}
	}
	return nil
}

// parseTimestamp accepts only canonical decimal seconds: digits, no sign, no
// leading zero (except "0"), no spaces, at most 18 digits. strconv.ParseInt
// would also take "+123".
func parseTimestamp(ts string) (int64, error) {
	if ts == "" || len(ts) > maxTimestampLen || (len(ts) > 1 && ts[0] == '0') {
		return 0, detail(ErrInvalidHeader, "timestamp is not canonical decimal seconds")
	}
	var n int64
	for i := 0; i < len(ts); i++ {
		c := ts[i]
		if c < '0' || c > '9' {
			return 0, detail(ErrInvalidHeader, "timestamp is not canonical decimal seconds")
		}
		n = n*10 + int64(c-'0')
	}
	return n, nil
}

// parseSignatures splits the signature lines into entries and decodes the
// usable v1 ones into cands, returning how many. Malformed entries (no comma,
// empty version) make the whole header invalid; v1 values that are not
// padded standard base64 of 32 bytes are skipped; other versions are skipped.
func parseSignatures(lines []string, cands *[MaxSignatureEntries][sigLen]byte) (int, error) {
	total := 0
	for _, l := range lines {
		total += len(l)
	}
	if total > MaxSignatureHeaderBytes {
		return 0, detail(ErrInvalidHeader, "signature header longer than "+strconv.Itoa(MaxSignatureHeaderBytes)+" bytes")
	}
	entries, nc := 0, 0
	for _, line := range lines {
		for len(line) > 0 {
			var entry string
			if i := indexByte(line, ' '); i >= 0 {
				entry, line = line[:i], line[i+1:]
			} else {
				entry, line = line, ""
			}
			if entry == "" {
				continue // runs of spaces
			}
			entries++
			if entries > MaxSignatureEntries {
				return 0, detail(ErrInvalidHeader, "more than "+strconv.Itoa(MaxSignatureEntries)+" signature entries")
			}
			comma := indexByte(entry, ',')
			if comma <= 0 {
				return 0, detail(ErrInvalidHeader, "signature entry without version")
			}
			if entry[:comma] != "v1" {
				continue
			}
			val := entry[comma+1:]
			if len(val) != sigB64Len {
				continue
			}
			// Copy to arrays so neither the conversion nor the decoder's
			// worst-case output size (33 bytes) touches the heap.
			var src [sigB64Len]byte
			var dst [sigLen + 1]byte
			copy(src[:], val)
			n, err := base64.StdEncoding.Strict().Decode(dst[:], src[:])
			if err != nil || n != sigLen {
				continue
			}
			copy(cands[nc][:], dst[:sigLen])
			nc++
		}
	}
	if entries == 0 {
		return 0, detail(ErrInvalidHeader, "empty signature header")
	}
	return nc, nil
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}
