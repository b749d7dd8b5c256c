package pipeline_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/internal/pipeline"
	"github.com/jupico/jupico-go/internal/wire"
)

// fuzzMaxBody is a small response cap, so the fuzzer reaches the
// too-large path with short inputs.
const fuzzMaxBody = 4096

var fuzzOps = []*wire.Operation{&wire.Status, &wire.BrowserSession, &wire.CardSale, &wire.CardRollback, &wire.QueryTransactions}

// FuzzResponse decodes an arbitrary answer (status, Retry-After, body)
// through the whole response path of a Pipeline: the retry decision, the
// backoff, the capped read, the envelope decode and the outcome. The answer
// comes from an in-memory transport, so nothing touches the network.
//
// Invariants: no panic; exactly one of a response and an error; an error is
// a *pipeline.Error of a known kind; a response carries the status and the
// body byte for byte, an envelope exactly when the body is one, and the
// outcome wire.Classify gives; attempts are bounded and counted exactly.
func FuzzResponse(f *testing.F) {
	f.Add(uint8(2), uint16(200), "", []byte(`{"success":true,"status":"succeeded","data":{"transactionId":"tx_1","amount":10.00}}`))
	f.Add(uint8(2), uint16(200), "", []byte(`{"success":false,"status":"declined","error":{"code":"tx_cc_declined","message":"Card declined"}}`))
	f.Add(uint8(2), uint16(400), "", []byte(`{"success":false,"status":"failed"}`))
	f.Add(uint8(0), uint16(503), "1", []byte(`{"success":false,"error":{"code":"service_unavailable","message":"retry later"}}`))
	f.Add(uint8(4), uint16(429), "Wed, 21 Oct 2015 07:28:00 GMT", []byte(`{}`))
	f.Add(uint8(1), uint16(302), "", []byte(`moved`))
	f.Add(uint8(3), uint16(500), "", []byte(`{"success":tr`))
	f.Add(uint8(0), uint16(200), "", bytes.Repeat([]byte("x"), fuzzMaxBody+1))

	f.Fuzz(func(t *testing.T, opIdx uint8, status uint16, retryAfter string, body []byte) {
		op := fuzzOps[int(opIdx)%len(fuzzOps)]
		code := finalStatus(status)
		attempts := 0
		answer := rt(func(r *http.Request) (*http.Response, error) {
			attempts++
			_, _ = io.Copy(io.Discard, r.Body)
			h := http.Header{"Content-Type": {"application/json"}}
			if retryAfter != "" {
				h.Set("Retry-After", retryAfter)
			}
			return &http.Response{
				StatusCode: code, Status: strconv.Itoa(code), Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
				Header: h, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body)), Request: r,
			}, nil
		})
		const maxAttempts = 3
		u, _ := url.Parse("https://jupico.invalid")
		p := pipeline.New(pipeline.Config{
			BaseURL:            u,
			Transport:          answer,
			Credentials:        credentials.Static("fuzz", "fuzz-password"),
			Logger:             slog.New(slog.DiscardHandler),
			UserAgent:          "fuzz",
			Retry:              pipeline.Retry{MaxAttempts: maxAttempts}, // zero delays: Retry-After is capped to them
			RollbackRetry:      pipeline.Retry{MaxAttempts: maxAttempts},
			Timeout:            time.Minute,
			TransactionTimeout: time.Minute,
			MaxResponseBytes:   fuzzMaxBody,
		})
		// Every wait is capped at zero and nothing touches the network, so
		// a call still running after 10 s is a hang.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		resp, err := p.Do(ctx, op, nil)
		if ctx.Err() != nil {
			t.Fatalf("%s answered %d hung until the deadline", op.Name, code)
		}
		if (resp == nil) == (err == nil) {
			t.Fatalf("want exactly one of a response and an error, got %v and %v", resp, err)
		}
		if attempts < 1 || attempts > maxAttempts {
			t.Fatalf("%d attempts, want 1 to %d", attempts, maxAttempts)
		}
		if err != nil {
			var pe *pipeline.Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %T is not a *pipeline.Error: %v", err, err)
			}
			switch {
			case code >= 300 && code < 400:
				if !errors.Is(err, pipeline.ErrRedirect) {
					t.Fatalf("status %d gave %v, want a redirect refusal", code, err)
				}
			case len(body) > fuzzMaxBody:
				if !errors.Is(err, pipeline.ErrResponseTooLarge) {
					t.Fatalf("a %d-byte body gave %v, want too large", len(body), err)
				}
			default:
				t.Fatalf("status %d with a %d-byte body failed: %v", code, len(body), err)
			}
			if pe.Attempts != attempts {
				t.Fatalf("error reports %d attempts, transport saw %d", pe.Attempts, attempts)
			}
			return
		}
		if resp.StatusCode != code || !bytes.Equal(resp.Body, body) {
			t.Fatalf("response %d with %d bytes, want %d with %d bytes as sent", resp.StatusCode, len(resp.Body), code, len(body))
		}
		if resp.Attempts != attempts {
			t.Fatalf("response reports %d attempts, transport saw %d", resp.Attempts, attempts)
		}
		var env wire.Envelope
		isEnvelope := len(body) > 0 && json.Unmarshal(body, &env) == nil
		if isEnvelope != (resp.Envelope != nil) || (resp.Envelope == nil) == (resp.EnvelopeErr == nil) {
			t.Fatalf("envelope %v / error %v for a body that is an envelope: %t", resp.Envelope, resp.EnvelopeErr, isEnvelope)
		}
		if want := wire.Classify(code, resp.Envelope); resp.Outcome != want {
			t.Fatalf("outcome %d, want %d", resp.Outcome, want)
		}
	})
}

// finalStatus maps any number to a final HTTP status, 200 to 599, keeping
// those that already are one.
func finalStatus(n uint16) int {
	if n >= 200 && n <= 599 {
		return int(n)
	}
	return 200 + int(n)%400
}
