package webhook_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/webhook"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const endpoint = "https://merchant.example/webhooks/jupico"

// newSignedRequest builds a signed delivery of body over https.
func newSignedRequest(t testing.TB, secret, id string, body []byte) *http.Request {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, endpoint, bytes.NewReader(body))
	r.Header = signedHeader(t, secret, id, testNow, body)
	r.Header.Set("Content-Type", "application/json")
	return r
}

// recorder collects what the handler reported.
type recorder struct {
	mu      sync.Mutex
	calls   int
	events  []*webhook.Event
	reasons []error
	reqs    []*http.Request
}

func (rc *recorder) fn(err error) func(context.Context, *webhook.Event) error {
	return func(_ context.Context, e *webhook.Event) error {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.calls++
		rc.events = append(rc.events, e)
		return err
	}
}

func (rc *recorder) onReject(r *http.Request, reason error) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.reasons = append(rc.reasons, reason)
	rc.reqs = append(rc.reqs, r)
}

func (rc *recorder) lastReason() error {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.reasons) == 0 {
		return nil
	}
	return rc.reasons[len(rc.reasons)-1]
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestHandlerStatusMatrix(t *testing.T) {
	t.Parallel()
	body := []byte(sampleEvent)
	tests := []struct {
		name       string
		req        func(t *testing.T) *http.Request
		opts       []webhook.Option
		verifier   []webhook.Option
		fnErr      error
		wantStatus int
		wantReason error // nil: no OnReject call
		wantCalls  int
	}{
		{name: "valid delivery", req: func(t *testing.T) *http.Request { return newSignedRequest(t, secretA, "msg_1", body) },
			wantStatus: http.StatusOK, wantCalls: 1},
		{name: "charset utf-8 accepted", req: func(t *testing.T) *http.Request {
			r := newSignedRequest(t, secretA, "msg_1", body)
			r.Header.Set("Content-Type", "application/json; charset=UTF-8")
			return r
		}, wantStatus: http.StatusOK, wantCalls: 1},
		{name: "GET", req: func(t *testing.T) *http.Request { return httptest.NewRequest(http.MethodGet, endpoint, nil) },
			wantStatus: http.StatusMethodNotAllowed, wantReason: webhook.ErrMethodNotAllowed},
		{name: "PUT", req: func(t *testing.T) *http.Request {
			r := newSignedRequest(t, secretA, "msg_1", body)
			r.Method = http.MethodPut
			return r
		}, wantStatus: http.StatusMethodNotAllowed, wantReason: webhook.ErrMethodNotAllowed},
		{name: "plain HTTP", req: func(t *testing.T) *http.Request {
			r := newSignedRequest(t, secretA, "msg_1", body)
			r.TLS = nil
			return r
		}, wantStatus: http.StatusForbidden, wantReason: webhook.ErrInsecureTransport},
		{name: "plain HTTP claiming https from an untrusted peer", req: func(t *testing.T) *http.Request {
			r := newSignedRequest(t, secretA, "msg_1", body)
			r.TLS = nil
			r.Header.Set("X-Forwarded-Proto", "https")
			return r
		}, wantStatus: http.StatusForbidden, wantReason: webhook.ErrInsecureTransport},
		{name: "plain HTTP from a trusted proxy that says https", req: func(t *testing.T) *http.Request {
			r := newSignedRequest(t, secretA, "msg_1", body)
			r.TLS, r.RemoteAddr = nil, "10.0.0.5:40000"
			r.Header.Set("X-Forwarded-Proto", "https")
			return r
		}, opts: []webhook.Option{webhook.WithTrustedProxies("10.0.0.0/8")}, wantStatus: http.StatusOK, wantCalls: 1},
		{name: "trusted proxy appended http to a client's https", req: func(t *testing.T) *http.Request {
			r := newSignedRequest(t, secretA, "msg_1", body)
			r.TLS, r.RemoteAddr = nil, "10.0.0.5:40000"
			r.Header.Set("X-Forwarded-Proto", "https, http")
			return r
		}, opts: []webhook.Option{webhook.WithTrustedProxies("10.0.0.0/8")}, wantStatus: http.StatusForbidden, wantReason: webhook.ErrInsecureTransport},
		{name: "trusted proxy without X-Forwarded-Proto", req: func(t *testing.T) *http.Request {
			r := newSignedRequest(t, secretA, "msg_1", body)
			r.TLS, r.RemoteAddr = nil, "10.0.0.5:40000"
			return r
		}, opts: []webhook.Option{webhook.WithTrustedProxies("10.0.0.0/8")}, wantStatus: http.StatusForbidden, wantReason: webhook.ErrInsecureTransport},
		{name: "no content type", req: func(t *testing.T) *http.Request {
			r := newSignedRequest(t, secretA, "msg_1", body)
			r.Header.Del("Content-Type")
			return r
		}, wantStatus: http.StatusUnsupportedMediaType, wantReason: webhook.ErrUnsupportedMediaType},
		{name: "text/plain", req: func(t *testing.T) *http.Request {
			r := newSignedRequest(t, secretA, "msg_1", body)
			r.Header.Set("Content-Type", "text/plain")
			return r
		}, wantStatus: http.StatusUnsupportedMediaType, wantReason: webhook.ErrUnsupportedMediaType},
		{name: "other charset", req: func(t *testing.T) *http.Request {
			r := newSignedRequest(t, secretA, "msg_1", body)
			r.Header.Set("Content-Type", "application/json; charset=latin1")
			return r
		}, wantStatus: http.StatusUnsupportedMediaType, wantReason: webhook.ErrUnsupportedMediaType},
		{name: "two content types", req: func(t *testing.T) *http.Request {
			r := newSignedRequest(t, secretA, "msg_1", body)
			r.Header.Add("Content-Type", "text/plain")
			return r
		}, wantStatus: http.StatusUnsupportedMediaType, wantReason: webhook.ErrUnsupportedMediaType},
		{name: "declared length over the cap", req: func(t *testing.T) *http.Request { return newSignedRequest(t, secretA, "msg_1", body) },
			verifier: []webhook.Option{webhook.WithMaxBodyBytes(100)}, wantStatus: http.StatusRequestEntityTooLarge, wantReason: webhook.ErrBodyTooLarge},
		{name: "streamed body over the cap", req: func(t *testing.T) *http.Request {
			r := newSignedRequest(t, secretA, "msg_1", body)
			r.ContentLength = -1
			r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), neverEnding('x')))
			return r
		}, wantStatus: http.StatusRequestEntityTooLarge, wantReason: webhook.ErrBodyTooLarge},
		{name: "body read fails", req: func(t *testing.T) *http.Request {
			r := newSignedRequest(t, secretA, "msg_1", body)
			r.ContentLength = -1
			r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body[:10]), errReader{}))
			return r
		}, wantStatus: http.StatusBadRequest, wantReason: webhook.ErrBodyRead},
		{name: "wrong secret", req: func(t *testing.T) *http.Request { return newSignedRequest(t, secretB, "msg_1", body) },
			wantStatus: http.StatusUnauthorized, wantReason: webhook.ErrNoMatchingSignature},
		{name: "unsigned", req: func(t *testing.T) *http.Request {
			r := newSignedRequest(t, secretA, "msg_1", body)
			r.Header.Del("Webhook-Signature")
			return r
		}, wantStatus: http.StatusUnauthorized, wantReason: webhook.ErrMissingHeaders},
		{name: "stale", req: func(t *testing.T) *http.Request { return newSignedRequest(t, secretA, "msg_1", body) },
			verifier: []webhook.Option{webhook.WithClock(fixedClock(testNow.Add(time.Hour)))}, wantStatus: http.StatusUnauthorized, wantReason: webhook.ErrTimestampTooOld},
		{name: "authentic but not an envelope", req: func(t *testing.T) *http.Request {
			return newSignedRequest(t, secretA, "msg_1", []byte(`{"event":"x"}{}`))
		},
			wantStatus: http.StatusBadRequest, wantReason: webhook.ErrInvalidPayload},
		{name: "fn fails", req: func(t *testing.T) *http.Request { return newSignedRequest(t, secretA, "msg_1", body) },
			fnErr: errors.New("database down"), wantStatus: http.StatusInternalServerError, wantReason: webhook.ErrHandlerFailed, wantCalls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rc := &recorder{}
			v := newVerifier(t, secretA, tt.verifier...)
			h, err := webhook.NewHandler(v, rc.fn(tt.fnErr), append([]webhook.Option{webhook.OnReject(rc.onReject)}, tt.opts...)...)
			require.NoError(t, err)
			w := serve(h, tt.req(t))
			assert.Equal(t, tt.wantStatus, w.Code)
			assert.Equal(t, tt.wantCalls, rc.calls)
			if tt.wantReason == nil {
				assert.Empty(t, rc.reasons)
				return
			}
			require.Len(t, rc.reasons, 1)
			assert.ErrorIs(t, rc.reasons[0], tt.wantReason)
			assert.Equal(t, http.StatusText(tt.wantStatus)+"\n", w.Body.String(), "no detail in the response")
			if tt.wantStatus == http.StatusMethodNotAllowed {
				assert.Equal(t, http.MethodPost, w.Header().Get("Allow"))
			}
		})
	}
}

