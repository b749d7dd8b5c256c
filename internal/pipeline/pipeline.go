// Package pipeline sends one API operation: it encodes the body once, signs
// every attempt with fresh credentials, retries only where a retry cannot
// double-charge, bounds every attempt and every response, and logs without
// headers, bodies or credentials.
package pipeline

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/internal/transport"
	"github.com/jupico/jupico-go/internal/wire"
)

// DefaultMaxResponseBytes caps how much of a response body is read.
const DefaultMaxResponseBytes = 1 << 20

// Limiter is a client-side rate limiter; *rate.Limiter satisfies it.
type Limiter interface {
	Wait(ctx context.Context) error
}

// Retry is the retry policy, already defaulted and validated.
type Retry struct {
	MaxAttempts int
	MinDelay    time.Duration
	MaxDelay    time.Duration
}

// Config configures a Pipeline. Every field is required unless marked.
type Config struct {
	BaseURL *url.URL
	// Transport is the SDK transport (TLS policy included).
	Transport http.RoundTripper
	// Middleware, optional, wraps the SDK transport.
	Middleware func(http.RoundTripper) http.RoundTripper
	// Credentials is called before every attempt.
	Credentials credentials.Provider
	// Limiter, optional, is waited on before every attempt.
	Limiter   Limiter
	Logger    *slog.Logger
	UserAgent string
	Retry     Retry
	// RollbackRetry is the policy for rollbacks, which are safe to repeat.
	RollbackRetry Retry
	// Timeout bounds one attempt of a read or write; TransactionTimeout one
	// attempt of a transaction or a rollback. Both include reading the body.
	Timeout            time.Duration
	TransactionTimeout time.Duration
	MaxResponseBytes   int64
	// Observer, optional, sees each attempt and what followed a 401.
	Observer Observer
}

// Observer sees each attempt of a call and each re-send after a 401. Its
// methods run on the call's goroutine, with the call's context.
type Observer interface {
	Attempt(ctx context.Context, op *wire.Operation, a Attempt)
	Reauth(ctx context.Context, op *wire.Operation, changed bool, readErr error)
}

// Attempt describes one attempt to an Observer.
type Attempt struct {
	N         int
	Start     time.Time
	Duration  time.Duration // to the response's headers, or the failure
	Status    int           // 0: no answer
	RequestID string
	// Err is the failure with no answer, classified (a *Error); nil when
	// an answer came.
	Err *Error
	// Retry is set when another attempt follows: "status", "connection",
	// "timeout" or "reauth".
	Retry string
}

// Pipeline is safe for concurrent use.
type Pipeline struct {
	cfg    Config
	base   url.URL // BaseURL without a trailing slash in its path
	host   string
	byKind [wire.NumKinds]*retryablehttp.Client
	hc     *http.Client
	// deadlines ends attempts that outlive their timeout.
	deadlines deadlines
}

// New builds a Pipeline.
func New(cfg Config) *Pipeline {
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	p := &Pipeline{cfg: cfg, base: *cfg.BaseURL, host: cfg.BaseURL.Host}
	p.base.Path = strings.TrimSuffix(p.base.Path, "/")
	p.base.RawPath = strings.TrimSuffix(p.base.RawPath, "/")
	var rt http.RoundTripper = &guard{base: cfg.Transport, host: cfg.BaseURL.Host}
	if cfg.Middleware != nil {
		rt = cfg.Middleware(rt)
	}
	p.hc = &http.Client{Transport: &attempt{p: p, next: rt}, CheckRedirect: transport.NoRedirect}
	for k := range p.byKind {
		kind := wire.Kind(k)
		r := cfg.Retry
		if kind == wire.KindRollback && cfg.RollbackRetry.MaxAttempts > 0 {
			r = cfg.RollbackRetry
		}
		p.byKind[k] = &retryablehttp.Client{
			HTTPClient:   p.hc,
			RetryWaitMin: r.MinDelay,
			RetryWaitMax: r.MaxDelay,
			RetryMax:     r.MaxAttempts - 1,
			CheckRetry: func(ctx context.Context, resp *http.Response, err error) (bool, error) {
				again, cerr := checkRetry(kind, ctx, resp, err)
				if p.cfg.Observer != nil {
					p.observeAttempt(ctx, resp, err, again)
				}
				return again, cerr
			},
			Backoff:      p.backoff,
			ErrorHandler: giveUp,
		}
	}
	return p
}

