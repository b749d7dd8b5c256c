package jupicotest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/webhook"
)

// WebhookEvent is a Jupico webhook delivery to build or send: the event
// name, its time and its data, which NewWebhookRequest and
// Server.SendWebhook wrap in Jupico's {"event","datetime","data"} envelope.
// The zero WebhookEvent has no type and cannot be sent.
type WebhookEvent struct {
	// ID is the delivery id (the webhook-id header), the same on every
	// delivery of the event; empty means a random one.
	ID string
	// Type is the event name, e.g. webhook.EventMerchantActivation.
	// Required.
	Type webhook.EventType
	// Time is the event time; zero means now.
	Time time.Time
	// Data is the event's data object; nil means {}.
	Data json.RawMessage
	// SignedAt is the webhook-timestamp; zero means the moment each
	// delivery is signed. Set it in the past or future to test the
	// verifier's tolerance.
	SignedAt time.Time
}

// Body returns the JSON body Jupico would send for e. It fails when e has
// no Type or Data is not valid JSON.
func (e WebhookEvent) Body() ([]byte, error) {
	if e.Type == "" {
		return nil, errors.New("jupicotest: webhook event has no type")
	}
	t := e.Time
	if t.IsZero() {
		t = time.Now()
	}
	data := e.Data
	if data == nil {
		data = json.RawMessage("{}")
	}
	if !json.Valid(data) {
		return nil, errors.New("jupicotest: webhook event data is not valid json")
	}
	return json.Marshal(struct {
		Event    webhook.EventType `json:"event"`
		Datetime string            `json:"datetime"`
		Data     json.RawMessage   `json:"data"`
	}{e.Type, t.UTC().Format("2006-01-02T15:04:05.000Z"), data})
}

// NewWebhookRequest builds a complete POST to url carrying e, signed with
// secret by the Standard Webhooks scheme (webhook-id, webhook-timestamp,
// webhook-signature) and typed application/json, so merchants can test
// their webhook handlers end to end: send it with an http.Client, or hand
// it straight to the handler with httptest.NewRecorder:
//
//	req, err := jupicotest.NewWebhookRequest(secret, "https://shop.example/webhooks/jupico", event)
//	rec := httptest.NewRecorder()
//	handler.ServeHTTP(rec, req) // rec.Code is 200 for a valid event
//
// For that second use the request also looks received, as
// httptest.NewRequest makes one: unless url is explicitly http://, Request.TLS
// is set (a TLS 1.3 connection state), since webhook.Handler refuses plain
// HTTP; RemoteAddr is the loopback address 127.0.0.1:1234 (set it to an
// allowed address to test webhook.AllowSources). An http.Client ignores
// both fields. To have the fake send deliveries over the network, use
// Server.SendWebhook.
//
// Errors: e without a Type or with invalid Data, a secret webhook.Sign
// refuses (wrapping webhook.ErrInvalidSecret), an id with characters a
// verifier refuses (wrapping webhook.ErrInvalidHeader), or a URL that does
// not parse. It is safe for concurrent use.
func NewWebhookRequest(secret, url string, e WebhookEvent) (*http.Request, error) {
	body, err := e.Body()
	if err != nil {
		return nil, err
	}
	id := e.ID
	if id == "" {
		var b [12]byte
		_, _ = rand.Read(b[:])
		id = "msg_" + hex.EncodeToString(b[:])
	}
	ts := e.SignedAt
	if ts.IsZero() {
		ts = time.Now()
	}
	req, err := signedRequest(context.Background(), secret, url, id, ts, body)
	if err != nil {
		return nil, err
	}
	// What a server sets on a request it received (httptest.NewRequest
	// does the same for an https target), so ServeHTTP accepts it.
	req.RemoteAddr = "127.0.0.1:1234"
	if req.URL.Scheme != "http" {
		req.TLS = &tls.ConnectionState{Version: tls.VersionTLS13, HandshakeComplete: true, ServerName: req.URL.Hostname()}
	}
	return req, nil
}

// signedRequest builds the POST of one delivery: body signed with secret
// under id and ts.
func signedRequest(ctx context.Context, secret, url, id string, ts time.Time, body []byte) (*http.Request, error) {
	sig, err := webhook.Sign(secret, id, ts, body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "jupicotest/"+jupico.Version)
	req.Header.Set("Webhook-Id", id)
	req.Header.Set("Webhook-Timestamp", strconv.FormatInt(ts.Unix(), 10))
	req.Header.Set("Webhook-Signature", sig)
	return req, nil
}
