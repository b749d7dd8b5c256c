package jupicomock

import (
	"context"

	"github.com/stretchr/testify/mock"

	"github.com/jupico/jupico-go/jupico"
)

var (
	_ jupico.OnboardingInvitesAPI = (*OnboardingInvites)(nil)
	_ jupico.ProvisioningAPI      = (*Provisioning)(nil)
	_ jupico.PaymentLinksAPI      = (*PaymentLinks)(nil)
	_ jupico.CheckoutsAPI         = (*Checkouts)(nil)
	_ jupico.InvoicesAPI          = (*Invoices)(nil)
	_ jupico.PlansAPI             = (*Plans)(nil)
	_ jupico.SubscriptionsAPI     = (*Subscriptions)(nil)
	_ jupico.InstallmentsAPI      = (*Installments)(nil)
	_ jupico.PayoutsAPI           = (*Payouts)(nil)
)

// OnboardingInvites is a mock of jupico.OnboardingInvitesAPI. The zero value is ready to use;
// set expectations with On.
type OnboardingInvites struct{ mock.Mock }

// Create records the call and returns what On(...).Return set.
func (m *OnboardingInvites) Create(ctx context.Context, req *jupico.InviteRequest) (*jupico.Invite, error) {
	return ret[*jupico.Invite](m.Called(ctx, req))
}

// CreateAndSend records the call and returns what On(...).Return set.
func (m *OnboardingInvites) CreateAndSend(ctx context.Context, req *jupico.InviteRequest) (*jupico.Invite, error) {
	return ret[*jupico.Invite](m.Called(ctx, req))
}

// CreateBatch records the call and returns what On(...).Return set.
func (m *OnboardingInvites) CreateBatch(ctx context.Context, req *jupico.InviteBatchRequest) (*jupico.InviteBatch, error) {
	return ret[*jupico.InviteBatch](m.Called(ctx, req))
}

// Update records the call and returns what On(...).Return set.
func (m *OnboardingInvites) Update(ctx context.Context, req *jupico.InviteUpdate) (*jupico.Invite, error) {
	return ret[*jupico.Invite](m.Called(ctx, req))
}

// Send records the call and returns what On(...).Return set.
func (m *OnboardingInvites) Send(ctx context.Context, req *jupico.Ref) (*jupico.Invite, error) {
	return ret[*jupico.Invite](m.Called(ctx, req))
}

// Cancel records the call and returns what On(...).Return set.
func (m *OnboardingInvites) Cancel(ctx context.Context, req *jupico.Ref) (*jupico.Invite, error) {
	return ret[*jupico.Invite](m.Called(ctx, req))
}

// AddSubMerchant records the call and returns what On(...).Return set.
func (m *OnboardingInvites) AddSubMerchant(ctx context.Context, req *jupico.AddSubMerchantRequest) (*jupico.Invite, error) {
	return ret[*jupico.Invite](m.Called(ctx, req))
}

// Provisioning is a mock of jupico.ProvisioningAPI. The zero value is ready to use;
// set expectations with On.
type Provisioning struct{ mock.Mock }

// CreateApplicant records the call and returns what On(...).Return set.
func (m *Provisioning) CreateApplicant(ctx context.Context, req *jupico.ApplicantRequest) (*jupico.Applicant, error) {
	return ret[*jupico.Applicant](m.Called(ctx, req))
}

// CreateApplication records the call and returns what On(...).Return set.
func (m *Provisioning) CreateApplication(ctx context.Context, req *jupico.ApplicationRequest) (*jupico.Application, error) {
	return ret[*jupico.Application](m.Called(ctx, req))
}

// CreateSubMerchant records the call and returns what On(...).Return set.
func (m *Provisioning) CreateSubMerchant(ctx context.Context, req *jupico.SubMerchantRequest) (*jupico.SubMerchant, error) {
	return ret[*jupico.SubMerchant](m.Called(ctx, req))
}

// PaymentLinks is a mock of jupico.PaymentLinksAPI. The zero value is ready to use;
// set expectations with On.
type PaymentLinks struct{ mock.Mock }

