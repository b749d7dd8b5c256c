package awssm_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/credentials/awssm"
	"github.com/jupico/jupico-go/internal/testkit/fakeclock"
)

// demoKey is Jupico's published public sandbox key.
const demoKey = "ZGVtb0FwaVVzZXI6VjhtIXhQI2wyUXozCg=="

func basicHeader(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func TestCredentialsRead(t *testing.T) {
	t.Parallel()
	expires := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	tests := []struct {
		name       string
		value      string
		wantUser   string
		wantHeader string
		wantExp    time.Time
	}{
		{"username and password", `{"username":"api-user","password":"api-pass"}`, "api-user", basicHeader("api-user", "api-pass"), time.Time{}},
		{"api key sent as given", `{"apiKey":"` + demoKey + `"}`, "demoApiUser", "Basic " + demoKey, time.Time{}},
		{"other keys ignored", `{"username":"api-user","password":"api-pass","webhookSecret":"whsec_x","rotation":{"step":2}}`, "api-user", basicHeader("api-user", "api-pass"), time.Time{}},
		{"expiresAt", `{"username":"api-user","password":"api-pass","expiresAt":"2031-05-06T07:08:09Z"}`, "api-user", basicHeader("api-user", "api-pass"), expires},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs := newTestSM(t)
			fs.put("prod/jupico/api", `{"username":"previous","password":"previous-pass"}`)
			id := fs.put("prod/jupico/api", tt.value)
			p, err := awssm.Credentials(fs.client(), "prod/jupico/api")
			require.NoError(t, err)

			c, err := p.Retrieve(context.Background())
			require.NoError(t, err)
			assert.Equal(t, tt.wantUser, c.Username())
			assert.Equal(t, tt.wantHeader, c.AuthorizationHeader().Reveal())
			assert.Equal(t, "awssm:prod/jupico/api@"+id, c.Source)
			assert.True(t, tt.wantExp.Equal(c.Expires), "expires: got %v, want %v", c.Expires, tt.wantExp)

			reqs := fs.requestLog()
			require.Len(t, reqs, 1)
			r := reqs[0]
			assert.Equal(t, "secretsmanager.GetSecretValue", r.Target)
			assert.Equal(t, "application/x-amz-json-1.1", r.ContentType)
			assert.Equal(t, "prod/jupico/api", r.SecretID)
			assert.Equal(t, "AWSCURRENT", r.Stage)
			assert.Regexp(t, `^AWS4-HMAC-SHA256 Credential=`+testAccessKeyID+`/\d{8}/`+testRegion+`/secretsmanager/aws4_request, SignedHeaders=[a-z0-9;-]*x-amz-date[a-z0-9;-]*, Signature=[0-9a-f]{64}$`, r.Authorization)
			assert.Regexp(t, `^\d{8}T\d{6}Z$`, r.AmzDate)
			assert.NoError(t, r.SigErr, "the SigV4 signature must verify")
			assert.Equal(t, testSessionToken, r.SecurityToken)
		})
	}
}

// The fake's SigV4 check is not a rubber stamp: a client signing with
// another secret key is refused, and the provider reports access denied.
func TestWrongSigningKeyIsRefused(t *testing.T) {
	t.Parallel()
	fs := newTestSM(t)
	fs.put("prod/jupico/api", `{"username":"api-user","password":"api-pass"}`)
	c := fs.client(func(o *secretsmanager.Options) {
		o.Credentials = credentialsFunc(testAccessKeyID, "another-secret-key-entirely-0000000000000")
	})
	p, err := awssm.Credentials(c, "prod/jupico/api")
	require.NoError(t, err)
	_, err = p.Retrieve(context.Background())
	assert.ErrorIs(t, err, awssm.ErrAccessDenied)
	var e *awssm.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "InvalidSignatureException", e.Code)
	assert.Equal(t, 403, e.StatusCode)
	reqs := fs.requestLog()
	require.Len(t, reqs, 1, "access denied is not retried")
	assert.EqualError(t, reqs[0].SigErr, "signature does not match")
}

func TestErrorCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		fault    smFault
		is       []error
		isNot    []error
		requests int
	}{
		{"access denied", smFault{400, "AccessDeniedException", "User: arn:aws:iam::123456789012:user/app is not authorized"},
			[]error{awssm.ErrAccessDenied}, []error{credentials.ErrNoCredentials, awssm.ErrUnavailable}, 1},
		{"unrecognized client", smFault{400, "UnrecognizedClientException", "The security token included in the request is invalid."},
			[]error{awssm.ErrAccessDenied}, nil, 1},
		{"expired credentials", smFault{400, "ExpiredTokenException", "The security token included in the request is expired"},
			[]error{awssm.ErrExpiredToken}, []error{awssm.ErrAccessDenied}, 1},
		{"not found", smFault{400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret."},
			[]error{awssm.ErrNotFound, credentials.ErrNoCredentials}, nil, 1},
		{"decryption", smFault{400, "DecryptionFailure", "Access to KMS is not allowed"},
			[]error{awssm.ErrDecryption}, nil, 1},
		{"scheduled for deletion", smFault{400, "InvalidRequestException", "You can't perform this operation on the secret because it was marked for deletion."},
			[]error{awssm.ErrInvalidRequest}, nil, 1},
		{"throttled", smFault{400, "ThrottlingException", "Rate exceeded"},
			[]error{awssm.ErrThrottled}, []error{awssm.ErrAccessDenied}, 3},
		{"internal", smFault{500, "InternalServiceError", "An error occurred on the server side."},
			[]error{awssm.ErrUnavailable}, nil, 3},
		{"unknown 5xx", smFault{503, "SomethingNew", ""},
			[]error{awssm.ErrUnavailable}, nil, 3},
		{"unknown 4xx", smFault{400, "SomethingElse", ""},
			nil, []error{awssm.ErrUnavailable, awssm.ErrAccessDenied, awssm.ErrNotFound}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs := newTestSM(t)
			fs.put("prod/jupico/api", `{"username":"api-user","password":"api-pass"}`)
			fs.fail(tt.fault, tt.fault, tt.fault)
			p, err := awssm.Credentials(fs.client(), "prod/jupico/api")
			require.NoError(t, err)
			_, err = p.Retrieve(context.Background())
			require.Error(t, err)
			var e *awssm.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tt.fault.code, e.Code)
			assert.Equal(t, tt.fault.status, e.StatusCode)
			assert.Equal(t, "11111111-2222-4333-8444-555555555555", e.RequestID)
			assert.Equal(t, "prod/jupico/api", e.SecretID)
			assert.Equal(t, "AWSCURRENT", e.Stage)
			for _, target := range tt.is {
				assert.ErrorIs(t, err, target)
			}
			for _, target := range tt.isNot {
				assert.NotErrorIs(t, err, target)
			}
			assert.Len(t, fs.requestLog(), tt.requests)
			if tt.requests > 1 {
				assert.Equal(t, tt.requests, e.Attempts)
				assert.Contains(t, err.Error(), "after 3 attempts")
			}
			assert.Contains(t, err.Error(), tt.fault.code)
			if tt.fault.message != "" {
				assert.NotContains(t, err.Error(), tt.fault.message, "AWS's message is not repeated")
			}
		})
	}
}

// recordingBackoff is a retry backoff that records the attempts it was
// asked about.
type recordingBackoff struct {
	mu       sync.Mutex
	attempts []int
	unit     time.Duration
}

func (b *recordingBackoff) BackoffDelay(attempt int, _ error) (time.Duration, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.attempts = append(b.attempts, attempt)
	return time.Duration(attempt) * b.unit, nil
}

// Throttling is retried by the SDK's retryer, with its backoff between
// attempts, and the read succeeds without the caller seeing it.
func TestThrottlingBackoff(t *testing.T) {
	t.Parallel()
	fs := newTestSM(t)
	fs.put("prod/jupico/api", `{"username":"api-user","password":"api-pass"}`)
	throttled := smFault{400, "ThrottlingException", "Rate exceeded"}
	fs.fail(throttled, throttled)
	backoff := &recordingBackoff{unit: 30 * time.Millisecond}
	c := fs.client(func(o *secretsmanager.Options) {
		o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
			so.MaxAttempts = 4
			so.Backoff = backoff
		})
	})
	p, err := awssm.Credentials(c, "prod/jupico/api")
	require.NoError(t, err)
	got, err := p.Retrieve(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "api-user", got.Username())

	reqs := fs.requestLog()
	require.Len(t, reqs, 3)
	assert.Equal(t, []int{1, 2}, backoff.attempts)
	assert.GreaterOrEqual(t, reqs[1].At.Sub(reqs[0].At), 30*time.Millisecond, "first wait: got, want at least")
	assert.GreaterOrEqual(t, reqs[2].At.Sub(reqs[1].At), 60*time.Millisecond, "second wait: got, want at least")
	for _, r := range reqs {
		assert.NoError(t, r.SigErr, "every retry is signed afresh")
	}
}

