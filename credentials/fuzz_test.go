package credentials

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"
)

var knownReasons = []Reason{
	ReasonEmpty, ReasonMissing, ReasonSpace, ReasonNotUTF8, ReasonColon, ReasonNotBase64,
	ReasonNotUserPass, ReasonConflict, ReasonNoneSet, ReasonMalformed, ReasonBadTime,
	ReasonTooLarge, ReasonDuplicate, ReasonNotString, ReasonFileType,
}

var knownFields = []string{
	"", "username", "password", "apiKey", "expiresAt", "output",
	"apiKey and username", "apiKey and password",
}

// checkParsed holds for every input: an error is a *ValidationError built
// only from fixed parts (so it cannot carry input bytes); a success is
// well-formed credentials that do not print their secret.
func checkParsed(t *testing.T, c Credentials, err error, source string) {
	t.Helper()
	if err != nil {
		ve, ok := err.(*ValidationError)
		if !ok {
			t.Fatalf("error %T is not a *ValidationError", err)
		}
		if ve.Source != source || !slices.Contains(knownReasons, ve.Reason) || !slices.Contains(knownFields, ve.Field) {
			t.Fatalf("unexpected error parts: %#v", ve)
		}
		if !c.IsZero() {
			t.Fatal("credentials returned with an error")
		}
		return
	}
	if c.IsZero() || c.Source != source {
		t.Fatalf("bad success: %v", c)
	}
	hdr := c.AuthorizationHeader().Reveal()
	enc, ok := strings.CutPrefix(hdr, "Basic ")
	if !ok {
		t.Fatal("header without Basic prefix")
	}
	raw, derr := base64.StdEncoding.DecodeString(enc)
	if derr != nil {
		t.Fatalf("header is not base64: %v", derr)
	}
	if !strings.HasPrefix(string(raw), c.Username()+":") || c.Username() == "" {
		t.Fatal("header does not start with the username")
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%x", "%q"} {
		if strings.Contains(fmt.Sprintf(verb, c), enc) {
			t.Fatalf("%s printed the header", verb)
		}
	}
}

func FuzzParseDocument(f *testing.F) {
	for _, s := range []string{
		`{"username":"u","password":"p"}`,
		`{"apiKey":"` + demoKey + `","expiresAt":"2030-01-02T15:04:05Z"}`,
		`{"username":"u","password":"p","password":"q"}`,
		`{"x":[{"y":null}],"username":"u","password":"p"}`,
		`{"apiKey":null}`,
		`{"expiresAt":"2030-13-45T99:99:99Z","username":"u","password":"p"}`,
		`[]`, `{`, `{"username":1}`, "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseDocument(data, "fuzz.json")
		checkParsed(t, c, err, "fuzz.json")
	})
}

func FuzzParseCommandOutput(f *testing.F) {
	for _, s := range []string{
		"{\"username\":\"u\",\"password\":\"p\"}\n",
		"\xef\xbb\xbf{\"apiKey\":\"" + demoKey + "\"}\r\n",
		"  \n", "\xef\xbb\xbf", "error: not logged in\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, out []byte) {
		c, err := parseCommandOutput(out, `command "helper"`)
		checkParsed(t, c, err, `command "helper"`)
	})
}

func FuzzNewAPIKey(f *testing.F) {
	for _, s := range []string{demoKey, b64("u:p") + "\n", b64("u:p\r\n"), "%%%", b64(":x"), b64("u:p q")} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		c, err := NewAPIKey(key)
		if err != nil {
			ve, ok := err.(*ValidationError)
			if !ok || ve.Field != "apiKey" || ve.Source != "" || !slices.Contains(knownReasons, ve.Reason) {
				t.Fatalf("unexpected error %#v", err)
			}
			return
		}
		if c.AuthorizationHeader().Reveal() != "Basic "+strings.TrimSpace(key) {
			t.Fatal("the key must be sent byte for byte after trimming")
		}
		if strings.Contains(fmt.Sprintf("%+v", c), strings.TrimSpace(key)) {
			t.Fatal("printed the key")
		}
	})
}
