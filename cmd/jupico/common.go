package main

import (
	"bufio"
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/jupico"
)

// maxInputBytes bounds every file the command reads.
const maxInputBytes = 1 << 20

func writeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// sdkModule is the module path of the SDK.
const sdkModule = "github.com/jupico/jupico-go"

// version is what jupico version prints: the command's module version and
// the SDK module's, as the build recorded them ("(devel)" for a build from
// a checkout), jupico.Version, and the Go toolchain.
type version struct {
	Command   string `json:"command"`
	SDKModule string `json:"sdkModule"`
	SDK       string `json:"sdk"`
	Go        string `json:"go"`
}

func versionInfo() version {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	return versionFrom(bi)
}

// versionFrom reads the versions from a build's information (nil: none).
// A module replaced by a directory, as cmd/jupico/go.work does, is the
// working tree: "(devel)".
func versionFrom(bi *debug.BuildInfo) version {
	v := version{Command: "(devel)", SDKModule: "(devel)", SDK: jupico.Version, Go: runtime.Version()}
	if bi == nil {
		return v
	}
	if bi.Main.Version != "" {
		v.Command = bi.Main.Version
	}
	for _, d := range bi.Deps {
		if d.Path != sdkModule {
			continue
		}
		switch {
		case d.Replace == nil:
			v.SDKModule = d.Version
		case d.Replace.Version != "" && d.Replace.Version != "(devel)":
			v.SDKModule = d.Replace.Path + " " + d.Replace.Version
		}
	}
	return v
}

func stdinIsTerminal() bool { return term.IsTerminal(int(os.Stdin.Fd())) }

func readPassword() ([]byte, error) { return term.ReadPassword(int(os.Stdin.Fd())) }

// conn is where a command connects: the flags every command calling
// Jupico takes.
type conn struct {
	env     string
	baseURL string
	caFile  string
	timeout time.Duration
}

func (c *conn) register(fs *flag.FlagSet, e *env) {
	def := e.getenv("JUPICO_ENV")
	if def == "" {
		def = string(jupico.EnvironmentSandbox)
	}
	fs.StringVar(&c.env, "env", def, `"sandbox" or "production" (default $JUPICO_ENV, else sandbox)`)
	fs.StringVar(&c.baseURL, "base-url", e.getenv("JUPICO_BASE_URL"), "an https base URL to use instead of the environment's, e.g. jupico fake's (default $JUPICO_BASE_URL)")
	fs.StringVar(&c.caFile, "ca-file", "", "a PEM file of the root certificates to trust for --base-url (default: the system's)")
	fs.DurationVar(&c.timeout, "timeout", 30*time.Second, "how long to wait for Jupico")
}

// options returns the client options for c, and a description of the
// target.
func (c *conn) options() ([]jupico.Option, string, error) {
	var opts []jupico.Option
	target := ""
	if c.baseURL != "" {
		opts = append(opts, jupico.WithBaseURL(c.baseURL))
		target = c.baseURL
	} else {
		env, err := jupico.ParseEnvironment(c.env)
		if err != nil {
			return nil, "", exit(exitUsage, "--env: %w", err)
		}
		opts = append(opts, jupico.WithEnvironment(env))
		target = fmt.Sprintf("Jupico %s at %s", env, env.BaseURL())
	}
	if c.caFile != "" {
		pool, err := readPool(c.caFile, "--ca-file")
		if err != nil {
			return nil, "", err
		}
		opts = append(opts, jupico.WithRootCAs(pool))
	}
	if c.timeout <= 0 {
		return nil, "", exit(exitUsage, "--timeout must be positive")
	}
	return opts, target, nil
}

// readPool reads a PEM file of certificates.
func readPool(path, flagName string) (*x509.CertPool, error) {
	b, err := readFile(path, flagName)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, exit(exitUsage, "%s %s: no PEM certificate in it", flagName, path)
	}
	return pool, nil
}

// readFile reads at most maxInputBytes of path; "-" is stdin. Its errors
// name the flag and the file, never the content.
func readFile(path, flagName string) ([]byte, error) {
	var r io.Reader
	if path == "-" {
		r = os.Stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, exit(exitUsage, "%s: %w", flagName, err)
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, maxInputBytes+1))
	if err != nil {
		return nil, exit(exitUsage, "%s %s: %w", flagName, path, err)
	}
	if len(b) > maxInputBytes {
		return nil, exit(exitUsage, "%s %s: larger than %d bytes", flagName, path, maxInputBytes)
	}
	return b, nil
}