// CloseIdleConnections closes pooled connections.
func (p *Pipeline) CloseIdleConnections() { p.hc.CloseIdleConnections() }

// Response is a complete HTTP answer.
type Response struct {
	StatusCode int
	Header     http.Header
	// Body is the raw body, at most MaxResponseBytes.
	Body []byte
	// Envelope is the decoded JSON envelope; nil when the body is not one,
	// in which case EnvelopeErr says why.
	Envelope    *wire.Envelope
	EnvelopeErr error
	Attempts    int
	RequestID   string
	Outcome     wire.Outcome

	env wire.Envelope // Envelope points here: no allocation of its own
}

// Do sends body (nil means "{}") as op and returns the answer. A non-nil
// error is always a *Error and means there is no usable answer. An HTTP
// error status is not an error here: the caller maps Response.Outcome.
func (p *Pipeline) Do(ctx context.Context, op *wire.Operation, body []byte) (*Response, error) {
	if body == nil {
		body = wire.EmptyBody
	}
	st := &callState{op: op}
	st.ua[0] = p.cfg.UserAgent
	ctx = context.WithValue(ctx, stateKey{}, st)
	ctx = httptrace.WithClientTrace(ctx, st.trace())

	r := p.cfg.Retry
	if op.Kind == wire.KindRollback && p.cfg.RollbackRetry.MaxAttempts > 0 {
		r = p.cfg.RollbackRetry
	}
	st.maxAttempts = r.MaxAttempts

	resp, err := p.send(ctx, op, body, st)
	// An answer whose body broke off (a reset mid-response, a timeout while
	// reading) is retried like any other transport failure when repeating
	// the operation is safe; retryablehttp only sees the status line.
	for err != nil && st.bodyFailed && (op.Kind == wire.KindRead || op.Kind == wire.KindRollback) &&
		st.attempts < st.maxAttempts && ctx.Err() == nil {
		var pe *Error
		if !errors.As(err, &pe) || (pe.Kind != ErrConnection && pe.Kind != ErrTimeout) {
			break
		}
		if p.cfg.Observer != nil {
			retry := "connection"
			if pe.Kind == ErrTimeout {
				retry = "timeout"
			}
			p.flushAttempt(ctx, st, retry, pe)
		}
		t := time.NewTimer(p.backoff(r.MinDelay, r.MaxDelay, st.attempts-1, nil))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, p.failure(ctx, op, st, ctx.Err())
		case <-t.C:
		}
		st.bodyFailed = false
		resp, err = p.send(ctx, op, body, st)
	}
	for err == nil && resp.StatusCode == http.StatusUnauthorized && p.reauth(ctx, st) {
		// Jupico refused the key before processing anything; the provider
		// now has different credentials (rotated under us). Send again with
		// them: a second rotation may land while this one is in flight, so
		// each new key gets its try, up to maxReauths.
		resp, err = p.send(ctx, op, body, st)
	}
	if p.cfg.Observer != nil {
		p.flushAttempt(ctx, st, "", err)
	}
	return resp, err
}

// setTarget makes u op's URL, from the parsed base URL: operation paths are
// plain ASCII constants, so there is nothing to parse on every call.
func (p *Pipeline) setTarget(u *url.URL, op *wire.Operation) {
	*u = p.base
	u.Path += op.Path
	if u.RawPath != "" {
		u.RawPath += op.Path
	}
}

