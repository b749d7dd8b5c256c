package webhook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"
)

// Handler defaults.
const (
	// DefaultReplayTTL is how long a processed event's id is remembered
	// when WithReplayTTL is not given: long enough to cover a sender that
	// retries over three days.
	DefaultReplayTTL = 72 * time.Hour

	// DefaultProcessingTimeout bounds one run of the event function when
	// WithProcessingTimeout is not given; it is also the replay claim's
	// lease.
	DefaultProcessingTimeout = time.Minute

	// storeTimeout bounds Done and Release, which run on a context that the
	// client's disconnection does not cancel.
	storeTimeout = 10 * time.Second

	// retryAfterSeconds is sent with 503 answers.
	retryAfterSeconds = "5"
)

// Handler receives Jupico webhook deliveries: it authenticates each one,
// decodes the event, drops duplicates and calls the function given to
// NewHandler at most once per event at a time. Build it with NewHandler; the
// zero Handler answers 500 to everything. It is safe for concurrent use.
//
// Each request is answered as follows, checked in this order (the reason
// passed to OnReject in brackets):
//
//	405  method is not POST, with "Allow: POST"            [ErrMethodNotAllowed]
//	403  plain HTTP, and no trusted proxy says https        [ErrInsecureTransport]
//	415  Content-Type is not application/json               [ErrUnsupportedMediaType]
//	413  body over the cap (read through http.MaxBytesReader) [ErrBodyTooLarge]
//	400  body could not be read                             [ErrBodyRead]
//	401  authentication failed, no detail in the response   [the Authenticator's error]
//	500  the Verifier's SecretSource has no usable secret   [ErrInvalidSecret]
//	400  authentic, but not a valid event envelope, or an
//	     unsigned delivery with a malformed webhook-id       [ErrInvalidPayload, ErrInvalidHeader]
//	200  duplicate of a processed event; fn is not called   [-]
//	503  another delivery of the event is being processed,
//	     or the replay store failed; "Retry-After: 5"        [ErrInProgress, ErrReplayStore]
//	500  fn returned an error or panicked                   [ErrHandlerFailed, *PanicError]
//	200  fn returned nil                                    [-]
//
// Responses carry only the status text, never the reason.
type Handler struct {
	auth     Authenticator
	fn       func(ctx context.Context, e *Event) error
	store    ReplayStore
	ttl      time.Duration
	lease    time.Duration
	onReject func(r *http.Request, reason error)
	proxies  []netip.Prefix
	maxBody  int64
	obs      Observer
}

// WithReplayStore sets where processed event ids are remembered. The default
// is NewMemoryStore(DefaultMaxEntries, nil), private to the Handler; give a
// shared store when several processes receive deliveries. nil is an error.
func WithReplayStore(s ReplayStore) Option {
	return func(c *config) error {
		if err := c.only(forHandler, "WithReplayStore"); err != nil {
			return err
		}
		if s == nil {
			return detail(ErrInvalidOption, "nil replay store")
		}
		c.h.store = s
		return nil
	}
}

// WithReplayTTL sets how long a processed event's id is remembered (the ttl
// given to ReplayStore.Done); the default is DefaultReplayTTL (72 hours). It
// must be positive, and should exceed the sender's whole retry schedule.
func WithReplayTTL(d time.Duration) Option {
	return func(c *config) error {
		if err := c.only(forHandler, "WithReplayTTL"); err != nil {
			return err
		}
		if d <= 0 {
			return detail(ErrInvalidOption, "replay ttl must be positive")
		}
		c.h.ttl = d
		return nil
	}
}

// WithProcessingTimeout sets the deadline of the context given to the event
// function, which is also the lease of the replay claim (the ttl given to
// ReplayStore.Claim); the default is DefaultProcessingTimeout (1 minute). A
// function that ignores its context and runs longer than this may run
// concurrently with a redelivery. d must be positive.
func WithProcessingTimeout(d time.Duration) Option {
	return func(c *config) error {
		if err := c.only(forHandler, "WithProcessingTimeout"); err != nil {
			return err
		}
		if d <= 0 {
			return detail(ErrInvalidOption, "processing timeout must be positive")
		}
		c.h.lease = d
		return nil
	}
}

// OnReject sets a hook called, synchronously and before the response is
// written, for every delivery answered with a status other than 2xx, with the
// reason (see Handler for the list). It is also called, with an error
// wrapping ErrReplayStore, when the event was processed but the done mark
// could not be recorded; that delivery is still answered 200.
//
// The request given to the hook is a copy without a body (http.NoBody) and
// without the Authorization, Proxy-Authorization and Cookie headers; the
// reasons contain no secret and no body content, so both may be logged. The
// hook must be safe for concurrent use and return quickly. nil is an error.
func OnReject(fn func(r *http.Request, reason error)) Option {
	return func(c *config) error {
		if err := c.only(forHandler, "OnReject"); err != nil {
			return err
		}
		if fn == nil {
			return detail(ErrInvalidOption, "nil reject hook")
		}
		c.h.onReject = fn
		return nil
	}
}

