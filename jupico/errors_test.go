package jupico_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/credentials/vault"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
	"github.com/jupico/jupico-go/webhook"
)

// TestExportedErrorTypesWorkOnAnyValue builds the zero value, a nil pointer
// and partial values of every exported error type of jupico, webhook and
// credentials, as users' mocks do by hand, and calls Error, Unwrap and Is
// on each: none may panic, and each message stays one sensible line.
func TestExportedErrorTypesWorkOnAnyValue(t *testing.T) {
	t.Parallel()
	cause := errors.New("boom")
	cases := []struct {
		name   string
		err    error
		prefix string
		want   string // a substring the message must hold
	}{
		{"APIError zero", &jupico.APIError{}, "jupico: ", "jupico: "},
		{"APIError nil", (*jupico.APIError)(nil), "jupico: ", "jupico: "},
		{"APIError status only", &jupico.APIError{HTTPStatus: 500}, "jupico: ", "500 Internal Server Error"},
		{"APIError code only", &jupico.APIError{Code: jupico.ErrorCodeDeclined, Message: "declined"}, "jupico: ", "tx_cc_declined: declined"},
		{"APIError operation only", &jupico.APIError{Operation: "creditcard.sale"}, "jupico: creditcard.sale", "creditcard.sale"},
		{"RequestError zero", &jupico.RequestError{}, "jupico: ", "request failed"},
		{"RequestError nil", (*jupico.RequestError)(nil), "jupico: ", "jupico: "},
		{"RequestError partial", &jupico.RequestError{Operation: "status", Attempts: 3, MaybeProcessed: true}, "jupico: status: ", "after 3 attempts"},
		{"IndeterminateError zero", &jupico.IndeterminateError{}, "jupico: ", "outcome unknown"},
		{"IndeterminateError nil", (*jupico.IndeterminateError)(nil), "jupico: ", "outcome unknown"},
		{"IndeterminateError rolled back", &jupico.IndeterminateError{RolledBack: true}, "jupico: ", "rolled back"},
		{"IndeterminateError rollback attempted", &jupico.IndeterminateError{Operation: "creditcard.sale", RollbackAttempted: true}, "jupico: creditcard.sale: ", "rollback failed"},
		{"IndeterminateError cause", &jupico.IndeterminateError{Cause: cause, Rollback: &jupico.RollbackRequest{}}, "jupico: ", "boom"},
		{"IndeterminateError rollback error", &jupico.IndeterminateError{RollbackAttempted: true, RollbackErr: cause}, "jupico: ", "rollback failed: boom"},
		{"ValidationError zero", &jupico.ValidationError{}, "jupico: invalid request", "invalid request"},
		{"ValidationError nil", (*jupico.ValidationError)(nil), "jupico: invalid request", "invalid request"},
		{"ValidationError field only", &jupico.ValidationError{Field: "amount"}, "jupico: invalid request", "amount"},
		{"ValidationError reason only", &jupico.ValidationError{Reason: "must be positive"}, "jupico: invalid request", "must be positive"},
		{"webhook PanicError zero", &webhook.PanicError{}, "webhook: ", "panicked"},
		{"webhook PanicError nil", (*webhook.PanicError)(nil), "webhook: ", "panicked"},
		{"webhook PanicError value", &webhook.PanicError{Value: "x\ny", Stack: []byte("a\nb")}, "webhook: ", "panicked"},
		{"credentials ValidationError zero", &credentials.ValidationError{}, "credentials: ", "invalid"},
		{"credentials ValidationError nil", (*credentials.ValidationError)(nil), "credentials: ", "invalid"},
		{"credentials ValidationError source only", &credentials.ValidationError{Source: "JUPICO_API_KEY"}, "credentials: ", "JUPICO_API_KEY"},
		{"credentials ValidationError field only", &credentials.ValidationError{Field: "username"}, "credentials: ", "username"},
		{"vault Error zero", &vault.Error{}, "vault: ", "vault: "},
		{"vault Error nil", (*vault.Error)(nil), "vault: ", "vault: "},
		{"vault Error partial", &vault.Error{StatusCode: 403}, "vault: ", "403"},
	}
	sentinels := []error{jupico.ErrDeclined, jupico.ErrIndeterminate, jupico.ErrRolledBack, jupico.ErrServerError,
		jupico.ErrConnection, jupico.ErrValidation, webhook.ErrHandlerFailed, credentials.ErrInvalid, credentials.ErrNoCredentials, cause}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var msg string
			require.NotPanics(t, func() { msg = tc.err.Error() }, "Error")
			assert.True(t, strings.HasPrefix(msg, tc.prefix), "got %q, want prefix %q", msg, tc.prefix)
			assert.Contains(t, msg, tc.want)
			assert.NotContains(t, msg, "\n")
			assert.NotContains(t, msg, ": :")
			assert.False(t, strings.HasSuffix(msg, ": ") || strings.HasSuffix(msg, " "), "got %q: ends in a separator", msg)
			for _, pkg := range []string{"jupico: ", "webhook: ", "credentials: ", "vault: "} {
				assert.LessOrEqual(t, strings.Count(msg, pkg), 1, "got %q: %q repeats", msg, pkg)
			}
			require.NotPanics(t, func() {
				for _, s := range sentinels {
					_ = errors.Is(tc.err, s)
				}
				_ = errors.Unwrap(tc.err)
				var api *jupico.APIError
				_ = errors.As(tc.err, &api)
				_ = fmt.Sprintf("%v %+v %s", tc.err, tc.err, tc.err)
			}, "Is, Unwrap, As, fmt")
		})
	}
}

