package jupico

import (
	"context"

	"github.com/jupico/jupico-go/internal/wire"
)

// QueryAPI is the query operations of a Client, grouped by what they
// look at. QueryService implements it; jupicomock has a mock of it.
type QueryAPI interface {
	TransactionQueries
	MoneyQueries
	DisputeQueries
	ResourceQueries
}

// TransactionQueries search transactions and follow one.
type TransactionQueries interface {
	Transactions(ctx context.Context, f *TransactionFilter) (*Page[Transaction], error)
	Timeline(ctx context.Context, req *TimelineRequest) (*Timeline, error)
}

// MoneyQueries look at merchants and their money: balances, settlements,
// payouts, fees and every movement.
type MoneyQueries interface {
	Merchants(ctx context.Context, f *ListFilter) (*Page[Merchant], error)
	BankAccounts(ctx context.Context, f *ListFilter) (*Page[MerchantBankAccount], error)
	Balance(ctx context.Context, req *BalanceRequest) (*Balance, error)
	Settlements(ctx context.Context, f *ListFilter) (*Page[Settlement], error)
	PayoutInstructions(ctx context.Context, f *ListFilter) (*Page[Payout], error)
	Fees(ctx context.Context, f *ListFilter) (*Page[Fee], error)
	Operations(ctx context.Context, f *ListFilter) (*Page[AccountOperation], error)
}

// DisputeQueries list chargebacks and their history.
type DisputeQueries interface {
	Disputes(ctx context.Context, f *ListFilter) (*Page[Dispute], error)
	DisputeHistory(ctx context.Context, f *DisputeHistoryFilter) (*Page[DisputeEvent], error)
}

// ResourceQueries list what the platform services created.
type ResourceQueries interface {
	OnboardingInvites(ctx context.Context, f *ListFilter) (*Page[Invite], error)
	PaymentLinks(ctx context.Context, f *ListFilter) (*Page[PaymentLink], error)
	CheckoutSessions(ctx context.Context, f *ListFilter) (*Page[Checkout], error)
	Invoices(ctx context.Context, f *ListFilter) (*Page[Invoice], error)
	Plan(ctx context.Context, req *Ref) (*Plan, error)
	Plans(ctx context.Context, f *ListFilter) (*Page[Plan], error)
	Subscriptions(ctx context.Context, f *ListFilter) (*Page[Subscription], error)
}

var _ QueryAPI = (*QueryService)(nil)

// QueryService runs Jupico's Query API: transactions, merchants, money
// movements, disputes and every platform resource. Use it through
// Client.Query; it is safe for concurrent use. Queries are reads: they are
// retried on transport failures, 429, 502, 503 and 504. Every list returns
// a Page, and jupico.All pages through any of them.
type QueryService service

// Page sizes.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// TransactionFilter selects transactions: a ListFilter, and one
// transaction's id. The zero filter selects all transactions of the
// account, newest first as Jupico sorts them.
type TransactionFilter struct {
	// TransactionID selects one transaction.
	TransactionID string `json:"transactionId,omitempty"`
	ListFilter
}

func (f *TransactionFilter) validate(v *validator) {
	if f.TransactionID != "" {
		v.id("transactionId", f.TransactionID)
	}
	f.ListFilter.validate(v)
}

// Transactions returns one page of transactions matching f (nil: all);
// jupico.All pages through them. It returns an *APIError for a non-success
// answer, a *RequestError when no usable answer came (ErrMalformedAnswer
// for a page that is not the expected JSON) and a *ValidationError for a
// bad filter.
func (s *QueryService) Transactions(ctx context.Context, f *TransactionFilter) (*Page[Transaction], error) {
	if f == nil {
		f = &TransactionFilter{}
	}
	return list[Transaction](ctx, s.c, &wire.QueryTransactions, f)
}
