package jupicotest_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/jupico/jupicotest"
	"github.com/jupico/jupico-go/webhook"
)

// receiver is a merchant's webhook endpoint under test: webhook.NewHandler
// on an httptest TLS server, recording what it processed, every body it was
// sent per webhook-id, and the reasons it rejected deliveries for.
type receiver struct {
	*httptest.Server

	mu        sync.Mutex
	processed []*webhook.Event
	bodies    map[string][][]byte
	rejected  []error
}

func newReceiver(t *testing.T, auth webhook.Authenticator, fn func(context.Context, *webhook.Event) error, opts ...webhook.Option) *receiver {
	t.Helper()
	r := &receiver{bodies: map[string][][]byte{}}
	h, err := webhook.NewHandler(auth, func(ctx context.Context, e *webhook.Event) error {
		if fn != nil {
			if err := fn(ctx, e); err != nil {
				return err
			}
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		r.processed = append(r.processed, e)
		return nil
	}, append([]webhook.Option{webhook.OnReject(func(_ *http.Request, reason error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.rejected = append(r.rejected, reason)
	})}, opts...)...)
	require.NoError(t, err)
	r.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			http.Error(w, "unreadable", http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		id := req.Header.Get("Webhook-Id")
		r.bodies[id] = append(r.bodies[id], body)
		r.mu.Unlock()
		req.Body = io.NopCloser(bytes.NewReader(body))
		h.ServeHTTP(w, req)
	}))
	r.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are expected here
	r.StartTLS()
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) events() []*webhook.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.processed)
}

func (r *receiver) rejections() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.rejected)
}

func (r *receiver) received() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, b := range r.bodies {
		n += len(b)
	}
	return n
}

func (r *receiver) pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(r.Certificate())
	return p
}

func verifier(t *testing.T, secret string, more ...string) *webhook.Verifier {
	t.Helper()
	v, err := webhook.NewVerifier(secret, webhook.WithSecrets(more...))
	require.NoError(t, err)
	return v
}

func activation(sub string) jupicotest.WebhookEvent {
	return jupicotest.WebhookEvent{Type: webhook.EventMerchantActivation, Data: json.RawMessage(`{"subMerchantId":"` + sub + `"}`)}
}

func TestSendWebhookDeliversASignedEvent(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		opts  func(recv *receiver) []jupicotest.Option
		after func(srv *jupicotest.Server, recv *receiver)
	}{
		{name: "WithWebhookRootCAs", opts: func(recv *receiver) []jupicotest.Option {
			return []jupicotest.Option{jupicotest.WithWebhookRootCAs(recv.pool())}
		}},
		{name: "WithWebhookClient", opts: func(recv *receiver) []jupicotest.Option {
			return []jupicotest.Option{jupicotest.WithWebhookClient(recv.Client())}
		}},
		{name: "SetWebhookRootCAs", after: func(srv *jupicotest.Server, recv *receiver) { srv.SetWebhookRootCAs(recv.pool()) }},
		{name: "SetWebhookClient", after: func(srv *jupicotest.Server, recv *receiver) { srv.SetWebhookClient(recv.Client()) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			recv := newReceiver(t, verifier(t, jupicotest.DefaultWebhookSecret), nil)
			var opts []jupicotest.Option
			if tc.opts != nil {
				opts = tc.opts(recv)
			}
			srv := jupicotest.NewServer(t, opts...)
			if tc.after != nil {
				tc.after(srv, recv)
			}
			assert.Equal(t, jupicotest.DefaultWebhookSecret, srv.WebhookSecret())

			d, err := srv.SendWebhook(context.Background(), recv.URL+"/webhooks/jupico", activation("sm_1"))
			require.NoError(t, err)
			require.NotNil(t, d)
			assert.Equal(t, http.StatusOK, d.StatusCode)
			assert.True(t, d.Acknowledged())
			assert.Equal(t, 1, d.Attempt)
			assert.Equal(t, webhook.EventMerchantActivation, d.Type)
			assert.Regexp(t, `^msg_[0-9a-f]{24}$`, d.ID)

			evs := recv.events()
			require.Len(t, evs, 1)
			assert.Equal(t, d.ID, evs[0].ID)
			assert.Equal(t, webhook.EventMerchantActivation, evs[0].Type)
			m, err := evs[0].MerchantActivation()
			require.NoError(t, err)
			assert.Equal(t, "sm_1", m.SubMerchantID)
		})
	}
}

