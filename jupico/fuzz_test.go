package jupico_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jupico/jupico-go/internal/redact"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// fuzzOp is one client call whose answer the fuzzer writes.
type fuzzOp struct {
	path string
	call func(context.Context, *jupico.Client) (any, error)
}

var fuzzOps = []fuzzOp{
	{"/status", func(ctx context.Context, c *jupico.Client) (any, error) { return c.Status(ctx) }},
	{salePath, func(ctx context.Context, c *jupico.Client) (any, error) { return c.CreditCard.Sale(ctx, charge(2500)) }},
	{"/v1/query/transactions", func(ctx context.Context, c *jupico.Client) (any, error) {
		return c.Query.Transactions(ctx, &jupico.TransactionFilter{SubMerchantID: merchant})
	}},
	{"/v1/sessions/browser/authorize", func(ctx context.Context, c *jupico.Client) (any, error) {
		return c.Sessions.Authorize(ctx, &jupico.BrowserSessionRequest{SubMerchantID: merchant, CardTokenization: true})
	}},
}

// FuzzDecodeAnswer has the fake answer a status call, a sale, a query or a
// browser session with an arbitrary status and body, over real TLS, and
// checks what the client makes of it: the envelope and error decoding, the
// outcome mapping and the rollback decision.
//
// Invariants: no panic; a result or an error of a documented type; no
// error text carries a card number or a control character, whatever the
// body held; a sale is rolled back exactly once when its outcome is
// unknown (a 5xx other than 503, a 2xx that cannot be read) and never
// otherwise; nothing else is ever rolled back.
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
		if op.path == salePath {
			is2xx := code >= 200 && code < 300
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

func isNilResult(v any) bool {
	switch r := v.(type) {
	case *jupico.StatusResult:
		return r == nil
	case *jupico.Transaction:
		return r == nil
	case *jupico.TransactionPage:
		return r == nil
	case json.RawMessage:
		return r == nil
	}
	return v == nil
}

// finalStatus maps any number to a final HTTP status, 200 to 599, keeping
// those that already are one.
func finalStatus(n uint16) int {
	if n >= 200 && n <= 599 {
		return int(n)
	}
	return 200 + int(n)%400
}
