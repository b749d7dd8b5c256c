// Command webhook-receiver runs a Jupico webhook endpoint the way production
// should: HTTPS only (TLS 1.2 or newer), Standard Webhooks signatures
// verified, deliveries from outside an allow list refused, and every event
// processed once however many times it arrives. The in-process fake Jupico
// (jupico/jupicotest) then delivers three onboarding events to it, each
// twice, shuffled and two at a time, as at-least-once delivery may; an
// impostor without the signing secret delivers one more; and a captured
// delivery is replayed ten minutes later. The program prints what it
// processed and what it dropped, and fails unless every event was processed
// exactly once and both forgeries were refused.
//
//	go run ./examples/webhook-receiver
//	go run ./examples/webhook-receiver -allow 203.0.113.0/24   # nothing passes the allow list
//
// It needs no set-up and no account, and JUPICO_ENV is ignored: Jupico's
// sandbox delivers webhooks only to a public HTTPS URL registered in its
// Backoffice, which a program on a laptop does not have, so the sender is
// always the fake. The receiving side is what you deploy: serve the same
// handler behind your certificate, with the signing secret from the
// environment (JUPICO_WEBHOOK_SECRET) instead of the fake's, the source
// ranges agreed with Jupico instead of loopback, and a replay store shared
// by your replicas.
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jupico/jupico-go/jupico/jupicotest"
	"github.com/jupico/jupico-go/webhook"
)

func main() {
	var cfg config
	allow := flag.String("allow", "127.0.0.0/8,::1/128", "comma-separated networks allowed to deliver")
	flag.Uint64Var(&cfg.seed, "seed", 1, "seed of the fake's ids and delivery order")
	flag.Parse()
	cfg.allow = strings.Split(*allow, ",")
	if err := run(context.Background(), os.Stdout, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "webhook-receiver:", err)
		os.Exit(1)
	}
}

type config struct {
	allow []string // networks allowed to deliver
	seed  uint64   // the fake's randomness
}

// events are what the fake delivers: one merchant's onboarding, start to
// finish.
var events = []jupicotest.WebhookEvent{
	{Type: webhook.EventApplicationInitiated, Data: json.RawMessage(`{"onboardingId":"onb_1","applicationId":"app_1"}`)},
	{Type: webhook.EventMerchantSubmit, Data: json.RawMessage(`{"onboardingId":"onb_1","applicationId":"app_1","subMerchantId":"sm_demo_1"}`)},
	{Type: webhook.EventMerchantActivation, Data: json.RawMessage(`{"onboardingId":"onb_1","applicationId":"app_1","subMerchantId":"sm_demo_1",` +
		`"identity":{"business":{"legalName":"Analytical Engines LLC"}}}`)},
}

// receiver is the merchant's side: the processing function and what it saw.
type receiver struct {
	mu         sync.Mutex
	processed  map[string]string // webhook-id -> what was done
	duplicates int               // copies of processed events, acknowledged without processing
	inProgress int               // copies that came while the first was being processed (503)
	refused    map[string]int    // reason -> count
}

// process is the business logic, called once per event.
func (r *receiver) process(_ context.Context, e *webhook.Event) error {
	var what string
	switch e.Type {
	case webhook.EventMerchantActivation:
		m, err := e.MerchantActivation()
		if err != nil {
			return err // 500: Jupico redelivers, and the event is processed then
		}
		what = fmt.Sprintf("activated sub-merchant %s (%s)", m.SubMerchantID, m.Identity.Business.LegalName)
	case webhook.EventApplicationInitiated:
		m, err := e.ApplicationInitiated()
		if err != nil {
			return err
		}
		what = "application " + m.ApplicationID + " started"
	case webhook.EventMerchantSubmit:
		m, err := e.MerchantSubmit()
		if err != nil {
			return err
		}
		what = "application submitted by sub-merchant " + m.SubMerchantID
	default:
		what = "recorded " + string(e.Type) // dispute, payout and future events: e.Data is raw JSON
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.processed[e.ID] = what
	return nil
}

// reject is the handler's OnReject hook: the reasons carry no secret and no
// body, so they may be logged as they are.
func (r *receiver) reject(_ *http.Request, reason error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if errors.Is(reason, webhook.ErrInProgress) {
		r.inProgress++
		return
	}
	r.refused[reason.Error()]++
}

// dedupStore wraps the replay store to count the duplicates it drops.
// Embedding the wrapped ReplayStore gives it Done, Release and the base
// that every ReplayStore embeds.
type dedupStore struct {
	webhook.ReplayStore
	r *receiver
}

// Claim is the wrapped store's, counting the events it reports as processed.
func (s dedupStore) Claim(ctx context.Context, id string, lease time.Duration) (webhook.Claim, error) {
	c, err := s.ReplayStore.Claim(ctx, id, lease)
	if errors.Is(err, webhook.ErrDuplicate) {
		s.r.mu.Lock()
		s.r.duplicates++
		s.r.mu.Unlock()
	}
	return c, err
}

func run(ctx context.Context, out io.Writer, cfg config) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()

	fake := jupicotest.Start(jupicotest.WithSeed(cfg.seed))
	defer fake.Close()
	// In production: os.Getenv("JUPICO_WEBHOOK_SECRET"), or a rotating
	// credentials.SecretSet through webhook.WithSecretSource.
	secret := fake.WebhookSecret()

	r := &receiver{processed: map[string]string{}, refused: map[string]int{}}
	verifier, err := webhook.NewVerifier(secret)
	if err != nil {
		return err
	}
	sources, err := webhook.AllowSources(cfg.allow...)
	if err != nil {
		return err
	}
	handler, err := webhook.NewHandler(
		webhook.All(sources, verifier), // the cheap address check first
		r.process,
		webhook.WithReplayStore(dedupStore{webhook.NewMemoryStore(0, nil), r}),
		webhook.OnReject(r.reject),
	)
	if err != nil {
		return err
	}
	url, cert, stop, err := serve(handler)
	if err != nil {
		return err
	}
	defer stop()
	fmt.Fprintf(out, "receiver: %s\n", url)
	fmt.Fprintf(out, "  TLS 1.2+, signatures verified, allowed sources %s, duplicates dropped by webhook-id\n", strings.Join(cfg.allow, " "))

	// The fake trusts the receiver's certificate, as Jupico trusts yours
	// through the public CAs.
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	fake.SetWebhookRootCAs(pool)

	fmt.Fprintf(out, "fake Jupico delivers %d events, each twice, shuffled, 2 at a time\n", len(events))
	ds, err := fake.SendWebhooks(ctx, url, events, jupicotest.DeliveryOptions{Duplicates: 1, Shuffle: true, Concurrency: 2})
	if err != nil {
		return err
	}
	for _, d := range ds {
		fmt.Fprintf(out, "  %s %-22s copy %d -> %d\n", d.ID, d.Type, d.Attempt, d.StatusCode)
	}

	fmt.Fprintln(out, "an impostor without the signing secret delivers an activation")
	impostor := jupicotest.Start(jupicotest.WithWebhookSecret(randomSecret()), jupicotest.WithWebhookRootCAs(pool))
	defer impostor.Close()
	forged, err := impostor.SendWebhook(ctx, url, events[2])
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  %s -> %d\n", forged.ID, forged.StatusCode)

	fmt.Fprintln(out, "a captured delivery is replayed ten minutes later")
	replay := events[2]
	for _, d := range ds {
		if d.Index == 2 {
			replay.ID = d.ID // the activation's own webhook-id, signature and all
		}
	}
	replay.SignedAt = time.Now().Add(-10 * time.Minute)
	replayed, err := fake.SendWebhook(ctx, url, replay)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  %s -> %d\n", replayed.ID, replayed.StatusCode)

	return r.report(out, ds, forged, replayed)
}

