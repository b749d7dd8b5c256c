package jupicomock

import (
	"net/http"

	"github.com/jupico/jupico-go/jupico"
)

// Errors for mocks to return, built as the real client builds them, so
// that merchant code branching with errors.Is and errors.As sees in a test
// what it would see in production. Each returns a new value; callers may
// set more fields (Operation, RequestID...) on it.

// Declined returns the error of a declined transaction: an *APIError with
// HTTP status 200, matching jupico.ErrDeclined and no other sentinel. code
// says why (jupico.ErrorCodeDeclined, jupico.ErrorCodeInsufficientFunds...) and
// message is the text safe to show the customer. The real Sale returns it
// together with a *jupico.Transaction whose Status is
// jupico.TransactionStatusDeclined; return both from the mock.
func Declined(code jupico.ErrorCode, message string) *jupico.APIError {
	return &jupico.APIError{HTTPStatus: http.StatusOK, Code: code, Message: message, Attempts: 1}
}

// Indeterminate returns the error of a transaction whose outcome is
// unknown because Jupico answered 500: an *jupico.IndeterminateError for
// operation op (e.g. "creditcard.sale") whose Cause is an *APIError 500,
// with a rollback attempted. It matches jupico.ErrIndeterminate and
// jupico.ErrServerError, and, when rolledBack is true, jupico.ErrRolledBack
// (the transaction did not happen and may be tried again). When rolledBack
// is false, RollbackErr holds the rollback's own 500: operators must
// reconcile the transaction. Rollback is nil (there is no original body
// to send); set it if the code under test reads it.
func Indeterminate(op string, rolledBack bool) *jupico.IndeterminateError {
	e := &jupico.IndeterminateError{
		Operation:         op,
		Cause:             &jupico.APIError{Operation: op, HTTPStatus: http.StatusInternalServerError, Code: jupico.ErrorCodeInternalServerError, Attempts: 1},
		RollbackAttempted: true,
		RolledBack:        rolledBack,
	}
	if !rolledBack {
		e.RollbackErr = &jupico.APIError{Operation: op + ".rollback", HTTPStatus: http.StatusInternalServerError, Code: jupico.ErrorCodeInternalServerError, Attempts: 1}
	}
	return e
}

// RateLimited returns Jupico's 429 after the client's retries ran out: an
// *APIError matching jupico.ErrRateLimited. Nothing was processed.
func RateLimited() *jupico.APIError {
	return &jupico.APIError{HTTPStatus: http.StatusTooManyRequests, Attempts: 1}
}

// AuthFailed returns Jupico's answer to a wrong or revoked key: an
// *APIError 401 with code jupico.ErrorCodeAuthInvalidAPIToken, matching
// jupico.ErrUnauthorized. Nothing was processed.
func AuthFailed() *jupico.APIError {
	return &jupico.APIError{HTTPStatus: http.StatusUnauthorized, Code: jupico.ErrorCodeAuthInvalidAPIToken, Message: "invalid api token", Attempts: 1}
}

// ServerError returns Jupico's 500 to a call that is not a transaction (a
// query, a session): an *APIError matching jupico.ErrServerError. A
// transaction's 500 is an unknown outcome instead: use Indeterminate.
func ServerError() *jupico.APIError {
	return &jupico.APIError{HTTPStatus: http.StatusInternalServerError, Code: jupico.ErrorCodeInternalServerError, Attempts: 1}
}

// ServiceUnavailable returns Jupico's 503 after the client's retries ran
// out: an *APIError matching jupico.ErrServiceUnavailable. Nothing was
// processed.
func ServiceUnavailable() *jupico.APIError {
	return &jupico.APIError{HTTPStatus: http.StatusServiceUnavailable, Code: jupico.ErrorCodeServiceUnavailable, Attempts: 1}
}

// InvalidPayload returns Jupico's 400 to a request it refused: an
// *APIError with code jupico.ErrorCodeInvalidPayload and the given message,
// matching jupico.ErrInvalidPayload. Nothing was processed.
func InvalidPayload(message string) *jupico.APIError {
	return &jupico.APIError{HTTPStatus: http.StatusBadRequest, Code: jupico.ErrorCodeInvalidPayload, Message: message, Attempts: 1}
}

// NotFound returns Jupico's 404: an *APIError with code
// jupico.ErrorCodeWrongURL, matching jupico.ErrNotFound.
func NotFound() *jupico.APIError {
	return &jupico.APIError{HTTPStatus: http.StatusNotFound, Code: jupico.ErrorCodeWrongURL, Attempts: 1}
}
