// Package wire is the single place that records how the SDK speaks to
// Jupico: base URLs, paths, headers, the response envelope, error codes and
// how an HTTP answer maps to an outcome. Where Jupico's public documentation
// is silent the choice is marked "assumed: not in public docs"; correcting an
// assumption is a change to this file, to the fake server in
// jupico/jupicotest (which serves this same contract) and to their tests.
package wire

import (
	"encoding/json"
	"net/http"
	"time"
)

// Base URLs (documented: authentication page and go-live checklist).
const (
	SandboxBaseURL    = "https://sandbox-platform.jupico.com"
	ProductionBaseURL = "https://platform.jupico.com"
)

// Headers.
const (
	HeaderContentType   = "Content-Type"
	HeaderAccept        = "Accept"
	HeaderAuthorization = "Authorization"
	HeaderUserAgent     = "User-Agent"
	HeaderRetryAfter    = "Retry-After"
	ContentTypeJSON     = "application/json"

	// HeaderRequestID carries a request identifier on responses.
	// assumed: not in public docs (Jupico documents no request-id header; the
	// SDK reports one when this common header is present).
	HeaderRequestID = "X-Request-Id"
)

// EmptyBody is sent when an operation has nothing to send: Jupico's docs ask
// for "{}" rather than an empty payload.
var EmptyBody = []byte("{}")

// TransactionTimeout is how long Jupico may take to answer a transaction
// (documented: "Timeouts handling", 35 s). No answer within it means the
// outcome is unknown and the transaction must be rolled back.
const TransactionTimeout = 35 * time.Second

// Kind says how an operation may be retried and whether an unknown outcome
// must be rolled back.
type Kind uint8

const (
	// KindRead operations change nothing at Jupico (status, queries): every
	// transport failure, 429, 502, 503 and 504 may be retried.
	KindRead Kind = iota
	// KindWrite operations change state but move no money (browser
	// sessions): retried only on 503 and when the request never left.
	KindWrite
	// KindTransaction operations move money: retried only on 503 and when
	// the request never left; an unknown outcome is rolled back.
	KindTransaction
	// KindRollback is a rollback: Jupico's system reversal, safe to repeat,
	// so every failure but a refusal (4xx other than 429) is retried.
	KindRollback

	// NumKinds is the number of kinds.
	NumKinds = int(KindRollback) + 1
)

// Operation describes one API call: one row of the table (see Operations).
type Operation struct {
	// Name identifies the operation in logs and errors, e.g. "creditcard.sale".
	Name   string
	Method string
	Path   string
	Kind   Kind
	// Rollback is the operation that reverses this one when its outcome is
	// unknown; nil when there is none.
	Rollback *Operation
	// Call is the SDK method that sends the operation: a field of
	// jupico.Client and its method ("Plans.Create"), or a method of the
	// client itself ("Status"). Tests hold every row to a method, a mock,
	// a handler of the fake and a row of the README.
	Call string
	// ID is the body member that names the resource an operation acts on
	// ("planId"), written from the request's ID; empty for creates and
	// most queries.
	ID string
	// Scoped is true when the resource belongs to a sub-merchant, whose
	// subMerchantId the body must then carry (everything but invites).
	Scoped bool
	// List is the member of a list answer's data that holds the page
	// ("disputes"); empty for operations that answer one object.
	List string
	// Lookup says how to find, through the Query API, a transaction of
	// this operation whose outcome is unknown and that has no rollback;
	// nil when there is no query to ask (it is then reported for a
	// person to reconcile).
	Lookup *Lookup
	// Relies lists the members of a successful answer's data the SDK
	// needs to do its job, and reports as missing when they do not come:
	// a transaction's id and status, a created resource's id, a list's
	// member. A member of each record of the list is written
	// "<List>[].<member>". Empty when the SDK needs nothing of the answer
	// (it hands the resource back as Jupico sent it). Tests hold every
	// entry to a member the answer's type models.
	Relies []string
}

// Lookup finds a request whose outcome is unknown through a query: the
// query is sent with {Filter: <the request's Key member>, "limit": 1,
// "offset": 0}, plus the request's subMerchantId, and the first record of
// its list that carries the same value is the request's result.
//
// assumed: not in public docs. Jupico documents that query filters are
// top-level members compared for equality, not that these members are
// among them; each Lookup row is the one place to correct if they are not.
type Lookup struct {
	// Query is the query to ask.
	Query *Operation
	// Key is the request body's member whose value identifies it
	// ("reference"); Filter the query's member that is compared with it,
	// and that the record found carries.
	Key, Filter string
	// ID is the member of the record found that holds Jupico's id for it
	// ("payoutId").
	ID string
	// Status, when set, is the status the record must have for the
	// request to count as processed (an activation: "active"); any
	// status counts when empty.
	Status string
}

