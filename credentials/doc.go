// Package credentials supplies the API keys the Jupico client authenticates
// with and the secrets its webhook verifier accepts, rotates them without a
// restart, and keeps them from leaking.
//
// Jupico authenticates every request with HTTP Basic auth. What its
// Backoffice calls the API key is the base64 of "username:password";
// Credentials hold either the username and password (NewBasic) or that
// pre-encoded key (NewAPIKey), and produce the Authorization header.
//
// # Providers
//
// A Provider answers Retrieve with Credentials. Jupico's security guidance is
// to keep keys out of code and in the environment, and to rotate them; the
// providers make that the easy path:
//
//   - FromEnv reads JUPICO_API_USERNAME and JUPICO_API_PASSWORD, or
//     JUPICO_API_KEY, each also as a _FILE variant naming a file (Docker and
//     Kubernetes secrets).
//   - FromFile reads a JSON file ({"username","password"} or {"apiKey"},
//     optional "expiresAt") or a Kubernetes secret directory, and re-reads it
//     when it changes, including Kubernetes' atomic "..data" symlink swap.
//   - FromCommand runs a credential helper that prints the same JSON, the
//     convention of AWS's credential_process, so any secret manager's CLI
//     can supply keys. Each run is bounded by a timeout, killed with its
//     process group when it overruns, and always reaped; its output is
//     capped; its standard error never reaches an error.
//   - Chain asks providers in turn. ErrNoCredentials ("nothing here") moves
//     on to the next; any other error stops the chain, since falling
//     through would hide a misconfiguration. Its error lists every failure.
//   - Static and StaticAPIKey are for tests and examples only.
//
// A typical production setup is
//
//	creds := credentials.NewCache(credentials.Chain(
//		credentials.FromEnv(),
//		credentials.FromFile("/var/run/secrets/jupico"),
//	))
//	defer creds.Close()
//
// # Validation and the trailing-newline policy
//
// Every constructor and provider validates what it reads and reports each
// problem as a *ValidationError whose Source names the variable, file or
// command and whose Field names the value, with a Reason per case: empty,
// missing, whitespace or control characters inside, not UTF-8, a colon in the
// username, an API key that is not standard padded base64 or does not decode
// to "username:password", conflicting settings, a malformed document. No
// error ever carries a value or any part of one.
//
// Newlines: a mounted secret file usually ends with a newline, and Jupico's
// own published sandbox key (ZGVtb0FwaVVzZXI6VjhtIXhQI2wyUXozCg==) decodes
// to "demoApiUser:V8m!xP#l2Qz3\n". So:
//
//   - an API key string is trimmed of surrounding whitespace (base64 cannot
//     contain any; whitespace inside, as in a line-wrapped key, is an
//     error), then sent byte for byte, never re-encoded; its decoded form
//     may end in exactly one "\n" or "\r\n", and nothing else in it may be
//     whitespace or a control character;
//   - a username or password read from a file (a _FILE variable, a secret
//     directory) loses exactly one trailing "\n" or "\r\n"; any other
//     whitespace is an error;
//   - a username or password from an environment variable, a JSON document
//     or NewBasic is taken as is: a newline there is an error;
//   - a webhook signing secret is trimmed of surrounding whitespace.
//
// # Caching and rotation
//
// Cache wraps a Provider: the client wraps its provider in one. Its read path
// is two atomic loads with no lock and no allocation. It refreshes on an
// interval and ahead of Credentials.Expires: in an advisory window one
// background goroutine refreshes while callers keep the current value; in a
// mandatory window callers wait, and however many they are, the provider is
// called once. Refresh times are jittered so a fleet does not refresh in
// step. A failed refresh keeps the last good credentials in use until they
// expire and backs off before asking again.
//
// When Jupico answers 401, the client calls Cache.Invalidate with the
// credentials that were rejected: they are dropped only if they are still the
// cached ones, so a burst of 401s causes a single refresh, and the client
// sends the request again if Retrieve then returns different credentials
// (up to three times per call). WithOnRotate
// observes rotations. Defaults: refresh every 5 minutes, advisory window 5
// minutes and mandatory window 1 minute before expiry, jitter 50%, provider
// call timeout 30 seconds, backoff from 1 second to 1 minute.
//
// Clock and randomness are set per Cache (WithClock, WithRandom); the
// package has no global mutable state. Close stops a Cache's timers and
// waits for a refresh in progress.
//
// # Webhook signing secrets
//
// SecretSet is the rotating set of secrets a webhook verifier accepts,
// refreshed by the same machinery. Its SigningSecrets method returns the
// current secret first, then any others the SecretProvider returns, then the
// previous current secret for a grace period after a rotation (default one
// hour), so deliveries signed just before the rotation still verify.
// SigningSecrets is lock-free and returns the same slice until the set
// changes. Feed it with SecretsFromEnv, SecretsFromFile or a
// SecretProviderFunc:
//
//	secrets, err := credentials.NewSecretSet(ctx,
//		credentials.SecretsFromEnv("JUPICO_WEBHOOK_SECRET", "JUPICO_WEBHOOK_SECRET_PREVIOUS"))
//
// # Secrets and redaction
//
// Secret holds a password, key, header or signing secret and prints as
// "[REDACTED]" through every fmt verb, slog's handlers, encoding/json and
// encoding.TextMarshaler; Reveal is the only way to read it, and Equal
// compares in constant time. Credentials print their username and Source
// only. Even printers that bypass methods (fmt on unexported fields, go-spew
// in testify's failure messages) find no secret bytes: the value is held by a
// closure behind a pointer.
package credentials
