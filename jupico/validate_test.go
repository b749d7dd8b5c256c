package jupico_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

func metadataOf(n int) map[string]string {
	m := map[string]string{}
	for i := range n {
		m[fmt.Sprintf("k%02d", i)] = "v"
	}
	return m
}

func TestValidationRefusesBeforeSending(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client()
	ctx := context.Background()
	cases := []struct {
		name  string
		mod   func(*jupico.ChargeRequest)
		field string
	}{
		{"no sub-merchant", func(r *jupico.ChargeRequest) { r.SubMerchantID = "" }, "subMerchantId"},
		{"zero amount", func(r *jupico.ChargeRequest) { r.Amount = 0 }, "amount"},
		{"negative amount", func(r *jupico.ChargeRequest) { r.Amount = -1 }, "amount"},
		{"no token", func(r *jupico.ChargeRequest) { r.PaymentToken = jupico.PaymentToken{} }, "paymentToken"},
		{"both token kinds", func(r *jupico.ChargeRequest) { r.PaymentToken.OneTime = "x" }, "paymentToken"},
		{"tax above amount", func(r *jupico.ChargeRequest) { r.TaxAmount = amt(r.Amount.Cents() + 1) }, "taxAmount"},
		{"withhold without tax", func(r *jupico.ChargeRequest) { r.TaxWithhold = true }, "taxAmount"},
		{"51 metadata keys", func(r *jupico.ChargeRequest) { r.Metadata = metadataOf(51) }, "metadata"},
		{"41-char key", func(r *jupico.ChargeRequest) { r.Metadata = map[string]string{strings.Repeat("k", 41): "v"} }, "metadata[key]"},
		{"key with [", func(r *jupico.ChargeRequest) { r.Metadata = map[string]string{"a[0]": "v"} }, "metadata[key]"},
		{"key with ]", func(r *jupico.ChargeRequest) { r.Metadata = map[string]string{"a]": "v"} }, "metadata[key]"},
		{"empty key", func(r *jupico.ChargeRequest) { r.Metadata = map[string]string{"": "v"} }, "metadata[key]"},
		{"501-char value", func(r *jupico.ChargeRequest) { r.Metadata = map[string]string{"note": strings.Repeat("é", 501)} }, "metadata[note]"},
		{"control character", func(r *jupico.ChargeRequest) { r.Description = "line\nbreak" }, "description"},
		{"negative quantity", func(r *jupico.ChargeRequest) { r.Items = []jupico.Item{{Name: "x", Quantity: -1}} }, "items[0].quantity"},
		{"fee over 100%", func(r *jupico.ChargeRequest) { r.DynamicFee = &jupico.DynamicFee{DiscountRateBasisPoints: 10001} }, "dynamicFee.discountRatePerc"},
	}
	for _, tc := range cases {
		req := charge(1000)
		tc.mod(req)
		_, err := c.CreditCard.Sale(ctx, req)
		require.Error(t, err, tc.name)
		assert.ErrorIs(t, err, jupico.ErrValidation, tc.name)
		var ve *jupico.ValidationError
		require.ErrorAs(t, err, &ve, tc.name)
		assert.Equal(t, tc.field, ve.Field, tc.name)
	}
	_, err := c.CreditCard.Sale(ctx, nil)
	assert.ErrorIs(t, err, jupico.ErrValidation)
	assert.Empty(t, srv.Requests(), "nothing invalid was sent")
}

func TestValidationAcceptsTheLimits(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client()
	req := charge(1000)
	req.Metadata = metadataOf(50)
	req.Metadata[strings.Repeat("k", 40)] = strings.Repeat("é", 500)
	delete(req.Metadata, "k00")
	req.TaxAmount = amt(1000)
	req.TaxWithhold = true
	req.Items = []jupico.Item{{Name: "Widget", Description: "Blue, size 11", Quantity: 2, UnitPrice: jupico.Cents(500)}}
	req.DynamicFee = &jupico.DynamicFee{Fixed: jupico.Cents(30), DiscountRateBasisPoints: 10000}
	req.Billing = &jupico.Address{FirstName: "Ada", Line1: "1 Main St", PostalCode: "10001", Phone: "+1 555 010 4477"}
	_, err := c.CreditCard.Sale(context.Background(), req)
	require.NoError(t, err)
	body := string(srv.RequestsTo(salePath)[0].Body)
	assert.Contains(t, body, `"dynamicFee":{"fixed":0.30,"discountRatePerc":100.00}`)
	assert.Contains(t, body, `"unitPrice":5.00`)
}

func TestCardGuard(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client()
	ctx := context.Background()
	pans := []string{"4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111", "5555 5555 5555 4444", "3782 822463 10005", "6011000990139424", "4222222222222"}
	fields := map[string]func(*jupico.ChargeRequest, string){
		"description":    func(r *jupico.ChargeRequest, s string) { r.Description = "paid with " + s },
		"metadata[note]": func(r *jupico.ChargeRequest, s string) { r.Metadata = map[string]string{"note": s} },
		"items[0].description": func(r *jupico.ChargeRequest, s string) {
			r.Items = []jupico.Item{{Name: "x", Description: "card " + s}}
		},
		"billingDescriptor":  func(r *jupico.ChargeRequest, s string) { r.BillingDescriptor = s },
		"billing.address2":   func(r *jupico.ChargeRequest, s string) { r.Billing = &jupico.Address{Line2: s} },
		"paymentToken.token": func(r *jupico.ChargeRequest, s string) { r.PaymentToken = jupico.PermanentToken("card", s) },
		"reference":          func(r *jupico.ChargeRequest, s string) { r.Reference = s },
	}
	for field, set := range fields {
		for _, pan := range pans {
			req := charge(1000)
			set(req, pan)
			_, err := c.CreditCard.Sale(ctx, req)
			var ve *jupico.ValidationError
			require.ErrorAs(t, err, &ve, "%s with %q", field, pan)
			assert.Equal(t, field, ve.Field)
			digits := strings.NewReplacer(" ", "", "-", "").Replace(pan)
			assert.NotContains(t, err.Error(), digits)
			assert.NotContains(t, err.Error(), pan)
		}
	}
	// Long order numbers and phone numbers that fail Luhn are fine.
	for _, s := range []string{"Order 4111111111111112", "Ref 12345678901234567890123", "Call +1 (555) 010-4477", "Phone 5550104477123", "Tracking 1Z999AA10123456784"} {
		req := charge(1000)
		req.Description = s
		req.Metadata = map[string]string{"ref": s}
		_, err := c.CreditCard.Sale(ctx, req)
		assert.NoError(t, err, s)
	}
	assert.Len(t, srv.Requests(), 5)
}

// BenchmarkValidateCharge is the checks every sale runs before sending.
func BenchmarkValidateCharge(b *testing.B) {
	req := &jupico.ChargeRequest{
		SubMerchantID: "jpt-fs-demo-acc1-m1", Amount: jupico.Cents(2500), PaymentToken: jupico.PermanentToken("card", "tok_visa_4242"),
		Description: "Order 1042", Metadata: map[string]string{"order": "1042"}, Reference: "order-1042",
		Billing: &jupico.Address{FirstName: "Ada", LastName: "Lovelace", Line1: "1 Main St", City: "Springfield", PostalCode: "12345", Country: "US"},
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := jupico.ValidateCharge(req); err != nil {
			b.Fatal(err)
		}
	}
}
