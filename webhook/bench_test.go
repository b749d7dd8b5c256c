package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/jupico/jupico-go/webhook"
)

// BenchmarkVerify compares Verify with a bare HMAC-SHA256 over the same
// bytes, at three body sizes. The header carries two signatures, as during a
// rotation window, with the matching one last. Verify's B/op must not grow
// with the body: it streams the body into the MAC and never copies it.
//
//	go test -run '^$' -bench 'Verify$' -benchmem ./webhook/
func BenchmarkVerify(b *testing.B) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secretA, "whsec_"))
	if err != nil {
		b.Fatal(err)
	}
	for _, size := range []struct {
		name string
		n    int
	}{{"1KiB", 1 << 10}, {"16KiB", 16 << 10}, {"1MiB", 1 << 20}} {
		body := []byte(strings.Repeat("a", size.n))
		h := signedHeader(b, secretA, "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", testNow, body)
		h.Set("webhook-signature", "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= "+h.Get("webhook-signature"))
		v, err := webhook.NewVerifier(secretA, webhook.WithClock(fixedClock(testNow)), webhook.WithMaxBodyBytes(1<<20))
		if err != nil {
			b.Fatal(err)
		}
		if err := v.Verify(h, body); err != nil {
			b.Fatal(err)
		}

		b.Run("size="+size.name+"/impl=verify", func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if err := v.Verify(h, body); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("size="+size.name+"/impl=hmac-sha256", func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				m := hmac.New(sha256.New, key)
				m.Write(body)
				_ = m.Sum(nil)
			}
		})
	}
}

// bench2KiBEvent is an onMerchantActivation event of about 2 KiB.
var bench2KiBEvent = func() []byte {
	var data strings.Builder
	data.WriteString(`{"onboardingId":"onb_8f14e45fceea167a5a36dedd4bea2543","applicationId":"app_c9f0f895fb98ab9159f51fd0297e236d",` +
		`"subMerchantId":"sm_45c48cce2e2d7fbdea1afc51c7c6ad26",` +
		`"applicant":{"name":"Ada Lovelace","email":"ada@example.com","mobile":"+15555550100"},` +
		`"identity":{"business":{"legalName":"Analytical Engines LLC","dbaName":"Engines","websiteUrl":"https://engines.example",` +
		`"address":{"streetNum":"12","streetName":"Main St","city":"Springfield","state":"IL","postalCode":"62701"}}},` +
		`"invite":{"inviteId":"inv_d3d9446802a44259755d38e6d163e820","reference":"partner-ref-0042"},` +
		`"templates":{"feesTemplateId":"fee_6512bd43d9caa6e02c990b0a82652dca","onboardingFlowTemplateId":"flow_c20ad4d76fe97759aa27a0c99bff6710"},` +
		`"history":[`)
	for i := 0; data.Len() < 1950; i++ {
		if i > 0 {
			data.WriteByte(',')
		}
		data.WriteString(`{"step":"review","by":"ops@example.com","ok":true,"score":0.97}`)
	}
	data.WriteString(`]}`)
	return []byte(`{"event":"onMerchantActivation","datetime":"2024-05-01T12:30:00.123Z","data":` + data.String() + `}`)
}()

// BenchmarkParse compares Verify+Parse of a 2 KiB event with encoding/json
// alone decoding the same envelope (data left raw), the work any receiver
// does at the least.
//
//	go test -run '^$' -bench 'Parse$' -benchmem ./webhook/
func BenchmarkParse(b *testing.B) {
	body := bench2KiBEvent
	h := signedHeader(b, secretA, "msg_1", testNow, body)
	v, err := webhook.NewVerifier(secretA, webhook.WithClock(fixedClock(testNow)))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("impl=verify+parse", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.Parse(h, body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=json.Unmarshal", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			var e struct {
				Event    string          `json:"event"`
				Datetime time.Time       `json:"datetime"`
				Data     json.RawMessage `json:"data"`
			}
			if err := json.Unmarshal(body, &e); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("impl=verify+parse+typed", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			e, err := v.Parse(h, body)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := e.MerchantActivation(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
