package webhook_test

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jupico/jupico-go/webhook"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKnownAnswerVector(t *testing.T) {
	t.Parallel()
	for _, secret := range []string{katSecret, strings.TrimPrefix(katSecret, "whsec_")} {
		sig, err := webhook.Sign(secret, katID, time.Unix(katTimestamp, 0), []byte(katBody))
		require.NoError(t, err)
		assert.Equal(t, katSignature, sig)

		v, err := webhook.NewVerifier(secret, webhook.WithClock(fixedClock(time.Unix(katTimestamp, 0))))
		require.NoError(t, err)
		h := http.Header{}
		h.Set("webhook-id", katID)
		h.Set("webhook-timestamp", strconv.Itoa(katTimestamp))
		h.Set("webhook-signature", katSignature)
		assert.NoError(t, v.Verify(h, []byte(katBody)))
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	bodies := map[string][]byte{
		"empty":      nil,
		"event":      []byte(sampleEvent),
		"binary":     {0, 0xff, 0xfe, '.', '\n'},
		"nfd accent": []byte("{\"n\":\"e\u0301\"}"),
		"bom":        []byte("\ufeff{}"),
	}
	for name, body := range bodies {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			v := newVerifier(t, secretA)
			h := signedHeader(t, secretA, "msg_1", testNow, body)
			assert.NoError(t, v.Verify(h, body))
		})
	}
}

// Every single-bit change of id, timestamp, body or signature must fail.
func TestVerifyFailsOnAnyFlippedByte(t *testing.T) {
	t.Parallel()
	body := []byte(sampleEvent)
	base := signedHeader(t, secretA, "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", testNow, body)
	v := newVerifier(t, secretA)
	require.NoError(t, v.Verify(base, body))

	flip := func(s string, i int) string {
		b := []byte(s)
		b[i] ^= 0x01
		return string(b)
	}
	for _, name := range []string{"Webhook-Id", "Webhook-Timestamp", "Webhook-Signature"} {
		val := base.Get(name)
		for i := range len(val) {
			h := base.Clone()
			h.Set(name, flip(val, i))
			assert.Error(t, v.Verify(h, body), "%s byte %d", name, i)
		}
	}
	for i := range body {
		mutated := append([]byte(nil), body...)
		mutated[i] ^= 0x01
		assert.ErrorIs(t, v.Verify(base, mutated), webhook.ErrNoMatchingSignature, "body byte %d", i)
	}
	assert.ErrorIs(t, v.Verify(base, append(append([]byte(nil), body...), ' ')), webhook.ErrNoMatchingSignature, "added whitespace")
	assert.ErrorIs(t, v.Verify(base, body[:len(body)-1]), webhook.ErrNoMatchingSignature, "truncated")
}

func TestVerifyToleranceEdges(t *testing.T) {
	t.Parallel()
	body := []byte(`{}`)
	tests := []struct {
		name      string
		tolerance time.Duration // 0: default
		offset    time.Duration // clock minus timestamp
		want      error
	}{
		{"now", 0, 0, nil},
		{"past at limit", 0, 5 * time.Minute, nil},
		{"past 1s inside", 0, 5*time.Minute - time.Second, nil},
		{"past 1s outside", 0, 5*time.Minute + time.Second, webhook.ErrTimestampTooOld},
		{"past 1ms outside", 0, 5*time.Minute + time.Millisecond, webhook.ErrTimestampTooOld},
		{"past 1ns outside", 0, 5*time.Minute + 1, webhook.ErrTimestampTooOld},
		{"future at limit", 0, -5 * time.Minute, nil},
		{"future 1s inside", 0, -5*time.Minute + time.Second, nil},
		{"future 1s outside", 0, -5*time.Minute - time.Second, webhook.ErrTimestampTooNew},
		{"custom past at limit", 10 * time.Second, 10 * time.Second, nil},
		{"custom past 1s outside", 10 * time.Second, 11 * time.Second, webhook.ErrTimestampTooOld},
		{"custom future at limit", 10 * time.Second, -10 * time.Second, nil},
		{"custom future 1s outside", 10 * time.Second, -11 * time.Second, webhook.ErrTimestampTooNew},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := []webhook.Option{webhook.WithClock(fixedClock(testNow.Add(tt.offset)))}
			if tt.tolerance != 0 {
				opts = append(opts, webhook.WithTolerance(tt.tolerance))
			}
			v, err := webhook.NewVerifier(secretA, opts...)
			require.NoError(t, err)
			err = v.Verify(signedHeader(t, secretA, "msg_1", testNow, body), body)
			if tt.want == nil {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, tt.want)
			}
		})
	}
}

