package jupico

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"time"

	"github.com/jupico/jupico-go/internal/wire"
)

// QueryAPI is the query operations of a Client. QueryService implements
// it; jupicomock has a mock of it.
type QueryAPI interface {
	Transactions(ctx context.Context, f *TransactionFilter) (*TransactionPage, error)
	All(ctx context.Context, f *TransactionFilter) iter.Seq2[*Transaction, error]
}

var _ QueryAPI = (*QueryService)(nil)

// QueryService searches transactions. Use it through Client.Query; it is
// safe for concurrent use. Queries are reads: they are retried on transport
// failures, 429, 502, 503 and 504.
type QueryService struct{ c *Client }

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

func (f *TransactionFilter) wire() (*wire.QueryRequest, error) {
	if f == nil {
		f = &TransactionFilter{}
	}
	v := &validator{}
	if f.SubMerchantID != "" {
		v.id("subMerchantId", f.SubMerchantID)
	}
	if f.TransactionID != "" {
		v.id("transactionId", f.TransactionID)
	}
	v.text("sort", f.Sort, 100)
	if f.Limit < 0 || f.Limit > MaxPageSize {
		v.fail("limit", fmt.Sprintf("must be between 0 and %d", MaxPageSize))
	}
	if f.Offset < 0 {
		v.fail("offset", "must not be negative")
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		v.fail("to", "is before from")
	}
	if err := v.error(); err != nil {
		return nil, err
	}
	w := &wire.QueryRequest{SubMerchantID: f.SubMerchantID, TransactionID: f.TransactionID, Status: string(f.Status),
		Sort: f.Sort, Limit: f.Limit, Offset: f.Offset}
	if w.Limit == 0 {
		w.Limit = DefaultPageSize
	}
	if !f.From.IsZero() {
		w.From = f.From.UTC().Format(time.RFC3339)
	}
	if !f.To.IsZero() {
		w.To = f.To.UTC().Format(time.RFC3339)
	}
	return w, nil
}

// Transactions returns one page of transactions matching f. It returns an
// *APIError for a non-success answer, a *RequestError when no usable answer
// came (ErrMalformedAnswer for a page that is not the expected JSON) and a
// *ValidationError for a bad filter.
func (s *QueryService) Transactions(ctx context.Context, f *TransactionFilter) (*TransactionPage, error) {
	w, err := f.wire()
	if err != nil {
		return nil, err
	}
	return s.page(ctx, w)
}

func (s *QueryService) page(ctx context.Context, w *wire.QueryRequest) (*TransactionPage, error) {
	var data wire.QueryPage
	resp, err := s.c.do(ctx, &wire.QueryTransactions, w, &data)
	if err != nil {
		return nil, err
	}
	p := &TransactionPage{Limit: w.Limit, Offset: w.Offset, Total: -1}
	if data.Total != nil {
		p.Total = *data.Total
	}
	for i, raw := range data.Transactions {
		var t wire.Transaction
		if err := json.Unmarshal(raw, &t); err != nil {
			return nil, malformed(wire.QueryTransactions.Name, resp.Attempts, false, fmt.Sprintf("transaction %d is not a transaction object", i))
		}
		amt, err := parseNumber(t.Amount)
		if err != nil {
			return nil, malformed(wire.QueryTransactions.Name, resp.Attempts, false, fmt.Sprintf("transaction %d has an invalid amount", i))
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
//	for tx, err := range client.Query.All(ctx, &jupico.TransactionFilter{Status: jupico.StatusSucceeded}) {
//		if err != nil { return err }
//		fmt.Println(tx.ID, tx.Amount)
//	}
func (s *QueryService) All(ctx context.Context, f *TransactionFilter) iter.Seq2[*Transaction, error] {
	return func(yield func(*Transaction, error) bool) {
		w, err := f.wire()
		if err != nil {
			yield(nil, err)
			return
		}
		for {
			if err := ctx.Err(); err != nil {
				yield(nil, err)
				return
			}
			p, err := s.page(ctx, w)
			if err != nil {
				yield(nil, err)
				return
			}
			for _, t := range p.Transactions {
				if !yield(t, nil) {
					return
				}
			}
			w.Offset += len(p.Transactions)
			if len(p.Transactions) < w.Limit || (p.Total >= 0 && w.Offset >= p.Total) {
				return
			}
		}
	}
}
