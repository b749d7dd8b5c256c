package jupico_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

func TestBrowserSessionIsPassedThroughByteForByte(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client()
	sess, err := c.Sessions.Authorize(context.Background(), &jupico.BrowserSessionRequest{
		SubMerchantID:    merchant,
		CardTokenization: true,
		ApplePay:         &jupico.WalletOptions{Amount: jupico.Cents(1050), Description: "Order 1042"},
	})
	require.NoError(t, err)
	assert.Equal(t, jupicotest.SessionBody, string(sess), "the session reaches the browser unchanged, spacing included")

	body := string(srv.RequestsTo("/v1/sessions/browser/authorize")[0].Body)
	assert.JSONEq(t, `{"subMerchantId":"`+merchant+`","tokenization":{"enabled":true},"bankAccountTokenization":{"enabled":false},
		"applePay":{"enabled":true,"amount":10.50,"description":"Order 1042"},"googlePay":{"enabled":false}}`, body)
}

func TestBrowserSessionValidation(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client()
	for name, req := range map[string]*jupico.BrowserSessionRequest{
		"nil":                nil,
		"no merchant":        {CardTokenization: true},
		"no payment method":  {SubMerchantID: merchant},
		"wallet zero amount": {SubMerchantID: merchant, GooglePay: &jupico.WalletOptions{}},
	} {
		_, err := c.Sessions.Authorize(context.Background(), req)
		assert.ErrorIs(t, err, jupico.ErrValidation, name)
	}
	assert.Empty(t, srv.Requests())
}
