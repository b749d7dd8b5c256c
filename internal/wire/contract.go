// Package wire is the single place that records how the SDK speaks to
// Jupico: base URLs, paths, headers, the response envelope, error codes and
// how an HTTP answer maps to an outcome. Where Jupico's public documentation
// is silent the choice is marked "assumed: not in public docs"; correcting an
// assumption is a change to this file, to the fake server in
// jupico/jupicotest (which serves this same contract) and to their tests.
package wire

import (
	"encoding/json"
	"net/http"
	"time"
)

// Base URLs (documented: authentication page and go-live checklist).
const (
	SandboxBaseURL    = "https://sandbox-platform.jupico.com"
	ProductionBaseURL = "https://platform.jupico.com"
)

// Headers.
const (
	HeaderContentType   = "Content-Type"
	HeaderAccept        = "Accept"
	HeaderAuthorization = "Authorization"
	HeaderUserAgent     = "User-Agent"
	HeaderRetryAfter    = "Retry-After"
	ContentTypeJSON     = "application/json"

	// HeaderRequestID carries a request identifier on responses.
	// assumed: not in public docs (Jupico documents no request-id header; the
	// SDK reports one when this common header is present).
	HeaderRequestID = "X-Request-Id"
)

// EmptyBody is sent when an operation has nothing to send: Jupico's docs ask
// for "{}" rather than an empty payload.
var EmptyBody = []byte("{}")

// TransactionTimeout is how long Jupico may take to answer a transaction
// (documented: "Timeouts handling", 35 s). No answer within it means the
// outcome is unknown and the transaction must be rolled back.
const TransactionTimeout = 35 * time.Second

// Kind says how an operation may be retried and whether an unknown outcome
// must be rolled back.
type Kind uint8

const (
	// KindRead operations change nothing at Jupico (status, queries): every
	// transport failure, 429, 502, 503 and 504 may be retried.
	KindRead Kind = iota
	// KindWrite operations change state but move no money (browser
	// sessions): retried only on 503 and when the request never left.
	KindWrite
	// KindTransaction operations move money: retried only on 503 and when
	// the request never left; an unknown outcome is rolled back.
	KindTransaction
	// KindRollback is a rollback: Jupico's system reversal, safe to repeat,
	// so every failure but a refusal (4xx other than 429) is retried.
	KindRollback

	// NumKinds is the number of kinds.
	NumKinds = int(KindRollback) + 1
)

// Operation describes one API call.
type Operation struct {
	// Name identifies the operation in logs and errors, e.g. "creditcard.sale".
	Name   string
	Method string
	Path   string
	Kind   Kind
	// Rollback is the operation that reverses this one when its outcome is
	// unknown; nil when there is none.
	Rollback *Operation
}

