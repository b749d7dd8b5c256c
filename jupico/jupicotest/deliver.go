package jupicotest

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/webhook"
)

// DefaultWebhookSecret is the Standard Webhooks secret the fake signs
// deliveries with until WithWebhookSecret or SetWebhookSecret changes it.
// It is public, for tests only: never configure it on a production
// endpoint.
const DefaultWebhookSecret = "whsec_anVwaWNvdGVzdCB3ZWJob29rIHNpZ25pbmcga2V5ISE=" // #nosec G101 -- a published test secret

// Delivery limits of the fake's own HTTP client.
const (
	// deliveryTimeout bounds one delivery, connection to end of answer.
	deliveryTimeout = 30 * time.Second
	// maxAnswerBytes is how much of a receiver's answer is read (and
	// discarded) so its connection can be reused.
	maxAnswerBytes = 64 << 10
)

// Delivery is the outcome of one webhook delivery the fake made to a
// receiver: which event, which copy of it, and the HTTP status the receiver
// answered. It is a plain value.
type Delivery struct {
	// ID is the delivery's webhook-id header. Every copy of one event
	// carries the same ID, which is what receivers de-duplicate on.
	ID string
	// Type is the event's type.
	Type webhook.EventType
	// Index is the event's position in the slice given to SendWebhooks
	// (0 for SendWebhook).
	Index int
	// Attempt numbers the copies of one event in the order they were
	// sent: 1 for the first, 2 and up for duplicates.
	Attempt int
	// StatusCode is the receiver's HTTP status; 0 when no answer came.
	StatusCode int
	// Err is why no answer came (connection refused, receiver's
	// certificate not trusted, timeout, context ended); nil when
	// StatusCode is set. A non-2xx answer is not an error.
	Err error
}

// Acknowledged reports whether the receiver answered 2xx, the only answer
// after which Jupico stops redelivering an event.
func (d Delivery) Acknowledged() bool { return d.StatusCode >= 200 && d.StatusCode <= 299 }

// DeliveryOptions shapes a batch sent by SendWebhooks. The zero value sends
// each event once, in order, one at a time.
type DeliveryOptions struct {
	// Duplicates is how many extra copies of each event are delivered, as
	// Jupico's at-least-once delivery may: same webhook-id, byte-identical
	// body, a signature made at the copy's own send time. Without Shuffle
	// every event is sent once before any copy is.
	Duplicates int
	// Shuffle sends the deliveries (copies included) in a random order
	// drawn from the fake's seeded source (WithSeed): events arrive out of
	// order, and a copy of one may come before another's first delivery.
	Shuffle bool
	// Concurrency is how many deliveries may be in flight at once; 0 or 1
	// sends them one after another. Above 1, copies of one event can reach
	// the receiver at the same time.
	Concurrency int
}

// WithWebhookSecret sets the secret the fake signs webhook deliveries with
// (default DefaultWebhookSecret), in the form webhook.NewVerifier accepts.
// A malformed secret is an error wrapping webhook.ErrInvalidSecret (and
// jupico.ErrInvalidOption), which never contains it.
func WithWebhookSecret(secret string) Option {
	return func(s *Server) error {
		if err := s.hooks().setSecret(secret); err != nil {
			return fmt.Errorf("%w: %w", jupico.ErrInvalidOption, err)
		}
		return nil
	}
}

// WithWebhookRootCAs makes the fake deliver webhooks with a client that
// trusts only pool: typically the certificate of the receiver under test,
// such as an httptest.Server's. The client requires TLS 1.2 or newer and
// always verifies the receiver's certificate. Without this option or
// WithWebhookClient the system's roots are trusted. A nil pool is an
// error.
func WithWebhookRootCAs(pool *x509.CertPool) Option {
	return func(s *Server) error {
		if pool == nil {
			return invalid("nil root CA pool for webhook deliveries")
		}
		s.SetWebhookRootCAs(pool)
		return nil
	}
}

// WithWebhookClient makes the fake deliver webhooks with c, for example
// the Client of an httptest TLS server, or one presenting a client
// certificate. A client whose transport skips certificate verification is
// refused when sending; a nil c is an error.
func WithWebhookClient(c *http.Client) Option {
	return func(s *Server) error {
		if c == nil {
			return invalid("nil webhook client")
		}
		s.SetWebhookClient(c)
		return nil
	}
}

// WithSeed seeds the fake's randomness: the webhook ids it generates and
// the order of shuffled deliveries, so a test can replay exactly the same
// run. Without it each Server draws its seed from crypto/rand.
func WithSeed(seed uint64) Option {
	return func(s *Server) error {
		h := s.hooks()
		h.mu.Lock()
		defer h.mu.Unlock()
		h.rng = newRand(seed)
		return nil
	}
}

// WebhookSecret returns the secret the fake signs webhook deliveries with,
// for configuring the verifier of the receiver under test.
func (s *Server) WebhookSecret() string {
	h := s.hooks()
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.secret
}

