// Package jupicomock holds testify mocks of the jupico service interfaces,
// for unit-testing merchant code that takes payments without any network:
//
//	cards := new(jupicomock.CreditCard)
//	cards.On("Sale", mock.Anything, mock.Anything).Return(&jupico.Transaction{ID: "tx_1"}, nil)
//	svc := checkout.New(cards) // depends on jupico.CreditCardAPI
//	...
//	cards.AssertExpectations(t)
//
// There is one mock per service of jupico.Client, named after the field
// (CreditCard, ECheck, Sessions, Query, OnboardingInvites, Provisioning,
// PaymentLinks, Checkouts, Invoices, Plans, Subscriptions, Installments,
// Payouts). Each implements the service's interface (checked at compile
// time), so code written against jupico.PlansAPI, say, accepts the real
// service (client.Plans) in production and the mock in tests. A list
// query's mock method works with jupico.All as the real one does.
//
// For failures, Declined, Indeterminate, RateLimited, AuthFailed,
// ServerError, ServiceUnavailable, InvalidPayload and NotFound build the
// errors the real client returns, matching the same jupico sentinels
// (ErrDeclined, ErrIndeterminate, ErrRolledBack...), so mocks need not
// guess which fields make an *APIError a decline. For
// tests that exercise the SDK itself, over real TLS, use jupicotest
// instead.
package jupicomock

import (
	"context"
	"encoding/json"

	"github.com/stretchr/testify/mock"

	"github.com/jupico/jupico-go/jupico"
)

var (
	_ jupico.CreditCardAPI = (*CreditCard)(nil)
	_ jupico.ECheckAPI     = (*ECheck)(nil)
	_ jupico.SessionsAPI   = (*Sessions)(nil)
	_ jupico.QueryAPI      = (*Query)(nil)
)

// CreditCard is a mock of jupico.CreditCardAPI. The zero value is ready to
// use; set expectations with On.
type CreditCard struct{ mock.Mock }

// ECheck is a mock of jupico.ECheckAPI.
type ECheck struct{ mock.Mock }

// Sessions is a mock of jupico.SessionsAPI.
type Sessions struct{ mock.Mock }

// Query is a mock of jupico.QueryAPI. For All, return an
// iter.Seq2[*jupico.Transaction, error], for example from Seq.
type Query struct{ mock.Mock }

func tx(args mock.Arguments) (*jupico.Transaction, error) { return ret[*jupico.Transaction](args) }

// ret returns what On(...).Return set: a T (its zero value when the
// expectation returned nil) and an error.
func ret[T any](args mock.Arguments) (T, error) {
	v, _ := args.Get(0).(T)
	return v, args.Error(1)
}

// Sale records the call and returns what On(...).Return set.
func (m *CreditCard) Sale(ctx context.Context, req *jupico.ChargeRequest) (*jupico.Transaction, error) {
	return tx(m.Called(ctx, req))
}

// Authorize records the call and returns what On(...).Return set.
func (m *CreditCard) Authorize(ctx context.Context, req *jupico.ChargeRequest) (*jupico.Transaction, error) {
	return tx(m.Called(ctx, req))
}

// Capture records the call and returns what On(...).Return set.
func (m *CreditCard) Capture(ctx context.Context, req *jupico.CaptureRequest) (*jupico.Transaction, error) {
	return tx(m.Called(ctx, req))
}

// Void records the call and returns what On(...).Return set.
func (m *CreditCard) Void(ctx context.Context, req *jupico.VoidRequest) (*jupico.Transaction, error) {
	return tx(m.Called(ctx, req))
}

// Refund records the call and returns what On(...).Return set.
func (m *CreditCard) Refund(ctx context.Context, req *jupico.RefundRequest) (*jupico.Transaction, error) {
	return tx(m.Called(ctx, req))
}

// Rollback records the call and returns what On(...).Return set.
func (m *CreditCard) Rollback(ctx context.Context, req *jupico.RollbackRequest) error {
	return m.Called(ctx, req).Error(0)
}

// VerifyAddress records the call and returns what On(...).Return set.
func (m *CreditCard) VerifyAddress(ctx context.Context, req *jupico.AVSRequest) (*jupico.AVSResult, error) {
	return ret[*jupico.AVSResult](m.Called(ctx, req))
}

// Sale records the call and returns what On(...).Return set.
func (m *ECheck) Sale(ctx context.Context, req *jupico.ChargeRequest) (*jupico.Transaction, error) {
	return tx(m.Called(ctx, req))
}

// Refund records the call and returns what On(...).Return set.
func (m *ECheck) Refund(ctx context.Context, req *jupico.RefundRequest) (*jupico.Transaction, error) {
	return tx(m.Called(ctx, req))
}

// Authorize records the call and returns what On(...).Return set.
func (m *Sessions) Authorize(ctx context.Context, req *jupico.BrowserSessionRequest) (json.RawMessage, error) {
	return ret[json.RawMessage](m.Called(ctx, req))
}

