package jupico_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/internal/wire"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicomock"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// mocks has one jupicomock per service of the client, by field name.
func mocks() map[string]interface {
	On(string, ...any) *mock.Call
	AssertExpectations(mock.TestingT) bool
} {
	return map[string]interface {
		On(string, ...any) *mock.Call
		AssertExpectations(mock.TestingT) bool
	}{
		"CreditCard": new(jupicomock.CreditCard), "ECheck": new(jupicomock.ECheck), "Sessions": new(jupicomock.Sessions),
		"Query": new(jupicomock.Query), "OnboardingInvites": new(jupicomock.OnboardingInvites),
		"Provisioning": new(jupicomock.Provisioning), "PaymentLinks": new(jupicomock.PaymentLinks),
		"Checkouts": new(jupicomock.Checkouts), "Invoices": new(jupicomock.Invoices), "Plans": new(jupicomock.Plans),
		"Subscriptions": new(jupicomock.Subscriptions), "Installments": new(jupicomock.Installments),
		"Payouts": new(jupicomock.Payouts),
	}
}

// TestEveryOperationIsWiredThrough holds every row of the wire table to
// the four places an operation lives: a method of the client, a method of
// its jupicomock, a handler of the fake, and a row of the README's
// operations table naming the call and the path.
func TestEveryOperationIsWiredThrough(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client()
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	ms := mocks()
	seen := map[string]bool{}
	for _, op := range wire.Operations {
		require.NotEmpty(t, op.Call, "%s names no SDK call", op.Name)
		assert.False(t, seen[op.Method+" "+op.Path], "%s %s is in the table twice", op.Method, op.Path)
		seen[op.Method+" "+op.Path] = true

		svc, method, onService := strings.Cut(op.Call, ".")
		target := reflect.ValueOf(c)
		if onService {
			target = target.Elem().FieldByName(svc)
			if assert.True(t, target.IsValid(), "jupico.Client has no field %s (for %s)", svc, op.Name) {
				assert.True(t, target.MethodByName(method).IsValid(), "%s has no method %s", svc, method)
				m, ok := ms[svc]
				if assert.True(t, ok, "jupicomock has no mock for %s", svc) {
					assert.True(t, reflect.ValueOf(m).MethodByName(method).IsValid(), "jupicomock.%s has no method %s", svc, method)
				}
			}
		} else {
			assert.True(t, target.MethodByName(svc).IsValid(), "jupico.Client has no method %s", svc)
		}

		// The fake serves the path: an empty body is refused as a bad
		// payload, never answered "wrong_url".
		req, err := http.NewRequest(op.Method, srv.URL()+op.Path, strings.NewReader("{}"))
		require.NoError(t, err)
		req.SetBasicAuth(jupicotest.DefaultUsername, jupicotest.DefaultPassword)
		req.Header.Set("Content-Type", "application/json")
		hc := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsTrusting(srv)}}
		resp, err := hc.Do(req)
		require.NoError(t, err)
		var env wire.Envelope
		_ = json.NewDecoder(resp.Body).Decode(&env)
		resp.Body.Close()
		assert.NotEqual(t, http.StatusNotFound, resp.StatusCode, "the fake has no handler for %s %s", op.Method, op.Path)
		hc.CloseIdleConnections()

		row := regexp.MustCompile("(?m)^\\|[^\\n]*`" + regexp.QuoteMeta(op.Call) + "`[^\\n]*`" + regexp.QuoteMeta(op.Method+" "+op.Path) + "`")
		assert.True(t, row.Match(readme), "README.md has no operations-table row with `%s` and `%s %s`", op.Call, op.Method, op.Path)
	}
}