type neverEnding byte

func (b neverEnding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("connection reset") }

func TestHandlerDeduplicates(t *testing.T) {
	t.Parallel()
	body := []byte(sampleEvent)
	rc := &recorder{}
	clock := newManualClock()
	h, err := webhook.NewHandler(newVerifier(t, secretA), rc.fn(nil), webhook.OnReject(rc.onReject),
		webhook.WithReplayStore(webhook.NewMemoryStore(0, clock)), webhook.WithReplayTTL(time.Hour))
	require.NoError(t, err)

	assert.Equal(t, http.StatusOK, serve(h, newSignedRequest(t, secretA, "msg_1", body)).Code)
	assert.Equal(t, http.StatusOK, serve(h, newSignedRequest(t, secretA, "msg_1", body)).Code, "duplicate")
	assert.Equal(t, 1, rc.calls, "fn not called for the duplicate")
	clock.Advance(time.Hour)
	assert.Equal(t, http.StatusOK, serve(h, newSignedRequest(t, secretA, "msg_1", body)).Code, "after the replay TTL")
	assert.Equal(t, 2, rc.calls, "processed again once forgotten")
	assert.Equal(t, http.StatusOK, serve(h, newSignedRequest(t, secretA, "msg_2", body)).Code, "other id")
	assert.Equal(t, 3, rc.calls)
	assert.Equal(t, "msg_1", rc.events[0].ID)
	assert.Equal(t, webhook.EventMerchantSubmit, rc.events[0].Type)
	assert.Empty(t, rc.reasons)
}