// Create records the call and returns what On(...).Return set.
func (m *PaymentLinks) Create(ctx context.Context, req *jupico.PaymentLinkRequest) (*jupico.PaymentLink, error) {
	return ret[*jupico.PaymentLink](m.Called(ctx, req))
}

// Update records the call and returns what On(...).Return set.
func (m *PaymentLinks) Update(ctx context.Context, req *jupico.PaymentLinkUpdate) (*jupico.PaymentLink, error) {
	return ret[*jupico.PaymentLink](m.Called(ctx, req))
}

// Deactivate records the call and returns what On(...).Return set.
func (m *PaymentLinks) Deactivate(ctx context.Context, req *jupico.Ref) (*jupico.PaymentLink, error) {
	return ret[*jupico.PaymentLink](m.Called(ctx, req))
}

// Delete records the call and returns what On(...).Return set.
func (m *PaymentLinks) Delete(ctx context.Context, req *jupico.Ref) (*jupico.PaymentLink, error) {
	return ret[*jupico.PaymentLink](m.Called(ctx, req))
}

// Checkouts is a mock of jupico.CheckoutsAPI. The zero value is ready to use;
// set expectations with On.
type Checkouts struct{ mock.Mock }

// Create records the call and returns what On(...).Return set.
func (m *Checkouts) Create(ctx context.Context, req *jupico.CheckoutRequest) (*jupico.Checkout, error) {
	return ret[*jupico.Checkout](m.Called(ctx, req))
}

// Update records the call and returns what On(...).Return set.
func (m *Checkouts) Update(ctx context.Context, req *jupico.CheckoutUpdate) (*jupico.Checkout, error) {
	return ret[*jupico.Checkout](m.Called(ctx, req))
}

// Deactivate records the call and returns what On(...).Return set.
func (m *Checkouts) Deactivate(ctx context.Context, req *jupico.Ref) (*jupico.Checkout, error) {
	return ret[*jupico.Checkout](m.Called(ctx, req))
}

// Delete records the call and returns what On(...).Return set.
func (m *Checkouts) Delete(ctx context.Context, req *jupico.Ref) (*jupico.Checkout, error) {
	return ret[*jupico.Checkout](m.Called(ctx, req))
}

// Invoices is a mock of jupico.InvoicesAPI. The zero value is ready to use;
// set expectations with On.
type Invoices struct{ mock.Mock }

// Create records the call and returns what On(...).Return set.
func (m *Invoices) Create(ctx context.Context, req *jupico.InvoiceRequest) (*jupico.Invoice, error) {
	return ret[*jupico.Invoice](m.Called(ctx, req))
}

// Update records the call and returns what On(...).Return set.
func (m *Invoices) Update(ctx context.Context, req *jupico.InvoiceUpdate) (*jupico.Invoice, error) {
	return ret[*jupico.Invoice](m.Called(ctx, req))
}

// Void records the call and returns what On(...).Return set.
func (m *Invoices) Void(ctx context.Context, req *jupico.Ref) (*jupico.Invoice, error) {
	return ret[*jupico.Invoice](m.Called(ctx, req))
}

// Delete records the call and returns what On(...).Return set.
func (m *Invoices) Delete(ctx context.Context, req *jupico.Ref) (*jupico.Invoice, error) {
	return ret[*jupico.Invoice](m.Called(ctx, req))
}

// Send records the call and returns what On(...).Return set.
func (m *Invoices) Send(ctx context.Context, req *jupico.Ref) (*jupico.Invoice, error) {
	return ret[*jupico.Invoice](m.Called(ctx, req))
}

// Plans is a mock of jupico.PlansAPI. The zero value is ready to use;
// set expectations with On.
type Plans struct{ mock.Mock }

// Create records the call and returns what On(...).Return set.
func (m *Plans) Create(ctx context.Context, req *jupico.PlanRequest) (*jupico.Plan, error) {
	return ret[*jupico.Plan](m.Called(ctx, req))
}

// Update records the call and returns what On(...).Return set.
func (m *Plans) Update(ctx context.Context, req *jupico.PlanUpdate) (*jupico.Plan, error) {
	return ret[*jupico.Plan](m.Called(ctx, req))
}