// When the read keeps failing (throttled, or AWS credentials expired), the
// Cache keeps the last good key in use and backs off before asking again.
func TestCacheKeepsKeyThroughFailures(t *testing.T) {
	t.Parallel()
	for _, fault := range []smFault{
		{400, "ThrottlingException", "Rate exceeded"},
		{400, "ExpiredTokenException", "The security token included in the request is expired"},
	} {
		t.Run(fault.code, func(t *testing.T) {
			t.Parallel()
			clk := fakeclock.New()
			fs := newTestSM(t)
			fs.put("prod/jupico/api", `{"username":"api-user","password":"api-pass"}`)
			p, err := awssm.Credentials(fs.client(), "prod/jupico/api")
			require.NoError(t, err)
			refreshErrs := make(chan error, 10)
			cache, cerr := credentials.NewCache(p, credentials.WithClock(clk),
				credentials.WithOnRefreshError(func(err error) { refreshErrs <- err }))
			require.NoError(t, cerr)
			t.Cleanup(func() { _ = cache.Close() })
			c, err := cache.Retrieve(context.Background())
			require.NoError(t, err)
			require.Equal(t, "api-user", c.Username())

			for range 10 {
				fs.fail(fault)
			}
			clk.Advance(credentials.DefaultRefreshInterval) // a background refresh is due
			c, err = cache.Retrieve(context.Background())
			require.NoError(t, err)
			assert.Equal(t, "api-user", c.Username())
			var refreshErr error
			select {
			case refreshErr = <-refreshErrs:
			case <-time.After(10 * time.Second):
				t.Fatal("no refresh was attempted")
			}
			if fault.code == "ThrottlingException" {
				assert.ErrorIs(t, refreshErr, awssm.ErrThrottled)
			} else {
				assert.ErrorIs(t, refreshErr, awssm.ErrExpiredToken)
			}
			calls := len(fs.requestLog())
			for range 20 {
				c, err = cache.Retrieve(context.Background())
				require.NoError(t, err)
				assert.Equal(t, "api-user", c.Username(), "the last good key stays in use")
			}
			assert.Equal(t, calls, len(fs.requestLog()), "no further call during the backoff")
		})
	}
}

func TestMalformedSecret(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		value  *string
		binary []byte
		field  string
		reason credentials.Reason
	}{
		{"binary secret", nil, []byte(`{"username":"api-user","password":"api-pass"}`), "SecretString", credentials.ReasonMissing},
		{"not json", ptr("api-user:api-pass"), nil, "", credentials.ReasonMalformed},
		{"array", ptr(`["api-user","api-pass"]`), nil, "", credentials.ReasonMalformed},
		{"trailing data", ptr(`{"username":"api-user","password":"api-pass"} {}`), nil, "", credentials.ReasonMalformed},
		{"password missing", ptr(`{"username":"api-user"}`), nil, "password", credentials.ReasonMissing},
		{"nothing usable", ptr(`{"user":"api-user"}`), nil, "", credentials.ReasonNoneSet},
		{"not a string", ptr(`{"username":"api-user","password":12345}`), nil, "password", credentials.ReasonNotString},
		{"conflict", ptr(`{"apiKey":"` + demoKey + `","password":"api-pass"}`), nil, "apiKey and password", credentials.ReasonConflict},
		{"bad api key", ptr(`{"apiKey":"bm90LWEta2V5"}`), nil, "apiKey", credentials.ReasonNotUserPass},
		{"inner space", ptr(`{"username":"api-user","password":"api pass"}`), nil, "password", credentials.ReasonSpace},
		{"duplicate", ptr(`{"username":"a","password":"api-pass","password":"b"}`), nil, "password", credentials.ReasonDuplicate},
		{"bad expiresAt", ptr(`{"username":"api-user","password":"api-pass","expiresAt":"soon"}`), nil, "expiresAt", credentials.ReasonBadTime},
		{"over 64 KiB", ptr(`{"username":"api-user","password":"api-pass","pad":"` + strings.Repeat("x", 64<<10) + `"}`), nil, "SecretString", credentials.ReasonTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs := newTestSM(t)
			id := fs.putVersion("prod/jupico/api", &smVersion{value: tt.value, binary: tt.binary, created: time.Now()})
			p, err := awssm.Credentials(fs.client(), "prod/jupico/api")
			require.NoError(t, err)
			_, err = p.Retrieve(context.Background())
			require.ErrorIs(t, err, credentials.ErrInvalid)
			var ve *credentials.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, "awssm:prod/jupico/api@"+id, ve.Source)
			assert.Equal(t, tt.field, ve.Field)
			assert.Equal(t, tt.reason, ve.Reason)
			assert.NotContains(t, err.Error(), "api-pass")
			assert.NotContains(t, err.Error(), "api pass")
		})
	}
}