// A failed or panicking run releases the claim: the redelivery is processed.
func TestHandlerRedeliversAfterFailure(t *testing.T) {
	t.Parallel()
	body := []byte(sampleEvent)
	tests := []struct {
		name   string
		first  func(context.Context, *webhook.Event) error
		reason error
	}{
		{"error", func(context.Context, *webhook.Event) error { return errors.New("boom") }, webhook.ErrHandlerFailed},
		{"panic", func(context.Context, *webhook.Event) error { panic("boom") }, webhook.ErrHandlerFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int32
			rc := &recorder{}
			h, err := webhook.NewHandler(newVerifier(t, secretA), func(ctx context.Context, e *webhook.Event) error {
				if calls.Add(1) == 1 {
					return tt.first(ctx, e)
				}
				return nil
			}, webhook.OnReject(rc.onReject))
			require.NoError(t, err)

			assert.Equal(t, http.StatusInternalServerError, serve(h, newSignedRequest(t, secretA, "msg_1", body)).Code)
			require.ErrorIs(t, rc.lastReason(), tt.reason)
			assert.Equal(t, http.StatusOK, serve(h, newSignedRequest(t, secretA, "msg_1", body)).Code, "redelivery processed")
			assert.Equal(t, http.StatusOK, serve(h, newSignedRequest(t, secretA, "msg_1", body)).Code, "then a duplicate")
			assert.Equal(t, int32(2), calls.Load())
		})
	}
	t.Run("panic value is kept out of the message", func(t *testing.T) {
		t.Parallel()
		rc := &recorder{}
		h, err := webhook.NewHandler(newVerifier(t, secretA), func(context.Context, *webhook.Event) error {
			panic("card 4111111111111111")
		}, webhook.OnReject(rc.onReject))
		require.NoError(t, err)
		assert.Equal(t, http.StatusInternalServerError, serve(h, newSignedRequest(t, secretA, "msg_1", body)).Code)
		var pe *webhook.PanicError
		require.ErrorAs(t, rc.lastReason(), &pe)
		assert.Equal(t, "card 4111111111111111", pe.Value)
		assert.NotEmpty(t, pe.Stack)
		assert.NotContains(t, pe.Error(), "4111")
	})
	t.Run("http.ErrAbortHandler still aborts, after releasing", func(t *testing.T) {
		t.Parallel()
		var calls atomic.Int32
		h, err := webhook.NewHandler(newVerifier(t, secretA), func(context.Context, *webhook.Event) error {
			if calls.Add(1) == 1 {
				panic(http.ErrAbortHandler)
			}
			return nil
		})
		require.NoError(t, err)
		assert.PanicsWithValue(t, http.ErrAbortHandler, func() { serve(h, newSignedRequest(t, secretA, "msg_1", body)) })
		assert.Equal(t, http.StatusOK, serve(h, newSignedRequest(t, secretA, "msg_1", body)).Code)
		assert.Equal(t, int32(2), calls.Load())
	})
}

