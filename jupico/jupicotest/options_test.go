package jupicotest_test

import (
	"crypto/tls"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
	"github.com/jupico/jupico-go/webhook"
)

// Options report what is wrong with them: New returns the error, Start
// panics with it, and nothing is started.
func TestOptionsAreValidated(t *testing.T) {
	t.Parallel()
	for name, opt := range map[string]jupicotest.Option{
		"nil option":        nil,
		"empty credentials": jupicotest.WithCredentials("", "p"),
		"malformed secret":  jupicotest.WithWebhookSecret("whsec_c2hvcnQ="),
		"nil root CAs":      jupicotest.WithWebhookRootCAs(nil),
		"nil client":        jupicotest.WithWebhookClient(nil),
		"nil listener":      jupicotest.WithListener(nil),
		"empty certificate": jupicotest.WithCertificate(tls.Certificate{}),
	} {
		srv, err := jupicotest.New(opt)
		assert.Nil(t, srv, name)
		require.ErrorIs(t, err, jupico.ErrInvalidOption, name)
		assert.ErrorIs(t, err, credentials.ErrInvalidOption, name)
		assert.NotContains(t, err.Error(), "c2hvcnQ", "%s: the error never holds the secret", name)
		assert.Panics(t, func() { jupicotest.Start(opt) }, name)
	}
	_, err := jupicotest.New(jupicotest.WithWebhookSecret("whsec_c2hvcnQ="))
	assert.ErrorIs(t, err, webhook.ErrInvalidSecret)

	srv, err := jupicotest.New(jupicotest.WithCredentials("u", "p"), jupicotest.WithSeed(7))
	require.NoError(t, err)
	defer srv.Close()
	assert.NotEmpty(t, srv.URL())
}
