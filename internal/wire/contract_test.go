package wire

import (
	"net/http"
	"reflect"
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

// TransactionMembers is the member list of the Transaction struct, which
// the drift check cannot read from the SDK's Transaction (it decodes
// itself through this struct).
func TestTransactionMembersMatchTheStruct(t *testing.T) {
	t.Parallel()
	var tags []string
	rt := reflect.TypeFor[Transaction]()
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		tags = append(tags, name)
	}
	assert.ElementsMatch(t, tags, TransactionMembers)
}

// A relied-on member is a plain member name, or "<List>[].<member>" of a
// list operation's records; a list operation relies on its list.
func TestReliesAreWellFormed(t *testing.T) {
	t.Parallel()
	for _, op := range Operations {
		seen := map[string]bool{}
		for _, r := range op.Relies {
			assert.False(t, seen[r], "%s relies on %q twice", op.Name, r)
			seen[r] = true
			list, member, isRecord := strings.Cut(r, "[].")
			if isRecord {
				assert.Equal(t, op.List, list, "%s: %q is a member of a record of another list than %q", op.Name, r, op.List)
				r = member
			}
			assert.Regexp(t, `^[a-z][A-Za-z]*$`, r, "%s: %q is not a member name", op.Name, r)
		}
		if op.List != "" {
			assert.Contains(t, op.Relies, op.List, "%s relies on its list", op.Name)
		}
	}
}
