package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicomock"
)

// These are unit tests of the checkout service alone: the card API is a
// jupicomock.CreditCard, and requests go straight to the handler.

const merchant = "sm_test"

func newCheckout(t *testing.T) (*Checkout, *jupicomock.CreditCard) {
	t.Helper()
	cards := new(jupicomock.CreditCard)
	t.Cleanup(func() { cards.AssertExpectations(t) })
	return NewCheckout(cards, merchant, slog.New(slog.DiscardHandler)), cards
}

// send calls the service and decodes its answer.
func send(t *testing.T, c *Checkout, method, path, body string) (int, answer) {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	return serve(t, c, r)
}

func serve(t *testing.T, c *Checkout, r *http.Request) (int, answer) {
	t.Helper()
	w := httptest.NewRecorder()
	c.Handler().ServeHTTP(w, r)
	var a answer
	if w.Header().Get("Content-Type") == "application/json" {
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &a), w.Body.String())
		assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
	}
	return w.Code, a
}

const pay1001 = `{"orderId":"order-1001","amount":"25.00","paymentToken":"ott_1"}`

var approved = &jupico.Transaction{ID: "tx_1", Status: jupico.TransactionStatusSucceeded, Amount: jupico.Cents(2500)}

func TestCheckoutChargesWhatTheShopperPays(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		body  string
		token jupico.PaymentToken
	}{
		{"one-time token from the web component", pay1001, jupico.OneTimeToken("ott_1")},
		{"saved card", `{"orderId":"order-1001","amount":"25.00","savedCard":"tok_saved"}`, jupico.PermanentToken("card", "tok_saved")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, cards := newCheckout(t)
			cards.On("Sale", mock.Anything, &jupico.ChargeRequest{
				SubMerchantID: merchant,
				Amount:        jupico.Cents(2500),
				PaymentToken:  tc.token,
				Description:   "order order-1001",
				Reference:     "order-1001",
			}).Return(approved, nil).Once()

			code, a := send(t, c, http.MethodPost, "/checkout", tc.body)
			assert.Equal(t, http.StatusOK, code)
			assert.Equal(t, answer{OrderID: "order-1001", Status: "paid", TransactionID: "tx_1", Amount: "25.00"}, a)
		})
	}
}

// Each outcome the SDK reports becomes an answer the front end can act on,
// and decides whether the order may be charged again.
func TestCheckoutOutcomes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		tx        *jupico.Transaction
		err       error
		status    int
		answer    string
		message   string
		retryable bool // a second request for the order charges again
	}{
		{name: "approved", tx: approved, status: http.StatusOK, answer: "paid"},
		{name: "declined", tx: &jupico.Transaction{Status: jupico.TransactionStatusDeclined},
			err:    &jupico.APIError{Operation: "creditcard.sale", HTTPStatus: 200, Code: jupico.ErrorCodeInsufficientFunds, Message: "Insufficient funds"},
			status: http.StatusPaymentRequired, answer: "declined", message: "Insufficient funds", retryable: true},
		{name: "unknown outcome, rolled back", err: &jupico.IndeterminateError{Operation: "creditcard.sale",
			Cause: &jupico.APIError{HTTPStatus: 500}, RollbackAttempted: true, RolledBack: true},
			status: http.StatusServiceUnavailable, answer: "not_charged", retryable: true},
		{name: "unknown outcome, rollback failed", err: &jupico.IndeterminateError{Operation: "creditcard.sale",
			Cause: &jupico.APIError{HTTPStatus: 500}, RollbackAttempted: true, RollbackErr: errors.New("timeout")},
			status: http.StatusBadGateway, answer: "pending_review"},
		{name: "not processed: 503 after retries", err: &jupico.APIError{HTTPStatus: 503, Code: jupico.ErrorCodeServiceUnavailable},
			status: http.StatusServiceUnavailable, answer: "not_charged", retryable: true},
		{name: "refused before sending", err: &jupico.ValidationError{Field: "paymentToken.data", Reason: "is too long"},
			status: http.StatusBadRequest, answer: "invalid", retryable: true},
		{name: "credentials rejected", err: &jupico.APIError{HTTPStatus: 401, Code: jupico.ErrorCodeAuthInvalidAPIToken, Message: "invalid api token"},
			status: http.StatusServiceUnavailable, answer: "not_charged", retryable: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, cards := newCheckout(t)
			cards.On("Sale", mock.Anything, mock.Anything).Return(tc.tx, tc.err).Once()

			code, a := send(t, c, http.MethodPost, "/checkout", pay1001)
			assert.Equal(t, tc.status, code)
			assert.Equal(t, tc.answer, a.Status)
			if tc.message != "" {
				assert.Equal(t, tc.message, a.Message)
			}
			assert.NotContains(t, a.Message, "api token", "Jupico's 4xx messages are not for shoppers")

			// The shopper (or the browser) tries the same order again.
			if tc.retryable {
				cards.On("Sale", mock.Anything, mock.Anything).Return(approved, nil).Once()
			}
			code, a = send(t, c, http.MethodPost, "/checkout", pay1001)
			switch {
			case tc.retryable:
				assert.Equal(t, http.StatusOK, code)
				assert.Equal(t, "paid", a.Status)
			case tc.answer == "paid":
				assert.Equal(t, http.StatusOK, code, "the first answer again, without a second charge")
				assert.Equal(t, "tx_1", a.TransactionID)
			default:
				assert.Equal(t, http.StatusConflict, code, "an unknown outcome is never charged again")
				assert.Equal(t, "pending_review", a.Status)
			}
		})
	}
}

