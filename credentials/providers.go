package credentials

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
)

// Environment variables FromEnv reads. Each also has a _FILE variant
// (JUPICO_API_KEY_FILE...) naming a file that holds the value, as Docker and
// Kubernetes secrets are mounted.
const (
	EnvUsername = "JUPICO_API_USERNAME"
	EnvPassword = "JUPICO_API_PASSWORD"
	EnvAPIKey   = "JUPICO_API_KEY"
)

// fileSuffix turns a variable name into the name of its _FILE variant.
const fileSuffix = "_FILE"

// Static returns a provider that always answers with the given username and
// password. It is meant for tests and examples: production keys belong in the
// environment, a file or a secret manager, never in code. Invalid input is
// reported by every Retrieve as a *ValidationError. The provider is safe for
// concurrent use.
func Static(username, password string) Provider {
	c, err := NewBasic(username, password)
	if err == nil {
		c.Source = "static"
	}
	return ProviderFunc(func(context.Context) (Credentials, error) { return c, err })
}

// StaticAPIKey is Static for a pre-encoded API key (see NewAPIKey). Like
// Static, it is meant for tests and examples only.
func StaticAPIKey(key string) Provider {
	c, err := NewAPIKey(key)
	if err == nil {
		c.Source = "static"
	}
	return ProviderFunc(func(context.Context) (Credentials, error) { return c, err })
}

// FromEnv returns a provider that reads, at every Retrieve, either
// JUPICO_API_USERNAME and JUPICO_API_PASSWORD, or JUPICO_API_KEY (the
// pre-encoded key). Each variable X may instead be given as X_FILE, the path
// of a file holding the value (Docker and Kubernetes secrets); one trailing
// "\n" or "\r\n" is stripped from such a file, and at most 64 KiB is read.
//
// Errors: with none of the six variables set, an error wrapping
// ErrNoCredentials. A variable that is set but empty or malformed, a username
// without a password, both X and X_FILE, or both a key and a username or
// password, give a *ValidationError naming the variable (never the value). A
// _FILE that cannot be read gives an error naming the variable and the file.
//
// The provider is safe for concurrent use. Credentials.Source is "env".
func FromEnv() Provider {
	return ProviderFunc(func(context.Context) (Credentials, error) { return fromEnv(os.LookupEnv) })
}

// envValue is one variable resolved from X or X_FILE.
type envValue struct {
	name  string // the variable that was set: X or X_FILE
	value string
	set   bool
}

func lookupEnvValue(lookup func(string) (string, bool), name string) (envValue, error) {
	v, okV := lookup(name)
	path, okF := lookup(name + fileSuffix)
	switch {
	case okV && okF:
		return envValue{}, &ValidationError{Source: name + " and " + name + fileSuffix, Reason: ReasonConflict}
	case okV:
		return envValue{name: name, value: v, set: true}, nil
	case okF:
		fileVar := name + fileSuffix
		if path == "" {
			return envValue{}, &ValidationError{Source: fileVar, Reason: ReasonEmpty}
		}
		data, _, err := readFileLimited(path, maxDocumentSize)
		if err != nil {
			return envValue{}, &fileVarError{variable: fileVar, err: err}
		}
		return envValue{name: fileVar, value: trimOneNewline(string(data)), set: true}, nil
	}
	return envValue{}, nil
}

func fromEnv(lookup func(string) (string, bool)) (Credentials, error) {
	user, err := lookupEnvValue(lookup, EnvUsername)
	if err != nil {
		return Credentials{}, err
	}
	pass, err := lookupEnvValue(lookup, EnvPassword)
	if err != nil {
		return Credentials{}, err
	}
	key, err := lookupEnvValue(lookup, EnvAPIKey)
	if err != nil {
		return Credentials{}, err
	}
	basic := user.set || pass.set
	switch {
	case basic && key.set:
		other := user.name
		if !user.set {
			other = pass.name
		}
		return Credentials{}, &ValidationError{Source: key.name + " and " + other, Reason: ReasonConflict}
	case basic:
		if !user.set {
			return Credentials{}, &ValidationError{Source: EnvUsername, Reason: ReasonMissing}
		}
		if !pass.set {
			return Credentials{}, &ValidationError{Source: EnvPassword, Reason: ReasonMissing}
		}
		c, err := NewBasic(user.value, pass.value)
		if err != nil {
			var ve *ValidationError
			if errors.As(err, &ve) {
				src := user.name
				if ve.Field == "password" {
					src = pass.name
				}
				return Credentials{}, &ValidationError{Source: src, Reason: ve.Reason}
			}
			return Credentials{}, err
		}
		c.Source = "env"
		return c, nil
	case key.set:
		c, err := NewAPIKey(key.value)
		if err != nil {
			var ve *ValidationError
			if errors.As(err, &ve) {
				return Credentials{}, &ValidationError{Source: key.name, Reason: ve.Reason}
			}
			return Credentials{}, err
		}
		c.Source = "env"
		return c, nil
	}
	return Credentials{}, &notFoundError{what: "environment: none of " + EnvUsername + ", " + EnvPassword + ", " + EnvAPIKey + " (or their " + fileSuffix + " variants) is set"}
}

