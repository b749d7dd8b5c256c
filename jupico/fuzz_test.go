package jupico_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jupico/jupico-go/internal/redact"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// fuzzOp is one client call whose answer the fuzzer writes; money marks
// an operation that may move money and has no rollback.
type fuzzOp struct {
	path  string
	call  func(context.Context, *jupico.Client) (any, error)
	money bool
}

var fuzzOps = []fuzzOp{
	{"/status", func(ctx context.Context, c *jupico.Client) (any, error) { return c.Status(ctx) }, false},
	{salePath, func(ctx context.Context, c *jupico.Client) (any, error) { return c.CreditCard.Sale(ctx, charge(2500)) }, false},
	{"/v1/query/transactions", func(ctx context.Context, c *jupico.Client) (any, error) {
		return c.Query.Transactions(ctx, &jupico.TransactionFilter{ListFilter: jupico.ListFilter{SubMerchantID: merchant}})
	}, false},
	{"/v1/sessions/browser/authorize", func(ctx context.Context, c *jupico.Client) (any, error) {
		return c.Sessions.Authorize(ctx, &jupico.BrowserSessionRequest{SubMerchantID: merchant, CardTokenization: true})
	}, false},
	// The generic path of the platform services: a list, a write, one
	// object read, and a payout, which moves money without a rollback.
	{"/v1/query/disputes", func(ctx context.Context, c *jupico.Client) (any, error) {
		return c.Query.Disputes(ctx, &jupico.ListFilter{SubMerchantID: merchant})
	}, false},
	{"/v1/subscriptions/plan/create", func(ctx context.Context, c *jupico.Client) (any, error) {
		return c.Plans.Create(ctx, &jupico.PlanRequest{SubMerchantID: merchant, Name: "Gold", Amount: jupico.Cents(900), Frequency: jupico.FrequencyMonthly})
	}, false},
	{"/v1/query/balance", func(ctx context.Context, c *jupico.Client) (any, error) {
		return c.Query.Balance(ctx, &jupico.BalanceRequest{SubMerchantID: merchant})
	}, false},
	{"/v1/payouts/create", func(ctx context.Context, c *jupico.Client) (any, error) {
		return c.Payouts.Create(ctx, &jupico.PayoutRequest{SubMerchantID: merchant, Amount: jupico.Cents(900), Reference: "po-1"})
	}, true},
}

