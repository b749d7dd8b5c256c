package awssm_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/credentials/awssm"
	"github.com/jupico/jupico-go/internal/testkit/fakeclock"
	"github.com/jupico/jupico-go/webhook"
)

// whsec returns a valid Standard Webhooks secret derived from seed.
func whsec(seed byte) string {
	b := make([]byte, 32)
	for i := range b {
		b[i] = seed + byte(i)
	}
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

func reveal(ss []credentials.Secret) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.Reveal()
	}
	return out
}

func TestWebhookSecrets(t *testing.T) {
	t.Parallel()
	now := fakeclock.New().Now()
	s1, s2 := whsec(1), whsec(2)
	doc := func(s string) string { return `{"webhookSecret":"` + s + `"}` }
	tests := []struct {
		name   string
		setup  func(fs *fakeSM)
		opts   []awssm.Option
		want   []string
		stages []string
	}{
		{
			name:   "no previous version",
			setup:  func(fs *fakeSM) { fs.putAt("prod/jupico/hooks", doc(s1), now.Add(-time.Minute)) },
			want:   []string{s1},
			stages: []string{"AWSCURRENT", "AWSPREVIOUS"},
		},
		{
			name: "during a rotation: AWSCURRENT then AWSPREVIOUS",
			setup: func(fs *fakeSM) {
				fs.putAt("prod/jupico/hooks", doc(s1), now.Add(-30*24*time.Hour))
				fs.putAt("prod/jupico/hooks", doc(s2), now.Add(-5*time.Minute))
			},
			want:   []string{s2, s1},
			stages: []string{"AWSCURRENT", "AWSPREVIOUS"},
		},
		{
			name: "after the window: AWSCURRENT only",
			setup: func(fs *fakeSM) {
				fs.putAt("prod/jupico/hooks", doc(s1), now.Add(-30*24*time.Hour))
				fs.putAt("prod/jupico/hooks", doc(s2), now.Add(-2*time.Hour))
			},
			want:   []string{s2},
			stages: []string{"AWSCURRENT"},
		},
		{
			name: "window zero",
			setup: func(fs *fakeSM) {
				fs.putAt("prod/jupico/hooks", doc(s1), now.Add(-time.Hour))
				fs.putAt("prod/jupico/hooks", doc(s2), now)
			},
			opts:   []awssm.Option{awssm.WithPreviousFor(0)},
			want:   []string{s2},
			stages: []string{"AWSCURRENT"},
		},
		{
			name: "previous malformed is skipped",
			setup: func(fs *fakeSM) {
				fs.putAt("prod/jupico/hooks", `not json`, now.Add(-time.Hour))
				fs.putAt("prod/jupico/hooks", doc(s2), now)
			},
			want:   []string{s2},
			stages: []string{"AWSCURRENT", "AWSPREVIOUS"},
		},
		{
			name: "plaintext secret string",
			setup: func(fs *fakeSM) {
				fs.putAt("prod/jupico/hooks", s1+"\n", now.Add(-time.Hour))
				fs.putAt("prod/jupico/hooks", s2, now)
			},
			opts:   []awssm.Option{awssm.WithField("")},
			want:   []string{s2, s1},
			stages: []string{"AWSCURRENT", "AWSPREVIOUS"},
		},
		{
			name: "custom field",
			setup: func(fs *fakeSM) {
				fs.putAt("prod/jupico/hooks", `{"signing":"`+s1+`","username":"u"}`, now)
			},
			opts:   []awssm.Option{awssm.WithField("signing")},
			want:   []string{s1},
			stages: []string{"AWSCURRENT", "AWSPREVIOUS"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs := newTestSM(t)
			tt.setup(fs)
			opts := append([]awssm.Option{awssm.WithClock(fakeclock.New())}, tt.opts...)
			p, err := awssm.WebhookSecrets(fs.client(), "prod/jupico/hooks", opts...)
			require.NoError(t, err)
			got, err := p.RetrieveSecrets(context.Background())
			require.NoError(t, err)
			assert.Equal(t, tt.want, reveal(got))
			var stages []string
			for _, r := range fs.requestLog() {
				stages = append(stages, r.Stage)
				assert.NoError(t, r.SigErr)
			}
			assert.Equal(t, tt.stages, stages)
		})
	}
}

func TestWebhookSecretsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		value  string
		field  string
		reason credentials.Reason
	}{
		{"missing field", `{"username":"u"}`, "webhookSecret", credentials.ReasonMissing},
		{"inner space", `{"webhookSecret":"whsec_abc def-secret"}`, "webhookSecret", credentials.ReasonSpace},
		{"not an object", `whsec_plain`, "", credentials.ReasonMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fs := newTestSM(t)
			fs.put("prod/jupico/hooks", tt.value)
			p, err := awssm.WebhookSecrets(fs.client(), "prod/jupico/hooks")
			require.NoError(t, err)
			_, err = p.RetrieveSecrets(context.Background())
			var ve *credentials.ValidationError
			require.ErrorAs(t, err, &ve)
			assert.Equal(t, tt.field, ve.Field)
			assert.Equal(t, tt.reason, ve.Reason)
			assert.NotContains(t, err.Error(), "def-secret")
		})
	}
	t.Run("AWSPREVIOUS unreadable for another reason", func(t *testing.T) {
		t.Parallel()
		fs := newTestSM(t)
		fs.put("prod/jupico/hooks", `{"webhookSecret":"`+whsec(1)+`"}`)
		fs.put("prod/jupico/hooks", `{"webhookSecret":"`+whsec(2)+`"}`)
		p, err := awssm.WebhookSecrets(fs.client(), "prod/jupico/hooks")
		require.NoError(t, err)
		var n atomic.Int32
		fs.setHandler(func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) == 1 {
				writeSM(w, 200, map[string]any{"VersionId": "v2", "SecretString": `{"webhookSecret":"` + whsec(2) + `"}`, "CreatedDate": float64(time.Now().Unix())})
				return
			}
			smError(w, 400, "AccessDeniedException", "no")
		})
		_, err = p.RetrieveSecrets(context.Background())
		assert.ErrorIs(t, err, awssm.ErrAccessDenied)
		var e *awssm.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, "AWSPREVIOUS", e.Stage)
	})
}

// A rotation in Secrets Manager seen by a webhook verifier: while the new
// version is fresh, deliveries signed with either secret verify.
func TestWebhookRotationVerifies(t *testing.T) {
	t.Parallel()
	oldSecret, newSecret := whsec(10), whsec(20)
	fs := newTestSM(t)
	fs.putAt("prod/jupico/hooks", `{"webhookSecret":"`+oldSecret+`"}`, time.Now().Add(-24*time.Hour))
	fs.put("prod/jupico/hooks", `{"webhookSecret":"`+newSecret+`"}`)
	p, err := awssm.WebhookSecrets(fs.client(), "prod/jupico/hooks")
	require.NoError(t, err)
	set, err := credentials.NewSecretSet(context.Background(), p)
	require.NoError(t, err)
	t.Cleanup(func() { _ = set.Close() })
	v, err := webhook.NewVerifier("", webhook.WithSecretSource(set))
	require.NoError(t, err)

	body := []byte(`{"event":"onMerchantActivation","datetime":"2030-01-02T03:04:05.000Z","data":{}}`)
	for _, secret := range []string{newSecret, oldSecret} {
		ts := time.Now()
		sig, err := webhook.Sign(secret, "msg_1", ts, body)
		require.NoError(t, err)
		h := http.Header{}
		h.Set("webhook-id", "msg_1")
		h.Set("webhook-timestamp", strconv.FormatInt(ts.Unix(), 10))
		h.Set("webhook-signature", sig)
		assert.NoError(t, v.Verify(h, body))
	}
	wrong, err := webhook.Sign(whsec(30), "msg_1", time.Now(), body)
	require.NoError(t, err)
	h := http.Header{}
	h.Set("webhook-id", "msg_1")
	h.Set("webhook-timestamp", strconv.FormatInt(time.Now().Unix(), 10))
	h.Set("webhook-signature", wrong)
	assert.Error(t, v.Verify(h, body))
}
