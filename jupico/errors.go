package jupico

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/jupico/jupico-go/internal/pipeline"
	"github.com/jupico/jupico-go/internal/redact"
	"github.com/jupico/jupico-go/internal/wire"
)

// Sentinels matched, through errors.Is, by an *APIError with the
// corresponding HTTP status.
var (
	// ErrUnauthorized: 401. Jupico uses it for every authentication and
	// permission failure, including a wrong content type. The request was
	// not processed.
	ErrUnauthorized = errors.New("jupico: unauthorized")
	// ErrForbidden: 403.
	ErrForbidden = errors.New("jupico: forbidden")
	// ErrNotFound: 404 (Jupico's "wrong_url").
	ErrNotFound = errors.New("jupico: not found")
	// ErrInvalidPayload: 400 with code invalid_payload, or any 400 that is
	// not a failed transaction. The request was not processed.
	ErrInvalidPayload = errors.New("jupico: invalid payload")
	// ErrRateLimited: 429.
	ErrRateLimited = errors.New("jupico: rate limited")
	// ErrServiceUnavailable: 503. Jupico documents that a retry is safe
	// without a rollback; the client has already retried per its policy.
	ErrServiceUnavailable = errors.New("jupico: service unavailable")
	// ErrServerError: 500 and any other 5xx.
	ErrServerError = errors.New("jupico: server error")
)

// Sentinels for failures with no usable HTTP answer, matched through
// errors.Is by a *RequestError.
var (
	// ErrTimeout: an attempt (or the caller's context) ran out of time.
	ErrTimeout = pipeline.ErrTimeout
	// ErrCertificate: the server's certificate failed verification (unknown
	// authority, wrong host name, expired, wrong key usage). Never retried.
	// errors.As also reaches the crypto/x509 or crypto/tls error.
	ErrCertificate = pipeline.ErrCertificate
	// ErrTLSHandshake: the TLS handshake failed for a reason other than the
	// certificate, typically a server that offers only protocol versions or
	// cipher suites the SDK refuses (TLS 1.0/1.1, RSA key exchange, CBC).
	// Never retried.
	ErrTLSHandshake = pipeline.ErrTLSHandshake
	// ErrRedirect: Jupico answered with a 3xx. Jupico does not redirect, so
	// the SDK never follows one: the target receives nothing.
	ErrRedirect = pipeline.ErrRedirect
	// ErrResponseTooLarge: the response body exceeded the cap (1 MiB). The
	// body is not truncated silently; the call fails.
	ErrResponseTooLarge = pipeline.ErrResponseTooLarge
	// ErrConnection: the connection failed (refused, reset, unresolvable
	// host, broken mid-response).
	ErrConnection = pipeline.ErrConnection
	// ErrCredentials: the credentials provider failed or returned nothing.
	// errors.As reaches the provider's error. Nothing was sent.
	ErrCredentials = pipeline.ErrCredentials
	// ErrRateLimiter: waiting on the client-side rate limiter failed,
	// usually because the context ended first. Nothing was sent.
	ErrRateLimiter = pipeline.ErrRateLimiter
	// ErrTransportPolicy: a transport middleware rewrote a request to
	// another destination or answered it without the SDK transport.
	ErrTransportPolicy = pipeline.ErrTransportPolicy
	// ErrMalformedAnswer: Jupico answered 2xx but the body is not the JSON
	// the contract describes. The error never quotes the body.
	ErrMalformedAnswer = pipeline.ErrMalformedAnswer
)

// ErrorCode is a machine-readable Jupico error code, such as
// "auth_invalid_api_token" or "tx_cc_declined".
type ErrorCode string

