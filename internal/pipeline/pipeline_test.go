package pipeline_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/jupico/jupico-go/internal/pipeline"
	"github.com/jupico/jupico-go/internal/transport"
	"github.com/jupico/jupico-go/internal/wire"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newPipeline(t *testing.T, srv *jupicotest.Server, base string, mod func(*pipeline.Config)) *pipeline.Pipeline {
	t.Helper()
	u, err := url.Parse(base)
	require.NoError(t, err)
	tr := transport.New(transport.Options{RootCAs: srv.CertPool()})
	cfg := pipeline.Config{
		BaseURL:            u,
		Transport:          tr,
		Credentials:        srv.Credentials(),
		Logger:             slog.New(slog.DiscardHandler),
		UserAgent:          "test",
		Retry:              pipeline.Retry{MaxAttempts: 3, MinDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond},
		Timeout:            5 * time.Second,
		TransactionTimeout: 5 * time.Second,
	}
	if mod != nil {
		mod(&cfg)
	}
	p := pipeline.New(cfg)
	t.Cleanup(tr.CloseIdleConnections)
	return p
}

var saleBody = []byte(`{"subMerchantId":"m1","amount":10.00,"paymentToken":{"type":"permanent","token":"tok_1"}}`)

// The retry matrix: what each kind of operation does with each failure.
func TestRetryMatrix(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name         string
		op           *wire.Operation
		fault        jupicotest.Fault
		wantRequests int
		wantErr      error // nil: an HTTP answer comes back
		wantStatus   int
		wantUnknown  bool
	}{
		{"transaction 500 is sent once", &wire.CardSale, jupicotest.Fault{Status: 500, Code: "internal_server_error"}, 1, nil, 500, false},
		{"transaction 400 failed is sent once", &wire.CardSale, jupicotest.Fault{Status: 400}, 1, nil, 400, false},
		{"transaction 502 is sent once", &wire.CardSale, jupicotest.Fault{Status: 502}, 1, nil, 502, false},
		{"transaction 429 is sent once", &wire.CardSale, jupicotest.Fault{Status: 429, RetryAfter: "0"}, 1, nil, 429, false},
		{"transaction 503 is retried", &wire.CardSale, jupicotest.Fault{Status: 503, Code: "service_unavailable"}, 3, nil, 503, false},
		{"transaction dropped after send is sent once", &wire.CardSale, jupicotest.Fault{DropConnection: true}, 1, pipeline.ErrConnection, 0, true},
		{"transaction timeout is sent once", &wire.CardSale, jupicotest.Fault{Delay: time.Minute}, 1, pipeline.ErrTimeout, 0, true},
		{"write 503 is retried", &wire.BrowserSession, jupicotest.Fault{Status: 503}, 3, nil, 503, false},
		{"write 500 is sent once", &wire.BrowserSession, jupicotest.Fault{Status: 500}, 1, nil, 500, false},
		{"read 500 is sent once", &wire.QueryTransactions, jupicotest.Fault{Status: 500}, 1, nil, 500, false},
		{"read 502 is retried", &wire.QueryTransactions, jupicotest.Fault{Status: 502}, 3, nil, 502, false},
		{"read 504 is retried", &wire.QueryTransactions, jupicotest.Fault{Status: 504}, 3, nil, 504, false},
		{"read 429 is retried", &wire.QueryTransactions, jupicotest.Fault{Status: 429, RetryAfter: "0"}, 3, nil, 429, false},
		{"read dropped connection is retried", &wire.QueryTransactions, jupicotest.Fault{DropConnection: true}, 3, pipeline.ErrConnection, 0, true},
		{"read timeout is retried", &wire.QueryTransactions, jupicotest.Fault{Delay: time.Minute}, 3, pipeline.ErrTimeout, 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := jupicotest.NewServer(t)
			srv.InjectFault(tc.op.Path, tc.fault)
			p := newPipeline(t, srv, srv.URL(), func(c *pipeline.Config) {
				c.Timeout, c.TransactionTimeout = 300*time.Millisecond, 300*time.Millisecond
			})
			resp, err := p.Do(context.Background(), tc.op, saleBody)
			reqs := srv.RequestsTo(tc.op.Path)
			assert.Len(t, reqs, tc.wantRequests)
			for i, r := range reqs {
				assert.True(t, bytes.Equal(saleBody, r.Body), "attempt %d sent a different body", i+1)
			}
			if tc.wantErr != nil {
				require.Error(t, err)
				assert.ErrorIs(t, err, tc.wantErr)
				var pe *pipeline.Error
				require.ErrorAs(t, err, &pe)
				assert.Equal(t, tc.wantRequests, pe.Attempts)
				assert.Equal(t, tc.wantUnknown, pe.Unknown)
				if tc.wantErr == pipeline.ErrTimeout {
					// The attempt's own deadline reads as a deadline, never as
					// the caller's cancellation.
					assert.ErrorIs(t, err, context.DeadlineExceeded)
					assert.NotErrorIs(t, err, context.Canceled)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.wantStatus, resp.StatusCode)
			assert.Equal(t, tc.wantRequests, resp.Attempts)
		})
	}
}