func (p *Pipeline) send(ctx context.Context, op *wire.Operation, body []byte, st *callState) (*Response, error) {
	// The request starts with an empty URL ("" parses at no cost) which
	// then becomes the target, with the Host header to match.
	req, err := retryablehttp.NewRequestWithContext(ctx, op.Method, "", body)
	if err != nil {
		return nil, &Error{Op: op.Name, Kind: ErrTransportPolicy, Err: err}
	}
	p.setTarget(req.URL, op)
	req.Host = p.host
	h := req.Header
	st.ct[0][0], st.ct[1][0] = wire.ContentTypeJSON, wire.ContentTypeJSON
	h[wire.HeaderContentType] = st.ct[0][:]
	h[wire.HeaderAccept] = st.ct[1][:]
	h[wire.HeaderUserAgent] = st.ua[:]

	hresp, err := p.byKind[op.Kind].Do(req)
	var gu *giveUpError
	if errors.As(err, &gu) {
		err = gu.err
	}
	if hresp == nil {
		if err == nil {
			err = ErrConnection
		}
		return nil, p.failure(ctx, op, st, err)
	}
	defer hresp.Body.Close()

	out := &Response{StatusCode: hresp.StatusCode, Header: hresp.Header, Attempts: st.attempts, RequestID: hresp.Header.Get(wire.HeaderRequestID)}
	if hresp.StatusCode >= 300 && hresp.StatusCode < 400 {
		return nil, &Error{Op: op.Name, Attempts: st.attempts, Kind: ErrRedirect, Err: errors.New("status " + strconv.Itoa(hresp.StatusCode))}
	}
	out.Body, err = readCapped(hresp.Body, hresp.ContentLength, p.cfg.MaxResponseBytes)
	if err != nil {
		// The status line arrived but the body did not: the outcome of a
		// transaction is unknown.
		st.unknown = true
		st.bodyFailed = true
		return nil, p.failure(ctx, op, st, err)
	}
	if len(out.Body) > 0 {
		if err := json.Unmarshal(out.Body, &out.env); err != nil {
			out.EnvelopeErr = errors.New("response is not a json envelope")
		} else {
			out.Envelope = &out.env
		}
	} else {
		out.EnvelopeErr = errors.New("empty response body")
	}
	out.Outcome = wire.Classify(out.StatusCode, out.Envelope)
	return out, nil
}

// failure classifies a transport failure by type.
func (p *Pipeline) failure(ctx context.Context, op *wire.Operation, st *callState, err error) *Error {
	e := &Error{Op: op.Name, Attempts: st.attempts, Unknown: st.unknown, Err: err}
	var pe *Error
	switch {
	case errors.As(err, &pe):
		pe.Op, pe.Attempts, pe.Unknown = op.Name, st.attempts, st.unknown
		return pe
	case ctx.Err() != nil:
		e.Kind, e.Err = context.Cause(ctx), nil
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			e.Kind, e.Err = ErrTimeout, context.Cause(ctx)
		}
	case errors.Is(err, errAttemptTimeout) || timeoutError(err):
		e.Kind = ErrTimeout
	case certError(err):
		e.Kind = ErrCertificate
	case st.handshakeFailed.Load():
		e.Kind = ErrTLSHandshake
	case errors.Is(err, ErrResponseTooLarge):
		e.Kind, e.Err = ErrResponseTooLarge, nil
	default:
		e.Kind = ErrConnection
	}
	return e
}

// maxReauths bounds how often one call is sent again after a 401 with
// credentials that changed meanwhile: enough for a key rotated twice while
// a request was in flight, never a loop against a provider that hands out
// a different wrong key on every read.
const maxReauths = 3

// reauth reports whether the credentials changed since the attempt that was
// refused with 401, in which case the request is sent once more.
func (p *Pipeline) reauth(ctx context.Context, st *callState) bool {
	if st.reauths >= maxReauths || st.used.IsZero() || ctx.Err() != nil {
		return false
	}
	st.reauths++
	if inv, ok := p.cfg.Credentials.(interface{ Invalidate(credentials.Credentials) }); ok {
		inv.Invalidate(st.used)
	}
	now, err := p.cfg.Credentials.Retrieve(ctx)
	changed := err == nil && !now.IsZero() && !now.Equal(st.used)
	if p.cfg.Observer != nil {
		retry := ""
		if changed {
			retry = "reauth"
		}
		p.flushAttempt(ctx, st, retry, nil)
		p.cfg.Observer.Reauth(ctx, st.op, changed, err)
	}
	return changed
}

