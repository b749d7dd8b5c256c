package vault

import (
	"errors"
	"strings"
	"testing"

	"github.com/jupico/jupico-go/credentials"
)

// FuzzParseKV feeds arbitrary bodies through the parsers of a KV version 2
// read: no panic, success only with usable credentials, and every failure
// one of the documented, value-free errors.
func FuzzParseKV(f *testing.F) {
	seeds := []string{
		`{"lease_duration":0,"data":{"data":{"username":"u","password":"p"},"metadata":{"created_time":"2030-01-02T03:04:05.123456Z","version":3}}}`,
		`{"lease_duration":3600,"data":{"data":{"apiKey":"ZGVtb0FwaVVzZXI6VjhtIXhQI2wyUXozCg=="},"metadata":{"version":1}}}`,
		`{"data":{"data":null,"metadata":{"deletion_time":"2030-01-02T03:04:05Z","version":2}}}`,
		`{"data":{"data":{"username":"u","username":"v","password":"p"},"metadata":{"version":1}}}`,
		`{"data":{"data":{"webhookSecret":"whsec_abc","x":{"y":[1,2,{"z":null}]}},"metadata":{"version":1}}}`,
		`{"data":{"data":{"username":"u","password":"p","expiresAt":"2030-13-01T00:00:00Z"},"metadata":{"version":1}}}`,
		`{"errors":["permission denied"]}`,
		`{"data":{"data":"\u0000","metadata":{}}}`,
		``,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		s, err := parseKVResponse(body)
		if err != nil {
			if !errors.Is(err, ErrMalformedResponse) {
				t.Fatalf("parseKVResponse: unexpected error %v", err)
			}
			return
		}
		if s.data == nil {
			return
		}
		c, err := credentials.ParseDocument(s.data, "src")
		checkValidation(t, err)
		if err == nil && (c.IsZero() || c.Source != "src") {
			t.Fatalf("ParseDocument: got %v with no error", c)
		}
		sec, ok, err := credentials.ParseSigningSecret(s.data, "src", "webhookSecret")
		checkValidation(t, err)
		if err == nil && ok && (sec.IsZero() || strings.TrimSpace(sec.Reveal()) != sec.Reveal()) {
			t.Fatal("ParseSigningSecret: an empty or untrimmed secret with no error")
		}
	})
}

// checkValidation fails unless err is nil or a *credentials.ValidationError
// from "src" whose message is made only of its source, field and reason.
func checkValidation(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var ve *credentials.ValidationError
	if !errors.As(err, &ve) || ve.Source != "src" {
		t.Fatalf("unexpected error %v", err)
	}
	switch ve.Field {
	case "", "username", "password", "apiKey", "expiresAt", "webhookSecret", "apiKey and username", "apiKey and password":
	default:
		t.Fatalf("error names a field it should not: %q", ve.Field)
	}
}
