package jupico

import (
	"context"

	"github.com/jupico/jupico-go/internal/wire"
)

// PaymentLinksAPI is the payment-link operations of a Client.
// PaymentLinksService implements it; jupicomock has a mock of it.
type PaymentLinksAPI interface {
	Create(ctx context.Context, req *PaymentLinkRequest) (*PaymentLink, error)
	Update(ctx context.Context, req *PaymentLinkUpdate) (*PaymentLink, error)
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

// PaymentLinkRequest describes a new payment link. SubMerchantID and a
// Description are required.
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

// PaymentLinkUpdate changes a payment link: ID and SubMerchantID are
// required, and every other field is left as it is when nil (not sent) and
// set when not, to its zero value too. At least one field or Extra member
// must be set. See Ptr.
type PaymentLinkUpdate struct {
	// ID is the payment link's identifier.
	ID            string `json:"-"`
	SubMerchantID string `json:"subMerchantId"`
	// Amount, when set, must be positive.
	Amount *Amount `json:"amount,omitempty"`
	// Description, when set, must not be empty: a link needs one.
	Description *string `json:"description,omitempty"`
	// Items, when not nil, replaces the items; an empty non-nil slice
	// removes them.
	Items []Item `json:"items,omitzero"`
	// Reusable set to false makes the link close after one payment.
	Reusable *bool `json:"reusable,omitempty"`
	// ExpiresOn set to the zero Date (sent as null) makes the link never
	// expire; otherwise it must be a real day.
	ExpiresOn *Date `json:"expiresOn,omitempty"`
	// Reference set to "" clears it.
	Reference *string        `json:"reference,omitempty"`
	Extra     map[string]any `json:"-"`
}

func (r *PaymentLinkUpdate) validate(v *validator) {
	v.nothingToUpdate(r)
	v.setAmount("amount", r.Amount)
	v.keep("description", r.Description)
	validateItems(v, r.Items)
	v.setDate("expiresOn", r.ExpiresOn)
	v.setText("reference", r.Reference, 100)
}

func (r *PaymentLinkUpdate) resourceID() string { return r.ID }

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

// Update changes the members of a payment link that req sets, and only
// those. An update that sets nothing, or sets a member it cannot clear to
// its zero value, is refused with a *ValidationError before sending.
func (s *PaymentLinksService) Update(ctx context.Context, req *PaymentLinkUpdate) (*PaymentLink, error) {
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
