package leakcanary_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

const (
	salePath = "/v1/transactions/creditcard/sale"
	merchant = "jpt-fs-demo-acc1-m1"
)

// captured collects everything a caller could print or log.
type captured struct {
	mu  sync.Mutex
	out []string
}

func (c *captured) add(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.out = append(c.out, fmt.Sprintf(format, args...))
}

// result records a call's result and error in every fmt verb, and every
// error in its chain.
func (c *captured) result(what string, v any, err error) {
	if v != nil {
		c.add("%s result: %v | %+v | %#v", what, v, v, v)
	}
	if err == nil {
		return
	}
	c.add("%s error: %s | %v | %+v | %#v | %q", what, err.Error(), err, err, err, err)
	for _, e := range unwrapAll(err) {
		c.add("%s cause %T: %s | %+v | %#v", what, e, e.Error(), e, e)
	}
	var ie *jupico.IndeterminateError
	if errors.As(err, &ie) && ie.Rollback != nil {
		c.add("%s rollback request: %+v %s", what, *ie.Rollback, ie.Rollback.Body)
	}
}

func (c *captured) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.out, "\n")
}

func unwrapAll(err error) []error {
	var out []error
	var walk func(error)
	walk = func(e error) {
		if e == nil {
			return
		}
		out = append(out, e)
		switch u := e.(type) {
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		case interface{ Unwrap() []error }:
			for _, x := range u.Unwrap() {
				walk(x)
			}
		}
	}
	walk(err)
	return out
}

func charge(cents int64) *jupico.ChargeRequest {
	return &jupico.ChargeRequest{
		SubMerchantID: merchant,
		Amount:        jupico.Cents(cents),
		PaymentToken:  jupico.PermanentToken("card", "tok_leak_canary"),
		Description:   "Order 1042",
		Metadata:      map[string]string{"order": "1042"},
		Reference:     "order-1042",
	}
}

var htmlPage = []byte("<html><body>502 Bad Gateway</body></html>")

// saleFault is a fault scenario: how the fake answers a sale.
type saleFault struct {
	name  string
	fault jupicotest.Fault
	// ok: the sale still succeeds (a valid answer under a wrong label).
	ok bool
}

var saleFaults = []saleFault{
	{name: "500", fault: jupicotest.Fault{Status: http.StatusInternalServerError, Code: "internal_server_error"}},
	{name: "400 failed", fault: jupicotest.Fault{Status: http.StatusBadRequest}},
	{name: "400 invalid payload", fault: jupicotest.Fault{Status: http.StatusBadRequest, Code: "invalid_payload"}},
	{name: "503 every attempt", fault: jupicotest.Fault{Status: http.StatusServiceUnavailable, Code: "service_unavailable", RetryAfter: "1"}},
	{name: "502 html", fault: jupicotest.Fault{Status: http.StatusBadGateway, Body: htmlPage, ContentType: "text/html"}},
	{name: "302 redirect", fault: jupicotest.Fault{Status: http.StatusFound, Header: http.Header{"Location": {"https://elsewhere.invalid/collect"}}}},
	{name: "dropped after processing", fault: jupicotest.Fault{AfterProcessing: true, DropConnection: true}},
	{name: "reset mid-response", fault: jupicotest.Fault{AfterProcessing: true, ResetAfter: 12}},
	{name: "one byte a second", fault: jupicotest.Fault{AfterProcessing: true, Drip: time.Second}},
	{name: "stalled", fault: jupicotest.Fault{AfterProcessing: true, Delay: time.Minute}},
	{name: "truncated json", fault: jupicotest.Fault{AfterProcessing: true, Body: []byte(`{"success":true,"data":{"transactionId":"tx_`)}},
	{name: "junk past the cap", fault: jupicotest.Fault{AfterProcessing: true, BodySize: 2 << 20}},
	{name: "wrong content type", fault: jupicotest.Fault{AfterProcessing: true, ContentType: "text/plain"}, ok: true},
	{name: "server echoes a card number", fault: jupicotest.Fault{Status: http.StatusBadRequest, Code: "invalid_payload", Message: "card " + canaryCardSpaced + " refused"}},
	{name: "decline echoes a card number", fault: jupicotest.Fault{Status: http.StatusOK, Body: []byte(`{"success":false,"status":"declined","error":{"code":"tx_cc_declined","message":"card ` + canaryCardDashed + ` declined"}}`)}},
}