// 50 concurrent deliveries of one event: fn runs exactly once. fn holds the
// claim until all the others have been answered, so every one of them meets
// the in-progress claim and must get a non-2xx answer.
func TestHandlerConcurrentDeliveriesRunOnce(t *testing.T) {
	t.Parallel()
	const n = 50
	body := []byte(sampleEvent)
	var calls atomic.Int32
	othersDone := make(chan struct{})
	h, err := webhook.NewHandler(newVerifier(t, secretA), func(context.Context, *webhook.Event) error {
		calls.Add(1)
		<-othersDone
		return nil
	})
	require.NoError(t, err)

	codes := make(chan int, n)
	var answered atomic.Int32
	var wg sync.WaitGroup
	for range n {
		r := newSignedRequest(t, secretA, "msg_1", body)
		wg.Go(func() {
			w := serve(h, r)
			if w.Code == http.StatusServiceUnavailable {
				assert.Equal(t, "5", w.Header().Get("Retry-After"))
				if answered.Add(1) == n-1 {
					close(othersDone)
				}
			}
			codes <- w.Code
		})
	}
	wg.Wait()
	close(codes)
	count := map[int]int{}
	for c := range codes {
		count[c]++
	}
	assert.Equal(t, int32(1), calls.Load())
	assert.Equal(t, map[int]int{http.StatusOK: 1, http.StatusServiceUnavailable: n - 1}, count)
	assert.Equal(t, http.StatusOK, serve(h, newSignedRequest(t, secretA, "msg_1", body)).Code, "later redelivery is a duplicate")
	assert.Equal(t, int32(1), calls.Load())
}

// failingStore makes one ReplayStore method fail.
type failingStore struct {
	webhook.ReplayStore
	seenErr, doneErr, releaseErr error
}

func (s *failingStore) Claim(ctx context.Context, id string, lease time.Duration) (webhook.Claim, error) {
	if s.seenErr != nil {
		return webhook.Claim{}, s.seenErr
	}
	return s.ReplayStore.Claim(ctx, id, lease)
}

func (s *failingStore) Done(ctx context.Context, c webhook.Claim, ttl time.Duration) error {
	if s.doneErr != nil {
		return s.doneErr
	}
	return s.ReplayStore.Done(ctx, c, ttl)
}

func (s *failingStore) Release(ctx context.Context, c webhook.Claim) error {
	if s.releaseErr != nil {
		return s.releaseErr
	}
	return s.ReplayStore.Release(ctx, c)
}

