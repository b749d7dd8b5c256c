package jupicotest_test

import (
	"context"
	"fmt"

	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// The fake plays the invited merchant: each AdvanceInvite is the next step
// of the onboarding, with the webhook Jupico sends for it (delivered to
// the URL set with SetWebhookURL, when there is one).
func ExampleServer_AdvanceInvite() {
	srv := jupicotest.Start()
	defer srv.Close()
	client := srv.Client()
	defer client.Close()
	ctx := context.Background()

	inv, err := client.OnboardingInvites.CreateAndSend(ctx, &jupico.InviteRequest{Name: "Ada", Email: "ada@example.com"})
	if err != nil {
		fmt.Println(err)
		return
	}
	for range 3 {
		event, _, err := srv.AdvanceInvite(ctx, inv.ID)
		if err != nil {
			fmt.Println(err)
			return
		}
		page, _ := client.Query.OnboardingInvites(ctx, nil)
		fmt.Println(event, page.Items[0].Status)
	}
	merchants, _ := client.Query.Merchants(ctx, nil)
	fmt.Println(merchants.Items[0].Status)
	// Output:
	// onApplicationInitiated Initiated
	// onMerchantSubmit Onboarding
	// onMerchantActivation Onboarding
	// active
}
