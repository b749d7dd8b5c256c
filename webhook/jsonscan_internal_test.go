package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// appendFolded maps two keys to the same bytes exactly when bytes.EqualFold
// says they are equal: every rune of an orbit maps to one member of that
// orbit, and orbits are disjoint.
func TestAppendFoldedMatchesEqualFold(t *testing.T) {
	t.Parallel()
	canon := func(r rune) string { return string(appendFolded(nil, []byte(string(r)))) }
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r >= 0xd800 && r <= 0xdfff {
			continue // not encodable in UTF-8
		}
		c := canon(r)
		cr, _ := utf8.DecodeRuneInString(c)
		if !bytes.EqualFold([]byte(string(r)), []byte(c)) {
			t.Fatalf("canonical form of %U is %U, outside its fold orbit", r, cr)
		}
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if canon(f) != c {
				t.Fatalf("%U and %U fold together but map to %q and %q", r, f, c, canon(f))
			}
		}
	}
	assert.Equal(t, canon('k'), canon('\u212a'))
	assert.Equal(t, canon('s'), canon('\u017f'))
}

// referenceCheck validates a JSON value with encoding/json's token stream:
// grammar, depth and case-folded duplicate keys. It does not see lone
// surrogate escapes, which encoding/json silently replaces.
func referenceCheck(b []byte) error {
	if !json.Valid(b) || !utf8.Valid(b) {
		return errors.New("invalid")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber() // numbers are grammar here, not float64 values
	type frame struct {
		obj    bool
		keys   [][]byte
		expect bool // next string token in an object is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.obj && top.expect {
			if s, ok := tok.(string); ok {
				for _, k := range top.keys {
					if bytes.EqualFold(k, []byte(s)) {
						return errors.New("duplicate")
					}
				}
				top.keys = append(top.keys, []byte(s))
				top.expect = false
				continue
			}
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			stack = append(stack, &frame{obj: tok == json.Delim('{'), expect: true})
			if len(stack) > maxJSONDepth-1 { // one level is the envelope
				return errors.New("deep")
			}
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		if len(stack) > 0 && stack[len(stack)-1].obj {
			stack[len(stack)-1].expect = true
		}
	}
}

// FuzzJSONScanner compares the strict scanner with the token-stream
// reference on arbitrary data members.
func FuzzJSONScanner(f *testing.F) {
	for _, s := range []string{`{}`, `[]`, `{"a":1,"A":2}`, `{"a":{"a":1}}`, `"\ud800"`, `"\ud83d\ude00"`, `1e5`, `-0.5`, `[1,]`,
		`{"k":1,"\u212a":2}`, `"\u00e9"`, strings.Repeat("[", 63) + strings.Repeat("]", 63), `nul`, `"a\"b"`, `{"a" : [ true , false , null ] }`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		body := append([]byte(`{"event":"x","datetime":"2024-05-01T12:30:00Z","data":`), data...)
		body = append(body, '}')
		e, got := decodeEvent(body)
		want := referenceCheck(data)
		if got == nil {
			if !bytes.Equal(e.Data, bytes.Trim(data, " \t\r\n")) {
				return // data closed the slot and added members: not a single value
			}
			require.NoError(t, want, "scanner accepted what the reference refuses")
			return
		}
		require.ErrorIs(t, got, ErrInvalidPayload)
		if want == nil {
			// The reference cannot see lone surrogates; "data" members named
			// event or datetime never reach here (they are in the data object).
			require.Contains(t, got.Error(), "surrogate", "scanner refused valid JSON")
		}
	})
}

func TestUnescape(t *testing.T) {
	t.Parallel()
	tests := []struct{ raw, want string }{
		{`plain`, "plain"},
		{`\"\\\/\b\f\n\r\t`, "\"\\/\b\f\n\r\t"},
		{`\u0041\u00e9\u20AC`, "Aé€"},
		{`\ud83d\ude00!`, "😀!"},
		{`a\u0000b`, "a\x00b"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, string(unescape(nil, []byte(tt.raw))), tt.raw)
	}
}
