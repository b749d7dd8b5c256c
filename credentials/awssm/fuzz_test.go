package awssm

import (
	"errors"
	"strings"
	"testing"

	"github.com/jupico/jupico-go/credentials"
)

// FuzzParseSecretString feeds arbitrary secret strings through the parsers:
// no panic, success only with usable credentials, and every failure a
// value-free *credentials.ValidationError.
func FuzzParseSecretString(f *testing.F) {
	for _, s := range []string{
		`{"username":"u","password":"p"}`,
		`{"apiKey":"ZGVtb0FwaVVzZXI6VjhtIXhQI2wyUXozCg==","expiresAt":"2030-01-02T03:04:05Z"}`,
		`{"username":"u","username":"v","password":"p"}`,
		`{"webhookSecret":"whsec_abc","rotation":{"step":[1,{"x":null}]}}`,
		`{"username":null,"password":"p"}`,
		`whsec_plain`,
		``,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := credentials.ParseDocument([]byte(s), "src")
		checkValidation(t, err)
		if err == nil && (c.IsZero() || c.Source != "src") {
			t.Fatalf("ParseDocument: got %v with no error", c)
		}
		sec, ok, err := credentials.ParseSigningSecret([]byte(s), "src", "webhookSecret")
		checkValidation(t, err)
		if err == nil && ok && (sec.IsZero() || strings.TrimSpace(sec.Reveal()) != sec.Reveal()) {
			t.Fatal("ParseSigningSecret: an empty or untrimmed secret with no error")
		}
	})
}

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