func TestSendWebhookRefusals(t *testing.T) {
	t.Parallel()
	recv := newReceiver(t, verifier(t, jupicotest.DefaultWebhookSecret), nil)
	var plainHits atomic.Int32
	plain := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { plainHits.Add(1) }))
	defer plain.Close()
	insecure := &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, // #nosec G402 -- the fake must refuse this client
	}}

	for _, tc := range []struct {
		name  string
		opts  []jupicotest.Option
		url   string
		event jupicotest.WebhookEvent
		is    error  // errors.Is target, when set
		msg   string // error text, when set
	}{
		{name: "plain http receiver", url: plain.URL, event: activation("sm_1"), msg: "must be https"},
		{name: "client skipping verification", opts: []jupicotest.Option{jupicotest.WithWebhookClient(insecure)}, event: activation("sm_1"), msg: "skips certificate verification"},
		{name: "event without type", opts: []jupicotest.Option{jupicotest.WithWebhookRootCAs(recv.pool())}, event: jupicotest.WebhookEvent{}, msg: "no type"},
		{name: "event with invalid data", opts: []jupicotest.Option{jupicotest.WithWebhookRootCAs(recv.pool())}, event: jupicotest.WebhookEvent{Type: "x", Data: json.RawMessage(`{`)}, msg: "not valid json"},
		{name: "id a verifier refuses", opts: []jupicotest.Option{jupicotest.WithWebhookRootCAs(recv.pool())}, event: jupicotest.WebhookEvent{ID: "bad id", Type: "x"}, is: webhook.ErrInvalidHeader},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := jupicotest.NewServer(t, tc.opts...)
			url := tc.url
			if url == "" {
				url = recv.URL
			}
			d, err := srv.SendWebhook(context.Background(), url, tc.event)
			require.Error(t, err)
			assert.Nil(t, d, "nothing may be sent")
			if tc.is != nil {
				assert.ErrorIs(t, err, tc.is)
			}
			if tc.msg != "" {
				assert.ErrorContains(t, err, tc.msg)
			}
			assert.NotContains(t, err.Error(), jupicotest.DefaultWebhookSecret)
		})
	}
	assert.Zero(t, recv.received(), "the receiver got nothing")
	assert.Zero(t, plainHits.Load(), "the plain-HTTP server got nothing")
}

func TestSendWebhookAnswers(t *testing.T) {
	t.Parallel()
	const other = "whsec_QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo="
	redirect := httptest.NewTLSServer(http.RedirectHandler("/elsewhere", http.StatusFound))
	t.Cleanup(redirect.Close)

	for _, tc := range []struct {
		name   string
		secret string // the receiver's
		event  jupicotest.WebhookEvent
		url    func(recv *receiver) string
		status int
		reason error
	}{
		{name: "accepted", secret: jupicotest.DefaultWebhookSecret, event: activation("sm_1"), status: http.StatusOK},
		{name: "receiver has another secret", secret: other, event: activation("sm_1"), status: http.StatusUnauthorized, reason: webhook.ErrNoMatchingSignature},
		{name: "signed an hour ago", secret: jupicotest.DefaultWebhookSecret,
			event:  jupicotest.WebhookEvent{Type: webhook.EventMerchantSubmit, SignedAt: time.Now().Add(-time.Hour)},
			status: http.StatusUnauthorized, reason: webhook.ErrTimestampTooOld},
		{name: "redirect is not followed", secret: jupicotest.DefaultWebhookSecret, event: activation("sm_1"),
			url: func(*receiver) string { return redirect.URL }, status: http.StatusFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			recv := newReceiver(t, verifier(t, tc.secret), nil)
			pool := recv.pool()
			pool.AddCert(redirect.Certificate())
			srv := jupicotest.NewServer(t, jupicotest.WithWebhookRootCAs(pool))
			url := recv.URL
			if tc.url != nil {
				url = tc.url(recv)
			}
			d, err := srv.SendWebhook(context.Background(), url, tc.event)
			require.NoError(t, err, "an answer, whatever its status, is not an error")
			assert.Equal(t, tc.status, d.StatusCode)
			assert.Equal(t, tc.status == http.StatusOK, d.Acknowledged())
			if tc.reason != nil {
				rejected := recv.rejections()
				require.Len(t, rejected, 1)
				assert.ErrorIs(t, rejected[0], tc.reason)
				assert.Empty(t, recv.events())
			}
		})
	}
}