// Operations. Sale and rollback paths for cards, browser sessions, query and
// status are documented; the others are assumed from the documented base path
// /v1/transactions/creditcard/ and the operation names.
var (
	Status = Operation{Name: "status", Method: http.MethodGet, Path: "/status", Kind: KindRead, Call: "Status"}

	// The rollback's body is the original operation's body, sent as is
	// (assumed: not in public docs). Also assumed: a rollback that reaches
	// Jupico before its original (still queued when the client gave up) is
	// matched to the original when that is processed; the fake behaves so.
	CardRollback = Operation{Name: "creditcard.rollback", Method: http.MethodPost, Path: "/v1/transactions/creditcard/rollback", Kind: KindRollback, Call: "CreditCard.Rollback"}
	CardSale     = Operation{Name: "creditcard.sale", Method: http.MethodPost, Path: "/v1/transactions/creditcard/sale", Kind: KindTransaction, Rollback: &CardRollback, Call: "CreditCard.Sale", Relies: []string{"transactionId", "status"}}
	// assumed: not in public docs (path of authorize).
	CardAuthorize = Operation{Name: "creditcard.authorize", Method: http.MethodPost, Path: "/v1/transactions/creditcard/authorization", Kind: KindTransaction, Rollback: &CardRollback, Call: "CreditCard.Authorize", Relies: []string{"transactionId", "status"}}
	// assumed: not in public docs (path of capture).
	CardCapture = Operation{Name: "creditcard.capture", Method: http.MethodPost, Path: "/v1/transactions/creditcard/capture", Kind: KindTransaction, Rollback: &CardRollback, Call: "CreditCard.Capture", Relies: []string{"transactionId", "status"}}
	// assumed: not in public docs (path of void).
	CardVoid = Operation{Name: "creditcard.void", Method: http.MethodPost, Path: "/v1/transactions/creditcard/void", Kind: KindTransaction, Rollback: &CardRollback, Call: "CreditCard.Void", Relies: []string{"transactionId", "status"}}
	// assumed: not in public docs (path of refund).
	CardRefund = Operation{Name: "creditcard.refund", Method: http.MethodPost, Path: "/v1/transactions/creditcard/refund", Kind: KindTransaction, Rollback: &CardRollback, Call: "CreditCard.Refund", Relies: []string{"transactionId", "status"}}
	// assumed: not in public docs (path of AVS-only; it authorizes nothing,
	// so it needs no rollback).
	CardAVS = Operation{Name: "creditcard.avs", Method: http.MethodPost, Path: "/v1/transactions/creditcard/avs", Kind: KindWrite, Call: "CreditCard.VerifyAddress", Relies: []string{"avs"}}

	// assumed: not in public docs (eCheck paths; Jupico documents no eCheck
	// rollback, so an unknown eCheck outcome is reported, not rolled back).
	ECheckSale   = Operation{Name: "echeck.sale", Method: http.MethodPost, Path: "/v1/transactions/echeck/sale", Kind: KindTransaction, Call: "ECheck.Sale", Lookup: &transactionByReference, Relies: []string{"transactionId", "status"}}
	ECheckRefund = Operation{Name: "echeck.refund", Method: http.MethodPost, Path: "/v1/transactions/echeck/refund", Kind: KindTransaction, Call: "ECheck.Refund", Lookup: &transactionByReference, Relies: []string{"transactionId", "status"}}

	BrowserSession    = Operation{Name: "sessions.browser.authorize", Method: http.MethodPost, Path: "/v1/sessions/browser/authorize", Kind: KindWrite, Call: "Sessions.Authorize"}
	QueryTransactions = Operation{Name: "query.transactions", Method: http.MethodPost, Path: "/v1/query/transactions", Kind: KindRead, Call: "Query.Transactions", List: "transactions", Relies: []string{"transactions", "transactions[].transactionId"}}
)

// The platform operations: onboarding, provisioning, payment links,
// checkouts, invoices, plans, subscriptions, installments, payouts and the
// queries. Every one is POST (the reference's sidebar marks them so).
//
// Paths follow the reference's page slugs, which are the OpenAPI paths
// lower-cased: documented in full are /v1/installments,
// /v1/subscriptions/plan/update and /v1/query/merchants; /v1/subscriptions
// and /v1/invoices (the creates) follow from their slugs
// (post_v1-subscriptions, post_v1-invoices-1) as /v1/installments does from
// its own; installments and subscriptions' update/paymentToken come from
// their slugs too. The letter case of every multi-word segment
// (onboardingInvites, paymentLinks, createAndSend, paymentToken...) and all
// other paths are assumed: not in public docs.
//
// Kinds follow what an operation can do to money: queries are reads;
// creating an installment plan (it may charge a deposit and the first
// payment at once), creating or activating a subscription (either may
// charge) and creating a payout move money and are transactions, with no
// documented rollback, so an unknown outcome is reported for reconciliation
// and never retried; everything else is a write.

// Updates (the *.update rows) send only the members the caller set, with
// the resource's id member beside them: a member left out keeps its value;
// a member sent as false, 0 or "" is set to that value ("" clears a text
// member); a date sent as null is cleared; a list sent as [] or an object
// as {} is emptied. Jupico's reference documents the members of
// /v1/subscriptions/plan/update but not how it treats "" or null, nor
// whether it merges or replaces: this convention is assumed: not in public
// docs. Members a resource requires at creation are never sent empty.

