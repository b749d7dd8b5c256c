package jupico_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

const salePath = "/v1/transactions/creditcard/sale"

func TestIndeterminateOutcomesAreRolledBackOnce(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		fault jupicotest.Fault
		ctx   func() (context.Context, context.CancelFunc)
		cause error
	}{
		{"500", jupicotest.Fault{Status: http.StatusInternalServerError, Code: "internal_server_error"}, nil, jupico.ErrServerError},
		{"400 failed", jupicotest.Fault{Status: http.StatusBadRequest}, nil, nil},
		{"502 from a gateway", jupicotest.Fault{Status: http.StatusBadGateway}, nil, jupico.ErrServerError},
		{"timeout", jupicotest.Fault{Delay: time.Minute}, nil, jupico.ErrTimeout},
		{"connection dropped after send", jupicotest.Fault{DropConnection: true}, nil, jupico.ErrConnection},
		{"unreadable 200", jupicotest.Fault{Status: http.StatusOK, Body: []byte(`{"success":tr`)}, nil, nil},
		{"caller cancels mid-request", jupicotest.Fault{Delay: time.Minute}, func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 200*time.Millisecond)
		}, context.DeadlineExceeded},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := jupicotest.NewServer(t)
			srv.InjectFault(salePath, tc.fault)
			var hooks jupicotest.RollbackRecorder
			c := srv.Client(fast, jupico.WithTransactionTimeout(500*time.Millisecond), jupico.WithRollbackHook(hooks.Hook))
			ctx, cancel := context.Background(), context.CancelFunc(func() {})
			if tc.ctx != nil {
				ctx, cancel = tc.ctx()
			}
			defer cancel()
			tx, err := c.CreditCard.Sale(ctx, charge(1999))
			assert.Nil(t, tx)
			require.Error(t, err)
			assert.ErrorIs(t, err, jupico.ErrIndeterminate)
			assert.ErrorIs(t, err, jupico.ErrRolledBack)
			if tc.cause != nil {
				assert.ErrorIs(t, err, tc.cause)
			}
			assert.NotErrorIs(t, err, jupico.ErrInvalidPayload, "a failed transaction is not a payload error")
			var ie *jupico.IndeterminateError
			require.ErrorAs(t, err, &ie)
			assert.True(t, ie.RollbackAttempted)
			assert.True(t, ie.RolledBack)
			assert.NoError(t, ie.RollbackErr)

			sales := srv.RequestsTo(salePath)
			require.Len(t, sales, 1, "an indeterminate transaction is never retried")
			rbs := srv.Rollbacks()
			require.Len(t, rbs, 1, "exactly one rollback")
			assert.True(t, bytes.Equal(sales[0].Body, rbs[0].Body), "the rollback carries the original body")
			assert.Equal(t, jupicotest.DefaultUsername, rbs[0].Username)

			ev := hooks.Events()
			require.Len(t, ev, 1)
			assert.True(t, ev[0].Acknowledged)
			assert.Equal(t, "creditcard.sale", ev[0].Operation)
			assert.Equal(t, "order-1042", ev[0].Reference, "without a journal too")
			assert.Equal(t, 1, ev[0].Attempts)
		})
	}
}

