package credentials_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/jupico/jupico-go/credentials"
)

func ExampleSecret() {
	s := credentials.NewSecret("whsec_not-a-real-secret")
	b, _ := json.Marshal(map[string]any{"secret": s})
	fmt.Println(s)
	fmt.Printf("%#v %q %x\n", s, s, s)
	fmt.Println(string(b))
	fmt.Println(s.Equal(credentials.NewSecret("whsec_not-a-real-secret")))
	// Output:
	// [REDACTED]
	// [REDACTED] "[REDACTED]" [REDACTED]
	// {"secret":"[REDACTED]"}
	// true
}

func ExampleNewAPIKey() {
	// Jupico's published public sandbox key; its decoded form ends in a
	// newline, which is accepted, and the key is sent as given.
	c, err := credentials.NewAPIKey("ZGVtb0FwaVVzZXI6VjhtIXhQI2wyUXozCg==\n")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Username())
	fmt.Println(c)

	_, err = credentials.NewAPIKey("bm90LWEta2V5")
	fmt.Println(err)
	fmt.Println(errors.Is(err, credentials.ErrInvalid))
	// Output:
	// demoApiUser
	// credentials{user=demoApiUser source=}
	// credentials: apiKey does not decode to username:password
	// true
}

func ExampleFromFile() {
	dir, _ := os.MkdirTemp("", "jupico-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "jupico.json")
	_ = os.WriteFile(path, []byte(`{"username":"test-user","password":"not-a-real-password"}`), 0o600)

	c, err := credentials.FromFile(path).Retrieve(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Username(), filepath.Base(c.Source))

	_ = os.WriteFile(path, []byte(`{"username":"test-user"}`), 0o600)
	_, err = credentials.FromFile(path).Retrieve(context.Background())
	var ve *credentials.ValidationError
	if errors.As(err, &ve) {
		fmt.Println(ve.Field, ve.Reason)
	}
	// Output:
	// test-user jupico.json
	// password is missing
}

func ExampleFromCommand() {
	// Any secret manager's CLI that can print JSON works; sh stands in here.
	p := credentials.FromCommand("sh", "-c",
		`printf '{"username":"test-user","password":"not-a-real-password","expiresAt":"2030-01-02T15:04:05Z"}'`)
	c, err := p.Retrieve(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Username(), c.Expires.Format("2006-01-02"))

	_, err = credentials.FromCommand("sh", "-c", "echo token=secret >&2; exit 2").Retrieve(context.Background())
	fmt.Println(err)
	// Output:
	// test-user 2030-01-02
	// credentials: command "sh" failed: exit status 2
}

func ExampleChain() {
	p := credentials.Chain(
		credentials.FromFile("/nonexistent/jupico.json"),
		credentials.Static("test-user", "not-a-real-password"),
	)
	c, err := p.Retrieve(context.Background())
	fmt.Println(c.Username(), c.Source, err)

	_, err = credentials.Chain(credentials.FromFile("/nonexistent/a"), credentials.FromFile("/nonexistent/b")).
		Retrieve(context.Background())
	fmt.Println(err)
	fmt.Println(errors.Is(err, credentials.ErrNoCredentials))
	// Output:
	// test-user static <nil>
	// credentials: chain: [1] /nonexistent/a does not exist; [2] /nonexistent/b does not exist
	// true
}

func ExampleFromEnv() {
	os.Setenv("JUPICO_API_KEY", "ZGVtb0FwaVVzZXI6VjhtIXhQI2wyUXozCg==")
	defer os.Unsetenv("JUPICO_API_KEY")
	c, err := credentials.FromEnv().Retrieve(context.Background())
	fmt.Println(c, err)

	os.Setenv("JUPICO_API_KEY", "not base64")
	_, err = credentials.FromEnv().Retrieve(context.Background())
	fmt.Println(err)
	// Output:
	// credentials{user=demoApiUser source=env} <nil>
	// credentials: JUPICO_API_KEY contains whitespace or control characters
}

func ExampleCache() {
	calls := 0
	p := credentials.ProviderFunc(func(context.Context) (credentials.Credentials, error) {
		calls++
		return credentials.NewBasic("test-user", fmt.Sprintf("not-a-real-password-%d", calls))
	})
	cache, err := credentials.NewCache(p, credentials.WithOnRotate(func(old, new credentials.Credentials) {
		fmt.Println("rotated to", new.Username())
	}))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer cache.Close()

	ctx := context.Background()
	first, _ := cache.Retrieve(ctx)
	again, _ := cache.Retrieve(ctx)
	fmt.Println(first.Equal(again), calls)

	// Jupico answered 401 with first: drop it and fetch again, once.
	cache.Invalidate(first)
	cache.Invalidate(first) // a second 401 from the same burst: no effect
	next, _ := cache.Retrieve(ctx)
	fmt.Println(next.Equal(first), calls)
	// Output:
	// rotated to test-user
	// true 1
	// rotated to test-user
	// false 2
}

func ExampleNewSecretSet() {
	set, err := credentials.NewSecretSet(context.Background(),
		credentials.StaticSecrets("whsec_current-not-real", "whsec_previous-not-real"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer set.Close()
	secrets := set.SigningSecrets()
	fmt.Println(len(secrets), secrets)
	// Output:
	// 2 [[REDACTED] [REDACTED]]
}
