package jupicomock_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicomock"
)

func TestMocksReturnWhatTheyAreTold(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	boom := errors.New("boom")

	cards := new(jupicomock.CreditCard)
	cards.On("Authorize", ctx, mock.Anything).Return(&jupico.Transaction{ID: "a"}, nil)
	cards.On("Capture", ctx, mock.Anything).Return(nil, boom)
	cards.On("Void", ctx, mock.Anything).Return(&jupico.Transaction{ID: "v"}, nil)
	cards.On("Refund", ctx, mock.Anything).Return(&jupico.Transaction{ID: "r"}, nil)
	cards.On("Rollback", ctx, mock.Anything).Return(nil)
	cards.On("VerifyAddress", ctx, mock.Anything).Return(&jupico.AVSResult{Result: "Y"}, nil)
	var api jupico.CreditCardAPI = cards
	a, err := api.Authorize(ctx, &jupico.ChargeRequest{})
	require.NoError(t, err)
	assert.Equal(t, "a", a.ID)
	c, err := api.Capture(ctx, &jupico.CaptureRequest{})
	assert.Nil(t, c)
	assert.ErrorIs(t, err, boom)
	v, _ := api.Void(ctx, &jupico.VoidRequest{})
	assert.Equal(t, "v", v.ID)
	r, _ := api.Refund(ctx, &jupico.RefundRequest{})
	assert.Equal(t, "r", r.ID)
	assert.NoError(t, api.Rollback(ctx, &jupico.RollbackRequest{}))
	avs, _ := api.VerifyAddress(ctx, &jupico.AVSRequest{})
	assert.Equal(t, "Y", avs.Result)
	cards.AssertExpectations(t)

	ech := new(jupicomock.ECheck)
	ech.On("Sale", ctx, mock.Anything).Return(&jupico.Transaction{ID: "e"}, nil)
	ech.On("Refund", ctx, mock.Anything).Return(nil, boom)
	e, _ := ech.Sale(ctx, &jupico.ChargeRequest{})
	assert.Equal(t, "e", e.ID)
	_, err = ech.Refund(ctx, &jupico.RefundRequest{})
	assert.ErrorIs(t, err, boom)

	sess := new(jupicomock.Sessions)
	sess.On("Authorize", ctx, mock.Anything).Return(json.RawMessage(`{"s":1}`), nil)
	s, _ := sess.Authorize(ctx, &jupico.BrowserSessionRequest{})
	assert.JSONEq(t, `{"s":1}`, string(s))

	q := new(jupicomock.Query)
	q.On("Transactions", ctx, mock.Anything).Return(&jupico.Page[jupico.Transaction]{Total: 2,
		Items: []*jupico.Transaction{{ID: "1"}, {ID: "2"}}}, nil)
	p, _ := q.Transactions(ctx, nil)
	assert.Equal(t, 2, p.Total)
	var ids []string
	for tx, err := range jupico.All(ctx, q.Transactions, &jupico.TransactionFilter{}) {
		require.NoError(t, err)
		ids = append(ids, tx.ID)
	}
	assert.Equal(t, []string{"1", "2"}, ids)
}