// TestMocksAnswerEveryOperation calls every mock method with the request
// of its row and checks it hands back exactly what the expectation set.
func TestMocksAnswerEveryOperation(t *testing.T) {
	t.Parallel()
	ms := mocks()
	ctx := context.Background()
	for _, op := range wire.Operations {
		svc, method, onService := strings.Cut(op.Call, ".")
		if !onService {
			continue
		}
		m := ms[svc]
		fn := reflect.ValueOf(m).MethodByName(method)
		require.True(t, fn.IsValid(), op.Call)
		ft := fn.Type()
		arg := reflect.New(ft.In(1).Elem()) // a zero request of the right type
		var want any
		if ft.NumOut() == 2 {
			out := ft.Out(0)
			switch out.Kind() {
			case reflect.Pointer:
				want = reflect.New(out.Elem()).Interface()
			default:
				want = reflect.New(out).Elem().Interface()
			}
			m.On(method, ctx, arg.Interface()).Return(want, nil).Once()
		} else {
			m.On(method, ctx, arg.Interface()).Return(nil).Once()
		}
		res := fn.Call([]reflect.Value{reflect.ValueOf(ctx), arg})
		if ft.NumOut() == 2 && ft.Out(0).Kind() == reflect.Pointer {
			assert.Same(t, want, res[0].Interface(), "%s returns what the expectation set", op.Call)
			assert.Nil(t, res[1].Interface(), op.Call)
		}
	}
	for name, m := range ms {
		assert.True(t, m.AssertExpectations(t), name)
	}

	// An error set on a mock comes back too, with a nil result.
	plans := new(jupicomock.Plans)
	boom := errors.New("boom")
	plans.On("Create", ctx, mock.Anything).Return(nil, boom)
	p, err := plans.Create(ctx, &jupico.PlanRequest{})
	assert.Nil(t, p)
	assert.ErrorIs(t, err, boom)
}

// TestRequestsKeepRawAndRequestID: every platform response keeps the data
// exactly as sent and the request id.
func TestRequestsKeepRawAndRequestID(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client()
	ctx := context.Background()
	srv.Inject(jupicotest.Path(wire.PlanCreate.Path), jupicotest.Fault{Times: 1, Body: []byte(
		`{"success":true,"status":"succeeded","data":{"planId":"plan_9","status":"active","name":"Gold","amount":15.00,"tier":"gold","perks":["a","b"]}}`)})
	p, err := c.Plans.Create(ctx, requestOf(&wire.PlanCreate).(*jupico.PlanRequest))
	require.NoError(t, err)
	assert.Equal(t, "plan_9", p.ID)
	assert.Equal(t, jupico.Cents(1500), p.Amount)
	assert.NotEmpty(t, p.RequestID)
	var mine struct {
		Tier  string   `json:"tier"`
		Perks []string `json:"perks"`
	}
	require.NoError(t, json.Unmarshal(p.Raw, &mine), "a field the SDK does not model is one Unmarshal away")
	assert.Equal(t, "gold", mine.Tier)
	assert.Equal(t, []string{"a", "b"}, mine.Perks)
}

// A 2xx whose data has the wrong shape is ErrMalformedAnswer for a write
// and a read, and an unknown outcome for a transaction; an invalid amount
// is never quoted.
func TestMalformedPlatformAnswers(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client(fast)
	ctx := context.Background()
	bad := []byte(`{"success":true,"status":"succeeded","data":{"planId":"plan_9","amount":"4111111111111111.999"}}`)
	srv.Inject(jupicotest.Path(wire.PlanCreate.Path), jupicotest.Fault{Times: 1, Body: bad})
	_, err := c.Plans.Create(ctx, requestOf(&wire.PlanCreate).(*jupico.PlanRequest))
	require.ErrorIs(t, err, jupico.ErrMalformedAnswer)
	assert.NotContains(t, err.Error(), "4111")

	srv.Inject(jupicotest.Path(wire.QueryPlans.Path), jupicotest.Fault{Times: 1, Body: []byte(`{"success":true,"data":{"plans":{}}}`)})
	_, err = c.Query.Plans(ctx, nil)
	require.ErrorIs(t, err, jupico.ErrMalformedAnswer)

	srv.Inject(jupicotest.Path(wire.PayoutCreate.Path), jupicotest.Fault{Times: 1, AfterProcessing: true, Body: []byte(`{"success":true,"data":[1`)})
	settle(t, srv, nil)
	_, err = c.Payouts.Create(ctx, requestOf(&wire.PayoutCreate).(*jupico.PayoutRequest))
	var ie *jupico.IndeterminateError
	require.ErrorAs(t, err, &ie, "an unreadable answer to a payout leaves its outcome unknown")
	assert.False(t, ie.RollbackAttempted)
	assert.Len(t, srv.RequestsTo(wire.PayoutCreate.Path), 1)
}

