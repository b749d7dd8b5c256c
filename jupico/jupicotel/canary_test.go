package jupicotel_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
	"github.com/jupico/jupico-go/webhook"
)

// No span, event, link or metric attribute, span name or status ever holds
// a credential, a reference, a body or the webhook secret, whatever
// happens.
func TestNoSecretIsRecorded(t *testing.T) {
	t.Parallel()
	const (
		user     = "canary-user-7f3a"
		pass     = "canary-pass-9b1c"
		newUser  = "canary-user-rotated-2c8d"
		newPass  = "canary-pass-rotated-6a0e"
		ref      = "canary-ref-4d2e"
		desc     = "canary-description-8f1b"
		meta     = "canary-metadata-3e7c"
		whSecret = "canary-webhook-secret-5e6f-0123"
	)
	secret := "whsec_" + base64.StdEncoding.EncodeToString([]byte(whSecret))
	canaries := []string{user, pass, newUser, newPass, ref, desc, meta, whSecret, secret,
		base64.StdEncoding.EncodeToString([]byte(user + ":" + pass)), base64.StdEncoding.EncodeToString([]byte(newUser + ":" + newPass)),
		"tok_visa_4242", "canary"}

	h := newHarness(t)
	srv := jupicotest.NewServer(t, jupicotest.WithCredentials(user, pass), jupicotest.WithWebhookSecret(secret))
	c := srv.Client(fast, jupico.WithObserver(h.obs))
	ctx := context.Background()
	req := func(cents int64) *jupico.ChargeRequest {
		r := sale(cents)
		r.Reference, r.Description, r.Metadata = ref, desc, map[string]string{"order": meta}
		return r
	}

	_, err := c.CreditCard.Sale(ctx, req(2500)) // approved
	require.NoError(t, err)
	srv.InjectFault(salePath, jupicotest.Fault{Status: http.StatusServiceUnavailable, Code: "service_unavailable", Message: ref, Times: 1})
	_, err = c.CreditCard.Sale(ctx, req(2501)) // 503, then approved
	require.NoError(t, err)
	srv.InjectFault(salePath, jupicotest.Fault{Status: http.StatusInternalServerError, Message: ref, Times: 1})
	_, err = c.CreditCard.Sale(ctx, req(2502)) // unknown, rolled back
	require.ErrorIs(t, err, jupico.ErrRolledBack)
	srv.InjectFault(salePath, jupicotest.Fault{DropConnection: true, AfterProcessing: true, Times: 1})
	_, err = c.CreditCard.Sale(ctx, req(2503)) // lost answer, rolled back
	require.ErrorIs(t, err, jupico.ErrIndeterminate)
	srv.InjectFault(salePath, jupicotest.Fault{Status: http.StatusBadRequest, Code: "invalid_payload", Message: ref, Times: 1})
	_, err = c.CreditCard.Sale(ctx, req(2504)) // rejected
	require.Error(t, err)
	declined := req(9020)
	declined.PaymentToken = jupico.PermanentToken("card", jupico.SandboxTestToken)
	_, err = c.CreditCard.Sale(ctx, declined)
	require.ErrorIs(t, err, jupico.ErrDeclined)

	// A rotated key: the stale one is refused, the new one read and sent.
	rotated := srv.Client(fast, jupico.WithObserver(h.obs), jupico.WithCredentials(staleThenFresh(srv, user, pass, newUser, newPass)))
	_, err = rotated.CreditCard.Sale(ctx, req(2505))
	require.NoError(t, err)

	// Webhooks: one processed, one forged.
	var processed atomic.Int32
	recv := receiver(t, h, secret, &processed)
	srv.SetWebhookClient(recv.Client())
	event := jupicotest.WebhookEvent{Type: webhook.EventMerchantActivation, Data: []byte(`{"subMerchantId":"` + ref + `"}`)}
	d, err := srv.SendWebhook(ctx, recv.URL+"/webhooks/jupico?token="+pass, event)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, d.StatusCode)
	forger := jupicotest.NewServer(t, jupicotest.WithWebhookClient(recv.Client()))
	d, err = forger.SendWebhook(ctx, recv.URL+"/webhooks/jupico", event)
	require.NoError(t, err)
	require.Equal(t, http.StatusUnauthorized, d.StatusCode)

	var seen []string
	check := func(where string, kvs ...attribute.KeyValue) {
		for _, kv := range kvs {
			seen = append(seen, where+" "+string(kv.Key)+"="+kv.Value.String())
		}
	}
	spans := h.spans.Ended()
	require.GreaterOrEqual(t, len(spans), 10)
	for _, s := range spans {
		seen = append(seen, "span name "+s.Name(), "span status "+s.Status().Description)
		check("span", s.Attributes()...)
		for _, e := range s.Events() {
			seen = append(seen, "event name "+e.Name)
			check("event", e.Attributes...)
		}
		for _, l := range s.Links() {
			check("link", l.Attributes...)
		}
	}
	var rm metricdata.ResourceMetrics
	require.NoError(t, h.reader.Collect(ctx, &rm))
	points := 0
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					points++
					check("metric "+m.Name, p.Attributes.ToSlice()...)
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					points++
					check("metric "+m.Name, p.Attributes.ToSlice()...)
				}
			}
		}
	}
	require.GreaterOrEqual(t, points, 10)
	all := strings.Join(seen, "\n")
	for _, want := range []string{"jupico.outcome=indeterminate", "jupico.rollback.result=acknowledged", "jupico.reauth.changed=true",
		"jupico.retry.reason=status", "jupico.outcome=declined", "jupico.outcome=rejected", "jupico.webhook.reason=signature",
		"jupico.webhook.result=processed", "jupico.link.type=rollback_of"} {
		require.Contains(t, all, want, "every scenario was observed")
	}
	for _, s := range seen {
		for _, canary := range canaries {
			if strings.Contains(s, canary) {
				t.Errorf("%s holds %q", s, canary)
			}
		}
	}
}