// FuzzDecodeAnswer has the fake answer a status call, a sale, a query, a
// browser session or a platform operation (list, write, read, payout) with
// an arbitrary status and body, over real TLS, and checks what the client
// makes of it: the envelope and error decoding, the outcome mapping and
// the rollback decision.
//
// Invariants: no panic; a result or an error of a documented type; no
// error text carries a card number or a control character, whatever the
// body held; a sale is rolled back exactly once when its outcome is
// unknown (a 5xx other than 503, a 2xx that cannot be read) and never
// otherwise; a payout's unknown outcome is reported, sent once and never
// rolled back; nothing else is ever indeterminate or rolled back.
func FuzzDecodeAnswer(f *testing.F) {
	seeds := []struct {
		op     uint8
		status uint16
		body   string
	}{
		{0, 200, `{"success":true,"status":"succeeded","data":{"status":"online"}}`},
		{1, 200, `{"success":true,"status":"succeeded","data":{"transactionId":"tx_1","status":"succeeded","amount":25.00,"authCode":"A1","avs":"Y","cvv":"M"}}`},
		{1, 200, `{"success":false,"status":"declined","error":{"code":"tx_cc_declined","message":"card 4111 1111 1111 1111 declined"}}`},
		{1, 400, `{"success":false,"status":"failed"}`},
		{1, 500, `{"success":false,"error":{"code":"internal_server_error","message":"internal error"}}`},
		{1, 200, `{"success":tr`},
		{1, 200, `{"success":true,"data":{"amount":1.001}}`},
		{1, 200, `{"success":true,"data":[]}`},
		{2, 200, `{"success":true,"data":{"transactions":[{"transactionId":"tx_1","amount":1.00}],"total":1}}`},
		{2, 200, `{"success":true,"data":{"transactions":[1],"total":-1}}`},
		{3, 200, `{"success":true,"data":{"sessionId":"s"}}`},
		{3, 200, `not json`},
		{0, 401, `{"success":false,"error":{"code":"auth_invalid_api_token","message":"bad\u0000token\r\n"}}`},
		{1, 503, `{"success":false,"error":{"code":"service_unavailable"}}`},
		{1, 302, ``},
		{4, 200, `{"success":true,"data":{"disputes":[{"disputeId":"dp_1","amount":15.00}],"total":1}}`},
		{4, 200, `{"success":true,"data":{"disputes":[{"amount":"4111111111111111"}]}}`},
		{5, 200, `{"success":true,"data":{"planId":"plan_1","amount":9.00,"status":"active"}}`},
		{6, 200, `{"success":true,"data":{"available":12.00,"pending":-1}}`},
		{7, 200, `{"success":true,"data":{"payoutId":"po_1","amount":9.00,"status":"pending"}}`},
		{7, 500, `{"success":false,"error":{"code":"internal_server_error"}}`},
		{7, 200, `{"success":true,"data":{"payoutId":1}}`},
	}
	for _, s := range seeds {
		f.Add(s.op, s.status, []byte(s.body))
	}
	srv := jupicotest.NewServer(f)
	client := srv.Client(jupico.WithRetry(jupico.RetryPolicy{MaxAttempts: 2, MinDelay: time.Microsecond, MaxDelay: time.Microsecond}),
		jupico.WithRollbackRetry(jupico.RetryPolicy{MaxAttempts: 2, MinDelay: time.Microsecond, MaxDelay: time.Microsecond}),
		jupico.WithTimeout(10*time.Second), jupico.WithTransactionTimeout(10*time.Second))

	f.Fuzz(func(t *testing.T, opIdx uint8, status uint16, body []byte) {
		op := fuzzOps[int(opIdx)%len(fuzzOps)]
		code := finalStatus(status)
		if body == nil {
			body = []byte{}
		}
		srv.Reset()
		srv.InjectFault(op.path, jupicotest.Fault{Status: code, Body: body})
		got, err := op.call(context.Background(), client)
		requireSafeError(t, err, body, code >= 200 && code < 300)

		rollbacks := len(srv.Rollbacks())
		var ie *jupico.IndeterminateError
		if errors.As(err, &ie) && op.money {
			if ie.RollbackAttempted || rollbacks != 0 || len(srv.RequestsTo(op.path)) != 1 {
				t.Fatalf("%s answered %d: unknown outcome rolled back (%t, %d) or sent again", op.path, code, ie.RollbackAttempted, rollbacks)
			}
			return
		}
		if errors.As(err, &ie) {
			if op.path != salePath {
				t.Fatalf("%s answered %d: indeterminate outside a transaction: %v", op.path, code, err)
			}
			if !ie.RolledBack || rollbacks != 1 {
				t.Fatalf("sale answered %d: indeterminate, rolled back %t, %d rollbacks; want one acknowledged", code, ie.RolledBack, rollbacks)
			}
			if sales := srv.RequestsTo(salePath); len(sales) != 1 || !bytes.Equal(sales[0].Body, srv.Rollbacks()[0].Body) {
				t.Fatalf("an indeterminate sale is sent once and its rollback carries its body")
			}
			return
		}
		if rollbacks != 0 {
			t.Fatalf("%s answered %d: %d rollbacks for an outcome that is known (%v)", op.path, code, rollbacks, err)
		}
		is2xx := code >= 200 && code < 300
		if op.money && ((code >= 500 && code != http.StatusServiceUnavailable) || (is2xx && !json.Valid(body))) {
			t.Fatalf("%s answered %d with %q: want an indeterminate outcome, got %v", op.path, code, body, err)
		}
		if op.path == salePath {
			mustBeUnknown := (code >= 500 && code != http.StatusServiceUnavailable) || (is2xx && !json.Valid(body))
			if mustBeUnknown {
				t.Fatalf("sale answered %d with %q: want an indeterminate outcome, got %v", code, body, err)
			}
			tx, _ := got.(*jupico.Transaction)
			switch {
			case err == nil || errors.Is(err, jupico.ErrDeclined):
				if !is2xx || tx == nil || tx.Amount < 0 {
					t.Fatalf("sale answered %d: transaction %+v with %v", code, tx, err)
				}
			case tx != nil:
				t.Fatalf("sale answered %d: a transaction returned with %v", code, err)
			}
		}
		if err == nil && isNilResult(got) {
			t.Fatalf("%s answered %d: neither a result nor an error", op.path, code)
		}
	})
}

