// Package conformance exercises every operation of the wire table against
// a server (Jupico's sandbox, jupico fake, another server of the same API)
// and reports where the SDK's picture of Jupico is wrong: the operations
// refused where the SDK expects success, and the answers that carry
// members the SDK does not model or lack members it relies on.
//
// # What a run sends
//
// Scenarios run in dependency order: the status; provisioning and the
// merchants query (which give the sub-merchant the rest is scoped to);
// card transactions with the documented sandbox token and amounts (a sale,
// a declined sale at 90.20, an authorization captured, one voided, a
// refund, a rollback sent twice for one sale and once for a sale never
// sent); an eCheck sale and refund; a browser session; onboarding invites;
// payment links; checkouts; invoices; plans; subscriptions and installment
// plans that start in a month (so nothing is charged); a payout within the
// available balance (asked first); every query, two pages each, while the
// run's records exist; last the deactivations, voids and deletions.
// Every reference, description and name the run sends starts with its
// prefix ("conf-<time>-<random>"). No card number is ever sent: payments
// use the sandbox token, and the SDK's card guard refuses a number anyway.
//
// # Cleanup
//
// What the run creates is undone at its end, also when it is interrupted:
// sales refunded, authorizations voided, invites cancelled, links,
// checkouts, plans, subscriptions and installment plans deleted, invoices
// voided, payouts voided. The calls run under a context of their own,
// bounded by Options.CleanupTimeout; what could not be undone (and what no
// operation removes, such as a provisioned applicant) is listed in
// Report.Cleanup.Left.
//
// # The report
//
// Which operations were sent is what the client's Observer saw (CallStart
// and CallEnd), not a list written by hand; the members that differ come
// from Observer.Drift. The report holds names, statuses, Jupico's error
// codes and identifiers of what the run created, never a member's value.
package conformance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"golang.org/x/time/rate"

	"github.com/jupico/jupico-go/internal/wire"
	"github.com/jupico/jupico-go/jupico"
)

// Defaults of Options.
const (
	DefaultRate           = 5
	DefaultCleanupTimeout = time.Minute
	DefaultSettleWait     = 3 * time.Minute
)

// ErrProduction is returned by Run for a base URL that is Jupico's
// production: a conformance run creates and moves things, so it never
// runs there, and nothing overrides that.
var ErrProduction = errors.New("conformance: refusing to run against Jupico's production")

// Options configures Run. The zero value of each field but Client is its
// default.
type Options struct {
	// BaseURL is the server to exercise: "" for Jupico's sandbox. Jupico's
	// production host is refused (ErrProduction).
	BaseURL string
	// Target describes the server in the report; BaseURL when empty.
	Target string
	// Client are further client options: credentials, root CAs. Run adds
	// the base URL, its Observer and its rate limit.
	Client []jupico.Option
	// SubMerchantID is the sub-merchant the scoped operations use; when
	// empty, the first active one the merchants query lists, else the one
	// the run provisions.
	SubMerchantID string
	// Rate is how many requests per second the run sends at most
	// (default DefaultRate).
	Rate float64
	// Prefix starts every reference, description and name the run sends;
	// default "conf-<UTC time>-<random>".
	Prefix string
	// SettleWait bounds how long the payout scenario waits for the run's
	// sale to settle into the available balance (default
	// DefaultSettleWait); negative does not wait.
	SettleWait time.Duration
	// CleanupTimeout bounds the cleanup, which runs under a context of its
	// own (default DefaultCleanupTimeout).
	CleanupTimeout time.Duration
	// AfterCall, when set, is called after each call of the run (not of its
	// cleanup) with the number of calls made so far.
	AfterCall func(calls int)
}

// IsProduction reports whether baseURL names Jupico's production host.
func IsProduction(baseURL string) bool {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil {
		return false
	}
	prod, _ := url.Parse(wire.ProductionBaseURL)
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	return host == prod.Hostname() && (u.Port() == "" || u.Port() == "443")
}

// NewPrefix returns a fresh run prefix: "conf-" and the UTC time to the
// second, and 6 random hex digits.
func NewPrefix(now time.Time) string {
	var b [3]byte
	_, _ = rand.Read(b[:])
	return "conf-" + now.UTC().Format("20060102t150405") + "-" + hex.EncodeToString(b[:])
}

