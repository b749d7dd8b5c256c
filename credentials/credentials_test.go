package credentials

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Jupico's published public sandbox key: base64 of "demoApiUser:V8m!xP#l2Qz3\n".
const demoKey = "ZGVtb0FwaVVzZXI6VjhtIXhQI2wyUXozCg==" // #nosec G101 -- public sandbox key from Jupico's docs

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestNewBasic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, user, pass string
		field            string
		reason           Reason
	}{
		{name: "ok", user: "test-user", pass: "not-a-real-password"},
		{name: "non-ascii password", user: "test-user", pass: "pässwört"},
		{name: "colon in password", user: "test-user", pass: "a:b"},
		{name: "empty username", user: "", pass: "p", field: "username", reason: ReasonEmpty},
		{name: "empty password", user: "u", pass: "", field: "password", reason: ReasonEmpty},
		{name: "space in username", user: "te st", pass: "p", field: "username", reason: ReasonSpace},
		{name: "trailing newline in password", user: "u", pass: "secret\n", field: "password", reason: ReasonSpace},
		{name: "tab in password", user: "u", pass: "sec\tret", field: "password", reason: ReasonSpace},
		{name: "nul in password", user: "u", pass: "sec\x00ret", field: "password", reason: ReasonSpace},
		{name: "zero-width space", user: "u", pass: "sec\u200bret", field: "password", reason: ReasonSpace},
		{name: "bom", user: "\ufeffu", pass: "p", field: "username", reason: ReasonSpace},
		{name: "nbsp", user: "u", pass: "a\u00a0b", field: "password", reason: ReasonSpace},
		{name: "invalid utf-8", user: "u", pass: "a\xffb", field: "password", reason: ReasonNotUTF8},
		{name: "colon in username", user: "us:er", pass: "p", field: "username", reason: ReasonColon},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := NewBasic(tt.user, tt.pass)
			if tt.reason == "" {
				require.NoError(t, err)
				assert.Equal(t, tt.user, c.Username())
				assert.Equal(t, "Basic "+b64(tt.user+":"+tt.pass), c.AuthorizationHeader().Reveal())
				assert.False(t, c.IsZero())
				return
			}
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tt.field, ve.Field)
			assert.Equal(t, tt.reason, ve.Reason)
			assert.ErrorIs(t, err, ErrInvalid)
			assert.True(t, c.IsZero())
			if len(tt.pass) >= 4 {
				assert.NotContains(t, err.Error(), tt.pass)
			}
		})
	}
}

func TestNewAPIKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, key string
		wantUser  string
		wantSent  string // the key as sent, when accepted
		reason    Reason
	}{
		{name: "demo key with decoded newline", key: demoKey, wantUser: "demoApiUser", wantSent: demoKey},
		{name: "plain", key: b64("test-user:not-a-real-pw"), wantUser: "test-user", wantSent: b64("test-user:not-a-real-pw")},
		{name: "file newline trimmed", key: b64("u:p") + "\n", wantUser: "u", wantSent: b64("u:p")},
		{name: "crlf and spaces trimmed", key: "  " + b64("u:p") + "\r\n", wantUser: "u", wantSent: b64("u:p")},
		{name: "decoded crlf accepted", key: b64("u:p\r\n"), wantUser: "u", wantSent: b64("u:p\r\n")},
		{name: "colon in password", key: b64("u:a:b"), wantUser: "u", wantSent: b64("u:a:b")},
		{name: "empty", key: "", reason: ReasonEmpty},
		{name: "only whitespace", key: " \n\t", reason: ReasonEmpty},
		{name: "not base64", key: "not-base64!", reason: ReasonNotBase64},
		{name: "unpadded", key: strings.TrimRight(b64("u:pw"), "="), reason: ReasonNotBase64},
		{name: "url alphabet", key: base64.URLEncoding.EncodeToString([]byte("u:p??>")), reason: ReasonNotBase64},
		{name: "inner newline", key: b64("user:pass")[:8] + "\n" + b64("user:pass")[8:], reason: ReasonSpace},
		{name: "no colon", key: b64("userpass"), reason: ReasonNotUserPass},
		{name: "empty user", key: b64(":pass"), reason: ReasonNotUserPass},
		{name: "empty password", key: b64("user:"), reason: ReasonNotUserPass},
		{name: "only newline password", key: b64("user:\n"), reason: ReasonNotUserPass},
		{name: "two decoded newlines", key: b64("u:p\n\n"), reason: ReasonSpace},
		{name: "decoded space", key: b64("u:p q"), reason: ReasonSpace},
		{name: "decoded nul", key: b64("u:p\x00"), reason: ReasonSpace},
		{name: "decoded invalid utf-8", key: b64("u:p\xff"), reason: ReasonNotUTF8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := NewAPIKey(tt.key)
			if tt.reason == "" {
				require.NoError(t, err)
				assert.Equal(t, tt.wantUser, c.Username())
				assert.Equal(t, "Basic "+tt.wantSent, c.AuthorizationHeader().Reveal())
				return
			}
			var ve *ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tt.reason, ve.Reason)
			assert.Equal(t, "apiKey", ve.Field)
			assert.Empty(t, ve.Source)
			if k := strings.TrimSpace(tt.key); k != "" {
				assert.NotContains(t, err.Error(), k)
			}
		})
	}
}

