package jupico

import (
	"context"

	"github.com/jupico/jupico-go/internal/wire"
)

// PayoutsAPI is the dynamic-payout operations of a Client. PayoutsService
// implements it; jupicomock has a mock of it.
type PayoutsAPI interface {
	Create(ctx context.Context, req *PayoutRequest) (*Payout, error)
	Void(ctx context.Context, req *Ref) (*Payout, error)
}

var _ PayoutsAPI = (*PayoutsService)(nil)

// PayoutsService sends a merchant's available balance to its bank account
// on demand (Jupico's dynamic payouts): check the balance with
// Client.Query.Balance, create the payout, and follow it with
// Client.Query.PayoutInstructions. Use it through Client.Payouts; it is
// safe for concurrent use.
//
// Create moves money, so it is a transaction: retried only on 503 and when
// the request never left, and an unknown outcome is an
// *IndeterminateError that is never retried. Jupico documents no rollback
// for it: look the payout up by your Reference before creating another.
// Void is a write, and works only before Jupico processed the payout.
type PayoutsService service

// PayoutRequest pays out part of a merchant's available balance.
// SubMerchantID and a positive Amount are required; give a Reference so an
// unknown outcome can be reconciled.
type PayoutRequest struct {
	SubMerchantID string `json:"subMerchantId"`
	Amount        Amount `json:"amount"`
	// BankAccountID names one of the merchant's payout bank accounts; empty
	// means its default.
	BankAccountID string         `json:"bankAccountId,omitempty"`
	Description   string         `json:"description,omitempty"`
	Reference     string         `json:"reference,omitempty"`
	Extra         map[string]any `json:"-"`
}

func (r *PayoutRequest) validate(v *validator) {
	v.required("subMerchantId", r.SubMerchantID)
	v.positive("amount", r.Amount)
	v.text("reference", r.Reference, 100)
}

// PayoutStatus is where a payout instruction stands.
type PayoutStatus string

// PayoutStatus values.
const (
	// PayoutStatusPending: not processed yet: it can still be voided.
	PayoutStatusPending PayoutStatus = "pending"
	// PayoutStatusProcessed: paid out.
	PayoutStatusProcessed PayoutStatus = "processed"
	// PayoutStatusVoided: voided before it was processed.
	PayoutStatusVoided PayoutStatus = "voided"
)

// Payout is a payout instruction.
type Payout struct {
	ID            string `json:"payoutId"`
	SubMerchantID string `json:"subMerchantId,omitempty"`
	Amount        Amount `json:"amount"`
	// Status is where it stands.
	Status        PayoutStatus `json:"status,omitempty"`
	BankAccountID string       `json:"bankAccountId,omitempty"`
	Reference     string       `json:"reference,omitempty"`
	ResponseMeta
}

// Create submits a payout instruction.
func (s *PayoutsService) Create(ctx context.Context, req *PayoutRequest) (*Payout, error) {
	return call[Payout](ctx, s.c, &wire.PayoutCreate, req)
}

// Void cancels a payout Jupico has not processed yet; afterwards it is
// refused.
func (s *PayoutsService) Void(ctx context.Context, req *Ref) (*Payout, error) {
	return call[Payout](ctx, s.c, &wire.PayoutVoid, req)
}