// cardInRequest puts the canary card number where a careless integration
// might: each request must be refused before anything is sent.
var cardInRequest = []struct {
	name string
	mod  func(*jupico.ChargeRequest)
}{
	{"description", func(r *jupico.ChargeRequest) { r.Description = "paid with " + canaryCardSpaced }},
	{"metadata", func(r *jupico.ChargeRequest) { r.Metadata["card"] = canaryCardDashed }},
	{"reference", func(r *jupico.ChargeRequest) { r.Reference = canaryCard }},
	{"billing address", func(r *jupico.ChargeRequest) { r.Billing = &jupico.Address{Line1: canaryCardSpaced} }},
	{"item name", func(r *jupico.ChargeRequest) { r.Items = []jupico.Item{{Name: canaryCard, Quantity: 1}} }},
	{"payment token", func(r *jupico.ChargeRequest) { r.PaymentToken = jupico.OneTimeToken(canaryCard) }},
}

// flow runs every call and fault scenario on a client built by newClient
// and records what comes back in out.
func flow(t *testing.T, srv *jupicotest.Server, c *jupico.Client, out *captured) {
	t.Helper()
	ctx := context.Background()
	out.add("client: %v | %+v | %#v | %s", c, c, c, c)

	st, err := c.Status(ctx)
	out.result("status", st, err)
	require.NoError(t, err, "the canary credentials work")

	sale, err := c.CreditCard.Sale(ctx, charge(2500))
	out.result("sale", sale, err)
	require.NoError(t, err)
	auth, err := c.CreditCard.Authorize(ctx, charge(10000))
	out.result("authorize", auth, err)
	if err == nil {
		capt, err := c.CreditCard.Capture(ctx, &jupico.CaptureRequest{SubMerchantID: merchant, TransactionID: auth.ID})
		out.result("capture", capt, err)
		ref, err := c.CreditCard.Refund(ctx, &jupico.RefundRequest{SubMerchantID: merchant, TransactionID: auth.ID})
		out.result("refund", ref, err)
	}
	void, err := c.CreditCard.Void(ctx, &jupico.VoidRequest{SubMerchantID: merchant, TransactionID: sale.ID})
	out.result("void", void, err)
	ach, err := c.ECheck.Sale(ctx, charge(1500))
	out.result("echeck sale", ach, err)
	page, err := c.Query.Transactions(ctx, &jupico.TransactionFilter{ListFilter: jupico.ListFilter{SubMerchantID: merchant}})
	out.result("query", page, err)
	sess, err := c.Sessions.Authorize(ctx, &jupico.BrowserSessionRequest{SubMerchantID: merchant, CardTokenization: true})
	out.result("session", string(sess), err)

	declined := charge(9020)
	declined.PaymentToken = jupico.PermanentToken("card", jupico.SandboxTestToken)
	tx, err := c.CreditCard.Sale(ctx, declined)
	out.result("declined sale", tx, err)
	assert.ErrorIs(t, err, jupico.ErrDeclined)

	for _, tc := range cardInRequest {
		req := charge(1200)
		tc.mod(req)
		tx, err := c.CreditCard.Sale(ctx, req)
		out.result("card in "+tc.name, tx, err)
		assert.ErrorIs(t, err, jupico.ErrValidation, "a card number in the %s is refused before sending", tc.name)
		ach, err := c.ECheck.Sale(ctx, req)
		out.result("echeck card in "+tc.name, ach, err)
		assert.ErrorIs(t, err, jupico.ErrValidation)
	}

	for _, sf := range saleFaults {
		in := srv.InjectFault(salePath, sf.fault)
		tx, err := c.CreditCard.Sale(ctx, charge(3100))
		in.Remove()
		out.result("fault "+sf.name, tx, err)
		assert.Equal(t, sf.ok, err == nil, "fault %s: %v", sf.name, err)
	}
	platformFlow(t, srv, c, out)
}

