package jupico_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// A plan, a customer subscribed to it, and the first cycle charged at
// once.
func ExampleSubscriptionsService_Create() {
	srv := jupicotest.Start()
	defer srv.Close()
	client := srv.Client()
	defer client.Close()
	ctx := context.Background()

	plan, err := client.Plans.Create(ctx, &jupico.PlanRequest{
		SubMerchantID: "jpt-fs-demo-acc1-m1", Name: "Gold", Amount: jupico.Cents(1500), Frequency: jupico.FrequencyMonthly,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	sub, err := client.Subscriptions.Create(ctx, &jupico.SubscriptionRequest{
		SubMerchantID: "jpt-fs-demo-acc1-m1", PlanID: plan.ID, CustomerID: "cus_42",
		PaymentToken: jupico.PermanentToken("card", "tok_visa_4242"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(plan.Status, sub.Status, sub.Charged)
	// Output: active active 15.00
}

// A payout whose answer is lost: money may have moved and Jupico has no
// rollback for it, so the SDK reports the outcome for reconciliation and
// never sends it again.
func ExamplePayoutsService_Create() {
	srv := jupicotest.Start()
	defer srv.Close()
	client := srv.Client()
	defer client.Close()
	ctx := context.Background()
	if _, err := client.CreditCard.Sale(ctx, &jupico.ChargeRequest{SubMerchantID: "m1", Amount: jupico.Cents(10000),
		PaymentToken: jupico.PermanentToken("card", "tok_visa_4242")}); err != nil {
		fmt.Println(err)
		return
	}
	srv.Settle()
	srv.InjectFault("/v1/payouts/create", jupicotest.Fault{Status: http.StatusInternalServerError, AfterProcessing: true, Times: 1})

	_, err := client.Payouts.Create(ctx, &jupico.PayoutRequest{SubMerchantID: "m1", Amount: jupico.Cents(4000), Reference: "po-7"})
	var unknown *jupico.IndeterminateError
	if errors.As(err, &unknown) {
		fmt.Println("unknown outcome, rollback attempted:", unknown.RollbackAttempted)
	}
	// Reconcile by the reference before trying again.
	for p, err := range jupico.All(ctx, client.Query.PayoutInstructions, &jupico.ListFilter{SubMerchantID: "m1"}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(p.Reference, p.Amount, p.Status)
	}
	fmt.Println("sent:", len(srv.RequestsTo("/v1/payouts/create")))
	// Output:
	// unknown outcome, rollback attempted: false
	// po-7 40.00 pending
	// sent: 1
}

// Walking every page of a list query: jupico.All takes any list method,
// here invites by page of two.
func ExampleAll() {
	srv := jupicotest.Start()
	defer srv.Close()
	client := srv.Client()
	defer client.Close()
	ctx := context.Background()
	for _, email := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		if _, err := client.OnboardingInvites.CreateAndSend(ctx, &jupico.InviteRequest{Name: "Merchant", Email: email}); err != nil {
			fmt.Println(err)
			return
		}
	}
	for inv, err := range jupico.All(ctx, client.Query.OnboardingInvites, &jupico.ListFilter{Limit: 2}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(inv.Email, inv.Status)
	}
	fmt.Println("pages asked:", len(srv.RequestsTo("/v1/query/onboardingInvites")))
	// Output:
	// a@example.com Sent
	// b@example.com Sent
	// c@example.com Sent
	// pages asked: 2
}

// An update sends only the fields it sets, zero values included: nil
// leaves a member as it is, jupico.Ptr(false) sets it to false. A member
// the SDK does not model yet is one Extra away, and one json.Unmarshal of
// Raw away on the way back; a key that would overwrite a typed field is
// refused.
func ExamplePaymentLinksService_Update() {
	srv := jupicotest.Start()
	defer srv.Close()
	client := srv.Client()
	defer client.Close()
	ctx := context.Background()
	link, err := client.PaymentLinks.Create(ctx, &jupico.PaymentLinkRequest{SubMerchantID: "m1", Description: "Donation",
		Reusable: true, Extra: map[string]any{"theme": "dark"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	link, err = client.PaymentLinks.Update(ctx, &jupico.PaymentLinkUpdate{ID: link.ID, SubMerchantID: "m1",
		Amount: jupico.Ptr(jupico.Cents(2500)), Reusable: jupico.Ptr(false)})
	if err != nil {
		fmt.Println(err)
		return
	}
	var extra struct {
		Reusable bool   `json:"reusable"`
		Theme    string `json:"theme"`
	}
	if err := json.Unmarshal(link.Raw, &extra); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(link.Amount, link.Description, extra.Reusable, extra.Theme)
	fmt.Println(string(srv.RequestsTo("/v1/paymentLinks/update")[0].Body))

	_, err = client.PaymentLinks.Update(ctx, &jupico.PaymentLinkUpdate{ID: link.ID, SubMerchantID: "m1"})
	fmt.Println(err)
	_, err = client.PaymentLinks.Create(ctx, &jupico.PaymentLinkRequest{SubMerchantID: "m1", Description: "x",
		Extra: map[string]any{"description": "y"}})
	fmt.Println(err)
	// Output:
	// 25.00 Donation false dark
	// {"subMerchantId":"m1","amount":25.00,"reusable":false,"paymentLinkId":"pl_000001"}
	// jupico: invalid request: nothing to update
	// jupico: invalid request: extra[description]: collides with a field the SDK writes; set that field instead
}
