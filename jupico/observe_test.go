package jupico_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// callID is the key under which the recorder numbers the calls it sees.
type callID struct{}

// recorder is an Observer that writes what it sees as lines, and keeps
// every value it was given for the canary check.
type recorder struct {
	jupico.NopObserver
	mu     sync.Mutex
	lines  []string
	values []any
}

func (r *recorder) add(v any, format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, fmt.Sprintf(format, args...))
	r.values = append(r.values, v)
}

// ofID prints a call ID the way the lines name calls: <nil> for none.
func ofID(id uint64) any {
	if id == 0 {
		return nil
	}
	return int(id)
}

func idOf(ctx context.Context) any {
	if ctx == nil {
		return nil
	}
	return ctx.Value(callID{})
}

func (r *recorder) CallStart(ctx context.Context, c jupico.CallInfo) context.Context {
	id := int(c.ID)
	r.add(c, "start #%d %s %s %s %s of=%v", id, c.Operation, c.Kind, c.Method, c.Path, ofID(c.RollbackOf))
	return context.WithValue(ctx, callID{}, id)
}

func (r *recorder) Attempt(ctx context.Context, c jupico.CallInfo, a jupico.AttemptInfo) {
	r.add(a, "attempt #%v %s %d status=%d err=%s maybe=%t retry=%s", idOf(ctx), c.Operation, a.Attempt, a.StatusCode, a.Error, a.MaybeProcessed, a.Retry)
}

func (r *recorder) CallEnd(ctx context.Context, c jupico.CallInfo, res jupico.CallResult) {
	r.add(res, "end #%v %s %s status=%d code=%s attempts=%d err=%s", idOf(ctx), c.Operation, res.Outcome, res.StatusCode, res.Code, res.Attempts, res.Error)
}

func (r *recorder) Rollback(_ context.Context, rb jupico.RollbackEvent) {
	r.add(rb, "rollback of #%v %s %s recovered=%t cause=%s attempts=%d err=%s", ofID(rb.Call), rb.Operation, rb.Result, rb.Recovered, rb.CauseCategory, rb.Attempts, rb.ErrorCategory)
}

func (r *recorder) Reauth(ctx context.Context, ra jupico.ReauthInfo) {
	r.add(ra, "reauth #%v %s changed=%t err=%s", idOf(ctx), ra.Operation, ra.Changed, ra.Error)
}

func (r *recorder) CredentialsRefresh(_ context.Context, rf credentials.RefreshEvent) {
	failed := ""
	if rf.Err != nil {
		failed = "credentials"
	}
	r.add(rf, "refresh initial=%t changed=%t err=%s", rf.Initial, rf.Changed, failed)
}

func (r *recorder) Sweep(_ context.Context, sw jupico.SweepInfo) {
	r.add(sw, "sweep owed=%d rolled_back=%d found=%d absent=%d pending=%d failed=%d reconcile=%d err=%s", sw.Owed, sw.RolledBack,
		sw.Found, sw.Absent, sw.Pending, sw.Failed, sw.Reconcile, sw.Error)
}

// take returns the lines seen since the last take.
func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.lines
	r.lines = nil
	return out
}

// observedClient returns a fake and a client of it that reports to a recorder.
func observedClient(t *testing.T, opts ...jupico.Option) (*jupicotest.Server, *jupico.Client, *recorder) {
	t.Helper()
	srv := jupicotest.NewServer(t)
	rec := &recorder{}
	c := srv.Client(append([]jupico.Option{fast, jupico.WithObserver(rec)}, opts...)...)
	return srv, c, rec
}