// SetWebhookSecret switches the secret the fake signs deliveries with from
// now on, as a rotation at Jupico would; deliveries in flight keep the
// secret they were signed with. A malformed secret is refused with an
// error wrapping webhook.ErrInvalidSecret and the previous one stays.
func (s *Server) SetWebhookSecret(secret string) error { return s.hooks().setSecret(secret) }

// SetWebhookRootCAs is WithWebhookRootCAs for a Server already running,
// for example once the receiver under test has started. It replaces any
// client set before.
func (s *Server) SetWebhookRootCAs(pool *x509.CertPool) {
	h := s.hooks()
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closeOwned()
	if pool == nil {
		h.client, h.owned, h.clientErr = nil, nil, errors.New("jupicotest: nil root CA pool for webhook deliveries")
		return
	}
	h.client, h.owned = newDeliveryClient(pool)
	h.clientErr = nil
}

// SetWebhookClient is WithWebhookClient for a Server already running. It
// replaces any client or root CAs set before.
func (s *Server) SetWebhookClient(c *http.Client) {
	h := s.hooks()
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closeOwned()
	h.client, h.owned, h.clientErr = c, nil, nil
	if c == nil {
		return
	}
	if t, ok := c.Transport.(*http.Transport); ok && t.TLSClientConfig != nil && t.TLSClientConfig.InsecureSkipVerify {
		h.client, h.clientErr = nil, errors.New("jupicotest: webhook client skips certificate verification; trust the receiver's certificate with WithWebhookRootCAs instead")
	}
}

// SendWebhook delivers e from the fake to url, an https URL of the
// receiver under test, as Jupico would: a POST of the event envelope,
// signed with the fake's webhook secret by the Standard Webhooks scheme.
// An e without ID gets one from the fake's seeded source.
//
// It returns the Delivery and, when no answer came, an error (also in
// Delivery.Err); the Delivery is nil only when nothing was sent: url is
// not https, e has no Type or invalid Data, or the fake's webhook secret
// or client is misconfigured. Like http.Client.Do, a non-2xx answer is not
// an error: check Delivery.StatusCode. ctx bounds the delivery; the
// default client also gives up after 30 s and reports a redirect as its
// 3xx status without following it. SendWebhook is safe for concurrent use.
func (s *Server) SendWebhook(ctx context.Context, url string, e WebhookEvent) (*Delivery, error) {
	ds, err := s.SendWebhooks(ctx, url, []WebhookEvent{e}, DeliveryOptions{})
	if len(ds) == 0 {
		return nil, err
	}
	return &ds[0], ds[0].Err
}

// SendWebhooks delivers events to url like SendWebhook, shaped by opts:
// duplicate copies, a shuffled order, several in flight at once. Every
// event is checked before anything is sent, so an invalid one sends
// nothing.
//
// The result has one Delivery per request, in the order they were sent.
// The error is nil when every delivery got an answer (whatever its
// status); otherwise it counts those that did not and wraps the first
// cause, so errors.Is(err, context.Canceled) and the like work. When ctx
// ends, the deliveries not yet sent are reported with ctx's error.
// SendWebhooks is safe for concurrent use.
func (s *Server) SendWebhooks(ctx context.Context, url string, events []WebhookEvent, opts DeliveryOptions) ([]Delivery, error) {
	if opts.Duplicates < 0 || opts.Concurrency < 0 {
		return nil, errors.New("jupicotest: negative duplicates or concurrency")
	}
	if err := checkReceiverURL(url); err != nil {
		return nil, err
	}
	h := s.hooks()
	secret, client, owned, err := h.snapshot()
	if err != nil {
		return nil, err
	}
	// Fix what must not change between copies of one event: its id and its
	// body (and so its datetime).
	type prepared struct {
		id       string
		typ      webhook.EventType
		body     []byte
		signedAt time.Time
	}
	evs := make([]prepared, len(events))
	for i, e := range events {
		if e.ID == "" {
			e.ID = h.newID()
		}
		if e.Time.IsZero() {
			e.Time = time.Now()
		}
		body, err := e.Body()
		if err != nil {
			return nil, fmt.Errorf("%w (event %d)", err, i)
		}
		if _, err := webhook.Sign(secret, e.ID, time.Now(), body); err != nil {
			return nil, fmt.Errorf("jupicotest: event %d: %w", i, err)
		}
		evs[i] = prepared{id: e.ID, typ: e.Type, body: body, signedAt: e.SignedAt}
	}

	// Plan: every event once, then each round of copies, then shuffle and
	// number the copies of each event in the order they will be sent.
	plan := make([]Delivery, 0, len(events)*(opts.Duplicates+1))
	for range opts.Duplicates + 1 {
		for i, e := range evs {
			plan = append(plan, Delivery{ID: e.id, Type: e.typ, Index: i})
		}
	}
	if opts.Shuffle {
		h.shuffle(plan)
	}
	copies := make([]int, len(events))
	for i := range plan {
		copies[plan[i].Index]++
		plan[i].Attempt = copies[plan[i].Index]
	}

	send := func(d *Delivery) {
		e := evs[d.Index]
		ts := e.signedAt
		if ts.IsZero() {
			ts = time.Now()
		}
		d.StatusCode, d.Err = deliver(ctx, client, secret, url, e.id, ts, e.body)
	}
	workers := max(1, min(opts.Concurrency, len(plan)))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range jobs {
				send(&plan[i])
			}
		})
	}
	next := 0
