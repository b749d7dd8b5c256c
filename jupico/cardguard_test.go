package jupico_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/internal/redact"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// cardForms are card numbers as people write them: the guard refuses each
// in a request, and masks each in an error message.
var cardForms = []struct{ name, text string }{
	{"spaces", "4111 1111 1111 1111"},
	{"dots", "4111.1111.1111.1111"},
	{"slashes", "4111/1111/1111/1111"},
	{"underscores", "4111_1111_1111_1111"},
	{"commas", "4111,1111,1111,1111"},
	{"double spaces", "4111  1111  1111  1111"},
	{"spaced dashes", "4111 - 1111 - 1111 - 1111"},
	{"en dashes", "4111\u20131111\u20131111\u20131111"},
	{"em dashes", "5555\u20145555\u20145555\u20144444"},
	{"no-break spaces", "4111\u00a01111\u00a01111\u00a01111"},
	{"narrow no-break spaces", "6011\u202f1111\u202f1111\u202f1117"},
	{"zero-width spaces", "4111\u200b1111\u200b1111\u200b1111"},
	{"full-width digits", "\uff14\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11\uff11"},
	{"Arabic-Indic digits", "\u0664\u0661\u0661\u0661 \u0661\u0661\u0661\u0661 \u0661\u0661\u0661\u0661 \u0661\u0661\u0661\u0661"},
	{"amex with en dashes", "3782 \u2013 822463 \u2013 10005"},
	{"after 30 short digit groups", strings.Repeat("12 ", 30) + "4111 1111 1111 1111"},
	{"in a sentence", "please charge 4111.1111.1111.1111, thanks"},
}

func TestGuardRefusesCardNumberForms(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client(fast)
	ctx := context.Background()
	for _, tc := range cardForms {
		req := charge(1000)
		req.Description = tc.text
		_, err := c.CreditCard.Sale(ctx, req)
		var ve *jupico.ValidationError
		require.ErrorAs(t, err, &ve, "%s: a sale whose description holds %q", tc.name, tc.text)
		assert.Equal(t, "description", ve.Field, tc.name)
		assert.False(t, redact.FindPAN(err.Error()), "%s: the error does not quote the card: %q", tc.name, err.Error())

		auth := charge(1000)
		auth.Metadata = map[string]string{"note": tc.text}
		_, err = c.CreditCard.Authorize(ctx, auth)
		require.ErrorAs(t, err, &ve, "%s: an authorization whose metadata holds %q", tc.name, tc.text)
		assert.Equal(t, "metadata[note]", ve.Field, tc.name)

		// The platform requests go through the guard on every string.
		_, err = c.Plans.Create(ctx, &jupico.PlanRequest{SubMerchantID: merchant, Name: "Gold", Amount: jupico.Cents(900),
			Frequency: jupico.FrequencyMonthly, Description: tc.text})
		require.ErrorAs(t, err, &ve, "%s: a plan whose description holds %q", tc.name, tc.text)
		assert.Equal(t, "description", ve.Field, tc.name)
	}
	assert.Empty(t, srv.Requests(), "nothing reached Jupico")
}

func TestAPIErrorMasksCardNumberForms(t *testing.T) {
	t.Parallel()
	forms := append(cardForms[:len(cardForms):len(cardForms)],
		struct{ name, text string }{"tabs", "4111\t1111\t1111\t1111"},
		struct{ name, text string }{"newlines", "4111\n1111\n1111\n1111"},
	)
	for _, tc := range forms {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := jupicotest.NewServer(t)
			c := srv.Client(jupico.WithRetry(jupico.NoRetry()))
			srv.InjectFault("/v1/transactions/creditcard/sale", jupicotest.Fault{Status: http.StatusBadRequest, Code: "invalid_payload",
				Message: "card " + tc.text + " is not accepted"})
			_, err := c.CreditCard.Sale(context.Background(), charge(1000))
			var ae *jupico.APIError
			require.ErrorAs(t, err, &ae)
			assert.True(t, errors.Is(err, jupico.ErrInvalidPayload))
			assert.Contains(t, ae.Message, "is not accepted", "the rest of the message is kept")
			for _, s := range []string{ae.Message, err.Error()} {
				assert.False(t, redact.FindPAN(s), "no card number is left in %q", s)
				assert.NotContains(t, digitsIn(s), "1111", "no group of the card is left in %q", s)
			}
		})
	}
}

// digitsIn returns the decimal digits of s, in any script, as ASCII.
func digitsIn(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsDigit(r) {
			for z := r; ; z-- {
				if !unicode.IsDigit(z - 1) {
					b.WriteByte(byte('0' + (r-z)%10))
					break
				}
			}
		}
	}
	return b.String()
}
