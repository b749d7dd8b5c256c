package jupico_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

const merchant = "jpt-fs-demo-acc1-m1"

func charge(cents int64) *jupico.ChargeRequest {
	return &jupico.ChargeRequest{
		SubMerchantID: merchant,
		Amount:        jupico.Cents(cents),
		PaymentToken:  jupico.PermanentToken("card", "tok_visa_4242"),
		Description:   "Order 1042",
		Metadata:      map[string]string{"order": "1042"},
		Reference:     "order-1042",
	}
}

func amt(c int64) *jupico.Amount { a := jupico.Cents(c); return &a }

func TestCardLifecycleAgainstFake(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client(fast)
	ctx := context.Background()

	sale, err := c.CreditCard.Sale(ctx, charge(2500))
	require.NoError(t, err)
	assert.Equal(t, jupico.TransactionStatusSucceeded, sale.Status)
	assert.Equal(t, jupico.Cents(2500), sale.Amount)
	assert.NotEmpty(t, sale.ID)
	assert.Equal(t, "A1B2C3", sale.AuthCode)
	assert.NotEmpty(t, sale.RequestID)
	assert.JSONEq(t, `{"transactionId":"`+sale.ID+`","status":"succeeded","amount":25.00,"authCode":"A1B2C3","avs":"Y","cvv":"M"}`, string(sale.Raw))

	sent := string(srv.RequestsTo("/v1/transactions/creditcard/sale")[0].Body)
	assert.Contains(t, sent, `"amount":25.00`, "money goes out as an exact two-decimal number")
	assert.Contains(t, sent, `"paymentToken":{"type":"card","token":"tok_visa_4242"}`)

	auth, err := c.CreditCard.Authorize(ctx, charge(10000))
	require.NoError(t, err)
	_, err = c.CreditCard.Capture(ctx, &jupico.CaptureRequest{SubMerchantID: merchant, TransactionID: auth.ID, Amount: amt(10001)})
	assert.ErrorIs(t, err, jupico.ErrInvalidPayload, "capture beyond the authorized amount")
	capt, err := c.CreditCard.Capture(ctx, &jupico.CaptureRequest{SubMerchantID: merchant, TransactionID: auth.ID, Amount: amt(8000)})
	require.NoError(t, err)
	assert.Equal(t, jupico.Cents(8000), capt.Amount)

	_, err = c.CreditCard.Refund(ctx, &jupico.RefundRequest{SubMerchantID: merchant, TransactionID: auth.ID, Amount: amt(8001)})
	assert.ErrorIs(t, err, jupico.ErrInvalidPayload, "refund beyond the captured amount")
	ref, err := c.CreditCard.Refund(ctx, &jupico.RefundRequest{SubMerchantID: merchant, TransactionID: auth.ID, Amount: amt(3000)})
	require.NoError(t, err)
	assert.Equal(t, jupico.Cents(3000), ref.Amount)
	rec, ok := srv.Transaction(auth.ID)
	require.True(t, ok)
	assert.Equal(t, jupico.Cents(8000), rec.Captured)
	assert.Equal(t, jupico.Cents(3000), rec.Refunded)

	v, err := c.CreditCard.Void(ctx, &jupico.VoidRequest{SubMerchantID: merchant, TransactionID: sale.ID})
	require.NoError(t, err)
	assert.Equal(t, sale.ID, v.ID)

	other, err := c.CreditCard.Sale(ctx, charge(700))
	require.NoError(t, err)
	srv.Settle(other.ID)
	_, err = c.CreditCard.Void(ctx, &jupico.VoidRequest{SubMerchantID: merchant, TransactionID: other.ID})
	assert.ErrorIs(t, err, jupico.ErrInvalidPayload, "void after settlement")
	_, err = c.CreditCard.Refund(ctx, &jupico.RefundRequest{SubMerchantID: merchant, TransactionID: other.ID})
	require.NoError(t, err, "a settled sale is refunded instead")

	avs, err := c.CreditCard.VerifyAddress(ctx, &jupico.AVSRequest{SubMerchantID: merchant, PaymentToken: jupico.OneTimeToken("ott_1"),
		Billing: &jupico.Address{Line1: "1 Main St", PostalCode: "10001"}})
	require.NoError(t, err)
	assert.Equal(t, "Y", avs.Result)
	assert.Empty(t, srv.Rollbacks(), "no rollback for approved or refused transactions")
}

