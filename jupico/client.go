package jupico

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/internal/pipeline"
	"github.com/jupico/jupico-go/internal/transport"
	"github.com/jupico/jupico-go/internal/wire"
)

// Default timeouts.
const (
	// DefaultTimeout bounds one attempt of a non-transaction request.
	DefaultTimeout = 30 * time.Second
	// DefaultTransactionTimeout bounds one attempt of a transaction: the
	// 35 s Jupico documents.
	DefaultTransactionTimeout = 35 * time.Second
)

// Client talks to Jupico's API. Create one with NewClient and share it: it is
// safe for concurrent use and keeps a pool of TLS connections. There is no
// package-level default client and no global key.
type Client struct {
	// CreditCard sends card transactions.
	CreditCard *CreditCardService
	// ECheck sends eCheck (ACH) transactions.
	ECheck *ECheckService
	// Sessions creates browser authorization sessions for the web
	// components.
	Sessions *SessionsService
	// Query runs the Query API: transactions, merchants, balances,
	// disputes and every platform resource.
	Query *QueryService
	// OnboardingInvites invites merchants to onboard.
	OnboardingInvites *OnboardingInvitesService
	// Provisioning creates applicants, applications and sub-merchants.
	Provisioning *ProvisioningService
	// PaymentLinks manages shareable payment links.
	PaymentLinks *PaymentLinksService
	// Checkouts manages hosted checkout sessions.
	Checkouts *CheckoutsService
	// Invoices bills merchants' customers.
	Invoices *InvoicesService
	// Plans manages subscription plans.
	Plans *PlansService
	// Subscriptions enrols customers in plans.
	Subscriptions *SubscriptionsService
	// Installments splits totals into scheduled payments.
	Installments *InstallmentsService
	// Payouts pays merchants' balances out on demand.
	Payouts *PayoutsService

	common  service
	p       *pipeline.Pipeline
	env     Environment
	baseURL string
	cache   *credentials.Cache // owned: closed by Close

	noAutoRollback  bool
	rollbackTimeout time.Duration
	rollbackHook    func(context.Context, RollbackEvent)
	logger          *slog.Logger
	now             func() time.Time
	observer        Observer      // nil: none
	calls           atomic.Uint64 // the IDs of observed calls
	host            string        // the API's host, as observers are told
	drift           driftLog      // the drifts logged, see drift.go
	recoveryState
}

