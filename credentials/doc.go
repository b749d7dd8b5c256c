// Package credentials supplies the API keys the Jupico client authenticates
// with, and keeps them from leaking.
//
// # Providers
//
// A Provider answers Retrieve with Credentials. The client calls it before
// every attempt of every request, so credentials that change where they are
// kept take effect without a restart. FromEnv reads JUPICO_API_USERNAME and
// JUPICO_API_PASSWORD, or JUPICO_API_KEY; Static is for tests and examples.
//
// # Secrets
//
// Secret holds a password, key or signing secret and prints as "[REDACTED]"
// through every fmt verb, slog and encoding/json. Reveal is the only way to
// read it.
package credentials
