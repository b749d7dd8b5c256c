package jupico

import (
	"encoding/json"
	"strconv"

	"github.com/jupico/jupico-go/internal/wire"
)

// PaymentToken identifies the card or bank account to charge. It is never
// a card number: tokens come from Jupico's web components (a one-time token)
// or from an earlier tokenization (a permanent token). Build one with
// PermanentToken or OneTimeToken. The zero PaymentToken is invalid.
type PaymentToken struct {
	// Type and Token identify a permanent (reusable) token.
	Type  string `json:"type,omitempty"`
	Token string `json:"token,omitempty"`
	// OneTime is a one-time token payload, as the web components'
	// submit-success callback hands it over. Use it once, right away.
	OneTime string `json:"data,omitempty"`
}

// PermanentToken returns a reusable token of the given type.
func PermanentToken(typ, token string) PaymentToken { return PaymentToken{Type: typ, Token: token} }

// OneTimeToken returns a one-time token.
func OneTimeToken(payload string) PaymentToken { return PaymentToken{OneTime: payload} }

func (t PaymentToken) validate(v *validator, field string) {
	switch {
	case t.OneTime != "" && (t.Token != "" || t.Type != ""):
		v.fail(field, "must be either a permanent token (type and token) or a one-time token, not both")
	case t.OneTime != "":
		v.adopt(idOf(t.OneTime), field, ".data")
	case t.Token == "":
		v.fail(field, "is required")
	default:
		v.adopt(idOf(t.Token), field, ".token")
		v.adopt(idOf(t.Type), field, ".type")
	}
}

func (t PaymentToken) wire() wire.PaymentToken {
	return wire.PaymentToken{Type: t.Type, Token: t.Token, Data: t.OneTime}
}

// Item is a line item of a charge.
type Item struct {
	Name        string `json:"name,omitempty"`
	Description string `json:"description,omitempty"`
	// Quantity is the number of units; zero is omitted.
	Quantity int `json:"quantity,omitempty"`
	// UnitPrice is the price of one unit; zero is omitted.
	UnitPrice Amount `json:"unitPrice,omitempty"`
}

// DynamicFee is the fee the platform charges its merchant for this
// transaction, overriding the merchant's fee template.
type DynamicFee struct {
	// Fixed is a flat fee.
	Fixed Amount
	// DiscountRateBasisPoints is a percentage of the amount in hundredths of
	// a percent: 250 is 2.50 %. Kept as an integer so no float is involved.
	DiscountRateBasisPoints int
}

// MarshalJSON writes the fee as Jupico reads it: {"fixed", "discountRatePerc"},
// the rate a decimal percentage ("2.50").
func (f DynamicFee) MarshalJSON() ([]byte, error) { return json.Marshal(f.wire()) }

func (f *DynamicFee) wire() *wire.DynamicFee {
	if f == nil {
		return nil
	}
	return &wire.DynamicFee{Fixed: f.Fixed.number(), DiscountRatePerc: Amount(f.DiscountRateBasisPoints).number()}
}

// Address is billing or shipping data.
type Address struct {
	FirstName  string `json:"firstName,omitempty"`
	LastName   string `json:"lastName,omitempty"`
	Company    string `json:"company,omitempty"`
	Line1      string `json:"address1,omitempty"`
	Line2      string `json:"address2,omitempty"`
	City       string `json:"city,omitempty"`
	State      string `json:"state,omitempty"`
	PostalCode string `json:"postalCode,omitempty"`
	Country    string `json:"country,omitempty"`
	Email      string `json:"email,omitempty"`
	Phone      string `json:"phone,omitempty"`
}

func (a *Address) validate(v *validator, field string) {
	if a == nil {
		return
	}
	for _, f := range [...]struct{ name, val string }{
		{"firstName", a.FirstName}, {"lastName", a.LastName}, {"company", a.Company}, {"address1", a.Line1},
		{"address2", a.Line2}, {"city", a.City}, {"state", a.State}, {"postalCode", a.PostalCode},
		{"country", a.Country}, {"email", a.Email}, {"phone", a.Phone},
	} {
		v.adopt(textOf(f.val, 200), field, ".", f.name)
	}
}

func (a *Address) wire() *wire.Address {
	if a == nil {
		return nil
	}
	return &wire.Address{FirstName: a.FirstName, LastName: a.LastName, Company: a.Company, Line1: a.Line1, Line2: a.Line2,
		City: a.City, State: a.State, PostalCode: a.PostalCode, Country: a.Country, Email: a.Email, Phone: a.Phone}
}

