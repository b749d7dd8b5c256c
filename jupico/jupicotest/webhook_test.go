package jupicotest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/jupico/jupicotest"
	"github.com/jupico/jupico-go/webhook"
)

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

func TestSignedWebhookRequestPassesTheHandler(t *testing.T) {
	t.Parallel()
	v, err := webhook.NewVerifier(secret)
	require.NoError(t, err)
	var got atomic.Pointer[webhook.Event]
	h, err := webhook.NewHandler(v, func(_ context.Context, e *webhook.Event) error { got.Store(e); return nil })
	require.NoError(t, err)
	srv := httptest.NewTLSServer(h)
	defer srv.Close()

	req, err := jupicotest.NewWebhookRequest(secret, srv.URL+"/hooks/jupico", jupicotest.WebhookEvent{
		ID: "msg_1", Type: webhook.EventMerchantActivation, Data: json.RawMessage(`{"subMerchantId":"sm_1"}`),
	})
	require.NoError(t, err)
	resp, err := srv.Client().Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	e := got.Load()
	require.NotNil(t, e)
	assert.Equal(t, "msg_1", e.ID)
	assert.Equal(t, webhook.EventMerchantActivation, e.Type)

	// Signed with another secret, or too long ago: refused.
	bad, err := jupicotest.NewWebhookRequest("whsec_"+"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=", srv.URL, jupicotest.WebhookEvent{Type: webhook.EventMerchantSubmit})
	require.NoError(t, err)
	old, err := jupicotest.NewWebhookRequest(secret, srv.URL, jupicotest.WebhookEvent{Type: webhook.EventMerchantSubmit, SignedAt: time.Now().Add(-time.Hour)})
	require.NoError(t, err)
	for _, r := range []*http.Request{bad, old} {
		resp, err := srv.Client().Do(r)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	}
}

// TestWebhookRequestWithRecorder is the documented usage: a request from
// NewWebhookRequest handed straight to the handler with
// httptest.NewRecorder, no server in between, is accepted.
func TestWebhookRequestWithRecorder(t *testing.T) {
	t.Parallel()
	v, err := webhook.NewVerifier(secret)
	require.NoError(t, err)
	var got atomic.Int32
	h, err := webhook.NewHandler(v, func(_ context.Context, e *webhook.Event) error {
		if e.Type == webhook.EventMerchantActivation {
			got.Add(1)
		}
		return nil
	})
	require.NoError(t, err)
	for i, url := range []string{"https://merchant.example/webhooks/jupico", "/webhooks/jupico"} {
		req, err := jupicotest.NewWebhookRequest(secret, url, jupicotest.WebhookEvent{
			Type: webhook.EventMerchantActivation, Data: json.RawMessage(`{"subMerchantId":"sm_1"}`),
		})
		require.NoError(t, err)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		assert.Equal(t, http.StatusOK, rec.Code, url)
		assert.Equal(t, int32(i+1), got.Load(), "the event function ran for %s", url)
	}

	// An explicit http:// URL stands for a delivery over plain HTTP, which
	// the handler refuses.
	req, err := jupicotest.NewWebhookRequest(secret, "http://merchant.example/webhooks/jupico", jupicotest.WebhookEvent{Type: webhook.EventMerchantSubmit})
	require.NoError(t, err)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	assert.Equal(t, http.StatusForbidden, rec.Code)
}
