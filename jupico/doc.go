// Package jupico is the client for Jupico's payments API.
//
// # Getting started
//
// A card merchant needs these names, and little else:
//
//	client, err := jupico.NewClient(                        // one per process, shared
//		jupico.WithCredentials(credentials.FromEnv()),         // or a file, a command, Vault...
//		jupico.WithJournal(j),                                 // rollbacks survive a crash
//	)
//	defer client.Close()
//	tx, err := client.CreditCard.Sale(ctx, &jupico.ChargeRequest{
//		SubMerchantID: "m1",
//		Amount:        jupico.Cents(2500),                     // money is an Amount, never a float
//		PaymentToken:  jupico.OneTimeToken(payload),           // from Jupico's web components
//		Reference:     "order-7",
//	})
//	switch {
//	case err == nil:                                        // approved: tx.ID, tx.AuthCode
//	case errors.Is(err, jupico.ErrDeclined):                // *APIError: Code, Message for the customer
//	case errors.Is(err, jupico.ErrRolledBack):              // unknown outcome, reversed: safe to retry
//	case errors.Is(err, jupico.ErrIndeterminate):           // unknown outcome, rollback owed: do not retry
//	case errors.Is(err, jupico.ErrValidation):              // refused before sending: fix the request
//	}
//
// Then CreditCard.Authorize, Capture, Void and Refund; Query.Transactions
// with All to read back; jupicotest.NewServer and jupicomock in tests.
// NewClient validates every option and fails on bad configuration (what
// can be known without I/O), so a mistake shows up at start-up. There is
// no package-level state: no global key, no default client. The rest of
// this package (the platform services, the journal's types, observation)
// is there when you need it.
//
// # Services
//
// Each group of Jupico's operations is a service on the Client, behind an
// interface that package jupicomock mocks: CreditCard, ECheck and Sessions
// take payments; OnboardingInvites and Provisioning bring merchants on;
// PaymentLinks, Checkouts and Invoices collect from customers; Plans,
// Subscriptions and Installments charge on a schedule; Payouts pays
// merchants out; Query reads everything back. Every list query returns a
// Page and pages with All.
//
// The platform services share one path: their requests carry an Extra map
// merged into the body (a key that collides with a typed field is refused),
// their results keep Raw, the answer's data as sent, and every string in a
// request is refused if it holds what looks like a card number. Ref and
// the update requests address an existing resource; money is always an
// Amount.
//
// # Updates
//
// Each update operation takes a request type of its own (PaymentLinkUpdate,
// CheckoutUpdate, InvoiceUpdate, PlanUpdate, InviteUpdate) whose optional
// fields are pointers, slices or maps: nil is not sent and leaves the
// member as it is; anything else is sent, zero values included, so
// Reusable: Ptr(false) sets false, Cycles: Ptr(0) sets 0, Reference:
// Ptr("") clears a text member and ExpiresOn: &Date{} (sent as null) a
// date. Members a resource cannot do without may be changed but not
// cleared. An update that sets nothing is refused with a *ValidationError.
// There is no generic update type: each operation accepts only its own, so
// an update of the wrong resource, or of a non-request type, does not
// compile.
//
// # Environments and credentials
//
// The default environment is EnvironmentSandbox;
// WithEnvironment(EnvironmentProduction) selects the live platform.
// Credentials come from credentials.FromEnv unless WithCredentials says
// otherwise (JUPICO_API_USERNAME and
// JUPICO_API_PASSWORD, or the pre-encoded JUPICO_API_KEY). The provider is
// asked before every attempt, so a rotated key takes effect without a
// restart; a 401 for a key that has since changed is sent again with the
// new one, up to three times in one call (Jupico processed nothing on a 401).
//
// # Security defaults
//
// TLS 1.2 or newer, with TLS 1.2 suites pinned to ECDHE and AES-GCM or
// ChaCha20-Poly1305, so no GODEBUG setting can bring back RSA key exchange,
// CBC or 3DES. Certificate verification is always on: there is no option or
// environment variable that disables it, and WithRootCAs is the only way to
// trust a private CA. Base URLs must be https:// with no userinfo, query or
// fragment. Redirects are never followed, so the Authorization header and
// bodies never reach another host or plain HTTP. HTTP/2 is kept on purpose,
// TLS sessions are resumed, the idle pool is sized for concurrency, and
// HTTPS_PROXY is honoured with TLS still end to end to Jupico (one that does
// not parse fails NewClient rather than letting requests go direct). Response
// bodies are read through a 1 MiB cap. Logs (slog, discarded unless
// WithLogger is given) never carry headers, bodies, credentials or query
// strings.
//
// # Retries
//
// Retries can never double-charge. Reads (Status, queries) are retried on
// transport failures and on 429, 502, 503 and 504. Transactions and other
// writes are retried only on 503, which Jupico documents as safe, and when
// the request never left the client. A timeout, a 500 or a connection
// broken after the request was written leaves the outcome unknown and is
// never retried. Operations that may move money are transactions: card and
// eCheck transactions, creating or activating a subscription, creating an
// installment plan, creating a payout. An unknown outcome is an
// *IndeterminateError; the client rolls it back where Jupico defines a
// rollback (cards) and otherwise reports it for reconciliation. Waits use capped exponential backoff with full jitter,
// honour Retry-After up to the cap, and end when the context does. See
// RetryPolicy.
//
// # When the process dies
//
// WithJournal makes the rollback Jupico requires survive the process: the
// intent of every money-moving request is recorded durably before it is
// sent and its outcome before the caller hears it. The client's background
// recovery (at start, then every WithRecoveryInterval, until Close) rolls
// back what a dead process or a dead replica left unknown, sends again
// the rollbacks Jupico did not acknowledge, with backoff, and settles the
// requests that have no rollback (payouts, subscriptions, eCheck) by
// looking them up by reference; Owed says what is still owed. Package
// jupico/journal keeps the journal in a local file, jupico/pgjournal in
// PostgreSQL for replicas.
//
// # Metrics and traces
//
// WithObserver reports every call, attempt, rollback, re-send after a 401
// and credentials refresh to an Observer, without a credential, body,
// header value, token or reference in anything it is given. Package
// jupico/jupicotel is an Observer on OpenTelemetry: a span per call and
// the metrics operators watch. With no Observer the client does none of
// this work.
//
// # Drift
//
// Every answer the client decodes is compared, by member name, with what
// the SDK models of it: a member of the answer's data (or of a list's
// records, "payouts[].bankName") that the SDK does not model is
// DriftUnknownMember, a member it relies on (a transaction's id and
// status, a created resource's id, a list) that did not come is
// DriftMissingMember. Each is logged once per client at WARN (operation,
// member and kind, never the value) and given to Observer.Drift on every
// call. An unknown member is harmless and stays in the result's Raw; a
// missing one means the SDK may be reading that operation's answers
// wrongly. An answer without drift costs no allocation. At most 32
// members of one answer are reported, and a client logs at most 256
// distinct drifts (then one line saying it logs no more).
//
// # Errors
//
// An HTTP answer that is not a success is an *APIError; errors.Is matches
// ErrUnauthorized, ErrForbidden, ErrNotFound, ErrInvalidPayload,
// ErrRateLimited, ErrServiceUnavailable or ErrServerError. A call with no
// usable answer is a *RequestError; errors.Is matches ErrTimeout,
// ErrCertificate, ErrTLSHandshake, ErrRedirect, ErrResponseTooLarge,
// ErrConnection, ErrCredentials, ErrRateLimiter or ErrTransportPolicy, and
// MaybeProcessed tells whether Jupico may have acted on the request.
// Transport errors are classified by type, never by their message text.
//
// # Testing
//
// Package jupico/jupicotest runs a fake Jupico over real TLS in-process,
// with every operation of the client; package jupico/jupicomock has testify
// mocks of every service interface.
package jupico