func TestHandlerReplayStoreFailures(t *testing.T) {
	t.Parallel()
	body := []byte(sampleEvent)
	storeDown := errors.New("redis: connection refused")
	tests := []struct {
		name       string
		store      *failingStore
		fnErr      error
		wantStatus int
		wantCalls  int
		wantReason []error
	}{
		{"seen fails closed", &failingStore{seenErr: storeDown}, nil, http.StatusServiceUnavailable, 0, []error{webhook.ErrReplayStore, storeDown}},
		{"done fails after processing", &failingStore{doneErr: storeDown}, nil, http.StatusOK, 1, []error{webhook.ErrReplayStore, storeDown}},
		{"release fails after fn error", &failingStore{releaseErr: storeDown}, errors.New("boom"), http.StatusInternalServerError, 1, []error{webhook.ErrHandlerFailed, webhook.ErrReplayStore, storeDown}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.store.ReplayStore = webhook.NewMemoryStore(0, nil)
			rc := &recorder{}
			h, err := webhook.NewHandler(newVerifier(t, secretA), rc.fn(tt.fnErr), webhook.WithReplayStore(tt.store), webhook.OnReject(rc.onReject))
			require.NoError(t, err)
			w := serve(h, newSignedRequest(t, secretA, "msg_1", body))
			assert.Equal(t, tt.wantStatus, w.Code)
			assert.Equal(t, tt.wantCalls, rc.calls)
			require.Len(t, rc.reasons, 1)
			for _, want := range tt.wantReason {
				assert.ErrorIs(t, rc.reasons[0], want)
			}
		})
	}
}

func TestHandlerFailsClosedWhenSecretSourceEmpties(t *testing.T) {
	t.Parallel()
	src := &atomicSource{}
	src.store(secretA)
	v, err := webhook.NewVerifier("", webhook.WithSecretSource(src), webhook.WithClock(fixedClock(testNow)))
	require.NoError(t, err)
	rc := &recorder{}
	h, err := webhook.NewHandler(v, rc.fn(nil), webhook.OnReject(rc.onReject))
	require.NoError(t, err)

	src.store()
	assert.Equal(t, http.StatusInternalServerError, serve(h, newSignedRequest(t, secretA, "msg_1", []byte(sampleEvent))).Code)
	assert.ErrorIs(t, rc.lastReason(), webhook.ErrInvalidSecret)
	assert.Zero(t, rc.calls)
}

func TestHandlerOnRejectSeesNoSecretOrBody(t *testing.T) {
	t.Parallel()
	basic, err := webhook.BasicAuth(basicUser, basicPass)
	require.NoError(t, err)
	rc := &recorder{}
	h, err := webhook.NewHandler(basic, rc.fn(nil), webhook.OnReject(rc.onReject))
	require.NoError(t, err)

	r := httptest.NewRequest(http.MethodPost, endpoint, strings.NewReader(`{"secret":"body"}`))
	r.Header = basicHeader(basicUser, "wrong-password-wrong-password")
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Cookie", "session=abc")
	assert.Equal(t, http.StatusUnauthorized, serve(h, r).Code)

	require.Len(t, rc.reqs, 1)
	got := rc.reqs[0]
	assert.Empty(t, got.Header.Get("Authorization"))
	assert.Empty(t, got.Header.Get("Cookie"))
	assert.Equal(t, "application/json", got.Header.Get("Content-Type"))
	assert.Equal(t, http.NoBody, got.Body)
	assert.NotEmpty(t, r.Header.Get("Authorization"), "the live request is untouched")
	assert.NotContains(t, rc.reasons[0].Error(), "wrong-password")
}

