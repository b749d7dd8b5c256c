package jupico

import (
	"context"

	"github.com/jupico/jupico-go/internal/wire"
)

// PlansAPI is the subscription-plan operations of a Client. PlansService
// implements it; jupicomock has a mock of it.
type PlansAPI interface {
	Create(ctx context.Context, req *PlanRequest) (*Plan, error)
	Update(ctx context.Context, req *PlanUpdate) (*Plan, error)
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

// PlanRequest describes a new plan. SubMerchantID, Name, a positive Amount
// and Frequency are required.
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

// PlanUpdate changes a plan: ID and SubMerchantID are required, and every
// other field is left as it is when nil (not sent) and set when not, to
// its zero value too. At least one field or Extra member must be set. See
// Ptr.
type PlanUpdate struct {
	// ID is the plan's identifier.
	ID            string `json:"-"`
	SubMerchantID string `json:"subMerchantId"`
	// Name, when set, must not be empty: a plan needs one.
	Name *string `json:"name,omitempty"`
	// Description set to "" clears it.
	Description *string `json:"description,omitempty"`
	// Amount, when set, must be positive.
	Amount *Amount `json:"amount,omitempty"`
	// Frequency, when set, must not be empty.
	Frequency *Frequency `json:"frequency,omitempty"`
	// Cycles set to 0 makes subscriptions charge until deactivated; it
	// must not be negative.
	Cycles *int `json:"cycles,omitempty"`
	// TrialDays set to 0 removes the trial; it must not be negative.
	TrialDays *int `json:"trialDays,omitempty"`
	// Reference set to "" clears it.
	Reference *string        `json:"reference,omitempty"`
	Extra     map[string]any `json:"-"`
}

func (r *PlanUpdate) validate(v *validator) {
	v.nothingToUpdate(r)
	if v.keep("name", r.Name); r.Name != nil {
		v.text("name", *r.Name, 255)
	}
	v.setText("description", r.Description, maxFreeText)
	v.setAmount("amount", r.Amount)
	if r.Frequency != nil {
		f := string(*r.Frequency)
		v.keep("frequency", &f)
	}
	v.setCount("cycles", r.Cycles)
	v.setCount("trialDays", r.TrialDays)
	v.setText("reference", r.Reference, 100)
}

func (r *PlanUpdate) resourceID() string { return r.ID }

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

// Update changes the members of a plan that req sets, and only those;
// subscriptions already made keep their terms. An update that sets
// nothing, or sets a member it cannot clear to its zero value, is refused
// with a *ValidationError before sending.
func (s *PlansService) Update(ctx context.Context, req *PlanUpdate) (*Plan, error) {
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