// platformFlow runs the platform services' one path with the same
// canaries: its calls, card numbers where a careless integration would put
// them (free text, Extra values and keys), and every fault on a payout.
func platformFlow(t *testing.T, srv *jupicotest.Server, c *jupico.Client, out *captured) {
	t.Helper()
	ctx := context.Background()
	plan, err := c.Plans.Create(ctx, &jupico.PlanRequest{SubMerchantID: merchant, Name: "Gold", Amount: jupico.Cents(900), Frequency: jupico.FrequencyMonthly})
	out.result("plan", plan, err)
	require.NoError(t, err)
	sub, err := c.Subscriptions.Create(ctx, &jupico.SubscriptionRequest{SubMerchantID: merchant, PlanID: plan.ID, CustomerID: "cus_1",
		PaymentToken: jupico.PermanentToken("card", "tok_leak_canary")})
	out.result("subscription", sub, err)
	inv, err := c.OnboardingInvites.CreateAndSend(ctx, &jupico.InviteRequest{Name: "Ada", Email: "ada@example.com"})
	out.result("invite", inv, err)
	page, err := c.Query.Plans(ctx, nil)
	out.result("plans", page, err)

	for name, mod := range map[string]func(*jupico.PlanRequest){
		"plan description": func(r *jupico.PlanRequest) { r.Description = "paid with " + canaryCardSpaced },
		"Extra value":      func(r *jupico.PlanRequest) { r.Extra = map[string]any{"note": []any{canaryCardDashed}} },
		"Extra key":        func(r *jupico.PlanRequest) { r.Extra = map[string]any{canaryCard: true} },
	} {
		req := &jupico.PlanRequest{SubMerchantID: merchant, Name: "Gold", Amount: jupico.Cents(900), Frequency: jupico.FrequencyMonthly}
		mod(req)
		p, err := c.Plans.Create(ctx, req)
		out.result("card in "+name, p, err)
		assert.ErrorIs(t, err, jupico.ErrValidation, "a card number in the %s is refused before sending", name)
	}
	for _, sf := range saleFaults {
		in := srv.InjectFault("/v1/payouts/create", sf.fault)
		po, err := c.Payouts.Create(ctx, &jupico.PayoutRequest{SubMerchantID: merchant, Amount: jupico.Cents(100), Reference: "po-canary"})
		in.Remove()
		out.result("payout fault "+sf.name, po, err)
	}
}

