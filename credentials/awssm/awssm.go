package awssm

import (
	"context"
	"strings"
	"time"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/jupico/jupico-go/credentials"
)

// Staging labels Secrets Manager attaches to the versions of a secret: the
// one in use, and the one it replaced at the last rotation.
const (
	StageCurrent  = "AWSCURRENT"
	StagePrevious = "AWSPREVIOUS"
)

// maxSecretString is the largest secret string read: Secrets Manager's own
// limit on a secret value is 64 KiB.
const maxSecretString = 64 << 10

// GetSecretValueAPI is the one method of *secretsmanager.Client that the
// providers call. Pass a *secretsmanager.Client, or anything with this
// method (a wrapper with metrics, a test double).
type GetSecretValueAPI interface {
	GetSecretValue(ctx context.Context, params *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// version is what the providers use of a GetSecretValue answer.
type version struct {
	value   string
	id      string
	created time.Time // zero if the answer did not say
}

// source names a version in Credentials.Source and validation errors.
func source(id, versionID string) string {
	s := "awssm:" + id
	if versionID != "" {
		s += "@" + versionID
	}
	return s
}

// get calls GetSecretValue for the version with the staging label stage.
func get(ctx context.Context, api GetSecretValueAPI, id, stage string) (version, error) {
	out, err := api.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &id, VersionStage: &stage})
	if err != nil {
		return version{}, wrapError(err, id, stage)
	}
	if out == nil {
		return version{}, &Error{SecretID: id, Stage: stage, err: ErrMalformedResponse}
	}
	var v version
	if out.VersionId != nil {
		v.id = *out.VersionId
	}
	if out.CreatedDate != nil {
		v.created = *out.CreatedDate
	}
	src := source(id, v.id)
	switch {
	case out.SecretString == nil: // a binary secret, or none
		return v, &credentials.ValidationError{Source: src, Field: "SecretString", Reason: credentials.ReasonMissing}
	case len(*out.SecretString) > maxSecretString:
		return v, &credentials.ValidationError{Source: src, Field: "SecretString", Reason: credentials.ReasonTooLarge}
	}
	v.value = *out.SecretString
	return v, nil
}

func checkConfig(api GetSecretValueAPI, id string) error {
	switch {
	case api == nil:
		return &configError{msg: "nil GetSecretValueAPI"}
	case id == "":
		return &configError{msg: "empty secret id"}
	case len(id) > 2048:
		return &configError{msg: "secret id longer than 2048 characters"}
	case strings.IndexFunc(id, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return &configError{msg: "secret id contains whitespace or control characters"}
	}
	return nil
}

// CredentialsProvider reads Jupico API credentials from the AWSCURRENT
// version of a secret. It implements credentials.Provider, so it plugs into
// jupico.WithCredentials, credentials.Chain and credentials.NewCache. Build
// it with Credentials. It keeps no state between calls and is safe for
// concurrent use if its GetSecretValueAPI is (a *secretsmanager.Client is).
type CredentialsProvider struct {
	api GetSecretValueAPI
	id  string
}

// Credentials returns a provider of the credentials held by the secret
// secretID (a name or an ARN). Its secret string is a JSON object with
// "username" and "password", or "apiKey" (the base64 key Jupico's Backoffice
// shows), and an optional "expiresAt" (RFC 3339); other keys are ignored, so
// the object may also hold the webhook signing secret or a rotation
// function's bookkeeping.
//
// Errors match ErrInvalidOption: a nil api, an empty secret ID, one longer
// than 2048 characters or with whitespace or control characters.
func Credentials(api GetSecretValueAPI, secretID string) (*CredentialsProvider, error) {
	if err := checkConfig(api, secretID); err != nil {
		return nil, err
	}
	return &CredentialsProvider{api: api, id: secretID}, nil
}

// Retrieve implements credentials.Provider: one GetSecretValue call for the
// AWSCURRENT version. During a rotation the client so keeps using the key
// in force until the rotation finishes and AWSCURRENT moves, then picks up
// the new one at the cache's next refresh or at once on Jupico's 401.
// Credentials.Source is "awssm:<secretID>@<versionId>".
//
// Throttling and server errors are retried by the SDK's retryer
// (secretsmanager.Options.Retryer) before Retrieve returns.
//
// Errors: an *Error for a failed call (match ErrAccessDenied,
// ErrExpiredToken, ErrNotFound, ErrThrottled, ErrDecryption,
// ErrUnavailable, ErrInvalidRequest, ErrMalformedResponse, or ctx's error);
// a *credentials.ValidationError naming the field, never its value, for a
// secret that is binary, over 64 KiB or not a valid document. Errors
// matching ErrNotFound also match credentials.ErrNoCredentials, so a
// credentials.Chain moves on.
func (p *CredentialsProvider) Retrieve(ctx context.Context) (credentials.Credentials, error) {
	v, err := get(ctx, p.api, p.id, StageCurrent)
	if err != nil {
		return credentials.Credentials{}, err
	}
	return credentials.ParseDocument([]byte(v.value), source(p.id, v.id))
}

// DefaultSecretField is the key of the secret's JSON object that
// WebhookSecrets reads when WithField is not given.
const DefaultSecretField = "webhookSecret"

// Option configures WebhookSecrets. Options validate their input:
// WebhookSecrets returns an error matching ErrInvalidOption for a nil
// Option or an option with a bad value (the first found).
type Option func(*config) error

type config struct {
	field       string
	previousFor time.Duration
	now         func() time.Time
}

// WithField sets the key of the secret's JSON object that holds the signing
// secret. The empty name reads the whole secret string as the signing
// secret (a plaintext secret). The default is DefaultSecretField.
func WithField(name string) Option {
	return func(c *config) error { c.field = name; return nil }
}

// WithPreviousFor sets how long after the AWSCURRENT version was created
// the AWSPREVIOUS version's secret is still returned: the rotation window in
// which Jupico may still sign with the old secret. It is measured from the
// version's CreatedDate, so it holds across restarts. Zero never returns the
// previous secret (after a leak, say). The default is
// credentials.DefaultGracePeriod. A negative d is an error matching
// ErrInvalidOption.
func WithPreviousFor(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return &configError{msg: "WithPreviousFor with a negative duration"}
		}
		c.previousFor = d
		return nil
	}
}