func TestSendWebhookUntrustedReceiverCertificate(t *testing.T) {
	t.Parallel()
	recv := newReceiver(t, verifier(t, jupicotest.DefaultWebhookSecret), nil)
	srv := jupicotest.NewServer(t) // trusts the system roots only
	d, err := srv.SendWebhook(context.Background(), recv.URL, activation("sm_1"))
	var certErr *tls.CertificateVerificationError
	require.ErrorAs(t, err, &certErr)
	require.NotNil(t, d)
	assert.Zero(t, d.StatusCode)
	assert.Equal(t, err, d.Err)
	assert.Zero(t, recv.received())
}

func TestSendWebhooksDuplicatesAreProcessedOnce(t *testing.T) {
	t.Parallel()
	recv := newReceiver(t, verifier(t, jupicotest.DefaultWebhookSecret), nil)
	srv := jupicotest.NewServer(t, jupicotest.WithWebhookRootCAs(recv.pool()))
	events := []jupicotest.WebhookEvent{activation("sm_1"), activation("sm_2"), {Type: webhook.EventMerchantSubmit}}

	ds, err := srv.SendWebhooks(context.Background(), recv.URL, events, jupicotest.DeliveryOptions{Duplicates: 2})
	require.NoError(t, err)
	require.Len(t, ds, 9)
	attempts := map[string][]int{}
	for i, d := range ds {
		assert.Equal(t, http.StatusOK, d.StatusCode, "delivery %d", i)
		assert.Equal(t, i%3, d.Index, "without Shuffle every event goes out before any copy")
		assert.Equal(t, events[d.Index].Type, d.Type)
		attempts[d.ID] = append(attempts[d.ID], d.Attempt)
	}
	require.Len(t, attempts, 3, "one webhook-id per event")
	for id, a := range attempts {
		assert.Equal(t, []int{1, 2, 3}, a, "copies of %s numbered in send order", id)
	}

	evs := recv.events()
	assert.Len(t, evs, 3, "each event processed once")
	recv.mu.Lock()
	defer recv.mu.Unlock()
	for id, bodies := range recv.bodies {
		require.Len(t, bodies, 3, id)
		assert.Equal(t, bodies[0], bodies[1], "copies carry byte-identical bodies")
		assert.Equal(t, bodies[0], bodies[2])
	}
}

func TestSendWebhooksShuffleIsSeeded(t *testing.T) {
	t.Parallel()
	recv := newReceiver(t, verifier(t, jupicotest.DefaultWebhookSecret), nil)
	events := make([]jupicotest.WebhookEvent, 8)
	for i := range events {
		events[i] = activation(fmt.Sprintf("sm_%d", i))
	}
	type sent struct {
		ID             string
		Index, Attempt int
	}
	run := func(seed uint64) []sent {
		srv := jupicotest.NewServer(t, jupicotest.WithSeed(seed), jupicotest.WithWebhookRootCAs(recv.pool()))
		ds, err := srv.SendWebhooks(context.Background(), recv.URL, events, jupicotest.DeliveryOptions{Duplicates: 1, Shuffle: true})
		require.NoError(t, err)
		out := make([]sent, len(ds))
		for i, d := range ds {
			assert.Equal(t, http.StatusOK, d.StatusCode)
			out[i] = sent{d.ID, d.Index, d.Attempt}
		}
		return out
	}
	first, again := run(42), run(42)
	assert.Equal(t, first, again, "the same seed replays the same ids and order")
	require.Len(t, first, 16)

	var order []int
	seen := map[string]int{}
	for _, s := range first {
		order = append(order, s.Index)
		seen[s.ID]++
		assert.Equal(t, seen[s.ID], s.Attempt, "attempts count copies in send order")
	}
	assert.Len(t, seen, 8)
	assert.False(t, slices.IsSorted(order), "shuffled order %v", order)
	sorted := slices.Clone(order)
	slices.Sort(sorted)
	assert.Equal(t, []int{0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7}, sorted, "a permutation of two copies of each event")
	assert.Len(t, recv.events(), 8)
}