// TestSDKFlowsLeakNoCanary runs every call and fault scenario with canary
// credentials taken from each kind of provider, Debug logging on in JSON
// and text, and a rollback hook; then checks every log record, every error
// in every verb, every result and every rollback event for the canaries.
// It sets environment variables, so it does not run in parallel.
func TestSDKFlowsLeakNoCanary(t *testing.T) {
	basic := jupicotest.NewServer(t, jupicotest.WithCredentials(canaryUser, canaryPassword))
	keyed := jupicotest.NewServer(t, jupicotest.WithCredentials(keyUser, keyPassword))
	var logs debugLogs
	var out captured

	credFile := filepath.Join(t.TempDir(), "jupico.json")
	require.NoError(t, os.WriteFile(credFile, []byte(`{"username":"`+canaryUser+`","password":"`+canaryPassword+`"}`), 0o600))
	keyFile := filepath.Join(t.TempDir(), "api-key")
	require.NoError(t, os.WriteFile(keyFile, []byte(canaryAPIKey+"\n"), 0o600))

	newClient := func(srv *jupicotest.Server, creds credentials.Provider, extra ...jupico.Option) *jupico.Client {
		opts := append(srv.ClientOptions(),
			jupico.WithCredentials(creds),
			jupico.WithLogger(logs.logger()),
			jupico.WithRetry(jupico.RetryPolicy{MaxAttempts: 2, MinDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond}),
			jupico.WithRollbackRetry(jupico.RetryPolicy{MaxAttempts: 2, MinDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond}),
			jupico.WithTimeout(400*time.Millisecond),
			jupico.WithTransactionTimeout(400*time.Millisecond),
			jupico.WithRollbackHook(func(_ context.Context, e jupico.RollbackEvent) { out.add("rollback event: %+v | %#v", e, e) }),
		)
		c, err := jupico.NewClient(append(opts, extra...)...)
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		return c
	}

	providers := []struct {
		name string
		srv  *jupicotest.Server
		env  map[string]string
		p    func() credentials.Provider
	}{
		{"static username and password", basic, nil, func() credentials.Provider { return credentials.Static(canaryUser, canaryPassword) }},
		{"static api key", keyed, nil, func() credentials.Provider { return credentials.StaticAPIKey(canaryAPIKey) }},
		{"environment username and password", basic, map[string]string{credentials.EnvUsername: canaryUser, credentials.EnvPassword: canaryPassword}, credentials.FromEnv},
		{"environment api key", keyed, map[string]string{credentials.EnvAPIKey: canaryAPIKey}, credentials.FromEnv},
		{"environment api key file", keyed, map[string]string{credentials.EnvAPIKey + "_FILE": keyFile}, credentials.FromEnv},
		{"json file", basic, nil, func() credentials.Provider { return credentials.FromFile(credFile) }},
	}
	for _, pc := range providers {
		t.Run(pc.name, func(t *testing.T) {
			for _, v := range []string{credentials.EnvUsername, credentials.EnvPassword, credentials.EnvAPIKey, credentials.EnvAPIKey + "_FILE"} {
				t.Setenv(v, "")
				require.NoError(t, os.Unsetenv(v))
			}
			for k, v := range pc.env {
				t.Setenv(k, v)
			}
			p := pc.p()
			creds, err := p.Retrieve(context.Background())
			require.NoError(t, err)
			out.add("credentials: %v | %+v | %#v | %s", creds, creds, creds, creds)
			pc.srv.Reset()
			flow(t, pc.srv, newClient(pc.srv, p), &out)
			var sawCanaryUser bool
			for _, r := range pc.srv.Requests() {
				sawCanaryUser = sawCanaryUser || r.Username == canaryUser || r.Username == keyUser
				assert.NotContains(t, separators.Replace(string(r.Body)), canaryCard, "a card number reached the fake in %s %s", r.Method, r.Path)
			}
			assert.True(t, sawCanaryUser, "the canary credentials were sent")
		})
	}

	t.Run("refused and broken credentials", func(t *testing.T) {
		other := jupicotest.NewServer(t, jupicotest.WithCredentials("someone-else", "another-password"))
		c := newClient(other, credentials.Static(canaryUser, canaryPassword))
		_, err := c.CreditCard.Sale(context.Background(), charge(1000))
		out.result("refused credentials", nil, err)
		require.ErrorIs(t, err, jupico.ErrUnauthorized)
		c = newClient(other, credentials.StaticAPIKey(canaryAPIKey))
		_, err = c.Status(context.Background())
		out.result("refused api key", nil, err)
		require.ErrorIs(t, err, jupico.ErrUnauthorized)

		broken := map[string]map[string]string{
			"password with a newline": {credentials.EnvUsername: canaryUser, credentials.EnvPassword: canaryPassword + "\n"},
			"password without user":   {credentials.EnvPassword: canaryPassword},
			"key and password":        {credentials.EnvAPIKey: canaryAPIKey, credentials.EnvPassword: canaryPassword},
			"key that is no key":      {credentials.EnvAPIKey: canaryPassword},
			"key with a space":        {credentials.EnvAPIKey: canaryAPIKey + " " + canaryAPIKey},
		}
		for name, env := range broken {
			for _, v := range []string{credentials.EnvUsername, credentials.EnvPassword, credentials.EnvAPIKey} {
				t.Setenv(v, "")
				require.NoError(t, os.Unsetenv(v))
			}
			for k, v := range env {
				t.Setenv(k, v)
			}
			_, err := credentials.FromEnv().Retrieve(context.Background())
			out.result("environment "+name, nil, err)
			assert.Error(t, err, name)
			c := newClient(basic, credentials.FromEnv())
			_, err = c.Status(context.Background())
			out.result("client with environment "+name, nil, err)
			assert.ErrorIs(t, err, jupico.ErrCredentials, name)
		}

		badJSON := filepath.Join(t.TempDir(), "bad.json")
		require.NoError(t, os.WriteFile(badJSON, []byte(`{"username":"`+canaryUser+`","password":"`+canaryPassword+`",}`), 0o600))
		_, err = credentials.FromFile(badJSON).Retrieve(context.Background())
		out.result("malformed json file", nil, err)
		assert.Error(t, err)
		_, err = credentials.NewAPIKey(canaryPassword)
		out.result("NewAPIKey of a password", nil, err)
		assert.Error(t, err)
		_, err = credentials.NewBasic(canaryUser, canaryPassword+"\x00")
		out.result("NewBasic with a control character", nil, err)
		assert.Error(t, err)
	})

	t.Run("unresolvable host", func(t *testing.T) {
		c := newClient(basic, credentials.Static(canaryUser, canaryPassword), jupico.WithBaseURL("https://nonexistent.invalid"))
		_, err := c.CreditCard.Sale(context.Background(), charge(1000))
		out.result("unresolvable host", nil, err)
		assert.ErrorIs(t, err, jupico.ErrConnection)
	})

	require.Greater(t, logs.records.get(), 100, "Debug logging was on and logged the calls")
	require.Contains(t, logs.text.String(), "jupico: attempt")
	assertNoCanary(t, "the text logs", logs.text.String())
	assertNoCanary(t, "the JSON logs", logs.json.String())
	assertNoCanary(t, "errors, results and rollback events", out.String())
	require.Contains(t, out.String(), "rollback event", "the fault scenarios rolled back")
}
