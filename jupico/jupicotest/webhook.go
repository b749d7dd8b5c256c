package jupicotest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/jupico/jupico-go/webhook"
)

// WebhookEvent is a Jupico webhook delivery to build or send: the event
// name, its time and its data, which NewWebhookRequest wraps in Jupico's
// {"event","datetime","data"} envelope.
type WebhookEvent struct {
	// ID is the delivery id (the webhook-id header); empty means a random one.
	ID string
	// Type is the event name, e.g. webhook.EventMerchantActivation.
	Type webhook.EventType
	// Time is the event time; zero means now.
	Time time.Time
	// Data is the event's data object; nil means {}.
	Data json.RawMessage
	// SignedAt is the webhook-timestamp; zero means now. Set it in the past
	// or future to test the verifier's tolerance.
	SignedAt time.Time
}

// Body returns the JSON body Jupico would send for e.
func (e WebhookEvent) Body() ([]byte, error) {
	t := e.Time
	if t.IsZero() {
		t = time.Now()
	}
	data := e.Data
	if data == nil {
		data = json.RawMessage("{}")
	}
	if e.Type == "" {
		return nil, errors.New("jupicotest: webhook event has no type")
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
// their webhook handlers end to end.
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
	sig, err := webhook.Sign(secret, id, ts, body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", itoa(ts.Unix()))
	req.Header.Set("webhook-signature", sig)
	return req, nil
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
