package jupico_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/internal/wire"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// Every update operation sets a member to its zero value (false, 0, "",
// null for a date, [] or {}) through the real client: the body the fake
// recorded carries exactly the members set, the zero ones included and
// nothing unset, and the resource read back through the Query API has the
// zeros applied and the members not sent unchanged.
func TestUpdatesSetZeroValues(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		op     *wire.Operation
		create func(ctx context.Context, c *jupico.Client) (string, error)
		update func(id string) any
		// sent is the body expected, with ID standing for the id.
		sent string
		// read returns the resource as the Query API lists it.
		read func(ctx context.Context, c *jupico.Client, id string) (json.RawMessage, error)
		// want are members read back: applied zeros and kept values; nil
		// means absent (cleared).
		want map[string]any
	}{
		{
			name: "payment link", op: &wire.PaymentLinkUpdate,
			create: func(ctx context.Context, c *jupico.Client) (string, error) {
				l, err := c.PaymentLinks.Create(ctx, &jupico.PaymentLinkRequest{SubMerchantID: merchantID, Description: "Donation",
					Amount: jupico.Ptr(jupico.Cents(1000)), Reusable: true, ExpiresOn: nextMonth, Reference: "pl-1"})
				return id(l, err)
			},
			update: func(id string) any {
				return &jupico.PaymentLinkUpdate{ID: id, SubMerchantID: merchantID,
					Reusable: jupico.Ptr(false), ExpiresOn: &jupico.Date{}, Reference: jupico.Ptr("")}
			},
			sent: `{"subMerchantId":"` + merchantID + `","paymentLinkId":"ID","reusable":false,"expiresOn":null,"reference":""}`,
			read: func(ctx context.Context, c *jupico.Client, id string) (json.RawMessage, error) {
				return listed(c.Query.PaymentLinks(ctx, &jupico.ListFilter{SubMerchantID: merchantID}))(id)
			},
			want: map[string]any{"reusable": false, "expiresOn": nil, "reference": "", "description": "Donation", "amount": 10.0},
		},
		{
			name: "checkout", op: &wire.CheckoutUpdate,
			create: func(ctx context.Context, c *jupico.Client) (string, error) {
				co, err := c.Checkouts.Create(ctx, &jupico.CheckoutRequest{SubMerchantID: merchantID, Amount: jupico.Cents(4200),
					Items:     []jupico.Item{{Name: "Tea", Quantity: 1, UnitPrice: jupico.Cents(4200)}},
					ReturnURL: "https://shop.example/done", CancelURL: "https://shop.example/cancel",
					CustomerEmail: "ada@example.com", Reference: "order-7"})
				return id(co, err)
			},
			update: func(id string) any {
				return &jupico.CheckoutUpdate{ID: id, SubMerchantID: merchantID, Items: []jupico.Item{},
					CancelURL: jupico.Ptr(""), CustomerEmail: jupico.Ptr(""), Reference: jupico.Ptr("")}
			},
			sent: `{"subMerchantId":"` + merchantID + `","checkoutId":"ID","items":[],"cancelUrl":"","customerEmail":"","reference":""}`,
			read: func(ctx context.Context, c *jupico.Client, id string) (json.RawMessage, error) {
				return listed(c.Query.CheckoutSessions(ctx, &jupico.ListFilter{SubMerchantID: merchantID}))(id)
			},
			want: map[string]any{"items": []any{}, "cancelUrl": "", "customerEmail": "", "reference": "",
				"returnUrl": "https://shop.example/done", "amount": 42.0},
		},
		{
			name: "invoice", op: &wire.InvoiceUpdate,
			create: func(ctx context.Context, c *jupico.Client) (string, error) {
				r := requestOf(&wire.InvoiceCreate).(*jupico.InvoiceRequest)
				r.Memo, r.Reference, r.HostedSession = "Thank you", "inv-1", map[string]any{"theme": "dark"}
				in, err := c.Invoices.Create(ctx, r)
				return id(in, err)
			},
			update: func(id string) any {
				return &jupico.InvoiceUpdate{ID: id, SubMerchantID: merchantID,
					Memo: jupico.Ptr(""), Reference: jupico.Ptr(""), HostedSession: map[string]any{}}
			},
			sent: `{"subMerchantId":"` + merchantID + `","invoiceId":"ID","memo":"","reference":"","hostedSession":{}}`,
			read: func(ctx context.Context, c *jupico.Client, id string) (json.RawMessage, error) {
				return listed(c.Query.Invoices(ctx, &jupico.ListFilter{SubMerchantID: merchantID}))(id)
			},
			want: map[string]any{"memo": "", "reference": "", "hostedSession": map[string]any{},
				"customerId": "cus_1", "total": 50.0, "paymentTerm": "net30"},
		},
		{
			name: "plan", op: &wire.PlanUpdate,
			create: func(ctx context.Context, c *jupico.Client) (string, error) {
				p, err := c.Plans.Create(ctx, &jupico.PlanRequest{SubMerchantID: merchantID, Name: "Gold", Description: "Gold tier",
					Amount: jupico.Cents(1500), Frequency: jupico.FrequencyMonthly, Cycles: 12, TrialDays: 14, Reference: "plan-1"})
				return id(p, err)
			},
			update: func(id string) any {
				return &jupico.PlanUpdate{ID: id, SubMerchantID: merchantID,
					Cycles: jupico.Ptr(0), TrialDays: jupico.Ptr(0), Description: jupico.Ptr("")}
			},
			sent: `{"subMerchantId":"` + merchantID + `","planId":"ID","cycles":0,"trialDays":0,"description":""}`,
			read: func(ctx context.Context, c *jupico.Client, id string) (json.RawMessage, error) {
				p, err := c.Query.Plan(ctx, &jupico.Ref{SubMerchantID: merchantID, ID: id})
				if err != nil {
					return nil, err
				}
				return p.Raw, nil
			},
			want: map[string]any{"cycles": 0.0, "trialDays": 0.0, "description": "",
				"name": "Gold", "reference": "plan-1", "amount": 15.0, "frequency": "monthly"},
		},
		{
			name: "onboarding invite", op: &wire.InviteUpdate,
			create: func(ctx context.Context, c *jupico.Client) (string, error) {
				inv, err := c.OnboardingInvites.Create(ctx, &jupico.InviteRequest{Name: "Ada Lovelace", Email: "ada@example.com",
					Phone: "+1 512 555 0100", Reference: "crm-1", MerchantSetup: jupico.MerchantSetup{
						FeesTemplateID: "tmpl-1", PayoutBankAccounts: []jupico.BankAccount{bankAccount}}})
				return id(inv, err)
			},
			update: func(id string) any {
				return &jupico.InviteUpdate{ID: id, Phone: jupico.Ptr(""), FeesTemplateID: jupico.Ptr(""),
					PayoutBankAccounts: []jupico.BankAccount{}}
			},
			sent: `{"inviteId":"ID","phone":"","payoutBankAccounts":[],"feesTemplateId":""}`,
			read: func(ctx context.Context, c *jupico.Client, id string) (json.RawMessage, error) {
				return listed(c.Query.OnboardingInvites(ctx, nil))(id)
			},
			want: map[string]any{"phone": "", "feesTemplateId": "", "payoutBankAccounts": []any{},
				"name": "Ada Lovelace", "email": "ada@example.com", "reference": "crm-1"},
		},
	}
	covered := map[*wire.Operation]bool{}
	for _, tc := range cases {
		covered[tc.op] = true
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := jupicotest.NewServer(t)
			c := srv.Client()
			ctx := context.Background()
			id, err := tc.create(ctx, c)
			require.NoError(t, err)

			res, err := invoke(ctx, c, tc.op, tc.update(id))
			require.NoError(t, err)
			assert.Equal(t, id, field(res, "ID"))
			sent := srv.RequestsTo(tc.op.Path)
			require.Len(t, sent, 1)
			assert.JSONEq(t, strings.Replace(tc.sent, `"ID"`, `"`+id+`"`, 1), string(sent[0].Body),
				"the zeros set are sent, nothing unset is")

			raw, err := tc.read(ctx, c, id)
			require.NoError(t, err)
			var got map[string]any
			require.NoError(t, json.Unmarshal(raw, &got))
			for k, want := range tc.want {
				v, ok := got[k]
				if want == nil {
					assert.False(t, ok, "%s: %s is %v, want it cleared", tc.name, k, v)
					continue
				}
				if n, isNum := v.(float64); isNum {
					v = n
				}
				assert.Equal(t, want, v, "%s: %s", tc.name, k)
			}
		})
	}
	// Every update row of the wire table (payment tokens aside: their
	// bodies are all required members) is covered.
	for _, op := range wire.Operations {
		if strings.HasSuffix(op.Name, ".update") {
			assert.True(t, covered[op], "%s has no zero-value case", op.Name)
		}
	}
}

