package awssm

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/jupico/jupico-go/credentials"
)

// Errors that callers branch on, matched with errors.Is against the *Error
// the providers return.
var (
	// ErrAccessDenied is matched when AWS refuses the caller: its IAM or
	// resource policy does not allow secretsmanager:GetSecretValue
	// (AccessDeniedException), or its AWS credentials are not recognised or
	// do not sign correctly (UnrecognizedClientException,
	// InvalidSignatureException...).
	ErrAccessDenied = errors.New("awssm: access denied")
	// ErrExpiredToken is matched when the caller's AWS credentials have
	// expired (ExpiredTokenException): refresh them where they come from.
	ErrExpiredToken = errors.New("awssm: aws credentials expired")
	// ErrNotFound is matched by ResourceNotFoundException: no such secret,
	// or no version with the staging label. Errors matching it also match
	// credentials.ErrNoCredentials, so that credentials.Chain moves on.
	ErrNotFound = errors.New("awssm: secret not found")
	// ErrThrottled is matched by ThrottlingException, once the SDK's retryer
	// has given up.
	ErrThrottled = errors.New("awssm: throttled")
	// ErrDecryption is matched by DecryptionFailure: the secret's KMS key
	// cannot be used by the caller.
	ErrDecryption = errors.New("awssm: secret cannot be decrypted")
	// ErrUnavailable is matched by InternalServiceError and any other
	// server-side (5xx) failure, once the SDK's retryer has given up.
	ErrUnavailable = errors.New("awssm: service unavailable")
	// ErrInvalidRequest is matched by InvalidRequestException and
	// InvalidParameterException, such as a secret scheduled for deletion.
	ErrInvalidRequest = errors.New("awssm: invalid request")
	// ErrMalformedResponse is matched when the service's answer cannot be
	// decoded. The decoder's message, which could quote the answer, is not
	// passed on.
	ErrMalformedResponse = errors.New("awssm: malformed response")
	// ErrInvalidOption is matched by the configuration errors of Credentials
	// and WebhookSecrets.
	ErrInvalidOption = credentials.ErrInvalidOption
)

// codes maps the error codes of Secrets Manager and of AWS's common errors
// to the sentinels above.
var codes = map[string]error{
	"AccessDeniedException":       ErrAccessDenied,
	"AccessDenied":                ErrAccessDenied,
	"UnrecognizedClientException": ErrAccessDenied,
	"InvalidClientTokenId":        ErrAccessDenied,
	"InvalidSignatureException":   ErrAccessDenied,
	"SignatureDoesNotMatch":       ErrAccessDenied,
	"IncompleteSignature":         ErrAccessDenied,
	"MissingAuthenticationToken":  ErrAccessDenied,
	"ExpiredTokenException":       ErrExpiredToken,
	"ExpiredToken":                ErrExpiredToken,
	"RequestExpired":              ErrExpiredToken,
	"ResourceNotFoundException":   ErrNotFound,
	"ThrottlingException":         ErrThrottled,
	"Throttling":                  ErrThrottled,
	"TooManyRequestsException":    ErrThrottled,
	"RequestLimitExceeded":        ErrThrottled,
	"DecryptionFailure":           ErrDecryption,
	"InternalServiceError":        ErrUnavailable,
	"InternalFailure":             ErrUnavailable,
	"ServiceUnavailable":          ErrUnavailable,
	"InvalidRequestException":     ErrInvalidRequest,
	"InvalidParameterException":   ErrInvalidRequest,
}