// trimOneNewline strips one trailing "\n" or "\r\n", the newline that files
// written by editors, echo and Kubernetes tooling usually end with.
func trimOneNewline(s string) string {
	if t, ok := strings.CutSuffix(s, "\r\n"); ok {
		return t
	}
	t, _ := strings.CutSuffix(s, "\n")
	return t
}

// fileVarError reports a _FILE variable whose file cannot be read.
type fileVarError struct {
	variable string
	err      error
}

func (e *fileVarError) Error() string {
	return "credentials: " + e.variable + ": " + strings.TrimPrefix(e.err.Error(), "credentials: ")
}
func (e *fileVarError) Unwrap() error { return e.err }

// notFoundError says where a provider looked; it wraps ErrNoCredentials.
type notFoundError struct {
	what string
	err  error // optional cause, such as fs.ErrNotExist
}

func (e *notFoundError) Error() string { return "credentials: " + e.what }
func (e *notFoundError) Unwrap() []error {
	if e.err == nil {
		return []error{ErrNoCredentials}
	}
	return []error{ErrNoCredentials, e.err}
}

// Chain returns a provider that asks each of providers in turn and returns
// the first credentials one of them answers with. A provider whose error
// wraps ErrNoCredentials is skipped; any other error (a malformed key, a
// failing command, a cancelled ctx) stops the chain, because falling through
// to another source would hide a misconfiguration.
//
// The error lists every provider's failure in order, each described by its
// own error, so without values. When every provider found nothing, it wraps
// all of their errors and so matches ErrNoCredentials; when one failed, it
// wraps that failure only (and matches ErrInvalid, context.Canceled... as
// that failure does), never ErrNoCredentials. A Chain of no providers always
// returns an error wrapping ErrNoCredentials. Nil providers are ignored.
//
// The chain keeps no state; it is safe for concurrent use if its providers
// are. Wrap it in a Cache so it is not asked on every request.
func Chain(providers ...Provider) Provider {
	ps := make([]Provider, 0, len(providers))
	for _, p := range providers {
		if p != nil {
			ps = append(ps, p)
		}
	}
	return ProviderFunc(func(ctx context.Context) (Credentials, error) {
		var errs []error
		for _, p := range ps {
			if err := ctx.Err(); err != nil {
				return Credentials{}, &chainError{errs: append(errs, err), hard: true}
			}
			c, err := p.Retrieve(ctx)
			if err == nil {
				if c.IsZero() {
					err = errEmptyCredentials
				} else {
					return c, nil
				}
			}
			errs = append(errs, err)
			if !errors.Is(err, ErrNoCredentials) {
				return Credentials{}, &chainError{errs: errs, hard: true}
			}
		}
		if len(errs) == 0 {
			return Credentials{}, &notFoundError{what: "chain of no providers"}
		}
		return Credentials{}, &chainError{errs: errs}
	})
}

// errEmptyCredentials is what a provider that broke its contract (zero
// Credentials with a nil error) is reported as.
var errEmptyCredentials = errors.New("credentials: provider returned empty credentials")

// chainError lists the failures of a Chain. hard means the last one stopped
// the chain; then only that one is unwrapped.
type chainError struct {
	errs []error
	hard bool
}

func (e *chainError) Error() string {
	var b strings.Builder
	b.WriteString("credentials: chain: ")
	for i, err := range e.errs {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString("[" + strconv.Itoa(i+1) + "] ")
		b.WriteString(strings.TrimPrefix(err.Error(), "credentials: "))
	}
	return b.String()
}

func (e *chainError) Unwrap() []error {
	if e.hard {
		return e.errs[len(e.errs)-1:]
	}
	return e.errs
}