func TestHandlerWithoutSigningSecret(t *testing.T) {
	t.Parallel()
	body := []byte(sampleEvent)
	basic, err := webhook.BasicAuth(basicUser, basicPass)
	require.NoError(t, err)
	allow, err := webhook.AllowSources("203.0.113.0/24")
	require.NoError(t, err)
	rc := &recorder{}
	h, err := webhook.NewHandler(webhook.All(allow, basic), rc.fn(nil),
		webhook.WithTrustedProxies("10.0.0.0/8"), webhook.OnReject(rc.onReject))
	require.NoError(t, err)

	req := func(remote string, xff ...string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, endpoint, bytes.NewReader(body))
		r.Header = basicHeader(basicUser, basicPass)
		r.Header.Set("Content-Type", "application/json")
		r.RemoteAddr = remote
		for _, x := range xff {
			r.Header.Add("X-Forwarded-For", x)
		}
		return r
	}
	tests := []struct {
		name string
		r    *http.Request
		want int
	}{
		{"direct from allowed source", req("203.0.113.9:5000"), http.StatusOK},
		{"direct from other source", req("192.0.2.1:5000"), http.StatusUnauthorized},
		{"spoofed X-Forwarded-For from untrusted peer", req("192.0.2.1:5000", "203.0.113.9"), http.StatusUnauthorized},
		{"allowed client behind trusted proxy", req("10.0.0.5:5000", "203.0.113.9"), http.StatusOK},
		{"client behind two trusted proxies", req("10.0.0.5:5000", "203.0.113.9, 10.1.1.1"), http.StatusOK},
		{"X-Forwarded-For over two lines", req("10.0.0.5:5000", "203.0.113.9", "10.1.1.1"), http.StatusOK},
		{"client-supplied entry left of the real one is ignored", req("10.0.0.5:5000", "203.0.113.9, 192.0.2.1"), http.StatusUnauthorized},
		{"garbage entry fails closed", req("10.0.0.5:5000", "203.0.113.9, not-an-ip"), http.StatusUnauthorized},
		{"only trusted hops: leftmost is the client", req("10.0.0.5:5000", "10.2.2.2, 10.1.1.1"), http.StatusUnauthorized},
		{"IPv6 peer with port", req("[2001:db8::1]:5000"), http.StatusUnauthorized},
		{"too many hops", req("10.0.0.5:5000", "203.0.113.9,"+strings.Repeat("10.1.1.1,", 40)+"10.1.1.1"), http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, serve(h, tt.r).Code)
		})
	}
	// With a webhook-id, even unsigned, it is the de-duplication id.
	withID := req("203.0.113.9:5000")
	withID.Header.Set("Webhook-Id", "evt_7")
	assert.Equal(t, http.StatusOK, serve(h, withID).Code)
	for _, ids := range [][]string{{"evt 7"}, {"evt_7", "evt_8"}} {
		r := req("203.0.113.9:5000")
		r.Header["Webhook-Id"] = ids
		assert.Equal(t, http.StatusBadRequest, serve(h, r).Code, "%q", ids)
		assert.ErrorIs(t, rc.lastReason(), webhook.ErrInvalidHeader)
	}
	rc.mu.Lock()
	assert.Equal(t, "evt_7", rc.events[len(rc.events)-1].ID)
	rc.mu.Unlock()

	// Without a webhook-id, redeliveries of the same bytes share an id.
	assert.Equal(t, 2, rc.calls, "the other accepted deliveries were duplicates of the first")
	rc.mu.Lock()
	defer rc.mu.Unlock()
	require.NotEmpty(t, rc.events)
	assert.True(t, strings.HasPrefix(rc.events[0].ID, "sha256:"))
	assert.Len(t, rc.events[0].ID, len("sha256:")+64)
}

func TestHandlerContextOfFn(t *testing.T) {
	t.Parallel()
	type key struct{}
	var gotErr error
	var gotDeadline bool
	var gotValue any
	h, err := webhook.NewHandler(newVerifier(t, secretA), func(ctx context.Context, e *webhook.Event) error {
		_, gotDeadline = ctx.Deadline()
		gotErr = ctx.Err()
		gotValue = ctx.Value(key{})
		return nil
	}, webhook.WithProcessingTimeout(time.Hour))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "v"))
	cancel() // the sender went away before fn ran
	r := newSignedRequest(t, secretA, "msg_1", []byte(sampleEvent)).WithContext(ctx)
	assert.Equal(t, http.StatusOK, serve(h, r).Code)
	assert.NoError(t, gotErr, "the request's cancellation does not reach fn")
	assert.True(t, gotDeadline)
	assert.Equal(t, "v", gotValue)
}