// report prints what was processed and dropped, and checks the receiver did
// its job.
func (r *receiver) report(out io.Writer, ds []jupicotest.Delivery, forged, replayed *jupicotest.Delivery) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	ids := make([]string, len(events))
	for _, d := range ds {
		ids[d.Index] = d.ID
	}
	fmt.Fprintln(out, "processed, once each:")
	for i, id := range ids {
		if what, ok := r.processed[id]; ok {
			fmt.Fprintf(out, "  %s %s: %s\n", id, events[i].Type, what)
		}
	}
	fmt.Fprintln(out, "dropped:")
	fmt.Fprintf(out, "  %d duplicate copies (%d acknowledged as already processed, %d answered 503 while the first was in progress)\n",
		r.duplicates+r.inProgress, r.duplicates, r.inProgress)
	reasons := make([]string, 0, len(r.refused))
	for reason := range r.refused {
		reasons = append(reasons, reason)
	}
	slices.Sort(reasons)
	refused := 0
	for _, reason := range reasons {
		fmt.Fprintf(out, "  %d refused: %s\n", r.refused[reason], reason)
		refused += r.refused[reason]
	}
	fmt.Fprintf(out, "summary: %d processed, %d duplicates dropped, %d refused\n", len(r.processed), r.duplicates+r.inProgress, refused)

	switch {
	case len(r.processed) != len(events):
		return fmt.Errorf("processed %d of %d events", len(r.processed), len(events))
	case r.duplicates+r.inProgress != len(ds)-len(events):
		return fmt.Errorf("dropped %d of %d duplicate copies", r.duplicates+r.inProgress, len(ds)-len(events))
	case forged.StatusCode != http.StatusUnauthorized || replayed.StatusCode != http.StatusUnauthorized:
		return fmt.Errorf("forgeries answered %d and %d, want 401", forged.StatusCode, replayed.StatusCode)
	}
	return nil
}

// serve starts an HTTPS server for h on a loopback port with a fresh
// self-signed certificate, and returns its webhook URL, the certificate and
// a function that shuts it down.
func serve(h http.Handler) (string, *x509.Certificate, func(), error) {
	cert, leaf, err := selfSigned()
	if err != nil {
		return "", nil, nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("POST /webhooks/jupico", h)
	srv := &http.Server{
		Handler:           mux,
		TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}},
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      time.Minute + 10*time.Second, // the handler's processing timeout, and some
		IdleTimeout:       time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          log.New(os.Stderr, "webhook-receiver: ", 0),
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.ServeTLS(ln, "", "")
	}()
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	}
	return "https://" + ln.Addr().String() + "/webhooks/jupico", leaf, stop, nil
}

// selfSigned makes an ECDSA P-256 certificate for the loopback addresses,
// valid for an hour. In production the certificate comes from a public CA.
func selfSigned() (tls.Certificate, *x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "webhook-receiver example"},
		NotBefore:    now.Add(-time.Minute),
		NotAfter:     now.Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, leaf, nil
}

// randomSecret is a well-formed signing secret nobody shares.
func randomSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}
