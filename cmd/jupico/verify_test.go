package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/jupico/jupicotest"
	"github.com/jupico/jupico-go/webhook"
)

// rawRequest writes a webhook request by hand: headers signed over signed,
// the framing header given, then the bytes of rest after the blank line.
func rawRequest(t *testing.T, secret, id string, signed []byte, framing, rest string) string {
	t.Helper()
	ts := time.Now()
	sig, err := webhook.Sign(secret, id, ts, signed)
	require.NoError(t, err)
	var b bytes.Buffer
	fmt.Fprintf(&b, "POST /webhooks/jupico HTTP/1.1\r\nHost: merchant.example\r\nContent-Type: application/json\r\n")
	fmt.Fprintf(&b, "Webhook-Id: %s\r\nWebhook-Timestamp: %s\r\nWebhook-Signature: %s\r\n", id, strconv.FormatInt(ts.Unix(), 10), sig)
	if framing != "" {
		fmt.Fprintf(&b, "%s\r\n", framing)
	}
	b.WriteString("\r\n")
	b.WriteString(rest)
	return b.String()
}

// The file must hold exactly one request, framed: bytes beyond its body,
// or a body with no framing, are refused, never reported authentic.
func TestWebhookVerifyRefusesBytesOutsideTheBody(t *testing.T) {
	t.Parallel()
	secret := jupicotest.DefaultWebhookSecret
	secretFile := writeFile(t, "secret", secret)
	event := []byte(`{"event":"onMerchantActivation","datetime":"2026-01-02T03:04:05Z","data":{"subMerchantId":"sm_1"}}`)
	forged := []byte(`{"event":"onMerchantActivation","datetime":"2026-01-02T03:04:05Z","data":{"subMerchantId":"sm_evil"}}`)

	// A request as it goes over the wire, then a second, unsigned one.
	req, err := jupicotest.NewWebhookRequest(secret, "https://merchant.example/webhooks/jupico",
		jupicotest.WebhookEvent{ID: "msg_1", Type: webhook.EventMerchantActivation, Data: json.RawMessage(`{"subMerchantId":"sm_1"}`)})
	require.NoError(t, err)
	var good bytes.Buffer
	require.NoError(t, req.Write(&good))
	second := fmt.Sprintf("POST /webhooks/jupico HTTP/1.1\r\nHost: merchant.example\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(forged), forged)

	cases := []struct {
		name, file, want string
	}{
		{"a second request appended", good.String() + second, "bytes after the request"},
		{"one byte appended", good.String() + "\n", "bytes after the request"},
		{"no framing, signed over an empty body, then an event",
			rawRequest(t, secret, "msg_2", nil, "", string(forged)), "neither Content-Length nor chunked"},
		{"Content-Length 0, then an event",
			rawRequest(t, secret, "msg_3", nil, "Content-Length: 0", string(forged)), "bytes after the request"},
		{"chunked, then bytes after the last chunk",
			rawRequest(t, secret, "msg_4", event, "Transfer-Encoding: chunked", fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(event), event)+second),
			"bytes after the request"},
		{"chunked and Content-Length both",
			rawRequest(t, secret, "msg_7", event, fmt.Sprintf("Content-Length: %d\r\nTransfer-Encoding: chunked", len(event)),
				fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(event), event)),
			"both Content-Length and Transfer-Encoding"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := cli(t, nil, "webhook", "verify", "--file", writeFile(t, "request.http", c.file), "--secret-file", secretFile)
			assert.Equal(t, exitUsage, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
			assert.NotContains(t, r.stdout, "authentic: ")
			assert.Contains(t, r.stderr, c.want)
			assert.Contains(t, r.stderr, "exactly one request")
			assert.NotContains(t, r.stderr, "sm_evil", "the content is not quoted")
			t.Logf("%s", r.stderr)
		})
	}

	// One framed request verifies: by Content-Length, chunked, or no body.
	framed := map[string]string{
		"Content-Length": good.String(),
		"chunked":        rawRequest(t, secret, "msg_5", event, "Transfer-Encoding: chunked", fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(event), event)),
		"no body":        rawRequest(t, secret, "msg_6", nil, "", ""),
	}
	for name, file := range framed {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := cli(t, nil, "webhook", "verify", "--file", writeFile(t, "request.http", file), "--secret-file", secretFile)
			assert.Equal(t, exitOK, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
			assert.Contains(t, r.stdout, "authentic: webhook-id msg_")
		})
	}
}