func TestObserverSeesACallAndItsAttempts(t *testing.T) {
	t.Parallel()
	srv, c, rec := observedClient(t)
	ctx := context.Background()

	_, err := c.CreditCard.Sale(ctx, charge(2500))
	require.NoError(t, err)
	assert.Equal(t, []string{
		"start #1 creditcard.sale transaction POST /v1/transactions/creditcard/sale of=<nil>",
		"refresh initial=true changed=false err=",
		"attempt #1 creditcard.sale 1 status=200 err= maybe=false retry=",
		"end #1 creditcard.sale succeeded status=200 code= attempts=1 err=",
	}, rec.take(), "the first attempt reads the credentials: one refresh")

	srv.InjectFault(salePath, jupicotest.Fault{Status: http.StatusServiceUnavailable, Times: 1})
	_, err = c.CreditCard.Sale(ctx, charge(2600))
	require.NoError(t, err)
	assert.Equal(t, []string{
		"start #2 creditcard.sale transaction POST /v1/transactions/creditcard/sale of=<nil>",
		"attempt #2 creditcard.sale 1 status=503 err= maybe=false retry=status",
		"attempt #2 creditcard.sale 2 status=200 err= maybe=false retry=",
		"end #2 creditcard.sale succeeded status=200 code= attempts=2 err=",
	}, rec.take(), "a 503 is retried, and says so")

	decline := charge(9023) // the sandbox's "insufficient funds"
	decline.PaymentToken = jupico.PermanentToken("card", jupico.SandboxTestToken)
	_, err = c.CreditCard.Sale(ctx, decline)
	require.ErrorIs(t, err, jupico.ErrDeclined)
	assert.Equal(t, []string{
		"start #3 creditcard.sale transaction POST /v1/transactions/creditcard/sale of=<nil>",
		"attempt #3 creditcard.sale 1 status=200 err= maybe=false retry=",
		"end #3 creditcard.sale declined status=200 code=tx_cc_declined_insufficient_funds attempts=1 err=",
	}, rec.take())

	dropped := srv.InjectFault("/status", jupicotest.Fault{DropConnection: true})
	_, err = c.Status(ctx)
	require.ErrorIs(t, err, jupico.ErrConnection)
	assert.Equal(t, []string{
		"start #4 status read GET /status of=<nil>",
		"attempt #4 status 1 status=0 err=connection maybe=true retry=connection",
		"attempt #4 status 2 status=0 err=connection maybe=true retry=connection",
		"attempt #4 status 3 status=0 err=connection maybe=true retry=",
		"end #4 status failed status=0 code= attempts=3 err=connection",
	}, rec.take(), "a read is retried after a dropped connection, and gives up")
	dropped.Remove()

	srv.InjectFault("/status", jupicotest.Fault{Body: []byte(`{"success":true,"status":"succeeded","data":{}}`), ResetAfter: 5, Times: 1})
	_, err = c.Status(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{
		"start #5 status read GET /status of=<nil>",
		"attempt #5 status 1 status=200 err=connection maybe=true retry=connection",
		"attempt #5 status 2 status=200 err= maybe=false retry=",
		"end #5 status succeeded status=200 code= attempts=2 err=",
	}, rec.take(), "an answer that broke off mid-body is read again, and says so")
}

func TestObserverSeesTheRollbackOfAnUnknownOutcome(t *testing.T) {
	t.Parallel()
	srv, c, rec := observedClient(t)
	ctx := context.Background()
	_, err := c.Status(ctx) // reads the credentials
	require.NoError(t, err)
	rec.take()

	srv.InjectFault(salePath, jupicotest.Fault{Status: http.StatusInternalServerError, Code: "internal_server_error", AfterProcessing: true, Times: 1})
	_, err = c.CreditCard.Sale(ctx, charge(2500))
	var ie *jupico.IndeterminateError
	require.ErrorAs(t, err, &ie)
	require.True(t, ie.RolledBack)
	assert.Equal(t, []string{
		"start #2 creditcard.sale transaction POST /v1/transactions/creditcard/sale of=<nil>",
		"attempt #2 creditcard.sale 1 status=500 err= maybe=false retry=",
		"start #3 creditcard.rollback rollback POST /v1/transactions/creditcard/rollback of=2",
		"attempt #3 creditcard.rollback 1 status=200 err= maybe=false retry=",
		"end #3 creditcard.rollback succeeded status=200 code= attempts=1 err=",
		"rollback of #2 creditcard.sale acknowledged recovered=false cause=status attempts=1 err=",
		"end #2 creditcard.sale indeterminate status=500 code=internal_server_error attempts=1 err=status",
	}, rec.take(), "the rollback is its own call, tied to the sale's")

	srv.InjectFault(salePath, jupicotest.Fault{DropConnection: true, AfterProcessing: true, Times: 1})
	srv.InjectFault("/v1/transactions/creditcard/rollback", jupicotest.Fault{Status: http.StatusBadGateway})
	_, err = c.CreditCard.Sale(ctx, charge(2600))
	require.ErrorAs(t, err, &ie)
	require.False(t, ie.RolledBack)
	lines := rec.take()
	assert.Equal(t, "attempt #4 creditcard.sale 1 status=0 err=connection maybe=true retry=", lines[1], "a sale is never retried once written")
	assert.Equal(t, "rollback of #4 creditcard.sale failed recovered=false cause=connection attempts=5 err=status", lines[len(lines)-2])
	assert.Equal(t, "end #4 creditcard.sale indeterminate status=0 code= attempts=1 err=connection", lines[len(lines)-1])
}

