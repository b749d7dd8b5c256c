// Package jupicotest is an in-process fake of Jupico's API for tests and
// examples: a real HTTPS server on loopback, with its own certificate, that
// enforces Basic auth and the application/json content type with Jupico's
// documented 401 codes, serves every endpoint the SDK calls from a stateful
// ledger, misbehaves on demand, records what it receives, and delivers
// signed webhooks to the receiver under test.
//
// # Use in tests
//
//	srv := jupicotest.NewServer(t)     // closed when the test ends
//	client := srv.Client()             // trusts the fake's certificate
//	st, err := client.Status(ctx)
//
// The client trusts the fake through jupico.WithRootCAs; certificate
// verification is never turned off. NewClient returns the client and an
// error instead of failing the test, and ClientOptions gives the options to
// combine with your own.
//
// # Use outside tests
//
// Start returns a Server without a testing.T, for example programs,
// benchmarks and local development; Close it when done. Every method works
// the same on both.
//
// # The ledger
//
// The fake keeps the transactions it approved: sales, authorizations and
// eCheck sales, with what was captured, refunded and voided. It enforces
// what Jupico does: a capture only of an authorization and at most its
// amount, refunds up to what was captured, no void once settled (Settle
// runs the end-of-day batch), and a rollback reverses the request it
// carries. The sandbox test token (TestToken) triggers the documented
// outcomes: 90.20, 90.23 and 90.24 are declined, 101.10 answers 503 and
// 101.11 answers 500. Transaction and Transactions show the ledger.
//
// # The platform
//
// Every other operation of the client is served too, statefully. Invites
// move Created, Sent, Re-sent, Initiated, Onboarding, or Cancelled and
// Expired (ExpireInvite); AdvanceInvite plays the invited merchant's next
// step and delivers its onboarding webhook (onApplicationInitiated,
// onMerchantSubmit, onMerchantActivation) to the URL set with
// SetWebhookURL. Provisioning creates applicants, applications and
// sub-merchants, in review until ApproveMerchant. Plans, subscriptions,
// installment plans, payment links and checkouts activate, deactivate and
// delete; an invoice is voided once; a subscription needs an active plan.
// Creating or activating a subscription and creating an installment plan
// charge through the ledger, with the sandbox triggers, what Jupico
// documents is due at once. A merchant's balance rises with settled sales
// and falls by each payout, dispute (OpenDispute, ResolveDispute) and fee;
// a payout can be voided until ProcessPayouts. Every query pages over what
// was created, filtered by its top-level members.
//
// # Faults
//
// Inject makes the requests a Matcher selects misbehave as a Fault says:
//
//	// The next sale of 19.99 is processed, then the connection drops before
//	// the answer: the outcome is unknown to the client, which must roll back.
//	srv.Inject(jupicotest.And(
//		jupicotest.Path("/v1/transactions/creditcard/sale"),
//		jupicotest.BodyContains(`"amount":19.99`),
//	), jupicotest.Fault{DropConnection: true, AfterProcessing: true, Times: 1})
//
// A Fault can answer with a status and Jupico's error envelope carrying a
// code and message (a 400 with no code is a "failed" transaction), add a
// Retry-After or other headers, replace the body with malformed or huge
// content, delay the answer, drip it one byte at a time, reset the
// connection part-way through the body, or drop the connection without an
// answer. Without AfterProcessing the fault replaces processing (nothing is
// recorded in the ledger); with it the request is processed first, the
// realistic case of a lost answer. Times limits how many requests the fault
// applies to; Injection.Hits counts them and Injection.Remove withdraws the
// fault. Faults are tried in the order they were added and authentication
// is always checked first, so a fault never hides a 401. InjectFault is the
// shorthand for one path.
//
// # Drift
//
// SetDrift makes one operation's successful answers differ from the SDK's
// model, as a change at Jupico would: members renamed (Drift.Rename) or
// added (Drift.Add), in the answer's data and in each record of a list.
// The client then reports them (jupico.Observer's Drift, and a warning in
// its log):
//
//	srv.SetDrift("creditcard.sale", jupicotest.Drift{Add: map[string]any{"surcharge": 1.5}})
//
// # Inspection
//
// Requests returns what the fake received, oldest first (method, path,
// Basic-auth user, content type, user agent, body, protocol); RequestsTo
// filters by path and Rollbacks returns the rollbacks. Reset forgets
// requests and faults. AddCredentials makes the fake accept a second key, as
// creating one in Jupico's Backoffice does; SetCredentials makes it accept
// only the given key, as revoking the others does.
//
// # Webhooks
//
// SendWebhook delivers an event from the fake to the merchant's endpoint,
// as Jupico would: an HTTPS POST of the {"event","datetime","data"}
// envelope, signed by the Standard Webhooks scheme (webhook-id,
// webhook-timestamp, webhook-signature) with the fake's secret
// (WebhookSecret; WithWebhookSecret or SetWebhookSecret change it, for
// example to test a rotation). The fake verifies the receiver's
// certificate: trust a test receiver with WithWebhookRootCAs or
// SetWebhookRootCAs, or hand over its client with WithWebhookClient or
// SetWebhookClient. A client that skips verification is refused.
//
//	recv := httptest.NewTLSServer(handler) // your webhook.NewHandler
//	srv.SetWebhookClient(recv.Client())
//	d, err := srv.SendWebhook(ctx, recv.URL+"/webhooks/jupico", jupicotest.WebhookEvent{
//		Type: webhook.EventMerchantActivation,
//		Data: json.RawMessage(`{"subMerchantId":"sm_1"}`),
//	})
//	// d.StatusCode is your handler's answer
//
// SendWebhooks sends a batch the way at-least-once delivery really arrives:
// DeliveryOptions asks for duplicate copies (same webhook-id, same body),
// a shuffled order and several deliveries in flight at once, and the result
// reports each delivery's status. WithSeed makes generated ids and the
// shuffled order repeatable. To build a signed request without sending it,
// use NewWebhookRequest.
//
// # Concurrency
//
// A Server's methods are safe for concurrent use, including while it
// serves requests and delivers webhooks.
package jupicotest