func TestCheckoutRefusesBadRequests(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, contentType, body string
		status                  int
	}{
		{"not json", "text/plain", pay1001, http.StatusUnsupportedMediaType},
		{"malformed", "application/json", `{"orderId":`, http.StatusBadRequest},
		{"unknown field", "application/json", `{"orderId":"o1","amount":"1.00","paymentToken":"t","cardNumber":"x"}`, http.StatusBadRequest},
		{"amount as a float", "application/json", `{"orderId":"o1","amount":25.5,"paymentToken":"t"}`, http.StatusBadRequest},
		{"three decimals", "application/json", `{"orderId":"o1","amount":"25.001","paymentToken":"t"}`, http.StatusBadRequest},
		{"negative", "application/json", `{"orderId":"o1","amount":"-1.00","paymentToken":"t"}`, http.StatusBadRequest},
		{"zero", "application/json", `{"orderId":"o1","amount":"0.00","paymentToken":"t"}`, http.StatusBadRequest},
		{"no order id", "application/json", `{"amount":"1.00","paymentToken":"t"}`, http.StatusBadRequest},
		{"order id with spaces", "application/json", `{"orderId":"o 1","amount":"1.00","paymentToken":"t"}`, http.StatusBadRequest},
		{"no token", "application/json", `{"orderId":"o1","amount":"1.00"}`, http.StatusBadRequest},
		{"two tokens", "application/json", `{"orderId":"o1","amount":"1.00","paymentToken":"t","savedCard":"s"}`, http.StatusBadRequest},
		{"trailing data", "application/json", pay1001 + `{}`, http.StatusBadRequest},
		{"huge body", "application/json", `{"orderId":"` + strings.Repeat("a", 20<<10) + `"}`, http.StatusBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, cards := newCheckout(t)
			r := httptest.NewRequest(http.MethodPost, "/checkout", strings.NewReader(tc.body))
			r.Header.Set("Content-Type", tc.contentType)
			code, a := serve(t, c, r)
			assert.Equal(t, tc.status, code)
			assert.Equal(t, "invalid", a.Status)
			assert.NotEmpty(t, a.Message)
			cards.AssertNotCalled(t, "Sale", mock.Anything, mock.Anything)
		})
	}
}

// A double click: the second request arrives while the first charge is in
// flight, and is told so instead of charging again.
func TestCheckoutChargesConcurrentRequestsOnce(t *testing.T) {
	t.Parallel()
	c, cards := newCheckout(t)
	started, release := make(chan struct{}), make(chan struct{})
	cards.On("Sale", mock.Anything, mock.Anything).Run(func(mock.Arguments) {
		close(started)
		<-release
	}).Return(approved, nil).Once()

	var wg sync.WaitGroup
	var firstCode int
	wg.Go(func() { firstCode, _ = send(t, c, http.MethodPost, "/checkout", pay1001) })
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("the first charge never started")
	}
	code, a := send(t, c, http.MethodPost, "/checkout", pay1001)
	assert.Equal(t, http.StatusConflict, code)
	assert.Equal(t, "in_progress", a.Status)
	close(release)
	wg.Wait()
	assert.Equal(t, http.StatusOK, firstCode)
}

func TestCheckoutPaidOrderWithAnotherAmount(t *testing.T) {
	t.Parallel()
	c, cards := newCheckout(t)
	cards.On("Sale", mock.Anything, mock.Anything).Return(approved, nil).Once()
	code, _ := send(t, c, http.MethodPost, "/checkout", pay1001)
	require.Equal(t, http.StatusOK, code)
	code, a := send(t, c, http.MethodPost, "/checkout", `{"orderId":"order-1001","amount":"30.00","paymentToken":"ott_2"}`)
	assert.Equal(t, http.StatusConflict, code)
	assert.Equal(t, "paid", a.Status)
}