// Operations. Sale and rollback paths for cards, browser sessions, query and
// status are documented; the others are assumed from the documented base path
// /v1/transactions/creditcard/ and the operation names.
var (
	Status = Operation{Name: "status", Method: http.MethodGet, Path: "/status", Kind: KindRead}

	// The rollback's body is the original operation's body, sent as is
	// (assumed: not in public docs). Also assumed: a rollback that reaches
	// Jupico before its original (still queued when the client gave up) is
	// matched to the original when that is processed; the fake behaves so.
	CardRollback = Operation{Name: "creditcard.rollback", Method: http.MethodPost, Path: "/v1/transactions/creditcard/rollback", Kind: KindRollback}
	CardSale     = Operation{Name: "creditcard.sale", Method: http.MethodPost, Path: "/v1/transactions/creditcard/sale", Kind: KindTransaction, Rollback: &CardRollback}
	// assumed: not in public docs (path of authorize).
	CardAuthorize = Operation{Name: "creditcard.authorize", Method: http.MethodPost, Path: "/v1/transactions/creditcard/authorization", Kind: KindTransaction, Rollback: &CardRollback}
	// assumed: not in public docs (path of capture).
	CardCapture = Operation{Name: "creditcard.capture", Method: http.MethodPost, Path: "/v1/transactions/creditcard/capture", Kind: KindTransaction, Rollback: &CardRollback}
	// assumed: not in public docs (path of void).
	CardVoid = Operation{Name: "creditcard.void", Method: http.MethodPost, Path: "/v1/transactions/creditcard/void", Kind: KindTransaction, Rollback: &CardRollback}
	// assumed: not in public docs (path of refund).
	CardRefund = Operation{Name: "creditcard.refund", Method: http.MethodPost, Path: "/v1/transactions/creditcard/refund", Kind: KindTransaction, Rollback: &CardRollback}
	// assumed: not in public docs (path of AVS-only; it authorizes nothing,
	// so it needs no rollback).
	CardAVS = Operation{Name: "creditcard.avs", Method: http.MethodPost, Path: "/v1/transactions/creditcard/avs", Kind: KindWrite}

	// assumed: not in public docs (eCheck paths; Jupico documents no eCheck
	// rollback, so an unknown eCheck outcome is reported, not rolled back).
	ECheckSale   = Operation{Name: "echeck.sale", Method: http.MethodPost, Path: "/v1/transactions/echeck/sale", Kind: KindTransaction}
	ECheckRefund = Operation{Name: "echeck.refund", Method: http.MethodPost, Path: "/v1/transactions/echeck/refund", Kind: KindTransaction}

	BrowserSession    = Operation{Name: "sessions.browser.authorize", Method: http.MethodPost, Path: "/v1/sessions/browser/authorize", Kind: KindWrite}
	QueryTransactions = Operation{Name: "query.transactions", Method: http.MethodPost, Path: "/v1/query/transactions", Kind: KindRead}
)

// Outcome statuses carried in the envelope's "status" (documented:
// "Transaction status handling").
const (
	StatusSucceeded = "succeeded"
	StatusDeclined  = "declined"
	StatusFailed    = "failed"
)

// Envelope is every JSON answer: {"success", "status", "data", "error"}.
// success, status and error are documented; the "data" wrapper is
// assumed: not in public docs.
type Envelope struct {
	Success bool            `json:"success"`
	Status  string          `json:"status,omitempty"`
	Data    json.RawMessage `json:"data,omitempty"`
	Error   *ErrorBody      `json:"error,omitempty"`
}

// ErrorBody is the documented {"code", "message"} error object.
type ErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Documented error codes (error-codes page).
const (
	CodeInvalidPayload         = "invalid_payload"
	CodeWrongURL               = "wrong_url"
	CodeForbidden              = "forbidden"
	CodeServiceUnavailable     = "service_unavailable"
	CodeInternalServerError    = "internal_server_error"
	CodeAuthInvalidSubmerchant = "auth_invalid_submerchant"
	CodeAuthInvalidRole        = "auth_invalid_role"
	CodeAuthHeaderNotPresent   = "auth_header_not_present"
	CodeAuthInvalidAPIToken    = "auth_invalid_api_token"
	CodeAuthInvalidAPIUser     = "auth_invalid_api_user"
	CodeAuthInvalidFacilitator = "auth_invalid_facilitator"
	CodeAuthInvalidProduct     = "auth_invalid_product"
	CodeAuthInvalidContentType = "auth_invalid_content_type"
	CodeDeclined               = "tx_cc_declined"
	CodeInsufficientFunds      = "tx_cc_declined_insufficient_funds"
	CodeDoNotHonor             = "tx_cc_declined_do_not_honor"
	CodeTransactionNotAllowed  = "tx_cc_declined_transaction_not_allowed"
)

// Outcome is what an HTTP answer means for the caller.
type Outcome uint8

const (
	// OutcomeSucceeded: 2xx with success true.
	OutcomeSucceeded Outcome = iota
	// OutcomeDeclined: 200 with success false, a normal business result.
	OutcomeDeclined
	// OutcomeIndeterminate: 400 with status "failed", or any 500: Jupico
	// asks for a rollback.
	OutcomeIndeterminate
	// OutcomeRetryable: 503, documented as "retry is safe without a
	// rollback", and 429 (assumed: not in public docs; a rate limiter refuses
	// a request before it is processed).
	OutcomeRetryable
	// OutcomeRejected: any other 4xx (auth, payload, not found): Jupico did
	// not process the request.
	OutcomeRejected
	// OutcomeServerError: another 5xx, such as a gateway's 502 or 504.
	// assumed: not in public docs (only 500 and 503 are documented). Whether
	// Jupico processed the request is unknown, so transactions treat it as
	// indeterminate; reads retry 502 and 504.
	OutcomeServerError
)

