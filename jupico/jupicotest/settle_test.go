package jupicotest_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// With WithSettleAfter a sale settles by itself once the delay passed, as
// the sandbox's do: its money moves from pending to available, a payout
// can draw on it and a settlement shows; an authorization not captured
// stays unsettled and can still be voided.
func TestSettleAfterSettlesCapturedTransactions(t *testing.T) {
	t.Parallel()
	const after = 300 * time.Millisecond
	srv := jupicotest.NewServer(t, jupicotest.WithSettleAfter(after))
	c := srv.Client(jupico.WithRetry(jupico.NoRetry()))
	ctx := context.Background()
	charge := &jupico.ChargeRequest{SubMerchantID: sub, Amount: jupico.Cents(2500), PaymentToken: token}
	sale, err := c.CreditCard.Sale(ctx, charge)
	require.NoError(t, err)
	auth, err := c.CreditCard.Authorize(ctx, charge)
	require.NoError(t, err)

	b, err := c.Query.Balance(ctx, &jupico.BalanceRequest{SubMerchantID: sub})
	require.NoError(t, err)
	assert.Equal(t, jupico.Cents(0), b.Available, "not settled yet")
	assert.Equal(t, jupico.Cents(2500), b.Pending)

	time.Sleep(after + 50*time.Millisecond)
	b, err = c.Query.Balance(ctx, &jupico.BalanceRequest{SubMerchantID: sub})
	require.NoError(t, err)
	assert.Equal(t, jupico.Cents(2500), b.Available, "settled after the delay")
	assert.Zero(t, b.Pending)
	tx, ok := srv.Transaction(sale.ID)
	require.True(t, ok)
	assert.True(t, tx.Settled)
	st, err := c.Query.Settlements(ctx, &jupico.ListFilter{SubMerchantID: sub})
	require.NoError(t, err)
	assert.Equal(t, 1, st.Total)

	_, err = c.CreditCard.Void(ctx, &jupico.VoidRequest{SubMerchantID: sub, TransactionID: sale.ID})
	assert.ErrorIs(t, err, jupico.ErrInvalidPayload, "a settled sale is refunded, not voided")
	_, err = c.CreditCard.Void(ctx, &jupico.VoidRequest{SubMerchantID: sub, TransactionID: auth.ID})
	assert.NoError(t, err, "an authorization not captured does not settle")
	_, err = c.Payouts.Create(ctx, &jupico.PayoutRequest{SubMerchantID: sub, Amount: jupico.Cents(1000)})
	assert.NoError(t, err)
}

// A negative delay is a configuration error.
func TestSettleAfterRefusesNegative(t *testing.T) {
	t.Parallel()
	_, err := jupicotest.New(jupicotest.WithSettleAfter(-time.Second))
	assert.ErrorIs(t, err, jupico.ErrInvalidOption)
}