// WithTrustedProxies lists the proxies (CIDRs or single addresses, as for
// AllowSources) whose X-Forwarded-For and X-Forwarded-Proto headers are
// believed, when they are the TCP peer. X-Forwarded-For is walked from the
// right past trusted proxies to find the client address; X-Forwarded-Proto
// must say https in every value for a plain-HTTP request to be accepted. By
// default no proxy is trusted: the client address is the TCP peer and only a
// request received over TLS is accepted. Your proxies must overwrite or
// append to these headers, never pass a client's copy through unchanged.
func WithTrustedProxies(cidrs ...string) Option {
	return func(c *config) error {
		if err := c.only(forHandler, "WithTrustedProxies"); err != nil {
			return err
		}
		nets, err := parsePrefixes(cidrs)
		if err != nil {
			return err
		}
		c.h.proxies = append(c.h.proxies, nets...)
		return nil
	}
}

// NewHandler returns a Handler that authenticates deliveries with auth (a
// *Verifier, BasicAuth, AllowSources, or All of them) and passes each new
// event to fn. fn returning nil acknowledges the event (200); an error or a
// panic answers 500 and releases the event's claim, so the sender's
// redelivery is processed again.
//
// fn receives a context carrying the request's values but not its
// cancellation (a sender that stops waiting does not abort processing the
// handler already started), with the processing timeout as deadline. At
// most one run of fn per event id is in progress at a time, and an id that
// fn acknowledged is not passed to fn again for the replay TTL.
//
// The body cap is the Verifier's (WithMaxBodyBytes) when auth declares one,
// else DefaultMaxBodyBytes. NewHandler returns an error wrapping
// ErrInvalidOption or ErrNoAuthenticator for a nil or incomplete auth, a nil
// fn, a nil or bad option, or a Verifier's option (WithTolerance and the
// like configure the Verifier given as auth, not the Handler).
func NewHandler(auth Authenticator, fn func(ctx context.Context, e *Event) error, opts ...Option) (*Handler, error) {
	if auth == nil {
		return nil, ErrNoAuthenticator
	}
	if v, ok := auth.(*Verifier); ok && v == nil {
		return nil, ErrNoAuthenticator
	}
	if c, ok := auth.(configChecker); ok {
		if err := c.check(); err != nil {
			return nil, err
		}
	}
	if fn == nil {
		return nil, detail(ErrInvalidOption, "nil event function")
	}
	h := &Handler{
		auth:    auth,
		fn:      fn,
		ttl:     DefaultReplayTTL,
		lease:   DefaultProcessingTimeout,
		maxBody: DefaultMaxBodyBytes,
	}
	if l, ok := auth.(bodyLimiter); ok && l.MaxBodyBytes() > 0 {
		h.maxBody = l.MaxBodyBytes()
	}
	c := config{target: forHandler, h: h}
	if err := c.apply(opts); err != nil {
		return nil, err
	}
	if h.store == nil {
		h.store = NewMemoryStore(DefaultMaxEntries, nil)
	}
	return h, nil
}

// ServeHTTP handles one delivery; see Handler for the answers.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.obs == nil {
		h.serve(w, r, nil)
		return
	}
	ob := &delivery{info: DeliveryInfo{Start: time.Now()}}
	defer h.observe(r, ob) // also when the event function cut the connection
	h.serve(w, r, ob)
}

