package jupico_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/internal/redact"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// saleBody is a sale's body as the SDK writes it, plus the members extra
// adds (written before the rest, so they may collide with them).
func saleBody(extra string) string {
	if extra != "" {
		extra += ","
	}
	return `{` + extra + `"subMerchantId":"` + merchant + `","amount":19.99,"paymentToken":{"type":"card","token":"tok_visa_4242"},"reference":"order-7"}`
}

func TestRollbackRefusesBadBodies(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client(fast)
	const sale, capture, void, refund = "creditcard.sale", "creditcard.capture", "creditcard.void", "creditcard.refund"
	for _, tc := range []struct {
		name, op, body, field string
	}{
		// The card-number guard, on every string anywhere.
		{"card number in the description", sale, saleBody(`"description":"4111 1111 1111 1111"`), "rollback.body.description"},
		{"dotted card number", sale, saleBody(`"description":"card 4111.1111.1111.1111"`), "rollback.body.description"},
		{"full-width card number", sale, saleBody(`"description":"４１１１１１１１１１１１１１１１"`), "rollback.body.description"},
		{"escaped card number", sale, saleBody(`"description":"\u0034\u0031\u0031\u0031111111111111"`), "rollback.body.description"},
		{"card number in a metadata value", sale, saleBody(`"metadata":{"note":"4111-1111-1111-1111"}`), "rollback.body.metadata.note"},
		{"card number in a metadata key", sale, saleBody(`"metadata":{"4111111111111111":"x"}`), "rollback.body.metadata[key]"},
		{"card number in an item", sale, saleBody(`"items":[{"name":"ok"},{"name":"5555 5555 5555 4444"}]`), "rollback.body.items[1].name"},
		{"card number in the billing address", sale, saleBody(`"billing":{"address1":"4111 1111 1111 1111"}`), "rollback.body.billing.address1"},
		{"card number as the payment token", sale, `{"subMerchantId":"m1","amount":1.00,"paymentToken":{"type":"card","token":"4111111111111111"}}`, "rollback.body.paymentToken.token"},
		{"card number as a number", sale, saleBody(`"cardNumber":4111111111111111`), "rollback.body.cardNumber"},
		{"card number in a refund's description", refund, `{"subMerchantId":"m1","transactionId":"tx_1","description":"4111/1111/1111/1111"}`, "rollback.body.description"},
		{"card number in a duplicate member", sale, saleBody(`"description":"4111111111111111","description":"ok"`), "rollback.body.description"},
		{"control character", sale, saleBody(`"description":"a\u0000b"`), "rollback.body.description"},
		// Exactly one JSON object.
		{"trailing garbage", sale, saleBody("") + " trailing", "rollback.body"},
		{"a second object", sale, saleBody("") + saleBody(""), "rollback.body"},
		{"a JSON string", sale, strconv.Quote(saleBody("")), "rollback.body"},
		{"an array", sale, "[" + saleBody("") + "]", "rollback.body"},
		{"null", sale, "null", "rollback.body"},
		{"empty", sale, "", "rollback.body"},
		{"white space", sale, " \n", "rollback.body"},
		{"truncated", sale, `{"subMerchantId":"m1","amount":`, "rollback.body"},
		{"invalid UTF-8", sale, saleBody(`"description":"caf` + "\xff" + `"`), "rollback.body"},
		{"a duplicate member", sale, saleBody(`"subMerchantId":"other"`), "rollback.body.subMerchantId"},
		{"a member in another case", sale, saleBody(`"SubMerchantId":"other"`), "rollback.body.subMerchantId"},
		{"too deep", sale, saleBody(`"x":` + strings.Repeat("[", 20) + strings.Repeat("]", 20)), "rollback.body.x" + strings.Repeat("[0]", 15)},
		// The members the operation requires.
		{"sale without subMerchantId", sale, `{"amount":19.99,"paymentToken":{"token":"tok_1"}}`, "rollback.body.subMerchantId"},
		{"sale with an empty subMerchantId", sale, `{"subMerchantId":" ","amount":19.99,"paymentToken":{"token":"tok_1"}}`, "rollback.body.subMerchantId"},
		{"sale with a numeric subMerchantId", sale, `{"subMerchantId":7,"amount":19.99,"paymentToken":{"token":"tok_1"}}`, "rollback.body.subMerchantId"},
		{"sale without amount", sale, `{"subMerchantId":"m1","paymentToken":{"token":"tok_1"}}`, "rollback.body.amount"},
		{"sale of zero", sale, `{"subMerchantId":"m1","amount":0.00,"paymentToken":{"token":"tok_1"}}`, "rollback.body.amount"},
		{"negative sale", sale, `{"subMerchantId":"m1","amount":-5.00,"paymentToken":{"token":"tok_1"}}`, "rollback.body.amount"},
		{"amount as a string", sale, `{"subMerchantId":"m1","amount":"19.99","paymentToken":{"token":"tok_1"}}`, "rollback.body.amount"},
		{"amount with three decimals", sale, `{"subMerchantId":"m1","amount":19.999,"paymentToken":{"token":"tok_1"}}`, "rollback.body.amount"},
		{"amount with an exponent", sale, `{"subMerchantId":"m1","amount":1e3,"paymentToken":{"token":"tok_1"}}`, "rollback.body.amount"},
		{"sale without paymentToken", sale, `{"subMerchantId":"m1","amount":19.99}`, "rollback.body.paymentToken"},
		{"empty paymentToken", sale, `{"subMerchantId":"m1","amount":19.99,"paymentToken":{}}`, "rollback.body.paymentToken"},
		{"paymentToken as a string", sale, `{"subMerchantId":"m1","amount":19.99,"paymentToken":"tok_1"}`, "rollback.body.paymentToken"},
		{"authorization without paymentToken", "creditcard.authorize", `{"subMerchantId":"m1","amount":19.99}`, "rollback.body.paymentToken"},
		{"capture without transactionId", capture, `{"subMerchantId":"m1"}`, "rollback.body.transactionId"},
		{"void without subMerchantId", void, `{"transactionId":"tx_1"}`, "rollback.body.subMerchantId"},
		{"refund of zero", refund, `{"subMerchantId":"m1","transactionId":"tx_1","amount":0}`, "rollback.body.amount"},
		{"negative tax", capture, `{"subMerchantId":"m1","transactionId":"tx_1","taxAmount":-1.00}`, "rollback.body.taxAmount"},
		// The operation.
		{"an operation without rollback", "echeck.sale", saleBody(""), "rollback.operation"},
		{"an operation holding a card number", "4111111111111111", saleBody(""), "rollback.operation"},
	} {
		err := c.CreditCard.Rollback(context.Background(), &jupico.RollbackRequest{Operation: tc.op, Body: json.RawMessage(tc.body)})
		var ve *jupico.ValidationError
		require.ErrorAs(t, err, &ve, "%s: %s", tc.name, tc.body)
		assert.ErrorIs(t, err, jupico.ErrValidation, tc.name)
		assert.Equal(t, tc.field, ve.Field, "%s: %v", tc.name, err)
		assert.False(t, redact.FindPAN(err.Error()), "%s: the error quotes no card number: %v", tc.name, err)
		assert.NotContains(t, err.Error(), "trailing", tc.name)
	}
	assert.Empty(t, srv.Rollbacks(), "no rollback was sent")
	assert.Empty(t, srv.Requests(), "nothing was sent")
}

