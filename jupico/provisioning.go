package jupico

import (
	"context"
	"slices"

	"github.com/jupico/jupico-go/internal/wire"
)

// ProvisioningAPI is the provisioning operations of a Client.
// ProvisioningService implements it; jupicomock has a mock of it.
type ProvisioningAPI interface {
	CreateApplicant(ctx context.Context, req *ApplicantRequest) (*Applicant, error)
	CreateApplication(ctx context.Context, req *ApplicationRequest) (*Application, error)
	CreateSubMerchant(ctx context.Context, req *SubMerchantRequest) (*SubMerchant, error)
}

var _ ProvisioningAPI = (*ProvisioningService)(nil)

// ProvisioningService creates merchants directly, without an invite, in
// Jupico's three steps: an Applicant (the person or organisation), its
// Applications (one per business, each of an ApplicationType), and each
// application's Submerchants (the accounts that take payments). One
// applicant may have many applications, and one application many
// submerchants. Applications and submerchants stay in review until
// Jupico's underwriting approves them. Use it through Client.Provisioning;
// it is safe for concurrent use. Every method is a write, with the errors
// of OnboardingInvitesService.
type ProvisioningService service

// ApplicationType is the kind of business an application is for
// (documented values).
type ApplicationType string

// Application types.
const (
	ApplicationTypeIndividual           ApplicationType = "individual"
	ApplicationTypeBusiness             ApplicationType = "business"
	ApplicationTypeGovernmentPublicCorp ApplicationType = "government-public-corp"
)

// OwnershipType is the legal form of the business. Each ApplicationType
// allows some (from Jupico's onboarding documentation).
type OwnershipType string

// Ownership types of a government-public-corp application.
const (
	OwnershipTypePublicCorporation OwnershipType = "PublicCorporation"
	OwnershipTypeGovernment        OwnershipType = "Government"
)

// Ownership types of a business application; OwnershipTypeSoleProprietorship is also
// the only one of an individual's.
const (
	OwnershipTypeSoleProprietorship OwnershipType = "SoleProprietorship"
	OwnershipTypePrivateCorporation OwnershipType = "PrivateCorporation"
	OwnershipTypeLLC                OwnershipType = "LLC"
	OwnershipTypePartnership        OwnershipType = "Partnership"
	OwnershipTypeNonProfit          OwnershipType = "NonProfit"
	OwnershipTypeTrust              OwnershipType = "Trust"
)

// ownershipByType is which ownership types each application type allows.
var ownershipByType = map[ApplicationType][]OwnershipType{
	ApplicationTypeIndividual:           {OwnershipTypeSoleProprietorship},
	ApplicationTypeBusiness:             {OwnershipTypePrivateCorporation, OwnershipTypeSoleProprietorship, OwnershipTypeLLC, OwnershipTypePartnership, OwnershipTypeNonProfit, OwnershipTypeTrust},
	ApplicationTypeGovernmentPublicCorp: {OwnershipTypePublicCorporation, OwnershipTypeGovernment},
}

// AccountLevel is the onboarding level of a merchant account, chosen at
// creation and never changed afterwards (documented levels).
type AccountLevel string

// Account levels.
const (
	AccountLevelRapid  AccountLevel = "Rapid"
	AccountLevelFlex   AccountLevel = "Flex"
	AccountLevelCustom AccountLevel = "Custom"
)

// ApplicantRequest creates an applicant. Name and Email are required.
type ApplicantRequest struct {
	Name      string         `json:"name"`
	Email     string         `json:"email"`
	Phone     string         `json:"phone,omitempty"`
	Reference string         `json:"reference,omitempty"`
	Extra     map[string]any `json:"-"`
}

func (r *ApplicantRequest) validate(v *validator) {
	v.required("name", r.Name)
	v.required("email", r.Email)
	v.text("reference", r.Reference, 100)
}

// Applicant is a created applicant.
type Applicant struct {
	ID        string `json:"applicantId"`
	Name      string `json:"name,omitempty"`
	Email     string `json:"email,omitempty"`
	Reference string `json:"reference,omitempty"`
	ResponseMeta
}