func TestVerifyErrors(t *testing.T) {
	t.Parallel()
	body := []byte(`{"a":1}`)
	good := signedHeader(t, secretA, "msg_1", testNow, body)
	goodSig := good.Get("webhook-signature")
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(goodSig, "v1,"))
	require.NoError(t, err)

	with := func(edit func(h http.Header)) http.Header {
		h := good.Clone()
		edit(h)
		return h
	}
	set := func(name, val string) http.Header { return with(func(h http.Header) { h.Set(name, val) }) }

	tests := []struct {
		name   string
		header http.Header
		body   []byte
		want   error // nil: accepted
	}{
		{"valid", good, body, nil},
		{"no headers at all", http.Header{}, body, webhook.ErrMissingHeaders},
		{"no id", with(func(h http.Header) { h.Del("webhook-id") }), body, webhook.ErrMissingHeaders},
		{"no timestamp", with(func(h http.Header) { h.Del("webhook-timestamp") }), body, webhook.ErrMissingHeaders},
		{"no signature", with(func(h http.Header) { h.Del("webhook-signature") }), body, webhook.ErrMissingHeaders},
		{"non-canonical map key is not a header", http.Header{"webhook-id": {"msg_1"}, "webhook-timestamp": good["Webhook-Timestamp"], "webhook-signature": {goodSig}}, body, webhook.ErrMissingHeaders},

		{"empty id", set("webhook-id", ""), body, webhook.ErrInvalidHeader},
		{"id with space", set("webhook-id", "msg 1"), body, webhook.ErrInvalidHeader},
		{"id with non-ASCII", set("webhook-id", "msg_é"), body, webhook.ErrInvalidHeader},
		{"id too long", set("webhook-id", strings.Repeat("a", 257)), body, webhook.ErrInvalidHeader},
		{"repeated id", with(func(h http.Header) { h.Add("webhook-id", "msg_2") }), body, webhook.ErrInvalidHeader},
		{"repeated identical timestamp", with(func(h http.Header) { h.Add("webhook-timestamp", h.Get("webhook-timestamp")) }), body, webhook.ErrInvalidHeader},
		{"empty timestamp", set("webhook-timestamp", ""), body, webhook.ErrInvalidHeader},
		{"timestamp with plus", set("webhook-timestamp", "+1700000000"), body, webhook.ErrInvalidHeader},
		{"negative timestamp", set("webhook-timestamp", "-1700000000"), body, webhook.ErrInvalidHeader},
		{"timestamp with spaces", set("webhook-timestamp", " 1700000000"), body, webhook.ErrInvalidHeader},
		{"float timestamp", set("webhook-timestamp", "1700000000.0"), body, webhook.ErrInvalidHeader},
		{"hex timestamp", set("webhook-timestamp", "0x6553f100"), body, webhook.ErrInvalidHeader},
		{"leading zero timestamp", set("webhook-timestamp", "01700000000"), body, webhook.ErrInvalidHeader},
		{"2^63 timestamp", set("webhook-timestamp", "9223372036854775808"), body, webhook.ErrInvalidHeader},
		{"empty signature", set("webhook-signature", ""), body, webhook.ErrInvalidHeader},
		{"only spaces", set("webhook-signature", "   "), body, webhook.ErrInvalidHeader},
		{"entry without comma", set("webhook-signature", "v1"), body, webhook.ErrInvalidHeader},
		{"entry without version", set("webhook-signature", ","+strings.TrimPrefix(goodSig, "v1,")), body, webhook.ErrInvalidHeader},
		{"junk entry beside a valid one", set("webhook-signature", "garbage "+goodSig), body, webhook.ErrInvalidHeader},
		{"17 entries", set("webhook-signature", strings.Repeat("v2,x ", 16)+goodSig), body, webhook.ErrInvalidHeader},
		{"header over 4 KiB", set("webhook-signature", goodSig+" v2,"+strings.Repeat("x", 4096)), body, webhook.ErrInvalidHeader},

		{"milliseconds timestamp", set("webhook-timestamp", strconv.FormatInt(testNow.UnixMilli(), 10)), body, webhook.ErrTimestampTooNew},
		{"max int64 timestamp", set("webhook-timestamp", "922337203685477580"), body, webhook.ErrTimestampTooNew},
		{"zero timestamp", set("webhook-timestamp", "0"), body, webhook.ErrTimestampTooOld},

		{"wrong signature", set("webhook-signature", "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="), body, webhook.ErrNoMatchingSignature},
		{"partial signature", set("webhook-signature", "v1,"), body, webhook.ErrNoMatchingSignature},
		{"only unknown versions", set("webhook-signature", "v0,"+goodSig[3:]+" v2,"+goodSig[3:]+" v1a,"+goodSig[3:]), body, webhook.ErrNoMatchingSignature},
		{"upper-case version", set("webhook-signature", "V1,"+goodSig[3:]), body, webhook.ErrNoMatchingSignature},
		{"unpadded base64", set("webhook-signature", strings.TrimRight(goodSig, "=")), body, webhook.ErrNoMatchingSignature},
		{"base64url", set("webhook-signature", "v1,"+base64.URLEncoding.EncodeToString(raw)), body, webhook.ErrNoMatchingSignature},
		{"hex", set("webhook-signature", "v1,"+hex.EncodeToString(raw)), body, webhook.ErrNoMatchingSignature},
		{"31 bytes", set("webhook-signature", "v1,"+base64.StdEncoding.EncodeToString(raw[:31])), body, webhook.ErrNoMatchingSignature},
		{"33 bytes", set("webhook-signature", "v1,"+base64.StdEncoding.EncodeToString(append(raw, 0))), body, webhook.ErrNoMatchingSignature},
		{"64 bytes", set("webhook-signature", "v1,"+base64.StdEncoding.EncodeToString(append(raw, raw...))), body, webhook.ErrNoMatchingSignature},
		{"signature for other id", set("webhook-id", "msg_2"), body, webhook.ErrNoMatchingSignature},
		{"other secret", signedHeader(t, secretB, "msg_1", testNow, body), body, webhook.ErrNoMatchingSignature},

		{"unknown versions skipped beside valid", set("webhook-signature", "v1a,abc v2,"+goodSig[3:]+" "+goodSig+" v0,x"), body, nil},
		{"bad base64 skipped beside valid", set("webhook-signature", "v1,!!!! "+goodSig), body, nil},
		{"runs of spaces", set("webhook-signature", "  v2,x   "+goodSig+"  "), body, nil},
		{"valid on second line", with(func(h http.Header) {
			h.Set("webhook-signature", "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=")
			h.Add("webhook-signature", goodSig)
		}), body, nil},
		{"valid on first line", with(func(h http.Header) { h.Add("webhook-signature", "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=") }), body, nil},
		{"16 entries", set("webhook-signature", strings.Repeat("v2,x ", 15)+goodSig), body, nil},
		{"svix names", http.Header{"Svix-Id": good["Webhook-Id"], "Svix-Timestamp": good["Webhook-Timestamp"], "Svix-Signature": {goodSig}}, body, nil},
		{"families never mixed", http.Header{"Webhook-Id": good["Webhook-Id"], "Svix-Timestamp": good["Webhook-Timestamp"], "Svix-Signature": {goodSig}}, body, webhook.ErrMissingHeaders},
		{"webhook names win over svix", with(func(h http.Header) { h.Set("svix-signature", "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=") }), body, nil},
	}
	v := newVerifier(t, secretA)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := v.Verify(tt.header, tt.body)
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.want)
			assert.NotContains(t, err.Error(), strings.TrimPrefix(secretA, "whsec_"))
			assert.NotContains(t, err.Error(), string(tt.body))
			assertErrorStyle(t, err)
		})
	}

	t.Run("header names in any case", func(t *testing.T) {
		t.Parallel()
		h := http.Header{}
		h.Set("WEBHOOK-ID", "msg_1")
		h.Set("Webhook-TimeStamp", good.Get("webhook-timestamp"))
		h.Set("webhook-SIGNATURE", goodSig)
		assert.NoError(t, v.Verify(h, body))
	})
	t.Run("body too large", func(t *testing.T) {
		t.Parallel()
		small := newVerifier(t, secretA, webhook.WithMaxBodyBytes(int64(len(body)-1)))
		assert.ErrorIs(t, small.Verify(good, body), webhook.ErrBodyTooLarge)
		exact := newVerifier(t, secretA, webhook.WithMaxBodyBytes(int64(len(body))))
		assert.NoError(t, exact.Verify(good, body))
	})
	t.Run("zero verifier fails closed", func(t *testing.T) {
		t.Parallel()
		var zero webhook.Verifier
		assert.ErrorIs(t, zero.Verify(good, body), webhook.ErrInvalidSecret)
	})
}