func TestSendWebhooksConcurrency(t *testing.T) {
	t.Parallel()
	for _, k := range []int{1, 3} {
		t.Run(fmt.Sprint(k), func(t *testing.T) {
			t.Parallel()
			var inFlight, peak atomic.Int32
			release := make(chan struct{})
			recv := newReceiver(t, verifier(t, jupicotest.DefaultWebhookSecret), func(ctx context.Context, _ *webhook.Event) error {
				n := inFlight.Add(1)
				defer inFlight.Add(-1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				select {
				case <-release:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			})
			srv := jupicotest.NewServer(t, jupicotest.WithWebhookRootCAs(recv.pool()))
			events := make([]jupicotest.WebhookEvent, 2*k+1)
			for i := range events {
				events[i] = activation(fmt.Sprintf("sm_%d", i))
			}
			type result struct {
				ds  []jupicotest.Delivery
				err error
			}
			done := make(chan result, 1)
			go func() {
				ds, err := srv.SendWebhooks(context.Background(), recv.URL, events, jupicotest.DeliveryOptions{Concurrency: k})
				done <- result{ds, err}
			}()
			require.Eventually(t, func() bool { return inFlight.Load() == int32(k) }, 10*time.Second, time.Millisecond)
			close(release)
			res := <-done
			require.NoError(t, res.err)
			assert.Len(t, res.ds, 2*k+1)
			assert.Equal(t, int32(k), peak.Load(), "at most Concurrency deliveries in flight")
			assert.Len(t, recv.events(), 2*k+1)
		})
	}
}

// Two copies of one event in flight at once: the receiver processes one
// and answers the other 503, so Jupico would come back later.
func TestSendWebhooksConcurrentCopies(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var once sync.Once
	recv := newReceiver(t, verifier(t, jupicotest.DefaultWebhookSecret), func(ctx context.Context, _ *webhook.Event) error {
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}, webhook.OnReject(func(_ *http.Request, reason error) {
		if errors.Is(reason, webhook.ErrInProgress) {
			once.Do(func() { close(release) })
		}
	}))
	srv := jupicotest.NewServer(t, jupicotest.WithWebhookRootCAs(recv.pool()))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ds, err := srv.SendWebhooks(ctx, recv.URL, []jupicotest.WebhookEvent{activation("sm_1")}, jupicotest.DeliveryOptions{Duplicates: 1, Concurrency: 2})
	require.NoError(t, err)
	statuses := []int{ds[0].StatusCode, ds[1].StatusCode}
	slices.Sort(statuses)
	assert.Equal(t, []int{http.StatusOK, http.StatusServiceUnavailable}, statuses)
	assert.Len(t, recv.events(), 1)
}

func TestSendWebhooksStopsWhenTheContextEnds(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	recv := newReceiver(t, verifier(t, jupicotest.DefaultWebhookSecret), func(context.Context, *webhook.Event) error {
		cancel() // the caller gives up while the first delivery is processed
		return nil
	})
	srv := jupicotest.NewServer(t, jupicotest.WithWebhookRootCAs(recv.pool()))
	events := []jupicotest.WebhookEvent{activation("sm_1"), activation("sm_2"), activation("sm_3"), activation("sm_4")}

	ds, err := srv.SendWebhooks(ctx, recv.URL, events, jupicotest.DeliveryOptions{})
	require.ErrorIs(t, err, context.Canceled)
	require.Len(t, ds, 4, "every planned delivery is reported")
	for _, d := range ds[1:] {
		assert.ErrorIs(t, d.Err, context.Canceled)
		assert.Zero(t, d.StatusCode)
	}
	assert.Len(t, recv.events(), 1)
	assert.Equal(t, 1, recv.received(), "nothing sent after the context ended")

	ds, err = srv.SendWebhooks(ctx, recv.URL, events, jupicotest.DeliveryOptions{Concurrency: 2})
	require.ErrorIs(t, err, context.Canceled)
	assert.Len(t, ds, 4)
	assert.Equal(t, 1, recv.received())
}

// A receiver that fails answers 500; Jupico redelivers the same event (same
// webhook-id) and this time it is processed.
func TestRedeliveryAfterAFailure(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	recv := newReceiver(t, verifier(t, jupicotest.DefaultWebhookSecret), func(context.Context, *webhook.Event) error {
		if calls.Add(1) == 1 {
			return errors.New("database unavailable")
		}
		return nil
	})
	srv := jupicotest.NewServer(t, jupicotest.WithWebhookRootCAs(recv.pool()))
	first, err := srv.SendWebhook(context.Background(), recv.URL, activation("sm_1"))
	require.NoError(t, err)
	assert.Equal(t, http.StatusInternalServerError, first.StatusCode)
	assert.False(t, first.Acknowledged())

	e := activation("sm_1")
	e.ID = first.ID
	again, err := srv.SendWebhook(context.Background(), recv.URL, e)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, again.StatusCode)
	evs := recv.events()
	require.Len(t, evs, 1)
	assert.Equal(t, first.ID, evs[0].ID)
}

func TestSetWebhookSecretRotates(t *testing.T) {
	t.Parallel()
	const next = "whsec_QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo="
	during := newReceiver(t, verifier(t, next, jupicotest.DefaultWebhookSecret), nil) // accepts both while rotating
	oldOnly := newReceiver(t, verifier(t, jupicotest.DefaultWebhookSecret), nil)
	pool := during.pool()
	pool.AddCert(oldOnly.Certificate())
	srv := jupicotest.NewServer(t, jupicotest.WithWebhookRootCAs(pool))

	err := srv.SetWebhookSecret("not a secret")
	require.ErrorIs(t, err, webhook.ErrInvalidSecret)
	assert.Equal(t, jupicotest.DefaultWebhookSecret, srv.WebhookSecret(), "a refused secret changes nothing")

	require.NoError(t, srv.SetWebhookSecret(next))
	assert.Equal(t, next, srv.WebhookSecret())
	d, err := srv.SendWebhook(context.Background(), during.URL, activation("sm_1"))
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, d.StatusCode)
	d, err = srv.SendWebhook(context.Background(), oldOnly.URL, activation("sm_1"))
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnauthorized, d.StatusCode)
}

