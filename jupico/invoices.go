package jupico

import (
	"context"

	"github.com/jupico/jupico-go/internal/wire"
)

// InvoicesAPI is the invoice operations of a Client. InvoicesService
// implements it; jupicomock has a mock of it.
type InvoicesAPI interface {
	Create(ctx context.Context, req *InvoiceRequest) (*Invoice, error)
	Update(ctx context.Context, req *InvoiceUpdate) (*Invoice, error)
	Void(ctx context.Context, req *Ref) (*Invoice, error)
	Delete(ctx context.Context, req *Ref) (*Invoice, error)
	Send(ctx context.Context, req *Ref) (*Invoice, error)
}

var _ InvoicesAPI = (*InvoicesService)(nil)

// InvoicesService bills a merchant's customers: an invoice lists what is
// owed and when, Send emails it with a link to pay it on Jupico's hosted
// page, Void cancels one that was sent (once: an invoice cannot be voided
// twice). The invoice moves no money; the customer's payment does. Use it
// through Client.Invoices; it is safe for concurrent use. Every method is a
// write, with the errors of OnboardingInvitesService.
type InvoicesService service

// PaymentTerm is when an invoice is due relative to its date, e.g.
// "net30". The strings are assumed.
type PaymentTerm string

// Payment terms.
const (
	PaymentTermDueOnReceipt PaymentTerm = "dueOnReceipt"
	PaymentTermNet15        PaymentTerm = "net15"
	PaymentTermNet30        PaymentTerm = "net30"
	PaymentTermNet60        PaymentTerm = "net60"
)

// InvoiceRequest describes a new invoice. Documented and required:
// subMerchantId, the customer, items, the total, the invoice date, the due
// date and the payment term; the total must equal the items' sum when
// they carry prices.
type InvoiceRequest struct {
	SubMerchantID string `json:"subMerchantId"`
	// CustomerID is the customer billed.
	CustomerID  string      `json:"customerId,omitempty"`
	Items       []Item      `json:"items,omitempty"`
	Total       Amount      `json:"total,omitempty"`
	InvoiceDate Date        `json:"invoiceDate,omitzero"`
	DueDate     Date        `json:"dueDate,omitzero"`
	PaymentTerm PaymentTerm `json:"paymentTerm,omitempty"`
	// Memo is a note printed on the invoice.
	Memo      string `json:"memo,omitempty"`
	Reference string `json:"reference,omitempty"`
	// HostedSession configures the hosted page the invoice links to, as
	// Jupico's reference describes it; sent as is.
	HostedSession map[string]any `json:"hostedSession,omitempty"`
	Extra         map[string]any `json:"-"`
}

func (r *InvoiceRequest) validate(v *validator) {
	v.required("subMerchantId", r.SubMerchantID)
	v.need("customerId", r.CustomerID)
	if len(r.Items) == 0 {
		v.fail("items", "is required")
	}
	validateItems(v, r.Items)
	v.needAmount("total", r.Total)
	if sum, priced := itemsTotal(r.Items); priced && r.Total != 0 && sum != r.Total {
		v.fail("total", "does not equal the sum of the items ("+sum.String()+")")
	}
	v.needDate("invoiceDate", r.InvoiceDate)
	v.needDate("dueDate", r.DueDate)
	if !r.InvoiceDate.IsZero() && !r.DueDate.IsZero() && r.DueDate.Before(r.InvoiceDate) {
		v.fail("dueDate", "is before invoiceDate")
	}
	v.need("paymentTerm", string(r.PaymentTerm))
	v.text("memo", r.Memo, maxFreeText)
	v.text("reference", r.Reference, 100)
}

// InvoiceUpdate changes an invoice: ID and SubMerchantID are required,
// and every other field is left as it is when nil (not sent) and set when
// not, to its zero value too. At least one field or Extra member must be
// set. See Ptr. The members an invoice requires (customer, items, total,
// dates, payment term) may be changed but not cleared. When Items and
// Total are both set, the total must equal the items' sum if they carry
// prices; when both dates are set, the due date must not be before the
// invoice date.
type InvoiceUpdate struct {
	// ID is the invoice's identifier.
	ID            string  `json:"-"`
	SubMerchantID string  `json:"subMerchantId"`
	CustomerID    *string `json:"customerId,omitempty"`
	// Items, when not nil, replaces the items, and must hold at least one.
	Items []Item `json:"items,omitzero"`
	// Total, when set, must be positive.
	Total       *Amount      `json:"total,omitempty"`
	InvoiceDate *Date        `json:"invoiceDate,omitempty"`
	DueDate     *Date        `json:"dueDate,omitempty"`
	PaymentTerm *PaymentTerm `json:"paymentTerm,omitempty"`
	// Memo set to "" clears it.
	Memo *string `json:"memo,omitempty"`
	// Reference set to "" clears it.
	Reference *string `json:"reference,omitempty"`
	// HostedSession, when not nil, replaces the hosted page's settings,
	// sent as is.
	HostedSession map[string]any `json:"hostedSession,omitzero"`
	Extra         map[string]any `json:"-"`
}