// Transactions records the call and returns what On(...).Return set.
func (m *Query) Transactions(ctx context.Context, f *jupico.TransactionFilter) (*jupico.Page[jupico.Transaction], error) {
	return ret[*jupico.Page[jupico.Transaction]](m.Called(ctx, f))
}

// Timeline records the call and returns what On(...).Return set.
func (m *Query) Timeline(ctx context.Context, req *jupico.TimelineRequest) (*jupico.Timeline, error) {
	return ret[*jupico.Timeline](m.Called(ctx, req))
}

// Merchants records the call and returns what On(...).Return set.
func (m *Query) Merchants(ctx context.Context, f *jupico.ListFilter) (*jupico.Page[jupico.Merchant], error) {
	return ret[*jupico.Page[jupico.Merchant]](m.Called(ctx, f))
}

// BankAccounts records the call and returns what On(...).Return set.
func (m *Query) BankAccounts(ctx context.Context, f *jupico.ListFilter) (*jupico.Page[jupico.MerchantBankAccount], error) {
	return ret[*jupico.Page[jupico.MerchantBankAccount]](m.Called(ctx, f))
}

// Operations records the call and returns what On(...).Return set.
func (m *Query) Operations(ctx context.Context, f *jupico.ListFilter) (*jupico.Page[jupico.AccountOperation], error) {
	return ret[*jupico.Page[jupico.AccountOperation]](m.Called(ctx, f))
}

// Fees records the call and returns what On(...).Return set.
func (m *Query) Fees(ctx context.Context, f *jupico.ListFilter) (*jupico.Page[jupico.Fee], error) {
	return ret[*jupico.Page[jupico.Fee]](m.Called(ctx, f))
}

// PayoutInstructions records the call and returns what On(...).Return set.
func (m *Query) PayoutInstructions(ctx context.Context, f *jupico.ListFilter) (*jupico.Page[jupico.Payout], error) {
	return ret[*jupico.Page[jupico.Payout]](m.Called(ctx, f))
}

// Balance records the call and returns what On(...).Return set.
func (m *Query) Balance(ctx context.Context, req *jupico.BalanceRequest) (*jupico.Balance, error) {
	return ret[*jupico.Balance](m.Called(ctx, req))
}

// Settlements records the call and returns what On(...).Return set.
func (m *Query) Settlements(ctx context.Context, f *jupico.ListFilter) (*jupico.Page[jupico.Settlement], error) {
	return ret[*jupico.Page[jupico.Settlement]](m.Called(ctx, f))
}

// Disputes records the call and returns what On(...).Return set.
func (m *Query) Disputes(ctx context.Context, f *jupico.ListFilter) (*jupico.Page[jupico.Dispute], error) {
	return ret[*jupico.Page[jupico.Dispute]](m.Called(ctx, f))
}

// DisputeHistory records the call and returns what On(...).Return set.
func (m *Query) DisputeHistory(ctx context.Context, f *jupico.DisputeHistoryFilter) (*jupico.Page[jupico.DisputeEvent], error) {
	return ret[*jupico.Page[jupico.DisputeEvent]](m.Called(ctx, f))
}

// CheckoutSessions records the call and returns what On(...).Return set.
func (m *Query) CheckoutSessions(ctx context.Context, f *jupico.ListFilter) (*jupico.Page[jupico.Checkout], error) {
	return ret[*jupico.Page[jupico.Checkout]](m.Called(ctx, f))
}

// PaymentLinks records the call and returns what On(...).Return set.
func (m *Query) PaymentLinks(ctx context.Context, f *jupico.ListFilter) (*jupico.Page[jupico.PaymentLink], error) {
	return ret[*jupico.Page[jupico.PaymentLink]](m.Called(ctx, f))
}

// OnboardingInvites records the call and returns what On(...).Return set.
func (m *Query) OnboardingInvites(ctx context.Context, f *jupico.ListFilter) (*jupico.Page[jupico.Invite], error) {
	return ret[*jupico.Page[jupico.Invite]](m.Called(ctx, f))
}

// Invoices records the call and returns what On(...).Return set.
func (m *Query) Invoices(ctx context.Context, f *jupico.ListFilter) (*jupico.Page[jupico.Invoice], error) {
	return ret[*jupico.Page[jupico.Invoice]](m.Called(ctx, f))
}

// Subscriptions records the call and returns what On(...).Return set.
func (m *Query) Subscriptions(ctx context.Context, f *jupico.ListFilter) (*jupico.Page[jupico.Subscription], error) {
	return ret[*jupico.Page[jupico.Subscription]](m.Called(ctx, f))
}

// Plans records the call and returns what On(...).Return set.
func (m *Query) Plans(ctx context.Context, f *jupico.ListFilter) (*jupico.Page[jupico.Plan], error) {
	return ret[*jupico.Page[jupico.Plan]](m.Called(ctx, f))
}

// Plan records the call and returns what On(...).Return set.
func (m *Query) Plan(ctx context.Context, req *jupico.Ref) (*jupico.Plan, error) {
	return ret[*jupico.Plan](m.Called(ctx, req))
}