func TestNewVerifierRejectsBadConfiguration(t *testing.T) {
	t.Parallel()
	short := base64.StdEncoding.EncodeToString(make([]byte, 23))
	long := base64.StdEncoding.EncodeToString(make([]byte, 65))
	tests := []struct {
		name   string
		secret string
		opts   []webhook.Option
		want   error
	}{
		{"empty", "", nil, webhook.ErrInvalidSecret},
		{"blank", "  \n", nil, webhook.ErrInvalidSecret},
		{"prefix only", "whsec_", nil, webhook.ErrInvalidSecret},
		{"23 bytes", "whsec_" + short, nil, webhook.ErrInvalidSecret},
		{"65 bytes", "whsec_" + long, nil, webhook.ErrInvalidSecret},
		{"not base64", "whsec_this is not base64 at all!!!!", nil, webhook.ErrInvalidSecret},
		{"unpadded", strings.TrimRight(secretA, "="), nil, webhook.ErrInvalidSecret},
		{"base64url alphabet", "whsec_" + strings.NewReplacer("/", "_", "+", "-").Replace(strings.TrimPrefix(secretB, "whsec_")), nil, webhook.ErrInvalidSecret},
		{"bad extra secret", secretA, []webhook.Option{webhook.WithSecrets("whsec_" + short)}, webhook.ErrInvalidSecret},
		{"zero tolerance", secretA, []webhook.Option{webhook.WithTolerance(0)}, webhook.ErrInvalidOption},
		{"negative tolerance", secretA, []webhook.Option{webhook.WithTolerance(-time.Second)}, webhook.ErrInvalidOption},
		{"huge tolerance", secretA, []webhook.Option{webhook.WithTolerance(webhook.MaxTolerance + time.Second)}, webhook.ErrInvalidOption},
		{"nil clock", secretA, []webhook.Option{webhook.WithClock(nil)}, webhook.ErrInvalidOption},
		{"zero body cap", secretA, []webhook.Option{webhook.WithMaxBodyBytes(0)}, webhook.ErrInvalidOption},
		{"nil source", "", []webhook.Option{webhook.WithSecretSource(nil)}, webhook.ErrInvalidOption},
		{"source and secret", secretA, []webhook.Option{webhook.WithSecretSource(&rotatingSource{})}, webhook.ErrInvalidOption},
		{"empty source", "", []webhook.Option{webhook.WithSecretSource(&rotatingSource{})}, webhook.ErrInvalidSecret},
		{"nil option", secretA, []webhook.Option{nil}, webhook.ErrInvalidOption},
		{"handler option", secretA, []webhook.Option{webhook.WithReplayTTL(time.Hour)}, webhook.ErrInvalidOption},
		{"observer option", secretA, []webhook.Option{webhook.WithObserver(webhook.NopObserver{})}, webhook.ErrInvalidOption},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, err := webhook.NewVerifier(tt.secret, tt.opts...)
			require.ErrorIs(t, err, tt.want)
			assert.Nil(t, v)
			if s := strings.TrimPrefix(strings.TrimSpace(tt.secret), "whsec_"); s != "" {
				assert.NotContains(t, err.Error(), s)
			}
		})
	}

	t.Run("accepted forms", func(t *testing.T) {
		t.Parallel()
		for _, s := range []string{secretA, secretC, " " + secretB + "\n", "whsec_" + base64.StdEncoding.EncodeToString(make([]byte, 64))} {
			_, err := webhook.NewVerifier(s)
			assert.NoError(t, err)
		}
	})
}