// Activate records the call and returns what On(...).Return set.
func (m *Plans) Activate(ctx context.Context, req *jupico.Ref) (*jupico.Plan, error) {
	return ret[*jupico.Plan](m.Called(ctx, req))
}

// Deactivate records the call and returns what On(...).Return set.
func (m *Plans) Deactivate(ctx context.Context, req *jupico.Ref) (*jupico.Plan, error) {
	return ret[*jupico.Plan](m.Called(ctx, req))
}

// Delete records the call and returns what On(...).Return set.
func (m *Plans) Delete(ctx context.Context, req *jupico.Ref) (*jupico.Plan, error) {
	return ret[*jupico.Plan](m.Called(ctx, req))
}

// Subscriptions is a mock of jupico.SubscriptionsAPI. The zero value is ready to use;
// set expectations with On.
type Subscriptions struct{ mock.Mock }

// Create records the call and returns what On(...).Return set.
func (m *Subscriptions) Create(ctx context.Context, req *jupico.SubscriptionRequest) (*jupico.Subscription, error) {
	return ret[*jupico.Subscription](m.Called(ctx, req))
}

// Activate records the call and returns what On(...).Return set.
func (m *Subscriptions) Activate(ctx context.Context, req *jupico.Ref) (*jupico.Subscription, error) {
	return ret[*jupico.Subscription](m.Called(ctx, req))
}

// Deactivate records the call and returns what On(...).Return set.
func (m *Subscriptions) Deactivate(ctx context.Context, req *jupico.Ref) (*jupico.Subscription, error) {
	return ret[*jupico.Subscription](m.Called(ctx, req))
}

// Delete records the call and returns what On(...).Return set.
func (m *Subscriptions) Delete(ctx context.Context, req *jupico.Ref) (*jupico.Subscription, error) {
	return ret[*jupico.Subscription](m.Called(ctx, req))
}

// UpdatePaymentToken records the call and returns what On(...).Return set.
func (m *Subscriptions) UpdatePaymentToken(ctx context.Context, req *jupico.PaymentTokenUpdate) (*jupico.Subscription, error) {
	return ret[*jupico.Subscription](m.Called(ctx, req))
}

// Installments is a mock of jupico.InstallmentsAPI. The zero value is ready to use;
// set expectations with On.
type Installments struct{ mock.Mock }

// Create records the call and returns what On(...).Return set.
func (m *Installments) Create(ctx context.Context, req *jupico.InstallmentRequest) (*jupico.Installment, error) {
	return ret[*jupico.Installment](m.Called(ctx, req))
}

// Delete records the call and returns what On(...).Return set.
func (m *Installments) Delete(ctx context.Context, req *jupico.Ref) (*jupico.Installment, error) {
	return ret[*jupico.Installment](m.Called(ctx, req))
}

// Activate records the call and returns what On(...).Return set.
func (m *Installments) Activate(ctx context.Context, req *jupico.Ref) (*jupico.Installment, error) {
	return ret[*jupico.Installment](m.Called(ctx, req))
}

// Deactivate records the call and returns what On(...).Return set.
func (m *Installments) Deactivate(ctx context.Context, req *jupico.Ref) (*jupico.Installment, error) {
	return ret[*jupico.Installment](m.Called(ctx, req))
}

// UpdatePaymentToken records the call and returns what On(...).Return set.
func (m *Installments) UpdatePaymentToken(ctx context.Context, req *jupico.PaymentTokenUpdate) (*jupico.Installment, error) {
	return ret[*jupico.Installment](m.Called(ctx, req))
}

// Payouts is a mock of jupico.PayoutsAPI. The zero value is ready to use;
// set expectations with On.
type Payouts struct{ mock.Mock }

// Create records the call and returns what On(...).Return set.
func (m *Payouts) Create(ctx context.Context, req *jupico.PayoutRequest) (*jupico.Payout, error) {
	return ret[*jupico.Payout](m.Called(ctx, req))
}

// Void records the call and returns what On(...).Return set.
func (m *Payouts) Void(ctx context.Context, req *jupico.Ref) (*jupico.Payout, error) {
	return ret[*jupico.Payout](m.Called(ctx, req))
}