// NewClient returns a client configured by opts. With no options it talks to
// the Sandbox with credentials from the environment (credentials.FromEnv).
// NewClient does no I/O; what can be checked without it fails here, not on
// the first payment, with an error matching ErrInsecureBaseURL or
// ErrInvalidOption: every option's value, a proxy variable (HTTPS_PROXY,
// HTTP_PROXY, lower case too) that does not parse as a proxy URL, and, when
// WithCredentials is not given, none of the variables credentials.FromEnv
// reads being set (that error also matches credentials.ErrNoCredentials).
// Credentials themselves (their form, a _FILE, another provider) are read
// at the first request and by every refresh.
func NewClient(opts ...Option) (*Client, error) {
	cfg := config{env: EnvironmentSandbox, timeout: DefaultTimeout, txnTimeout: DefaultTransactionTimeout, rollbackTimeout: DefaultRollbackTimeout}
	for _, o := range opts {
		if o == nil {
			return nil, invalid("nil option")
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if cfg.baseURL == "" {
		cfg.baseURL = cfg.env.BaseURL()
	}
	base, err := url.Parse(cfg.baseURL)
	if err != nil {
		return nil, ErrInsecureBaseURL
	}
	// What can be known without I/O fails here, not on the first payment:
	// a proxy variable that does not parse (net/http would ignore it and
	// connect directly) and, for the environment provider, nothing set.
	proxy, err := transport.ProxyFromEnvironment()
	if err != nil {
		return nil, invalid("%v", err)
	}
	if cfg.creds == nil {
		if err := envCredentialsSet(); err != nil {
			return nil, err
		}
		cfg.creds = credentials.FromEnv()
	}
	// Credentials are read before every attempt: serve them from a cache
	// (a lock-free load) unless the caller brought one of their own.
	var ownCache *credentials.Cache
	if _, ok := cfg.creds.(*credentials.Cache); !ok {
		var opts []credentials.Option
		if cfg.observer != nil {
			opts = append(opts, RefreshObserver(cfg.observer))
		}
		if ownCache, err = credentials.NewCache(cfg.creds, opts...); err != nil {
			return nil, err
		}
		cfg.creds = ownCache
	}
	if cfg.logger == nil {
		cfg.logger = slog.New(slog.DiscardHandler)
	}
	retry := cfg.retry.withDefaults()
	rbRetry := cfg.rollbackRetry
	if rbRetry.MaxAttempts == 0 {
		rbRetry.MaxAttempts = 5
	}
	rbRetry = rbRetry.withDefaults()
	ua := "jupico-go/" + Version + " go/" + runtime.Version()
	if cfg.uaSuffix != "" {
		ua += " " + cfg.uaSuffix
	}
	t := transport.New(transport.Options{
		RootCAs:             cfg.roots,
		Certificates:        cfg.clientCerts,
		MaxIdleConnsPerHost: cfg.maxConns,
		// Every attempt runs under its own deadline (WithTimeout,
		// WithTransactionTimeout), headers and body included.
		ResponseHeaderTimeout: -1,
		Proxy:                 proxy.Proxy,
	})
	c := &Client{env: cfg.env, baseURL: cfg.baseURL, cache: ownCache,
		noAutoRollback: cfg.noAutoRollback, rollbackTimeout: cfg.rollbackTimeout, rollbackHook: cfg.rollbackHook,
		logger: cfg.logger, observer: cfg.observer, host: base.Host}
	var pobs pipeline.Observer
	if cfg.observer != nil {
		pobs = observer{c}
	}
	c.p = pipeline.New(pipeline.Config{
		BaseURL:            base,
		Transport:          t,
		Middleware:         cfg.middleware,
		Credentials:        cfg.creds,
		Limiter:            cfg.limiter,
		Logger:             cfg.logger,
		UserAgent:          ua,
		Retry:              pipeline.Retry{MaxAttempts: retry.MaxAttempts, MinDelay: retry.MinDelay, MaxDelay: retry.MaxDelay},
		RollbackRetry:      pipeline.Retry{MaxAttempts: rbRetry.MaxAttempts, MinDelay: rbRetry.MinDelay, MaxDelay: rbRetry.MaxDelay},
		Timeout:            cfg.timeout,
		TransactionTimeout: cfg.txnTimeout,
		Observer:           pobs,
	})
	if cfg.journalRetention == 0 {
		cfg.journalRetention = DefaultJournalRetention
	}
	if cfg.recoveryInterval == 0 {
		cfg.recoveryInterval = DefaultRecoveryInterval
	}
	if cfg.reconcileGrace == 0 {
		cfg.reconcileGrace = DefaultReconcileGrace
	}
	if cfg.clock == nil {
		cfg.clock = systemClock{}
	}
	c.journal, c.journalRetention, c.recoveryInterval, c.reconcileGrace = cfg.journal, cfg.journalRetention, cfg.recoveryInterval, cfg.reconcileGrace
	c.clock, c.now = cfg.clock, cfg.clock.Now
	// Every service is the client's one service value under its own type,
	// so its methods show in godoc and the client allocates it once.
	c.common.c = c
	sv := &c.common
	c.CreditCard, c.ECheck, c.Sessions, c.Query = (*CreditCardService)(sv), (*ECheckService)(sv), (*SessionsService)(sv), (*QueryService)(sv)
	c.OnboardingInvites, c.Provisioning = (*OnboardingInvitesService)(sv), (*ProvisioningService)(sv)
	c.PaymentLinks, c.Checkouts, c.Invoices = (*PaymentLinksService)(sv), (*CheckoutsService)(sv), (*InvoicesService)(sv)
	c.Plans, c.Subscriptions, c.Installments, c.Payouts = (*PlansService)(sv), (*SubscriptionsService)(sv), (*InstallmentsService)(sv), (*PayoutsService)(sv)
	if c.journal != nil && !cfg.noBackgroundRecovery {
		c.startRecovery()
	}
	return c, nil
}

// systemClock is the real clock.
type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) AfterFunc(d time.Duration, f func()) credentials.Timer {
	return time.AfterFunc(d, f)
}

// service is what every service of a Client holds: the client.
type service struct{ c *Client }

// BaseURL returns the URL the client sends to.
func (c *Client) BaseURL() string { return c.baseURL }

// Close releases the client's resources: idle pooled connections, the
// background refresh of the credentials cache it created, and the
// journal's background recovery (stopped at once, a rollback or lookup in
// progress abandoned, and waited for: what it did not finish stays owed in
// the journal, for the next process or a peer). Call it when the client
// is no longer needed, before closing the journal; it does not close the
// journal. Requests made afterwards still
// work with the credentials already cached, but they are no longer
// refreshed.
func (c *Client) Close() error {
	if c.stopRecovery != nil {
		c.stopRecovery()
		c.recovering.Wait()
	}
	c.p.CloseIdleConnections()
	if c.cache != nil {
		_ = c.cache.Close()
	}
	return nil
}

// String describes the client without any credential, e.g.
// "jupico.Client{base=https://sandbox-platform.jupico.com}".
func (c *Client) String() string { return "jupico.Client{base=" + c.baseURL + "}" }

// GoString is String.
func (c *Client) GoString() string { return c.String() }

// Format prints String for every verb, so %+v and %#v of a client show no
// internals.
func (c *Client) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(c.String())) }

// do sends op and decodes the envelope's data into out (when non-nil) for a
// success. It returns the raw response for callers that need more.
func (c *Client) do(ctx context.Context, op *wire.Operation, in any, extra map[string]any, out any) (resp *pipeline.Response, err error) {
	var body []byte
	if in != nil {
		if body, err = wire.Marshal(in); err != nil {
			return nil, fmt.Errorf("jupico: %s: encode request: %w", op.Name, err)
		}
		if body, err = withExtra(op, body, in, extra); err != nil {
			return nil, err
		}
	}
	ctx, ob := c.startCall(ctx, op)
	defer func() { ob.end(resp, err) }()
	resp, _, err = c.exchange(ctx, op, body)
	if err != nil {
		return nil, err
	}
	if out != nil && resp.Envelope != nil && len(resp.Envelope.Data) > 0 {
		if err := json.Unmarshal(resp.Envelope.Data, out); err != nil {
			return resp, c.unreadable(ctx, op, body, resp, nil)
		}
	}
	if out != nil && resp.Envelope != nil {
		c.checkDrift(ctx, op, resp.Envelope.Data)
	}
	return resp, nil
}
