package jupico

import (
	"context"

	"github.com/jupico/jupico-go/internal/wire"
)

// InstallmentsAPI is the installment-plan operations of a Client.
// InstallmentsService implements it; jupicomock has a mock of it.
type InstallmentsAPI interface {
	Create(ctx context.Context, req *InstallmentRequest) (*Installment, error)
	Delete(ctx context.Context, req *Ref) (*Installment, error)
	Activate(ctx context.Context, req *Ref) (*Installment, error)
	Deactivate(ctx context.Context, req *Ref) (*Installment, error)
	UpdatePaymentToken(ctx context.Context, req *PaymentTokenUpdate) (*Installment, error)
}

var _ InstallmentsAPI = (*InstallmentsService)(nil)

// InstallmentsService splits a total into a finite schedule of payments:
// an optional deposit, then Cycles payments of a recurring amount, weekly,
// biweekly, monthly or every 28 days, each one an "execution" Jupico
// schedules up front. Use it through Client.Installments; it is safe for
// concurrent use.
//
// What Create charges at once, as Jupico documents: with no deposit and no
// future start, the first payment; with a future start and no deposit,
// nothing (the card is only validated); with a deposit and no future
// start, the deposit and the first payment; with a deposit and a future
// start, the deposit only. Create is therefore a transaction, with the
// outcomes of SubscriptionsService.Create: a decline is an *APIError
// matching ErrDeclined, an unknown outcome an *IndeterminateError that is
// never retried (no rollback is documented: reconcile it). The other
// methods are writes.
type InstallmentsService service

// InstallmentRequest describes an installment plan. Documented and
// required: subMerchantId, the customer, the total, the payments schedule
// and a permanent paymentToken; the deposit is optional. The schedule must
// add up: Deposit plus Cycles payments reach Total, and the first Cycles-1
// payments do not (the last one may be smaller).
type InstallmentRequest struct {
	SubMerchantID string `json:"subMerchantId"`
	CustomerID    string `json:"customerId"`
	// Total is what the customer pays in all, the deposit included.
	Total        Amount              `json:"total"`
	Deposit      *InstallmentDeposit `json:"deposit,omitempty"`
	Payments     InstallmentSchedule `json:"payments"`
	PaymentToken PaymentToken        `json:"paymentToken"`
	Reference    string              `json:"reference,omitempty"`
	Extra        map[string]any      `json:"-"`
}

// InstallmentDeposit is paid when the plan is created.
type InstallmentDeposit struct {
	Amount Amount `json:"amount"`
}

// InstallmentSchedule is the recurring part of an installment plan.
type InstallmentSchedule struct {
	// Amount is each payment.
	Amount    Amount    `json:"amount"`
	Frequency Frequency `json:"frequency"`
	// Cycles is the number of payments, at least one.
	Cycles int `json:"cycles"`
	// StartDate is the first payment's day; zero means today. A day after
	// today is a future start: nothing but the deposit is charged now.
	StartDate Date `json:"startDate,omitzero"`
}

func (r *InstallmentRequest) validate(v *validator) {
	v.required("subMerchantId", r.SubMerchantID)
	v.required("customerId", r.CustomerID)
	v.positive("total", r.Total)
	p := &r.Payments
	v.positive("payments.amount", p.Amount)
	v.required("payments.frequency", string(p.Frequency))
	v.date("payments.startDate", p.StartDate)
	if p.Cycles < 1 || p.Cycles > 1000 {
		v.fail("payments.cycles", "must be between 1 and 1000")
	}
	var deposit Amount
	if r.Deposit != nil {
		v.positive("deposit.amount", r.Deposit.Amount)
		deposit = r.Deposit.Amount
	}
	if v.err == nil {
		upTo := func(n int) Amount { return deposit + p.Amount*Amount(n) }
		if upTo(p.Cycles) < r.Total || upTo(p.Cycles-1) >= r.Total {
			v.fail("total", "does not match the deposit plus cycles × amount (only the last payment may be smaller)")
		}
	}
	r.PaymentToken.validate(v, "paymentToken")
	v.text("reference", r.Reference, 100)
}

// InstallmentStatus is where an installment plan stands.
type InstallmentStatus string

// InstallmentStatus values.
const (
	// InstallmentStatusActive: its executions are charged when due.
	InstallmentStatusActive InstallmentStatus = "active"
	// InstallmentStatusInactive: paused: nothing is charged until activated again.
	InstallmentStatusInactive InstallmentStatus = "inactive"
	// InstallmentStatusCompleted: every execution was paid.
	InstallmentStatusCompleted InstallmentStatus = "completed"
	// InstallmentStatusDeleted: deleted; it changes no more.
	InstallmentStatusDeleted InstallmentStatus = "deleted"
)

// Installment is an installment plan.
type Installment struct {
	ID            string `json:"installmentId"`
	SubMerchantID string `json:"subMerchantId,omitempty"`
	CustomerID    string `json:"customerId,omitempty"`
	// Status is where it stands.
	Status InstallmentStatus `json:"status,omitempty"`
	Total  Amount            `json:"total,omitempty"`
	// Charged is what Create charged at once; zero when nothing was.
	Charged       Amount `json:"chargedAmount,omitempty"`
	TransactionID string `json:"transactionId,omitempty"`
	// Executions are the scheduled payments, the deposit first.
	Executions []Execution `json:"executions,omitempty"`
	Reference  string      `json:"reference,omitempty"`
	ResponseMeta
}

// ExecutionStatus is where one scheduled payment of an installment plan stands.
type ExecutionStatus string

// ExecutionStatus values.
const (
	// ExecutionStatusScheduled: not due yet.
	ExecutionStatusScheduled ExecutionStatus = "scheduled"
	// ExecutionStatusPaid: charged.
	ExecutionStatusPaid ExecutionStatus = "paid"
	// ExecutionStatusFailed: its charge failed.
	ExecutionStatusFailed ExecutionStatus = "failed"
	// ExecutionStatusCancelled: it will not be charged.
	ExecutionStatusCancelled ExecutionStatus = "cancelled"
)

// Execution is one scheduled payment of an installment plan.
type Execution struct {
	Date   Date   `json:"date"`
	Amount Amount `json:"amount"`
	// Status is where it stands.
	Status ExecutionStatus `json:"status,omitempty"`
}

// Create creates an installment plan and charges what is due now.
func (s *InstallmentsService) Create(ctx context.Context, req *InstallmentRequest) (*Installment, error) {
	return call[Installment](ctx, s.c, &wire.InstallmentCreate, req)
}

// Delete ends an installment plan; payments not yet made are cancelled.
func (s *InstallmentsService) Delete(ctx context.Context, req *Ref) (*Installment, error) {
	return call[Installment](ctx, s.c, &wire.InstallmentDelete, req)
}

// Activate resumes a paused installment plan.
func (s *InstallmentsService) Activate(ctx context.Context, req *Ref) (*Installment, error) {
	return call[Installment](ctx, s.c, &wire.InstallmentActivate, req)
}

// Deactivate pauses an installment plan's payments.
func (s *InstallmentsService) Deactivate(ctx context.Context, req *Ref) (*Installment, error) {
	return call[Installment](ctx, s.c, &wire.InstallmentDeactivate, req)
}

// UpdatePaymentToken changes the token an installment plan charges.
func (s *InstallmentsService) UpdatePaymentToken(ctx context.Context, req *PaymentTokenUpdate) (*Installment, error) {
	return call[Installment](ctx, s.c, &wire.InstallmentPaymentToken, req)
}
