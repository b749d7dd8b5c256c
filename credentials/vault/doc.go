// Package vault reads Jupico API credentials and webhook signing secrets from
// HashiCorp Vault's KV version 2 secrets engine, so that keys rotated in
// Vault are picked up without a restart.
//
// It speaks Vault's HTTP API over net/http with the SDK's TLS policy (TLS
// 1.2 or newer, ECDHE-AEAD suites only, certificate verification always
// on, redirects never followed) and has no dependency beyond the SDK.
//
// # Setup
//
//	vc, err := vault.NewClient() // VAULT_ADDR, VAULT_TOKEN, VAULT_NAMESPACE, VAULT_CACERT
//	if err != nil {
//		log.Fatal(err) // bad configuration fails here
//	}
//	defer vc.Close()
//	api, err := vc.Credentials("secret", "jupico/api")
//	if err != nil {
//		log.Fatal(err)
//	}
//	client, err := jupico.NewClient(jupico.WithCredentials(api))
//
// The secret at secret/jupico/api holds {"username","password"} or
// {"apiKey"} (the key Jupico's Backoffice shows), optionally "expiresAt",
// as written by
//
//	vault kv put -mount=secret jupico/api username=... password=...
//
// Client.WebhookSecrets reads a webhook signing secret (key "webhookSecret"
// by default) for credentials.NewSecretSet, with the previous version's
// secret during a rotation.
//
// # Token
//
// The token comes from WithToken, VAULT_TOKEN, or a file (WithTokenFile)
// such as a Vault Agent's file sink, read again whenever it changes and at
// once when Vault answers 403. The client does not log in or renew tokens:
// that is the agent's job. The token is sent only in the X-Vault-Token
// header, only to the configured https address, and never appears in an
// error.
//
// # Rotation
//
// Nothing is cached here: every Retrieve reads Vault. The credentials.Cache
// that jupico.Client wraps around the provider re-reads in the background
// every 5 minutes, ahead of the end of a lease (see
// CredentialsProvider.Retrieve), and at once when Jupico answers 401 with the
// cached key, in which case the request is sent again with the new key. To
// rotate: create the new key in Jupico's Backoffice, write it to Vault (a new
// version), then revoke the old key. No request fails on the way.
//
// # Errors
//
// Vault's error answers are *Error values carrying the status, the path and
// Vault's messages with anything token-shaped redacted. Match them with
// errors.Is: ErrPermissionDenied (403), ErrNotFound (404, which also matches
// credentials.ErrNoCredentials so that credentials.Chain moves on),
// ErrThrottled (429), ErrSealed (503), ErrUnavailable (412, 429 and 5xx,
// retried with backoff before being returned). Malformed secrets are
// *credentials.ValidationError values that name the field, never its value.
// Response bodies are capped at 1 MiB.
package vault