func TestRotationWithSecrets(t *testing.T) {
	t.Parallel()
	body := []byte(sampleEvent)
	v := newVerifier(t, secretB, webhook.WithSecrets(secretA))
	tests := []struct {
		name   string
		header http.Header
		want   error
	}{
		{"signed with the old secret", signedHeader(t, secretA, "msg_1", testNow, body), nil},
		{"signed with the new secret", signedHeader(t, secretB, "msg_1", testNow, body), nil},
		{"signed with a retired secret", signedHeader(t, secretC, "msg_1", testNow, body), webhook.ErrNoMatchingSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := v.Verify(tt.header, body)
			if tt.want == nil {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, tt.want)
			}
		})
	}
	t.Run("header carrying both signatures", func(t *testing.T) {
		t.Parallel()
		h := signedHeader(t, secretA, "msg_1", testNow, body)
		newSig, err := webhook.Sign(secretB, "msg_1", testNow, body)
		require.NoError(t, err)
		h.Set("webhook-signature", newSig+" "+h.Get("webhook-signature"))
		assert.NoError(t, newVerifier(t, secretB).Verify(h, body))
		assert.NoError(t, newVerifier(t, secretA).Verify(h, body))
	})
}

func TestRotationWithSecretSource(t *testing.T) {
	t.Parallel()
	body := []byte(sampleEvent)
	src := &rotatingSource{}
	src.set(secretA)
	v, err := webhook.NewVerifier("", webhook.WithSecretSource(src), webhook.WithClock(fixedClock(testNow)))
	require.NoError(t, err)
	signedA := signedHeader(t, secretA, "msg_1", testNow, body)
	signedB := signedHeader(t, secretB, "msg_1", testNow, body)

	// Steps run in order: each changes the source, then checks both.
	steps := []struct {
		name      string
		secrets   []string
		wantA     error
		wantB     error
		keepSlice bool
	}{
		{"initial", nil, nil, webhook.ErrNoMatchingSignature, true},
		{"rotation window: new first, old kept", []string{secretB, secretA}, nil, nil, false},
		{"old retired", []string{secretB}, webhook.ErrNoMatchingSignature, nil, false},
		{"empty set fails closed", []string{}, webhook.ErrInvalidSecret, webhook.ErrInvalidSecret, false},
		{"invalid member fails closed", []string{secretB, "whsec_short"}, webhook.ErrInvalidSecret, webhook.ErrInvalidSecret, false},
		{"recovered", []string{secretB}, webhook.ErrNoMatchingSignature, nil, false},
	}
	check := func(want, got error) {
		t.Helper()
		if want == nil {
			assert.NoError(t, got)
		} else {
			assert.ErrorIs(t, got, want)
		}
	}
	for _, st := range steps {
		if !st.keepSlice {
			src.set(st.secrets...)
		}
		check(st.wantA, v.Verify(signedA, body))
		check(st.wantB, v.Verify(signedB, body))
		if t.Failed() {
			t.Fatalf("step %q failed", st.name)
		}
	}
	assert.Equal(t, 1+2*len(steps), src.calls, "SigningSecrets is called on every Verify")
}

