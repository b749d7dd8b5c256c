package jupico

import (
	"context"

	"github.com/jupico/jupico-go/internal/wire"
)

// The Query API beyond transactions: merchants, money movements, disputes
// and every platform resource. Each list is one page (Page) and pages with
// All; each is a read, retried on transport failures, 429, 502, 503 and
// 504. Errors: an *APIError for an answer that is not a success, a
// *RequestError when no usable answer came (ErrMalformedAnswer for a page
// of the wrong shape), a *ValidationError for a bad filter.

// TimelineRequest names the transaction whose timeline to fetch. Both
// fields are required.
type TimelineRequest struct {
	SubMerchantID string         `json:"subMerchantId"`
	TransactionID string         `json:"transactionId"`
	Extra         map[string]any `json:"-"`
}

func (r *TimelineRequest) validate(v *validator) {
	v.required("subMerchantId", r.SubMerchantID)
	v.required("transactionId", r.TransactionID)
}

// Timeline is what happened to one transaction, oldest first.
type Timeline struct {
	TransactionID string          `json:"transactionId"`
	Events        []TimelineEvent `json:"events"`
	ResponseMeta
}

// TimelineEvent is one step of a transaction: authorized, captured,
// refunded, voided, settled, rolled back...
type TimelineEvent struct {
	Type   string `json:"type"`
	Amount Amount `json:"amount,omitempty"`
	At     string `json:"createdAt,omitempty"`
}

// MerchantStatus is where a sub-merchant stands.
type MerchantStatus string

// MerchantStatus values.
const (
	// MerchantStatusReview: in Jupico's underwriting.
	MerchantStatusReview MerchantStatus = "review"
	// MerchantStatusActive: approved: it can take payments.
	MerchantStatusActive MerchantStatus = "active"
	// MerchantStatusInactive: deactivated.
	MerchantStatusInactive MerchantStatus = "inactive"
)

// Merchant is a sub-merchant of the platform.
type Merchant struct {
	ID              string `json:"subMerchantId"`
	Name            string `json:"name,omitempty"`
	SMApplicationID string `json:"smApplicationId,omitempty"`
	// Status is where it stands.
	Status MerchantStatus `json:"status,omitempty"`
	ResponseMeta
}

// MerchantBankAccount is a merchant's payout bank account as the Query API
// lists it.
type MerchantBankAccount struct {
	ID            string          `json:"bankAccountId"`
	SubMerchantID string          `json:"subMerchantId,omitempty"`
	RoutingNumber RoutingNumber   `json:"accountRouting,omitempty"`
	AccountNumber AccountNumber   `json:"accountNumber,omitempty"`
	AccountType   BankAccountType `json:"accountType,omitempty"`
	NameOnAccount string          `json:"nameOnAccount,omitempty"`
	ResponseMeta
}

// AccountOperation is one money movement on a merchant's account: a sale,
// a refund, a payout, a fee, a dispute.
type AccountOperation struct {
	ID            string `json:"operationId"`
	SubMerchantID string `json:"subMerchantId,omitempty"`
	Type          string `json:"type"`
	Amount        Amount `json:"amount"`
	TransactionID string `json:"transactionId,omitempty"`
	ResponseMeta
}

// Fee is a fee charged to a merchant.
type Fee struct {
	ID            string `json:"feeId"`
	SubMerchantID string `json:"subMerchantId,omitempty"`
	Type          string `json:"type,omitempty"`
	Amount        Amount `json:"amount"`
	TransactionID string `json:"transactionId,omitempty"`
	ResponseMeta
}

// BalanceRequest names the merchant whose balance to check. Required.
type BalanceRequest struct {
	SubMerchantID string         `json:"subMerchantId"`
	Extra         map[string]any `json:"-"`
}

func (r *BalanceRequest) validate(v *validator) { v.required("subMerchantId", r.SubMerchantID) }

// Balance is a merchant's balance: Available can be paid out; Pending is
// captured but not settled yet.
type Balance struct {
	SubMerchantID string `json:"subMerchantId"`
	Available     Amount `json:"available"`
	Pending       Amount `json:"pending"`
	ResponseMeta
}

// Settlement is one day's settled batch of a merchant.
type Settlement struct {
	ID            string `json:"settlementId"`
	SubMerchantID string `json:"subMerchantId,omitempty"`
	Amount        Amount `json:"amount"`
	Transactions  int    `json:"transactionCount,omitempty"`
	Date          Date   `json:"date,omitzero"`
	ResponseMeta
}

// DisputeStatus is where a dispute stands.
type DisputeStatus string

// DisputeStatus values.
const (
	// DisputeStatusOpen: the merchant may contest it until RespondBy.
	DisputeStatusOpen DisputeStatus = "open"
	// DisputeStatusWon: decided for the merchant.
	DisputeStatusWon DisputeStatus = "won"
	// DisputeStatusLost: decided for the cardholder.
	DisputeStatusLost DisputeStatus = "lost"
)

// Dispute is a chargeback: the payment was reversed at once, and the
// merchant may contest it until RespondBy.
type Dispute struct {
	ID            string `json:"disputeId"`
	SubMerchantID string `json:"subMerchantId,omitempty"`
	TransactionID string `json:"transactionId,omitempty"`
	Amount        Amount `json:"amount"`
	// Status is where it stands.
	Status    DisputeStatus `json:"status,omitempty"`
	Reason    string        `json:"reason,omitempty"`
	RespondBy Date          `json:"respondBy,omitzero"`
	ResponseMeta
}