// Classify maps an HTTP status and its decoded envelope (nil when the body
// was not an envelope) to an Outcome.
func Classify(status int, env *Envelope) Outcome {
	switch {
	case status >= 200 && status < 300:
		if env != nil && !env.Success {
			return OutcomeDeclined
		}
		return OutcomeSucceeded
	case status == http.StatusBadRequest && env != nil && env.Status == StatusFailed:
		return OutcomeIndeterminate
	case status == http.StatusInternalServerError:
		return OutcomeIndeterminate
	case status == http.StatusServiceUnavailable, status == http.StatusTooManyRequests:
		return OutcomeRetryable
	case status >= 500:
		return OutcomeServerError
	default:
		return OutcomeRejected
	}
}

// SandboxTestToken is the payment token that, with the amounts below,
// triggers Jupico's documented sandbox outcomes (error-codes page).
const SandboxTestToken = "b0a67cc8-d78e-4e71-afc3-2e8b00646973"

// Sandbox trigger amounts, in cents (documented).
const (
	TriggerDeclined           = 9020  // 90.20: tx_cc_declined
	TriggerInsufficientFunds  = 9023  // 90.23: tx_cc_declined_insufficient_funds
	TriggerDoNotHonor         = 9024  // 90.24: tx_cc_declined_do_not_honor
	TriggerServiceUnavailable = 10110 // 101.10: 503 service_unavailable
	TriggerInternalError      = 10111 // 101.11: 500 internal_server_error
)

// Request and response bodies.
//
// Amounts are JSON numbers in major units with at most two decimals
// (documented); they travel as json.Number so the SDK's integer-cents type
// writes and reads them exactly. The ReadMe rendering of Jupico's reference
// lost most field names: every field name below that is not in a documented
// example is assumed: not in public docs. Documented names: subMerchantId,
// paymentToken (type+token or data), taxWithHold, taxAmount,
// taxWithHoldRelease, taxAmountRelease, dynamicFee, the browser-session
// fields, limit/offset/sort and status in queries.

// PaymentToken is {"type","token"} for a permanent token or {"data"} for a
// one-time token payload (documented wording; exact shape assumed: not in
// public docs).
type PaymentToken struct {
	Type  string `json:"type,omitempty"`
	Token string `json:"token,omitempty"`
	Data  string `json:"data,omitempty"`
}

// Item is a line item. assumed: not in public docs (field names).
type Item struct {
	Name        string      `json:"name,omitempty"`
	Description string      `json:"description,omitempty"`
	Quantity    int         `json:"quantity,omitempty"`
	UnitPrice   json.Number `json:"unitPrice,omitempty"`
}

// DynamicFee is the platform's per-transaction fee. assumed: not in public
// docs (fixed and discountRatePerc come from the legacy docs).
type DynamicFee struct {
	Fixed            json.Number `json:"fixed,omitempty"`
	DiscountRatePerc json.Number `json:"discountRatePerc,omitempty"`
}

// Address is billing or shipping data. assumed: not in public docs.
type Address struct {
	FirstName  string `json:"firstName,omitempty"`
	LastName   string `json:"lastName,omitempty"`
	Company    string `json:"company,omitempty"`
	Line1      string `json:"address1,omitempty"`
	Line2      string `json:"address2,omitempty"`
	City       string `json:"city,omitempty"`
	State      string `json:"state,omitempty"`
	PostalCode string `json:"postalCode,omitempty"`
	Country    string `json:"country,omitempty"`
	Email      string `json:"email,omitempty"`
	Phone      string `json:"phone,omitempty"`
}

