// Command platform runs a payments platform's day with Jupico: it invites
// a merchant, follows the merchant's onboarding through the webhooks Jupico
// sends until the merchant is active, creates a subscription plan, updates
// it (setting a zero value, which an update sends as such), subscribes a
// customer to it (the first month is charged at once), and
// when the day's batch has settled pays the merchant's balance out.
//
// With no environment set it needs no account: the in-process fake Jupico
// (jupico/jupicotest) plays Jupico and the invited merchant, and delivers
// the onboarding webhooks, signed, to a receiver this program serves on
// loopback over TLS with webhook.NewHandler, as production would.
//
//	go run ./examples/platform
//
// With JUPICO_ENV=sandbox and credentials in the environment it talks to
// Jupico's sandbox. There, onboarding is done by a person and its webhooks
// go to the public URL registered in Jupico's Backoffice, so the program
// sends the invite and then works with the merchant JUPICO_SUBMERCHANT_ID
// (default: the docs' demo sub-merchant) and the sandbox test token; it
// pays out only what the sandbox reports as available.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
	"github.com/jupico/jupico-go/webhook"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "platform:", err)
		os.Exit(1)
	}
}

// platform is the program's side of Jupico: a client, and (against the
// fake) the fake and the webhook events the receiver processed.
type platform struct {
	client *jupico.Client
	fake   *jupicotest.Server // nil against the sandbox
	events chan *webhook.Event
	out    io.Writer
}

func run(ctx context.Context, out io.Writer) error {
	p, cleanup, err := setup(out)
	if err != nil {
		return err
	}
	defer cleanup()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()

	fmt.Fprintln(out, "1. invite a merchant")
	inv, err := p.client.OnboardingInvites.CreateAndSend(ctx, &jupico.InviteRequest{
		Name: "Ada Lovelace", Email: "ada@analytical-engines.example", Reference: "crm-1815",
		MerchantSetup: jupico.MerchantSetup{
			Identity: &jupico.Identity{Business: &jupico.Business{LegalName: "Analytical Engines LLC", DBAName: "Analytical Engines"}},
			PayoutBankAccounts: []jupico.BankAccount{{RoutingNumber: "011000015", AccountNumber: "000123456789",
				AccountType: jupico.BankAccountTypeChecking, NameOnAccount: "Analytical Engines LLC"}},
		},
	})
	if err != nil {
		return fmt.Errorf("invite: %w", err)
	}
	fmt.Fprintf(out, "   invite %s: %s\n", inv.ID, inv.Status)

	merchant, err := p.onboard(ctx, inv)
	if err != nil {
		return err
	}

	fmt.Fprintln(out, "3. a monthly plan, and a customer subscribed to it")
	plan, err := p.client.Plans.Create(ctx, &jupico.PlanRequest{SubMerchantID: merchant, Name: "Engine time",
		Amount: jupico.Cents(4900), Frequency: jupico.FrequencyMonthly, Reference: "plan-engine-time"})
	if err != nil {
		return fmt.Errorf("plan: %w", err)
	}
	// An update sends the fields it sets, zero values included (Cycles 0:
	// the plan runs until the subscription is deactivated), and leaves
	// the others, nil, as they are.
	plan, err = p.client.Plans.Update(ctx, &jupico.PlanUpdate{ID: plan.ID, SubMerchantID: merchant,
		Cycles: jupico.Ptr(0), Description: jupico.Ptr("Engine time, billed monthly until cancelled")})
	if err != nil {
		return fmt.Errorf("plan update: %w", err)
	}
	fmt.Fprintf(out, "   plan %s updated: %d cycles (until cancelled), %s a month\n", plan.ID, plan.Cycles, plan.Amount)
	sub, err := p.client.Subscriptions.Create(ctx, &jupico.SubscriptionRequest{SubMerchantID: merchant, PlanID: plan.ID,
		CustomerID: "cus_babbage", PaymentToken: p.token(), Reference: "sub-babbage"})
	var unknown *jupico.IndeterminateError
	switch {
	case errors.As(err, &unknown):
		// The charge may have happened; Jupico has no rollback for it:
		// look the subscription up before subscribing again.
		return fmt.Errorf("subscription outcome unknown, reconcile %q: %w", "sub-babbage", err)
	case err != nil:
		return fmt.Errorf("subscription: %w", err)
	}
	fmt.Fprintf(out, "   plan %s at %s a month; subscription %s %s, charged %s now, next on %s\n",
		plan.ID, plan.Amount, sub.ID, sub.Status, sub.Charged, sub.NextCharge)

	return p.payout(ctx, merchant)
}