// serve is ServeHTTP; ob, when non-nil, learns what the Observer is told.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request, ob *delivery) {
	if h.auth == nil || h.fn == nil || h.store == nil {
		h.reject(w, r, ob, http.StatusInternalServerError, detail(ErrInvalidOption, "handler not built with NewHandler"))
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.reject(w, r, ob, http.StatusMethodNotAllowed, ErrMethodNotAllowed)
		return
	}
	clientIP, secure := clientView(r, h.proxies)
	if !secure {
		h.reject(w, r, ob, http.StatusForbidden, ErrInsecureTransport)
		return
	}
	if !isJSON(r.Header["Content-Type"]) {
		h.reject(w, r, ob, http.StatusUnsupportedMediaType, ErrUnsupportedMediaType)
		return
	}
	body, err := readBody(w, r, h.maxBody)
	if err != nil {
		if errors.Is(err, ErrBodyTooLarge) {
			h.reject(w, r, ob, http.StatusRequestEntityTooLarge, err)
		} else {
			h.reject(w, r, ob, http.StatusBadRequest, err)
		}
		return
	}

	d := &Delivery{Header: r.Header, Body: body, ClientIP: clientIP}
	if err := h.auth.Authenticate(d); err != nil {
		switch {
		case errors.Is(err, ErrInvalidSecret):
			h.reject(w, r, ob, http.StatusInternalServerError, err)
		case errors.Is(err, ErrBodyTooLarge):
			h.reject(w, r, ob, http.StatusRequestEntityTooLarge, err)
		default:
			h.reject(w, r, ob, http.StatusUnauthorized, err)
		}
		return
	}
	ob.verified()
	e, err := decodeEvent(body)
	if err != nil {
		h.reject(w, r, ob, http.StatusBadRequest, err)
		return
	}
	ob.decoded(e.Type)
	e.ID, err = deliveryID(r.Header, body)
	if err != nil {
		h.reject(w, r, ob, http.StatusBadRequest, err)
		return
	}

	claim, err := h.store.Claim(r.Context(), e.ID, h.lease)
	switch {
	case errors.Is(err, ErrDuplicate):
		ob.duplicate()
		w.WriteHeader(http.StatusOK)
		return
	case errors.Is(err, ErrInProgress):
		w.Header().Set("Retry-After", retryAfterSeconds)
		h.reject(w, r, ob, http.StatusServiceUnavailable, err)
		return
	case err != nil:
		w.Header().Set("Retry-After", retryAfterSeconds)
		h.reject(w, r, ob, http.StatusServiceUnavailable, fmt.Errorf("%w: claim: %w", ErrReplayStore, err))
		return
	}

	// From here on this delivery holds the claim and must Done or Release it.
	bg := context.WithoutCancel(r.Context())
	if err := h.run(bg, e); err != nil {
		rctx, cancel := context.WithTimeout(bg, storeTimeout)
		relErr := h.store.Release(rctx, claim)
		cancel()
		if relErr != nil {
			err = errors.Join(err, fmt.Errorf("%w: release: %w", ErrReplayStore, relErr))
		}
		var pe *PanicError
		if errors.As(err, &pe) && pe.Value == http.ErrAbortHandler {
			h.notify(r, err)
			panic(http.ErrAbortHandler) // the caller asked for the connection to be cut
		}
		h.reject(w, r, ob, http.StatusInternalServerError, err)
		return
	}
	dctx, cancel := context.WithTimeout(bg, storeTimeout)
	doneErr := h.store.Done(dctx, claim, h.ttl)
	cancel()
	if doneErr != nil {
		h.notify(r, fmt.Errorf("%w: done: %w", ErrReplayStore, doneErr))
	}
	ob.answered(http.StatusOK, nil)
	w.WriteHeader(http.StatusOK)
}

// run calls fn with the processing deadline, turning a panic into a
// *PanicError.
func (h *Handler) run(ctx context.Context, e *Event) (err error) {
	ctx, cancel := context.WithTimeout(ctx, h.lease)
	defer cancel()
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	if ferr := h.fn(ctx, e); ferr != nil {
		return fmt.Errorf("%w: %w", ErrHandlerFailed, ferr)
	}
	return nil
}

func (h *Handler) reject(w http.ResponseWriter, r *http.Request, ob *delivery, code int, reason error) {
	ob.answered(code, reason)
	h.notify(r, reason)
	http.Error(w, http.StatusText(code), code) // keeps Allow and Retry-After
}

// notify calls the hook with a sanitised copy of r.
func (h *Handler) notify(r *http.Request, reason error) {
	if h.onReject == nil {
		return
	}
	h.onReject(sanitize(r), reason)
}

// sanitize returns a shallow copy of r without body and credentials.
func sanitize(r *http.Request) *http.Request {
	c := r.Clone(r.Context())
	c.Body = http.NoBody
	c.GetBody = nil
	for _, k := range []string{"Authorization", "Proxy-Authorization", "Cookie"} {
		c.Header.Del(k)
	}
	return c
}

// isJSON accepts exactly one Content-Type of application/json, with at most
// a charset parameter that says utf-8.
func isJSON(vals []string) bool {
	if len(vals) != 1 {
		return false
	}
	mt, params, err := mime.ParseMediaType(vals[0])
	if err != nil || mt != "application/json" {
		return false
	}
	for k, v := range params {
		if k != "charset" || !strings.EqualFold(v, "utf-8") {
			return false
		}
	}
	return true
}

// readBody reads the whole body through http.MaxBytesReader.
func readBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	if r.ContentLength > max {
		return nil, ErrBodyTooLarge
	}
	rd := http.MaxBytesReader(w, r.Body, max)
	var buf bytes.Buffer
	// Trust the declared length for at most 64 KiB up front: a client that
	// declares a large body and sends nothing must not make us reserve it.
	if n := min(r.ContentLength, 64<<10); n > 0 {
		buf.Grow(int(n) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(rd); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, ErrBodyTooLarge
		}
		return nil, fmt.Errorf("%w: %w", ErrBodyRead, err)
	}
	return buf.Bytes(), nil
}

// deliveryID is the signed webhook-id (or svix-id) when present, else a
// digest of the body.
func deliveryID(h http.Header, body []byte) (string, error) {
	names := headerFamily(h)
	switch ids := h[names.id]; len(ids) {
	case 0:
		return bodyID(body), nil
	case 1:
		if err := checkID(ids[0]); err != nil {
			return "", err
		}
		return ids[0], nil
	default:
		return "", detail(ErrInvalidHeader, "repeated id header")
	}
}
