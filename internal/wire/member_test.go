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

// membersOf lists body's members as EachMember walks them: "key=value",
// the key unescaped.
func membersOf(body string) ([]string, bool) {
	var got []string
	ok := EachMember([]byte(body), func(k, v []byte) bool {
		var key string
		if json.Unmarshal(k, &key) != nil {
			key = "!" + string(k)
		}
		got = append(got, key+"="+string(v))
		return true
	})
	return got, ok
}

func TestEachMember(t *testing.T) {
	t.Parallel()
	cases := []struct {
		body string
		want []string
		ok   bool
	}{
		{`{}`, nil, true},
		{` { } `, nil, true},
		{`{"a":1,"b":"x,}","c":{"d":[1,2]},"e":null}`, []string{`a=1`, `b="x,}"`, `c={"d":[1,2]}`, `e=null`}, true},
		{" {\n\"a\" : true ,\t\"b\":[] } ", []string{`a=true`, `b=[]`}, true},
		{`{"a\u0062":1}`, []string{`ab=1`}, true},
		{`{"a":1,}`, []string{`a=1`}, false},
		{`{"a":}`, nil, false},
		{`{"a":1`, []string{`a=1`}, false},
		{`[1]`, nil, false},
		{``, nil, false},
	}
	for _, tc := range cases {
		got, ok := membersOf(tc.body)
		assert.Equal(t, tc.ok, ok, tc.body)
		assert.Equal(t, tc.want, got, tc.body)
	}
	stopped := 0
	assert.False(t, EachMember([]byte(`{"a":1,"b":2}`), func(_, _ []byte) bool { stopped++; return false }), "fn stops the walk")
	assert.Equal(t, 1, stopped)
}

func TestEachElement(t *testing.T) {
	t.Parallel()
	var got []string
	assert.True(t, EachElement([]byte(` [ {"a":[1]} , "x]" ,3,null] `), func(v []byte) bool { got = append(got, string(v)); return true }))
	assert.Equal(t, []string{`{"a":[1]}`, `"x]"`, `3`, `null`}, got)
	assert.True(t, EachElement([]byte(`[]`), func([]byte) bool { return true }))
	for _, bad := range []string{`{}`, `[1,]`, `[1`, ``} {
		assert.False(t, EachElement([]byte(bad), func([]byte) bool { return true }), bad)
	}
}

// The walk over a valid object allocates nothing: the drift check runs
// it on every answer.
func TestEachMemberDoesNotAllocate(t *testing.T) {
	body := []byte(`{"transactionId":"tx_1","status":"succeeded","amount":25.00,"items":[{"a":1}],"avs":"Y"}`)
	n := 0
	allocs := testing.AllocsPerRun(100, func() {
		EachMember(body, func(k, v []byte) bool { n += len(k) + len(v); return true })
	})
	assert.Zero(t, allocs)
}

// FuzzEachMember holds EachMember to encoding/json on every valid JSON
// object: the same keys, in order, and never a panic on anything else.
func FuzzEachMember(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{"a":[1,{"b":"n"}],"c":"t"}`, `{"\\\"":"\\\""}`, `{"b":"}","c":{}}`, `{}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := membersOf(s)
		dec := json.NewDecoder(strings.NewReader(s))
		if !json.Valid([]byte(s)) {
			return
		}
		if tok, _ := dec.Token(); tok != json.Delim('{') {
			if ok {
				t.Fatalf("EachMember(%q) walked a value that is not an object", s)
			}
			return
		}
		var want []string
		for dec.More() {
			tok, _ := dec.Token()
			var v json.RawMessage
			_ = dec.Decode(&v)
			want = append(want, tok.(string))
		}
		if !ok || len(got) != len(want) {
			t.Fatalf("EachMember(%q) = %q, %t; encoding/json keys: %q", s, got, ok, want)
		}
		for i, k := range want {
			if !strings.HasPrefix(got[i], k+"=") {
				t.Fatalf("EachMember(%q) key %d = %q; encoding/json: %q", s, i, got[i], k)
			}
		}
	})
}
