package main

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/jupico/jupico-go/jupico"
)

// Order states. An order in statePaid or stateReview is never charged
// again; a declined or uncharged order may be retried.
const (
	statePending  = "pending"        // a charge is in flight
	statePaid     = "paid"           // Jupico approved the charge
	stateReview   = "pending_review" // the outcome is unknown and was not rolled back: reconcile by hand
	stateRefunded = "refunded"       // paid, then (partly) refunded
)

// chargeTimeout bounds a charge once it started, including the SDK's
// rollback if Jupico's answer is lost; it does not depend on the shopper's
// connection.
const chargeTimeout = 90 * time.Second

var orderIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Checkout is a small checkout service: it charges orders through any
// jupico.CreditCardAPI (the client's CreditCard service in production, a
// jupicomock.CreditCard in unit tests), charges each order at most once
// however often the shopper's browser retries, and maps every outcome the
// SDK reports to an answer the front end can act on. It is safe for
// concurrent use.
type Checkout struct {
	cards    jupico.CreditCardAPI
	merchant string
	log      *slog.Logger

	mu     sync.Mutex
	orders map[string]*order
}

type order struct {
	State         string `json:"status"`
	TransactionID string `json:"transactionId,omitempty"`
	Amount        string `json:"amount"`
}

// NewCheckout returns a Checkout charging for the sub-merchant merchant.
func NewCheckout(cards jupico.CreditCardAPI, merchant string, log *slog.Logger) *Checkout {
	return &Checkout{cards: cards, merchant: merchant, log: log, orders: map[string]*order{}}
}

// Handler routes the service's endpoints:
//
//	POST /checkout  {"orderId","amount":"25.00","paymentToken"} or {"orderId","amount","savedCard"}
//	POST /refunds   {"orderId","amount"} (amount optional: the rest of the order)
//	GET  /orders/{id}
func (c *Checkout) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /checkout", c.checkout)
	mux.HandleFunc("POST /refunds", c.refund)
	mux.HandleFunc("GET /orders/{id}", c.get)
	return mux
}

// checkoutRequest is what the front end posts. paymentToken is the one-time
// token the Jupico web component hands the browser; savedCard a permanent
// card token kept from an earlier payment. Never a card number.
type checkoutRequest struct {
	OrderID      string `json:"orderId"`
	Amount       string `json:"amount"` // a decimal string, "25.00": money is never a float
	PaymentToken string `json:"paymentToken"`
	SavedCard    string `json:"savedCard"`
}

// answer is every response body: status says what the front end should do.
type answer struct {
	OrderID       string `json:"orderId,omitempty"`
	Status        string `json:"status"`
	TransactionID string `json:"transactionId,omitempty"`
	Amount        string `json:"amount,omitempty"`
	// Message is safe to show the shopper.
	Message string `json:"message,omitempty"`
}

func (c *Checkout) checkout(w http.ResponseWriter, r *http.Request) {
	var req checkoutRequest
	if !decode(w, r, &req) {
		return
	}
	amount, err := jupico.ParseAmount(req.Amount)
	switch {
	case !orderIDPattern.MatchString(req.OrderID):
		reply(w, http.StatusBadRequest, answer{Status: "invalid", Message: "orderId must be 1 to 64 letters, digits, - or _"})
		return
	case err != nil || amount <= 0:
		reply(w, http.StatusBadRequest, answer{Status: "invalid", Message: "amount must be a positive decimal with at most 2 places, e.g. \"25.00\""})
		return
	case (req.PaymentToken == "") == (req.SavedCard == ""):
		reply(w, http.StatusBadRequest, answer{Status: "invalid", Message: "give exactly one of paymentToken and savedCard"})
		return
	}
	token := jupico.OneTimeToken(req.PaymentToken)
	if req.SavedCard != "" {
		token = jupico.PermanentToken("card", req.SavedCard)
	}

	// Claim the order: a second request for it (a double click, a browser
	// retry) must not charge again.
	c.mu.Lock()
	if o, ok := c.orders[req.OrderID]; ok {
		c.mu.Unlock()
		switch {
		case o.State == statePending:
			reply(w, http.StatusConflict, answer{OrderID: req.OrderID, Status: "in_progress", Message: "this order is being paid"})
		case o.State == stateReview:
			reply(w, http.StatusConflict, answer{OrderID: req.OrderID, Status: stateReview, Message: "we are checking this payment; you have not been charged twice"})
		case o.Amount != amount.String():
			reply(w, http.StatusConflict, answer{OrderID: req.OrderID, Status: o.State, Message: "this order was already paid with another amount"})
		default: // paid or refunded: the same answer as the first time
			reply(w, http.StatusOK, answer{OrderID: req.OrderID, Status: o.State, TransactionID: o.TransactionID, Amount: o.Amount})
		}
		return
	}
	c.orders[req.OrderID] = &order{State: statePending, Amount: amount.String()}
	c.mu.Unlock()

	// The shopper hanging up must not cancel a charge in flight: a
	// cancelled context mid-request would make the outcome unknown.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), chargeTimeout)
	defer cancel()
	tx, err := c.cards.Sale(ctx, &jupico.ChargeRequest{
		SubMerchantID: c.merchant,
		Amount:        amount,
		PaymentToken:  token,
		Description:   "order " + req.OrderID,
		Reference:     req.OrderID,
	})

	var apiErr *jupico.APIError
	var unknown *jupico.IndeterminateError
	switch {
	case err == nil:
		c.settle(req.OrderID, &order{State: statePaid, TransactionID: tx.ID, Amount: amount.String()})
		reply(w, http.StatusOK, answer{OrderID: req.OrderID, Status: statePaid, TransactionID: tx.ID, Amount: amount.String()})
	case errors.Is(err, jupico.ErrDeclined) && errors.As(err, &apiErr):
		c.settle(req.OrderID, nil) // the shopper may try another card
		reply(w, http.StatusPaymentRequired, answer{OrderID: req.OrderID, Status: "declined", Message: apiErr.Message})
	case errors.As(err, &unknown) && unknown.RolledBack:
		// Jupico acknowledged the rollback: nothing was charged.
		c.settle(req.OrderID, nil)
		c.log.Warn("charge rolled back", "order", req.OrderID, "err", err)
		reply(w, http.StatusServiceUnavailable, answer{OrderID: req.OrderID, Status: "not_charged", Message: "the payment did not go through; please try again"})
	case errors.As(err, &unknown):
		// Unknown and not rolled back: never charge this order again until
		// someone has reconciled it.
		c.settle(req.OrderID, &order{State: stateReview, Amount: amount.String()})
		c.log.Error("charge outcome unknown: reconcile", "order", req.OrderID, "err", err)
		reply(w, http.StatusBadGateway, answer{OrderID: req.OrderID, Status: stateReview, Message: "we could not confirm your payment; we will email you, please do not pay again"})
	case errors.Is(err, jupico.ErrValidation):
		c.settle(req.OrderID, nil)
		reply(w, http.StatusBadRequest, answer{OrderID: req.OrderID, Status: "invalid", Message: "the payment details were refused"})
	default:
		// Not processed (503 after retries, no connection, configuration):
		// safe to retry.
		c.settle(req.OrderID, nil)
		c.log.Error("charge not processed", "order", req.OrderID, "err", err)
		reply(w, http.StatusServiceUnavailable, answer{OrderID: req.OrderID, Status: "not_charged", Message: "payments are unavailable right now; please try again"})
	}
}

