package jupicomock_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicomock"
)

// TestErrorConstructorsMatchTheSentinels checks that each constructor's
// error matches the sentinels merchant code branches on, and none of the
// others, so a mock behaves as the real client's error would.
func TestErrorConstructorsMatchTheSentinels(t *testing.T) {
	t.Parallel()
	all := []error{jupico.ErrDeclined, jupico.ErrIndeterminate, jupico.ErrRolledBack, jupico.ErrRateLimited,
		jupico.ErrUnauthorized, jupico.ErrServerError, jupico.ErrServiceUnavailable, jupico.ErrInvalidPayload, jupico.ErrNotFound}
	for _, tc := range []struct {
		name   string
		err    error
		status int // the *APIError's status reached by errors.As
		want   []error
	}{
		{"Declined", jupicomock.Declined(jupico.ErrorCodeInsufficientFunds, "Insufficient funds"), http.StatusOK, []error{jupico.ErrDeclined}},
		{"Indeterminate rolled back", jupicomock.Indeterminate("creditcard.sale", true), http.StatusInternalServerError,
			[]error{jupico.ErrIndeterminate, jupico.ErrRolledBack, jupico.ErrServerError}},
		{"Indeterminate not rolled back", jupicomock.Indeterminate("creditcard.sale", false), http.StatusInternalServerError,
			[]error{jupico.ErrIndeterminate, jupico.ErrServerError}},
		{"RateLimited", jupicomock.RateLimited(), http.StatusTooManyRequests, []error{jupico.ErrRateLimited}},
		{"AuthFailed", jupicomock.AuthFailed(), http.StatusUnauthorized, []error{jupico.ErrUnauthorized}},
		{"ServerError", jupicomock.ServerError(), http.StatusInternalServerError, []error{jupico.ErrServerError}},
		{"ServiceUnavailable", jupicomock.ServiceUnavailable(), http.StatusServiceUnavailable, []error{jupico.ErrServiceUnavailable}},
		{"InvalidPayload", jupicomock.InvalidPayload("amount is required"), http.StatusBadRequest, []error{jupico.ErrInvalidPayload}},
		{"NotFound", jupicomock.NotFound(), http.StatusNotFound, []error{jupico.ErrNotFound}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, s := range all {
				assert.Equal(t, contains(tc.want, s), errors.Is(tc.err, s), "errors.Is(%v, %v)", tc.err, s)
			}
			var api *jupico.APIError
			require.True(t, errors.As(tc.err, &api), "errors.As *APIError")
			assert.Equal(t, tc.status, api.HTTPStatus)
			assert.NotEmpty(t, tc.err.Error())
		})
	}

	// The constructors' fields are what the real client fills in.
	d := jupicomock.Declined(jupico.ErrorCodeDoNotHonor, "Do not honor")
	assert.Equal(t, jupico.ErrorCodeDoNotHonor, d.Code)
	assert.Equal(t, "Do not honor", d.Message)
	ind := jupicomock.Indeterminate("creditcard.sale", true)
	assert.Equal(t, "creditcard.sale", ind.Operation)
	assert.True(t, ind.RollbackAttempted)
	assert.True(t, ind.RolledBack)
	notRB := jupicomock.Indeterminate("echeck.sale", false)
	assert.False(t, notRB.RolledBack)
	assert.NotNil(t, notRB.RollbackErr, "a rollback that was attempted and not acknowledged says why")

	// Through a mock, as merchant code sees them.
	cards := new(jupicomock.CreditCard)
	cards.On("Sale", mock.Anything, mock.Anything).Return(nil, jupicomock.Indeterminate("creditcard.sale", true)).Once()
	_, err := cards.Sale(context.Background(), &jupico.ChargeRequest{})
	assert.ErrorIs(t, err, jupico.ErrRolledBack)
	cards.AssertExpectations(t)
}

func contains(errs []error, target error) bool {
	for _, e := range errs {
		if e == target {
			return true
		}
	}
	return false
}

// Branching on a decline and on an unknown outcome, with the errors a
// mock returns built by the constructors instead of by guessing fields.
func ExampleDeclined() {
	cards := new(jupicomock.CreditCard)
	cards.On("Sale", mock.Anything, mock.Anything).
		Return(&jupico.Transaction{Status: jupico.TransactionStatusDeclined}, jupicomock.Declined(jupico.ErrorCodeInsufficientFunds, "Insufficient funds")).Once()

	_, err := cards.Sale(context.Background(), &jupico.ChargeRequest{})
	var apiErr *jupico.APIError
	if errors.Is(err, jupico.ErrDeclined) && errors.As(err, &apiErr) {
		fmt.Println("declined:", apiErr.Code, apiErr.Message)
	}
	// Output:
	// declined: tx_cc_declined_insufficient_funds Insufficient funds
}

func ExampleIndeterminate() {
	err := error(jupicomock.Indeterminate("creditcard.sale", true))
	fmt.Println(errors.Is(err, jupico.ErrIndeterminate), errors.Is(err, jupico.ErrRolledBack))
	fmt.Println(err)
	// Output:
	// true true
	// jupico: creditcard.sale: outcome unknown (500 internal_server_error); rolled back
}

func ExampleRateLimited() {
	err := error(jupicomock.RateLimited())
	fmt.Println(errors.Is(err, jupico.ErrRateLimited))
	// Output:
	// true
}

func ExampleAuthFailed() {
	err := error(jupicomock.AuthFailed())
	fmt.Println(errors.Is(err, jupico.ErrUnauthorized), err)
	// Output:
	// true jupico: 401 auth_invalid_api_token: invalid api token
}

func ExampleServerError() {
	err := error(jupicomock.ServerError())
	fmt.Println(errors.Is(err, jupico.ErrServerError))
	// Output:
	// true
}