// Onboarding invites: the platform's, so no sub-merchant scope.
var (
	InviteCreate         = Operation{Name: "onboardingInvites.create", Method: http.MethodPost, Path: "/v1/onboardingInvites/create", Kind: KindWrite, Call: "OnboardingInvites.Create", Relies: []string{"inviteId"}}
	InviteCreateAndSend  = Operation{Name: "onboardingInvites.createAndSend", Method: http.MethodPost, Path: "/v1/onboardingInvites/createAndSend", Kind: KindWrite, Call: "OnboardingInvites.CreateAndSend", Relies: []string{"inviteId"}}
	InviteCreateBatch    = Operation{Name: "onboardingInvites.createBatch", Method: http.MethodPost, Path: "/v1/onboardingInvites/createBatch", Kind: KindWrite, Call: "OnboardingInvites.CreateBatch", Relies: []string{"invites"}}
	InviteUpdate         = Operation{Name: "onboardingInvites.update", Method: http.MethodPost, Path: "/v1/onboardingInvites/update", Kind: KindWrite, Call: "OnboardingInvites.Update", ID: "inviteId"}
	InviteSend           = Operation{Name: "onboardingInvites.send", Method: http.MethodPost, Path: "/v1/onboardingInvites/send", Kind: KindWrite, Call: "OnboardingInvites.Send", ID: "inviteId"}
	InviteCancel         = Operation{Name: "onboardingInvites.cancel", Method: http.MethodPost, Path: "/v1/onboardingInvites/cancel", Kind: KindWrite, Call: "OnboardingInvites.Cancel", ID: "inviteId"}
	InviteAddSubMerchant = Operation{Name: "onboardingInvites.addSubMerchant", Method: http.MethodPost, Path: "/v1/onboardingInvites/addSubMerchant", Kind: KindWrite, Call: "OnboardingInvites.AddSubMerchant", Relies: []string{"inviteId"}}
)

// Provisioning: Applicant -> Application -> Submerchant (documented model);
// /v1/provisioning/submerchant/update is documented, the three creates
// beside it are assumed.
var (
	ProvisionApplicant   = Operation{Name: "provisioning.applicant", Method: http.MethodPost, Path: "/v1/provisioning/applicant", Kind: KindWrite, Call: "Provisioning.CreateApplicant", Relies: []string{"applicantId"}}
	ProvisionApplication = Operation{Name: "provisioning.application", Method: http.MethodPost, Path: "/v1/provisioning/application", Kind: KindWrite, Call: "Provisioning.CreateApplication", Relies: []string{"smApplicationId"}}
	ProvisionSubMerchant = Operation{Name: "provisioning.submerchant", Method: http.MethodPost, Path: "/v1/provisioning/submerchant", Kind: KindWrite, Call: "Provisioning.CreateSubMerchant", Relies: []string{"subMerchantId"}}
)

// Payment links and checkouts: hosted pages that move no money until the
// customer pays.
var (
	PaymentLinkCreate     = Operation{Name: "paymentLinks.create", Method: http.MethodPost, Path: "/v1/paymentLinks/create", Kind: KindWrite, Call: "PaymentLinks.Create", Relies: []string{"paymentLinkId"}}
	PaymentLinkUpdate     = Operation{Name: "paymentLinks.update", Method: http.MethodPost, Path: "/v1/paymentLinks/update", Kind: KindWrite, Call: "PaymentLinks.Update", ID: "paymentLinkId", Scoped: true}
	PaymentLinkDeactivate = Operation{Name: "paymentLinks.deactivate", Method: http.MethodPost, Path: "/v1/paymentLinks/deactivate", Kind: KindWrite, Call: "PaymentLinks.Deactivate", ID: "paymentLinkId", Scoped: true}
	PaymentLinkDelete     = Operation{Name: "paymentLinks.delete", Method: http.MethodPost, Path: "/v1/paymentLinks/delete", Kind: KindWrite, Call: "PaymentLinks.Delete", ID: "paymentLinkId", Scoped: true}

	CheckoutCreate     = Operation{Name: "checkouts.create", Method: http.MethodPost, Path: "/v1/checkouts/create", Kind: KindWrite, Call: "Checkouts.Create", Relies: []string{"checkoutId"}}
	CheckoutUpdate     = Operation{Name: "checkouts.update", Method: http.MethodPost, Path: "/v1/checkouts/update", Kind: KindWrite, Call: "Checkouts.Update", ID: "checkoutId", Scoped: true}
	CheckoutDeactivate = Operation{Name: "checkouts.deactivate", Method: http.MethodPost, Path: "/v1/checkouts/deactivate", Kind: KindWrite, Call: "Checkouts.Deactivate", ID: "checkoutId", Scoped: true}
	CheckoutDelete     = Operation{Name: "checkouts.delete", Method: http.MethodPost, Path: "/v1/checkouts/delete", Kind: KindWrite, Call: "Checkouts.Delete", ID: "checkoutId", Scoped: true}
)

