package jupicotest_test

import (
	"context"
	"errors"
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

// A test of a service's handling of an unknown outcome: Jupico answers 500
// after processing the sale, the client rolls it back, and the hook hears
// of it.
func ExampleRollbackRecorder() {
	srv := jupicotest.Start()
	defer srv.Close()
	var rollbacks jupicotest.RollbackRecorder
	client := srv.Client(jupico.WithRollbackHook(rollbacks.Hook))
	defer client.Close()

	srv.InjectFault("/v1/transactions/creditcard/sale", jupicotest.Fault{Status: 500, AfterProcessing: true, Times: 1})
	_, err := client.CreditCard.Sale(context.Background(), &jupico.ChargeRequest{SubMerchantID: "m1", Amount: jupico.Cents(2500),
		PaymentToken: jupico.PermanentToken("card", "tok_visa_4242"), Reference: "order-9"})
	fmt.Println(errors.Is(err, jupico.ErrRolledBack))
	for _, e := range rollbacks.Events() {
		fmt.Println(e.Reference, e.Acknowledged)
	}
	// Output:
	// true
	// order-9 true
}