func TestConfig(t *testing.T) {
	t.Parallel()
	fs := newTestSM(t)
	api := fs.client()
	for _, id := range []string{"", "a b", "a\nb", strings.Repeat("x", 2049)} {
		_, err := awssm.Credentials(api, id)
		assert.ErrorIs(t, err, awssm.ErrInvalidOption, "Credentials(%q)", id)
		_, err = awssm.WebhookSecrets(api, id)
		assert.ErrorIs(t, err, awssm.ErrInvalidOption, "WebhookSecrets(%q)", id)
	}
	_, err := awssm.Credentials(nil, "prod/jupico/api")
	assert.ErrorIs(t, err, awssm.ErrInvalidOption)
	_, err = awssm.WebhookSecrets(api, "prod/jupico/hooks", awssm.WithPreviousFor(-time.Second))
	assert.ErrorIs(t, err, awssm.ErrInvalidOption)
	// A nil option or a nil clock is refused, never ignored, and every
	// configuration error is the module's one sentinel.
	_, err = awssm.WebhookSecrets(api, "prod/jupico/hooks", nil)
	assert.ErrorIs(t, err, credentials.ErrInvalidOption)
	_, err = awssm.WebhookSecrets(api, "prod/jupico/hooks", awssm.WithClock(nil))
	assert.ErrorIs(t, err, credentials.ErrInvalidOption)
	_, err = awssm.Credentials(api, "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/jupico/api-AbCdEf")
	assert.NoError(t, err)
	assert.Empty(t, fs.requestLog())
}

func TestContextIsHonoured(t *testing.T) {
	t.Parallel()
	fs := newTestSM(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	p, err := awssm.Credentials(fs.client(), "prod/jupico/api")
	require.NoError(t, err)
	_, err = p.Retrieve(ctx)
	assert.ErrorIs(t, err, context.Canceled)
	var e *awssm.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "awssm: get secret prod/jupico/api (AWSCURRENT): context canceled", err.Error())
}

func TestMalformedResponse(t *testing.T) {
	t.Parallel()
	fs := newTestSM(t)
	fs.setHandler(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = w.Write([]byte(`{"SecretString": "{\"username\":\"api-user\",\"password\":\"leaky-pass`))
	})
	p, err := awssm.Credentials(fs.client(), "prod/jupico/api")
	require.NoError(t, err)
	_, err = p.Retrieve(context.Background())
	assert.ErrorIs(t, err, awssm.ErrMalformedResponse)
	assert.NotContains(t, err.Error(), "leaky")
}

func TestChain(t *testing.T) {
	t.Parallel()
	fs := newTestSM(t)
	fs.put("prod/jupico/api", `{"username":"aws-user","password":"api-pass"}`)
	missing, err := awssm.Credentials(fs.client(), "prod/jupico/missing")
	require.NoError(t, err)
	found, err := awssm.Credentials(fs.client(), "prod/jupico/api")
	require.NoError(t, err)

	c, err := credentials.Chain(missing, found, credentials.Static("fallback-user", "fallback-pass")).Retrieve(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "aws-user", c.Username(), "a missing secret moves on; the next one answers")

	fs.fail(smFault{400, "AccessDeniedException", "denied"})
	called := false
	next := credentials.ProviderFunc(func(context.Context) (credentials.Credentials, error) {
		called = true
		return credentials.Credentials{}, errors.New("unreachable")
	})
	_, err = credentials.Chain(found, next).Retrieve(context.Background())
	assert.ErrorIs(t, err, awssm.ErrAccessDenied)
	assert.False(t, called, "access denied stops the chain")
}

func ptr(s string) *string { return &s }
