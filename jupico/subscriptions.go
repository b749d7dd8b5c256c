package jupico

import (
	"context"
	"encoding/json"

	"github.com/jupico/jupico-go/internal/wire"
)

// SubscriptionsAPI is the subscription operations of a Client.
// SubscriptionsService implements it; jupicomock has a mock of it.
type SubscriptionsAPI interface {
	Create(ctx context.Context, req *SubscriptionRequest) (*Subscription, error)
	Activate(ctx context.Context, req *Ref) (*Subscription, error)
	Deactivate(ctx context.Context, req *Ref) (*Subscription, error)
	Delete(ctx context.Context, req *Ref) (*Subscription, error)
	UpdatePaymentToken(ctx context.Context, req *PaymentTokenUpdate) (*Subscription, error)
}

var _ SubscriptionsAPI = (*SubscriptionsService)(nil)

// SubscriptionsService enrols customers in plans and charges them every
// cycle. Use it through Client.Subscriptions; it is safe for concurrent
// use.
//
// Create and Activate may charge the customer at once, so they are
// transactions: retried only on 503 and when the request never left, a
// decline is (*Subscription, *APIError matching ErrDeclined), and an
// unknown outcome (500, 400 "failed", a gateway 5xx, a timeout, a
// connection lost after sending) is an *IndeterminateError that is never
// retried. Jupico documents no rollback for them: reconcile such an
// outcome through Client.Query.Subscriptions before trying again.
// Deactivate, Delete and UpdatePaymentToken are writes, with the errors of
// OnboardingInvitesService.
type SubscriptionsService service

// SubscriptionRequest enrols a customer in a plan. Documented and
// required: subMerchantId, the plan, the customer and a paymentToken (a
// permanent one: it is charged every cycle).
type SubscriptionRequest struct {
	SubMerchantID string       `json:"subMerchantId"`
	PlanID        string       `json:"planId"`
	CustomerID    string       `json:"customerId"`
	PaymentToken  PaymentToken `json:"paymentToken"`
	// StartDate is the first charge's day; zero means today.
	StartDate Date `json:"startDate,omitzero"`
	// Schedules are the pricing-model parameters some plans need, as
	// Jupico's reference describes them; sent as is.
	Schedules []json.RawMessage `json:"schedules,omitempty"`
	Reference string            `json:"reference,omitempty"`
	Extra     map[string]any    `json:"-"`
}

func (r *SubscriptionRequest) validate(v *validator) {
	v.required("subMerchantId", r.SubMerchantID)
	v.required("planId", r.PlanID)
	v.required("customerId", r.CustomerID)
	r.PaymentToken.validate(v, "paymentToken")
	v.date("startDate", r.StartDate)
	v.text("reference", r.Reference, 100)
}

// SubscriptionStatus is where a subscription stands.
type SubscriptionStatus string

// SubscriptionStatus values.
const (
	// SubscriptionStatusActive: charged each cycle.
	SubscriptionStatusActive SubscriptionStatus = "active"
	// SubscriptionStatusInactive: paused: not charged until activated again.
	SubscriptionStatusInactive SubscriptionStatus = "inactive"
	// SubscriptionStatusCompleted: all its cycles were charged.
	SubscriptionStatusCompleted SubscriptionStatus = "completed"
	// SubscriptionStatusDeleted: deleted; it changes no more.
	SubscriptionStatusDeleted SubscriptionStatus = "deleted"
)

// Subscription is a customer's enrolment in a plan.
type Subscription struct {
	ID            string `json:"subscriptionId"`
	SubMerchantID string `json:"subMerchantId,omitempty"`
	PlanID        string `json:"planId,omitempty"`
	CustomerID    string `json:"customerId,omitempty"`
	// Status is where it stands.
	Status SubscriptionStatus `json:"status,omitempty"`
	// Charged is what the call charged at once, and TransactionID the
	// charge's transaction; zero and empty when nothing was charged.
	Charged       Amount `json:"chargedAmount,omitempty"`
	TransactionID string `json:"transactionId,omitempty"`
	// NextCharge is the next cycle's day, when one is scheduled.
	NextCharge Date   `json:"nextChargeDate,omitzero"`
	Reference  string `json:"reference,omitempty"`
	ResponseMeta
}

// Create enrols the customer; the first cycle may be charged at once.
func (s *SubscriptionsService) Create(ctx context.Context, req *SubscriptionRequest) (*Subscription, error) {
	return call[Subscription](ctx, s.c, &wire.SubscriptionCreate, req)
}

// Activate resumes a subscription; a cycle that is due is charged at once.
func (s *SubscriptionsService) Activate(ctx context.Context, req *Ref) (*Subscription, error) {
	return call[Subscription](ctx, s.c, &wire.SubscriptionActivate, req)
}

// Deactivate pauses a subscription: nothing more is charged until Activate.
func (s *SubscriptionsService) Deactivate(ctx context.Context, req *Ref) (*Subscription, error) {
	return call[Subscription](ctx, s.c, &wire.SubscriptionDeactivate, req)
}

// Delete ends a subscription for good.
func (s *SubscriptionsService) Delete(ctx context.Context, req *Ref) (*Subscription, error) {
	return call[Subscription](ctx, s.c, &wire.SubscriptionDelete, req)
}

// UpdatePaymentToken changes the token a subscription charges.
func (s *SubscriptionsService) UpdatePaymentToken(ctx context.Context, req *PaymentTokenUpdate) (*Subscription, error) {
	return call[Subscription](ctx, s.c, &wire.SubscriptionPaymentToken, req)
}