// Invoices: create is /v1/invoices (slug post_v1-invoices-1).
var (
	InvoiceCreate = Operation{Name: "invoices.create", Method: http.MethodPost, Path: "/v1/invoices", Kind: KindWrite, Call: "Invoices.Create", Relies: []string{"invoiceId"}}
	InvoiceUpdate = Operation{Name: "invoices.update", Method: http.MethodPost, Path: "/v1/invoices/update", Kind: KindWrite, Call: "Invoices.Update", ID: "invoiceId", Scoped: true}
	InvoiceVoid   = Operation{Name: "invoices.void", Method: http.MethodPost, Path: "/v1/invoices/void", Kind: KindWrite, Call: "Invoices.Void", ID: "invoiceId", Scoped: true}
	InvoiceDelete = Operation{Name: "invoices.delete", Method: http.MethodPost, Path: "/v1/invoices/delete", Kind: KindWrite, Call: "Invoices.Delete", ID: "invoiceId", Scoped: true}
	InvoiceSend   = Operation{Name: "invoices.send", Method: http.MethodPost, Path: "/v1/invoices/send", Kind: KindWrite, Call: "Invoices.Send", ID: "invoiceId", Scoped: true}
)

// Plans and subscriptions: /v1/subscriptions/plan/update is documented;
// creating a subscription is /v1/subscriptions (slug post_v1-subscriptions).
var (
	PlanCreate     = Operation{Name: "plans.create", Method: http.MethodPost, Path: "/v1/subscriptions/plan/create", Kind: KindWrite, Call: "Plans.Create", Relies: []string{"planId"}}
	PlanUpdate     = Operation{Name: "plans.update", Method: http.MethodPost, Path: "/v1/subscriptions/plan/update", Kind: KindWrite, Call: "Plans.Update", ID: "planId", Scoped: true}
	PlanActivate   = Operation{Name: "plans.activate", Method: http.MethodPost, Path: "/v1/subscriptions/plan/activate", Kind: KindWrite, Call: "Plans.Activate", ID: "planId", Scoped: true}
	PlanDeactivate = Operation{Name: "plans.deactivate", Method: http.MethodPost, Path: "/v1/subscriptions/plan/deactivate", Kind: KindWrite, Call: "Plans.Deactivate", ID: "planId", Scoped: true}
	PlanDelete     = Operation{Name: "plans.delete", Method: http.MethodPost, Path: "/v1/subscriptions/plan/delete", Kind: KindWrite, Call: "Plans.Delete", ID: "planId", Scoped: true}

	SubscriptionCreate       = Operation{Name: "subscriptions.create", Method: http.MethodPost, Path: "/v1/subscriptions", Kind: KindTransaction, Call: "Subscriptions.Create", Lookup: &subscriptionByReference, Relies: []string{"subscriptionId"}}
	SubscriptionActivate     = Operation{Name: "subscriptions.activate", Method: http.MethodPost, Path: "/v1/subscriptions/activate", Kind: KindTransaction, Call: "Subscriptions.Activate", ID: "subscriptionId", Scoped: true, Lookup: &subscriptionActive}
	SubscriptionDeactivate   = Operation{Name: "subscriptions.deactivate", Method: http.MethodPost, Path: "/v1/subscriptions/deactivate", Kind: KindWrite, Call: "Subscriptions.Deactivate", ID: "subscriptionId", Scoped: true}
	SubscriptionDelete       = Operation{Name: "subscriptions.delete", Method: http.MethodPost, Path: "/v1/subscriptions/delete", Kind: KindWrite, Call: "Subscriptions.Delete", ID: "subscriptionId", Scoped: true}
	SubscriptionPaymentToken = Operation{Name: "subscriptions.updatePaymentToken", Method: http.MethodPost, Path: "/v1/subscriptions/update/paymentToken", Kind: KindWrite, Call: "Subscriptions.UpdatePaymentToken", ID: "subscriptionId", Scoped: true}
)

// Installments (/v1/installments documented) and dynamic payouts.
var (
	InstallmentCreate       = Operation{Name: "installments.create", Method: http.MethodPost, Path: "/v1/installments", Kind: KindTransaction, Call: "Installments.Create", Relies: []string{"installmentId"}}
	InstallmentDelete       = Operation{Name: "installments.delete", Method: http.MethodPost, Path: "/v1/installments/delete", Kind: KindWrite, Call: "Installments.Delete", ID: "installmentId", Scoped: true}
	InstallmentActivate     = Operation{Name: "installments.activate", Method: http.MethodPost, Path: "/v1/installments/activate", Kind: KindWrite, Call: "Installments.Activate", ID: "installmentId", Scoped: true}
	InstallmentDeactivate   = Operation{Name: "installments.deactivate", Method: http.MethodPost, Path: "/v1/installments/deactivate", Kind: KindWrite, Call: "Installments.Deactivate", ID: "installmentId", Scoped: true}
	InstallmentPaymentToken = Operation{Name: "installments.updatePaymentToken", Method: http.MethodPost, Path: "/v1/installments/update/paymentToken", Kind: KindWrite, Call: "Installments.UpdatePaymentToken", ID: "installmentId", Scoped: true}

	// Void is documented to take payoutId and to work only before the
	// payout is processed.
	PayoutCreate = Operation{Name: "payouts.create", Method: http.MethodPost, Path: "/v1/payouts/create", Kind: KindTransaction, Call: "Payouts.Create", Lookup: &payoutByReference, Relies: []string{"payoutId"}}
	PayoutVoid   = Operation{Name: "payouts.void", Method: http.MethodPost, Path: "/v1/payouts/void", Kind: KindWrite, Call: "Payouts.Void", ID: "payoutId", Scoped: true}
)

