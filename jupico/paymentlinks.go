package jupico

import (
	"context"

	"github.com/jupico/jupico-go/internal/wire"
)

// PaymentLinksAPI is the payment-link operations of a Client.
// PaymentLinksService implements it; jupicomock has a mock of it.
type PaymentLinksAPI interface {
	Create(ctx context.Context, req *PaymentLinkRequest) (*PaymentLink, error)
	Update(ctx context.Context, req *Update[PaymentLinkRequest]) (*PaymentLink, error)
	Deactivate(ctx context.Context, req *Ref) (*PaymentLink, error)
	Delete(ctx context.Context, req *Ref) (*PaymentLink, error)
}

var _ PaymentLinksAPI = (*PaymentLinksService)(nil)

// PaymentLinksService manages payment links: a URL you share (by email,
// message or QR code) where a customer pays a merchant on Jupico's hosted
// page. Creating one moves no money: the customer's payment does. Use it
// through Client.PaymentLinks; it is safe for concurrent use. Every method
// is a write, with the errors of OnboardingInvitesService.
type PaymentLinksService service

// PaymentLinkRequest describes a payment link. SubMerchantID is required;
// so is a Description (for an update, only what changes).
type PaymentLinkRequest struct {
	SubMerchantID string `json:"subMerchantId"`
	// Amount is what the customer pays; nil lets the customer enter it.
	Amount      *Amount `json:"amount,omitempty"`
	Description string  `json:"description,omitempty"`
	Items       []Item  `json:"items,omitempty"`
	// Reusable links take any number of payments; others close after one.
	Reusable bool `json:"reusable,omitempty"`
	// ExpiresOn is the last day the link works; zero means never.
	ExpiresOn Date           `json:"expiresOn,omitzero"`
	Reference string         `json:"reference,omitempty"`
	Extra     map[string]any `json:"-"`
}

func (r *PaymentLinkRequest) validate(v *validator) {
	v.required("subMerchantId", r.SubMerchantID)
	v.need("description", r.Description)
	if r.Amount != nil {
		v.positive("amount", *r.Amount)
	}
	validateItems(v, r.Items)
	v.date("expiresOn", r.ExpiresOn)
	v.text("reference", r.Reference, 100)
}

// PaymentLinkStatus is where a payment link stands.
type PaymentLinkStatus string

// PaymentLinkStatus values.
const (
	// PaymentLinkStatusActive: customers can pay through it.
	PaymentLinkStatusActive PaymentLinkStatus = "active"
	// PaymentLinkStatusInactive: deactivated; it can be deleted.
	PaymentLinkStatusInactive PaymentLinkStatus = "inactive"
	// PaymentLinkStatusDeleted: deleted; it changes no more.
	PaymentLinkStatusDeleted PaymentLinkStatus = "deleted"
)

// PaymentLink is a payment link.
type PaymentLink struct {
	ID            string `json:"paymentLinkId"`
	SubMerchantID string `json:"subMerchantId,omitempty"`
	// Status is where it stands.
	Status      PaymentLinkStatus `json:"status,omitempty"`
	URL         string            `json:"url,omitempty"`
	Amount      *Amount           `json:"amount,omitempty"`
	Description string            `json:"description,omitempty"`
	Reference   string            `json:"reference,omitempty"`
	ResponseMeta
}

// Create creates an active payment link.
func (s *PaymentLinksService) Create(ctx context.Context, req *PaymentLinkRequest) (*PaymentLink, error) {
	return call[PaymentLink](ctx, s.c, &wire.PaymentLinkCreate, req)
}

// Update changes a payment link.
func (s *PaymentLinksService) Update(ctx context.Context, req *Update[PaymentLinkRequest]) (*PaymentLink, error) {
	return call[PaymentLink](ctx, s.c, &wire.PaymentLinkUpdate, req)
}

// Deactivate stops a payment link from taking payments.
func (s *PaymentLinksService) Deactivate(ctx context.Context, req *Ref) (*PaymentLink, error) {
	return call[PaymentLink](ctx, s.c, &wire.PaymentLinkDeactivate, req)
}

// Delete deletes a payment link.
func (s *PaymentLinksService) Delete(ctx context.Context, req *Ref) (*PaymentLink, error) {
	return call[PaymentLink](ctx, s.c, &wire.PaymentLinkDelete, req)
}
