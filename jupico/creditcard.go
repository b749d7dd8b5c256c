package jupico

import (
	"context"
	"encoding/json"

	"github.com/jupico/jupico-go/internal/wire"
)

// CreditCardAPI is the card operations of a Client. CreditCardService
// implements it; jupicomock has a mock of it for merchants' unit tests.
type CreditCardAPI interface {
	Sale(ctx context.Context, req *ChargeRequest) (*Transaction, error)
	Authorize(ctx context.Context, req *ChargeRequest) (*Transaction, error)
	Capture(ctx context.Context, req *CaptureRequest) (*Transaction, error)
	Void(ctx context.Context, req *VoidRequest) (*Transaction, error)
	Refund(ctx context.Context, req *RefundRequest) (*Transaction, error)
	Rollback(ctx context.Context, req *RollbackRequest) error
	VerifyAddress(ctx context.Context, req *AVSRequest) (*AVSResult, error)
}

var _ CreditCardAPI = (*CreditCardService)(nil)

// CreditCardService sends card transactions. Use it through Client.CreditCard;
// it is safe for concurrent use.
//
// Every transaction method returns:
//   - (*Transaction, nil) when Jupico approved it;
//   - (*Transaction, *APIError) matching ErrDeclined when it was declined;
//   - (nil, *IndeterminateError) matching ErrIndeterminate when the outcome
//     is unknown (500, 400 "failed", timeout, connection lost after sending,
//     context cancelled mid-request): the client has already sent the
//     rollback Jupico requires, unless WithAutoRollback(false);
//   - (nil, *APIError) for other answers (401, 403, 404, 400 invalid
//     payload, and 503 once retries are exhausted): nothing was processed;
//   - (nil, *RequestError) when nothing was sent or the request never left;
//   - (nil, *ValidationError) matching ErrValidation when the request was
//     refused before sending.
type CreditCardService service

// Sale authorizes and captures in one step.
func (s *CreditCardService) Sale(ctx context.Context, req *ChargeRequest) (*Transaction, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	return s.c.transact(ctx, &wire.CardSale, req.wire(), req.Extra)
}

// Authorize reserves funds without charging them; Capture charges them.
func (s *CreditCardService) Authorize(ctx context.Context, req *ChargeRequest) (*Transaction, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	return s.c.transact(ctx, &wire.CardAuthorize, req.wire(), req.Extra)
}

