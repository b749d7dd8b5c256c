package jupicotest_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

func sale(t *testing.T, c *jupico.Client, cents int64) *jupico.Transaction {
	t.Helper()
	tx, err := c.CreditCard.Sale(context.Background(), &jupico.ChargeRequest{
		SubMerchantID: "sm_drift", Amount: jupico.Cents(cents), PaymentToken: jupico.PermanentToken("card", "tok_visa_4242"),
	})
	require.NoError(t, err)
	return tx
}

func members(t *testing.T, raw json.RawMessage) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &m), "%s", raw)
	return m
}

// SetDrift renames and adds members of an operation's answers, and of
// each record of a list operation's; other operations and declines keep
// their shape, and a zero Drift restores it.
func TestSetDriftChangesAnOperationsAnswers(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client()
	srv.SetDrift("creditcard.sale", jupicotest.Drift{Rename: map[string]string{"authCode": "authorizationCode"}, Add: map[string]any{"surcharge": 1.5}})
	tx := sale(t, c, 1000)
	m := members(t, tx.Raw)
	assert.Contains(t, m, "authorizationCode")
	assert.NotContains(t, m, "authCode")
	assert.JSONEq(t, `1.5`, string(m["surcharge"]))
	assert.Empty(t, tx.AuthCode, "the SDK no longer finds the renamed member")
	assert.NotEmpty(t, tx.ID, "the other members are kept")

	_, err := c.CreditCard.Sale(context.Background(), &jupico.ChargeRequest{
		SubMerchantID: "sm_drift", Amount: jupico.Cents(9020), PaymentToken: jupico.PermanentToken("card", jupicotest.TestToken),
	})
	require.ErrorIs(t, err, jupico.ErrDeclined, "a decline is left alone")

	auth, err := c.CreditCard.Authorize(context.Background(), &jupico.ChargeRequest{
		SubMerchantID: "sm_drift", Amount: jupico.Cents(1000), PaymentToken: jupico.PermanentToken("card", "tok_visa_4242"),
	})
	require.NoError(t, err)
	assert.NotContains(t, members(t, auth.Raw), "surcharge", "another operation is left alone")

	srv.SetDrift("query.transactions", jupicotest.Drift{Add: map[string]any{"bankName": "First Bank"}})
	page, err := c.Query.Transactions(context.Background(), &jupico.TransactionFilter{})
	require.NoError(t, err)
	require.NotEmpty(t, page.Items)
	for _, it := range page.Items {
		assert.Contains(t, members(t, it.Raw), "bankName", "each record of the list")
	}
	assert.Contains(t, members(t, page.Raw), "bankName", "and the page's own members")

	srv.SetDrift("creditcard.sale", jupicotest.Drift{})
	m = members(t, sale(t, c, 1000).Raw)
	assert.Contains(t, m, "authCode", "a zero Drift clears it")
	assert.NotContains(t, m, "surcharge")
}

// An operation the wire table does not know, or a value JSON cannot
// hold, is a programming error: without a testing.T, a panic.
func TestSetDriftRefusesBadInput(t *testing.T) {
	t.Parallel()
	srv := jupicotest.Start()
	defer srv.Close()
	assert.PanicsWithValue(t, `jupicotest: SetDrift: no operation "creditcard.charge" in the wire table`, func() {
		srv.SetDrift("creditcard.charge", jupicotest.Drift{Add: map[string]any{"x": 1}})
	})
	assert.Panics(t, func() { srv.SetDrift("creditcard.sale", jupicotest.Drift{Add: map[string]any{"x": func() {}}}) })
	c := srv.Client()
	defer c.Close()
	assert.NotContains(t, members(t, sale(t, c, 1000).Raw), "x", "nothing was set")
}