// id returns the ID of a created resource.
func id[T any](res *T, err error) (string, error) {
	if err != nil {
		return "", err
	}
	return field(res, "ID"), nil
}

// listed finds the item with the given ID in a page and returns its Raw.
func listed[T any](p *jupico.Page[T], err error) func(id string) (json.RawMessage, error) {
	return func(id string) (json.RawMessage, error) {
		if err != nil {
			return nil, err
		}
		for _, it := range p.Items {
			if field(it, "ID") == id {
				return reflect.ValueOf(it).Elem().FieldByName("Raw").Bytes(), nil
			}
		}
		return nil, assert.AnError
	}
}

// An update's rules run on what it sets, and it refuses one that sets
// nothing, a member it cannot clear, and an Extra key naming a typed
// field: each before sending, as a *ValidationError naming the field.
func TestUpdatesValidateWhatIsSet(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client()
	ctx := context.Background()
	feb30 := jupico.Date{Year: 2027, Month: time.February, Day: 30}
	today := jupico.DateOf(time.Now())
	link := func(u jupico.PaymentLinkUpdate) *jupico.PaymentLinkUpdate {
		u.ID, u.SubMerchantID = "pl_1", merchantID
		return &u
	}
	checkout := func(u jupico.CheckoutUpdate) *jupico.CheckoutUpdate {
		u.ID, u.SubMerchantID = "co_1", merchantID
		return &u
	}
	invoice := func(u jupico.InvoiceUpdate) *jupico.InvoiceUpdate {
		u.ID, u.SubMerchantID = "in_1", merchantID
		return &u
	}
	plan := func(u jupico.PlanUpdate) *jupico.PlanUpdate {
		u.ID, u.SubMerchantID = "plan_1", merchantID
		return &u
	}
	invite := func(u jupico.InviteUpdate) *jupico.InviteUpdate {
		u.ID = "inv_1"
		return &u
	}
	cases := []struct {
		name   string
		op     *wire.Operation
		req    any
		field  string
		reason string
	}{
		{"link: nothing", &wire.PaymentLinkUpdate, link(jupico.PaymentLinkUpdate{}), "", "nothing to update"},
		{"checkout: nothing", &wire.CheckoutUpdate, checkout(jupico.CheckoutUpdate{}), "", "nothing to update"},
		{"invoice: nothing", &wire.InvoiceUpdate, invoice(jupico.InvoiceUpdate{}), "", "nothing to update"},
		{"plan: nothing", &wire.PlanUpdate, plan(jupico.PlanUpdate{}), "", "nothing to update"},
		{"invite: nothing", &wire.InviteUpdate, invite(jupico.InviteUpdate{}), "", "nothing to update"},
		{"plan: an empty Extra is nothing", &wire.PlanUpdate, plan(jupico.PlanUpdate{Extra: map[string]any{}}), "", "nothing to update"},
		{"invite: empty fees are nothing", &wire.InviteUpdate, invite(jupico.InviteUpdate{Fees: json.RawMessage{}}), "", "nothing to update"},

		{"link: zero amount", &wire.PaymentLinkUpdate, link(jupico.PaymentLinkUpdate{Amount: jupico.Ptr(jupico.Cents(0))}), "amount", "must be positive"},
		{"link: no such day", &wire.PaymentLinkUpdate, link(jupico.PaymentLinkUpdate{ExpiresOn: &feb30}), "expiresOn", "is not a real day"},
		{"link: description cleared", &wire.PaymentLinkUpdate, link(jupico.PaymentLinkUpdate{Description: jupico.Ptr("")}), "description", "cannot be cleared: it is required"},
		{"link: card number in the reference", &wire.PaymentLinkUpdate, link(jupico.PaymentLinkUpdate{Reference: jupico.Ptr(testPAN)}), "reference", ""},
		{"link: Extra names a typed field", &wire.PaymentLinkUpdate, link(jupico.PaymentLinkUpdate{Extra: map[string]any{"reusable": false}}), "extra[reusable]", ""},
		{"link: negative item price", &wire.PaymentLinkUpdate, link(jupico.PaymentLinkUpdate{Items: []jupico.Item{{Name: "x", UnitPrice: -1}}}), "items[0].unitPrice", ""},

		{"checkout: return URL cleared", &wire.CheckoutUpdate, checkout(jupico.CheckoutUpdate{ReturnURL: jupico.Ptr("")}), "returnUrl", "cannot be cleared: it is required"},
		{"checkout: return URL not https", &wire.CheckoutUpdate, checkout(jupico.CheckoutUpdate{ReturnURL: jupico.Ptr("http://shop.example")}), "returnUrl", ""},
		{"checkout: cancel URL not https", &wire.CheckoutUpdate, checkout(jupico.CheckoutUpdate{CancelURL: jupico.Ptr("http://shop.example")}), "cancelUrl", ""},

		{"invoice: due date cleared", &wire.InvoiceUpdate, invoice(jupico.InvoiceUpdate{DueDate: &jupico.Date{}}), "dueDate", "cannot be cleared: it is required"},
		{"invoice: items cleared", &wire.InvoiceUpdate, invoice(jupico.InvoiceUpdate{Items: []jupico.Item{}}), "items", ""},
		{"invoice: customer cleared", &wire.InvoiceUpdate, invoice(jupico.InvoiceUpdate{CustomerID: jupico.Ptr(" ")}), "customerId", ""},
		{"invoice: term cleared", &wire.InvoiceUpdate, invoice(jupico.InvoiceUpdate{PaymentTerm: jupico.Ptr(jupico.PaymentTerm(""))}), "paymentTerm", ""},
		{"invoice: total off the items", &wire.InvoiceUpdate, invoice(jupico.InvoiceUpdate{Total: jupico.Ptr(jupico.Cents(100)),
			Items: []jupico.Item{{Name: "x", Quantity: 2, UnitPrice: jupico.Cents(100)}}}), "total", ""},
		{"invoice: due before issued", &wire.InvoiceUpdate, invoice(jupico.InvoiceUpdate{InvoiceDate: &today,
			DueDate: jupico.Ptr(jupico.DateOf(time.Now().AddDate(0, 0, -1)))}), "dueDate", "is before invoiceDate"},
		{"invoice: zero total", &wire.InvoiceUpdate, invoice(jupico.InvoiceUpdate{Total: jupico.Ptr(jupico.Cents(0))}), "total", "must be positive"},

		{"plan: negative cycles", &wire.PlanUpdate, plan(jupico.PlanUpdate{Cycles: jupico.Ptr(-1)}), "cycles", "must not be negative"},
		{"plan: negative trial", &wire.PlanUpdate, plan(jupico.PlanUpdate{TrialDays: jupico.Ptr(-1)}), "trialDays", "must not be negative"},
		{"plan: name cleared", &wire.PlanUpdate, plan(jupico.PlanUpdate{Name: jupico.Ptr("")}), "name", "cannot be cleared: it is required"},
		{"plan: frequency cleared", &wire.PlanUpdate, plan(jupico.PlanUpdate{Frequency: jupico.Ptr(jupico.Frequency(""))}), "frequency", ""},
		{"plan: control characters in the description", &wire.PlanUpdate, plan(jupico.PlanUpdate{Description: jupico.Ptr("a\x00")}), "description", ""},
		{"plan: Extra names a typed field", &wire.PlanUpdate, plan(jupico.PlanUpdate{Extra: map[string]any{"cycles": 0}}), "extra[cycles]", ""},

		{"invite: email cleared", &wire.InviteUpdate, invite(jupico.InviteUpdate{Email: jupico.Ptr("")}), "email", "cannot be cleared: it is required"},
		{"invite: fees not an object", &wire.InviteUpdate, invite(jupico.InviteUpdate{Fees: json.RawMessage(`[1]`)}), "fees", ""},
		{"invite: incomplete bank account", &wire.InviteUpdate, invite(jupico.InviteUpdate{PayoutBankAccounts: []jupico.BankAccount{{NameOnAccount: "Ada"}}}), "payoutBankAccounts[0]", ""},
	}
	for _, tc := range cases {
		_, err := invoke(ctx, c, tc.op, tc.req)
		var ve *jupico.ValidationError
		if assert.ErrorAs(t, err, &ve, tc.name) {
			assert.Equal(t, tc.field, ve.Field, "%s: %s", tc.name, ve.Reason)
			if tc.reason != "" {
				assert.Equal(t, tc.reason, ve.Reason, tc.name)
			}
			assert.ErrorIs(t, err, jupico.ErrValidation)
			assert.NotContains(t, err.Error(), "1111", tc.name)
		}
	}
	assert.Empty(t, srv.Requests(), "nothing refused was sent")
	var ve *jupico.ValidationError
	_, err := c.Plans.Update(ctx, plan(jupico.PlanUpdate{}))
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "jupico: invalid request: nothing to update", err.Error())
}