// apiCredentials returns the provider of the API credentials: the
// environment, as the SDK reads it, or, when it holds none and stdin is a
// terminal, a prompt. prompt false leaves a missing credential to the
// caller's report.
func apiCredentials(ctx context.Context, e *env, prompt bool) (credentials.Provider, error) {
	p := credentials.FromEnv()
	_, err := p.Retrieve(ctx)
	switch {
	case err == nil:
		return p, nil
	case errors.Is(err, credentials.ErrNoCredentials) && e.terminal():
		fmt.Fprint(e.stderr, "Jupico API username: ")
		user, rerr := bufio.NewReader(e.stdin).ReadString('\n')
		if rerr != nil && user == "" {
			return nil, exit(exitUsage, "no credentials: reading the username: %w", rerr)
		}
		fmt.Fprint(e.stderr, "Jupico API password: ")
		pass, rerr := e.readPassword()
		fmt.Fprintln(e.stderr)
		if rerr != nil {
			return nil, exit(exitUsage, "no credentials: reading the password: %w", rerr)
		}
		c, cerr := credentials.NewBasic(strings.TrimSpace(user), string(pass))
		if cerr != nil {
			return nil, exit(exitUsage, "credentials typed in: %w", cerr)
		}
		c.Source = "prompt"
		return credentials.ProviderFunc(func(context.Context) (credentials.Credentials, error) { return c, nil }), nil
	case !prompt:
		return p, nil
	case errors.Is(err, credentials.ErrNoCredentials):
		return nil, exit(exitUsage, "no credentials: set JUPICO_API_USERNAME and JUPICO_API_PASSWORD, or JUPICO_API_KEY (or their _FILE variants)")
	default:
		return nil, exit(exitUsage, "%w", err)
	}
}

// webhookSecret returns the webhook signing secret: from the file, else
// JUPICO_WEBHOOK_SECRET or JUPICO_WEBHOOK_SECRET_FILE, else a prompt when
// stdin is a terminal. Errors name the source, never the value.
func webhookSecret(ctx context.Context, e *env, file string) (string, error) {
	if file != "" {
		b, err := readFile(file, "--secret-file")
		if err != nil {
			return "", err
		}
		s, err := credentials.SigningSecret(string(b), "--secret-file "+file, "")
		if err != nil {
			return "", exit(exitUsage, "%w", err)
		}
		return s.Reveal(), nil
	}
	secrets, err := credentials.SecretsFromEnv("JUPICO_WEBHOOK_SECRET").RetrieveSecrets(ctx)
	switch {
	case err == nil:
		return secrets[0].Reveal(), nil
	case !errors.Is(err, credentials.ErrNoCredentials):
		return "", exit(exitUsage, "%w", err)
	case e.terminal():
		fmt.Fprint(e.stderr, "Webhook signing secret: ")
		b, rerr := e.readPassword()
		fmt.Fprintln(e.stderr)
		if rerr != nil {
			return "", exit(exitUsage, "no webhook secret: reading it: %w", rerr)
		}
		s, serr := credentials.SigningSecret(string(b), "the secret typed in", "")
		if serr != nil {
			return "", exit(exitUsage, "%w", serr)
		}
		return s.Reveal(), nil
	}
	return "", exit(exitUsage, "no webhook secret: pass --secret-file, or set JUPICO_WEBHOOK_SECRET or JUPICO_WEBHOOK_SECRET_FILE")
}

// apiFailure maps an error of the client to an exit error: no answer is a
// transport failure (3), a request refused before sending a usage error
// (2), anything else a failed operation (1).
func apiFailure(err error) error {
	var re *jupico.RequestError
	switch {
	case errors.Is(err, jupico.ErrValidation), errors.Is(err, jupico.ErrInvalidOption), errors.Is(err, jupico.ErrInsecureBaseURL):
		return &exitError{exitUsage, err}
	case errors.As(err, &re):
		return &exitError{exitTransport, err}
	}
	return &exitError{exitFailed, err}
}

// newClient builds a client for c's target with p's credentials.
func newClient(c *conn, p credentials.Provider, more ...jupico.Option) (*jupico.Client, string, error) {
	opts, target, err := c.options()
	if err != nil {
		return nil, "", err
	}
	client, err := clientWith(c, opts, p, more...)
	return client, target, err
}

// clientWith builds a client from opts, which c.options returned, with p's
// credentials: for a command that checks its connection flags before it
// does anything else.
func clientWith(c *conn, opts []jupico.Option, p credentials.Provider, more ...jupico.Option) (*jupico.Client, error) {
	opts = append(opts, jupico.WithCredentials(p), jupico.WithUserAgent("jupico-cli"), jupico.WithTimeout(c.timeout))
	client, err := jupico.NewClient(append(opts, more...)...)
	if err != nil {
		return nil, apiFailure(err)
	}
	return client, nil
}