// onboard follows the invited merchant until it is active and returns its
// sub-merchant id.
func (p *platform) onboard(ctx context.Context, inv *jupico.Invite) (string, error) {
	fmt.Fprintln(p.out, "2. follow the merchant's onboarding through Jupico's webhooks")
	if p.fake == nil {
		fmt.Fprintln(p.out, "   (sandbox: onboarding webhooks go to the endpoint registered in the Backoffice)")
		return sandboxMerchant(), nil
	}
	for {
		// The fake plays the merchant: opening the invite, submitting the
		// application, being approved. Each step sends its webhook.
		if _, _, err := p.fake.AdvanceInvite(ctx, inv.ID); err != nil {
			return "", fmt.Errorf("onboarding: %w", err)
		}
		select {
		case e := <-p.events:
			fmt.Fprintf(p.out, "   webhook %s\n", e.Type)
			if e.Type != webhook.EventMerchantActivation {
				continue
			}
			act, err := e.MerchantActivation()
			if err != nil {
				return "", err
			}
			name := "no business name sent"
			if act.Identity != nil && act.Identity.Business != nil {
				name = act.Identity.Business.LegalName
			}
			ref := ""
			if act.Invite != nil {
				ref = act.Invite.Reference
			}
			fmt.Fprintf(p.out, "   merchant %s (%s, invite %s) is active\n", act.SubMerchantID, name, ref)
			return act.SubMerchantID, nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
}

// payout pays out part of the merchant's available balance once the day's
// batch has settled.
func (p *platform) payout(ctx context.Context, merchant string) error {
	fmt.Fprintln(p.out, "4. end of day: settle, check the balance, pay out")
	if p.fake != nil {
		p.fake.Settle() // Jupico's end-of-day batch
	}
	bal, err := p.client.Query.Balance(ctx, &jupico.BalanceRequest{SubMerchantID: merchant})
	if err != nil {
		return fmt.Errorf("balance: %w", err)
	}
	fmt.Fprintf(p.out, "   available %s, pending %s\n", bal.Available, bal.Pending)
	amount := min(bal.Available, jupico.Cents(4000))
	if amount <= 0 {
		fmt.Fprintln(p.out, "   nothing available to pay out yet")
		fmt.Fprintln(p.out, "done")
		return nil
	}
	po, err := p.client.Payouts.Create(ctx, &jupico.PayoutRequest{SubMerchantID: merchant, Amount: amount, Reference: "payout-day-1"})
	if err != nil {
		return fmt.Errorf("payout: %w", err)
	}
	fmt.Fprintf(p.out, "   payout %s of %s: %s\n", po.ID, po.Amount, po.Status)
	for ins, err := range jupico.All(ctx, p.client.Query.PayoutInstructions, &jupico.ListFilter{SubMerchantID: merchant}) {
		if err != nil {
			return fmt.Errorf("payouts: %w", err)
		}
		fmt.Fprintf(p.out, "   listed: %s %s %s\n", ins.Reference, ins.Amount, ins.Status)
	}
	fmt.Fprintln(p.out, "done")
	return nil
}

func (p *platform) token() jupico.PaymentToken {
	if p.fake == nil {
		return jupico.PermanentToken("card", jupico.SandboxTestToken)
	}
	return jupico.PermanentToken("card", "tok_visa_4242")
}

func sandboxMerchant() string {
	if m := os.Getenv("JUPICO_SUBMERCHANT_ID"); m != "" {
		return m
	}
	return "jpt-fs-demo-acc1-m1"
}

// setup returns a client for the sandbox when JUPICO_ENV is set, and
// otherwise one for an in-process fake that delivers its webhooks to a
// receiver served here.
func setup(out io.Writer) (*platform, func(), error) {
	opts := []jupico.Option{jupico.WithUserAgent("jupico-go-platform-example")}
	if v := os.Getenv("JUPICO_ENV"); v != "" {
		env, err := jupico.ParseEnvironment(v)
		if err != nil {
			return nil, nil, err
		}
		c, err := jupico.NewClient(append(opts, jupico.WithEnvironment(env))...)
		if err != nil {
			return nil, nil, err
		}
		fmt.Fprintf(out, "talking to Jupico %s at %s\n", env, c.BaseURL())
		return &platform{client: c, out: out}, func() { _ = c.Close() }, nil
	}

	fake := jupicotest.Start()
	p := &platform{fake: fake, events: make(chan *webhook.Event, 8), out: out}
	v, err := webhook.NewVerifier(fake.WebhookSecret()) // in production: your endpoint's secret
	if err != nil {
		fake.Close()
		return nil, nil, err
	}
	h, err := webhook.NewHandler(v, func(_ context.Context, e *webhook.Event) error {
		p.events <- e
		return nil
	})
	if err != nil {
		fake.Close()
		return nil, nil, err
	}
	recv := httptest.NewUnstartedServer(http.Handler(h))
	recv.Config.ErrorLog = log.New(io.Discard, "", 0)
	recv.StartTLS()
	fake.SetWebhookClient(recv.Client())
	if err := fake.SetWebhookURL(recv.URL); err != nil {
		recv.Close()
		fake.Close()
		return nil, nil, err
	}
	c, err := fake.NewClient(opts...)
	if err != nil {
		recv.Close()
		fake.Close()
		return nil, nil, err
	}
	p.client = c
	fmt.Fprintln(out, "talking to an in-process fake Jupico (set JUPICO_ENV=sandbox for the real sandbox)")
	return p, func() { _ = c.Close(); recv.Close(); fake.Close() }, nil
}
