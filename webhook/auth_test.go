package webhook_test

import (
	"encoding/base64"
	"net/http"
	"net/netip"
	"testing"

	"github.com/jupico/jupico-go/webhook"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	basicUser = "jupico"
	basicPass = "correct-horse-battery-staple"
)

func basicHeader(user, pass string) http.Header {
	h := http.Header{}
	h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
	return h
}

func TestBasicAuth(t *testing.T) {
	t.Parallel()
	auth, err := webhook.BasicAuth(basicUser, basicPass)
	require.NoError(t, err)
	good := basicHeader(basicUser, basicPass)
	tests := []struct {
		name   string
		header http.Header
		want   error
	}{
		{"valid", good, nil},
		{"scheme in lower case", http.Header{"Authorization": {"basic " + good.Get("Authorization")[6:]}}, nil},
		{"no header", http.Header{}, webhook.ErrUnauthorized},
		{"wrong password", basicHeader(basicUser, basicPass+"x"), webhook.ErrUnauthorized},
		{"password prefix", basicHeader(basicUser, basicPass[:len(basicPass)-1]), webhook.ErrUnauthorized},
		{"wrong user", basicHeader("Jupico", basicPass), webhook.ErrUnauthorized},
		{"empty credentials", basicHeader("", ""), webhook.ErrUnauthorized},
		{"no colon", http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(basicUser+basicPass))}}, webhook.ErrUnauthorized},
		{"bearer", http.Header{"Authorization": {"Bearer " + basicPass}}, webhook.ErrUnauthorized},
		{"not base64", http.Header{"Authorization": {"Basic %%%"}}, webhook.ErrUnauthorized},
		{"two headers", http.Header{"Authorization": {good.Get("Authorization"), good.Get("Authorization")}}, webhook.ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := auth.Authenticate(&webhook.Delivery{Header: tt.header})
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.want)
			assert.NotContains(t, err.Error(), basicPass)
		})
	}

	t.Run("bad configuration", func(t *testing.T) {
		t.Parallel()
		for _, c := range []struct{ user, pass string }{
			{"", basicPass}, {"a:b", basicPass}, {"user\n", basicPass},
			{basicUser, ""}, {basicUser, "short"}, {basicUser, "sixteen-bytes!!\x00"},
		} {
			a, err := webhook.BasicAuth(c.user, c.pass)
			require.ErrorIs(t, err, webhook.ErrInvalidOption, "user %q", c.user)
			assert.Nil(t, a)
			if c.pass != "" {
				assert.NotContains(t, err.Error(), c.pass)
			}
		}
	})
	t.Run("zero value rejects", func(t *testing.T) {
		t.Parallel()
		var zero webhook.BasicAuthenticator
		assert.ErrorIs(t, zero.Authenticate(&webhook.Delivery{Header: good}), webhook.ErrUnauthorized)
	})
}

func TestAllowSources(t *testing.T) {
	t.Parallel()
	allow, err := webhook.AllowSources("203.0.113.0/24", "2001:db8::/32", "198.51.100.7")
	require.NoError(t, err)
	tests := []struct {
		ip   string
		want error
	}{
		{"203.0.113.9", nil},
		{"::ffff:203.0.113.9", nil},
		{"2001:db8::1", nil},
		{"198.51.100.7", nil},
		{"198.51.100.8", webhook.ErrSourceNotAllowed},
		{"203.0.114.1", webhook.ErrSourceNotAllowed},
		{"", webhook.ErrSourceNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.ip, func(t *testing.T) {
			t.Parallel()
			d := &webhook.Delivery{}
			if tt.ip != "" {
				d.ClientIP = netip.MustParseAddr(tt.ip)
			}
			err := allow.Authenticate(d)
			if tt.want == nil {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, tt.want)
			}
		})
	}
	t.Run("bad configuration", func(t *testing.T) {
		t.Parallel()
		for _, cidrs := range [][]string{nil, {""}, {"nonsense"}, {"10.0.0.1/8"}, {"0.0.0.0/0"}, {"::/0"}, {"10.0.0.0/33"}} {
			a, err := webhook.AllowSources(cidrs...)
			assert.ErrorIs(t, err, webhook.ErrInvalidOption, "%q", cidrs)
			assert.Nil(t, a)
		}
	})
	t.Run("zero value rejects", func(t *testing.T) {
		t.Parallel()
		var zero webhook.SourceAllowList
		assert.ErrorIs(t, zero.Authenticate(&webhook.Delivery{ClientIP: netip.MustParseAddr("203.0.113.9")}), webhook.ErrSourceNotAllowed)
	})
}

func TestAll(t *testing.T) {
	t.Parallel()
	basic, err := webhook.BasicAuth(basicUser, basicPass)
	require.NoError(t, err)
	allow, err := webhook.AllowSources("203.0.113.0/24")
	require.NoError(t, err)
	both := webhook.All(allow, basic)
	inside, outside := netip.MustParseAddr("203.0.113.9"), netip.MustParseAddr("192.0.2.1")
	tests := []struct {
		name string
		auth webhook.Authenticator
		d    webhook.Delivery
		want error
	}{
		{"both pass", both, webhook.Delivery{Header: basicHeader(basicUser, basicPass), ClientIP: inside}, nil},
		{"source fails first", both, webhook.Delivery{Header: http.Header{}, ClientIP: outside}, webhook.ErrSourceNotAllowed},
		{"credentials fail", both, webhook.Delivery{Header: http.Header{}, ClientIP: inside}, webhook.ErrUnauthorized},
		{"empty All rejects", webhook.All(), webhook.Delivery{}, webhook.ErrNoAuthenticator},
		{"nil member rejects", webhook.All(allow, nil), webhook.Delivery{ClientIP: inside}, webhook.ErrNoAuthenticator},
		{"func adapter", webhook.AuthenticatorFunc(func(*webhook.Delivery) error { return webhook.ErrUnauthorized }), webhook.Delivery{}, webhook.ErrUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.auth.Authenticate(&tt.d)
			if tt.want == nil {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, tt.want)
			}
		})
	}
}
