package webhook

import (
	"bytes"
	"fmt"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// maxJSONDepth is the deepest nesting of objects and arrays accepted,
// counting the envelope itself as 1.
const maxJSONDepth = 64

// setThreshold is the number of keys in one object past which duplicate
// detection switches from a linear scan to a map.
const setThreshold = 16

// jsonScanner validates a JSON text strictly, in one pass and without
// building values: RFC 8259 grammar, valid UTF-8 (no lone surrogates in
// \u escapes either), nesting at most maxJSONDepth, no trailing data, and no
// two keys in one object that are equal under Unicode simple case folding.
// The last rule is stricter than "no exact duplicates" on purpose:
// encoding/json matches struct fields case-insensitively, so "onboardingId"
// and "OnboardingId" in one object would otherwise let two readers of the
// same body see different values.
//
// While scanning the top-level object it records where the values of the
// "event", "datetime" and "data" members are.
type jsonScanner struct {
	b     []byte
	i     int
	depth int

	keyBuf []byte   // decoded key with escapes resolved
	arena  []byte   // folded keys of the open objects, back to back
	keys   []keyRef // spans into arena, per open object in order

	event, datetime, data span
}

type keyRef struct{ off, n int }

// span is a value's position in the input; ok reports that it was seen.
type span struct {
	start, end int
	esc        bool // for strings: contains a backslash escape
	ok         bool
}

func (s *jsonScanner) fail(reason string) error {
	return fmt.Errorf("%w: %s at offset %d", ErrInvalidPayload, reason, s.i)
}

// scanEnvelope validates b, which must be a single JSON object.
func (s *jsonScanner) scanEnvelope(b []byte) error {
	s.b, s.i = b, 0
	s.skipWS()
	if s.i >= len(s.b) {
		return s.fail("empty body")
	}
	if s.b[s.i] != '{' {
		return s.fail("body is not a JSON object")
	}
	if err := s.object(true); err != nil {
		return err
	}
	s.skipWS()
	if s.i != len(s.b) {
		return s.fail("data after the JSON object")
	}
	return nil
}

func (s *jsonScanner) skipWS() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *jsonScanner) value() error {
	s.skipWS()
	if s.i >= len(s.b) {
		return s.fail("unexpected end of JSON")
	}
	switch c := s.b[s.i]; {
	case c == '{':
		return s.object(false)
	case c == '[':
		return s.array()
	case c == '"':
		_, err := s.str()
		return err
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	default:
		return s.fail("invalid character")
	}
}

func (s *jsonScanner) literal(lit string) error {
	if !bytes.HasPrefix(s.b[s.i:], []byte(lit)) {
		return s.fail("invalid literal")
	}
	s.i += len(lit)
	return nil
}

func (s *jsonScanner) digits() int {
	n := 0
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
		n++
	}
	return n
}

// number accepts -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?. A following
// digit after a leading 0 is caught by the caller as an unexpected character.
func (s *jsonScanner) number() error {
	if s.b[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(s.b) && s.b[s.i] == '0':
		s.i++
	case s.digits() == 0:
		return s.fail("invalid number")
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if s.digits() == 0 {
			return s.fail("invalid number")
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if s.digits() == 0 {
			return s.fail("invalid number")
		}
	}
	return nil
}

// str scans a string starting at its opening quote and reports whether it
// holds escapes. It rejects control characters, bad escapes, invalid UTF-8
// and \u escapes that do not form valid code points (lone surrogates).
func (s *jsonScanner) str() (esc bool, err error) {
	s.i++ // opening quote
	for {
		// Fast path over plain ASCII.
		for s.i < len(s.b) {
			c := s.b[s.i]
			if c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
				break
			}
			s.i++
		}
		if s.i >= len(s.b) {
			return esc, s.fail("unterminated string")
		}
		switch c := s.b[s.i]; {
		case c == '"':
			s.i++
			return esc, nil
		case c == '\\':
			esc = true
			if err := s.escape(); err != nil {
				return esc, err
			}
		case c < 0x20:
			return esc, s.fail("control character in string")
		default:
			r, size := utf8.DecodeRune(s.b[s.i:])
			if r == utf8.RuneError && size <= 1 {
				return esc, s.fail("invalid UTF-8")
			}
			s.i += size
		}
	}
}

// escape validates one escape sequence at s.b[s.i] == '\\'.
func (s *jsonScanner) escape() error {
	if s.i+1 >= len(s.b) {
		return s.fail("unterminated string")
	}
	switch s.b[s.i+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		s.i += 2
		return nil
	case 'u':
	default:
		return s.fail("invalid escape")
	}
	r, ok := hex4(s.b, s.i+2)
	if !ok {
		return s.fail("invalid escape")
	}
	s.i += 6
	switch {
	case utf16.IsSurrogate(r) && r < 0xdc00: // high surrogate: a low one must follow
		if s.i+1 < len(s.b) && s.b[s.i] == '\\' && s.b[s.i+1] == 'u' {
			if lo, ok := hex4(s.b, s.i+2); ok && lo >= 0xdc00 && lo <= 0xdfff {
				s.i += 6
				return nil
			}
		}
		return s.fail("invalid UTF-16 surrogate")
	case utf16.IsSurrogate(r):
		return s.fail("invalid UTF-16 surrogate")
	}
	return nil
}