// requireSafeError checks that err is of a documented type and that its
// text, in every verb, holds no card number taken from body and no control
// character but the line breaks errors.Join puts between errors.
func requireSafeError(t *testing.T, err error, body []byte, answered2xx bool) {
	t.Helper()
	if err == nil {
		return
	}
	var (
		api *jupico.APIError
		req *jupico.RequestError
		ind *jupico.IndeterminateError
	)
	documented := errors.As(err, &api) || errors.As(err, &req) || errors.As(err, &ind)
	if !documented {
		t.Fatalf("undocumented error type %T: %v", err, err)
	}
	for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
		if pans := pansFrom(s, body); len(pans) > 0 {
			t.Fatalf("error text carries card number %q from the answer: %q", pans, s)
		}
	}
	for _, r := range err.Error() {
		if (r < 0x20 && r != '\n') || r == 0x7f {
			t.Fatalf("error text carries control character %U: %q", r, err.Error())
		}
	}
}

// pansFrom returns the card numbers in text (as redact finds them) whose
// digits also appear in body: what the SDK let through from the answer. A
// digit run the SDK's own formatting creates, such as a status code next to
// a numeric error code, is not from the answer and is not reported.
func pansFrom(text string, body []byte) []string {
	masked := redact.MaskPANs(text)
	if masked == text {
		return nil
	}
	digitsOnly := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, s)
	}
	bodyDigits := digitsOnly(string(body))
	var out []string
	for i := 0; i < len(text); {
		if masked[i] == text[i] {
			i++
			continue
		}
		j := i
		for j < len(text) && (masked[j] != text[j] || text[j] == ' ' || text[j] == '-') {
			j++
		}
		if pan := digitsOnly(text[i:j]); strings.Contains(bodyDigits, pan) {
			out = append(out, pan)
		}
		i = j
	}
	return out
}

// isNilResult reports whether a call's result is nil, typed or not.
func isNilResult(v any) bool {
	rv := reflect.ValueOf(v)
	return !rv.IsValid() || ((rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Slice) && rv.IsNil())
}

// finalStatus maps any number to a final HTTP status, 200 to 599, keeping
// those that already are one.
func finalStatus(n uint16) int {
	if n >= 200 && n <= 599 {
		return int(n)
	}
	return 200 + int(n)%400
}

// FuzzNoCardNumberLeaves puts arbitrary text in a platform request's free
// text, in an Extra value and as an Extra key, and sends it to the fake.
// Invariant: a request is either refused before sending (a
// *ValidationError whose text holds no card number) or sent without
// anything that looks like a card number in its body.
func FuzzNoCardNumberLeaves(f *testing.F) {
	for _, s := range []string{"Gold tier", "4111 1111 1111 1111", "4111-1111-1111-1111", "card 4242424242424242 exp 12/30",
		"ref 1234567812345670", "\u00a04111111111111111", "order 12345678901234567890123", ""} {
		f.Add(s)
	}
	srv := jupicotest.NewServer(f)
	client := srv.Client(jupico.WithRetry(jupico.NoRetry()))
	f.Fuzz(func(t *testing.T, s string) {
		srv.Reset()
		req := &jupico.PlanRequest{SubMerchantID: merchant, Name: "Gold", Amount: jupico.Cents(900), Frequency: jupico.FrequencyMonthly,
			Description: s, Extra: map[string]any{"note": []any{s}}}
		if s != "" && s != "note" {
			req.Extra[s] = 1
		}
		_, err := client.Plans.Create(context.Background(), req)
		var ve *jupico.ValidationError
		if errors.As(err, &ve) {
			if len(srv.Requests()) != 0 {
				t.Fatal("a refused request was sent")
			}
			if redact.FindPAN(err.Error()) {
				t.Fatalf("the refusal quotes a card number: %q", err.Error())
			}
			return
		}
		for _, r := range srv.Requests() {
			var body any
			if err := json.Unmarshal(r.Body, &body); err != nil {
				t.Fatalf("the body is not JSON: %v", err)
			}
			if text, found := panIn(body); found {
				t.Fatalf("a card number left in the body: %q", text)
			}
		}
	})
}

// panIn looks for a card number in every string and key of a decoded JSON
// value (the body's own escapes, such as \u0026 for &, put digits in the
// raw text that the data does not hold).
func panIn(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, redact.FindPAN(x)
	case []any:
		for _, e := range x {
			if s, ok := panIn(e); ok {
				return s, true
			}
		}
	case map[string]any:
		for k, e := range x {
			if redact.FindPAN(k) {
				return k, true
			}
			if s, ok := panIn(e); ok {
				return s, true
			}
		}
	}
	return "", false
}