// The shopper closing the tab must not cancel a charge in flight: a
// cancelled context mid-request would make its outcome unknown.
func TestCheckoutChargeOutlivesTheShoppersConnection(t *testing.T) {
	t.Parallel()
	c, cards := newCheckout(t)
	cards.On("Sale", mock.MatchedBy(func(ctx context.Context) bool {
		_, hasDeadline := ctx.Deadline()
		return ctx.Err() == nil && hasDeadline
	}), mock.Anything).Return(approved, nil).Once()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := httptest.NewRequestWithContext(ctx, http.MethodPost, "/checkout", strings.NewReader(pay1001))
	r.Header.Set("Content-Type", "application/json")
	code, a := serve(t, c, r)
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "paid", a.Status)
}

func TestRefunds(t *testing.T) {
	t.Parallel()
	ten := jupico.Cents(1000)
	for _, tc := range []struct {
		name   string
		body   string
		amount *jupico.Amount // what is asked of Jupico
		tx     *jupico.Transaction
		err    error
		status int
		answer string
	}{
		{name: "partial", body: `{"orderId":"order-1001","amount":"10.00"}`, amount: &ten,
			tx: &jupico.Transaction{ID: "tx_1", Amount: ten}, status: http.StatusOK, answer: "refunded"},
		{name: "the rest", body: `{"orderId":"order-1001"}`,
			tx: &jupico.Transaction{ID: "tx_1", Amount: jupico.Cents(2500)}, status: http.StatusOK, answer: "refunded"},
		{name: "refused by Jupico", body: `{"orderId":"order-1001","amount":"10.00"}`, amount: &ten,
			err: &jupico.APIError{HTTPStatus: 400, Code: jupico.ErrorCodeInvalidPayload, Message: "refund exceeds the captured amount"}, status: http.StatusUnprocessableEntity, answer: "refused"},
		{name: "unknown outcome, rolled back", body: `{"orderId":"order-1001","amount":"10.00"}`, amount: &ten,
			err: &jupico.IndeterminateError{Cause: errors.New("timeout"), RollbackAttempted: true, RolledBack: true}, status: http.StatusServiceUnavailable, answer: "not_refunded"},
		{name: "unknown outcome, not rolled back", body: `{"orderId":"order-1001","amount":"10.00"}`, amount: &ten,
			err: &jupico.IndeterminateError{Cause: errors.New("timeout"), RollbackAttempted: true, RollbackErr: errors.New("timeout")}, status: http.StatusBadGateway, answer: "pending_review"},
		{name: "unknown order", body: `{"orderId":"order-9999"}`, status: http.StatusNotFound, answer: "not_found"},
		{name: "bad amount", body: `{"orderId":"order-1001","amount":"ten"}`, status: http.StatusBadRequest, answer: "invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, cards := newCheckout(t)
			cards.On("Sale", mock.Anything, mock.Anything).Return(approved, nil).Once()
			code, _ := send(t, c, http.MethodPost, "/checkout", pay1001)
			require.Equal(t, http.StatusOK, code)
			if tc.tx != nil || tc.err != nil {
				cards.On("Refund", mock.Anything, &jupico.RefundRequest{SubMerchantID: merchant, TransactionID: "tx_1", Amount: tc.amount, Reference: "order-1001"}).
					Return(tc.tx, tc.err).Once()
			}
			code, a := send(t, c, http.MethodPost, "/refunds", tc.body)
			assert.Equal(t, tc.status, code)
			assert.Equal(t, tc.answer, a.Status)
			if tc.err != nil {
				assert.NotContains(t, a.Message, "captured", "Jupico's 4xx messages are not for end users")
			}
		})
	}
}

func TestOrderLookup(t *testing.T) {
	t.Parallel()
	c, cards := newCheckout(t)
	code, a := send(t, c, http.MethodGet, "/orders/order-1001", "")
	assert.Equal(t, http.StatusNotFound, code)
	assert.Equal(t, "not_found", a.Status)

	cards.On("Sale", mock.Anything, mock.Anything).Return(approved, nil).Once()
	code, _ = send(t, c, http.MethodPost, "/checkout", pay1001)
	require.Equal(t, http.StatusOK, code)
	code, a = send(t, c, http.MethodGet, "/orders/order-1001", "")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, answer{OrderID: "order-1001", Status: "paid", TransactionID: "tx_1", Amount: "25.00"}, a)

	code, _ = send(t, c, http.MethodDelete, "/orders/order-1001", "")
	assert.Equal(t, http.StatusMethodNotAllowed, code)
}
