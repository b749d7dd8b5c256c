package jupico_test

import (
	"crypto/tls"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/jupico"
)

func TestNewClientDefaultsToSandbox(t *testing.T) {
	t.Parallel()
	creds := jupico.WithCredentials(credentials.Static("u", "p"))
	c, err := jupico.NewClient(creds)
	require.NoError(t, err)
	assert.Equal(t, "https://sandbox-platform.jupico.com", c.BaseURL())

	c, err = jupico.NewClient(creds, jupico.WithEnvironment(jupico.EnvironmentProduction))
	require.NoError(t, err)
	assert.Equal(t, "https://platform.jupico.com", c.BaseURL())
}

func TestWithBaseURLRejectsInsecureURLs(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{
		"http://platform.jupico.com",
		"HTTP://platform.jupico.com",
		"ftp://platform.jupico.com",
		"https://user:pass@platform.jupico.com",
		"https://user@platform.jupico.com",
		"https://platform.jupico.com/?debug=1",
		"https://platform.jupico.com?",
		"https://platform.jupico.com/#frag",
		"https://",
		"https:///v1",
		"https://:443",
		"platform.jupico.com",
		"//platform.jupico.com",
		"",
		" https://platform.jupico.com",
		"https://platform.jupico.com\n",
		"https:platform.jupico.com",
	} {
		_, err := jupico.NewClient(jupico.WithBaseURL(raw))
		assert.ErrorIs(t, err, jupico.ErrInsecureBaseURL, "base url %q", raw)
	}
	for _, raw := range []string{"https://platform.jupico.com", "https://127.0.0.1:8443", "https://egress.example.com/jupico/"} {
		_, err := jupico.NewClient(jupico.WithBaseURL(raw), jupico.WithCredentials(credentials.Static("u", "p")))
		assert.NoError(t, err, "base url %q", raw)
	}
}

func TestOptionsValidate(t *testing.T) {
	t.Parallel()
	cases := map[string]jupico.Option{
		"nil option":                   nil,
		"unknown environment":          jupico.WithEnvironment("staging"),
		"empty environment":            jupico.WithEnvironment(""),
		"nil credentials":              jupico.WithCredentials(nil),
		"nil roots":                    jupico.WithRootCAs(nil),
		"empty client cert":            jupico.WithClientCertificate(tls.Certificate{}),
		"zero timeout":                 jupico.WithTimeout(0),
		"negative timeout":             jupico.WithTimeout(-time.Second),
		"zero transaction timeout":     jupico.WithTransactionTimeout(0),
		"negative retry attempts":      jupico.WithRetry(jupico.RetryPolicy{MaxAttempts: -1}),
		"too many retry attempts":      jupico.WithRetry(jupico.RetryPolicy{MaxAttempts: 11}),
		"negative retry delay":         jupico.WithRetry(jupico.RetryPolicy{MinDelay: -1}),
		"huge retry delay":             jupico.WithRetry(jupico.RetryPolicy{MaxDelay: time.Hour}),
		"zero rate":                    jupico.WithRateLimit(0, 1),
		"zero burst":                   jupico.WithRateLimit(10, 0),
		"nil limiter":                  jupico.WithLimiter(nil),
		"nil logger":                   jupico.WithLogger(nil),
		"empty user agent":             jupico.WithUserAgent(""),
		"user agent header split":      jupico.WithUserAgent("app/1\r\nX-Evil: 1"),
		"user agent non-ascii":         jupico.WithUserAgent("app/1 é"),
		"nil middleware":               jupico.WithTransportMiddleware(nil),
		"zero max idle conns per host": jupico.WithMaxIdleConnsPerHost(0),
		"negative max idle conns":      jupico.WithMaxIdleConnsPerHost(-5),
	}
	for name, opt := range cases {
		_, err := jupico.NewClient(opt)
		assert.ErrorIs(t, err, jupico.ErrInvalidOption, name)
	}
	_, err := jupico.NewClient(
		jupico.WithCredentials(credentials.Static("u", "p")),
		jupico.WithTimeout(time.Second),
		jupico.WithTransactionTimeout(40*time.Second),
		jupico.WithRetry(jupico.NoRetry()),
		jupico.WithRateLimit(100, 10),
		jupico.WithLogger(slog.New(slog.DiscardHandler)),
		jupico.WithUserAgent("acme-checkout/2.3"),
		jupico.WithTransportMiddleware(func(rt http.RoundTripper) http.RoundTripper { return rt }),
		jupico.WithMaxIdleConnsPerHost(16),
	)
	assert.NoError(t, err)
}

func TestParseEnvironment(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]jupico.Environment{"sandbox": jupico.EnvironmentSandbox, " Production ": jupico.EnvironmentProduction, "SANDBOX": jupico.EnvironmentSandbox} {
		got, err := jupico.ParseEnvironment(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	_, err := jupico.ParseEnvironment("prod")
	assert.Error(t, err)
}