// CaptureRequest captures an earlier authorization.
type CaptureRequest struct {
	SubMerchantID string `json:"subMerchantId"`
	// TransactionID is the authorization's ID.
	TransactionID string `json:"transactionId"`
	// Amount to capture; nil captures the authorized amount.
	Amount *Amount `json:"amount,omitempty"`
	// TaxAmount and TaxWithhold as in ChargeRequest.
	TaxAmount   *Amount           `json:"taxAmount,omitempty"`
	TaxWithhold bool              `json:"taxWithHold,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
	Reference   string            `json:"reference,omitempty"`
	// Extra adds members the SDK does not model, as every request does; a
	// key that names a member above is refused.
	Extra map[string]any `json:"-"`
}

// Capture charges an earlier authorization.
func (s *CreditCardService) Capture(ctx context.Context, req *CaptureRequest) (*Transaction, error) {
	v := &validator{}
	if req == nil {
		v.fail("request", "is nil")
		return nil, v.error()
	}
	v.required("subMerchantId", req.SubMerchantID)
	v.required("transactionId", req.TransactionID)
	if req.Amount != nil {
		v.positive("amount", *req.Amount)
	}
	v.nonNegative("taxAmount", req.TaxAmount)
	v.metadata("metadata", req.Metadata)
	v.text("reference", req.Reference, 100)
	if err := v.error(); err != nil {
		return nil, err
	}
	return s.c.transact(ctx, &wire.CardCapture, &wire.FollowUp{
		SubMerchantID: req.SubMerchantID, TransactionID: req.TransactionID, Amount: optNumber(req.Amount),
		TaxAmount: optNumber(req.TaxAmount), TaxWithHold: req.TaxWithhold, Metadata: req.Metadata, Reference: req.Reference,
	}, req.Extra)
}

// VoidRequest cancels an authorized or captured transaction before it
// settles.
type VoidRequest struct {
	SubMerchantID string `json:"subMerchantId"`
	TransactionID string `json:"transactionId"`
	Reference     string `json:"reference,omitempty"`
	// Extra adds members the SDK does not model.
	Extra map[string]any `json:"-"`
}

// Void cancels a transaction before settlement; after settlement use Refund.
func (s *CreditCardService) Void(ctx context.Context, req *VoidRequest) (*Transaction, error) {
	v := &validator{}
	if req == nil {
		v.fail("request", "is nil")
		return nil, v.error()
	}
	v.required("subMerchantId", req.SubMerchantID)
	v.required("transactionId", req.TransactionID)
	v.text("reference", req.Reference, 100)
	if err := v.error(); err != nil {
		return nil, err
	}
	return s.c.transact(ctx, &wire.CardVoid, &wire.FollowUp{SubMerchantID: req.SubMerchantID, TransactionID: req.TransactionID, Reference: req.Reference}, req.Extra)
}

// RefundRequest returns money from a settled transaction.
type RefundRequest struct {
	SubMerchantID string `json:"subMerchantId"`
	TransactionID string `json:"transactionId"`
	// Amount to refund; nil refunds what is left of the captured amount.
	Amount *Amount `json:"amount,omitempty"`
	// TaxWithholdRelease returns withheld tax (TaxAmountRelease) to the
	// merchant.
	TaxWithholdRelease bool              `json:"taxWithHoldRelease,omitempty"`
	TaxAmountRelease   *Amount           `json:"taxAmountRelease,omitempty"`
	Description        string            `json:"description,omitempty"`
	Metadata           map[string]string `json:"metadata,omitempty"`
	Reference          string            `json:"reference,omitempty"`
	// Extra adds members the SDK does not model.
	Extra map[string]any `json:"-"`
}

func (r *RefundRequest) validate() error {
	v := &validator{}
	if r == nil {
		v.fail("request", "is nil")
		return v.error()
	}
	v.required("subMerchantId", r.SubMerchantID)
	v.required("transactionId", r.TransactionID)
	if r.Amount != nil {
		v.positive("amount", *r.Amount)
	}
	v.nonNegative("taxAmountRelease", r.TaxAmountRelease)
	if r.TaxWithholdRelease && r.TaxAmountRelease == nil {
		v.fail("taxAmountRelease", "is required when taxWithHoldRelease is set")
	}
	v.text("description", r.Description, maxFreeText)
	v.metadata("metadata", r.Metadata)
	v.text("reference", r.Reference, 100)
	return v.error()
}

func (r *RefundRequest) wire() *wire.FollowUp {
	return &wire.FollowUp{
		SubMerchantID: r.SubMerchantID, TransactionID: r.TransactionID, Amount: optNumber(r.Amount),
		TaxWithHoldRelease: r.TaxWithholdRelease, TaxAmountRelease: optNumber(r.TaxAmountRelease),
		Description: r.Description, Metadata: r.Metadata, Reference: r.Reference,
	}
}

// Refund returns money from a settled card transaction.
func (s *CreditCardService) Refund(ctx context.Context, req *RefundRequest) (*Transaction, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	return s.c.transact(ctx, &wire.CardRefund, req.wire(), req.Extra)
}

// Rollback sends Jupico's system reversal for a transaction whose outcome
// is unknown, from the RollbackRequest an *IndeterminateError carries. The
// client does this by itself unless WithAutoRollback(false). It is safe to
// repeat and is retried per WithRollbackRetry. It returns nil when Jupico
// acknowledged it, an *APIError when Jupico refused it, a *RequestError when
// no answer came, and a *ValidationError, with nothing sent, when the
// operation has no rollback or the body would not pass the original
// transaction's checks: it must be exactly one JSON object holding the
// operation's required members (subMerchantId, amount and paymentToken for
// a sale or authorization; subMerchantId and transactionId for a capture,
// void or refund), with no card number in any string.
func (s *CreditCardService) Rollback(ctx context.Context, req *RollbackRequest) error {
	return s.c.rollback(ctx, req)
}

// AVSRequest asks for an address verification only; nothing is authorized.
type AVSRequest struct {
	SubMerchantID string       `json:"subMerchantId"`
	PaymentToken  PaymentToken `json:"paymentToken"`
	Billing       *Address     `json:"billing,omitempty"`
	// Extra adds members the SDK does not model.
	Extra map[string]any `json:"-"`
}

// AVSResult is the address verification result.
type AVSResult struct {
	// Result is the AVS result code, in the same format as a sale's.
	Result string
	ResponseMeta
}

// VerifyAddress runs an AVS-only check. Nothing is authorized, so there is
// nothing to roll back: an unknown outcome is simply an error. It returns an
// *APIError for a non-success answer, a *RequestError when no answer came
// and a *ValidationError when the request was refused before sending.
func (s *CreditCardService) VerifyAddress(ctx context.Context, req *AVSRequest) (*AVSResult, error) {
	v := &validator{}
	if req == nil {
		v.fail("request", "is nil")
		return nil, v.error()
	}
	v.required("subMerchantId", req.SubMerchantID)
	req.PaymentToken.validate(v, "paymentToken")
	req.Billing.validate(v, "billing")
	if err := v.error(); err != nil {
		return nil, err
	}
	var data wire.Transaction
	resp, err := s.c.do(ctx, &wire.CardAVS, &wire.AVSCheck{SubMerchantID: req.SubMerchantID, PaymentToken: req.PaymentToken.wire(), Billing: req.Billing.wire()}, req.Extra, &data)
	if err != nil {
		return nil, err
	}
	r := &AVSResult{Result: data.AVS}
	r.RequestID = resp.RequestID
	if resp.Envelope != nil {
		r.Raw = append(json.RawMessage(nil), resp.Envelope.Data...)
	}
	return r, nil
}