// Run exercises every operation of the wire table against the target and
// returns the report, cleanup included. When ctx ends the run stops, cleans
// up under a context of its own and reports what it had not sent as
// skipped. The error is for options that prevent a run: production
// (ErrProduction), a bad rate, a client that cannot be built (an error of
// jupico.NewClient).
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.BaseURL == "" {
		o.BaseURL = wire.SandboxBaseURL
	}
	if IsProduction(o.BaseURL) {
		return nil, ErrProduction
	}
	if o.Rate == 0 {
		o.Rate = DefaultRate
	}
	if o.Rate < 0 {
		return nil, fmt.Errorf("conformance: the rate must be positive")
	}
	if o.Target == "" {
		o.Target = o.BaseURL
	}
	if o.Prefix == "" {
		o.Prefix = NewPrefix(time.Now())
	}
	if o.SettleWait == 0 {
		o.SettleWait = DefaultSettleWait
	}
	if o.CleanupTimeout <= 0 {
		o.CleanupTimeout = DefaultCleanupTimeout
	}
	rec := newRecorder(o.AfterCall)
	opts := append([]jupico.Option{}, o.Client...)
	opts = append(opts, jupico.WithBaseURL(o.BaseURL), jupico.WithObserver(rec), jupico.WithRateLimit(rate.Limit(o.Rate), 1))
	c, err := jupico.NewClient(opts...)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	r := &run{c: c, o: o, rec: rec, prefix: o.Prefix, verdicts: map[string]*verdict{}}
	r.scenarios(ctx)
	if ctx.Err() != nil {
		r.interrupted = true
	}
	rec.startCleanup()
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.CleanupTimeout)
	defer cancel()
	cleanup := r.cleanup(cctx)
	rep := r.report()
	rep.Cleanup = cleanup
	return rep, nil
}

// run is one conformance run.
type run struct {
	c      *jupico.Client
	o      Options
	rec    *recorder
	prefix string
	// sub is the sub-merchant the scoped operations use; subFrom says
	// where it came from.
	sub, subFrom string

	verdicts    map[string]*verdict
	undo        []*undo
	finish      []func(context.Context) // see then
	unreachable bool
	interrupted bool
}

// verdict is what the scenarios concluded of an operation.
type verdict struct {
	refused     string // what went wrong, "" when nothing did
	status      int
	code        string
	skipped     string // why it was not sent
	interrupted bool
}

func (r *run) verdict(op *wire.Operation) *verdict {
	v := r.verdicts[op.Name]
	if v == nil {
		v = &verdict{}
		r.verdicts[op.Name] = v
	}
	return v
}

// ok records the outcome of a call of op that should have succeeded, and
// reports whether it did.
func (r *run) ok(ctx context.Context, op *wire.Operation, err error) bool {
	return r.expect(ctx, op, err, "")
}

// declined records the outcome of a call of op that should have been
// declined with code, and reports whether it was.
func (r *run) declined(ctx context.Context, op *wire.Operation, err error, code string) bool {
	return r.expect(ctx, op, err, code)
}

func (r *run) expect(ctx context.Context, op *wire.Operation, err error, declineCode string) bool {
	v := r.verdict(op)
	var ae *jupico.APIError
	gotCode := ""
	if errors.As(err, &ae) {
		gotCode = string(ae.Code)
	}
	want := "success"
	if declineCode != "" {
		want = "a decline with " + declineCode
	}
	var problem string
	switch {
	case declineCode == "" && err == nil:
		return true
	case declineCode != "" && errors.Is(err, jupico.ErrDeclined) && gotCode == declineCode:
		return true
	case declineCode != "" && err == nil:
		problem = "succeeded where " + want + " was expected"
	case ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)):
		v.interrupted = true
		return false
	case errors.Is(err, jupico.ErrValidation):
		problem = "the SDK's validation refused the request before sending it"
	case errors.Is(err, jupico.ErrDeclined):
		problem = "declined where " + want + " was expected"
	case ae != nil:
		problem = fmt.Sprintf("answered %d where %s was expected", ae.HTTPStatus, want)
	case errors.Is(err, jupico.ErrMalformedAnswer):
		problem = "the answer could not be decoded (" + string(jupico.ErrorCategoryMalformedAnswer) + ") where " + want + " was expected"
	default:
		problem = "no usable answer (" + category(err) + ") where " + want + " was expected"
	}
	if v.refused == "" {
		v.refused = problem
		v.status, v.code = 0, gotCode
		if ae != nil {
			v.status = ae.HTTPStatus
		}
	}
	return false
}

