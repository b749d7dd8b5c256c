package jupico_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

func seed(t *testing.T, c *jupico.Client, n int) []string {
	t.Helper()
	var ids []string
	for i := range n {
		tx, err := c.CreditCard.Sale(context.Background(), charge(int64(100+i)))
		require.NoError(t, err)
		ids = append(ids, tx.ID)
	}
	return ids
}

func TestQueryOnePage(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client()
	ids := seed(t, c, 5)
	page, err := c.Query.Transactions(context.Background(), &jupico.TransactionFilter{ListFilter: jupico.ListFilter{SubMerchantID: merchant, Limit: 2, Offset: 1}})
	require.NoError(t, err)
	assert.Equal(t, 5, page.Total)
	require.Len(t, page.Items, 2)
	assert.Equal(t, ids[1], page.Items[0].ID)
	assert.Equal(t, jupico.Cents(101), page.Items[0].Amount)
	assert.Equal(t, ids[2], page.Items[1].ID)

	assert.NotEmpty(t, page.Items[0].Raw, "each entry keeps its raw data, as every page's do")
	assert.NotEmpty(t, page.Items[0].RequestID)

	// One sort syntax, Jupico's: "-" first for descending.
	newest, err := c.Query.Transactions(context.Background(), &jupico.TransactionFilter{ListFilter: jupico.ListFilter{Sort: "-createdAt", Limit: 1}})
	require.NoError(t, err)
	require.Len(t, newest.Items, 1)
	assert.Equal(t, ids[4], newest.Items[0].ID)
	for _, bad := range []string{"createdAt:desc", "createdAt desc", "-", "a,,b"} {
		_, err = c.Query.Transactions(context.Background(), &jupico.TransactionFilter{ListFilter: jupico.ListFilter{Sort: bad}})
		assert.ErrorIs(t, err, jupico.ErrValidation, bad)
	}

	_, err = c.Query.Transactions(context.Background(), &jupico.TransactionFilter{ListFilter: jupico.ListFilter{Limit: jupico.MaxPageSize + 1}})
	assert.ErrorIs(t, err, jupico.ErrValidation)
	_, err = c.Query.Transactions(context.Background(), &jupico.TransactionFilter{ListFilter: jupico.ListFilter{From: time.Now(), To: time.Now().Add(-time.Hour)}})
	assert.ErrorIs(t, err, jupico.ErrValidation)
}

func TestQueryAllWalksEveryPage(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client()
	ids := seed(t, c, 7)
	var got []string
	for tx, err := range jupico.All(context.Background(), c.Query.Transactions, &jupico.TransactionFilter{ListFilter: jupico.ListFilter{Limit: 3}}) {
		require.NoError(t, err)
		got = append(got, tx.ID)
	}
	assert.Equal(t, ids, got)
	assert.Len(t, srv.RequestsTo("/v1/query/transactions"), 3, "pages of 3, 3 and 1")

	// Breaking out of the loop stops the walk.
	n := 0
	for range jupico.All(context.Background(), c.Query.Transactions, &jupico.TransactionFilter{ListFilter: jupico.ListFilter{Limit: 2}}) {
		n++
		if n == 3 {
			break
		}
	}
	assert.Equal(t, 3, n)
	assert.Len(t, srv.RequestsTo("/v1/query/transactions"), 3+2)
}

func TestQueryAllStopsAtCancellationAndErrors(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client(fast)
	seed(t, c, 6)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var seen int
	var last error
	for tx, err := range jupico.All(ctx, c.Query.Transactions, &jupico.TransactionFilter{ListFilter: jupico.ListFilter{Limit: 2}}) {
		if err != nil {
			last = err
			break
		}
		seen++
		if tx != nil && seen == 2 {
			cancel()
		}
	}
	assert.Equal(t, 2, seen)
	assert.ErrorIs(t, last, context.Canceled)
	assert.Len(t, srv.RequestsTo("/v1/query/transactions"), 1, "no page is fetched after cancellation")

	srv.InjectFault("/v1/query/transactions", jupicotest.Fault{Status: http.StatusForbidden, Code: "forbidden"})
	var errs int
	for tx, err := range jupico.All(context.Background(), c.Query.Transactions, nil) {
		assert.Nil(t, tx)
		assert.ErrorIs(t, err, jupico.ErrForbidden)
		errs++
	}
	assert.Equal(t, 1, errs, "the error is yielded once, then the walk ends")
}
