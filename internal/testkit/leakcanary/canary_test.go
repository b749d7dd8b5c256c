package leakcanary_test

import (
	"context"
	"encoding/base64"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/internal/redact"
	"github.com/jupico/jupico-go/internal/testkit/testproc"
)

// Canary secrets: distinctive values that appear nowhere else, so finding
// one in captured output can only mean a leak. Usernames are not secret and
// may appear (the credentials' own String shows them).
const (
	canaryUser     = "canary-user-q7"
	canaryPassword = "CanaryPw-X9fL2q-7TzkR"
	keyUser        = "canary-key-user"
	keyPassword    = "CanaryKey-M3pV8w-4Rb"
	// canaryCard is a Luhn-valid card number used only here.
	canaryCard = "4000725319842609"
)

var (
	canaryBasic         = base64.StdEncoding.EncodeToString([]byte(canaryUser + ":" + canaryPassword))
	canaryAPIKey        = base64.StdEncoding.EncodeToString([]byte(keyUser + ":" + keyPassword))
	canaryWebhookKey    = base64.StdEncoding.EncodeToString([]byte("leak-canary-webhook-signing-key!"))
	canaryWebhookSecret = "whsec_" + canaryWebhookKey
	canaryCardSpaced    = "4000 7253 1984 2609"
	canaryCardDashed    = "4000-7253-1984-2609"
)

// forbidden lists every form in which a canary must never appear.
func forbidden() map[string]string {
	return map[string]string{
		"password":                canaryPassword,
		"api key password":        keyPassword,
		"api key":                 canaryAPIKey,
		"base64 of user:pass":     canaryBasic,
		"base64 of the password":  strings.TrimRight(base64.StdEncoding.EncodeToString([]byte(canaryPassword)), "="),
		"webhook signing secret":  canaryWebhookSecret,
		"webhook signing key":     canaryWebhookKey,
		"card number":             canaryCard,
		"card number with spaces": canaryCardSpaced,
		"card number with dashes": canaryCardDashed,
	}
}

// separators are removed before a second search for the card number, so
// any mix of spaces, dashes and line breaks between its digits is caught.
var separators = strings.NewReplacer(" ", "", "-", "", "\t", "", "\n", "", "\r", "", "\\n", "", "\\t", "")

// leaks lists the canaries text holds, by name.
func leaks(text string) []string {
	var found []string
	for name, v := range forbidden() {
		if i := strings.Index(text, v); i >= 0 {
			found = append(found, "the "+name+" in ..."+excerpt(text, i, len(v))+"...")
		}
	}
	if strings.Contains(separators.Replace(text), canaryCard) {
		found = append(found, "the card number, once separators are removed")
	}
	return found
}

// assertNoCanary fails if text, captured from where, holds a canary.
func assertNoCanary(t *testing.T, where, text string) {
	t.Helper()
	assert.Empty(t, leaks(text), "canaries leaked into %s", where)
}

func excerpt(s string, i, n int) string {
	return s[max(0, i-60):min(len(s), i+n+60)]
}

func TestCanariesAreDistinctiveAndDetected(t *testing.T) {
	t.Parallel()
	for _, card := range []string{canaryCard, canaryCardSpaced, canaryCardDashed} {
		assert.True(t, redact.FindPAN(card), "%s must look like a card number, or the SDK's guard would not refuse it", card)
	}
	assert.NotContains(t, canaryBasic, "=", "no padding: a prefix of the encoding is the encoding")
	assert.NotContains(t, canaryAPIKey, "=")
	assert.GreaterOrEqual(t, len(canaryWebhookKey), 32)

	// The checker itself must catch each form, encoded or not.
	for name, v := range forbidden() {
		assert.NotEmpty(t, leaks("x "+v+" y"), "the checker misses the %s", name)
	}
	assert.NotEmpty(t, leaks("4000 72-53 1984\n2609"), "the checker misses a card number with mixed separators")
	assert.Empty(t, leaks("jupico: creditcard.sale: declined, user "+canaryUser), "a username is not a secret")
}

// fanout sends every record to several handlers and counts them.
type fanout struct {
	hs []slog.Handler
	n  *countRecords
}

type countRecords struct {
	mu sync.Mutex
	n  int
}

func (c *countRecords) add() {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
}

func (c *countRecords) get() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func (f fanout) Enabled(ctx context.Context, l slog.Level) bool {
	for _, h := range f.hs {
		if h.Enabled(ctx, l) {
			return true
		}
	}
	return false
}

func (f fanout) Handle(ctx context.Context, r slog.Record) error {
	f.n.add()
	for _, h := range f.hs {
		if err := h.Handle(ctx, r.Clone()); err != nil {
			return err
		}
	}
	return nil
}

func (f fanout) WithAttrs(as []slog.Attr) slog.Handler {
	out := fanout{n: f.n}
	for _, h := range f.hs {
		out.hs = append(out.hs, h.WithAttrs(as))
	}
	return out
}

func (f fanout) WithGroup(name string) slog.Handler {
	out := fanout{n: f.n}
	for _, h := range f.hs {
		out.hs = append(out.hs, h.WithGroup(name))
	}
	return out
}

// debugLogs is a logger at Debug that writes JSON and text, as the two
// standard slog handlers format them, and counts the records.
type debugLogs struct {
	text, json testproc.Buffer
	records    countRecords
}

func (d *debugLogs) logger() *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelDebug, AddSource: true}
	return slog.New(fanout{hs: []slog.Handler{slog.NewTextHandler(&d.text, opts), slog.NewJSONHandler(&d.json, opts)}, n: &d.records})
}

func TestFanoutWritesBothFormats(t *testing.T) {
	t.Parallel()
	var d debugLogs
	lg := d.logger().With("k", "v").WithGroup("g")
	lg.Debug("hello", "n", 1)
	require.Equal(t, 1, d.records.get())
	assert.Contains(t, d.text.String(), "msg=hello k=v g.n=1")
	assert.Contains(t, d.json.String(), `"msg":"hello","k":"v","g":{"n":1}`)
}
