package webhook_test

import (
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/internal/testkit/fakeclock"
	"github.com/jupico/jupico-go/webhook"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Known-answer vector published with the Standard Webhooks reference
// libraries (TestWebhookSign of the Go library).
const (
	katSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	katID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	katTimestamp = 1614265330
	katBody      = `{"test": 2432232314}`
	katSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

// Test secrets (random, generated for these tests).
const (
	secretA = "whsec_7Kb2nsrRWza0oNnCDJw4lbhub0pH5Aqfec2g4p31oKc=" // 32 bytes
	secretB = "whsec_//ABzemXjkBR9we3B23pfj6ata40GqyXR0odLPtfMaY=" // 32 bytes
	secretC = "e/4R5bJqufvkT/hB2olgSyhieFmGhmTU"                   // 24 bytes, no prefix
)

// testNow is the fixed clock of the tests.
var testNow = time.Unix(1_700_000_000, 0)

// fixedClock returns a clock that stays at t.
func fixedClock(t time.Time) *fakeclock.Clock { return fakeclock.NewAt(t) }

const sampleEvent = `{"event":"onMerchantSubmit","datetime":"2024-05-01T12:30:00.123Z","data":{` +
	`"onboardingId":"onb_1","applicationId":"app_1","subMerchantId":"sm_1",` +
	`"applicant":{"name":"Ada Lovelace","email":"ada@example.com","mobile":"+15555550100"},` +
	`"identity":{"business":{"legalName":"Analytical Engines LLC","dbaName":"Engines","websiteUrl":"https://engines.example",` +
	`"address":{"streetNum":"12","streetName":"Main St","city":"Springfield","state":"IL","postalCode":"62701"}}},` +
	`"invite":{"inviteId":"inv_1","reference":"ref-42"},` +
	`"templates":{"feesTemplateId":"fee_1","onboardingFlowTemplateId":"flow_1"}}}`

// signedHeader returns the headers of a delivery signed with secret.
func signedHeader(t testing.TB, secret, id string, ts time.Time, body []byte) http.Header {
	t.Helper()
	sig, err := webhook.Sign(secret, id, ts, body)
	require.NoError(t, err)
	h := http.Header{}
	h.Set("webhook-id", id)
	h.Set("webhook-timestamp", strconv.FormatInt(ts.Unix(), 10))
	h.Set("webhook-signature", sig)
	return h
}

func newVerifier(t testing.TB, secret string, opts ...webhook.Option) *webhook.Verifier {
	t.Helper()
	v, err := webhook.NewVerifier(secret, append([]webhook.Option{webhook.WithClock(fixedClock(testNow))}, opts...)...)
	require.NoError(t, err)
	return v
}

// rotatingSource is a SecretSource whose set the test can replace. It
// returns the same slice until set is called, as the contract requires.
type rotatingSource struct {
	cur   []credentials.Secret
	calls int
}

func (s *rotatingSource) SigningSecrets() []credentials.Secret {
	s.calls++
	return s.cur
}

func (s *rotatingSource) set(secrets ...string) {
	cur := make([]credentials.Secret, len(secrets))
	for i, x := range secrets {
		cur[i] = credentials.NewSecret(x)
	}
	s.cur = cur
}

// atomicSource is a SecretSource safe for concurrent rotation, built the way
// the contract asks: an atomic pointer to an immutable slice.
type atomicSource struct {
	p atomic.Pointer[[]credentials.Secret]
}

func (s *atomicSource) SigningSecrets() []credentials.Secret {
	if p := s.p.Load(); p != nil {
		return *p
	}
	return nil
}

func (s *atomicSource) store(secrets ...string) {
	cur := make([]credentials.Secret, len(secrets))
	for i, x := range secrets {
		cur[i] = credentials.NewSecret(x)
	}
	s.p.Store(&cur)
}

// assertErrorStyle checks the house style of error text: "webhook: " and a
// lower-case word, on one line.
func assertErrorStyle(t *testing.T, err error) {
	t.Helper()
	msg := err.Error()
	require.True(t, strings.HasPrefix(msg, "webhook: "), "got %q, want prefix %q", msg, "webhook: ")
	first := msg[len("webhook: ")]
	assert.True(t, first >= 'a' && first <= 'z', "got %q, want a lower-case start", msg)
	assert.NotContains(t, msg, "\n")
}
