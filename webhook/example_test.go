package webhook_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/webhook"
)

// A signed Jupico delivery, as the examples receive it. In production the
// secret comes from the environment or a secret manager, never from code.
const exampleSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

const exampleBody = `{"event":"onMerchantActivation","datetime":"2024-05-01T12:30:00.123Z",` +
	`"data":{"onboardingId":"onb_1","subMerchantId":"sm_1",` +
	`"identity":{"business":{"legalName":"Analytical Engines LLC"}}}}`

// exampleDelivery builds the request Jupico would send, signed now.
func exampleDelivery(id string) *http.Request {
	now := time.Now()
	sig, err := webhook.Sign(exampleSecret, id, now, []byte(exampleBody))
	if err != nil {
		panic(err)
	}
	r := httptest.NewRequest(http.MethodPost, "https://merchant.example/webhooks/jupico", bytes.NewReader([]byte(exampleBody)))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Webhook-Id", id)
	r.Header.Set("Webhook-Timestamp", strconv.FormatInt(now.Unix(), 10))
	r.Header.Set("Webhook-Signature", sig)
	return r
}

// Receive Jupico events on an HTTPS endpoint: verify, de-duplicate, decode,
// then act on the event types you care about.
func ExampleNewHandler() {
	v, err := webhook.NewVerifier(exampleSecret) // e.g. os.Getenv("JUPICO_WEBHOOK_SECRET")
	if err != nil {
		log.Fatal(err) // a missing or malformed secret stops the program here
	}
	h, err := webhook.NewHandler(v, func(ctx context.Context, e *webhook.Event) error {
		switch e.Type {
		case webhook.EventMerchantActivation:
			m, err := e.MerchantActivation()
			if err != nil {
				return err
			}
			fmt.Println("activated:", m.SubMerchantID, m.Identity.Business.LegalName)
		default:
			fmt.Println("ignored:", e.Type) // dispute, payout and future events
		}
		return nil // 200: Jupico will not redeliver
	}, webhook.OnReject(func(r *http.Request, reason error) {
		fmt.Println("rejected:", reason) // safe to log: no secret, no body
	}))
	if err != nil {
		log.Fatal(err)
	}
	// In production: http.Handle("POST /webhooks/jupico", h) on an HTTPS server.

	for _, r := range []*http.Request{exampleDelivery("msg_1"), exampleDelivery("msg_1")} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fmt.Println(w.Code)
	}
	forged := exampleDelivery("msg_2")
	forged.Header.Set("Webhook-Signature", "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, forged)
	fmt.Println(w.Code)
	// Output:
	// activated: sm_1 Analytical Engines LLC
	// 200
	// 200
	// rejected: webhook: no matching signature
	// 401
}

// Verify and decode a delivery yourself, e.g. inside an existing handler.
func ExampleVerifier_Parse() {
	v, err := webhook.NewVerifier(exampleSecret)
	if err != nil {
		log.Fatal(err)
	}
	r := exampleDelivery("msg_1")
	body, err := readAll(r) // read through http.MaxBytesReader in real code
	if err != nil {
		log.Fatal(err)
	}
	e, err := v.Parse(r.Header, body)
	switch {
	case errors.Is(err, webhook.ErrInvalidPayload):
		fmt.Println("authentic but malformed") // answer 400
	case err != nil:
		fmt.Println("not from Jupico") // answer 401
	default:
		fmt.Println(e.ID, e.Type, e.Time.Format(time.RFC3339Nano))
	}
	// Output: msg_1 onMerchantActivation 2024-05-01T12:30:00.123Z
}

func readAll(r *http.Request) ([]byte, error) {
	var b bytes.Buffer
	_, err := b.ReadFrom(http.MaxBytesReader(nil, r.Body, webhook.DefaultMaxBodyBytes))
	return b.Bytes(), err
}

// An endpoint registered without a signing secret: require Basic credentials
// and a source network, behind a load balancer that terminates TLS.
func ExampleAll() {
	basic, err := webhook.BasicAuth("jupico", "correct-horse-battery-staple") // from your secret store
	if err != nil {
		log.Fatal(err)
	}
	sources, err := webhook.AllowSources("203.0.113.0/24") // the range agreed with Jupico
	if err != nil {
		log.Fatal(err)
	}
	h, err := webhook.NewHandler(webhook.All(sources, basic),
		func(ctx context.Context, e *webhook.Event) error { fmt.Println("got", e.Type); return nil },
		webhook.WithTrustedProxies("10.0.0.0/8"), // the load balancer; its X-Forwarded-* are believed
	)
	if err != nil {
		log.Fatal(err)
	}

	r := httptest.NewRequest(http.MethodPost, "http://merchant.internal/webhooks/jupico", bytes.NewReader([]byte(exampleBody)))
	r.RemoteAddr = "10.0.0.5:41000"                // the load balancer
	r.Header.Set("X-Forwarded-For", "203.0.113.9") // the client it saw
	r.Header.Set("X-Forwarded-Proto", "https")     // over TLS
	r.Header.Set("Content-Type", "application/json")
	r.SetBasicAuth("jupico", "correct-horse-battery-staple")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Println(w.Code)
	// Output:
	// got onMerchantActivation
	// 200
}

// Rotate the signing secret without a restart: the source hands out the
// accepted set, current first, and the verifier re-decodes it only when the
// set changes.
func ExampleWithSecretSource() {
	src := &staticSource{secrets: []credentials.Secret{credentials.NewSecret(exampleSecret)}}
	v, err := webhook.NewVerifier("", webhook.WithSecretSource(src))
	if err != nil {
		log.Fatal(err)
	}
	r := exampleDelivery("msg_1")
	body, _ := readAll(r)
	fmt.Println(v.Verify(r.Header, body))
	// Output: <nil>
}

// staticSource is the simplest SecretSource: a fixed slice. A rotating one
// swaps an atomic pointer to a new, never modified, slice.
type staticSource struct{ secrets []credentials.Secret }

func (s *staticSource) SigningSecrets() []credentials.Secret { return s.secrets }
