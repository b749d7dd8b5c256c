// Package awssm reads Jupico API credentials and webhook signing secrets from
// AWS Secrets Manager, so that keys rotated there are picked up without a
// restart. It is a module of its own (github.com/jupico/jupico-go/
// credentials/awssm), so that the SDK's core module does not depend on the
// AWS SDK.
//
// # Setup
//
//	cfg, err := config.LoadDefaultConfig(ctx) // region and AWS credentials as usual
//	sm := secretsmanager.NewFromConfig(cfg)
//	api, err := awssm.Credentials(sm, "prod/jupico/api")
//	client, err := jupico.NewClient(jupico.WithCredentials(api))
//
// The secret string is a JSON object: {"username","password"} or {"apiKey"}
// (the key Jupico's Backoffice shows), optionally "expiresAt", as the
// console's key/value editor writes it. Other keys are ignored.
//
// WebhookSecrets reads a webhook signing secret (key "webhookSecret" by
// default, or the whole secret string) for credentials.NewSecretSet.
//
// The caller's IAM policy needs secretsmanager:GetSecretValue on the secret
// (and kms:Decrypt on its key when it is a customer-managed one).
//
// # Rotation with staging labels
//
// Secrets Manager keeps the version in use under the AWSCURRENT label and
// the one it replaced under AWSPREVIOUS. The credentials provider reads
// AWSCURRENT only: the client uses the new key from the moment a rotation
// finishes. The webhook provider reads AWSCURRENT and, for a window after
// the current version was created (WithPreviousFor, one hour by default),
// AWSPREVIOUS as well, so deliveries Jupico signed with the old secret still
// verify.
//
// Nothing is cached here: the credentials.Cache that jupico.Client wraps
// around the provider calls GetSecretValue every 5 minutes, and at once when
// Jupico answers 401 with the cached key, in which case the request is sent
// again with the new key. To rotate an API key: create it in Jupico's
// Backoffice, store it as the new AWSCURRENT version (put-secret-value, or a
// rotation function), then revoke the old key. No request fails on the way.
//
// # Errors and retries
//
// Throttling and server errors are retried by the AWS SDK's retryer
// (secretsmanager.Options.Retryer; exponential backoff with jitter) before a
// provider returns. Failures are *Error values carrying the AWS error code,
// status and request ID but not AWS's message; match them with errors.Is:
// ErrAccessDenied, ErrExpiredToken, ErrNotFound (which also matches
// credentials.ErrNoCredentials, so that credentials.Chain moves on),
// ErrThrottled, ErrDecryption, ErrUnavailable, ErrInvalidRequest.
// Malformed secrets are *credentials.ValidationError values that name the
// field, never its value.
//
// # Transport
//
// Requests go through the secretsmanager.Client you pass, with its own
// HTTP client and AWS credentials; its TLS defaults (TLS 1.2 or newer,
// certificates verified) are the AWS SDK's. Point BaseEndpoint at a VPC
// endpoint or, in tests, at an in-process server.
package awssm