func TestNoRollbackWhenTheOutcomeIsKnown(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	var hooks jupicotest.RollbackRecorder
	c := srv.Client(fast, jupico.WithRollbackHook(hooks.Hook))
	ctx := context.Background()

	decline := charge(9023)
	decline.PaymentToken = jupico.PermanentToken("card", jupico.SandboxTestToken)
	_, err := c.CreditCard.Sale(ctx, decline)
	assert.ErrorIs(t, err, jupico.ErrDeclined)

	srv.InjectFault(salePath, jupicotest.Fault{Status: http.StatusServiceUnavailable, Code: "service_unavailable", Times: 3})
	_, err = c.CreditCard.Sale(ctx, charge(100))
	assert.ErrorIs(t, err, jupico.ErrServiceUnavailable)

	bad := srv.Client(fast, jupico.WithCredentials(credentials.Static("jupicotest", "wrong")), jupico.WithRollbackHook(hooks.Hook))
	_, err = bad.CreditCard.Sale(ctx, charge(100))
	assert.ErrorIs(t, err, jupico.ErrUnauthorized)

	srv.InjectFault(salePath, jupicotest.Fault{Status: http.StatusBadRequest, Code: "invalid_payload", Times: 1})
	_, err = c.CreditCard.Sale(ctx, charge(100))
	assert.ErrorIs(t, err, jupico.ErrInvalidPayload)
	assert.NotErrorIs(t, err, jupico.ErrIndeterminate)

	invalid := charge(0)
	_, err = c.CreditCard.Sale(ctx, invalid)
	assert.ErrorIs(t, err, jupico.ErrValidation)

	assert.Empty(t, srv.Rollbacks())
	assert.Empty(t, hooks.Events())
}

func TestRollbackIsRetriedUntilAcknowledged(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	srv.InjectFault(salePath, jupicotest.Fault{Status: http.StatusInternalServerError})
	srv.InjectFault("/v1/transactions/creditcard/rollback", jupicotest.Fault{Status: http.StatusServiceUnavailable, Times: 1})
	srv.InjectFault("/v1/transactions/creditcard/rollback", jupicotest.Fault{Status: http.StatusInternalServerError, Times: 1})
	var hooks jupicotest.RollbackRecorder
	c := srv.Client(fast, jupico.WithRollbackRetry(jupico.RetryPolicy{MaxAttempts: 5, MinDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond}),
		jupico.WithRollbackHook(hooks.Hook))
	_, err := c.CreditCard.Sale(context.Background(), charge(1500))
	assert.ErrorIs(t, err, jupico.ErrRolledBack)
	assert.Len(t, srv.Rollbacks(), 3)
	ev := hooks.Events()
	require.Len(t, ev, 1)
	assert.True(t, ev[0].Acknowledged)
	assert.Equal(t, 3, ev[0].Attempts)
}

func TestFailedRollbackIsReported(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	srv.InjectFault(salePath, jupicotest.Fault{Status: http.StatusInternalServerError})
	srv.InjectFault("/v1/transactions/creditcard/rollback", jupicotest.Fault{Status: http.StatusInternalServerError})
	var hooks jupicotest.RollbackRecorder
	c := srv.Client(fast, jupico.WithRollbackRetry(jupico.RetryPolicy{MaxAttempts: 4, MinDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond}),
		jupico.WithRollbackHook(hooks.Hook))
	_, err := c.CreditCard.Sale(context.Background(), charge(1500))
	require.ErrorIs(t, err, jupico.ErrIndeterminate)
	assert.NotErrorIs(t, err, jupico.ErrRolledBack)
	var ie *jupico.IndeterminateError
	require.ErrorAs(t, err, &ie)
	assert.True(t, ie.RollbackAttempted)
	assert.False(t, ie.RolledBack)
	assert.ErrorIs(t, ie.RollbackErr, jupico.ErrServerError)
	assert.Contains(t, err.Error(), "rollback failed")
	assert.Len(t, srv.Rollbacks(), 4)
	ev := hooks.Events()
	require.Len(t, ev, 1)
	assert.False(t, ev[0].Acknowledged)
	assert.Error(t, ev[0].Err)
}

func TestRollbackOutlivesTheCallersContext(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	srv.InjectFault(salePath, jupicotest.Fault{Delay: time.Minute})
	// The first rollback attempt is slow: it must still complete although
	// the caller's context is long gone.
	srv.InjectFault("/v1/transactions/creditcard/rollback", jupicotest.Fault{Status: http.StatusServiceUnavailable, Delay: 300 * time.Millisecond, Times: 1})
	c := srv.Client(fast)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for len(srv.RequestsTo(salePath)) == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err := c.CreditCard.Sale(ctx, charge(1500))
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, err, jupico.ErrRolledBack)
	assert.Len(t, srv.Rollbacks(), 2)
}

