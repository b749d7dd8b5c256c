package wire

import (
	"encoding/json"
	"unicode/utf8"
)

// StringMember returns the string value of the top-level member name of
// the JSON object body, without decoding the rest: the journal reads a
// body's reference on every transaction. ok is false when body is not an
// object, has no such member, or its value is not a string. Bodies are the
// SDK's own (valid JSON); for anything else the answer is unspecified but
// never a panic.
func StringMember(body []byte, name string) (value string, ok bool) {
	EachMember(body, func(key, val []byte) bool {
		if !keyIs(key, name) {
			return true
		}
		value, ok = stringValue(val)
		return false
	})
	return value, ok
}

// stringValue decodes a JSON string value as encoding/json does,
// unescaping only when it must.
func stringValue(val []byte) (string, bool) {
	if len(val) < 2 || val[0] != '"' {
		return "", false
	}
	if inner := val[1 : len(val)-1]; !hasByte(inner, '\\') && utf8.Valid(inner) {
		return string(inner), true
	}
	// Escapes, or bytes that are not UTF-8 (which encoding/json replaces
	// with U+FFFD): decode as encoding/json does.
	var s string
	if json.Unmarshal(val, &s) != nil {
		return "", false
	}
	return s, true
}

// keyIs compares a quoted key with name, unescaping only when it must.
func keyIs(quoted []byte, name string) bool {
	if len(quoted) < 2 {
		return false
	}
	if !hasByte(quoted, '\\') {
		return string(quoted[1:len(quoted)-1]) == name
	}
	var k string
	return json.Unmarshal(quoted, &k) == nil && k == name
}

func hasByte(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index just past the string starting at b[i].
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// skipValue returns the index just past the value starting at b[i], or -1.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = skipString(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return -1
	default: // number, true, false, null
		for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && b[i] != ' ' && b[i] != '\n' && b[i] != '\t' && b[i] != '\r' {
			i++
		}
		return i
	}
}

// EachMember calls fn with the key (quoted, as written: unescape it when it
// holds a backslash) and the raw value of each member of the JSON object
// body, in order, until fn returns false. It reports whether body is an
// object walked to its end. It reads body in place, without allocating;
// like StringMember it expects valid JSON, and on anything else stops
// (reporting false), never panics.
func EachMember(body []byte, fn func(key, value []byte) bool) bool {
	i := skipSpace(body, 0)
	if i >= len(body) || body[i] != '{' {
		return false
	}
	i = skipSpace(body, i+1)
	if i < len(body) && body[i] == '}' {
		return true
	}
	for {
		if i >= len(body) || body[i] != '"' {
			return false
		}
		keyStart := i
		i = skipString(body, i)
		key := body[keyStart:i]
		i = skipSpace(body, i)
		if i >= len(body) || body[i] != ':' {
			return false
		}
		i = skipSpace(body, i+1)
		valStart := i
		if i = skipValue(body, i); i < 0 || i == valStart {
			return false
		}
		if !fn(key, body[valStart:i]) {
			return false
		}
		i = skipSpace(body, i)
		switch {
		case i < len(body) && body[i] == ',':
			i = skipSpace(body, i+1)
		case i < len(body) && body[i] == '}':
			return true
		default:
			return false
		}
	}
}

// EachElement calls fn with each element of the JSON array body, in order,
// until fn returns false; it reports whether body is an array walked to
// its end. Like EachMember it does not allocate.
func EachElement(body []byte, fn func(value []byte) bool) bool {
	i := skipSpace(body, 0)
	if i >= len(body) || body[i] != '[' {
		return false
	}
	i = skipSpace(body, i+1)
	if i < len(body) && body[i] == ']' {
		return true
	}
	for {
		start := i
		if i = skipValue(body, i); i < 0 || i == start {
			return false
		}
		if !fn(body[start:i]) {
			return false
		}
		i = skipSpace(body, i)
		switch {
		case i < len(body) && body[i] == ',':
			i = skipSpace(body, i+1)
		case i < len(body) && body[i] == ']':
			return true
		default:
			return false
		}
	}
}
