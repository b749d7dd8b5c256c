package jupico

import (
	"context"
	"encoding/json"
	"strconv"

	"github.com/jupico/jupico-go/internal/wire"
)

// OnboardingInvitesAPI is the onboarding-invite operations of a Client.
// OnboardingInvitesService implements it; jupicomock has a mock of it.
type OnboardingInvitesAPI interface {
	Create(ctx context.Context, req *InviteRequest) (*Invite, error)
	CreateAndSend(ctx context.Context, req *InviteRequest) (*Invite, error)
	CreateBatch(ctx context.Context, req *InviteBatchRequest) (*InviteBatch, error)
	Update(ctx context.Context, req *InviteUpdate) (*Invite, error)
	Send(ctx context.Context, req *Ref) (*Invite, error)
	Cancel(ctx context.Context, req *Ref) (*Invite, error)
	AddSubMerchant(ctx context.Context, req *AddSubMerchantRequest) (*Invite, error)
}

var _ OnboardingInvitesAPI = (*OnboardingInvitesService)(nil)

// OnboardingInvitesService invites merchants to onboard with the platform:
// Jupico emails them a link to its onboarding flow, and reports their
// progress through webhooks (onApplicationInitiated, onMerchantSubmit,
// onMerchantActivation; see package webhook). Use it through
// Client.OnboardingInvites; it is safe for concurrent use.
//
// Every method is a write: retried only on 503 and when the request never
// left. It returns an *APIError for an answer that is not a success, a
// *RequestError when no usable answer came, and a *ValidationError when
// the request was refused before sending. An invite's Ref needs only its
// ID: invites belong to the platform, not to a sub-merchant.
type OnboardingInvitesService service

// InviteStatus is where an invite stands. Jupico's Backoffice shows these
// values; their API spelling is assumed.
type InviteStatus string

// Statuses of an invite on its way, in the order it moves through them:
// created, sent (and perhaps re-sent), opened by the merchant (Initiated),
// submitted for underwriting (Onboarding).
const (
	InviteStatusCreated    InviteStatus = "Created"
	InviteStatusSent       InviteStatus = "Sent"
	InviteStatusResent     InviteStatus = "Re-sent"
	InviteStatusInitiated  InviteStatus = "Initiated"
	InviteStatusOnboarding InviteStatus = "Onboarding"
)

// Statuses of an invite that ended before the merchant submitted.
const (
	InviteStatusCancelled InviteStatus = "Cancelled"
	InviteStatusExpired   InviteStatus = "Expired"
)

// InviteRequest invites a merchant. Name and Email are required.
type InviteRequest struct {
	// Name is the person invited.
	Name string `json:"name,omitempty"`
	// Email is where the invite is sent.
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
	// Reference is your own reference for the invite; Jupico echoes it in
	// the onboarding webhooks (invite.reference).
	Reference string `json:"reference,omitempty"`
	MerchantSetup
	// Extra members to merge into the body.
	Extra map[string]any `json:"-"`
}

func (r *InviteRequest) validate(v *validator) {
	v.need("name", r.Name)
	v.need("email", r.Email)
	v.text("reference", r.Reference, 100)
	r.MerchantSetup.validate(v)
}

// Invite is an onboarding invite.
type Invite struct {
	ID        string       `json:"inviteId"`
	Status    InviteStatus `json:"status"`
	Name      string       `json:"name,omitempty"`
	Email     string       `json:"email,omitempty"`
	Phone     string       `json:"phone,omitempty"`
	Reference string       `json:"reference,omitempty"`
	// URL is the onboarding link the merchant follows, when Jupico returns
	// it.
	URL string `json:"url,omitempty"`
	// SubMerchantID is set once the merchant's application exists.
	SubMerchantID string `json:"subMerchantId,omitempty"`
	ResponseMeta
}

// Create creates an invite without sending it; Send sends it.
func (s *OnboardingInvitesService) Create(ctx context.Context, req *InviteRequest) (*Invite, error) {
	return call[Invite](ctx, s.c, &wire.InviteCreate, req)
}

// CreateAndSend creates an invite and emails it.
func (s *OnboardingInvitesService) CreateAndSend(ctx context.Context, req *InviteRequest) (*Invite, error) {
	return call[Invite](ctx, s.c, &wire.InviteCreateAndSend, req)
}

// InviteBatchRequest creates several invites at once.
type InviteBatchRequest struct {
	// Invites are the invites to create, at most MaxBatchInvites.
	Invites []InviteRequest `json:"invites"`
	Extra   map[string]any  `json:"-"`
}

// MaxBatchInvites is how many invites one CreateBatch may carry.
const MaxBatchInvites = 100