func TestObserverSeesReauthAndRefreshFailures(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	srv.SetCredentials("new-user", "new-password")
	oldCreds, _ := credentials.NewBasic("old-user", "old-password")
	newCreds, _ := credentials.NewBasic("new-user", "new-password")
	client := func(read func(n int) (credentials.Credentials, error)) (*jupico.Client, *recorder) {
		var n atomic.Int32
		rec := &recorder{}
		provider := credentials.ProviderFunc(func(context.Context) (credentials.Credentials, error) { return read(int(n.Add(1))) })
		return srv.Client(jupico.WithCredentials(provider), jupico.WithRetry(jupico.NoRetry()), jupico.WithObserver(rec)), rec
	}
	ctx := context.Background()

	rotated, rec := client(func(n int) (credentials.Credentials, error) {
		if n == 1 {
			return oldCreds, nil
		}
		return newCreds, nil
	})
	_, err := rotated.Status(ctx)
	require.NoError(t, err)
	assert.Equal(t, []string{
		"start #1 status read GET /status of=<nil>",
		"refresh initial=true changed=false err=",
		"refresh initial=false changed=true err=",
		"attempt #1 status 1 status=401 err= maybe=false retry=reauth",
		"reauth #1 status changed=true err=",
		"attempt #1 status 2 status=200 err= maybe=false retry=",
		"end #1 status succeeded status=200 code= attempts=2 err=",
	}, rec.take(), "the key rotated: the provider is asked again and the new key sent (the refused attempt is reported once that is known)")

	stale, rec := client(func(int) (credentials.Credentials, error) { return oldCreds, nil })
	_, err = stale.Status(ctx)
	require.ErrorIs(t, err, jupico.ErrUnauthorized)
	assert.Equal(t, []string{
		"start #1 status read GET /status of=<nil>",
		"refresh initial=true changed=false err=",
		"refresh initial=false changed=false err=",
		"attempt #1 status 1 status=401 err= maybe=false retry=",
		"reauth #1 status changed=false err=",
		"end #1 status rejected status=401 code=auth_invalid_api_token attempts=1 err=status",
	}, rec.take(), "the same key again: not sent again")

	broken, rec := client(func(int) (credentials.Credentials, error) {
		return credentials.Credentials{}, errors.New("vault sealed")
	})
	_, err = broken.Status(ctx)
	require.ErrorIs(t, err, jupico.ErrCredentials)
	assert.Equal(t, []string{
		"start #1 status read GET /status of=<nil>",
		"refresh initial=true changed=false err=credentials",
		"attempt #1 status 1 status=0 err=credentials maybe=false retry=",
		"end #1 status failed status=0 code= attempts=1 err=credentials",
	}, rec.take(), "a failed refresh, and nothing sent")
}

func TestObserverRefusesNil(t *testing.T) {
	t.Parallel()
	_, err := jupico.NewClient(jupico.WithObserver(nil))
	assert.ErrorIs(t, err, jupico.ErrInvalidOption)
}