// Start gives a fake without a testing.T, as example programs use it.
func TestSendWebhookWithoutTestingT(t *testing.T) {
	t.Parallel()
	recv := newReceiver(t, verifier(t, jupicotest.DefaultWebhookSecret), nil)
	srv := jupicotest.Start(jupicotest.WithWebhookRootCAs(recv.pool()))
	defer srv.Close()
	d, err := srv.SendWebhook(context.Background(), recv.URL, activation("sm_1"))
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, d.StatusCode)
}

// The fake delivers events to a receiver under test, with a duplicate of
// each, as Jupico's at-least-once delivery may: the handler processes each
// event once and acknowledges every copy.
func ExampleServer_SendWebhooks() {
	srv := jupicotest.Start()
	defer srv.Close()

	v, err := webhook.NewVerifier(srv.WebhookSecret())
	if err != nil {
		log.Fatal(err)
	}
	var processed atomic.Int32
	h, err := webhook.NewHandler(v, func(_ context.Context, e *webhook.Event) error {
		processed.Add(1)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	recv := httptest.NewTLSServer(h)
	defer recv.Close()
	srv.SetWebhookClient(recv.Client()) // trusts the receiver's certificate

	ds, err := srv.SendWebhooks(context.Background(), recv.URL, []jupicotest.WebhookEvent{
		{Type: webhook.EventMerchantSubmit, Data: json.RawMessage(`{"subMerchantId":"sm_1"}`)},
		{Type: webhook.EventMerchantActivation, Data: json.RawMessage(`{"subMerchantId":"sm_1"}`)},
	}, jupicotest.DeliveryOptions{Duplicates: 1})
	if err != nil {
		log.Fatal(err)
	}
	for _, d := range ds {
		fmt.Println(d.Type, "copy", d.Attempt, "answered", d.StatusCode)
	}
	fmt.Println("processed:", processed.Load())
	// Output:
	// onMerchantSubmit copy 1 answered 200
	// onMerchantActivation copy 1 answered 200
	// onMerchantSubmit copy 2 answered 200
	// onMerchantActivation copy 2 answered 200
	// processed: 2
}