func TestNewHandlerRejectsBadConfiguration(t *testing.T) {
	t.Parallel()
	v := newVerifier(t, secretA)
	fn := func(context.Context, *webhook.Event) error { return nil }
	var nilVerifier *webhook.Verifier
	tests := []struct {
		name string
		auth webhook.Authenticator
		fn   func(context.Context, *webhook.Event) error
		opts []webhook.Option
		want error
	}{
		{"nil authenticator", nil, fn, nil, webhook.ErrNoAuthenticator},
		{"typed nil verifier", nilVerifier, fn, nil, webhook.ErrNoAuthenticator},
		{"empty All", webhook.All(), fn, nil, webhook.ErrNoAuthenticator},
		{"All with nil", webhook.All(v, nil), fn, nil, webhook.ErrNoAuthenticator},
		{"zero BasicAuthenticator", &webhook.BasicAuthenticator{}, fn, nil, webhook.ErrInvalidOption},
		{"zero SourceAllowList in All", webhook.All(v, &webhook.SourceAllowList{}), fn, nil, webhook.ErrInvalidOption},
		{"nil fn", v, nil, nil, webhook.ErrInvalidOption},
		{"nil store", v, fn, []webhook.Option{webhook.WithReplayStore(nil)}, webhook.ErrInvalidOption},
		{"zero ttl", v, fn, []webhook.Option{webhook.WithReplayTTL(0)}, webhook.ErrInvalidOption},
		{"zero timeout", v, fn, []webhook.Option{webhook.WithProcessingTimeout(0)}, webhook.ErrInvalidOption},
		{"nil hook", v, fn, []webhook.Option{webhook.OnReject(nil)}, webhook.ErrInvalidOption},
		{"bad proxy", v, fn, []webhook.Option{webhook.WithTrustedProxies("10.0.0.0/99")}, webhook.ErrInvalidOption},
		{"proxy matching everyone", v, fn, []webhook.Option{webhook.WithTrustedProxies("0.0.0.0/0")}, webhook.ErrInvalidOption},
		{"nil option", v, fn, []webhook.Option{nil}, webhook.ErrInvalidOption},
		{"verifier option", v, fn, []webhook.Option{webhook.WithTolerance(time.Minute)}, webhook.ErrInvalidOption},
		{"verifier clock", v, fn, []webhook.Option{webhook.WithClock(fixedClock(testNow))}, webhook.ErrInvalidOption},
		{"nil observer", v, fn, []webhook.Option{webhook.WithObserver(nil)}, webhook.ErrInvalidOption},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h, err := webhook.NewHandler(tt.auth, tt.fn, tt.opts...)
			assert.ErrorIs(t, err, tt.want)
			assert.Nil(t, h)
		})
	}
	t.Run("option of the other constructor is named", func(t *testing.T) {
		t.Parallel()
		_, err := webhook.NewHandler(v, fn, webhook.WithTolerance(time.Minute))
		require.ErrorContains(t, err, "WithTolerance configures NewVerifier, not NewHandler")
		_, err = webhook.NewVerifier(secretA, webhook.WithReplayStore(webhook.NewMemoryStore(0, nil)))
		require.ErrorContains(t, err, "WithReplayStore configures NewHandler, not NewVerifier")
	})
	t.Run("one sentinel for the module", func(t *testing.T) {
		t.Parallel()
		_, err := webhook.NewHandler(v, fn, nil)
		require.ErrorIs(t, err, credentials.ErrInvalidOption)
		require.ErrorIs(t, err, jupico.ErrInvalidOption)
	})
	t.Run("zero Handler answers 500", func(t *testing.T) {
		t.Parallel()
		var zero webhook.Handler
		assert.Equal(t, http.StatusInternalServerError, serve(&zero, newSignedRequest(t, secretA, "msg_1", nil)).Code)
	})
}

// Over a real TLS connection, and refused over a real plain one.
func TestHandlerOverRealTransports(t *testing.T) {
	t.Parallel()
	body := []byte(sampleEvent)
	rc := &recorder{}
	h, err := webhook.NewHandler(newVerifier(t, secretA), rc.fn(nil))
	require.NoError(t, err)

	for _, tc := range []struct {
		name string
		srv  *httptest.Server
		want int
	}{
		{"tls", httptest.NewTLSServer(h), http.StatusOK},
		{"plain", httptest.NewServer(h), http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer tc.srv.Close()
			req, err := http.NewRequest(http.MethodPost, tc.srv.URL, bytes.NewReader(body))
			require.NoError(t, err)
			req.Header = signedHeader(t, secretA, "msg_"+tc.name, testNow, body)
			req.Header.Set("Content-Type", "application/json")
			resp, err := tc.srv.Client().Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			_, _ = io.Copy(io.Discard, resp.Body)
			assert.Equal(t, tc.want, resp.StatusCode)
		})
	}
	assert.Equal(t, 1, rc.calls)
}