func TestManualRollbackWhenAutoRollbackIsOff(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	srv.InjectFault(salePath, jupicotest.Fault{Status: http.StatusInternalServerError, Times: 1})
	c := srv.Client(fast, jupico.WithAutoRollback(false))
	_, err := c.CreditCard.Sale(context.Background(), charge(1500))
	require.ErrorIs(t, err, jupico.ErrIndeterminate)
	var ie *jupico.IndeterminateError
	require.ErrorAs(t, err, &ie)
	assert.False(t, ie.RollbackAttempted)
	require.NotNil(t, ie.Rollback)
	assert.Empty(t, srv.Rollbacks())
	assert.Contains(t, err.Error(), "automatic rollback is off")

	require.NoError(t, c.CreditCard.Rollback(context.Background(), ie.Rollback))
	rbs := srv.Rollbacks()
	require.Len(t, rbs, 1)
	assert.Equal(t, srv.RequestsTo(salePath)[0].Body, rbs[0].Body)

	assert.ErrorIs(t, c.CreditCard.Rollback(context.Background(), nil), jupico.ErrValidation)
	assert.ErrorIs(t, c.CreditCard.Rollback(context.Background(), &jupico.RollbackRequest{Operation: "echeck.sale", Body: []byte(`{}`)}), jupico.ErrValidation)
}

// The fake processes the sale, then the answer is lost: the money moved,
// the client cannot know, and the rollback reverses exactly that sale.
func TestRollbackReversesAProcessedSale(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	for _, f := range []jupicotest.Fault{
		{AfterProcessing: true, DropConnection: true, Times: 1},
		{AfterProcessing: true, Status: http.StatusInternalServerError, Times: 1},
		{AfterProcessing: true, ResetAfter: 10, Times: 1},
		{AfterProcessing: true, Delay: time.Minute, Times: 1},
	} {
		srv.InjectFault(salePath, f)
	}
	c := srv.Client(fast, jupico.WithTransactionTimeout(300*time.Millisecond))
	for i := range 4 {
		_, err := c.CreditCard.Sale(context.Background(), charge(int64(1000+i)))
		require.ErrorIs(t, err, jupico.ErrRolledBack, "case %d", i)
	}
	ok, err := c.CreditCard.Sale(context.Background(), charge(5000))
	require.NoError(t, err)
	for _, tx := range srv.Transactions() {
		if tx.ID == ok.ID {
			assert.Zero(t, tx.Rollbacks, "the approved sale was not rolled back")
			assert.Equal(t, jupico.Cents(5000), tx.Captured)
			continue
		}
		assert.Equal(t, 1, tx.Rollbacks, "%s rolled back exactly once", tx.ID)
		assert.Zero(t, tx.Captured, "%s was reversed", tx.ID)
	}
	assert.Len(t, srv.Transactions(), 5)
}

// A rollback can reach the fake before the sale it reverses is processed
// (the client gave up while the sale was still queued); the fake holds it
// and reverses the sale when it is processed, so no money stays moved.
func TestEarlyRollbackIsAppliedToALateSale(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client(fast)
	req := charge(4321)
	// A 500 before processing makes the client send the rollback for this
	// body first; the same body then arrives as the "late" original.
	srv.InjectFault(salePath, jupicotest.Fault{Status: http.StatusInternalServerError, Times: 1})
	_, err := c.CreditCard.Sale(context.Background(), req)
	require.ErrorIs(t, err, jupico.ErrRolledBack)           // the rollback arrived; no sale was processed
	tx, err := c.CreditCard.Sale(context.Background(), req) // the "late" original, same body
	require.NoError(t, err)
	rec, ok := srv.Transaction(tx.ID)
	require.True(t, ok)
	assert.Equal(t, 1, rec.Rollbacks, "the held rollback was applied")
	assert.Zero(t, rec.Captured)
}
