package jupico

import (
	"context"

	"github.com/jupico/jupico-go/internal/wire"
)

// CheckoutsAPI is the checkout operations of a Client. CheckoutsService
// implements it; jupicomock has a mock of it.
type CheckoutsAPI interface {
	Create(ctx context.Context, req *CheckoutRequest) (*Checkout, error)
	Update(ctx context.Context, req *CheckoutUpdate) (*Checkout, error)
	Deactivate(ctx context.Context, req *Ref) (*Checkout, error)
	Delete(ctx context.Context, req *Ref) (*Checkout, error)
}

var _ CheckoutsAPI = (*CheckoutsService)(nil)

// CheckoutsService manages checkout sessions: one order's hosted payment
// page, to which your site sends the customer and which sends them back to
// ReturnURL. The session moves no money; the customer's payment does. Use
// it through Client.Checkouts; it is safe for concurrent use. Every method
// is a write, with the errors of OnboardingInvitesService.
type CheckoutsService service

// CheckoutRequest describes a new checkout session. SubMerchantID, a
// positive Amount and ReturnURL are required.
type CheckoutRequest struct {
	SubMerchantID string `json:"subMerchantId"`
	Amount        Amount `json:"amount,omitempty"`
	Items         []Item `json:"items,omitempty"`
	// Reference is your order's reference.
	Reference string `json:"reference,omitempty"`
	// ReturnURL receives the customer after payment; CancelURL when they
	// give up. Both must be https.
	ReturnURL string `json:"returnUrl,omitempty"`
	CancelURL string `json:"cancelUrl,omitempty"`
	// CustomerEmail pre-fills the customer's email.
	CustomerEmail string         `json:"customerEmail,omitempty"`
	Extra         map[string]any `json:"-"`
}

func (r *CheckoutRequest) validate(v *validator) {
	v.required("subMerchantId", r.SubMerchantID)
	v.needAmount("amount", r.Amount)
	v.need("returnUrl", r.ReturnURL)
	v.https("returnUrl", r.ReturnURL)
	v.https("cancelUrl", r.CancelURL)
	validateItems(v, r.Items)
	v.text("reference", r.Reference, 100)
}

// CheckoutUpdate changes a checkout session: ID and SubMerchantID are
// required, and every other field is left as it is when nil (not sent) and
// set when not, to its zero value too. At least one field or Extra member
// must be set. See Ptr.
type CheckoutUpdate struct {
	// ID is the checkout session's identifier.
	ID            string `json:"-"`
	SubMerchantID string `json:"subMerchantId"`
	// Amount, when set, must be positive.
	Amount *Amount `json:"amount,omitempty"`
	// Items, when not nil, replaces the items; an empty non-nil slice
	// removes them.
	Items []Item `json:"items,omitzero"`
	// Reference set to "" clears it.
	Reference *string `json:"reference,omitempty"`
	// ReturnURL, when set, must be an https URL: a session needs one.
	ReturnURL *string `json:"returnUrl,omitempty"`
	// CancelURL set to "" clears it; otherwise it must be https.
	CancelURL *string `json:"cancelUrl,omitempty"`
	// CustomerEmail set to "" clears it.
	CustomerEmail *string        `json:"customerEmail,omitempty"`
	Extra         map[string]any `json:"-"`
}

func (r *CheckoutUpdate) validate(v *validator) {
	v.nothingToUpdate(r)
	v.setAmount("amount", r.Amount)
	validateItems(v, r.Items)
	v.setText("reference", r.Reference, 100)
	if v.keep("returnUrl", r.ReturnURL); r.ReturnURL != nil {
		v.https("returnUrl", *r.ReturnURL)
	}
	if r.CancelURL != nil {
		v.https("cancelUrl", *r.CancelURL)
	}
}

func (r *CheckoutUpdate) resourceID() string { return r.ID }

// CheckoutStatus is where a checkout session stands.
type CheckoutStatus string

// CheckoutStatus values.
const (
	// CheckoutStatusActive: customers can pay it.
	CheckoutStatusActive CheckoutStatus = "active"
	// CheckoutStatusInactive: deactivated; it can be deleted.
	CheckoutStatusInactive CheckoutStatus = "inactive"
	// CheckoutStatusCompleted: paid.
	CheckoutStatusCompleted CheckoutStatus = "completed"
	// CheckoutStatusDeleted: deleted; it changes no more.
	CheckoutStatusDeleted CheckoutStatus = "deleted"
)

// Checkout is a checkout session.
type Checkout struct {
	ID            string `json:"checkoutId"`
	SubMerchantID string `json:"subMerchantId,omitempty"`
	// Status is where it stands.
	Status    CheckoutStatus `json:"status,omitempty"`
	URL       string         `json:"url,omitempty"`
	Amount    Amount         `json:"amount,omitempty"`
	Reference string         `json:"reference,omitempty"`
	ResponseMeta
}

// Create creates a checkout session; send the customer to its URL.
func (s *CheckoutsService) Create(ctx context.Context, req *CheckoutRequest) (*Checkout, error) {
	return call[Checkout](ctx, s.c, &wire.CheckoutCreate, req)
}

// Update changes a checkout session the customer has not paid.
func (s *CheckoutsService) Update(ctx context.Context, req *CheckoutUpdate) (*Checkout, error) {
	return call[Checkout](ctx, s.c, &wire.CheckoutUpdate, req)
}

// Deactivate stops a checkout session from taking a payment.
func (s *CheckoutsService) Deactivate(ctx context.Context, req *Ref) (*Checkout, error) {
	return call[Checkout](ctx, s.c, &wire.CheckoutDeactivate, req)
}

// Delete deletes a checkout session.
func (s *CheckoutsService) Delete(ctx context.Context, req *Ref) (*Checkout, error) {
	return call[Checkout](ctx, s.c, &wire.CheckoutDelete, req)
}