// DisputeHistoryFilter selects the history of one dispute. DisputeID is
// required.
type DisputeHistoryFilter struct {
	DisputeID string `json:"disputeId"`
	ListFilter
}

func (f *DisputeHistoryFilter) validate(v *validator) {
	v.required("disputeId", f.DisputeID)
	f.ListFilter.validate(v)
}

// DisputeEvent is one step of a dispute's history.
type DisputeEvent struct {
	// Status is the dispute's status after this step.
	Status DisputeStatus `json:"status"`
	Note   string        `json:"note,omitempty"`
	At     string        `json:"createdAt,omitempty"`
	ResponseMeta
}

// Timeline returns what happened to one transaction.
func (s *QueryService) Timeline(ctx context.Context, req *TimelineRequest) (*Timeline, error) {
	return call[Timeline](ctx, s.c, &wire.QueryTimeline, req)
}

// Merchants lists the platform's sub-merchants.
func (s *QueryService) Merchants(ctx context.Context, f *ListFilter) (*Page[Merchant], error) {
	return list[Merchant](ctx, s.c, &wire.QueryMerchants, orZero(f))
}

// BankAccounts lists merchants' payout bank accounts.
func (s *QueryService) BankAccounts(ctx context.Context, f *ListFilter) (*Page[MerchantBankAccount], error) {
	return list[MerchantBankAccount](ctx, s.c, &wire.QueryBankAccounts, orZero(f))
}

// Operations lists money movements: sales, refunds, payouts, fees.
func (s *QueryService) Operations(ctx context.Context, f *ListFilter) (*Page[AccountOperation], error) {
	return list[AccountOperation](ctx, s.c, &wire.QueryOperations, orZero(f))
}

// Fees lists the fees charged to merchants.
func (s *QueryService) Fees(ctx context.Context, f *ListFilter) (*Page[Fee], error) {
	return list[Fee](ctx, s.c, &wire.QueryFees, orZero(f))
}

// PayoutInstructions lists payouts and their status.
func (s *QueryService) PayoutInstructions(ctx context.Context, f *ListFilter) (*Page[Payout], error) {
	return list[Payout](ctx, s.c, &wire.QueryPayoutInstructions, orZero(f))
}

// Balance returns a merchant's available and pending balance.
func (s *QueryService) Balance(ctx context.Context, req *BalanceRequest) (*Balance, error) {
	return call[Balance](ctx, s.c, &wire.QueryBalance, req)
}

// Settlements lists settled batches.
func (s *QueryService) Settlements(ctx context.Context, f *ListFilter) (*Page[Settlement], error) {
	return list[Settlement](ctx, s.c, &wire.QuerySettlements, orZero(f))
}

// Disputes lists chargebacks.
func (s *QueryService) Disputes(ctx context.Context, f *ListFilter) (*Page[Dispute], error) {
	return list[Dispute](ctx, s.c, &wire.QueryDisputes, orZero(f))
}

// DisputeHistory lists the steps of one dispute.
func (s *QueryService) DisputeHistory(ctx context.Context, f *DisputeHistoryFilter) (*Page[DisputeEvent], error) {
	return list[DisputeEvent](ctx, s.c, &wire.QueryDisputeHistory, f)
}

// CheckoutSessions lists checkout sessions.
func (s *QueryService) CheckoutSessions(ctx context.Context, f *ListFilter) (*Page[Checkout], error) {
	return list[Checkout](ctx, s.c, &wire.QueryCheckoutSessions, orZero(f))
}

// PaymentLinks lists payment links.
func (s *QueryService) PaymentLinks(ctx context.Context, f *ListFilter) (*Page[PaymentLink], error) {
	return list[PaymentLink](ctx, s.c, &wire.QueryPaymentLinks, orZero(f))
}

// OnboardingInvites lists onboarding invites.
func (s *QueryService) OnboardingInvites(ctx context.Context, f *ListFilter) (*Page[Invite], error) {
	return list[Invite](ctx, s.c, &wire.QueryOnboardingInvites, orZero(f))
}

// Invoices lists invoices.
func (s *QueryService) Invoices(ctx context.Context, f *ListFilter) (*Page[Invoice], error) {
	return list[Invoice](ctx, s.c, &wire.QueryInvoices, orZero(f))
}

// Subscriptions lists subscriptions.
func (s *QueryService) Subscriptions(ctx context.Context, f *ListFilter) (*Page[Subscription], error) {
	return list[Subscription](ctx, s.c, &wire.QuerySubscriptions, orZero(f))
}

// Plans lists subscription plans.
func (s *QueryService) Plans(ctx context.Context, f *ListFilter) (*Page[Plan], error) {
	return list[Plan](ctx, s.c, &wire.QueryPlans, orZero(f))
}

// Plan returns one subscription plan.
func (s *QueryService) Plan(ctx context.Context, req *Ref) (*Plan, error) {
	return call[Plan](ctx, s.c, &wire.QueryPlan, req)
}

// orZero lets a nil filter mean the zero filter.
func orZero(f *ListFilter) *ListFilter {
	if f == nil {
		return &ListFilter{}
	}
	return f
}
