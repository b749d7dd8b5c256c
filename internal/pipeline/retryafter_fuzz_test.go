package pipeline

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"
)

// FuzzRetryAfter feeds arbitrary Retry-After values, which come from the
// server, to the parser and to the backoff that honours them.
//
// Invariants: no panic; a parsed delay is never negative; a plain number of
// seconds parses to exactly that; whatever the header says, the wait is
// within [0, max], so a hostile or broken server cannot park a payment.
func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{
		"0", "2", "120", "86400", "4294967295", "4294967296", "-1", "+5", " 5", "5 ", "1.5", "1e3", "",
		"Wed, 21 Oct 2015 07:28:00 GMT", "Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
		"Sun Nov  6 08:49:37 1994", "Fri, 31 Dec 9999 23:59:59 GMT", "Mon, 99 Foo 2015 99:99:99 GMT",
	} {
		f.Add(s, uint8(0), true)
	}
	f.Add("3600", uint8(3), false)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	p := &Pipeline{cfg: Config{Logger: slog.New(slog.DiscardHandler)}}
	const minDelay, maxDelay = 10 * time.Millisecond, 5 * time.Second

	f.Fuzz(func(t *testing.T, v string, attemptNum uint8, limited bool) {
		d, ok := retryAfter(v, now)
		if d < 0 {
			t.Fatalf("retryAfter(%q) = %v, negative", v, d)
		}
		if !ok && d != 0 {
			t.Fatalf("retryAfter(%q) = %v but not ok", v, d)
		}
		if secs, err := strconv.ParseUint(v, 10, 32); err == nil && (!ok || d != time.Duration(secs)*time.Second) {
			t.Fatalf("retryAfter(%q) = %v, %t; want %d s", v, d, ok, secs)
		}

		status := http.StatusServiceUnavailable
		if !limited {
			status = http.StatusTooManyRequests
		}
		req := httptest.NewRequest(http.MethodGet, "https://jupico.invalid/status", nil)
		resp := &http.Response{StatusCode: status, Header: http.Header{}, Request: req}
		resp.Header.Set("Retry-After", v)
		wait := p.backoff(minDelay, maxDelay, int(attemptNum), resp)
		if wait < 0 || wait > maxDelay {
			t.Fatalf("Retry-After %q, attempt %d: wait %v outside [0, %v]", v, attemptNum, wait, maxDelay)
		}
	})
}