// Every update request type says "unset" apart from "zero": each field
// the body carries, but the owning sub-merchant, is a pointer, a slice or
// a map (nil: not sent), and each such field is sent for a non-nil zero.
func TestUpdateFieldsCanSayUnset(t *testing.T) {
	t.Parallel()
	client := reflect.TypeFor[jupico.Client]()
	n := 0
	for _, op := range wire.Operations {
		if !strings.HasSuffix(op.Name, ".update") {
			continue
		}
		svc, method, _ := strings.Cut(op.Call, ".")
		f, _ := client.FieldByName(svc)
		m, ok := f.Type.MethodByName(method)
		require.True(t, ok, op.Call)
		req := m.Type.In(2).Elem()
		assert.True(t, strings.HasSuffix(req.Name(), "Update"), "%s takes %s, not an update type of its own", op.Call, req.Name())
		for i := range req.NumField() {
			sf := req.Field(i)
			tag, opts, _ := strings.Cut(sf.Tag.Get("json"), ",")
			if tag == "-" || tag == "subMerchantId" {
				continue
			}
			n++
			switch sf.Type.Kind() {
			case reflect.Pointer:
				assert.Equal(t, "omitempty", opts, "%s.%s", req.Name(), sf.Name)
			case reflect.Slice, reflect.Map:
				assert.Contains(t, []string{"omitzero", "omitempty"}, opts, "%s.%s", req.Name(), sf.Name)
			default:
				t.Errorf("%s.%s is a %s: it cannot say unset apart from zero", req.Name(), sf.Name, sf.Type)
			}
			if sf.Type.Kind() == reflect.Pointer {
				// A pointer to the zero value is sent.
				v := reflect.New(req)
				v.Elem().Field(i).Set(reflect.New(sf.Type.Elem()))
				b, err := json.Marshal(v.Interface())
				require.NoError(t, err, "%s.%s", req.Name(), sf.Name)
				assert.Contains(t, string(b), `"`+tag+`":`, "%s.%s set to its zero value is sent", req.Name(), sf.Name)
			}
		}
	}
	assert.Greater(t, n, 30)
}