// Queries take the documented transaction-query body (limit, offset, sort,
// top-level filters with operators such as $gte); /v1/query/merchants is
// documented. The answer's shape is assumed: not in public docs: lists as
// {"<List>": [...], "total": n} like transactions, single objects as the
// data itself.
var (
	QueryTimeline           = Operation{Name: "query.timeline", Method: http.MethodPost, Path: "/v1/query/timeline", Kind: KindRead, Call: "Query.Timeline", Relies: []string{"events"}}
	QueryMerchants          = Operation{Name: "query.merchants", Method: http.MethodPost, Path: "/v1/query/merchants", Kind: KindRead, Call: "Query.Merchants", List: "merchants", Relies: []string{"merchants"}}
	QueryBankAccounts       = Operation{Name: "query.bankAccounts", Method: http.MethodPost, Path: "/v1/query/bankAccounts", Kind: KindRead, Call: "Query.BankAccounts", List: "bankAccounts", Relies: []string{"bankAccounts"}}
	QueryOperations         = Operation{Name: "query.operations", Method: http.MethodPost, Path: "/v1/query/operations", Kind: KindRead, Call: "Query.Operations", List: "operations", Relies: []string{"operations"}}
	QueryFees               = Operation{Name: "query.fees", Method: http.MethodPost, Path: "/v1/query/fees", Kind: KindRead, Call: "Query.Fees", List: "fees", Relies: []string{"fees"}}
	QueryPayoutInstructions = Operation{Name: "query.payoutInstructions", Method: http.MethodPost, Path: "/v1/query/payoutInstructions", Kind: KindRead, Call: "Query.PayoutInstructions", List: "payouts", Relies: []string{"payouts", "payouts[].payoutId"}}
	QueryBalance            = Operation{Name: "query.balance", Method: http.MethodPost, Path: "/v1/query/balance", Kind: KindRead, Call: "Query.Balance", Relies: []string{"available", "pending"}}
	QuerySettlements        = Operation{Name: "query.settlements", Method: http.MethodPost, Path: "/v1/query/settlements", Kind: KindRead, Call: "Query.Settlements", List: "settlements", Relies: []string{"settlements"}}
	QueryDisputes           = Operation{Name: "query.disputes", Method: http.MethodPost, Path: "/v1/query/disputes", Kind: KindRead, Call: "Query.Disputes", List: "disputes", Relies: []string{"disputes"}}
	QueryDisputeHistory     = Operation{Name: "query.disputeHistory", Method: http.MethodPost, Path: "/v1/query/disputeHistory", Kind: KindRead, Call: "Query.DisputeHistory", List: "history", Relies: []string{"history"}}
	QueryCheckoutSessions   = Operation{Name: "query.checkoutSessions", Method: http.MethodPost, Path: "/v1/query/checkoutSessions", Kind: KindRead, Call: "Query.CheckoutSessions", List: "checkouts", Relies: []string{"checkouts"}}
	QueryPaymentLinks       = Operation{Name: "query.paymentLinks", Method: http.MethodPost, Path: "/v1/query/paymentLinks", Kind: KindRead, Call: "Query.PaymentLinks", List: "paymentLinks", Relies: []string{"paymentLinks"}}
	QueryOnboardingInvites  = Operation{Name: "query.onboardingInvites", Method: http.MethodPost, Path: "/v1/query/onboardingInvites", Kind: KindRead, Call: "Query.OnboardingInvites", List: "invites", Relies: []string{"invites"}}
	QueryInvoices           = Operation{Name: "query.invoices", Method: http.MethodPost, Path: "/v1/query/invoices", Kind: KindRead, Call: "Query.Invoices", List: "invoices", Relies: []string{"invoices"}}
	QuerySubscriptions      = Operation{Name: "query.subscriptions", Method: http.MethodPost, Path: "/v1/query/subscriptions", Kind: KindRead, Call: "Query.Subscriptions", List: "subscriptions", Relies: []string{"subscriptions", "subscriptions[].subscriptionId"}}
	QueryPlans              = Operation{Name: "query.plans", Method: http.MethodPost, Path: "/v1/query/plans", Kind: KindRead, Call: "Query.Plans", List: "plans", Relies: []string{"plans"}}
	QueryPlan               = Operation{Name: "query.plan", Method: http.MethodPost, Path: "/v1/query/plan", Kind: KindRead, Call: "Query.Plan", ID: "planId", Scoped: true}
)