func TestCredentialsEqualAndString(t *testing.T) {
	t.Parallel()
	a, err := NewBasic("test-user", "pw-one")
	require.NoError(t, err)
	a2, err := NewAPIKey(b64("test-user:pw-one"))
	require.NoError(t, err)
	b, err := NewBasic("test-user", "pw-two")
	require.NoError(t, err)
	a2.Source, a2.Expires = "elsewhere", time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

	assert.True(t, a.Equal(a2), "same header, Source and Expires ignored")
	assert.False(t, a.Equal(b))
	assert.False(t, a.Equal(Credentials{}))
	assert.True(t, Credentials{}.Equal(Credentials{}))
	assert.True(t, Credentials{}.IsZero())

	assert.Equal(t, "credentials{}", Credentials{}.String())
	a.Source = "env"
	assert.Equal(t, "credentials{user=test-user source=env}", a.String())
	assert.Equal(t, "credentials{user=test-user source=elsewhere expires=2030-01-01T00:00:00Z}", a2.String())
	assert.True(t, a2.expiredAt(a2.Expires))
	assert.False(t, a2.expiredAt(a2.Expires.Add(-time.Nanosecond)))
	assert.False(t, a.expiredAt(time.Now()), "no expiry")
}

func TestValidationErrorMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  ValidationError
		want string
	}{
		{ValidationError{Reason: ReasonEmpty}, "credentials: is empty"},
		{ValidationError{Field: "password", Reason: ReasonEmpty}, "credentials: password is empty"},
		{ValidationError{Source: "JUPICO_API_KEY", Reason: ReasonNotBase64}, "credentials: JUPICO_API_KEY is not standard padded base64"},
		{ValidationError{Source: "/run/creds.json", Field: "apiKey and username", Reason: ReasonConflict}, "credentials: /run/creds.json: apiKey and username are both set; set only one"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.err.Error())
		assert.True(t, errors.Is(&tt.err, ErrInvalid))
		assert.False(t, errors.Is(&tt.err, ErrNoCredentials))
	}
}

func TestStatic(t *testing.T) {
	t.Parallel()
	c, err := Static("test-user", "not-a-real-password").Retrieve(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "static", c.Source)
	assert.Equal(t, "test-user", c.Username())

	c, err = StaticAPIKey(demoKey).Retrieve(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "demoApiUser", c.Username())

	_, err = Static("", "x").Retrieve(t.Context())
	require.ErrorIs(t, err, ErrInvalid)
	_, err = StaticAPIKey("%%%").Retrieve(t.Context())
	require.ErrorIs(t, err, ErrInvalid)
}
