package jupico_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// One request shape: a card or eCheck request written with encoding/json
// (its JSON tags) is the body the SDK sends, member for member, and its
// Extra members are sent beside them.
func TestCardRequestsMarshalAsTheySend(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client()
	ctx := context.Background()
	tax := jupico.Cents(100)
	charge := &jupico.ChargeRequest{SubMerchantID: merchant, Amount: jupico.Cents(2500), PaymentToken: jupico.PermanentToken("card", "tok_visa_4242"),
		Description: "two mugs", Items: []jupico.Item{{Name: "mug", Quantity: 2, UnitPrice: jupico.Cents(1200)}}, TaxAmount: &tax,
		TaxWithhold: true, DynamicFee: &jupico.DynamicFee{Fixed: jupico.Cents(30), DiscountRateBasisPoints: 250},
		Billing: &jupico.Address{FirstName: "Ada", Line1: "1 Main St", PostalCode: "10001"}, Metadata: map[string]string{"order": "7"},
		BillingDescriptor: "MUGS", Reference: "order-7"}
	tx, err := c.CreditCard.Sale(ctx, charge)
	require.NoError(t, err)
	sent := func(path string) string {
		reqs := srv.RequestsTo(path)
		require.NotEmpty(t, reqs)
		return string(reqs[len(reqs)-1].Body)
	}
	mine, err := json.Marshal(charge)
	require.NoError(t, err)
	assert.JSONEq(t, string(mine), sent("/v1/transactions/creditcard/sale"))

	refund := &jupico.RefundRequest{SubMerchantID: merchant, TransactionID: tx.ID, Amount: &tax, Description: "one mug", Reference: "r-7"}
	srv.Settle()
	_, err = c.CreditCard.Refund(ctx, refund)
	require.NoError(t, err)
	mine, _ = json.Marshal(refund)
	assert.JSONEq(t, string(mine), sent("/v1/transactions/creditcard/refund"))

	auth, err := c.CreditCard.Authorize(ctx, &jupico.ChargeRequest{SubMerchantID: merchant, Amount: jupico.Cents(900), PaymentToken: jupico.PermanentToken("card", "tok")})
	require.NoError(t, err)
	capture := &jupico.CaptureRequest{SubMerchantID: merchant, TransactionID: auth.ID, Amount: &tax, Metadata: map[string]string{"k": "v"}}
	_, err = c.CreditCard.Capture(ctx, capture)
	require.NoError(t, err)
	mine, _ = json.Marshal(capture)
	assert.JSONEq(t, string(mine), sent("/v1/transactions/creditcard/capture"))

	void := &jupico.VoidRequest{SubMerchantID: merchant, TransactionID: auth.ID, Reference: "v-1"}
	_, err = c.CreditCard.Void(ctx, void)
	require.NoError(t, err)
	mine, _ = json.Marshal(void)
	assert.JSONEq(t, string(mine), sent("/v1/transactions/creditcard/void"))
}

// Card requests take Extra as every request does, with the same checks.
func TestCardRequestsTakeExtra(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client()
	ctx := context.Background()
	sale := func(extra map[string]any) *jupico.ChargeRequest {
		return &jupico.ChargeRequest{SubMerchantID: merchant, Amount: jupico.Cents(2500), PaymentToken: jupico.PermanentToken("card", "tok"),
			Reference: "x-1", Extra: extra}
	}
	_, err := c.CreditCard.Sale(ctx, sale(map[string]any{"customerIp": "203.0.113.7", "channel": map[string]any{"kind": "web"}}))
	require.ErrorIs(t, err, jupico.ErrInvalidPayload, "the fake refuses members the contract does not know: it was sent")
	reqs := srv.RequestsTo("/v1/transactions/creditcard/sale")
	require.Len(t, reqs, 1)
	var body map[string]any
	require.NoError(t, json.Unmarshal(reqs[0].Body, &body))
	assert.Equal(t, "203.0.113.7", body["customerIp"])
	assert.Equal(t, map[string]any{"kind": "web"}, body["channel"])
	assert.Equal(t, "x-1", body["reference"])

	for name, extra := range map[string]map[string]any{
		"a typed member":       {"amount": 1},
		"the reference":        {"reference": "y"},
		"a card number":        {"note": "4111 1111 1111 1111"},
		"a nested card number": {"payer": map[string]any{"pan": "4111-1111-1111-1111"}},
		"an empty key":         {"": "x"},
		"a card number as key": {"4111111111111111": "x"},
		"a value JSON rejects": {"f": func() {}},
	} {
		_, err := c.CreditCard.Sale(ctx, sale(extra))
		assert.ErrorIs(t, err, jupico.ErrValidation, name)
		assert.NotContains(t, err.Error(), "4111", name)
	}
	_, err = c.ECheck.Refund(ctx, &jupico.RefundRequest{SubMerchantID: merchant, TransactionID: "tx_1", Extra: map[string]any{"transactionId": "tx_2"}})
	assert.ErrorIs(t, err, jupico.ErrValidation)
	assert.Len(t, srv.RequestsTo("/v1/transactions/creditcard/sale"), 1, "nothing more was sent")
	assert.Empty(t, srv.RequestsTo("/v1/transactions/echeck/refund"))
}