// The lookups of the operations that move money and have no rollback
// (assumed: not in public docs, see Lookup). Installment plans have no
// query: an unknown one is reported for a person.
var (
	// An eCheck sale or refund is a transaction with the reference it
	// was sent with (a refund's own reference).
	transactionByReference = Lookup{Query: &QueryTransactions, Key: "reference", Filter: "reference", ID: "transactionId"}
	// A payout is a payout instruction with its reference.
	payoutByReference = Lookup{Query: &QueryPayoutInstructions, Key: "reference", Filter: "reference", ID: "payoutId"}
	// A subscription is created with its reference.
	subscriptionByReference = Lookup{Query: &QuerySubscriptions, Key: "reference", Filter: "reference", ID: "subscriptionId"}
	// An activation happened when the subscription it names is active.
	subscriptionActive = Lookup{Query: &QuerySubscriptions, Key: "subscriptionId", Filter: "subscriptionId", ID: "subscriptionId", Status: "active"}
)

// Operations is the whole table, every operation the SDK sends, in the
// order of the reference. A rollback appears once, as its own row.
var Operations = []*Operation{
	&Status,
	&CardSale, &CardAuthorize, &CardCapture, &CardVoid, &CardRefund, &CardRollback, &CardAVS,
	&ECheckSale, &ECheckRefund, &BrowserSession,
	&InviteCreate, &InviteCreateAndSend, &InviteCreateBatch, &InviteUpdate, &InviteSend, &InviteCancel, &InviteAddSubMerchant,
	&ProvisionApplicant, &ProvisionApplication, &ProvisionSubMerchant,
	&PaymentLinkCreate, &PaymentLinkUpdate, &PaymentLinkDeactivate, &PaymentLinkDelete,
	&CheckoutCreate, &CheckoutUpdate, &CheckoutDeactivate, &CheckoutDelete,
	&InvoiceCreate, &InvoiceUpdate, &InvoiceVoid, &InvoiceDelete, &InvoiceSend,
	&PlanCreate, &PlanUpdate, &PlanActivate, &PlanDeactivate, &PlanDelete,
	&SubscriptionCreate, &SubscriptionActivate, &SubscriptionDeactivate, &SubscriptionDelete, &SubscriptionPaymentToken,
	&InstallmentCreate, &InstallmentDelete, &InstallmentActivate, &InstallmentDeactivate, &InstallmentPaymentToken,
	&PayoutCreate, &PayoutVoid,
	&QueryTransactions, &QueryTimeline, &QueryMerchants, &QueryBankAccounts, &QueryOperations, &QueryFees, &QueryPayoutInstructions,
	&QueryBalance, &QuerySettlements, &QueryDisputes, &QueryDisputeHistory, &QueryCheckoutSessions, &QueryPaymentLinks,
	&QueryOnboardingInvites, &QueryInvoices, &QuerySubscriptions, &QueryPlans, &QueryPlan,
}

// Outcome statuses carried in the envelope's "status" (documented:
// "Transaction status handling").
const (
	StatusSucceeded = "succeeded"
	StatusDeclined  = "declined"
	StatusFailed    = "failed"
)

// Envelope is every JSON answer: {"success", "status", "data", "error"}.
// success, status and error are documented; the "data" wrapper is
// assumed: not in public docs.
type Envelope struct {
	Success bool            `json:"success"`
	Status  string          `json:"status,omitempty"`
	Data    json.RawMessage `json:"data,omitempty"`
	Error   *ErrorBody      `json:"error,omitempty"`
}

// ErrorBody is the documented {"code", "message"} error object.
type ErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Documented error codes (error-codes page).
const (
	CodeInvalidPayload         = "invalid_payload"
	CodeWrongURL               = "wrong_url"
	CodeForbidden              = "forbidden"
	CodeServiceUnavailable     = "service_unavailable"
	CodeInternalServerError    = "internal_server_error"
	CodeAuthInvalidSubmerchant = "auth_invalid_submerchant"
	CodeAuthInvalidRole        = "auth_invalid_role"
	CodeAuthHeaderNotPresent   = "auth_header_not_present"
	CodeAuthInvalidAPIToken    = "auth_invalid_api_token"
	CodeAuthInvalidAPIUser     = "auth_invalid_api_user"
	CodeAuthInvalidFacilitator = "auth_invalid_facilitator"
	CodeAuthInvalidProduct     = "auth_invalid_product"
	CodeAuthInvalidContentType = "auth_invalid_content_type"
	CodeDeclined               = "tx_cc_declined"
	CodeInsufficientFunds      = "tx_cc_declined_insufficient_funds"
	CodeDoNotHonor             = "tx_cc_declined_do_not_honor"
	CodeTransactionNotAllowed  = "tx_cc_declined_transaction_not_allowed"
)

// Outcome is what an HTTP answer means for the caller.
type Outcome uint8

const (
	// OutcomeSucceeded: 2xx with success true.
	OutcomeSucceeded Outcome = iota
	// OutcomeDeclined: 200 with success false, a normal business result.
	OutcomeDeclined
	// OutcomeIndeterminate: 400 with status "failed", or any 500: Jupico
	// asks for a rollback.
	OutcomeIndeterminate
	// OutcomeRetryable: 503, documented as "retry is safe without a
	// rollback", and 429 (assumed: not in public docs; a rate limiter refuses
	// a request before it is processed).
	OutcomeRetryable
	// OutcomeRejected: any other 4xx (auth, payload, not found): Jupico did
	// not process the request.
	OutcomeRejected
	// OutcomeServerError: another 5xx, such as a gateway's 502 or 504.
	// assumed: not in public docs (only 500 and 503 are documented). Whether
	// Jupico processed the request is unknown, so transactions treat it as
	// indeterminate; reads retry 502 and 504.
	OutcomeServerError
)