// Error codes Jupico documents.
const (
	ErrorCodeInvalidPayload         ErrorCode = "invalid_payload"
	ErrorCodeWrongURL               ErrorCode = "wrong_url"
	ErrorCodeForbidden              ErrorCode = "forbidden"
	ErrorCodeServiceUnavailable     ErrorCode = "service_unavailable"
	ErrorCodeInternalServerError    ErrorCode = "internal_server_error"
	ErrorCodeAuthInvalidSubmerchant ErrorCode = "auth_invalid_submerchant"
	ErrorCodeAuthInvalidRole        ErrorCode = "auth_invalid_role"
	ErrorCodeAuthHeaderNotPresent   ErrorCode = "auth_header_not_present"
	ErrorCodeAuthInvalidAPIToken    ErrorCode = "auth_invalid_api_token"
	ErrorCodeAuthInvalidAPIUser     ErrorCode = "auth_invalid_api_user"
	ErrorCodeAuthInvalidFacilitator ErrorCode = "auth_invalid_facilitator"
	ErrorCodeAuthInvalidProduct     ErrorCode = "auth_invalid_product"
	ErrorCodeAuthInvalidContentType ErrorCode = "auth_invalid_content_type"
	ErrorCodeDeclined               ErrorCode = "tx_cc_declined"
	ErrorCodeInsufficientFunds      ErrorCode = "tx_cc_declined_insufficient_funds"
	ErrorCodeDoNotHonor             ErrorCode = "tx_cc_declined_do_not_honor"
	ErrorCodeTransactionNotAllowed  ErrorCode = "tx_cc_declined_transaction_not_allowed"
)

// maxMessageBytes caps how much of Jupico's error message an APIError keeps.
const maxMessageBytes = 512

// APIError is an HTTP answer from Jupico that is not a success. Use
// errors.Is with the sentinels above to branch on its kind, and errors.As to
// read its fields.
type APIError struct {
	// Operation names the call, e.g. "status" or "creditcard.sale".
	Operation string
	// HTTPStatus is the response's status code.
	HTTPStatus int
	// Code is Jupico's error code; empty when the body carried none.
	Code ErrorCode
	// Message is Jupico's error message, with anything that looks like a
	// card number masked and control characters removed. For a decline it
	// is safe to show to the customer; for other errors Jupico advises
	// against showing it.
	Message string
	// RequestID is the request identifier from the response headers, when
	// one was sent.
	RequestID string
	// Attempts is how many attempts ran before this answer.
	Attempts int

	failed bool // 400 with status "failed": indeterminate, not a bad payload
}