// WithClock sets the clock that WithPreviousFor is measured with, for tests;
// only its Now method is used. The default is the system clock; a nil clock
// is an error matching ErrInvalidOption.
func WithClock(clock credentials.Clock) Option {
	return func(c *config) error {
		if clock == nil {
			return &configError{msg: "WithClock with a nil clock"}
		}
		c.now = clock.Now
		return nil
	}
}

// SecretProvider reads webhook signing secrets from a secret's AWSCURRENT
// and, during a rotation, AWSPREVIOUS versions. It implements
// credentials.SecretProvider, for credentials.NewSecretSet. Build it with
// WebhookSecrets. It keeps no state between calls and is safe for
// concurrent use if its GetSecretValueAPI is.
type SecretProvider struct {
	api GetSecretValueAPI
	id  string
	cfg config
}

// WebhookSecrets returns a provider of the webhook signing secrets held by
// the secret secretID, in the key of its JSON object named by WithField
// ("webhookSecret" by default).
//
// Errors match ErrInvalidOption: as Credentials, a nil Option, or an
// option with a bad value (a negative WithPreviousFor, a nil WithClock).
func WebhookSecrets(api GetSecretValueAPI, secretID string, opts ...Option) (*SecretProvider, error) {
	if err := checkConfig(api, secretID); err != nil {
		return nil, err
	}
	cfg := config{field: DefaultSecretField, previousFor: credentials.DefaultGracePeriod, now: time.Now}
	for _, o := range opts {
		if o == nil {
			return nil, &configError{msg: "nil option"}
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	return &SecretProvider{api: api, id: secretID, cfg: cfg}, nil
}

// RetrieveSecrets implements credentials.SecretProvider. It returns the
// AWSCURRENT version's signing secret first and, if that version was created
// less than WithPreviousFor ago (or its creation date is unknown), the
// AWSPREVIOUS version's second, when there is one that holds the field and
// differs. So during a rotation the webhook verifier accepts both while the
// client uses AWSCURRENT only.
//
// Errors: as CredentialsProvider.Retrieve; an AWSCURRENT version without the
// field is a *credentials.ValidationError (ReasonMissing). An AWSPREVIOUS
// version that is missing, binary, malformed or without the field is
// skipped; any other failure to read it is returned, and the SecretSet keeps
// the secrets it has.
func (p *SecretProvider) RetrieveSecrets(ctx context.Context) ([]credentials.Secret, error) {
	cur, err := get(ctx, p.api, p.id, StageCurrent)
	if err != nil {
		return nil, err
	}
	s, ok, err := p.parse(cur)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, &credentials.ValidationError{Source: source(p.id, cur.id), Field: p.cfg.field, Reason: credentials.ReasonMissing}
	}
	out := []credentials.Secret{s}
	if p.cfg.previousFor == 0 || (!cur.created.IsZero() && !p.cfg.now().Before(cur.created.Add(p.cfg.previousFor))) {
		return out, nil
	}
	prev, err := get(ctx, p.api, p.id, StagePrevious)
	if err != nil {
		if _, invalid := err.(*credentials.ValidationError); invalid || isNotFound(err) {
			return out, nil
		}
		return nil, err
	}
	if prev.id != "" && prev.id == cur.id {
		return out, nil
	}
	if ps, ok, err := p.parse(prev); err == nil && ok && !ps.Equal(s) {
		out = append(out, ps)
	}
	return out, nil
}

// parse reads the signing secret of one version.
func (p *SecretProvider) parse(v version) (credentials.Secret, bool, error) {
	src := source(p.id, v.id)
	if p.cfg.field == "" {
		s, err := credentials.SigningSecret(v.value, src, "SecretString")
		return s, err == nil, err
	}
	return credentials.ParseSigningSecret([]byte(v.value), src, p.cfg.field)
}

func isNotFound(err error) bool {
	e, ok := err.(*Error)
	return ok && e.Is(ErrNotFound)
}