// Classify maps an HTTP status and its decoded envelope (nil when the body
// was not an envelope) to an Outcome.
func Classify(status int, env *Envelope) Outcome {
	switch {
	case status >= 200 && status < 300:
		if env != nil && !env.Success {
			return OutcomeDeclined
		}
		return OutcomeSucceeded
	case status == http.StatusBadRequest && env != nil && env.Status == StatusFailed:
		return OutcomeIndeterminate
	case status == http.StatusInternalServerError:
		return OutcomeIndeterminate
	case status == http.StatusServiceUnavailable, status == http.StatusTooManyRequests:
		return OutcomeRetryable
	case status >= 500:
		return OutcomeServerError
	default:
		return OutcomeRejected
	}
}

// SandboxTestToken is the payment token that, with the amounts below,
// triggers Jupico's documented sandbox outcomes (error-codes page).
const SandboxTestToken = "b0a67cc8-d78e-4e71-afc3-2e8b00646973"

// Sandbox trigger amounts, in cents (documented).
const (
	TriggerDeclined           = 9020  // 90.20: tx_cc_declined
	TriggerInsufficientFunds  = 9023  // 90.23: tx_cc_declined_insufficient_funds
	TriggerDoNotHonor         = 9024  // 90.24: tx_cc_declined_do_not_honor
	TriggerServiceUnavailable = 10110 // 101.10: 503 service_unavailable
	TriggerInternalError      = 10111 // 101.11: 500 internal_server_error
)

// Request and response bodies.
//
// Amounts are JSON numbers in major units with at most two decimals
// (documented); they travel as json.Number so the SDK's integer-cents type
// writes and reads them exactly. The ReadMe rendering of Jupico's reference
// lost most field names: every field name below that is not in a documented
// example is assumed: not in public docs. Documented names: subMerchantId,
// paymentToken (type+token or data), taxWithHold, taxAmount,
// taxWithHoldRelease, taxAmountRelease, dynamicFee, the browser-session
// fields, limit/offset/sort and status in queries.

// PaymentToken is {"type","token"} for a permanent token or {"data"} for a
// one-time token payload (documented wording; exact shape assumed: not in
// public docs).
type PaymentToken struct {
	Type  string `json:"type,omitempty"`
	Token string `json:"token,omitempty"`
	Data  string `json:"data,omitempty"`
}

// Item is a line item. assumed: not in public docs (field names).
type Item struct {
	Name        string      `json:"name,omitempty"`
	Description string      `json:"description,omitempty"`
	Quantity    int         `json:"quantity,omitempty"`
	UnitPrice   json.Number `json:"unitPrice,omitempty"`
}

// DynamicFee is the platform's per-transaction fee. assumed: not in public
// docs (fixed and discountRatePerc come from the legacy docs).
type DynamicFee struct {
	Fixed            json.Number `json:"fixed,omitempty"`
	DiscountRatePerc json.Number `json:"discountRatePerc,omitempty"`
}

// Address is billing or shipping data. assumed: not in public docs.
type Address struct {
	FirstName  string `json:"firstName,omitempty"`
	LastName   string `json:"lastName,omitempty"`
	Company    string `json:"company,omitempty"`
	Line1      string `json:"address1,omitempty"`
	Line2      string `json:"address2,omitempty"`
	City       string `json:"city,omitempty"`
	State      string `json:"state,omitempty"`
	PostalCode string `json:"postalCode,omitempty"`
	Country    string `json:"country,omitempty"`
	Email      string `json:"email,omitempty"`
	Phone      string `json:"phone,omitempty"`
}

// Charge is the body of a card sale or authorization and of an eCheck sale.
type Charge struct {
	SubMerchantID     string            `json:"subMerchantId"`
	Amount            json.Number       `json:"amount"`
	PaymentToken      PaymentToken      `json:"paymentToken"`
	Description       string            `json:"description,omitempty"`
	Items             []Item            `json:"items,omitempty"`
	TaxAmount         json.Number       `json:"taxAmount,omitempty"`
	TaxWithHold       bool              `json:"taxWithHold,omitempty"`
	DynamicFee        *DynamicFee       `json:"dynamicFee,omitempty"`
	Billing           *Address          `json:"billing,omitempty"`
	Shipping          *Address          `json:"shipping,omitempty"`
	Metadata          map[string]string `json:"metadata,omitempty"`
	BillingDescriptor string            `json:"billingDescriptor,omitempty"`
	// Reference is the merchant's own reference, echoed in a rollback.
	// assumed: not in public docs.
	Reference string `json:"reference,omitempty"`
}

