package jupico

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/jupico/jupico-go/internal/wire"
)

// Types shared by the platform services (onboarding, provisioning, links,
// checkouts, invoices, plans, subscriptions, installments, payouts).
//
// Every request type has an Extra map merged into the body, for members
// Jupico accepts that this version of the SDK does not model: a key that
// collides with a typed field is refused (set the field instead), never a
// silent overwrite. Every response embeds ResponseMeta, whose Raw keeps the
// answer's data as sent. Every string in a request is refused if it holds
// what looks like a card number.

// Ref names one resource for an operation that needs nothing else:
// activate, deactivate, delete, void, send, cancel, get. The body carries
// ID under the member the operation expects (planId, invoiceId...).
type Ref struct {
	// SubMerchantID owns the resource; required for every resource but an
	// onboarding invite, which belongs to the platform.
	SubMerchantID string `json:"subMerchantId,omitempty"`
	// ID is the resource's identifier, as Jupico returned it. Required.
	ID string `json:"-"`
	// Extra members to merge into the body.
	Extra map[string]any `json:"-"`
}

func (r *Ref) validate(*validator)      {}
func (r *Ref) resourceID() string       { return r.ID }
func (u *Update[T]) resourceID() string { return u.ID }

// Update changes the resource ID to the fields of Fields that are set: a
// zero field (empty string, zero amount, nil) is left as it is, so an
// update sends only what changes. The owning sub-merchant, where the
// resource has one, is still required in Fields.
type Update[T any] struct {
	// ID is the resource's identifier. Required.
	ID string
	// Fields holds the new values; its Extra is merged into the body too.
	Fields T
}

// MarshalJSON writes Fields' members; ID is written by the operation under
// its own member name.
func (u *Update[T]) MarshalJSON() ([]byte, error) { return json.Marshal(&u.Fields) }

func (u *Update[T]) validate(v *validator) {
	v.partial = true
	if r, ok := any(&u.Fields).(request); ok {
		r.validate(v)
	}
}

// PaymentTokenUpdate replaces the payment token a subscription or an
// installment plan charges. Documented: subMerchantId, the resource's id
// and paymentToken, all required.
type PaymentTokenUpdate struct {
	SubMerchantID string `json:"subMerchantId"`
	// ID is the subscription's or installment plan's identifier.
	ID string `json:"-"`
	// PaymentToken is the new token: a permanent one, since it will be
	// charged again.
	PaymentToken PaymentToken   `json:"paymentToken"`
	Extra        map[string]any `json:"-"`
}

func (r *PaymentTokenUpdate) validate(v *validator) {
	v.required("subMerchantId", r.SubMerchantID)
	r.PaymentToken.validate(v, "paymentToken")
}
func (r *PaymentTokenUpdate) resourceID() string { return r.ID }

// Date is a calendar day, without a time or a zone: an installment plan's
// start, an invoice's due date. It is written as "2006-01-02". The zero
// Date means "not given".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the day t falls on, in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate parses "2006-01-02".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(wire.DateLayout, s)
	if err != nil {
		return Date{}, fmt.Errorf("jupico: date %s is not YYYY-MM-DD", strconv.Quote(s))
	}
	return DateOf(t), nil
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// Valid reports whether d names a real day (not February 30th).
func (d Date) Valid() bool {
	return !d.IsZero() && d.Month >= 1 && d.Month <= 12 && DateOf(d.time()) == d
}

// Before reports whether d is an earlier day than o.
func (d Date) Before(o Date) bool { return d.time().Before(o.time()) }

func (d Date) time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// String returns the day as "2006-01-02", its fields as they are: the
// zero Date is "0000-00-00", and a day that does not exist is not moved to
// one that does.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// MarshalJSON writes "2006-01-02"; a day that does not exist is an error.
func (d Date) MarshalJSON() ([]byte, error) {
	if !d.Valid() {
		return nil, fmt.Errorf("jupico: invalid date %d-%d-%d", d.Year, d.Month, d.Day)
	}
	return strconv.AppendQuote(nil, d.String()), nil
}

// UnmarshalJSON reads "2006-01-02", or a timestamp that starts with one.
func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	if len(s) > len(wire.DateLayout) {
		s = s[:len(wire.DateLayout)]
	}
	p, err := ParseDate(s)
	if err == nil {
		*d = p
	}
	return err
}

// Frequency is how often a plan or an installment plan charges. Jupico
// documents weekly, biweekly, monthly and every 28 days; the strings are
// assumed. Another value Jupico accepts can be set as Frequency("...").
type Frequency string

// Frequencies Jupico documents.
const (
	FrequencyWeekly      Frequency = "weekly"
	FrequencyBiweekly    Frequency = "biweekly"
	FrequencyMonthly     Frequency = "monthly"
	FrequencyEvery28Days Frequency = "every28days"
)

