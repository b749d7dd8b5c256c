package vault

import (
	"context"
	"errors"
	"time"

	"github.com/jupico/jupico-go/credentials"
)

// CredentialsProvider reads Jupico API credentials from a KV version 2
// secret. It implements credentials.Provider, so it plugs into
// jupico.WithCredentials, credentials.Chain and credentials.NewCache. Build
// it with Client.Credentials. It keeps no state between calls and is safe
// for concurrent use.
type CredentialsProvider struct {
	c   *Client
	loc kvPath
}

// Credentials returns a provider of the credentials held by the KV version 2
// secret at path under mount (GET /v1/<mount>/data/<path>), such as
// Credentials("secret", "jupico/api"). The secret's data holds "username"
// and "password", or "apiKey" (the base64 key Jupico's Backoffice shows),
// with an optional "expiresAt" (RFC 3339); other keys are ignored, so one
// secret may also hold the webhook signing secret.
//
// Errors match ErrInvalidOption: an empty mount or path, an empty, "." or
// ".." segment, whitespace or control characters.
func (c *Client) Credentials(mount, path string) (*CredentialsProvider, error) {
	loc, err := newKVPath(mount, path)
	if err != nil {
		return nil, err
	}
	return &CredentialsProvider{c: c, loc: loc}, nil
}

// Retrieve implements credentials.Provider: it reads the latest version of
// the secret. Credentials.Source is "vault:<mount>/<path>@v<version>".
//
// When Vault gives the read a lease (lease_duration above zero),
// Credentials.Expires is the end of that lease (or the secret's expiresAt,
// if sooner), so a credentials.Cache re-reads ahead of it and never uses the
// value after it. With the Cache's defaults (5-minute jittered interval,
// advisory window of at most half the lifetime) that re-read comes no later
// than two thirds of the way through the lease. KV version 2 secrets
// normally carry no lease: they are then re-read on the Cache's interval,
// and at once when Jupico answers 401.
//
// Errors: an *Error for an error answer (match ErrPermissionDenied,
// ErrNotFound, ErrThrottled, ErrSealed, ErrUnavailable); an error matching
// ErrNotFound when the latest version is deleted; ErrToken, ErrRedirect,
// ErrResponseTooLarge or ErrMalformedResponse (wrapped); a
// *credentials.ValidationError naming the field, never its value, for
// malformed data; ctx's error, wrapped. Errors matching ErrNotFound also
// match credentials.ErrNoCredentials, so a credentials.Chain moves on.
func (p *CredentialsProvider) Retrieve(ctx context.Context) (credentials.Credentials, error) {
	s, err := p.c.read(ctx, p.loc, 0)
	if err != nil {
		return credentials.Credentials{}, err
	}
	src := p.loc.display(s.version)
	if s.data == nil {
		return credentials.Credentials{}, &deletedError{what: src}
	}
	c, err := credentials.ParseDocument(s.data, src)
	if err != nil {
		return credentials.Credentials{}, err
	}
	if s.lease > 0 {
		if end := p.c.now().Add(s.lease); c.Expires.IsZero() || end.Before(c.Expires) {
			c.Expires = end
		}
	}
	return c, nil
}

// DefaultSecretField is the key of a secret's data that WebhookSecrets reads
// when WithField is not given.
const DefaultSecretField = "webhookSecret"

type secretConfig struct {
	field       string
	previousFor time.Duration
}

// WithField sets the key of the secret's data that holds the signing
// secret. The default is DefaultSecretField. An empty name is an error
// matching ErrInvalidOption, and so is passing it to NewClient.
func WithField(name string) Option {
	return func(c *config) error {
		if err := c.only(forSecrets, "WithField"); err != nil {
			return err
		}
		if name == "" {
			return &configError{msg: "WithField with an empty name"}
		}
		c.secret.field = name
		return nil
	}
}