// Steady-state verification allocates nothing, whether the secrets are fixed
// or come from a source that keeps returning the same slice. The race
// detector makes sync.Pool drop entries on purpose, so the count is only
// exact without it.
func TestVerifyDoesNotAllocate(t *testing.T) {
	body := []byte(sampleEvent)
	h := signedHeader(t, secretA, "msg_1", testNow, body)
	src := &rotatingSource{}
	src.set(secretB, secretA)
	fromSource, err := webhook.NewVerifier("", webhook.WithSecretSource(src), webhook.WithClock(fixedClock(testNow)))
	require.NoError(t, err)
	for name, v := range map[string]*webhook.Verifier{
		"static":      newVerifier(t, secretB, webhook.WithSecrets(secretA)),
		"from source": fromSource,
	} {
		require.NoError(t, v.Verify(h, body))
		allocs := testing.AllocsPerRun(200, func() {
			if err := v.Verify(h, body); err != nil {
				panic(err)
			}
		})
		if raceEnabled {
			assert.Less(t, allocs, 8.0, name)
		} else {
			assert.Zero(t, allocs, name)
		}
	}
}

func TestSignErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		secret string
		id     string
		ts     time.Time
		want   error
	}{
		{"bad secret", "whsec_", "msg_1", testNow, webhook.ErrInvalidSecret},
		{"empty id", secretA, "", testNow, webhook.ErrInvalidHeader},
		{"id with newline", secretA, "msg\n1", testNow, webhook.ErrInvalidHeader},
		{"before 1970", secretA, "msg_1", time.Unix(-1, 0), webhook.ErrInvalidHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sig, err := webhook.Sign(tt.secret, tt.id, tt.ts, nil)
			assert.ErrorIs(t, err, tt.want)
			assert.Empty(t, sig)
		})
	}
	t.Run("sub-second timestamps truncate", func(t *testing.T) {
		t.Parallel()
		a, err := webhook.Sign(secretA, "msg_1", testNow, nil)
		require.NoError(t, err)
		b, err := webhook.Sign(secretA, "msg_1", testNow.Add(999*time.Millisecond), nil)
		require.NoError(t, err)
		assert.Equal(t, a, b)
	})
}

func TestVerifierIsSafeForConcurrentUse(t *testing.T) {
	t.Parallel()
	body := []byte(sampleEvent)
	src := &atomicSource{}
	src.store(secretA)
	v, err := webhook.NewVerifier("", webhook.WithSecretSource(src), webhook.WithClock(fixedClock(testNow)))
	require.NoError(t, err)
	h := signedHeader(t, secretA, "msg_1", testNow, body)
	errs := make(chan error, 64)
	for i := range 64 {
		go func() {
			if i%8 == 0 {
				src.store(secretB, secretA) // rotations while verifying
			}
			errs <- v.Verify(h, body)
		}()
	}
	for range 64 {
		assert.NoError(t, <-errs)
	}
}

func ExampleSign() {
	sig, err := webhook.Sign(
		"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
		"msg_p5jXN8AQM9LWM0D4loKWxJek",
		time.Unix(1614265330, 0),
		[]byte(`{"test": 2432232314}`),
	)
	fmt.Println(sig, err)
	// Output: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE= <nil>
}