dispatch:
	for ; next < len(plan) && ctx.Err() == nil; next++ {
		select {
		case jobs <- next:
		case <-ctx.Done():
			break dispatch
		}
	}
	close(jobs)
	wg.Wait()
	for i := next; i < len(plan); i++ {
		plan[i].Err = ctx.Err()
	}
	if owned != nil {
		owned.CloseIdleConnections()
	}

	var first error
	failed := 0
	for _, d := range plan {
		if d.Err != nil {
			failed++
			if first == nil {
				first = d.Err
			}
		}
	}
	if failed > 0 {
		return plan, fmt.Errorf("jupicotest: %d of %d webhook deliveries got no answer: %w", failed, len(plan), first)
	}
	return plan, nil
}

// deliver sends one signed delivery and returns the receiver's status.
func deliver(ctx context.Context, c *http.Client, secret, url, id string, ts time.Time, body []byte) (int, error) {
	req, err := signedRequest(ctx, secret, url, id, ts, body)
	if err != nil {
		return 0, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxAnswerBytes))
	return resp.StatusCode, nil
}

// checkReceiverURL accepts only https URLs with a host: Jupico delivers
// webhooks over TLS only, and so does the fake.
func checkReceiverURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return errors.New("jupicotest: webhook url must be https:// with a host and no userinfo")
	}
	return nil
}

// webhookState is a Server's webhook-delivery configuration. Its fields
// are guarded by mu.
type webhookState struct {
	mu        sync.Mutex
	secret    string
	secretErr error
	client    *http.Client    // nil: the default client, built on first use
	owned     *http.Transport // the transport of a client the fake built, closed when replaced
	clientErr error
	rng       *mrand.Rand
	url       string // where onboarding events go (SetWebhookURL)
}

// hooks returns s's webhook state, filling in the defaults on first use.
func (s *Server) hooks() *webhookState {
	s.whOnce.Do(func() {
		var seed [8]byte
		_, _ = rand.Read(seed[:])
		s.wh.secret = DefaultWebhookSecret
		s.wh.rng = newRand(binary.LittleEndian.Uint64(seed[:]))
	})
	return &s.wh
}

func newRand(seed uint64) *mrand.Rand {
	return mrand.New(mrand.NewPCG(seed, 0x6a757069636f7465)) // #nosec G404 -- test ids and ordering, not secrets
}

func (h *webhookState) setSecret(secret string) error {
	if _, err := webhook.NewVerifier(secret); err != nil {
		return fmt.Errorf("jupicotest: webhook secret: %w", err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.secret, h.secretErr = secret, nil
	return nil
}

// snapshot returns what one SendWebhooks call uses, building the default
// client on first use.
func (h *webhookState) snapshot() (secret string, c *http.Client, owned *http.Transport, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.secretErr != nil {
		return "", nil, nil, h.secretErr
	}
	if h.clientErr != nil {
		return "", nil, nil, h.clientErr
	}
	if h.client == nil {
		h.client, h.owned = newDeliveryClient(nil)
	}
	return h.secret, h.client, h.owned, nil
}

// closeOwned closes the idle connections of the client the fake built, if
// any, before it is replaced. Called with h.mu held.
func (h *webhookState) closeOwned() {
	if h.owned != nil {
		h.owned.CloseIdleConnections()
	}
}

func (h *webhookState) newID() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var b [12]byte
	binary.LittleEndian.PutUint64(b[:8], h.rng.Uint64())
	binary.LittleEndian.PutUint32(b[8:], h.rng.Uint32())
	return "msg_" + hex.EncodeToString(b[:])
}

func (h *webhookState) shuffle(ds []Delivery) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.rng.Shuffle(len(ds), func(i, j int) { ds[i], ds[j] = ds[j], ds[i] })
}

// newDeliveryClient returns the client the fake delivers with: TLS 1.2 or
// newer, certificates always verified against roots (nil: the system's),
// no proxy, no redirects followed, 30 s per delivery.
func newDeliveryClient(roots *x509.CertPool) (*http.Client, *http.Transport) {
	t := &http.Transport{
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots},
		ForceAttemptHTTP2:     true,
		MaxIdleConnsPerHost:   16,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: deliveryTimeout,
	}
	return &http.Client{
		Transport:     t,
		Timeout:       deliveryTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}, t
}
