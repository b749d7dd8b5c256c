package jupico_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/jupico/jupico-go/internal/wire"
	"github.com/jupico/jupico-go/jupico"
)

// The constants of package jupico spell their values out, so that godoc
// shows them; each must stay equal to the wire contract it mirrors.
func TestConstantsMatchTheWireContract(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		got  jupico.ErrorCode
		want string
	}{
		{jupico.ErrorCodeInvalidPayload, wire.CodeInvalidPayload},
		{jupico.ErrorCodeWrongURL, wire.CodeWrongURL},
		{jupico.ErrorCodeForbidden, wire.CodeForbidden},
		{jupico.ErrorCodeServiceUnavailable, wire.CodeServiceUnavailable},
		{jupico.ErrorCodeInternalServerError, wire.CodeInternalServerError},
		{jupico.ErrorCodeAuthInvalidSubmerchant, wire.CodeAuthInvalidSubmerchant},
		{jupico.ErrorCodeAuthInvalidRole, wire.CodeAuthInvalidRole},
		{jupico.ErrorCodeAuthHeaderNotPresent, wire.CodeAuthHeaderNotPresent},
		{jupico.ErrorCodeAuthInvalidAPIToken, wire.CodeAuthInvalidAPIToken},
		{jupico.ErrorCodeAuthInvalidAPIUser, wire.CodeAuthInvalidAPIUser},
		{jupico.ErrorCodeAuthInvalidFacilitator, wire.CodeAuthInvalidFacilitator},
		{jupico.ErrorCodeAuthInvalidProduct, wire.CodeAuthInvalidProduct},
		{jupico.ErrorCodeAuthInvalidContentType, wire.CodeAuthInvalidContentType},
		{jupico.ErrorCodeDeclined, wire.CodeDeclined},
		{jupico.ErrorCodeInsufficientFunds, wire.CodeInsufficientFunds},
		{jupico.ErrorCodeDoNotHonor, wire.CodeDoNotHonor},
		{jupico.ErrorCodeTransactionNotAllowed, wire.CodeTransactionNotAllowed},
	} {
		assert.Equal(t, c.want, string(c.got))
	}
	for _, c := range []struct {
		got  jupico.TransactionStatus
		want string
	}{
		{jupico.TransactionStatusSucceeded, wire.StatusSucceeded},
		{jupico.TransactionStatusDeclined, wire.StatusDeclined},
		{jupico.TransactionStatusFailed, wire.StatusFailed},
	} {
		assert.Equal(t, c.want, string(c.got))
	}
	assert.Equal(t, wire.SandboxTestToken, jupico.SandboxTestToken)
	assert.Equal(t, wire.TransactionTimeout, jupico.DefaultTransactionTimeout)
	assert.Equal(t, wire.SandboxBaseURL, jupico.EnvironmentSandbox.BaseURL())
	assert.Equal(t, wire.SandboxBaseURL, jupico.Environment("").BaseURL())
}

// NoRetry hands each caller a policy of its own: changing one changes no
// other client's.
func TestNoRetryIsAFreshPolicyEachCall(t *testing.T) {
	t.Parallel()
	p := jupico.NoRetry()
	p.MaxAttempts = 5
	assert.Equal(t, jupico.RetryPolicy{MaxAttempts: 1}, jupico.NoRetry())
}