// Charge is the body of a card sale or authorization and of an eCheck sale.
type Charge struct {
	SubMerchantID     string            `json:"subMerchantId"`
	Amount            json.Number       `json:"amount"`
	PaymentToken      PaymentToken      `json:"paymentToken"`
	Description       string            `json:"description,omitempty"`
	Items             []Item            `json:"items,omitempty"`
	TaxAmount         json.Number       `json:"taxAmount,omitempty"`
	TaxWithHold       bool              `json:"taxWithHold,omitempty"`
	DynamicFee        *DynamicFee       `json:"dynamicFee,omitempty"`
	Billing           *Address          `json:"billing,omitempty"`
	Shipping          *Address          `json:"shipping,omitempty"`
	Metadata          map[string]string `json:"metadata,omitempty"`
	BillingDescriptor string            `json:"billingDescriptor,omitempty"`
	// Reference is the merchant's own reference, echoed in a rollback.
	// assumed: not in public docs.
	Reference string `json:"reference,omitempty"`
}

// FollowUp is the body of capture, void and refund. assumed: not in public
// docs (that they address the original by transactionId).
type FollowUp struct {
	SubMerchantID      string            `json:"subMerchantId"`
	TransactionID      string            `json:"transactionId"`
	Amount             json.Number       `json:"amount,omitempty"`
	TaxAmount          json.Number       `json:"taxAmount,omitempty"`
	TaxWithHold        bool              `json:"taxWithHold,omitempty"`
	TaxWithHoldRelease bool              `json:"taxWithHoldRelease,omitempty"`
	TaxAmountRelease   json.Number       `json:"taxAmountRelease,omitempty"`
	Description        string            `json:"description,omitempty"`
	Metadata           map[string]string `json:"metadata,omitempty"`
	Reference          string            `json:"reference,omitempty"`
}

// AVSCheck is the body of an AVS-only request. assumed: not in public docs.
type AVSCheck struct {
	SubMerchantID string       `json:"subMerchantId"`
	PaymentToken  PaymentToken `json:"paymentToken"`
	Billing       *Address     `json:"billing,omitempty"`
}

// Transaction is the "data" of a transaction answer. assumed: not in public
// docs (field names).
type Transaction struct {
	TransactionID string      `json:"transactionId"`
	Status        string      `json:"status,omitempty"`
	Amount        json.Number `json:"amount,omitempty"`
	AuthCode      string      `json:"authCode,omitempty"`
	AVS           string      `json:"avs,omitempty"`
	CVV           string      `json:"cvv,omitempty"`
	CreatedAt     string      `json:"createdAt,omitempty"`
}

// Toggle is {"enabled": bool}.
type Toggle struct {
	Enabled bool `json:"enabled"`
}

// WalletPay is the Apple Pay / Google Pay block of a browser session.
type WalletPay struct {
	Enabled     bool        `json:"enabled"`
	Amount      json.Number `json:"amount,omitempty"`
	Description string      `json:"description,omitempty"`
}

// BrowserSessionRequest is documented (tokenization-flow page).
type BrowserSessionRequest struct {
	SubMerchantID           string     `json:"subMerchantId"`
	Tokenization            *Toggle    `json:"tokenization,omitempty"`
	BankAccountTokenization *Toggle    `json:"bankAccountTokenization,omitempty"`
	ApplePay                *WalletPay `json:"applePay,omitempty"`
	GooglePay               *WalletPay `json:"googlePay,omitempty"`
}

// QueryRequest is a transaction query. limit, offset, sort and status are
// documented; the other filters are assumed: not in public docs.
type QueryRequest struct {
	SubMerchantID string `json:"subMerchantId,omitempty"`
	TransactionID string `json:"transactionId,omitempty"`
	Status        string `json:"status,omitempty"`
	From          string `json:"from,omitempty"`
	To            string `json:"to,omitempty"`
	Sort          string `json:"sort,omitempty"`
	Limit         int    `json:"limit"`
	Offset        int    `json:"offset"`
}

// QueryPage is the "data" of a query answer. assumed: not in public docs
// (the docs show the request only).
type QueryPage struct {
	Transactions []json.RawMessage `json:"transactions"`
	Total        *int              `json:"total,omitempty"`
}