// The zero Date is written as null, and null reads back as the zero Date:
// that is how an update clears a date.
func TestDateNull(t *testing.T) {
	t.Parallel()
	b, err := json.Marshal(jupico.Date{})
	require.NoError(t, err)
	assert.Equal(t, "null", string(b))
	d := jupico.Date{Year: 2027, Month: time.March, Day: 1}
	require.NoError(t, json.Unmarshal([]byte("null"), &d))
	assert.Equal(t, jupico.Date{Year: 2027, Month: time.March, Day: 1}, d, "null leaves a Date as it is")
	var inv jupico.Invoice
	require.NoError(t, json.Unmarshal([]byte(`{"invoiceId":"in_1","dueDate":null}`), &inv))
	assert.True(t, inv.DueDate.IsZero())
	_, err = json.Marshal(jupico.Date{Year: 2027, Month: time.February, Day: 30})
	assert.Error(t, err, "a day that does not exist is still an error")
}

// Ptr returns a pointer to a copy.
func TestPtr(t *testing.T) {
	t.Parallel()
	v := 3
	p := jupico.Ptr(v)
	v = 4
	assert.Equal(t, 3, *p)
	assert.False(t, *jupico.Ptr(false))
	assert.Equal(t, jupico.Cents(0), *jupico.Ptr(jupico.Cents(0)))
}