// BankAccount is a payout bank account. Jupico documents its members
// (accountRouting, accountNumber, accountType, nameOnAccount) and requires
// all four.
type BankAccount struct {
	// RoutingNumber is the nine-digit ABA routing number; its checksum is
	// verified before sending.
	RoutingNumber RoutingNumber `json:"accountRouting"`
	// AccountNumber is the account number, 4 to 17 digits. It prints
	// masked (all but the last four digits) in every fmt verb.
	AccountNumber AccountNumber `json:"accountNumber"`
	// AccountType is checking or savings.
	AccountType BankAccountType `json:"accountType"`
	// NameOnAccount is the account holder's name.
	NameOnAccount string `json:"nameOnAccount"`
}

// BankAccountType is the kind of a bank account. The strings are assumed.
type BankAccountType string

// Bank account types.
const (
	BankAccountTypeChecking BankAccountType = "checking"
	BankAccountTypeSavings  BankAccountType = "savings"
)

func (a *BankAccount) complete() bool {
	return a.RoutingNumber != "" && a.AccountNumber != "" && a.AccountType != "" && a.NameOnAccount != ""
}

// AccountNumber is a bank account number: digits only, which is why it is
// exempt from the card-number guard of free text. It prints masked.
type AccountNumber string

// String returns the number with all but its last four digits masked.
func (n AccountNumber) String() string {
	if len(n) <= 4 {
		return "****"
	}
	return "****" + string(n[len(n)-4:])
}

// GoString is String.
func (n AccountNumber) GoString() string { return n.String() }

// Format prints String for every verb.
func (n AccountNumber) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(n.String())) }

func (n AccountNumber) problem() string {
	if len(n) < 4 || len(n) > 17 || !digits(string(n)) {
		return "must be 4 to 17 digits"
	}
	return ""
}

// RoutingNumber is a nine-digit ABA routing number.
type RoutingNumber string

// problem checks the length and the ABA checksum (weights 3, 7, 1).
func (n RoutingNumber) problem() string {
	if len(n) != 9 || !digits(string(n)) {
		return "must be 9 digits"
	}
	sum := 0
	for i := range 9 {
		sum += int(n[i]-'0') * [3]int{3, 7, 1}[i%3]
	}
	if sum%10 != 0 {
		return "fails the ABA routing-number checksum"
	}
	return ""
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Identity is a merchant's business and representatives, as an invite or
// an application carries it. The business members are those of Jupico's
// onboarding webhooks; representatives are assumed.
type Identity struct {
	Business        *Business        `json:"business,omitempty"`
	Representatives []Representative `json:"representatives,omitempty"`
}

// Business is a merchant's business identity.
type Business struct {
	LegalName  string           `json:"legalName,omitempty"`
	DBAName    string           `json:"dbaName,omitempty"`
	WebsiteURL string           `json:"websiteUrl,omitempty"`
	Address    *BusinessAddress `json:"address,omitempty"`
}

// BusinessAddress is a business's postal address, in the members Jupico's
// onboarding webhooks use.
type BusinessAddress struct {
	StreetNum  string `json:"streetNum,omitempty"`
	StreetName string `json:"streetName,omitempty"`
	City       string `json:"city,omitempty"`
	State      string `json:"state,omitempty"`
	PostalCode string `json:"postalCode,omitempty"`
}

// Representative is a person who represents or owns the business.
type Representative struct {
	FirstName string `json:"firstName,omitempty"`
	LastName  string `json:"lastName,omitempty"`
	Email     string `json:"email,omitempty"`
	Phone     string `json:"phone,omitempty"`
	Title     string `json:"title,omitempty"`
	// OwnershipPercent is the share of the business the person owns, 0 to
	// 100.
	OwnershipPercent int `json:"ownershipPercent,omitempty"`
}

func (id *Identity) validate(v *validator) {
	if id == nil {
		return
	}
	for _, r := range id.Representatives {
		if r.OwnershipPercent < 0 || r.OwnershipPercent > 100 {
			v.fail("identity.representatives", "ownershipPercent must be between 0 and 100")
		}
	}
}

// MerchantSetup is what Jupico onboards a new merchant with, common to an
// invite and an invite that adds a merchant: documented members.
type MerchantSetup struct {
	// Identity pre-fills the business and representatives.
	Identity *Identity `json:"identity,omitempty"`
	// PayoutBankAccounts are where the merchant is paid.
	PayoutBankAccounts []BankAccount `json:"payoutBankAccounts,omitempty"`
	// FeesTemplateID is the UUID of the fee template; empty uses the
	// platform's default.
	FeesTemplateID string `json:"feesTemplateId,omitempty"`
	// Fees overrides values of the fee template: a JSON object as
	// Jupico's reference describes it, sent as is.
	Fees json.RawMessage `json:"fees,omitempty"`
	// OnboardingFlowTemplateID is the UUID of the onboarding flow.
	OnboardingFlowTemplateID string `json:"onboardingFlowTemplateId,omitempty"`
}

func (m *MerchantSetup) validate(v *validator) {
	m.Identity.validate(v)
	for i := range m.PayoutBankAccounts {
		if !m.PayoutBankAccounts[i].complete() {
			v.fail("payoutBankAccounts["+strconv.Itoa(i)+"]", "needs accountRouting, accountNumber, accountType and nameOnAccount")
		}
	}
	if len(m.Fees) > 0 && m.Fees[0] != '{' {
		v.fail("fees", "must be a JSON object")
	}
}
