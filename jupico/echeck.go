package jupico

import (
	"context"

	"github.com/jupico/jupico-go/internal/wire"
)

// ECheckAPI is the eCheck operations of a Client. ECheckService implements
// it; jupicomock has a mock of it.
type ECheckAPI interface {
	Sale(ctx context.Context, req *ChargeRequest) (*Transaction, error)
	Refund(ctx context.Context, req *RefundRequest) (*Transaction, error)
}

var _ ECheckAPI = (*ECheckService)(nil)

// ECheckService sends eCheck (ACH) transactions from a bank-account token.
// Use it through Client.ECheck; it is safe for concurrent use. Its methods
// return what CreditCardService's do, except that Jupico documents no eCheck
// rollback: an unknown outcome is an *IndeterminateError with
// RollbackAttempted false, to reconcile through the Query API.
type ECheckService service

// Sale debits a bank account. BillingDescriptor and Items are sent as for a
// card sale.
func (s *ECheckService) Sale(ctx context.Context, req *ChargeRequest) (*Transaction, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	return s.c.transact(ctx, &wire.ECheckSale, req.wire(), req.Extra)
}

// Refund returns money from a settled eCheck sale.
func (s *ECheckService) Refund(ctx context.Context, req *RefundRequest) (*Transaction, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	return s.c.transact(ctx, &wire.ECheckRefund, req.wire(), req.Extra)
}