// CreateApplicant creates the applicant applications hang off.
func (s *ProvisioningService) CreateApplicant(ctx context.Context, req *ApplicantRequest) (*Applicant, error) {
	return call[Applicant](ctx, s.c, &wire.ProvisionApplicant, req)
}

// ApplicationRequest creates an application for an applicant. ApplicantID,
// Type, OwnershipType and AccountLevel are required, and OwnershipType must
// be one the Type allows: OwnershipTypeSoleProprietorship for an individual;
// OwnershipTypePublicCorporation or OwnershipTypeGovernment for government-public-corp; any of the
// others, or OwnershipTypeSoleProprietorship, for a business.
type ApplicationRequest struct {
	ApplicantID   string          `json:"applicantId"`
	Type          ApplicationType `json:"type"`
	OwnershipType OwnershipType   `json:"ownershipType"`
	AccountLevel  AccountLevel    `json:"accountLevel"`
	Reference     string          `json:"reference,omitempty"`
	Identity      *Identity       `json:"identity,omitempty"`
	Extra         map[string]any  `json:"-"`
}

func (r *ApplicationRequest) validate(v *validator) {
	v.required("applicantId", r.ApplicantID)
	allowed, known := ownershipByType[r.Type]
	switch {
	case !known:
		v.fail("type", "must be individual, business or government-public-corp")
	case !slices.Contains(allowed, r.OwnershipType):
		v.fail("ownershipType", "is not allowed for a "+string(r.Type)+" application")
	}
	if r.AccountLevel != AccountLevelRapid && r.AccountLevel != AccountLevelFlex && r.AccountLevel != AccountLevelCustom {
		v.fail("accountLevel", "must be Rapid, Flex or Custom")
	}
	v.text("reference", r.Reference, 100)
	r.Identity.validate(v)
}

// Application is a created application.
type Application struct {
	ID          string          `json:"smApplicationId"`
	ApplicantID string          `json:"applicantId,omitempty"`
	Type        ApplicationType `json:"type,omitempty"`
	// Status is "review" until Jupico's underwriting approves it.
	Status string `json:"status,omitempty"`
	ResponseMeta
}

// CreateApplication creates an application for an applicant.
func (s *ProvisioningService) CreateApplication(ctx context.Context, req *ApplicationRequest) (*Application, error) {
	return call[Application](ctx, s.c, &wire.ProvisionApplication, req)
}

// SubMerchantRequest creates a submerchant under an application.
// SMApplicationID and Name are required.
type SubMerchantRequest struct {
	SMApplicationID    string         `json:"smApplicationId"`
	Name               string         `json:"name"`
	Reference          string         `json:"reference,omitempty"`
	PayoutBankAccounts []BankAccount  `json:"payoutBankAccounts,omitempty"`
	FeesTemplateID     string         `json:"feesTemplateId,omitempty"`
	Extra              map[string]any `json:"-"`
}

func (r *SubMerchantRequest) validate(v *validator) {
	v.required("smApplicationId", r.SMApplicationID)
	v.required("name", r.Name)
	v.text("reference", r.Reference, 100)
	(&MerchantSetup{PayoutBankAccounts: r.PayoutBankAccounts}).validate(v)
}

// SubMerchant is a created submerchant.
type SubMerchant struct {
	ID              string `json:"subMerchantId"`
	SMApplicationID string `json:"smApplicationId,omitempty"`
	Name            string `json:"name,omitempty"`
	// Status is MerchantStatusReview until Jupico's underwriting
	// approves it.
	Status MerchantStatus `json:"status,omitempty"`
	ResponseMeta
}

// CreateSubMerchant creates a submerchant under an application.
func (s *ProvisioningService) CreateSubMerchant(ctx context.Context, req *SubMerchantRequest) (*SubMerchant, error) {
	return call[SubMerchant](ctx, s.c, &wire.ProvisionSubMerchant, req)
}