func (r *InvoiceUpdate) validate(v *validator) {
	v.nothingToUpdate(r)
	v.keep("customerId", r.CustomerID)
	if r.Items != nil && len(r.Items) == 0 {
		v.fail("items", "cannot be cleared: an invoice needs at least one item")
	}
	validateItems(v, r.Items)
	if v.setAmount("total", r.Total); r.Total != nil {
		if sum, priced := itemsTotal(r.Items); priced && sum != *r.Total {
			v.fail("total", "does not equal the sum of the items ("+sum.String()+")")
		}
	}
	v.keepDate("invoiceDate", r.InvoiceDate)
	v.keepDate("dueDate", r.DueDate)
	if r.InvoiceDate != nil && r.DueDate != nil && r.DueDate.Before(*r.InvoiceDate) {
		v.fail("dueDate", "is before invoiceDate")
	}
	if r.PaymentTerm != nil {
		term := string(*r.PaymentTerm)
		v.keep("paymentTerm", &term)
	}
	v.setText("memo", r.Memo, maxFreeText)
	v.setText("reference", r.Reference, 100)
}

func (r *InvoiceUpdate) resourceID() string { return r.ID }

// itemsTotal sums quantity × unit price; priced is false when no item has
// a price.
func itemsTotal(items []Item) (sum Amount, priced bool) {
	for _, it := range items {
		if it.UnitPrice != 0 {
			priced = true
			q := max(it.Quantity, 1)
			sum += it.UnitPrice * Amount(q)
		}
	}
	return sum, priced
}

// InvoiceStatus is where an invoice stands.
type InvoiceStatus string

// InvoiceStatus values.
const (
	// InvoiceStatusDraft: created, not sent; it can be updated, sent, voided or deleted.
	InvoiceStatusDraft InvoiceStatus = "draft"
	// InvoiceStatusSent: sent to the customer; it can be updated, sent again or voided.
	InvoiceStatusSent InvoiceStatus = "sent"
	// InvoiceStatusPaid: the customer paid it.
	InvoiceStatusPaid InvoiceStatus = "paid"
	// InvoiceStatusVoided: voided; it can no longer be paid.
	InvoiceStatusVoided InvoiceStatus = "voided"
	// InvoiceStatusDeleted: deleted (a draft); it changes no more.
	InvoiceStatusDeleted InvoiceStatus = "deleted"
)

// Invoice is an invoice.
type Invoice struct {
	ID            string `json:"invoiceId"`
	SubMerchantID string `json:"subMerchantId,omitempty"`
	CustomerID    string `json:"customerId,omitempty"`
	// Status is where it stands.
	Status  InvoiceStatus `json:"status,omitempty"`
	Total   Amount        `json:"total,omitempty"`
	DueDate Date          `json:"dueDate,omitzero"`
	// URL is where the customer pays it.
	URL       string `json:"url,omitempty"`
	Reference string `json:"reference,omitempty"`
	ResponseMeta
}

// Create creates an invoice as a draft; Send emails it.
func (s *InvoicesService) Create(ctx context.Context, req *InvoiceRequest) (*Invoice, error) {
	return call[Invoice](ctx, s.c, &wire.InvoiceCreate, req)
}

// Update changes the members of an invoice that is not paid or voided
// that req sets, and only those. An update that sets nothing, or sets a
// member it cannot clear to its zero value, is refused with a
// *ValidationError before sending.
func (s *InvoicesService) Update(ctx context.Context, req *InvoiceUpdate) (*Invoice, error) {
	return call[Invoice](ctx, s.c, &wire.InvoiceUpdate, req)
}

// Void cancels an unpaid invoice. Voiding it again is refused.
func (s *InvoicesService) Void(ctx context.Context, req *Ref) (*Invoice, error) {
	return call[Invoice](ctx, s.c, &wire.InvoiceVoid, req)
}

// Delete deletes an invoice that was never sent.
func (s *InvoicesService) Delete(ctx context.Context, req *Ref) (*Invoice, error) {
	return call[Invoice](ctx, s.c, &wire.InvoiceDelete, req)
}

// Send emails the invoice to the customer, again if it was sent before.
func (s *InvoicesService) Send(ctx context.Context, req *Ref) (*Invoice, error) {
	return call[Invoice](ctx, s.c, &wire.InvoiceSend, req)
}
