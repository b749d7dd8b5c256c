package benchmarks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stripe/stripe-go/v84/webhook"
	svix "github.com/svix/svix-webhooks/go"

	jwebhook "github.com/jupico/jupico-go/webhook"
)

// secret is a Standard Webhooks secret (24 bytes of key material).
const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

var sizes = []struct {
	name string
	n    int
}{{"512B", 512}, {"1KiB", 1 << 10}, {"2KiB", 2 << 10}, {"16KiB", 16 << 10}, {"64KiB", 64 << 10}, {"1MiB", 1 << 20}}

// event returns a Jupico onMerchantActivation delivery of exactly n bytes,
// padded inside data so every parser does the same work.
func event(n int) []byte {
	head := `{"event":"onMerchantActivation","datetime":"2026-11-28T12:00:00.000Z","data":{"onboardingId":"ob_1","applicationId":"app_1","subMerchantId":"sm_1","applicant":{"name":"Ada Lovelace","email":"ada@example.com","mobile":"+15550104477"},"identity":{"business":{"legalName":"Analytical Engines LLC","dbaName":"Engines","websiteUrl":"https://example.com","address":{"streetNum":"1","streetName":"Main St","city":"New York","state":"NY","postalCode":"10001"}}},"notes":"`
	tail := `"}}`
	pad := n - len(head) - len(tail)
	if pad < 0 {
		pad = 0
	}
	return []byte(head + strings.Repeat("x", pad) + tail)
}

// stripeEvent is the same delivery in the shape stripe-go's ConstructEvent
// decodes (an "event" object whose data holds an "object"), padded to
// exactly n bytes: stripe-go verifies its own signature scheme over it.
func stripeEvent(n int) []byte {
	head := `{"object":"event","id":"evt_1","type":"account.updated","created":1795867200,"data":{"object":{"onboardingId":"ob_1","applicationId":"app_1","subMerchantId":"sm_1","applicant":{"name":"Ada Lovelace","email":"ada@example.com","mobile":"+15550104477"},"identity":{"business":{"legalName":"Analytical Engines LLC","dbaName":"Engines","websiteUrl":"https://example.com"}},"notes":"`
	tail := `"}}}`
	pad := max(n-len(head)-len(tail), 0)
	return []byte(head + strings.Repeat("x", pad) + tail)
}

// envelope is what every implementation decodes into for verify+parse, so
// the JSON work is the same: the envelope, with data left raw.
type envelope struct {
	Event    string          `json:"event"`
	Datetime string          `json:"datetime"`
	Data     json.RawMessage `json:"data"`
}

func stdHeaders(b *testing.B, body []byte) http.Header {
	b.Helper()
	id, ts := "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Now()
	sig, err := jwebhook.Sign(secret, id, ts, body)
	if err != nil {
		b.Fatal(err)
	}
	// Two signatures, the matching one last, as during a key rotation.
	other, _ := jwebhook.Sign("whsec_QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=", id, ts, body)
	h := http.Header{}
	h.Set("webhook-id", id)
	h.Set("webhook-timestamp", strconv.FormatInt(ts.Unix(), 10))
	h.Set("webhook-signature", other+" "+sig)
	return h
}

func svixHeaders(h http.Header) http.Header {
	s := http.Header{}
	s.Set("svix-id", h.Get("webhook-id"))
	s.Set("svix-timestamp", h.Get("webhook-timestamp"))
	s.Set("svix-signature", h.Get("webhook-signature"))
	return s
}

const stripeSecret = "whsec_test_secret"

func stripeHeader(body []byte) string {
	now := time.Now()
	return fmt.Sprintf("t=%d,v1=%x", now.Unix(), webhook.ComputeSignature(now, body, stripeSecret))
}

// rawHMAC is the floor: HMAC-SHA256 over the same signed content
// (id.timestamp.body, the prefix prepared once), with a fresh hmac each
// time as a plain implementation would.
func rawHMAC(key, prefix, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(prefix)
	m.Write(body)
	return m.Sum(nil)
}

// runSized runs f as the sub-benchmark size=<size>/impl=<impl>, counting
// n bytes per operation.
func runSized(b *testing.B, size, impl string, n int, f func() error) {
	b.Run("size="+size+"/impl="+impl, func(b *testing.B) {
		b.SetBytes(int64(n))
		b.ReportAllocs()
		for b.Loop() {
			if err := f(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	v, err := jwebhook.NewVerifier(secret)
	if err != nil {
		b.Fatal(err)
	}
	std, _ := standardwebhooks.NewWebhook(secret)
	sv, _ := svix.NewWebhook(secret)
	key := []byte("0123456789abcdef0123456789abcdef")
	for _, sz := range sizes {
		body := event(sz.n)
		h := stdHeaders(b, body)
		sh := svixHeaders(h)
		sbody := stripeEvent(sz.n)
		st := stripeHeader(sbody)
		prefix := []byte(h.Get("webhook-id") + "." + h.Get("webhook-timestamp") + ".")
		run := func(impl string, f func() error) { runSized(b, sz.name, impl, len(body), f) }
		run("hmac", func() error { rawHMAC(key, prefix, body); return nil })
		run("jupico", func() error { return v.Verify(h, body) })
		run("stdwebhooks", func() error { return std.Verify(body, h) })
		run("svix", func() error { return sv.Verify(body, sh) })
		run("stripe", func() error { return webhook.ValidatePayload(sbody, st, stripeSecret) })
	}
}

func BenchmarkVerifyParse(b *testing.B) {
	v, err := jwebhook.NewVerifier(secret)
	if err != nil {
		b.Fatal(err)
	}
	std, _ := standardwebhooks.NewWebhook(secret)
	sv, _ := svix.NewWebhook(secret)
	key := []byte("0123456789abcdef0123456789abcdef")
	opts := webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true}
	for _, sz := range sizes {
		body := event(sz.n)
		h := stdHeaders(b, body)
		sh := svixHeaders(h)
		sbody := stripeEvent(sz.n)
		st := stripeHeader(sbody)
		prefix := []byte(h.Get("webhook-id") + "." + h.Get("webhook-timestamp") + ".")
		run := func(impl string, f func() error) { runSized(b, sz.name, impl, len(body), f) }
		run("floor", func() error {
			rawHMAC(key, prefix, body)
			var e envelope
			return json.Unmarshal(body, &e)
		})
		run("jupico", func() error { _, err := v.Parse(h, body); return err })
		run("stdwebhooks", func() error {
			if err := std.Verify(body, h); err != nil {
				return err
			}
			var e envelope
			return json.Unmarshal(body, &e)
		})
		run("svix", func() error {
			if err := sv.Verify(body, sh); err != nil {
				return err
			}
			var e envelope
			return json.Unmarshal(body, &e)
		})
		run("stripe", func() error { _, err := webhook.ConstructEventWithOptions(sbody, st, stripeSecret, opts); return err })
	}
}