// settle records an order's outcome; nil frees the order for a new attempt.
func (c *Checkout) settle(id string, o *order) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if o == nil {
		delete(c.orders, id)
		return
	}
	c.orders[id] = o
}

type refundRequest struct {
	OrderID string `json:"orderId"`
	Amount  string `json:"amount"` // empty: what is left
}

func (c *Checkout) refund(w http.ResponseWriter, r *http.Request) {
	var req refundRequest
	if !decode(w, r, &req) {
		return
	}
	var amount *jupico.Amount
	if req.Amount != "" {
		a, err := jupico.ParseAmount(req.Amount)
		if err != nil || a <= 0 {
			reply(w, http.StatusBadRequest, answer{Status: "invalid", Message: "amount must be a positive decimal with at most 2 places"})
			return
		}
		amount = &a
	}
	c.mu.Lock()
	o, ok := c.orders[req.OrderID]
	var txID string
	if ok {
		txID = o.TransactionID
	}
	c.mu.Unlock()
	if !ok || txID == "" {
		reply(w, http.StatusNotFound, answer{OrderID: req.OrderID, Status: "not_found", Message: "no paid order with this id"})
		return
	}

	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), chargeTimeout)
	defer cancel()
	tx, err := c.cards.Refund(ctx, &jupico.RefundRequest{SubMerchantID: c.merchant, TransactionID: txID, Amount: amount, Reference: req.OrderID})
	var unknown *jupico.IndeterminateError
	switch {
	case err == nil:
		c.mu.Lock()
		o.State = stateRefunded
		c.mu.Unlock()
		reply(w, http.StatusOK, answer{OrderID: req.OrderID, Status: stateRefunded, TransactionID: tx.ID, Amount: tx.Amount.String()})
	case errors.As(err, &unknown) && unknown.RolledBack:
		reply(w, http.StatusServiceUnavailable, answer{OrderID: req.OrderID, Status: "not_refunded", Message: "the refund did not go through; try again"})
	case errors.As(err, &unknown):
		c.log.Error("refund outcome unknown: reconcile", "order", req.OrderID, "err", err)
		reply(w, http.StatusBadGateway, answer{OrderID: req.OrderID, Status: stateReview, Message: "the refund could not be confirmed; check before trying again"})
	case errors.Is(err, jupico.ErrInvalidPayload) || errors.Is(err, jupico.ErrValidation):
		// Jupico refused it (more than is left, already voided...). Its
		// 4xx messages are for the server's log, not for the end user.
		c.log.Warn("refund refused", "order", req.OrderID, "err", err)
		reply(w, http.StatusUnprocessableEntity, answer{OrderID: req.OrderID, Status: "refused", Message: "this refund is not possible"})
	default:
		c.log.Error("refund not processed", "order", req.OrderID, "err", err)
		reply(w, http.StatusServiceUnavailable, answer{OrderID: req.OrderID, Status: "not_refunded", Message: "refunds are unavailable right now; try again"})
	}
}

func (c *Checkout) get(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	c.mu.Lock()
	o, ok := c.orders[id]
	var a answer
	if ok {
		a = answer{OrderID: id, Status: o.State, TransactionID: o.TransactionID, Amount: o.Amount}
	}
	c.mu.Unlock()
	if !ok {
		reply(w, http.StatusNotFound, answer{OrderID: id, Status: "not_found"})
		return
	}
	reply(w, http.StatusOK, a)
}

// decode reads a small JSON body strictly, answering 400 or 415 itself.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		reply(w, http.StatusUnsupportedMediaType, answer{Status: "invalid", Message: "send application/json"})
		return false
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil || dec.More() {
		reply(w, http.StatusBadRequest, answer{Status: "invalid", Message: "malformed request"})
		return false
	}
	return true
}

func reply(w http.ResponseWriter, status int, a answer) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(a)
}