// Error returns e.g. "jupico: status: 401 auth_invalid_api_token: bad
// token". It works on any value, the zero value and nil included, leaving
// out what is not set.
func (e *APIError) Error() string {
	if e == nil {
		return "jupico: api error"
	}
	s := "jupico: "
	if e.Operation != "" {
		s += e.Operation + ": "
	}
	if e.Attempts > 1 {
		s += "after " + strconv.Itoa(e.Attempts) + " attempts: "
	}
	switch {
	case e.HTTPStatus != 0:
		s += strconv.Itoa(e.HTTPStatus)
		if e.Code != "" {
			s += " " + string(e.Code)
		} else if t := http.StatusText(e.HTTPStatus); t != "" {
			s += " " + t
		}
	case e.Code != "":
		s += string(e.Code)
	default:
		s += "api error"
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.RequestID != "" {
		s += " (request id " + e.RequestID + ")"
	}
	return s
}

// Is matches the sentinel for the error's HTTP status.
func (e *APIError) Is(target error) bool {
	if e == nil {
		return false
	}
	switch target {
	case ErrDeclined:
		return e.HTTPStatus >= 200 && e.HTTPStatus < 300
	case ErrUnauthorized:
		return e.HTTPStatus == http.StatusUnauthorized
	case ErrForbidden:
		return e.HTTPStatus == http.StatusForbidden
	case ErrNotFound:
		return e.HTTPStatus == http.StatusNotFound
	case ErrInvalidPayload:
		return e.HTTPStatus == http.StatusBadRequest && !e.failed
	case ErrRateLimited:
		return e.HTTPStatus == http.StatusTooManyRequests
	case ErrServiceUnavailable:
		return e.HTTPStatus == http.StatusServiceUnavailable
	case ErrServerError:
		return e.HTTPStatus >= 500 && e.HTTPStatus != http.StatusServiceUnavailable
	}
	return false
}

func newAPIError(op string, r *pipeline.Response) *APIError {
	e := &APIError{Operation: op, HTTPStatus: r.StatusCode, RequestID: redact.Text(r.RequestID, 128), Attempts: r.Attempts}
	if r.Envelope != nil && r.Envelope.Status == wire.StatusFailed {
		e.failed = true
	}
	if r.Envelope != nil && r.Envelope.Error != nil {
		e.Code = ErrorCode(redact.Text(r.Envelope.Error.Code, 128))
		e.Message = redact.Text(r.Envelope.Error.Message, maxMessageBytes)
	}
	return e
}

// RequestError is a call that produced no usable HTTP answer: a timeout, a
// refused certificate or TLS handshake, a broken connection, a response too
// large to read, missing credentials. errors.Is matches one of the
// sentinels ErrTimeout, ErrCertificate, ErrTLSHandshake, ErrRedirect,
// ErrResponseTooLarge, ErrConnection, ErrCredentials, ErrRateLimiter,
// ErrTransportPolicy, ErrMalformedAnswer, or context.Canceled; errors.As reaches the underlying
// cause (a *url.Error, a *net.OpError, an x509 error).
type RequestError struct {
	// Operation names the call.
	Operation string
	// Attempts is how many attempts ran.
	Attempts int
	// MaybeProcessed reports that the last attempt's request may have
	// reached Jupico and its outcome is unknown.
	MaybeProcessed bool
	kind, cause    error
}

// Error returns e.g. "jupico: status: giving up after 3 attempts:
// connection failed: ...". It works on any value, the zero value and nil
// included.
func (e *RequestError) Error() string {
	s := "jupico: "
	if e == nil {
		return s + "request failed"
	}
	if e.Operation != "" {
		s += e.Operation + ": "
	}
	if e.Attempts > 1 {
		s += "giving up after " + strconv.Itoa(e.Attempts) + " attempts: "
	}
	switch {
	case e.kind != nil:
		s += bare(e.kind, e.Operation)
	case e.cause == nil:
		s += "request failed"
	}
	if e.cause != nil {
		if e.kind != nil {
			s += ": "
		}
		s += bare(e.cause, e.Operation)
	}
	return s
}

// Unwrap returns the kind sentinel and the underlying cause, leaving out
// what is nil.
func (e *RequestError) Unwrap() []error {
	if e == nil {
		return nil
	}
	var errs []error
	for _, err := range []error{e.kind, e.cause} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// bare is err's message for quoting inside another jupico error: without
// its "jupico: " prefixes (the outer message has one) and without a
// leading "<op>: " that repeats the outer error's operation.
func bare(err error, op string) string {
	s := strings.TrimPrefix(err.Error(), "jupico: ")
	if op != "" {
		s = strings.TrimPrefix(s, op+": ")
	}
	return strings.ReplaceAll(s, "jupico: ", "")
}

func newRequestError(err error) error {
	var pe *pipeline.Error
	if !errors.As(err, &pe) {
		return err
	}
	re := &RequestError{Operation: pe.Op, Attempts: pe.Attempts, MaybeProcessed: pe.Unknown, kind: pe.Kind, cause: pe.Err}
	if re.cause == re.kind {
		re.cause = nil
	}
	return re
}

// malformed reports a 2xx answer whose body is not what the contract says.
// what describes the problem in the SDK's own words; the body and the JSON
// decoder's message (which can quote values from it) are never included.
func malformed(op string, attempts int, maybeProcessed bool, what string) error {
	return &RequestError{Operation: op, Attempts: attempts, MaybeProcessed: maybeProcessed, kind: ErrMalformedAnswer, cause: errors.New(what)}
}