// observeAttempt reports the attempt that just ended, with whether another
// follows.
func (p *Pipeline) observeAttempt(ctx context.Context, resp *http.Response, err error, again bool) {
	st := stateFrom(ctx)
	if st == nil {
		return
	}
	a := Attempt{N: st.attempts, Start: st.attStart, Duration: st.attDur}
	if a.Start.IsZero() { // refused before it was sent (limiter, credentials)
		a.Start = time.Now()
	}
	if resp != nil {
		a.Status, a.RequestID = resp.StatusCode, resp.Header.Get(wire.HeaderRequestID)
	} else if err != nil {
		a.Err = p.failure(ctx, st.op, st, err)
	}
	if !again {
		// What follows is not known yet: a re-send after a 401, or after
		// the body broke off, or nothing (flushAttempt reports it).
		st.pend, st.hasPend = a, true
		return
	}
	switch {
	case resp != nil:
		a.Retry = "status"
	case a.Err != nil && a.Err.Kind == ErrTimeout:
		a.Retry = "timeout"
	default:
		a.Retry = "connection"
	}
	p.cfg.Observer.Attempt(ctx, st.op, a)
}

// flushAttempt reports the attempt observeAttempt held back, now that what
// follows it is known: retry says why another attempt follows ("" when
// none does), and err is a failure reading its answer, if any.
func (p *Pipeline) flushAttempt(ctx context.Context, st *callState, retry string, err error) {
	if !st.hasPend {
		return
	}
	a := st.pend
	st.hasPend = false
	a.Retry = retry
	var pe *Error
	if a.Err == nil && errors.As(err, &pe) {
		a.Err = pe
	}
	p.cfg.Observer.Attempt(ctx, st.op, a)
}

// readCapped reads at most max bytes, failing (not truncating) past that.
// A declared length within the cap is read into a buffer of exactly that
// size, and the body must then end there.
func readCapped(r io.Reader, declared, max int64) ([]byte, error) {
	if declared > 0 && declared <= max {
		b := make([]byte, declared)
		if _, err := io.ReadFull(r, b); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		var one [1]byte
		switch n, err := r.Read(one[:]); {
		case n > 0:
			return nil, errors.New("body longer than its declared length")
		case err == nil || err == io.EOF:
			return b, nil
		default:
			return nil, err
		}
	}
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if n > max {
		return nil, &Error{Kind: ErrResponseTooLarge, Err: errors.New("body exceeds " + strconv.FormatInt(max, 10) + " bytes")}
	}
	return buf.Bytes(), nil
}

type stateKey struct{}

// callState follows one call across its attempts. Attempts run one after
// another, so plain fields are written by one goroutine at a time; the
// fields set from httptrace callbacks, which the transport may run on its
// own goroutines, are atomic.
type callState struct {
	op              *wire.Operation
	attempts        int
	maxAttempts     int
	unknown         bool
	bodyFailed      bool
	reauths         int
	used            credentials.Credentials
	attStart        time.Time     // the attempt's start, for the Observer
	attDur          time.Duration // and its time to headers or failure
	pend            Attempt       // the last attempt, until flushAttempt reports it
	hasPend         bool
	wroteHeaders    atomic.Bool
	reached         atomic.Bool
	handshakeFailed atomic.Bool

	// Header values live here, in the one allocation a call makes for its
	// state, rather than in a slice per header per attempt.
	ua, auth [1]string
	ct       [2][1]string
	tr       httptrace.ClientTrace
	body     cancelBody
}

func stateFrom(ctx context.Context) *callState {
	st, _ := ctx.Value(stateKey{}).(*callState)
	return st
}