// FollowUp is the body of capture, void and refund. assumed: not in public
// docs (that they address the original by transactionId).
type FollowUp struct {
	SubMerchantID      string            `json:"subMerchantId"`
	TransactionID      string            `json:"transactionId"`
	Amount             json.Number       `json:"amount,omitempty"`
	TaxAmount          json.Number       `json:"taxAmount,omitempty"`
	TaxWithHold        bool              `json:"taxWithHold,omitempty"`
	TaxWithHoldRelease bool              `json:"taxWithHoldRelease,omitempty"`
	TaxAmountRelease   json.Number       `json:"taxAmountRelease,omitempty"`
	Description        string            `json:"description,omitempty"`
	Metadata           map[string]string `json:"metadata,omitempty"`
	Reference          string            `json:"reference,omitempty"`
}

// AVSCheck is the body of an AVS-only request. assumed: not in public docs.
type AVSCheck struct {
	SubMerchantID string       `json:"subMerchantId"`
	PaymentToken  PaymentToken `json:"paymentToken"`
	Billing       *Address     `json:"billing,omitempty"`
}

// Transaction is the "data" of a transaction answer. assumed: not in public
// docs (field names).
type Transaction struct {
	TransactionID string      `json:"transactionId"`
	Status        string      `json:"status,omitempty"`
	Amount        json.Number `json:"amount,omitempty"`
	AuthCode      string      `json:"authCode,omitempty"`
	AVS           string      `json:"avs,omitempty"`
	CVV           string      `json:"cvv,omitempty"`
	CreatedAt     string      `json:"createdAt,omitempty"`
}

// TransactionMembers are the members of Transaction: the SDK's
// Transaction reads its answer through this struct (its UnmarshalJSON),
// so what it models of a transaction answer is declared here, for the
// drift check; a test keeps the list and the struct's tags in step.
var TransactionMembers = []string{"transactionId", "status", "amount", "authCode", "avs", "cvv", "createdAt"}

// Toggle is {"enabled": bool}.
type Toggle struct {
	Enabled bool `json:"enabled"`
}

// WalletPay is the Apple Pay / Google Pay block of a browser session.
type WalletPay struct {
	Enabled     bool        `json:"enabled"`
	Amount      json.Number `json:"amount,omitempty"`
	Description string      `json:"description,omitempty"`
}

// BrowserSessionRequest is documented (tokenization-flow page).
type BrowserSessionRequest struct {
	SubMerchantID           string     `json:"subMerchantId"`
	Tokenization            *Toggle    `json:"tokenization,omitempty"`
	BankAccountTokenization *Toggle    `json:"bankAccountTokenization,omitempty"`
	ApplePay                *WalletPay `json:"applePay,omitempty"`
	GooglePay               *WalletPay `json:"googlePay,omitempty"`
}

// Query bodies (every query, transactions included) carry limit, offset
// and sort (documented), subMerchantId, status, from and to in RFC 3339
// (assumed: not in public docs), and further filters as top-level members
// with operators such as {"$gte": 100} (documented).

// DateLayout is how the platform services write a calendar day (an
// installment's start, an invoice's due date). assumed: not in public docs.
const DateLayout = "2006-01-02"

// Body members of the platform operations, requests and answers. Jupico's
// reference shows the names below (the invite, installment, subscription,
// invoice, submerchant and query pages, and the onboarding webhooks); a
// name counts as documented when any of them shows it. A test holds every
// member the SDK writes or reads to exactly one of the two lists.
var DocumentedMembers = []string{
	"name", "email", "phone", "reference", "identity", "payoutBankAccounts", "feesTemplateId", "fees",
	"onboardingFlowTemplateId", "inviteId", "business", "legalName", "dbaName", "websiteUrl", "address",
	"streetNum", "streetName", "city", "state", "postalCode",
	"accountRouting", "accountNumber", "accountType", "nameOnAccount",
	"applicantId", "smApplicationId", "subMerchantId", "planId", "paymentToken", "type", "token", "data", "schedules",
	"deposit", "payments", "items", "dueDate", "paymentTerm", "hostedSession", "payoutId",
	"sort", "limit", "offset", "status",
}

// AssumedMembers are the other member names the platform services write or
// read, every one assumed: not in public docs. Among them: the ids of
// links, checkouts, invoices, subscriptions and installment plans; the
// amounts' names (amount, total, chargedAmount); the schedule's frequency,
// cycles and startDate; the lists' members and their total.
var AssumedMembers = []string{
	"amount", "total", "chargedAmount", "available", "pending", "description", "memo", "quantity", "unitPrice",
	"frequency", "cycles", "trialDays", "startDate", "nextChargeDate", "invoiceDate", "expiresOn", "date", "respondBy",
	"customerId", "customerEmail", "returnUrl", "cancelUrl", "reusable", "url", "transactionId", "transactionCount",
	"paymentLinkId", "checkoutId", "invoiceId", "subscriptionId", "installmentId", "bankAccountId", "settlementId",
	"disputeId", "feeId", "operationId", "invites", "executions", "events", "createdAt", "note", "reason",
	"representatives", "firstName", "lastName", "title", "ownershipPercent", "ownershipType", "accountLevel",
	"applicantReference", "applicationReference", "productReference", "from", "to",
	"merchants", "bankAccounts", "operations", "payouts", "settlements", "disputes", "history", "checkouts",
	"paymentLinks", "invoices", "subscriptions", "plans", "transactions",
}