// category names the kind of a failure with no answer, never its text.
func category(err error) string {
	for _, c := range []struct {
		err  error
		name jupico.ErrorCategory
	}{
		{jupico.ErrTimeout, jupico.ErrorCategoryTimeout},
		{jupico.ErrCertificate, jupico.ErrorCategoryCertificate},
		{jupico.ErrTLSHandshake, jupico.ErrorCategoryTLSHandshake},
		{jupico.ErrCredentials, jupico.ErrorCategoryCredentials},
		{jupico.ErrRateLimiter, jupico.ErrorCategoryRateLimiter},
		{jupico.ErrTransportPolicy, jupico.ErrorCategoryTransportPolicy},
		{jupico.ErrResponseTooLarge, jupico.ErrorCategoryResponseTooLarge},
		{jupico.ErrConnection, jupico.ErrorCategoryConnection},
		{context.DeadlineExceeded, jupico.ErrorCategoryTimeout},
		{context.Canceled, jupico.ErrorCategoryCanceled},
	} {
		if errors.Is(err, c.err) {
			return string(c.name)
		}
	}
	return string(jupico.ErrorCategoryOther)
}

// skip records why op is not sent; an operation sent elsewhere in the run
// keeps its result.
func (r *run) skip(op *wire.Operation, format string, args ...any) {
	v := r.verdict(op)
	if v.skipped == "" {
		v.skipped = fmt.Sprintf(format, args...)
	}
}

// skipAll skips ops with one reason.
func (r *run) skipAll(reason string, ops ...*wire.Operation) {
	for _, op := range ops {
		r.skip(op, "%s", reason)
	}
}

// after says why an operation depending on dep is not sent.
func (r *run) after(dep *wire.Operation) string {
	v := r.verdict(dep)
	switch {
	case v.interrupted:
		return "depends on " + dep.Name + ", which was interrupted"
	case v.refused != "":
		return "depends on " + dep.Name + ", which was refused"
	case v.skipped != "" && r.rec.get(dep.Name).calls == 0:
		return "depends on " + dep.Name + ", which was skipped"
	}
	return "depends on " + dep.Name + ", which gave nothing to act on"
}

// report assembles the report: one entry per operation of the wire
// table, sent or not as the Observer saw it.
func (r *run) report() *Report {
	rep := &Report{Target: r.o.Target, Prefix: r.prefix, SubMerchant: r.subFrom, Unreachable: r.unreachable, Interrupted: r.interrupted}
	for _, op := range wire.Operations {
		f := r.rec.get(op.Name)
		v := r.verdict(op)
		e := Operation{Operation: op.Name, Sent: f.calls > 0, Calls: f.calls, Status: f.last.StatusCode, Code: string(f.last.Code),
			Unknown: f.unknown, Missing: f.missing, DurationMS: f.duration.Milliseconds()}
		switch {
		case !e.Sent:
			e.Result = ResultSkipped
			e.Reason = v.skipped
			switch {
			case e.Reason != "":
			case r.unreachable:
				e.Reason = "the status call could not connect"
			case r.interrupted:
				e.Reason = "the run was interrupted before it"
			default:
				e.Reason = "no scenario sends it"
			}
		case v.refused != "":
			e.Result, e.Error = ResultRefused, v.refused
			if v.status != 0 {
				e.Status, e.Code = v.status, v.code
			}
		case v.interrupted:
			e.Result, e.Reason = ResultSkipped, "the run was interrupted during the call"
		case len(e.Unknown) > 0 || len(e.Missing) > 0:
			e.Result = ResultDrift
		default:
			e.Result = ResultOK
		}
		rep.Operations = append(rep.Operations, e)
	}
	return rep
}