// A transaction whose connection is refused never left: it is retried, and
// its outcome is known (nothing was processed).
func TestTransactionDialErrorIsRetried(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens there now

	var attempts int
	p := newPipeline(t, srv, "https://"+addr, func(c *pipeline.Config) {
		c.Middleware = func(next http.RoundTripper) http.RoundTripper {
			return rt(func(r *http.Request) (*http.Response, error) { attempts++; return next.RoundTrip(r) })
		}
	})
	_, err = p.Do(context.Background(), &wire.CardSale, saleBody)
	require.Error(t, err)
	assert.ErrorIs(t, err, pipeline.ErrConnection)
	var pe *pipeline.Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, 3, pe.Attempts)
	assert.Equal(t, 3, attempts)
	assert.False(t, pe.Unknown, "a refused connection carried nothing")
}

// The caller cancelling while a transaction is in flight leaves its outcome
// unknown.
func TestCallerCancelMidTransactionIsUnknown(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	srv.InjectFault(wire.CardSale.Path, jupicotest.Fault{Delay: time.Minute})
	p := newPipeline(t, srv, srv.URL(), nil)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for len(srv.RequestsTo(wire.CardSale.Path)) == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err := p.Do(ctx, &wire.CardSale, saleBody)
	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	var pe *pipeline.Error
	require.ErrorAs(t, err, &pe)
	assert.True(t, pe.Unknown)
	assert.Equal(t, 1, pe.Attempts)
}

func TestRetryAfterHTTPDate(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	srv.InjectFault(wire.Status.Path, jupicotest.Fault{Status: 503, RetryAfter: time.Now().Add(time.Hour).UTC().Format(http.TimeFormat), Times: 1})
	p := newPipeline(t, srv, srv.URL(), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	resp, err := p.Do(ctx, &wire.Status, nil)
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode)
	assert.Equal(t, 2, resp.Attempts)
}

type rt func(*http.Request) (*http.Response, error)

func (f rt) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// A read whose answer breaks off mid-body is retried like any transport
// failure; a transaction's is not (its outcome is unknown).
func TestBrokenBodyIsRetriedForReadsOnly(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		op   *wire.Operation
		want int
	}{{&wire.QueryTransactions, 3}, {&wire.CardSale, 1}} {
		srv := jupicotest.NewServer(t)
		srv.InjectFault(tc.op.Path, jupicotest.Fault{Status: 200, Body: []byte(`{"success":true,"data":{"transactions":[]}}`), ResetAfter: 5})
		p := newPipeline(t, srv, srv.URL(), nil)
		_, err := p.Do(context.Background(), tc.op, saleBody)
		require.Error(t, err, tc.op.Name)
		assert.ErrorIs(t, err, pipeline.ErrConnection, tc.op.Name)
		assert.Len(t, srv.RequestsTo(tc.op.Path), tc.want, tc.op.Name)
		var pe *pipeline.Error
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, tc.want, pe.Attempts)
	}
	// And a read that recovers returns the good answer.
	srv := jupicotest.NewServer(t)
	srv.InjectFault(wire.Status.Path, jupicotest.Fault{Status: 200, Body: []byte(`{"success":true}`), ResetAfter: 3, Times: 1})
	p := newPipeline(t, srv, srv.URL(), nil)
	resp, err := p.Do(context.Background(), &wire.Status, nil)
	require.NoError(t, err)
	assert.Equal(t, 2, resp.Attempts)
}

// A base URL with a path keeps it in front of every operation's path, with
// with or without a trailing slash, escaped characters included.
func TestBaseURLPathPrefix(t *testing.T) {
	t.Parallel()
	srv := jupicotest.Start()
	defer srv.Close()
	cases := map[string]string{
		"":             "/status",
		"/":            "/status",
		"/gateway":     "/gateway/status",
		"/gateway/":    "/gateway/status",
		"/a%20b/":      "/a b/status",
		"/v%C3%A9/api": "/vé/api/status",
	}
	for suffix, want := range cases {
		before := len(srv.Requests())
		p := newPipeline(t, srv, srv.URL()+suffix, nil)
		resp, err := p.Do(context.Background(), &wire.Status, nil)
		require.NoError(t, err, suffix)
		reqs := srv.Requests()
		require.Len(t, reqs, before+1, suffix)
		got := reqs[len(reqs)-1]
		if want == "/status" {
			assert.Equal(t, http.StatusOK, resp.StatusCode)
		}
		assert.Equal(t, want, got.Path, "base path %q", suffix)
	}
}