// ChargeRequest is a card sale or authorization, or an eCheck sale.
// Required: SubMerchantID, a positive Amount and PaymentToken. Free-text
// fields (Description, item names and descriptions, metadata, billing
// descriptor, addresses) are refused if they contain anything that looks
// like a card number.
type ChargeRequest struct {
	// SubMerchantID is the merchant the money goes to.
	SubMerchantID string `json:"subMerchantId"`
	// Amount to charge; must be positive.
	Amount Amount `json:"amount"`
	// PaymentToken is the card or bank account to charge.
	PaymentToken PaymentToken `json:"paymentToken"`
	// Description is free text shown in Jupico's Backoffice.
	Description string `json:"description,omitempty"`
	// Items are the line items.
	Items []Item `json:"items,omitempty"`
	// TaxAmount is the tax included in Amount; nil means none given.
	TaxAmount *Amount `json:"taxAmount,omitempty"`
	// TaxWithhold withholds TaxAmount from the merchant's payout and passes
	// it to the platform.
	TaxWithhold bool `json:"taxWithHold,omitempty"`
	// DynamicFee overrides the merchant's fee for this transaction.
	DynamicFee *DynamicFee `json:"dynamicFee,omitempty"`
	// Billing and Shipping addresses.
	Billing  *Address `json:"billing,omitempty"`
	Shipping *Address `json:"shipping,omitempty"`
	// Metadata: at most 50 keys of at most 40 characters without [ or ],
	// values of at most 500 characters.
	Metadata map[string]string `json:"metadata,omitempty"`
	// BillingDescriptor is the text on the customer's statement.
	BillingDescriptor string `json:"billingDescriptor,omitempty"`
	// Reference is your own reference for the charge (an order id); it
	// travels with a rollback too.
	Reference string `json:"reference,omitempty"`
	// Extra adds members the SDK does not model, as every request does;
	// a key that names a member above is refused, and its values pass the
	// free-text rules (no card number).
	Extra map[string]any `json:"-"`
}

func (r *ChargeRequest) validate() error {
	v := &validator{}
	if r == nil {
		v.fail("request", "is nil")
		return v.error()
	}
	v.required("subMerchantId", r.SubMerchantID)
	v.positive("amount", r.Amount)
	r.PaymentToken.validate(v, "paymentToken")
	v.nonNegative("taxAmount", r.TaxAmount)
	if r.TaxAmount != nil && *r.TaxAmount > r.Amount {
		v.fail("taxAmount", "exceeds amount")
	}
	if r.TaxWithhold && r.TaxAmount == nil {
		v.fail("taxAmount", "is required when taxWithHold is set")
	}
	v.text("description", r.Description, maxFreeText)
	validateItems(v, r.Items)
	if f := r.DynamicFee; f != nil {
		v.nonNegative("dynamicFee.fixed", &f.Fixed)
		if f.DiscountRateBasisPoints < 0 || f.DiscountRateBasisPoints > 10000 {
			v.fail("dynamicFee.discountRatePerc", "must be between 0 and 100 %")
		}
	}
	r.Billing.validate(v, "billing")
	r.Shipping.validate(v, "shipping")
	v.metadata("metadata", r.Metadata)
	v.text("billingDescriptor", r.BillingDescriptor, 25)
	v.text("reference", r.Reference, 100)
	return v.error()
}

func validateItems(v *validator, items []Item) {
	if len(items) > 500 {
		v.fail("items", "has more than 500 items")
		return
	}
	for i, it := range items {
		f := "items[" + strconv.Itoa(i) + "]"
		v.text(f+".name", it.Name, 255)
		v.text(f+".description", it.Description, maxFreeText)
		if it.Quantity < 0 {
			v.fail(f+".quantity", "must not be negative")
		}
		v.nonNegative(f+".unitPrice", &it.UnitPrice)
	}
}

func (r *ChargeRequest) wire() *wire.Charge {
	w := &wire.Charge{
		SubMerchantID: r.SubMerchantID, Amount: r.Amount.number(), PaymentToken: r.PaymentToken.wire(),
		Description: r.Description, TaxAmount: optNumber(r.TaxAmount), TaxWithHold: r.TaxWithhold,
		Billing: r.Billing.wire(), Shipping: r.Shipping.wire(), Metadata: r.Metadata,
		BillingDescriptor: r.BillingDescriptor, Reference: r.Reference,
	}
	for _, it := range r.Items {
		wi := wire.Item{Name: it.Name, Description: it.Description, Quantity: it.Quantity}
		if it.UnitPrice != 0 {
			wi.UnitPrice = it.UnitPrice.number()
		}
		w.Items = append(w.Items, wi)
	}
	if f := r.DynamicFee; f != nil {
		w.DynamicFee = f.wire()
	}
	return w
}
