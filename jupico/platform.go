package jupico

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
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

func (r *Ref) validate(*validator) {}
func (r *Ref) resourceID() string  { return r.ID }

// Ptr returns a pointer to a copy of v, for the fields of an update
// request, where nil means "leave as it is" and a pointer to the zero
// value sets the zero value:
//
//	PaymentLinkUpdate{ID: "pl_1", SubMerchantID: "m1", Reusable: jupico.Ptr(false)}
//
// sends "reusable":false. Like go-github's github.Ptr.
func Ptr[T any](v T) *T { return &v }

// Updates. Every update operation takes a request type of its own
// (PaymentLinkUpdate, CheckoutUpdate, InvoiceUpdate, PlanUpdate,
// InviteUpdate) whose fields say "unset" apart from "zero":
//
//   - a nil pointer, slice or map is not sent, and the member keeps its
//     value;
//   - a pointer to a value sends it, the zero value included: false, 0,
//     and "" (which clears a text member);
//   - a pointer to the zero Date sends null, which clears a date;
//   - a non-nil empty slice or map sends [] or {}, which clears a list.
//
// A member the resource cannot do without (a payment link's description,
// a plan's name, an invoice's due date...) may be changed but not
// cleared: setting it to its zero value is refused before sending. Rules
// run on what is set: a set amount must be positive, a set date a real
// day, a set string passes the free-text rules. An update that sets
// nothing (no typed field, no Extra member) is refused with a
// *ValidationError "nothing to update". How Jupico treats "" and null is
// assumed: not in public docs (see internal/wire).

// updatesNothing reports whether the update struct u (a pointer) sets no
// member: every field the body carries but the owning sub-merchant is
// nil (or, for a raw JSON value, which is written only when it holds
// something, empty), and Extra is empty.
func updatesNothing(u any) bool {
	rv := reflect.ValueOf(u).Elem()
	for _, f := range fieldsOf(rv.Type()) {
		fv := rv.Field(f.index)
		switch {
		case f.name == "extra" && !f.own:
			if fv.Len() > 0 {
				return false
			}
		case !f.own || f.name == "subMerchantId":
		case fv.Type() == rawType:
			if fv.Len() > 0 {
				return false
			}
		case !fv.IsZero():
			return false
		}
	}
	return true
}

// nothingToUpdate refuses an update that sets nothing.
func (v *validator) nothingToUpdate(u any) {
	if updatesNothing(u) {
		v.fail("", "nothing to update")
	}
}

// keep checks a member an update may change but not clear: when set, it
// follows the identifier rules and must not be empty.
func (v *validator) keep(field string, p *string) {
	switch {
	case p == nil:
	case strings.TrimSpace(*p) == "":
		v.fail(field, "cannot be cleared: it is required")
	default:
		v.id(field, *p)
	}
}

// setText checks a free-text member an update may set or clear ("").
func (v *validator) setText(field string, p *string, max int) {
	if p != nil {
		v.text(field, *p, max)
	}
}

// setAmount checks an amount an update sets: positive.
func (v *validator) setAmount(field string, p *Amount) {
	if p != nil {
		v.positive(field, *p)
	}
}

// setDate checks a date an update may set or clear (the zero Date).
func (v *validator) setDate(field string, p *Date) {
	if p != nil {
		v.date(field, *p)
	}
}

// keepDate checks a date an update may change but not clear.
func (v *validator) keepDate(field string, p *Date) {
	switch {
	case p == nil:
	case p.IsZero():
		v.fail(field, "cannot be cleared: it is required")
	default:
		v.date(field, *p)
	}
}

// setCount checks a count an update sets: zero or more.
func (v *validator) setCount(field string, p *int) {
	if p != nil && *p < 0 {
		v.fail(field, "must not be negative")
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
// Date means "not given"; written on its own (an update's pointer to it)
// it is null, which clears the date.
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

// MarshalJSON writes "2006-01-02", and null for the zero Date; a day that
// does not exist is an error.
func (d Date) MarshalJSON() ([]byte, error) {
	if d.IsZero() {
		return []byte("null"), nil
	}
	if !d.Valid() {
		return nil, fmt.Errorf("jupico: invalid date %d-%d-%d", d.Year, d.Month, d.Day)
	}
	return strconv.AppendQuote(nil, d.String()), nil
}

// UnmarshalJSON reads "2006-01-02", or a timestamp that starts with one;
// null leaves d as it is (the zero Date for a member Jupico cleared).
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
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