func tlsTrusting(srv *jupicotest.Server) *tls.Config {
	return &tls.Config{RootCAs: srv.CertPool(), MinVersion: tls.VersionTLS12}
}

// TestEveryMemberIsDocumentedOrAssumed holds the contract's two lists of
// member names to the platform types: every name a request or answer type
// carries, every id and list member of a row, is in exactly one of them,
// and neither list names a member nothing uses.
func TestEveryMemberIsDocumentedOrAssumed(t *testing.T) {
	t.Parallel()
	used := map[string]bool{"limit": true, "offset": true, "from": true, "to": true, "total": true}
	marshaler := reflect.TypeFor[json.Marshaler]()
	skip := map[reflect.Type]bool{reflect.TypeFor[jupico.Transaction](): true,
		reflect.TypeFor[jupico.TransactionFilter](): true}
	seen := map[reflect.Type]bool{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] || skip[t] || t.Implements(marshaler) || t.PkgPath() == "time" {
			return
		}
		seen[t] = true
		page := strings.HasPrefix(t.Name(), "Page[")
		for i := range t.NumField() {
			f := t.Field(i)
			tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			switch {
			case !f.IsExported():
			case page || tag == "-" || (f.Anonymous && tag == "") || f.Name == "Fields" || (tag == "" && f.Name == "ID"):
				walk(f.Type) // not a member of its own: written or read elsewhere
			default:
				used[tag] = true
				walk(f.Type)
			}
		}
	}
	client := reflect.TypeFor[jupico.Client]()
	for _, op := range wire.Operations {
		if op.ID != "" {
			used[op.ID] = true
		}
		if op.List != "" {
			used[op.List] = true
		}
		svc, method, ok := strings.Cut(op.Call, ".")
		if !ok || strings.HasPrefix(op.Path, "/v1/transactions/") || op == &wire.BrowserSession {
			continue // the card and session bodies are the contract's structs
		}
		f, _ := client.FieldByName(svc)
		m, _ := f.Type.MethodByName(method)
		walk(m.Type.In(2))
		walk(m.Type.Out(0))
	}
	for name := range used {
		doc, assumed := slices.Contains(wire.DocumentedMembers, name), slices.Contains(wire.AssumedMembers, name)
		assert.True(t, doc != assumed, "member %q must be in exactly one of DocumentedMembers and AssumedMembers", name)
	}
	for _, name := range append(slices.Clone(wire.DocumentedMembers), wire.AssumedMembers...) {
		assert.True(t, used[name], "the contract lists %q, which no platform type uses", name)
	}
}

// TestEveryRequestTakesExtra: every request a platform method takes has an
// Extra map, its own or that of what it embeds (a filter),
// and Extra is never written as a member of its own.
func TestEveryRequestTakesExtra(t *testing.T) {
	t.Parallel()
	client := reflect.TypeFor[jupico.Client]()
	var hasExtra func(t reflect.Type) bool
	hasExtra = func(t reflect.Type) bool {
		for i := range t.NumField() {
			f := t.Field(i)
			switch {
			case f.Name == "Extra":
				return f.Type == reflect.TypeFor[map[string]any]() && f.Tag.Get("json") == "-"
			case f.Anonymous && f.Type.Kind() == reflect.Struct && hasExtra(f.Type):
				return true
			}
		}
		return false
	}
	for _, op := range wire.Operations {
		svc, method, ok := strings.Cut(op.Call, ".")
		if !ok || strings.HasPrefix(op.Path, "/v1/transactions/") || op == &wire.BrowserSession || op == &wire.QueryTransactions {
			continue
		}
		f, _ := client.FieldByName(svc)
		m, _ := f.Type.MethodByName(method)
		req := m.Type.In(2).Elem()
		assert.True(t, hasExtra(req), "%s's request %s has no Extra", op.Call, req.Name())
	}
}