// WithPreviousFor sets how long after the current version of the secret was
// created the previous version is still returned: the rotation window in
// which Jupico may still sign with the old secret. It is measured from
// Vault's created_time, so it holds across restarts. Zero never returns the
// previous version (after a leak, say). The default is
// credentials.DefaultGracePeriod. A negative d is an error matching
// ErrInvalidOption, and so is passing it to NewClient.
func WithPreviousFor(d time.Duration) Option {
	return func(c *config) error {
		if err := c.only(forSecrets, "WithPreviousFor"); err != nil {
			return err
		}
		if d < 0 {
			return &configError{msg: "WithPreviousFor with a negative duration"}
		}
		c.secret.previousFor = d
		return nil
	}
}

// SecretProvider reads webhook signing secrets from a KV version 2 secret:
// the current version's, then the previous version's during a rotation. It
// implements credentials.SecretProvider, for credentials.NewSecretSet. Build
// it with Client.WebhookSecrets. It keeps no state between calls and is safe
// for concurrent use.
type SecretProvider struct {
	c   *Client
	loc kvPath
	cfg secretConfig
}

// WebhookSecrets returns a provider of the webhook signing secrets held by
// the KV version 2 secret at path under mount, in the key of its data named
// by WithField ("webhookSecret" by default).
//
// Errors match ErrInvalidOption: an invalid mount or path (see
// Credentials), a nil Option, an option with a bad value (an empty field
// name, a negative WithPreviousFor) or one meant for NewClient.
func (c *Client) WebhookSecrets(mount, path string, opts ...Option) (*SecretProvider, error) {
	loc, err := newKVPath(mount, path)
	if err != nil {
		return nil, err
	}
	cfg := config{target: forSecrets, secret: secretConfig{field: DefaultSecretField, previousFor: credentials.DefaultGracePeriod}}
	for _, o := range opts {
		if o == nil {
			return nil, &configError{msg: "nil option"}
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	return &SecretProvider{c: c, loc: loc, cfg: cfg.secret}, nil
}

// RetrieveSecrets implements credentials.SecretProvider. It reads the latest
// version of the secret and returns its signing secret first. If that
// version was created less than WithPreviousFor ago, it also reads the
// version before it (GET ...?version=N-1) and returns its signing secret
// second, when that version still exists, holds the field and differs. The
// credentials.SecretSet then also keeps the previous secret for its own
// grace period once it sees the rotation.
//
// Errors: as CredentialsProvider.Retrieve; a latest version without the
// field is a *credentials.ValidationError (ReasonMissing). A previous
// version that is deleted, destroyed, without the field or malformed is
// skipped; any other failure to read it is returned, and the SecretSet keeps
// the secrets it has.
func (p *SecretProvider) RetrieveSecrets(ctx context.Context) ([]credentials.Secret, error) {
	cur, err := p.c.read(ctx, p.loc, 0)
	if err != nil {
		return nil, err
	}
	src := p.loc.display(cur.version)
	if cur.data == nil {
		return nil, &deletedError{what: src}
	}
	s, ok, err := credentials.ParseSigningSecret(cur.data, src, p.cfg.field)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &credentials.ValidationError{Source: src, Field: p.cfg.field, Reason: credentials.ReasonMissing}
	}
	out := []credentials.Secret{s}
	if p.cfg.previousFor == 0 || cur.version <= 1 {
		return out, nil
	}
	if !cur.created.IsZero() && !p.c.now().Before(cur.created.Add(p.cfg.previousFor)) {
		return out, nil
	}
	prev, err := p.c.read(ctx, p.loc, cur.version-1)
	switch {
	case errors.Is(err, ErrNotFound):
		return out, nil // deleted or destroyed
	case err != nil:
		return nil, err
	case prev.data == nil:
		return out, nil
	}
	ps, ok, err := credentials.ParseSigningSecret(prev.data, p.loc.display(cur.version-1), p.cfg.field)
	if err == nil && ok && !ps.Equal(s) {
		out = append(out, ps)
	}
	return out, nil
}

// deletedError reports a latest version that is deleted or destroyed. It
// matches ErrNotFound and credentials.ErrNoCredentials.
type deletedError struct{ what string }

func (e *deletedError) Error() string {
	return "vault: " + e.what + ": latest version deleted or destroyed"
}
func (e *deletedError) Unwrap() []error {
	return []error{ErrNotFound, credentials.ErrNoCredentials}
}
