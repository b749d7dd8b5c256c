package main

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/journal"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

func TestPrintable(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"order-9", "order-9"},
		{"", ""},
		{`back\slash "quoted" été 注文`, `back\slash "quoted" été 注文`},
		{"\x1b[31mred\x1b]0;title\a", `\x1b[31mred\x1b]0;title\x07`},
		{"tab\tnew\nline\rnul\x00", `tab\x09new\x0aline\x0dnul\x00`},
		{"del\x7f", `del\x7f`},
		{"c1 \u0085 \u009b", `c1 \u0085 \u009b`},
		{"bidi \u202eevil\u202c \u2066x\u2069 \u200f \u061c", `bidi \u202eevil\u202c \u2066x\u2069 \u200f \u061c`},
		{"line\u2028para\u2029", `line\u2028para\u2029`},
		{"raw \x9b byte", `raw \x9b byte`},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, printable(c.in), "%q", c.in)
	}
}

// noControls fails when s holds a byte or rune a terminal would act on.
func noControls(t *testing.T, s string) {
	t.Helper()
	for _, r := range s {
		if r == '\n' {
			continue // the output's own line ends
		}
		assert.False(t, r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == '\u202e' || r == '\ufffd',
			"a raw %U in the output:\n%s", r, s)
	}
}

// A journal's values are printed escaped: a reference crafted to drive
// the operator's terminal shows as text.
func TestJournalListEscapesControls(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "jupico.journal")
	j, err := journal.Open(path)
	require.NoError(t, err)
	now := time.Now()
	require.NoError(t, j.Record(context.Background(), &jupico.JournalEntry{
		ID: "0123456789abcdef0123456789abcdef", Operation: "creditcard.sale\u202e", Reference: "\x1b[31mred\x1b]0;title\a",
		Body:  json.RawMessage("{\"subMerchantId\":\"sm_1\",\"amount\":25.00,\"reference\":\"\u202eorder\u0085\"}"),
		State: jupico.JournalStateIntent, Created: now, Updated: now,
	}))
	require.NoError(t, j.Close())

	r := cli(t, nil, "journal", "list", "--file", path, "--body")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, `\x1b[31mred\x1b]0;title\x07`)
	assert.Contains(t, r.stdout, `creditcard.sale\u202e`)
	assert.Contains(t, r.stdout, `"reference":"\u202eorder\u0085"`)
	noControls(t, r.stdout)

	// --json is for programs: the value is kept, JSON-escaped.
	r = cli(t, nil, "journal", "list", "--file", path, "--json")
	require.Equal(t, exitOK, r.code, r.stderr)
	var list struct{ Entries []entryView }
	r.decode(t, &list)
	require.Len(t, list.Entries, 1)
	assert.Equal(t, "\x1b[31mred\x1b]0;title\a", list.Entries[0].Reference)
}

// An error message from Jupico is printed escaped too.
func TestErrorLineEscapesControls(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	env, flags := fakeEnv(t, srv)
	srv.InjectFault("/status", jupicotest.Fault{Status: http.StatusInternalServerError, Code: "internal_server_error",
		Message: "\x1b]0;pwned\a \u009b2J \u202egnp.exe", Times: 1})
	r := cli(t, env, args(flags, "status")...)
	assert.Equal(t, exitFailed, r.code)
	// The client blanks C0 and C1 controls in Jupico's message; the
	// bidi override is escaped here.
	assert.Contains(t, r.stderr, `\u202egnp.exe`)
	noControls(t, r.stderr)
	assert.Equal(t, 1, strings.Count(r.stderr, "\n"), "one line: %q", r.stderr)
}