// TestErrorMessagesOneLineOnePrefix collects errors the SDK returns on
// real paths (a 500 on a sale, a broken connection, a bad amount, each
// rule of WithBaseURL) and checks each is one line with one "jupico:".
func TestErrorMessagesOneLineOnePrefix(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := jupicotest.NewServer(t)
	var msgs []string
	add := func(err error) {
		t.Helper()
		require.Error(t, err)
		msgs = append(msgs, err.Error())
	}

	// An unknown outcome whose cause is an *APIError (500), rolled back.
	in := srv.InjectFault(salePath, jupicotest.Fault{Status: http.StatusInternalServerError})
	_, err := srv.Client(fast).CreditCard.Sale(ctx, charge(4200))
	require.ErrorIs(t, err, jupico.ErrIndeterminate)
	require.ErrorIs(t, err, jupico.ErrServerError)
	add(err)
	in.Remove()
	// An unknown outcome whose cause is a *RequestError (connection reset).
	srv.InjectFault(salePath, jupicotest.Fault{AfterProcessing: true, ResetAfter: 12, Times: 1})
	_, err = srv.Client(fast).CreditCard.Sale(ctx, charge(4300))
	require.ErrorIs(t, err, jupico.ErrIndeterminate)
	require.ErrorIs(t, err, jupico.ErrConnection)
	add(err)
	// A *RequestError on its own: nothing listens.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	c, err := jupico.NewClient(jupico.WithBaseURL("https://"+addr), jupico.WithCredentials(srv.Credentials()), fast)
	require.NoError(t, err)
	defer c.Close()
	_, err = c.Status(ctx)
	require.ErrorIs(t, err, jupico.ErrConnection)
	add(err)
	// Amounts.
	_, err = jupico.ParseAmount("12.345")
	require.ErrorIs(t, err, jupico.ErrInvalidAmount)
	add(err)
	var a jupico.Amount
	err = a.UnmarshalJSON([]byte(`"1e3"`))
	require.ErrorIs(t, err, jupico.ErrInvalidAmount)
	add(err)
	// Options.
	_, err = jupico.NewClient(jupico.WithTimeout(0))
	require.ErrorIs(t, err, jupico.ErrInvalidOption)
	add(err)

	// Every rule of WithBaseURL is named, and every one still matches
	// ErrInsecureBaseURL.
	for _, tc := range []struct{ raw, rule string }{
		{"http://api.example.com", "must use https"},
		{"api.example.com", "must use https"},
		{"https://", "must have a host"},
		{"https://:443", "must have a host"},
		{"https://user:pass@api.example.com", "must not carry userinfo"},
		{"https://api.example.com?x=1", "must not carry a query"},
		{"https://api.example.com?", "must not carry a query"},
		{"https://api.example.com#frag", "must not carry a fragment"},
		{"https://api.example.com/a b", "must not contain spaces or control characters"},
		{"https://[::1", "does not parse"},
	} {
		_, err := jupico.NewClient(jupico.WithBaseURL(tc.raw), jupico.WithCredentials(srv.Credentials()))
		require.ErrorIs(t, err, jupico.ErrInsecureBaseURL, tc.raw)
		assert.Contains(t, err.Error(), tc.rule, tc.raw)
		assert.NotContains(t, err.Error(), "pass", "the userinfo is never echoed")
		add(err)
	}

	for _, m := range msgs {
		assert.Equal(t, 1, strings.Count(m, "jupico:"), "got %q: want one \"jupico:\"", m)
		assert.NotContains(t, m, "\n", "got %q: want one line", m)
	}
}