func TestRollbackSendsTheOriginalBody(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client(fast, jupico.WithAutoRollback(false))
	ctx := context.Background()

	// A sale whose outcome is unknown leaves its rollback to the caller,
	// and the body the SDK wrote passes: items, addresses, metadata keys
	// that differ only in case, a one-time token.
	srv.InjectFault("/v1/transactions/creditcard/sale", jupicotest.Fault{Status: http.StatusInternalServerError, Times: 1})
	req := charge(2500)
	req.PaymentToken = jupico.OneTimeToken("ott_4f2a9c")
	req.Items = []jupico.Item{{Name: "Mug", Description: "Blue, 12 oz", Quantity: 2, UnitPrice: jupico.Cents(1250)}}
	req.Billing = &jupico.Address{FirstName: "Ada", Line1: "221B Baker Street", PostalCode: "NW1 6XE", Phone: "+44 20 7946 0958"}
	req.Metadata = map[string]string{"Order": "1042", "order": "1042-b"}
	_, err := c.CreditCard.Sale(ctx, req)
	var ie *jupico.IndeterminateError
	require.ErrorAs(t, err, &ie)
	require.NotNil(t, ie.Rollback)
	require.Empty(t, srv.Rollbacks())
	require.NoError(t, c.CreditCard.Rollback(ctx, ie.Rollback))
	require.Len(t, srv.Rollbacks(), 1)
	assert.JSONEq(t, string(ie.Rollback.Body), string(srv.Rollbacks()[0].Body), "the body goes out as is")

	for _, r := range []jupico.RollbackRequest{
		{Operation: "creditcard.sale", Body: json.RawMessage(" " + saleBody(`"description":"Order 1042, 2 items"`) + "\n")},
		{Operation: "creditcard.authorize", Body: json.RawMessage(`{"subMerchantId":"m1","amount":0.01,"paymentToken":{"data":"ott_1"}}`)},
		{Operation: "creditcard.capture", Body: json.RawMessage(`{"subMerchantId":"m1","transactionId":"tx_1","amount":5.00}`)},
		{Operation: "creditcard.void", Body: json.RawMessage(`{"subMerchantId":"m1","transactionId":"tx_1"}`)},
		{Operation: "creditcard.refund", Body: json.RawMessage(`{"subMerchantId":"m1","transactionId":"tx_1","description":"\u00e9"}`)},
	} {
		require.NoError(t, c.CreditCard.Rollback(ctx, &r), "%s: %s", r.Operation, r.Body)
	}
	assert.Len(t, srv.Rollbacks(), 6)
}