func hex4(b []byte, i int) (rune, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// unescape appends the decoded content of a validated JSON string (without
// its quotes) to dst.
func unescape(dst, raw []byte) []byte {
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			dst = append(dst, c)
			i++
			continue
		}
		switch raw[i+1] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, _ := hex4(raw, i+2)
			i += 6
			if utf16.IsSurrogate(r) {
				lo, _ := hex4(raw, i+2)
				r = utf16.DecodeRune(r, lo)
				i += 6
			}
			dst = utf8.AppendRune(dst, r)
			continue
		default: // '"', '\\', '/'
			dst = append(dst, raw[i+1])
		}
		i += 2
	}
	return dst
}

func (s *jsonScanner) array() error {
	s.depth++
	if s.depth > maxJSONDepth {
		return s.fail("nesting too deep")
	}
	s.i++ // '['
	s.skipWS()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
		s.depth--
		return nil
	}
	for {
		if err := s.value(); err != nil {
			return err
		}
		s.skipWS()
		if s.i >= len(s.b) {
			return s.fail("unexpected end of JSON")
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case ']':
			s.i++
			s.depth--
			return nil
		default:
			return s.fail("expected , or ]")
		}
	}
}

// object scans an object starting at '{'. top marks the envelope, whose
// event, datetime and data members are recorded.
func (s *jsonScanner) object(top bool) error {
	s.depth++
	if s.depth > maxJSONDepth {
		return s.fail("nesting too deep")
	}
	s.i++ // '{'
	keyStart, arenaStart := len(s.keys), len(s.arena)
	var set map[string]struct{}
	s.skipWS()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		s.depth--
		return nil
	}
	for {
		s.skipWS()
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			return s.fail("expected string key")
		}
		keyAt := s.i
		esc, err := s.str()
		if err != nil {
			return err
		}
		key := s.b[keyAt+1 : s.i-1]
		if esc {
			s.keyBuf = unescape(s.keyBuf[:0], key)
			key = s.keyBuf
		}

		// Duplicate detection on the case-folded key.
		off := len(s.arena)
		s.arena = appendFolded(s.arena, key)
		folded := s.arena[off:]
		if set != nil {
			if _, dup := set[string(folded)]; dup {
				s.i = keyAt
				return s.fail("duplicate key")
			}
			set[string(folded)] = struct{}{}
			s.arena = s.arena[:off]
		} else {
			for _, k := range s.keys[keyStart:] {
				if bytes.Equal(s.arena[k.off:k.off+k.n], folded) {
					s.i = keyAt
					return s.fail("duplicate key")
				}
			}
			s.keys = append(s.keys, keyRef{off, len(folded)})
			if len(s.keys)-keyStart > setThreshold {
				set = make(map[string]struct{}, 2*setThreshold)
				for _, k := range s.keys[keyStart:] {
					set[string(s.arena[k.off:k.off+k.n])] = struct{}{}
				}
				s.keys, s.arena = s.keys[:keyStart], s.arena[:arenaStart]
			}
		}

		s.skipWS()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return s.fail("expected :")
		}
		s.i++
		s.skipWS()

		var rec *span
		if top {
			switch string(key) {
			case "event":
				rec = &s.event
			case "datetime":
				rec = &s.datetime
			case "data":
				rec = &s.data
			}
		}
		start := s.i
		if rec != nil && s.i < len(s.b) && s.b[s.i] == '"' {
			rec.esc, err = s.str()
		} else {
			err = s.value()
		}
		if err != nil {
			return err
		}
		if rec != nil {
			rec.start, rec.end, rec.ok = start, s.i, true
		}

		s.skipWS()
		if s.i >= len(s.b) {
			return s.fail("unexpected end of JSON")
		}
		switch s.b[s.i] {
		case ',':
			s.i++
		case '}':
			s.i++
			s.depth--
			s.keys, s.arena = s.keys[:keyStart], s.arena[:arenaStart]
			return nil
		default:
			return s.fail("expected , or }")
		}
	}
}

// appendFolded appends key with every rune replaced by the smallest rune of
// its Unicode simple case-folding orbit, so that two keys fold to the same
// bytes exactly when bytes.EqualFold reports them equal.
func appendFolded(dst, key []byte) []byte {
	for i := 0; i < len(key); {
		c := key[i]
		if c < utf8.RuneSelf {
			if c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(key[i:])
		i += size
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if f < m {
				m = f
			}
		}
		dst = utf8.AppendRune(dst, m)
	}
	return dst
}
