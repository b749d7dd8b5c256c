// Package jupicomock holds testify mocks of the jupico service interfaces,
// for unit-testing merchant code that takes payments without any network:
//
//	cards := new(jupicomock.CreditCard)
//	cards.On("Sale", mock.Anything, mock.Anything).Return(&jupico.Transaction{ID: "tx_1"}, nil)
//	svc := checkout.New(cards) // depends on jupico.CreditCardAPI
//	...
//	cards.AssertExpectations(t)
//
// Each mock implements its interface (checked at compile time), so code
// written against jupico.CreditCardAPI, jupico.ECheckAPI,
// jupico.SessionsAPI or jupico.QueryAPI accepts the real service
// (client.CreditCard...) in production and the mock in tests. For tests
// that exercise the SDK itself, over real TLS, use jupicotest instead.
package jupicomock

import (
	"context"
	"encoding/json"
	"iter"

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

func tx(args mock.Arguments) (*jupico.Transaction, error) {
	t, _ := args.Get(0).(*jupico.Transaction)
	return t, args.Error(1)
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
	args := m.Called(ctx, req)
	r, _ := args.Get(0).(*jupico.AVSResult)
	return r, args.Error(1)
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
	args := m.Called(ctx, req)
	r, _ := args.Get(0).(json.RawMessage)
	return r, args.Error(1)
}

// Transactions records the call and returns what On(...).Return set.
func (m *Query) Transactions(ctx context.Context, f *jupico.TransactionFilter) (*jupico.TransactionPage, error) {
	args := m.Called(ctx, f)
	p, _ := args.Get(0).(*jupico.TransactionPage)
	return p, args.Error(1)
}

// All records the call and returns the iterator On(...).Return set; with
// none set it returns an empty sequence.
func (m *Query) All(ctx context.Context, f *jupico.TransactionFilter) iter.Seq2[*jupico.Transaction, error] {
	args := m.Called(ctx, f)
	if s, ok := args.Get(0).(iter.Seq2[*jupico.Transaction, error]); ok {
		return s
	}
	return Seq()
}

// Seq returns an iterator over txs, for Query.All expectations.
func Seq(txs ...*jupico.Transaction) iter.Seq2[*jupico.Transaction, error] {
	return func(yield func(*jupico.Transaction, error) bool) {
		for _, t := range txs {
			if !yield(t, nil) {
				return
			}
		}
	}
}
