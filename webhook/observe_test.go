package webhook_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/webhook"
)

// deliveries records what an Observer was told.
type deliveries struct {
	webhook.NopObserver

	mu  sync.Mutex
	got []webhook.DeliveryInfo
}

func (d *deliveries) Delivery(_ context.Context, info webhook.DeliveryInfo) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.got = append(d.got, info)
}

func (d *deliveries) last(t *testing.T) webhook.DeliveryInfo {
	t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	require.NotEmpty(t, d.got)
	return d.got[len(d.got)-1]
}

// Every answer the Handler gives is reported once, with its result and
// reason category, and with nothing of the request but the event's type.
func TestObserverSeesEveryDelivery(t *testing.T) {
	t.Parallel()
	const canaryID, canaryMail = "msg_canary_3f9e", "canary-7d21@example.com"
	body := []byte(strings.Replace(sampleEvent, "ada@example.com", canaryMail, 1))
	var fnErr error
	var mu sync.Mutex
	obs := &deliveries{}
	h, err := webhook.NewHandler(newVerifier(t, secretA), func(context.Context, *webhook.Event) error {
		mu.Lock()
		defer mu.Unlock()
		if fnErr != nil && fnErr.Error() == "panic" {
			panic("boom")
		}
		return fnErr
	}, webhook.WithObserver(obs))
	require.NoError(t, err)
	setErr := func(e error) { mu.Lock(); fnErr = e; mu.Unlock() }

	cases := []struct {
		name     string
		req      func() *http.Request
		fnErr    error
		status   int
		result   string
		reason   string
		verified bool
		typ      webhook.EventType
	}{
		{"processed", func() *http.Request { return newSignedRequest(t, secretA, canaryID, body) }, nil,
			200, webhook.DeliveryProcessed, "", true, "onMerchantSubmit"},
		{"duplicate", func() *http.Request { return newSignedRequest(t, secretA, canaryID, body) }, nil,
			200, webhook.DeliveryDuplicate, "", true, "onMerchantSubmit"},
		{"wrong method", func() *http.Request { return httptest.NewRequest(http.MethodGet, endpoint, nil) }, nil,
			405, webhook.DeliveryRejected, webhook.ReasonMethod, false, ""},
		{"plain http", func() *http.Request {
			r := newSignedRequest(t, secretA, "msg_2", body)
			r.TLS = nil
			return r
		}, nil, 403, webhook.DeliveryRejected, webhook.ReasonInsecureTransport, false, ""},
		{"signed with another secret", func() *http.Request { return newSignedRequest(t, secretB, "msg_3", body) }, nil,
			401, webhook.DeliveryRejected, webhook.ReasonSignature, false, ""},
		{"too old", func() *http.Request {
			r := newSignedRequest(t, secretA, "msg_4", body)
			r.Header = signedHeader(t, secretA, "msg_4", testNow.Add(-time.Hour), body)
			r.Header.Set("Content-Type", "application/json")
			return r
		}, nil, 401, webhook.DeliveryRejected, webhook.ReasonTimestamp, false, ""},
		{"not an event", func() *http.Request { return newSignedRequest(t, secretA, "msg_5", []byte(`{"x":1}`)) }, nil,
			400, webhook.DeliveryRejected, webhook.ReasonPayload, true, ""},
		{"function fails", func() *http.Request { return newSignedRequest(t, secretA, "msg_6", body) }, errors.New("db down"),
			500, webhook.DeliveryFailed, webhook.ReasonHandler, true, "onMerchantSubmit"},
		{"function panics", func() *http.Request { return newSignedRequest(t, secretA, "msg_7", body) }, errors.New("panic"),
			500, webhook.DeliveryFailed, webhook.ReasonPanic, true, "onMerchantSubmit"},
	}
	for i, tc := range cases {
		setErr(tc.fnErr)
		w := serve(h, tc.req())
		require.Equal(t, tc.status, w.Code, tc.name)
		require.Len(t, obs.got, i+1, "%s: reported once", tc.name)
		got := obs.last(t)
		assert.Equal(t, tc.result, got.Result, tc.name)
		assert.Equal(t, tc.reason, got.Reason, tc.name)
		assert.Equal(t, tc.verified, got.Verified, tc.name)
		assert.Equal(t, tc.typ, got.EventType, tc.name)
		assert.Equal(t, tc.status, got.StatusCode, tc.name)
		assert.False(t, got.Start.IsZero(), tc.name)
		assert.Positive(t, got.Duration, tc.name)
		s := fmt.Sprintf("%+v", got)
		for _, canary := range []string{canaryID, canaryMail, secretA, secretB, "Ada Lovelace"} {
			assert.NotContains(t, s, canary, "%s: the observer never sees a header value, the body or a secret", tc.name)
		}
	}
}

// A Handler with no Observer behaves as before; nil is refused.
func TestObserverOption(t *testing.T) {
	t.Parallel()
	_, err := webhook.NewHandler(newVerifier(t, secretA), func(context.Context, *webhook.Event) error { return nil }, webhook.WithObserver(nil))
	assert.ErrorIs(t, err, webhook.ErrInvalidOption)
}
