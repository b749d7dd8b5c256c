package awssm_test

import (
	"context"
	"fmt"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/credentials/awssm"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// A jupico.Client reading its key from Secrets Manager, and a rotation: a
// new AWSCURRENT version, then the old key revoked at Jupico. The call after
// the rotation succeeds with the new key.
func Example() {
	ctx := context.Background()
	// In-process stand-ins for Secrets Manager and for Jupico.
	fs := newFakeSM()
	defer fs.Close()
	jup := jupicotest.Start()
	defer jup.Close()
	fs.put("prod/jupico/api", `{"username":"`+jupicotest.DefaultUsername+`","password":"`+jupicotest.DefaultPassword+`"}`)

	// In production: cfg, _ := config.LoadDefaultConfig(ctx);
	// sm := secretsmanager.NewFromConfig(cfg).
	sm := fs.client()
	api, err := awssm.Credentials(sm, "prod/jupico/api")
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

	// Rotation: the new key becomes AWSCURRENT, then the old one is revoked.
	fs.put("prod/jupico/api", `{"username":"rotated-user","password":"rotated-password"}`)
	jup.SetCredentials("rotated-user", "rotated-password")

	st, err = client.Status(ctx)
	reqs := jup.Requests()
	fmt.Println("online:", st != nil && st.Online, err, "as", reqs[len(reqs)-1].Username)
	// Output:
	// online: true <nil>
	// online: true <nil> as rotated-user
}

// Webhook signing secrets from Secrets Manager: right after a rotation the
// AWSCURRENT and AWSPREVIOUS secrets are both accepted.
func ExampleWebhookSecrets() {
	fs := newFakeSM()
	defer fs.Close()
	fs.put("prod/jupico/webhooks", `{"webhookSecret":"`+whsec(1)+`"}`)
	fs.put("prod/jupico/webhooks", `{"webhookSecret":"`+whsec(2)+`"}`) // just rotated

	src, err := awssm.WebhookSecrets(fs.client(), "prod/jupico/webhooks")
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