func (r *InviteBatchRequest) validate(v *validator) {
	if len(r.Invites) == 0 || len(r.Invites) > MaxBatchInvites {
		v.fail("invites", "must hold 1 to "+strconv.Itoa(MaxBatchInvites)+" invites")
	}
	for i := range r.Invites {
		probe := validator{}
		if r.Invites[i].validate(&probe); len(r.Invites[i].Extra) > 0 {
			probe.fail("extra", "is not sent inside a batch: use the batch's Extra, or Create")
		}
		if probe.err != nil {
			v.fail("invites["+strconv.Itoa(i)+"]."+probe.err.Field, probe.err.Reason)
		}
	}
}

// InviteBatch is the invites CreateBatch created, in the order asked.
type InviteBatch struct {
	Invites []Invite `json:"invites"`
	ResponseMeta
}

// CreateBatch creates several invites in one request.
func (s *OnboardingInvitesService) CreateBatch(ctx context.Context, req *InviteBatchRequest) (*InviteBatch, error) {
	return call[InviteBatch](ctx, s.c, &wire.InviteCreateBatch, req)
}

// InviteUpdate changes an invite: ID is required (an invite belongs to the
// platform, so there is no sub-merchant), and every other field is left as
// it is when nil (not sent) and set when not, to its zero value too. At
// least one field or Extra member must be set. See Ptr. The fields are
// those of InviteRequest and MerchantSetup.
type InviteUpdate struct {
	// ID is the invite's identifier.
	ID string `json:"-"`
	// Name, when set, must not be empty.
	Name *string `json:"name,omitempty"`
	// Email, when set, must not be empty.
	Email *string `json:"email,omitempty"`
	// Phone set to "" clears it.
	Phone *string `json:"phone,omitempty"`
	// Reference set to "" clears it.
	Reference *string `json:"reference,omitempty"`
	// Identity, when set, replaces the business and representatives.
	Identity *Identity `json:"identity,omitempty"`
	// PayoutBankAccounts, when not nil, replaces the accounts; an empty
	// non-nil slice removes them.
	PayoutBankAccounts []BankAccount `json:"payoutBankAccounts,omitzero"`
	// FeesTemplateID set to "" returns to the platform's default template.
	FeesTemplateID *string `json:"feesTemplateId,omitempty"`
	// Fees, when set, replaces the fee overrides: a JSON object.
	Fees json.RawMessage `json:"fees,omitempty"`
	// OnboardingFlowTemplateID set to "" clears it.
	OnboardingFlowTemplateID *string `json:"onboardingFlowTemplateId,omitempty"`
	// Extra members to merge into the body.
	Extra map[string]any `json:"-"`
}

func (r *InviteUpdate) validate(v *validator) {
	v.nothingToUpdate(r)
	v.keep("name", r.Name)
	v.keep("email", r.Email)
	v.setText("reference", r.Reference, 100)
	setup := MerchantSetup{Identity: r.Identity, PayoutBankAccounts: r.PayoutBankAccounts, Fees: r.Fees}
	setup.validate(v)
}

func (r *InviteUpdate) resourceID() string { return r.ID }

// Update changes the members of an invite that the merchant has not
// started yet that req sets, and only those. An update that sets nothing,
// or sets a member it cannot clear to its zero value, is refused with a
// *ValidationError before sending.
func (s *OnboardingInvitesService) Update(ctx context.Context, req *InviteUpdate) (*Invite, error) {
	return call[Invite](ctx, s.c, &wire.InviteUpdate, req)
}

// Send emails an invite, again if it was sent before (Re-sent).
func (s *OnboardingInvitesService) Send(ctx context.Context, req *Ref) (*Invite, error) {
	return call[Invite](ctx, s.c, &wire.InviteSend, req)
}

// Cancel withdraws an invite the merchant has not completed.
func (s *OnboardingInvitesService) Cancel(ctx context.Context, req *Ref) (*Invite, error) {
	return call[Invite](ctx, s.c, &wire.InviteCancel, req)
}

// AddSubMerchantRequest invites an existing applicant to add a merchant, to
// a new or an existing application. Documented members: the product,
// invite, applicant and application references, and the merchant setup.
type AddSubMerchantRequest struct {
	// ProductReference is the service provider's product reference.
	ProductReference string `json:"productReference,omitempty"`
	// Reference is the invite's reference.
	Reference string `json:"reference,omitempty"`
	// ApplicantReference names the existing applicant. Required.
	ApplicantReference string `json:"applicantReference"`
	// ApplicationReference names an existing application to add the
	// merchant to; empty starts a new one.
	ApplicationReference string `json:"applicationReference,omitempty"`
	MerchantSetup
	Extra map[string]any `json:"-"`
}

func (r *AddSubMerchantRequest) validate(v *validator) {
	v.text("productReference", r.ProductReference, 100)
	v.text("reference", r.Reference, 100)
	v.required("applicantReference", r.ApplicantReference)
	r.MerchantSetup.validate(v)
}

// AddSubMerchant creates an invite for an existing applicant to add a
// merchant.
func (s *OnboardingInvitesService) AddSubMerchant(ctx context.Context, req *AddSubMerchantRequest) (*Invite, error) {
	return call[Invite](ctx, s.c, &wire.InviteAddSubMerchant, req)
}
