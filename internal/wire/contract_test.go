package wire

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	ok := &Envelope{Success: true, Status: StatusSucceeded}
	declined := &Envelope{Success: false, Status: StatusDeclined, Error: &ErrorBody{Code: CodeDeclined}}
	failed := &Envelope{Success: false, Status: StatusFailed}
	cases := []struct {
		status int
		env    *Envelope
		want   Outcome
	}{
		{200, ok, OutcomeSucceeded},
		{201, ok, OutcomeSucceeded},
		{200, nil, OutcomeSucceeded},
		{200, declined, OutcomeDeclined},
		{400, failed, OutcomeIndeterminate},
		{400, &Envelope{Error: &ErrorBody{Code: CodeInvalidPayload}}, OutcomeRejected},
		{400, nil, OutcomeRejected},
		{500, nil, OutcomeIndeterminate},
		{503, nil, OutcomeRetryable},
		{429, nil, OutcomeRetryable},
		{502, nil, OutcomeServerError},
		{504, nil, OutcomeServerError},
		{401, nil, OutcomeRejected},
		{403, nil, OutcomeRejected},
		{404, nil, OutcomeRejected},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, Classify(tc.status, tc.env), "status %d env %+v", tc.status, tc.env)
	}
}

func TestOperations(t *testing.T) {
	t.Parallel()
	ops := []*Operation{&Status, &CardSale, &CardAuthorize, &CardCapture, &CardVoid, &CardRefund, &CardRollback, &CardAVS, &ECheckSale, &ECheckRefund, &BrowserSession, &QueryTransactions}
	seen := map[string]bool{}
	for _, op := range ops {
		assert.False(t, seen[op.Path], "duplicate path %s", op.Path)
		seen[op.Path] = true
		assert.True(t, strings.HasPrefix(op.Path, "/"), op.Path)
		if op.Kind == KindTransaction && strings.HasPrefix(op.Path, "/v1/transactions/creditcard/") {
			assert.Same(t, &CardRollback, op.Rollback, "%s rolls back through the card rollback", op.Name)
		}
		if op.Method == http.MethodGet {
			assert.Equal(t, KindRead, op.Kind)
		}
	}
	assert.Nil(t, CardRollback.Rollback, "a rollback is not itself rolled back")
	assert.NotEqual(t, KindTransaction, CardRollback.Kind, "a rollback is safe to repeat, so it is not a transaction")
}