// Error is a failed GetSecretValue call. For an answer from AWS it carries
// the error code, HTTP status and request ID, and deliberately not AWS's
// message, which a misbehaving endpoint could fill with anything; for a
// failure before an answer (no connection, no AWS credentials, a cancelled
// context) it wraps that failure. It never carries a secret value, an AWS
// secret key, a session token or a signature.
//
// errors.Is matches the sentinel of its code (ErrAccessDenied,
// ErrExpiredToken, ErrNotFound and credentials.ErrNoCredentials,
// ErrThrottled, ErrDecryption, ErrUnavailable, ErrInvalidRequest), and
// ErrUnavailable for any 5xx.
type Error struct {
	// SecretID is the secret's name or ARN, as configured.
	SecretID string
	// Stage is the staging label asked for: AWSCURRENT or AWSPREVIOUS.
	Stage string
	// Code is AWS's error code, such as "AccessDeniedException"; empty
	// when no answer was received.
	Code string
	// StatusCode is the HTTP status of the answer; zero when none.
	StatusCode int
	// RequestID is AWS's request ID, for support cases; may be empty.
	RequestID string
	// Attempts is how many requests the SDK's retryer sent when it gave up
	// after retrying; zero when it did not retry.
	Attempts int

	err error // the failure before an answer, or ErrMalformedResponse
}

// Error returns "awssm: get secret <id> (<stage>): <code or failure>", with
// the status and request ID when known.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("awssm: get secret ")
	b.WriteString(e.SecretID)
	b.WriteString(" (")
	b.WriteString(e.Stage)
	b.WriteString("): ")
	switch {
	case e.Code != "":
		b.WriteString(e.Code)
		if s := e.sentinel(); s != nil {
			b.WriteString(": ")
			b.WriteString(strings.TrimPrefix(s.Error(), "awssm: "))
		}
	case e.err != nil:
		b.WriteString(strings.TrimPrefix(e.err.Error(), "awssm: "))
	default:
		b.WriteString("failed")
	}
	if e.StatusCode != 0 {
		b.WriteString(" (status ")
		b.WriteString(strconv.Itoa(e.StatusCode))
		if e.RequestID != "" {
			b.WriteString(", request id ")
			b.WriteString(e.RequestID)
		}
		b.WriteString(")")
	}
	if e.Attempts > 1 {
		b.WriteString(" after ")
		b.WriteString(strconv.Itoa(e.Attempts))
		b.WriteString(" attempts")
	}
	return b.String()
}

func (e *Error) sentinel() error {
	if s, ok := codes[e.Code]; ok {
		return s
	}
	if e.StatusCode >= 500 {
		return ErrUnavailable
	}
	return nil
}

// Is reports whether target is the sentinel of e's code, or
// credentials.ErrNoCredentials for ErrNotFound.
func (e *Error) Is(target error) bool {
	s := e.sentinel()
	if s == nil {
		return false
	}
	return target == s || (s == ErrNotFound && target == credentials.ErrNoCredentials)
}

// Unwrap returns the failure that happened before an answer, if any.
func (e *Error) Unwrap() error { return e.err }

// wrapError turns an error of GetSecretValue into an *Error.
func wrapError(err error, id, stage string) error {
	e := &Error{SecretID: id, Stage: stage}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		e.StatusCode = re.HTTPStatusCode()
		e.RequestID = re.ServiceRequestID()
	}
	var mae *retry.MaxAttemptsError
	if errors.As(err, &mae) {
		e.Attempts = mae.Attempt
	}
	var ae smithy.APIError
	var de *smithy.DeserializationError
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		e.err = contextError(err)
	case errors.As(err, &ae) && ae.ErrorCode() != "":
		e.Code = ae.ErrorCode()
	case errors.As(err, &de):
		e.err = ErrMalformedResponse
	default:
		e.err = err
	}
	return e
}

// contextError returns the context error err carries, so that no text of
// the SDK's wrapping is repeated for a plain cancellation.
func contextError(err error) error {
	if errors.Is(err, context.Canceled) {
		return context.Canceled
	}
	return context.DeadlineExceeded
}

// configError reports a configuration mistake; it matches ErrInvalidOption.
type configError struct{ msg string }

func (e *configError) Error() string { return "awssm: invalid configuration: " + e.msg }
func (e *configError) Unwrap() error { return ErrInvalidOption }
