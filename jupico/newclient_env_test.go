package jupico_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// envVars are every variable NewClient consults: the six credentials.FromEnv
// reads and the proxy variables the transport reads.
var envVars = []string{
	credentials.EnvUsername, credentials.EnvPassword, credentials.EnvAPIKey,
	credentials.EnvUsername + "_FILE", credentials.EnvPassword + "_FILE", credentials.EnvAPIKey + "_FILE",
	"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "REQUEST_METHOD",
}

func clearEnv(t *testing.T) {
	t.Helper()
	for _, k := range envVars {
		t.Setenv(k, "")
	}
}

// With no WithCredentials and none of FromEnv's variables set (or all set
// empty), NewClient fails and says what to set, instead of the first
// payment failing. Any other provider is still read lazily.
func TestNewClientWithoutCredentialsInTheEnvironment(t *testing.T) {
	clearEnv(t)
	for _, opts := range [][]jupico.Option{nil, {jupico.WithEnvironment(jupico.EnvironmentProduction)}, {jupico.WithBaseURL("https://127.0.0.1:8443")}} {
		c, err := jupico.NewClient(opts...)
		require.Error(t, err)
		assert.Nil(t, c)
		assert.ErrorIs(t, err, jupico.ErrInvalidOption)
		assert.ErrorIs(t, err, credentials.ErrNoCredentials)
		for _, v := range []string{"JUPICO_API_KEY", "JUPICO_API_USERNAME", "JUPICO_API_PASSWORD", "_FILE", "WithCredentials"} {
			assert.Contains(t, err.Error(), v)
		}
	}

	// Set: read lazily, as before, even when what is set is wrong or
	// names a file that does not exist (reading it is I/O).
	for k, v := range map[string]string{
		credentials.EnvAPIKey:             "not-a-key",
		credentials.EnvUsername:           "someone",
		credentials.EnvAPIKey + "_FILE":   filepath.Join(t.TempDir(), "missing"),
		credentials.EnvPassword + "_FILE": filepath.Join(t.TempDir(), "missing"),
	} {
		clearEnv(t)
		t.Setenv(k, v)
		c, err := jupico.NewClient()
		require.NoError(t, err, k)
		require.NoError(t, c.Close())
	}

	// Another provider with nothing in the environment: lazily, as before.
	clearEnv(t)
	srv := jupicotest.NewServer(t)
	c, err := jupico.NewClient(srv.ClientOptions()...)
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Status(context.Background())
	require.NoError(t, err)
	c2, err := jupico.NewClient(jupico.WithCredentials(credentials.Chain()))
	require.NoError(t, err, "an empty chain is a provider like any other")
	require.NoError(t, c2.Close())
}

// A proxy variable that does not parse fails NewClient (net/http would
// ignore it and connect directly, past the egress proxy), without
// repeating the proxy's credentials.
func TestNewClientRefusesAProxyThatDoesNotParse(t *testing.T) {
	srv := jupicotest.NewServer(t)
	for _, tc := range []struct{ name, value string }{
		{"HTTPS_PROXY", "http://proxyuser:pa%ss@proxy.corp:3128"},
		{"https_proxy", "http://proxyuser:secret@proxy.corp:port"},
		{"HTTPS_PROXY", "ftp://proxy.corp"},
		{"HTTPS_PROXY", "http://"},
	} {
		clearEnv(t)
		t.Setenv(tc.name, tc.value)
		c, err := jupico.NewClient(srv.ClientOptions()...)
		require.ErrorIs(t, err, jupico.ErrInvalidOption, "%s=%s", tc.name, tc.value)
		assert.Nil(t, c)
		assert.Contains(t, err.Error(), tc.name)
		for _, s := range []string{"proxyuser", "pa%ss", "secret", tc.value} {
			assert.NotContains(t, err.Error(), s)
		}
	}

	// A good proxy is accepted, and loopback (the fake) still goes direct.
	clearEnv(t)
	t.Setenv("HTTPS_PROXY", "http://proxyuser:secret@proxy.corp:3128")
	c, err := jupico.NewClient(srv.ClientOptions()...)
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Status(context.Background())
	require.NoError(t, err)
}