// Nothing an Observer is given holds a credential, a body value, a
// merchant's reference or Jupico's error message, on any path.
func TestObserverNeverSeesSecrets(t *testing.T) {
	t.Parallel()
	const user, pass = "canary-user-51c0", "canary-pass-8e2d"
	canaries := []string{user, pass, "canary-ref-77aa", "canary-desc-19bf", "tok_canary_6d3e", "canary-meta-0c41", "canary-message-2b9f"}
	srv := jupicotest.NewServer(t)
	srv.SetCredentials(user, pass)
	rec := &recorder{}
	c := srv.Client(fast, jupico.WithObserver(rec), jupico.WithCredentials(srv.Credentials()))
	ctx := context.Background()
	req := &jupico.ChargeRequest{SubMerchantID: merchant, Amount: jupico.Cents(1999), PaymentToken: jupico.PermanentToken("card", canaries[4]),
		Description: canaries[3], Metadata: map[string]string{"order": canaries[5]}, Reference: canaries[2]}

	_, _ = c.CreditCard.Sale(ctx, req)
	for _, f := range []jupicotest.Fault{
		{Status: http.StatusServiceUnavailable, Message: canaries[6], Times: 1},
		{Status: http.StatusBadRequest, Code: "invalid_payload", Message: canaries[6], Times: 1},
		{Status: http.StatusPaymentRequired, Code: "do_not_honor", Message: canaries[6], Times: 1},
		{Status: http.StatusInternalServerError, Message: canaries[6], AfterProcessing: true, Times: 1},
		{Body: []byte(`{"success":true,"data":{"note":"` + canaries[6] + `"`), Times: 1},
		{DropConnection: true, AfterProcessing: true, Times: 1},
	} {
		srv.InjectFault(salePath, f)
		_, _ = c.CreditCard.Sale(ctx, req)
	}
	srv.SetCredentials("someone-else", "another-password")
	_, _ = c.Status(ctx)

	rec.mu.Lock()
	defer rec.mu.Unlock()
	require.Greater(t, len(rec.values), 30, "every point was reached")
	kinds := map[string]bool{}
	for _, v := range rec.values {
		kinds[reflect.TypeOf(v).Name()] = true
		for _, s := range stringsIn(reflect.ValueOf(v)) {
			for _, canary := range canaries {
				assert.NotContains(t, s, canary, "%T", v)
			}
		}
	}
	assert.Len(t, kinds, 6, "calls, attempts, results, rollbacks, re-auths and refreshes: %v", kinds)
}

// stringsIn returns every string in v's fields, contexts left out (they
// are the caller's own).
func stringsIn(v reflect.Value) []string {
	var out []string
	switch v.Kind() {
	case reflect.String:
		out = append(out, v.String())
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Field(i).Kind() != reflect.Interface {
				out = append(out, stringsIn(v.Field(i))...)
			}
		}
	}
	return out
}

// With no Observer the client reports nothing and costs nothing: the
// package's card-sale benchmarks and their budgets run without one.
func ExampleWithObserver() {
	srv := jupicotest.Start()
	defer srv.Close()
	client, err := srv.NewClient(jupico.WithObserver(&printer{}))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer client.Close()
	_, err = client.CreditCard.Sale(context.Background(), &jupico.ChargeRequest{
		SubMerchantID: "jpt-fs-demo-acc1-m1", Amount: jupico.Cents(2500),
		PaymentToken: jupico.PermanentToken("card", "tok_visa_4242"), Reference: "order-1042",
	})
	fmt.Println("error:", err)
	// Output:
	// call creditcard.sale (transaction) POST /v1/transactions/creditcard/sale
	// attempt 1: 200
	// creditcard.sale: succeeded after 1 attempt(s)
	// error: <nil>
}

// printer prints calls and attempts; NopObserver provides the rest.
type printer struct{ jupico.NopObserver }

func (printer) CallStart(ctx context.Context, c jupico.CallInfo) context.Context {
	fmt.Printf("call %s (%s) %s %s\n", c.Operation, c.Kind, c.Method, c.Path)
	return ctx
}

func (printer) Attempt(_ context.Context, _ jupico.CallInfo, a jupico.AttemptInfo) {
	fmt.Printf("attempt %d: %d%s\n", a.Attempt, a.StatusCode, strings.TrimSpace(" "+string(a.Retry)))
}

func (printer) CallEnd(_ context.Context, c jupico.CallInfo, r jupico.CallResult) {
	fmt.Printf("%s: %s after %d attempt(s)\n", c.Operation, r.Outcome, r.Attempts)
}