func (st *callState) trace() *httptrace.ClientTrace {
	st.tr = httptrace.ClientTrace{
		WroteHeaders: func() { st.wroteHeaders.Store(true) },
		TLSHandshakeDone: func(_ tls.ConnectionState, err error) {
			if err != nil {
				st.handshakeFailed.Store(true)
			}
		},
	}
	return &st.tr
}

// errAttemptTimeout is the cause of an attempt's own deadline.
var errAttemptTimeout = errors.New("attempt timed out")

// attempt is the outermost RoundTripper: it runs once per attempt.
type attempt struct {
	p    *Pipeline
	next http.RoundTripper
}

func (a *attempt) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	st := stateFrom(ctx)
	st.attempts++
	st.unknown = false
	st.attStart, st.attDur = time.Time{}, 0
	st.wroteHeaders.Store(false)
	st.reached.Store(false)
	st.handshakeFailed.Store(false)
	cfg := &a.p.cfg

	if cfg.Limiter != nil {
		if err := cfg.Limiter.Wait(ctx); err != nil {
			return nil, &Error{Kind: ErrRateLimiter, Err: err}
		}
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err == nil && creds.IsZero() {
		err = errors.New("provider returned empty credentials")
	}
	if err != nil {
		return nil, &Error{Kind: ErrCredentials, Err: err}
	}
	st.used = creds
	st.auth[0] = creds.AuthorizationHeader().Reveal()
	req.Header[wire.HeaderAuthorization] = st.auth[:]

	timeout := cfg.Timeout
	if st.op.Kind == wire.KindTransaction || st.op.Kind == wire.KindRollback {
		timeout = cfg.TransactionTimeout
	}
	actx := a.p.deadlines.start(ctx, timeout)
	start := time.Now()
	resp, err := a.next.RoundTrip(req.WithContext(actx))
	if cfg.Observer != nil {
		st.attStart, st.attDur = start, time.Since(start)
	}
	if err == nil && !st.reached.Load() {
		resp.Body.Close()
		resp, err = nil, &Error{Kind: ErrTransportPolicy, Err: transport.ErrBypassed}
	}
	if err != nil {
		actx.end()
		if actx.timedOut.Load() && ctx.Err() == nil {
			err = &Error{Kind: ErrTimeout, Err: err}
		}
		st.unknown = st.wroteHeaders.Load()
		a.p.logAttempt(ctx, st, req, 0, "", time.Since(start), err)
		return nil, err
	}
	// Attempts run one after another and each body is closed before the
	// next attempt starts, so the call's state can hold the wrapper.
	st.body = cancelBody{ReadCloser: resp.Body, attempt: actx}
	resp.Body = &st.body
	if a.p.cfg.Logger.Enabled(ctx, slog.LevelDebug) {
		a.p.logAttempt(ctx, st, req, resp.StatusCode, resp.Header.Get(wire.HeaderRequestID), time.Since(start), nil)
	}
	return resp, nil
}

// cancelBody ends the attempt when the body is closed, and turns a read cut
// short by the attempt's deadline into a timeout error.
type cancelBody struct {
	io.ReadCloser
	attempt *attemptCtx
}

func (b *cancelBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && err != io.EOF && b.attempt.timedOut.Load() {
		err = &Error{Kind: ErrTimeout, Err: err}
	}
	return n, err
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.attempt.end()
	return err
}

// guard is the innermost RoundTripper, between any middleware and the SDK
// transport: it refuses requests rewritten to another destination and marks
// that the request really went through the SDK transport. Hiding the
// *http.Transport behind it means a middleware cannot type-assert its way to
// the TLS configuration.
type guard struct {
	base http.RoundTripper
	host string
}

func (g *guard) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "https" || req.URL.Host != g.host || req.URL.User != nil {
		return nil, &Error{Kind: ErrTransportPolicy, Err: transport.ErrWrongDestination}
	}
	if st := stateFrom(req.Context()); st != nil {
		st.reached.Store(true)
	}
	return g.base.RoundTrip(req)
}

