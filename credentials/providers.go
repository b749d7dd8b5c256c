package credentials

import (
	"context"
	"os"
)

// Environment variables FromEnv reads.
const (
	EnvUsername = "JUPICO_API_USERNAME"
	EnvPassword = "JUPICO_API_PASSWORD"
	EnvAPIKey   = "JUPICO_API_KEY"
)

// Static returns a provider that always answers with the given username and
// password. It is meant for tests and examples: production keys belong in the
// environment, a file or a secret manager, never in code. Invalid input is
// reported by every Retrieve, as a *ValidationError.
func Static(username, password string) Provider {
	c, err := NewBasic(username, password)
	if err == nil {
		c.Source = "static"
	}
	return ProviderFunc(func(context.Context) (Credentials, error) { return c, err })
}

// StaticAPIKey is Static for a pre-encoded API key.
func StaticAPIKey(key string) Provider {
	c, err := NewAPIKey(key)
	if err == nil {
		c.Source = "static"
	}
	return ProviderFunc(func(context.Context) (Credentials, error) { return c, err })
}

// FromEnv returns a provider that reads JUPICO_API_USERNAME and
// JUPICO_API_PASSWORD, or else JUPICO_API_KEY (the pre-encoded key), at every
// Retrieve. With none of them set it returns an error wrapping
// ErrNoCredentials; a set but malformed value gives a *ValidationError naming
// the variable.
func FromEnv() Provider {
	return ProviderFunc(func(context.Context) (Credentials, error) {
		user, hasUser := os.LookupEnv(EnvUsername)
		pass, hasPass := os.LookupEnv(EnvPassword)
		if hasUser || hasPass {
			c, err := NewBasic(user, pass)
			if err != nil {
				return Credentials{}, renameSource(err, map[string]string{"username": EnvUsername, "password": EnvPassword})
			}
			c.Source = "env"
			return c, nil
		}
		if key, ok := os.LookupEnv(EnvAPIKey); ok {
			c, err := NewAPIKey(key)
			if err != nil {
				return Credentials{}, renameSource(err, map[string]string{"api key": EnvAPIKey})
			}
			c.Source = "env"
			return c, nil
		}
		return Credentials{}, &notFoundError{what: "environment: none of " + EnvUsername + ", " + EnvPassword + ", " + EnvAPIKey + " is set"}
	})
}

// renameSource replaces a ValidationError's generic field name by the name
// of the variable or file the value came from.
func renameSource(err error, names map[string]string) error {
	if ve, ok := err.(*ValidationError); ok {
		if n, ok := names[ve.Source]; ok {
			return &ValidationError{Source: n, Reason: ve.Reason}
		}
	}
	return err
}

type notFoundError struct{ what string }

func (e *notFoundError) Error() string { return "credentials: " + e.what }
func (e *notFoundError) Unwrap() error { return ErrNoCredentials }
