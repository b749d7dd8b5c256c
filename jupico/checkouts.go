package jupico

import (
	"context"

	"github.com/jupico/jupico-go/internal/wire"
)

// CheckoutsAPI is the checkout operations of a Client. CheckoutsService
// implements it; jupicomock has a mock of it.
type CheckoutsAPI interface {
	Create(ctx context.Context, req *CheckoutRequest) (*Checkout, error)
	Update(ctx context.Context, req *Update[CheckoutRequest]) (*Checkout, error)
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

// CheckoutRequest describes a checkout session. SubMerchantID, a positive
// Amount and ReturnURL are required (for an update, only what changes).
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
func (s *CheckoutsService) Update(ctx context.Context, req *Update[CheckoutRequest]) (*Checkout, error) {
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
