package jupicomock_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/stretchr/testify/mock"

	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicomock"
)

// checkout is merchant code: it depends on the interface, not the client.
type checkout struct{ cards jupico.CreditCardAPI }

func (c *checkout) pay(ctx context.Context, order string, cents int64, token string) (string, error) {
	tx, err := c.cards.Sale(ctx, &jupico.ChargeRequest{
		SubMerchantID: "m1", Amount: jupico.Cents(cents), PaymentToken: jupico.OneTimeToken(token), Reference: order,
	})
	var apiErr *jupico.APIError
	switch {
	case errors.Is(err, jupico.ErrDeclined) && errors.As(err, &apiErr):
		return "declined: " + apiErr.Message, nil
	case err != nil:
		return "", err
	}
	return "paid: " + tx.ID, nil
}

func Example() {
	cards := new(jupicomock.CreditCard)
	cards.On("Sale", mock.Anything, mock.MatchedBy(func(r *jupico.ChargeRequest) bool { return r.Reference == "order-1" })).
		Return(&jupico.Transaction{ID: "tx_1", Status: jupico.TransactionStatusSucceeded}, nil).Once()
	cards.On("Sale", mock.Anything, mock.MatchedBy(func(r *jupico.ChargeRequest) bool { return r.Reference == "order-2" })).
		Return(&jupico.Transaction{Status: jupico.TransactionStatusDeclined}, &jupico.APIError{HTTPStatus: 200, Code: jupico.ErrorCodeDeclined, Message: "Card declined"}).Once()

	c := &checkout{cards: cards}
	fmt.Println(c.pay(context.Background(), "order-1", 2500, "ott_a"))
	fmt.Println(c.pay(context.Background(), "order-2", 9020, "ott_b"))
	fmt.Println(cards.AssertExpectations(new(noopT)))
	// Output:
	// paid: tx_1 <nil>
	// declined: Card declined <nil>
	// true
}

// noopT satisfies mock.TestingT outside a test function.
type noopT struct{}

func (noopT) Logf(string, ...any)   {}
func (noopT) Errorf(string, ...any) {}
func (noopT) FailNow()              {}

// A platform's billing code tested without a network: the mock of
// jupico.PlansAPI stands in for client.Plans.
func Example_plans() {
	plans := new(jupicomock.Plans)
	plans.On("Create", mock.Anything, mock.MatchedBy(func(r *jupico.PlanRequest) bool { return r.Name == "Gold" })).
		Return(&jupico.Plan{ID: "plan_1", Status: jupico.PlanStatusActive}, nil).Once()

	var api jupico.PlansAPI = plans // what the merchant's code depends on
	p, err := api.Create(context.Background(), &jupico.PlanRequest{Name: "Gold"})
	fmt.Println(p.ID, p.Status, err)
	fmt.Println(plans.AssertExpectations(new(noopT)))
	// Output:
	// plan_1 active <nil>
	// true
}