func TestSandboxTriggers(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client(fast)
	declines := map[int64]jupico.ErrorCode{9020: jupico.ErrorCodeDeclined, 9023: jupico.ErrorCodeInsufficientFunds, 9024: jupico.ErrorCodeDoNotHonor}
	for cents, code := range declines {
		req := charge(cents)
		req.PaymentToken = jupico.PermanentToken("card", jupico.SandboxTestToken)
		tx, err := c.CreditCard.Sale(context.Background(), req)
		require.Error(t, err, cents)
		assert.ErrorIs(t, err, jupico.ErrDeclined)
		assert.NotErrorIs(t, err, jupico.ErrIndeterminate)
		var ae *jupico.APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, code, ae.Code)
		assert.NotEmpty(t, ae.Message)
		require.NotNil(t, tx, "a declined transaction is returned with its error")
		assert.Equal(t, jupico.TransactionStatusDeclined, tx.Status)
	}
	assert.Len(t, srv.RequestsTo("/v1/transactions/creditcard/sale"), 3, "declines are never retried")

	req := charge(10110)
	req.PaymentToken = jupico.PermanentToken("card", jupico.SandboxTestToken)
	_, err := c.CreditCard.Sale(context.Background(), req)
	assert.ErrorIs(t, err, jupico.ErrServiceUnavailable)
	assert.NotErrorIs(t, err, jupico.ErrIndeterminate)
	assert.Len(t, srv.RequestsTo("/v1/transactions/creditcard/sale"), 3+3, "503 is retried (3 attempts)")

	req = charge(10111)
	req.PaymentToken = jupico.PermanentToken("card", jupico.SandboxTestToken)
	_, err = c.CreditCard.Sale(context.Background(), req)
	assert.ErrorIs(t, err, jupico.ErrIndeterminate)
	assert.ErrorIs(t, err, jupico.ErrRolledBack)
	assert.ErrorIs(t, err, jupico.ErrServerError)
	assert.Len(t, srv.Rollbacks(), 1, "only the 500 is rolled back")
}

func TestECheckAgainstFake(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client(fast)
	req := charge(4200)
	req.PaymentToken = jupico.PermanentToken("bankAccount", "tok_ba_1")
	sale, err := c.ECheck.Sale(context.Background(), req)
	require.NoError(t, err)
	ref, err := c.ECheck.Refund(context.Background(), &jupico.RefundRequest{SubMerchantID: merchant, TransactionID: sale.ID, Amount: amt(200)})
	require.NoError(t, err)
	assert.Equal(t, jupico.Cents(200), ref.Amount)

	srv.InjectFault("/v1/transactions/echeck/sale", jupicotest.Fault{Status: http.StatusInternalServerError, Times: 1})
	_, err = c.ECheck.Sale(context.Background(), req)
	require.ErrorIs(t, err, jupico.ErrIndeterminate)
	var ie *jupico.IndeterminateError
	require.ErrorAs(t, err, &ie)
	assert.False(t, ie.RollbackAttempted, "Jupico documents no eCheck rollback")
	assert.Nil(t, ie.Rollback)
	assert.Empty(t, srv.Rollbacks())
	assert.Contains(t, err.Error(), "reconcile")
}

func TestDeclineIsAnAPIErrorAndATransaction(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client()
	req := charge(9020)
	req.PaymentToken = jupico.PermanentToken("card", jupico.SandboxTestToken)
	tx, err := c.CreditCard.Sale(context.Background(), req)
	var ae *jupico.APIError
	require.True(t, errors.As(err, &ae))
	assert.Equal(t, http.StatusOK, ae.HTTPStatus)
	assert.Equal(t, "Card declined", ae.Message)
	assert.NotNil(t, tx)
}
