package jupico

import (
	"context"

	"github.com/jupico/jupico-go/internal/wire"
)

// PlansAPI is the subscription-plan operations of a Client. PlansService
// implements it; jupicomock has a mock of it.
type PlansAPI interface {
	Create(ctx context.Context, req *PlanRequest) (*Plan, error)
	Update(ctx context.Context, req *Update[PlanRequest]) (*Plan, error)
	Activate(ctx context.Context, req *Ref) (*Plan, error)
	Deactivate(ctx context.Context, req *Ref) (*Plan, error)
	Delete(ctx context.Context, req *Ref) (*Plan, error)
}

var _ PlansAPI = (*PlansService)(nil)

// PlansService manages subscription plans: the reusable template (price,
// frequency, number of cycles) that a Subscription enrols one customer in.
// A plan moves no money; a subscription does. New subscriptions need an
// active plan. Use it through Client.Plans; it is safe for concurrent use.
// Every method is a write, with the errors of OnboardingInvitesService.
type PlansService service

// PlanRequest describes a plan. SubMerchantID, Name, a positive Amount and
// Frequency are required (for an update, only what changes).
type PlanRequest struct {
	SubMerchantID string `json:"subMerchantId"`
	Name          string `json:"name,omitempty"`
	Description   string `json:"description,omitempty"`
	// Amount is charged every cycle.
	Amount    Amount    `json:"amount,omitempty"`
	Frequency Frequency `json:"frequency,omitempty"`
	// Cycles is how many charges a subscription makes; zero means until it
	// is deactivated.
	Cycles int `json:"cycles,omitempty"`
	// TrialDays delays a subscription's first charge.
	TrialDays int            `json:"trialDays,omitempty"`
	Reference string         `json:"reference,omitempty"`
	Extra     map[string]any `json:"-"`
}

func (r *PlanRequest) validate(v *validator) {
	v.required("subMerchantId", r.SubMerchantID)
	v.need("name", r.Name)
	v.text("name", r.Name, 255)
	v.needAmount("amount", r.Amount)
	v.need("frequency", string(r.Frequency))
	if r.Cycles < 0 || r.TrialDays < 0 {
		v.fail("cycles", "cycles and trialDays must not be negative")
	}
	v.text("reference", r.Reference, 100)
}

// PlanStatus is where a subscription plan stands.
type PlanStatus string

// PlanStatus values.
const (
	// PlanStatusActive: customers can subscribe to it.
	PlanStatusActive PlanStatus = "active"
	// PlanStatusInactive: deactivated: no new subscriptions.
	PlanStatusInactive PlanStatus = "inactive"
	// PlanStatusDeleted: deleted; it changes no more.
	PlanStatusDeleted PlanStatus = "deleted"
)

// Plan is a subscription plan.
type Plan struct {
	ID            string `json:"planId"`
	SubMerchantID string `json:"subMerchantId,omitempty"`
	// Status is where it stands.
	Status    PlanStatus `json:"status,omitempty"`
	Name      string     `json:"name,omitempty"`
	Amount    Amount     `json:"amount,omitempty"`
	Frequency Frequency  `json:"frequency,omitempty"`
	Cycles    int        `json:"cycles,omitempty"`
	Reference string     `json:"reference,omitempty"`
	ResponseMeta
}

// Create creates an active plan.
func (s *PlansService) Create(ctx context.Context, req *PlanRequest) (*Plan, error) {
	return call[Plan](ctx, s.c, &wire.PlanCreate, req)
}

// Update changes a plan; subscriptions already made keep their terms.
func (s *PlansService) Update(ctx context.Context, req *Update[PlanRequest]) (*Plan, error) {
	return call[Plan](ctx, s.c, &wire.PlanUpdate, req)
}

// Activate lets a plan take new subscriptions again.
func (s *PlansService) Activate(ctx context.Context, req *Ref) (*Plan, error) {
	return call[Plan](ctx, s.c, &wire.PlanActivate, req)
}

// Deactivate stops a plan from taking new subscriptions.
func (s *PlansService) Deactivate(ctx context.Context, req *Ref) (*Plan, error) {
	return call[Plan](ctx, s.c, &wire.PlanDeactivate, req)
}

// Delete deletes a plan.
func (s *PlansService) Delete(ctx context.Context, req *Ref) (*Plan, error) {
	return call[Plan](ctx, s.c, &wire.PlanDelete, req)
}