func (p *Pipeline) logAttempt(ctx context.Context, st *callState, req *http.Request, status int, reqID string, d time.Duration, err error) {
	lg := p.cfg.Logger
	level := slog.LevelDebug
	if err != nil {
		level = slog.LevelWarn
	}
	if !lg.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("operation", st.op.Name),
		slog.String("method", req.Method),
		slog.String("path", req.URL.Path),
		slog.Int("attempt", st.attempts),
		slog.Duration("duration", d),
	}
	if status != 0 {
		attrs = append(attrs, slog.Int("status", status))
	}
	if reqID != "" {
		attrs = append(attrs, slog.String("request_id", reqID))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", logSafe(err)), slog.Bool("maybe_processed", st.unknown))
	}
	lg.LogAttrs(ctx, level, "jupico: attempt", attrs...)
}

// logSafe renders an error for a log line. Transport errors carry the
// method and URL (scheme, host and path only: the SDK's URLs have no query
// or userinfo), never headers or bodies.
func logSafe(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// checkRetry decides whether another attempt may run. It never retries a
// request that may have been processed unless the operation is a read.
func checkRetry(kind wire.Kind, ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, nil
	}
	if st := stateFrom(ctx); st != nil && st.maxAttempts > 0 && st.attempts >= st.maxAttempts {
		return false, nil // attempts are counted across the whole call
	}
	if err != nil {
		var pe *Error
		if errors.As(err, &pe) && pe.Kind != ErrTimeout {
			return false, nil // policy, credentials, limiter: a retry changes nothing
		}
		if certError(err) || notFoundHost(err) {
			return false, nil
		}
		st := stateFrom(ctx)
		if st != nil && st.handshakeFailed.Load() {
			return false, nil
		}
		if kind == wire.KindRead || kind == wire.KindRollback {
			return true, nil
		}
		// Writes and transactions: only when the request never left.
		return st != nil && !st.unknown, nil
	}
	switch resp.StatusCode {
	case http.StatusServiceUnavailable:
		return true, nil
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusGatewayTimeout:
		return kind == wire.KindRead || kind == wire.KindRollback, nil
	case http.StatusInternalServerError:
		// A rollback answered 500 is simply sent again: it is safe to repeat.
		return kind == wire.KindRollback, nil
	}
	return false, nil
}

// backoff is capped exponential backoff with full jitter; a Retry-After on
// 429 or 503 is honoured but never beyond the cap.
func (p *Pipeline) backoff(min, max time.Duration, attemptNum int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := retryAfter(resp.Header.Get(wire.HeaderRetryAfter), time.Now()); ok {
			wait := d
			if wait > max {
				wait = max
			}
			p.logRetry(resp, wait, d)
			return wait
		}
	}
	ceil := min << uint(attemptNum)
	if ceil <= 0 || ceil > max {
		ceil = max
	}
	wait := time.Duration(rand.Int64N(int64(ceil) + 1))
	if resp != nil {
		p.logRetry(resp, wait, 0)
	}
	return wait
}

func (p *Pipeline) logRetry(resp *http.Response, wait, asked time.Duration) {
	ctx := resp.Request.Context()
	if !p.cfg.Logger.Enabled(ctx, slog.LevelInfo) {
		return
	}
	attrs := []slog.Attr{slog.String("path", resp.Request.URL.Path), slog.Int("status", resp.StatusCode), slog.Duration("wait", wait)}
	if asked > 0 {
		attrs = append(attrs, slog.Duration("retry_after", asked))
	}
	p.cfg.Logger.LogAttrs(ctx, slog.LevelInfo, "jupico: retrying", attrs...)
}

// retryAfter parses a Retry-After value: delay seconds or an HTTP date.
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(secs) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		d := t.Sub(now)
		if d < 0 {
			d = 0
		}
		return d, true
	}
	return 0, false
}

type giveUpError struct {
	attempts int
	err      error
}

func (e *giveUpError) Error() string { return "giving up" }

// giveUp hands the last response (if any) back with the cause, instead of
// retryablehttp's default of draining it and formatting its own error.
func giveUp(resp *http.Response, err error, attempts int) (*http.Response, error) {
	return resp, &giveUpError{attempts: attempts, err: err}
}
