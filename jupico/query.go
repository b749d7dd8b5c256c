package jupico

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"time"

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
	Transactions(ctx context.Context, f *TransactionFilter) (*TransactionPage, error)
	All(ctx context.Context, f *TransactionFilter) iter.Seq2[*Transaction, error]
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
// retried on transport failures, 429, 502, 503 and 504. Every list but
// Transactions returns a Page and pages with All.
type QueryService service

// Page sizes.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// TransactionFilter selects transactions. The zero filter selects all
// transactions of the account, newest first as Jupico sorts them.
type TransactionFilter struct {
	SubMerchantID string
	TransactionID string
	Status        TransactionStatus
	// From and To bound the creation time; zero means unbounded.
	From, To time.Time
	// Sort is passed to Jupico as is (e.g. "createdAt:desc").
	Sort string
	// Limit is the page size: zero means DefaultPageSize; at most
	// MaxPageSize.
	Limit int
	// Offset is how many matching transactions to skip.
	Offset int
}

// TransactionPage is one page of a query.
type TransactionPage struct {
	Transactions []*Transaction
	Limit        int
	Offset       int
	// Total is the number of matching transactions when Jupico reports it,
	// else -1.
	Total int
}

// transactionQuery is the body of a transaction query: the filter every
// query takes, and a transaction id.
type transactionQuery struct {
	TransactionID string `json:"transactionId,omitempty"`
	ListFilter
}

func (q *transactionQuery) validate(v *validator) {
	if q.TransactionID != "" {
		v.id("transactionId", q.TransactionID)
	}
	q.ListFilter.validate(v)
}

func (f *TransactionFilter) query() *transactionQuery {
	if f == nil {
		f = &TransactionFilter{}
	}
	return &transactionQuery{TransactionID: f.TransactionID, ListFilter: ListFilter{SubMerchantID: f.SubMerchantID,
		Status: string(f.Status), From: f.From, To: f.To, Sort: f.Sort, Limit: f.Limit, Offset: f.Offset}}
}

// Transactions returns one page of transactions matching f. It returns an
// *APIError for a non-success answer, a *RequestError when no usable answer
// came (ErrMalformedAnswer for a page that is not the expected JSON) and a
// *ValidationError for a bad filter.
func (s *QueryService) Transactions(ctx context.Context, f *TransactionFilter) (*TransactionPage, error) {
	return s.page(ctx, f.query())
}

func (s *QueryService) page(ctx context.Context, q *transactionQuery) (_ *TransactionPage, err error) {
	op := &wire.QueryTransactions
	resp, ob, err := s.c.read(ctx, op, q)
	defer func() { ob.end(resp, err) }()
	if err != nil {
		return nil, err
	}
	raws, total, err := pageOf(op, resp)
	if err != nil {
		return nil, err
	}
	p := &TransactionPage{Limit: q.limit(), Offset: q.Offset, Total: total}
	for i, raw := range raws {
		var t wire.Transaction
		if err := json.Unmarshal(raw, &t); err != nil {
			return nil, malformed(op.Name, resp.Attempts, false, fmt.Sprintf("transaction %d is not a transaction object", i))
		}
		amt, err := parseNumber(t.Amount)
		if err != nil {
			return nil, malformed(op.Name, resp.Attempts, false, fmt.Sprintf("transaction %d has an invalid amount", i))
		}
		p.Transactions = append(p.Transactions, &Transaction{ID: t.TransactionID, Status: TransactionStatus(t.Status), Amount: amt,
			AuthCode: t.AuthCode, AVSResult: t.AVS, CVVResult: t.CVV, RequestID: resp.RequestID, Raw: raw})
	}
	return p, nil
}

// All walks every transaction matching f, page by page (limit/offset),
// starting at f.Offset. It stops after the last page, at the first error
// (yielded once, with a nil transaction), when ctx ends (yielding ctx's
// error), or when the loop body breaks.
//
//	for tx, err := range client.Query.All(ctx, &jupico.TransactionFilter{Status: jupico.TransactionStatusSucceeded}) {
//		if err != nil { return err }
//		fmt.Println(tx.ID, tx.Amount)
//	}
func (s *QueryService) All(ctx context.Context, f *TransactionFilter) iter.Seq2[*Transaction, error] {
	pages := func(ctx context.Context, q *transactionQuery) (*Page[Transaction], error) {
		p, err := s.page(ctx, q)
		if err != nil {
			return nil, err
		}
		return &Page[Transaction]{Items: p.Transactions, Limit: p.Limit, Offset: p.Offset, Total: p.Total}, nil
	}
	return All(ctx, pages, f.query())
}
