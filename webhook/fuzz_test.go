package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jupico/jupico-go/webhook"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// referenceSignature is the v1 signature computed the plain way, with a
// concatenated copy, independently of the package's streaming code.
func referenceSignature(secret, id, ts string, body []byte) string {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		panic(err)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + ts + "." + string(body)))
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// FuzzVerify checks that Verify never panics and accepts nothing unless the
// header holds, as one space-separated entry, the exact v1 signature of
// id.ts.body under one of the accepted secrets, with ts inside the window.
// When valid is true the correct signature is prepended, so the fuzzer also
// explores the accepting path.
func FuzzVerify(f *testing.F) {
	body := []byte(sampleEvent)
	ts := strconv.FormatInt(testNow.Unix(), 10)
	f.Add("msg_1", ts, "", body, true)
	f.Add("msg_1", ts, "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,x", body, true)
	f.Add("msg_1", ts, referenceSignature(secretA, "msg_1", ts, body), body, false)
	f.Add(katID, strconv.Itoa(katTimestamp), katSignature, []byte(katBody), false)
	f.Add("msg_1", "+"+ts, "v1,", []byte{}, true)
	f.Add("msg.1", ts, "v1a,abc  v1,!!!", []byte("\xff"), false)

	v := newVerifier(f, secretB, webhook.WithSecrets(secretA))
	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte, valid bool) {
		if valid {
			sig = referenceSignature(secretA, id, ts, body) + " " + sig
		}
		h := http.Header{"Webhook-Id": {id}, "Webhook-Timestamp": {ts}, "Webhook-Signature": {sig}}
		err := v.Verify(h, body)
		if err != nil {
			assert.NotContains(t, err.Error(), strings.TrimPrefix(secretA, "whsec_"))
			return
		}
		entries := strings.Split(sig, " ")
		matched := false
		for _, secret := range []string{secretA, secretB} {
			want := referenceSignature(secret, id, ts, body)
			for _, e := range entries {
				matched = matched || e == want
			}
		}
		require.True(t, matched, "accepted without a matching signature")
		sec, perr := strconv.ParseInt(ts, 10, 64)
		require.NoError(t, perr)
		age := testNow.Sub(time.Unix(sec, 0))
		require.True(t, age <= webhook.DefaultTolerance && age >= -webhook.DefaultTolerance, "accepted outside the window")
	})
}

// FuzzParse checks that Parse never panics, that a body it accepts is JSON
// that encoding/json reads the same way, and that a body signed with another
// secret is never accepted.
func FuzzParse(f *testing.F) {
	f.Add([]byte(sampleEvent))
	f.Add([]byte(katBody))
	f.Add([]byte(`{"event":"x","datetime":"2024-05-01T12:30:00Z","data":{"a":[1,-2.5e+3,true,null,"\u00e9\ud83d\ude00"]}}`))
	f.Add([]byte(`{"event":"x","datetime":"2024-05-01T12:30:00Z","Event":"y"}`))
	f.Add([]byte(`{"event":"x","datetime":"2024-05-01T12:30:00Z"} x`))
	f.Add([]byte(`{"event":"x","datetime":"2024-05-01T12:30:00Z","data":[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]}`))
	f.Add([]byte("{\"event\":\"\xff\",\"datetime\":\"2024-05-01T12:30:00Z\"}"))

	v := newVerifier(f, secretA)
	f.Fuzz(func(t *testing.T, body []byte) {
		forged := signedHeader(t, secretB, "msg_1", testNow, body)
		e, err := v.Parse(forged, body)
		require.ErrorIs(t, err, webhook.ErrNoMatchingSignature)
		require.Nil(t, e)

		e, err = v.Parse(signedHeader(t, secretA, "msg_1", testNow, body), body)
		if err != nil {
			require.ErrorIs(t, err, webhook.ErrInvalidPayload)
			return
		}
		require.True(t, json.Valid(body), "accepted invalid JSON")
		require.True(t, utf8.Valid(body), "accepted invalid UTF-8")
		assert.Equal(t, "msg_1", e.ID)
		assert.NotEmpty(t, e.Type)
		var std struct {
			Event string          `json:"event"`
			Data  json.RawMessage `json:"data"`
		}
		require.NoError(t, json.Unmarshal(body, &std))
		assert.Equal(t, std.Event, string(e.Type))
		if e.Data != nil {
			assert.Equal(t, string(std.Data), string(e.Data))
		}
		for _, get := range []func() (*webhook.Onboarding, error){e.ApplicationInitiated, e.MerchantSubmit, e.MerchantActivation} {
			_, _ = get() // must not panic
		}
	})
}
