package vault_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/credentials/vault"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// A jupico.Client reading its key from Vault, and a key rotation: a new
// version written to Vault, then the old key revoked at Jupico. The call
// after the rotation succeeds with the new key.
func Example() {
	ctx := context.Background()
	// In-process stand-ins for your Vault and for Jupico.
	fv := newFakeVault()
	defer fv.Close()
	jup := jupicotest.Start()
	defer jup.Close()
	fv.put("secret", "jupico/api", map[string]any{"username": jupicotest.DefaultUsername, "password": jupicotest.DefaultPassword})

	// In production: vault.NewClient() reads VAULT_ADDR, VAULT_TOKEN,
	// VAULT_NAMESPACE and VAULT_CACERT.
	vc, err := vault.NewClient(vault.WithAddress(fv.URL()), vault.WithToken(testToken), vault.WithRootCAs(fv.CertPool()))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer vc.Close()
	api, err := vc.Credentials("secret", "jupico/api")
	if err != nil {
		fmt.Println(err)
		return
	}
	client, err := jup.NewClient(jupico.WithCredentials(credentials.Chain(api, credentials.FromEnv())))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.Close()

	st, err := client.Status(ctx)
	fmt.Println("online:", st != nil && st.Online, err)

	// Rotation: write the new key to Vault, then revoke the old one.
	fv.put("secret", "jupico/api", map[string]any{"username": "rotated-user", "password": "rotated-password"})
	jup.SetCredentials("rotated-user", "rotated-password")

	st, err = client.Status(ctx)
	reqs := jup.Requests()
	fmt.Println("online:", st != nil && st.Online, err, "as", reqs[len(reqs)-1].Username)
	// Output:
	// online: true <nil>
	// online: true <nil> as rotated-user
}

// Webhook signing secrets from Vault: during a rotation the current and the
// previous version's secrets are both accepted.
func ExampleClient_WebhookSecrets() {
	fv := newFakeVault()
	defer fv.Close()
	fv.put("secret", "jupico/webhooks", map[string]any{"webhookSecret": whsec(1)})
	fv.put("secret", "jupico/webhooks", map[string]any{"webhookSecret": whsec(2)}) // just rotated

	vc, err := vault.NewClient(vault.WithAddress(fv.URL()), vault.WithToken(testToken), vault.WithRootCAs(fv.CertPool()))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer vc.Close()
	src, err := vc.WebhookSecrets("secret", "jupico/webhooks")
	if err != nil {
		fmt.Println(err)
		return
	}
	set, err := credentials.NewSecretSet(context.Background(), src)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer set.Close()
	secrets := set.SigningSecrets()
	fmt.Println(len(secrets), secrets)
	fmt.Println(secrets[0].Reveal() == whsec(2), secrets[1].Reveal() == whsec(1))
	// Output:
	// 2 [[REDACTED] [REDACTED]]
	// true true
}

// Vault's refusals are errors to branch on, with Vault's own message and
// never the token.
func ExampleError() {
	fv := newFakeVault()
	defer fv.Close()
	vc, err := vault.NewClient(vault.WithAddress(fv.URL()), vault.WithToken("hvs.not-the-token-vault-expects"), vault.WithRootCAs(fv.CertPool()))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer vc.Close()
	api, err := vc.Credentials("secret", "jupico/api")
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = api.Retrieve(context.Background())
	fmt.Println(errors.Is(err, vault.ErrPermissionDenied))
	fmt.Println(err)
	// Output:
	// true
	// vault: read secret/data/jupico/api: 403 permission denied (the token is invalid, expired or revoked, or its policy does not allow reading this path): vault says: permission denied
}
