package wire

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestStringMember(t *testing.T) {
	t.Parallel()
	cases := []struct {
		body string
		want string
		ok   bool
	}{
		{`{"subMerchantId":"m1","amount":25.00,"reference":"order-1"}`, "order-1", true},
		{`{"reference":"a\"b\u00e9"}`, "a\"bé", true},
		{` { "x" : {"reference":"nested"} , "reference" : "top" } `, "top", true},
		{`{"items":[{"reference":"no"}],"notes":"a \"reference\": x"}`, "", false},
		{`{"reference":12}`, "", false},
		{`{"refer\u0065nce":"escaped key"}`, "escaped key", true},
		{`[{"reference":"array"}]`, "", false},
		{`{}`, "", false},
		{`{"reference":`, "", false},
		{``, "", false},
	}
	for _, tc := range cases {
		got, ok := StringMember([]byte(tc.body), "reference")
		assert.Equal(t, tc.ok, ok, tc.body)
		assert.Equal(t, tc.want, got, tc.body)
	}
}

// FuzzStringMember holds StringMember to encoding/json on every valid
// JSON object: the same answer, and never a panic on anything else.
func FuzzStringMember(f *testing.F) {
	for _, s := range []string{`{"reference":"x"}`, `{"a":[1,{"reference":"n"}],"reference":"t"}`, `{"reference":"\\\""}`, `{"b":"}","reference":"y"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := StringMember([]byte(s), "reference")
		var m map[string]json.RawMessage
		if json.Unmarshal([]byte(s), &m) != nil {
			return
		}
		var want string
		wantOK := json.Unmarshal(m["reference"], &want) == nil && len(m["reference"]) > 0 && m["reference"][0] == '"'
		if hasDuplicateKeys(s) {
			return // encoding/json keeps the last, StringMember the first
		}
		if ok != wantOK || got != want {
			t.Fatalf("StringMember(%q) = %q, %t; encoding/json: %q, %t", s, got, ok, want, wantOK)
		}
	})
}

func hasDuplicateKeys(s string) bool {
	dec := json.NewDecoder(strings.NewReader(s))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return false
	}
	seen := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return false
		}
		k, _ := t.(string)
		if seen[k] {
			return true
		}
		seen[k] = true
		var skip json.RawMessage
		if dec.Decode(&skip) != nil {
			return false
		}
	}
	return false
}
