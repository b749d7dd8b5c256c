// Package webhook receives Jupico event notifications: it authenticates each
// delivery, drops duplicates, decodes the event strictly and hands it to your
// code, behind a hardened http.Handler.
//
// Jupico notifies onboarding, dispute and payout events by POSTing JSON to
// an HTTPS endpoint of yours, at least once: the same event can arrive
// several times, and a delivery your endpoint does not acknowledge with 2xx
// is sent again. Jupico documents no signature scheme. This package therefore
// verifies the open Standard Webhooks scheme when the endpoint has a signing
// secret, and offers HTTP Basic credentials and source-address allow lists for
// endpoints that have none.
//
// The package does not depend on the API client in package jupico; it needs
// only the standard library and package credentials.
//
// # Quick start
//
//	v, err := webhook.NewVerifier(os.Getenv("JUPICO_WEBHOOK_SECRET"))
//	if err != nil {
//		log.Fatal(err) // an empty or short secret is an error, never "no verification"
//	}
//	h, err := webhook.NewHandler(v, func(ctx context.Context, e *webhook.Event) error {
//		switch e.Type {
//		case webhook.EventMerchantActivation:
//			m, err := e.MerchantActivation()
//			if err != nil {
//				return err
//			}
//			return activate(ctx, m.SubMerchantID) // an error answers 500: Jupico redelivers
//		}
//		return nil // 200, including for event types you do not handle
//	})
//	if err != nil {
//		log.Fatal(err)
//	}
//	http.Handle("POST /webhooks/jupico", h)
//
// # Signatures
//
// A signed delivery carries three headers: webhook-id (unique per event,
// the same on every redelivery), webhook-timestamp (Unix seconds of the
// attempt) and webhook-signature, a space-separated list of "v1,<base64>"
// entries. Each v1 value is the HMAC-SHA256, under the endpoint's secret, of
// the bytes id + "." + timestamp + "." + body. The svix-id, svix-timestamp
// and svix-signature names are accepted too when no webhook- header is
// present; the two families are never mixed.
//
// Verifier.Verify is deliberately strict:
//
//   - The body is verified byte for byte as received. Never re-encode JSON
//     before verifying: a single changed space fails.
//   - Repeated webhook-id or webhook-timestamp lines are refused (two readers
//     could pick different ones); repeated signature lines are all
//     considered.
//   - The timestamp must be canonical decimal seconds ("+1", " 1", "1.0" and
//     "01" are refused) within the tolerance, 5 minutes by default, in both
//     directions. A timestamp exactly at the limit passes. There is no switch
//     to turn the check off; WithTolerance accepts at most one hour.
//   - Only v1 entries count. An entry of another version (v1a, v2) is
//     skipped; an entry without a "version," prefix makes the header
//     invalid; a v1 value that is not padded standard base64 of 32 bytes is
//     no match. At most 16 entries and 4 KiB are looked at.
//   - The MAC is computed once per accepted secret, streaming id, timestamp
//     and body (no concatenated copy), and compared to each decoded
//     candidate with hmac.Equal. Steady-state verification allocates
//     nothing.
//
// Every failure matches exactly one sentinel through errors.Is:
// ErrMissingHeaders, ErrInvalidHeader, ErrTimestampTooOld,
// ErrTimestampTooNew, ErrNoMatchingSignature, ErrBodyTooLarge, or
// ErrInvalidSecret (a SecretSource gave an empty or invalid set). Error texts
// never contain a secret or the body.
//
// # Secrets and rotation
//
// A secret is "whsec_" followed by standard base64 of 24 to 64 random bytes;
// the prefix is optional. To rotate, accept both secrets for a while:
// WithSecrets adds fixed ones, and WithSecretSource reads the accepted set
// from a SecretSource (package credentials provides one) on every Verify, so
// a rotation needs no restart. The verifier caches the decoded keys for as
// long as the source returns the same slice. An empty or invalid set fails
// closed: every delivery is refused until the set is fixed.
//
// # Events
//
// Verifier.Parse verifies, then decodes Jupico's envelope
// {"event", "datetime", "data"} into an Event. The decoder refuses what two
// JSON readers could understand differently: duplicate keys anywhere
// (compared case-insensitively, since encoding/json matches field names that
// way), data after the object, nesting deeper than 64 levels, invalid UTF-8
// and lone surrogate escapes. Such bodies give ErrInvalidPayload.
//
// Event types are EventType constants for the documented onboarding events
// (EventApplicationInitiated, EventMerchantSubmit, EventMerchantActivation),
// whose data the accessors ApplicationInitiated, MerchantSubmit and
// MerchantActivation decode into an Onboarding. Any other type, such as the
// undocumented dispute and payout events, parses fine with Data left raw:
// decode it with encoding/json into your own type.
//
// # The handler
//
// NewHandler wraps an Authenticator and your function into an http.Handler
// that answers as Jupico (or any at-least-once sender) needs:
//
//	405  not POST
//	403  plain HTTP (see Proxies and HTTPS)
//	415  Content-Type other than application/json
//	413  body over the cap, read through http.MaxBytesReader
//	401  authentication failed; the response gives no detail
//	400  authentic but malformed
//	200  duplicate of an event already processed; your function is not called
//	503  the same event is being processed right now, or the replay store is down
//	500  your function returned an error or panicked
//	200  your function returned nil
//
// The OnReject hook receives every non-2xx answer's reason, for alerting and
// intrusion detection, with a copy of the request stripped of its body and of
// the Authorization, Proxy-Authorization and Cookie headers.
//
// Your function receives a context carrying the request's values, with the
// processing timeout (WithProcessingTimeout, 1 minute by default) as
// deadline, but not the request's cancellation: once processing has started,
// a sender that stops waiting does not abort it halfway.
//
// WithObserver reports every delivery to an Observer (for metrics): its
// result, the category of why it was not processed, and the event's type,
// never a header value, the body or a secret.
//
// # De-duplication
//
// Deliveries are de-duplicated by Event.ID through a ReplayStore, only after
// they are authenticated, so that nobody without the secret can fill it. The
// store works as a claim and a done mark:
//
//   - the first delivery claims the id (ReplayStore.Claim) and runs your
//     function;
//   - on success the claim becomes a done mark (Done), kept for the replay
//     TTL (72 hours by default), and later deliveries get 200 without
//     running your function;
//   - on an error or a panic the claim is released (Release), so the
//     redelivery runs your function again;
//   - a delivery that arrives while another holds the claim gets 503 with
//     Retry-After, never 2xx, because the first may still fail: the sender
//     must come back, and by then the event is either done (200) or free to
//     be processed again.
//
// A claim lasts as long as the processing timeout, so that a process that
// dies mid-event does not block the event forever. The default MemoryStore
// is bounded (100,000 entries), evicts by TTL, and only sees deliveries
// that reach its own process: with several replicas, give every handler one
// shared store (WithReplayStore).
//
// # Endpoints without a signing secret
//
// BasicAuth checks the Authorization header in constant time. AllowSources
// admits only given networks. All requires several authenticators at once;
// put the cheap source check first. Without a signature a delivery carries no
// signed id, so Event.ID is the webhook-id header if present, else
// "sha256:" and the hex digest of the body.
//
// # Proxies and HTTPS
//
// Jupico requires webhook endpoints to use TLS, and the handler refuses
// requests that did not arrive over it. When TLS ends at a load balancer,
// list it with WithTrustedProxies: from those peers only, X-Forwarded-Proto
// must say https (in every value) and X-Forwarded-For is walked from the
// right past trusted proxies to find the client address. From any other peer
// both headers are ignored.
//
// # Testing your handler
//
// Sign computes the webhook-signature value for a secret, id, time and body,
// so tests can build deliveries that verify; see the examples.
//
// # Performance
//
// Verify costs one HMAC-SHA256 pass over the body per accepted secret and
// allocates nothing, whatever the body size (BenchmarkVerify compares it with
// a bare HMAC over the same bytes). Parse validates the JSON in one pass
// without building values, then copies the data member once.
package webhook
