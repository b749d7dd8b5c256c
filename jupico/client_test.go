package jupico_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/internal/testkit/testproc"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// fast is a retry policy that keeps tests quick.
var fast = jupico.WithRetry(jupico.RetryPolicy{MaxAttempts: 3, MinDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond})

func TestStatusAgainstFake(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client(jupico.WithUserAgent("acme-checkout/2.3"))
	st, err := c.Status(context.Background())
	require.NoError(t, err)
	assert.True(t, st.Online)
	assert.JSONEq(t, `{"success":true,"status":"succeeded","data":{"status":"online"}}`, string(st.Body))
	assert.NotEmpty(t, st.RequestID)

	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	r := reqs[0]
	assert.Equal(t, http.MethodGet, r.Method)
	assert.Equal(t, "/status", r.Path)
	assert.Equal(t, jupicotest.DefaultUsername, r.Username)
	assert.Equal(t, "application/json", r.ContentType)
	assert.Equal(t, "{}", string(r.Body), "an empty request still sends {} as Jupico asks")
	assert.Equal(t, "HTTP/2.0", r.Protocol)
	want := fmt.Sprintf("jupico-go/%s go/%s acme-checkout/2.3", jupico.Version, runtime.Version())
	assert.Equal(t, want, r.UserAgent)
}

func TestWrongCredentialsGiveUnauthorized(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client(jupico.WithCredentials(credentials.Static("jupicotest", "wrong-password")), fast)
	_, err := c.Status(context.Background())
	require.Error(t, err)
	assert.ErrorIs(t, err, jupico.ErrUnauthorized)
	var ae *jupico.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusUnauthorized, ae.HTTPStatus)
	assert.Equal(t, jupico.ErrorCodeAuthInvalidAPIToken, ae.Code)
	assert.NotEmpty(t, ae.RequestID)
	assert.Equal(t, 1, srv.Refused(), "a 401 is not retried when the credentials did not change")
	assert.Empty(t, srv.Requests(), "the fake records only authenticated requests")
}

func TestMissingCredentialsSendNothing(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	failing := credentials.ProviderFunc(func(context.Context) (credentials.Credentials, error) {
		return credentials.Credentials{}, credentials.ErrNoCredentials
	})
	c := srv.Client(jupico.WithCredentials(failing), fast)
	_, err := c.Status(context.Background())
	assert.ErrorIs(t, err, jupico.ErrCredentials)
	assert.ErrorIs(t, err, credentials.ErrNoCredentials)
	assert.Empty(t, srv.Requests())
}

func TestRotatedCredentialsAreUsedWithoutRestart(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	var current atomic.Pointer[credentials.Credentials]
	old, err := credentials.NewBasic(jupicotest.DefaultUsername, jupicotest.DefaultPassword)
	require.NoError(t, err)
	current.Store(&old)
	provider := credentials.ProviderFunc(func(context.Context) (credentials.Credentials, error) { return *current.Load(), nil })
	c := srv.Client(jupico.WithCredentials(provider))

	_, err = c.Status(context.Background())
	require.NoError(t, err)

	// The key is rotated where the provider reads it, then Jupico stops
	// accepting the old one. The next call still succeeds: its 401 makes the
	// client drop the cached key, read the new one and send again.
	next, err := credentials.NewBasic("rotated-user", "rotated-password")
	require.NoError(t, err)
	current.Store(&next)
	srv.SetCredentials("rotated-user", "rotated-password")
	_, err = c.Status(context.Background())
	require.NoError(t, err)
	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, 1, srv.Refused(), "the cached key was tried first")
	assert.Equal(t, "rotated-user", reqs[1].Username)

	_, err = c.Status(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "rotated-user", srv.Requests()[2].Username, "and is cached from then on")
	assert.Equal(t, 1, srv.Refused())
}

// A Kubernetes secret volume rotated by the kubelet's atomic ..data symlink
// swap under a running client: no request fails.
func TestKubernetesSecretRotationUnderLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeVersion := func(version, user, pass string) {
		vdir := filepath.Join(dir, version)
		require.NoError(t, os.Mkdir(vdir, 0o700))
		require.NoError(t, os.WriteFile(filepath.Join(vdir, "username"), []byte(user+"\n"), 0o600))
		require.NoError(t, os.WriteFile(filepath.Join(vdir, "password"), []byte(pass+"\n"), 0o600))
		tmp := filepath.Join(dir, "..data_tmp")
		require.NoError(t, os.Symlink(version, tmp))
		require.NoError(t, os.Rename(tmp, filepath.Join(dir, "..data")))
	}
	writeVersion("..2026_11_28_v1", jupicotest.DefaultUsername, jupicotest.DefaultPassword)
	for _, f := range []string{"username", "password"} {
		require.NoError(t, os.Symlink(filepath.Join("..data", f), filepath.Join(dir, f)))
	}

	srv := jupicotest.NewServer(t)
	c := srv.Client(jupico.WithCredentials(credentials.FromFile(dir)))
	var ok, failed atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := c.Status(context.Background()); err != nil {
					failed.Add(1)
					t.Errorf("request failed during rotation: %v", err)
					return
				}
				ok.Add(1)
			}
		}()
	}
	waitFor := func(n int64) {
		require.Eventually(t, func() bool { return ok.Load() >= n }, 20*time.Second, time.Millisecond)
	}
	waitFor(50)
	writeVersion("..2026_11_28_v2", "rotated-user", "rotated-password")
	srv.SetCredentials("rotated-user", "rotated-password")
	before := ok.Load()
	waitFor(before + 50)
	close(stop)
	wg.Wait()
	assert.Zero(t, failed.Load())
	reqs := srv.Requests()
	assert.Equal(t, "rotated-user", reqs[len(reqs)-1].Username)
}

func TestCredentialsChangedAfter401AreRetriedOnce(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	srv.SetCredentials("new-user", "new-password")
	oldCreds, _ := credentials.NewBasic("old-user", "old-password")
	newCreds, _ := credentials.NewBasic("new-user", "new-password")
	var calls atomic.Int32
	// The first answer is the stale key; every later one the rotated key,
	// as a cache would give after being invalidated.
	provider := credentials.ProviderFunc(func(context.Context) (credentials.Credentials, error) {
		if calls.Add(1) == 1 {
			return oldCreds, nil
		}
		return newCreds, nil
	})
	c := srv.Client(jupico.WithCredentials(provider), jupico.WithRetry(jupico.NoRetry()))
	_, err := c.Status(context.Background())
	require.NoError(t, err)
	assert.Equal(t, int32(2), calls.Load(), "the stale key, then the rotated one")
	assert.Equal(t, 1, srv.Refused(), "the stale key was refused once")
	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "new-user", reqs[0].Username)
}

// A key rotated twice while one call is in flight: the 401 for the first
// key brings the second, which has been revoked too by the time it is sent;
// its 401 brings the third, which Jupico accepts.
func TestCredentialsRotatedTwiceDuringOneCall(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	srv.SetCredentials("user-v3", "password-v3")
	var calls atomic.Int32
	provider := credentials.ProviderFunc(func(context.Context) (credentials.Credentials, error) {
		n := min(calls.Add(1), 3)
		return credentials.NewBasic(fmt.Sprintf("user-v%d", n), fmt.Sprintf("password-v%d", n))
	})
	c := srv.Client(jupico.WithCredentials(provider), jupico.WithRetry(jupico.NoRetry()))
	_, err := c.CreditCard.Sale(context.Background(), &jupico.ChargeRequest{
		SubMerchantID: "jpt-fs-demo-acc1-m1",
		Amount:        jupico.Cents(1234),
		PaymentToken:  jupico.PermanentToken("card", "tok_visa_4242"),
	})
	require.NoError(t, err)
	var users []string
	for _, r := range srv.Requests() {
		users = append(users, r.Username)
	}
	assert.Equal(t, []string{"user-v3"}, users)
	assert.Equal(t, 2, srv.Refused(), "user-v1 and user-v2 were refused")
	assert.Equal(t, int32(3), calls.Load())
	assert.Len(t, srv.Transactions(), 1, "charged once")
}

// A provider that hands out a different wrong key on every read does not
// keep a call going: after the first 401 it is sent again at most three
// times, then the 401 is returned.
func TestReauthAfter401IsBounded(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	var calls atomic.Int32
	provider := credentials.ProviderFunc(func(context.Context) (credentials.Credentials, error) {
		n := calls.Add(1)
		return credentials.NewBasic(fmt.Sprintf("wrong-user-%d", n), "wrong-password")
	})
	c := srv.Client(jupico.WithCredentials(provider), jupico.WithRetry(jupico.NoRetry()))
	_, err := c.Status(context.Background())
	require.ErrorIs(t, err, jupico.ErrUnauthorized)
	var ae *jupico.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 4, ae.Attempts)
	assert.Equal(t, 4, srv.Refused())
	assert.Empty(t, srv.Requests())
}

func TestServiceUnavailableIsRetried(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	srv.InjectFault("/status", jupicotest.Fault{Status: http.StatusServiceUnavailable, Code: "service_unavailable", Times: 2})
	c := srv.Client(fast)
	st, err := c.Status(context.Background())
	require.NoError(t, err)
	assert.True(t, st.Online)
	assert.Len(t, srv.Requests(), 3)
}

func TestRetriesExhaustedReportAttempts(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	srv.InjectFault("/status", jupicotest.Fault{Status: http.StatusServiceUnavailable, Code: "service_unavailable", Message: "external service unavailable"})
	c := srv.Client(fast)
	_, err := c.Status(context.Background())
	require.Error(t, err)
	assert.ErrorIs(t, err, jupico.ErrServiceUnavailable)
	var ae *jupico.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 3, ae.Attempts)
	assert.Equal(t, jupico.ErrorCodeServiceUnavailable, ae.Code)
	assert.Contains(t, err.Error(), "after 3 attempts")
	assert.Len(t, srv.Requests(), 3)
}

func TestRetryAfterIsCapped(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	srv.InjectFault("/status", jupicotest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "36000", Times: 1})
	var logs testproc.Buffer
	c := srv.Client(
		jupico.WithRetry(jupico.RetryPolicy{MaxAttempts: 2, MinDelay: time.Millisecond, MaxDelay: 20 * time.Millisecond}),
		jupico.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
	)
	// Were the 10 hours honoured, this context would end first.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := c.Status(ctx)
	require.NoError(t, err)
	assert.Contains(t, logs.String(), "wait=20ms retry_after=10h0m0s", "the wait is the cap, not the server's 10 hours")
}

func TestCancelDuringBackoffReturnsPromptly(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	srv.InjectFault("/status", jupicotest.Fault{Status: http.StatusServiceUnavailable, RetryAfter: "60"})
	// The client logs "retrying" as it starts to wait: cancel only then,
	// not as soon as the server has the request (the 503 may still be on
	// its way back, and a call cancelled before it arrives ends with it).
	backingOff := &signalWriter{match: "jupico: retrying", seen: make(chan struct{})}
	c := srv.Client(jupico.WithRetry(jupico.RetryPolicy{MaxAttempts: 5, MinDelay: time.Minute, MaxDelay: time.Minute}),
		jupico.WithLogger(slog.New(slog.NewTextHandler(backingOff, nil))))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.Status(ctx)
		done <- err
	}()
	select {
	case <-backingOff.seen:
	case <-time.After(10 * time.Second):
		t.Fatal("the client never started to back off")
	}
	cancel()
	select {
	case err := <-done:
		assert.ErrorIs(t, err, context.Canceled)
	case <-time.After(10 * time.Second):
		t.Fatal("Status did not return after its context was cancelled during a one-minute backoff")
	}
	assert.Len(t, srv.Requests(), 1)
}

func TestRedirectsAreNeverFollowed(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	plain := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer plain.Close()
	other := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer other.Close()

	for name, target := range map[string]string{
		"https to http, same host": strings.Replace(plain.URL, "127.0.0.1", "127.0.0.1", 1) + "/status",
		"cross host":               other.URL + "/status",
	} {
		for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
			srv := jupicotest.NewServer(t)
			srv.InjectFault("/status", jupicotest.Fault{Status: status, Header: http.Header{"Location": {target}}})
			c := srv.Client(fast)
			_, err := c.Status(context.Background())
			assert.ErrorIs(t, err, jupico.ErrRedirect, "%s %d", name, status)
			assert.Len(t, srv.Requests(), 1, "%s %d: a redirect is not retried", name, status)
		}
	}
	assert.Zero(t, hits.Load(), "the redirect targets received nothing")
}

func TestHugeResponseIsNotReadIntoMemory(t *testing.T) {
	srv := jupicotest.NewServer(t)
	srv.InjectFault("/status", jupicotest.Fault{BodySize: 100 << 20})
	c := srv.Client(fast)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := c.Status(context.Background())
	runtime.ReadMemStats(&after)
	require.Error(t, err)
	assert.ErrorIs(t, err, jupico.ErrResponseTooLarge)
	assert.Len(t, srv.Requests(), 1, "a response too large is not retried")
	allocated := after.TotalAlloc - before.TotalAlloc
	assert.Less(t, allocated, uint64(16<<20), "allocated %d bytes for a 100 MiB response", allocated)
}

func TestMiddlewareCannotBypassOrRedirect(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	elsewhere := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer elsewhere.Close()

	bypass := func(http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			rec := httptest.NewRecorder()
			rec.WriteString(`{"success":true}`)
			return rec.Result(), nil
		})
	}
	rewrite := func(next http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			r2 := r.Clone(r.Context())
			r2.URL.Scheme = "http"
			return next.RoundTrip(r2)
		})
	}
	rehost := func(next http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			r2 := r.Clone(r.Context())
			r2.URL.Host = strings.TrimPrefix(elsewhere.URL, "https://")
			return next.RoundTrip(r2)
		})
	}
	for name, m := range map[string]func(http.RoundTripper) http.RoundTripper{"bypass": bypass, "http rewrite": rewrite, "other host": rehost} {
		c := srv.Client(jupico.WithTransportMiddleware(m), fast)
		_, err := c.Status(context.Background())
		assert.ErrorIs(t, err, jupico.ErrTransportPolicy, name)
	}
	assert.Empty(t, srv.Requests())

	var seen atomic.Int32
	counting := func(next http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			seen.Add(1)
			return next.RoundTrip(r)
		})
	}
	c := srv.Client(jupico.WithTransportMiddleware(counting))
	_, err := c.Status(context.Background())
	require.NoError(t, err)
	assert.EqualValues(t, 1, seen.Load())
}

func TestNoSecretsInLogsErrorsOrFormatting(t *testing.T) {
	t.Parallel()
	const user, pass = "leak-canary-user", "Zq7-LEAK-CANARY-p4ss"
	encoded := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	srv := jupicotest.NewServer(t, jupicotest.WithCredentials(user, pass))
	var logs testproc.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var jsonLogs testproc.Buffer
	jsonLogger := slog.New(slog.NewJSONHandler(&jsonLogs, &slog.HandlerOptions{Level: slog.LevelDebug}))

	var out []string
	for _, opts := range [][]jupico.Option{
		{jupico.WithLogger(logger), fast},
		{jupico.WithLogger(jsonLogger), fast, jupico.WithCredentials(credentials.StaticAPIKey(encoded))},
		{jupico.WithLogger(logger), fast, jupico.WithCredentials(credentials.Static(user, pass+"x"))},
	} {
		c := srv.Client(opts...)
		out = append(out, fmt.Sprintf("%v %+v %#v %s", c, c, c, c))
		_, err := c.Status(context.Background())
		if err != nil {
			out = append(out, err.Error(), fmt.Sprintf("%+v %#v", err, err))
		}
	}
	srv.InjectFault("/status", jupicotest.Fault{Status: http.StatusInternalServerError, Message: "boom"})
	c := srv.Client(jupico.WithLogger(logger), fast, jupico.WithTimeout(time.Second))
	_, err := c.Status(context.Background())
	require.Error(t, err)
	out = append(out, err.Error(), fmt.Sprintf("%+v %#v", err, err))
	out = append(out, logs.String(), jsonLogs.String())
	all := strings.Join(out, "\n")
	require.Contains(t, logs.String(), "jupico: attempt", "debug logging was on")
	for _, secret := range []string{pass, encoded, "Basic "} {
		assert.NotContains(t, all, secret)
	}
}

func TestErrorsMatchSentinels(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	cases := []struct {
		status int
		code   string
		want   error
	}{
		{http.StatusBadRequest, "invalid_payload", jupico.ErrInvalidPayload},
		{http.StatusForbidden, "forbidden", jupico.ErrForbidden},
		{http.StatusNotFound, "wrong_url", jupico.ErrNotFound},
		{http.StatusInternalServerError, "internal_server_error", jupico.ErrServerError},
	}
	for _, tc := range cases {
		srv.Reset()
		srv.InjectFault("/status", jupicotest.Fault{Status: tc.status, Code: tc.code, Message: "card 4111 1111 1111 1111 refused"})
		c := srv.Client(jupico.WithRetry(jupico.NoRetry()))
		_, err := c.Status(context.Background())
		require.Error(t, err)
		assert.ErrorIs(t, err, tc.want, "status %d", tc.status)
		for _, other := range []error{jupico.ErrUnauthorized, jupico.ErrServiceUnavailable, jupico.ErrRateLimited} {
			assert.False(t, errors.Is(err, other), "status %d must not match %v", tc.status, other)
		}
		var ae *jupico.APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, jupico.ErrorCode(tc.code), ae.Code)
		assert.NotContains(t, err.Error(), "4111 1111 1111 1111", "a card number in a server message is masked")
		assert.Equal(t, strings.ToLower(err.Error()[:7]), err.Error()[:7])
	}
}

// Concurrent calls share a warm pool: 64 goroutines making 20 calls each
// open no more connections than there are goroutines, and over HTTP/2
// far fewer.
func TestConnectionsAreReused(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := srv.Client()
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				_, err := c.Status(context.Background())
				assert.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	assert.Len(t, srv.Requests(), 64*20)
	assert.LessOrEqual(t, srv.Connections(), int64(64), "1,280 requests over at most one connection per goroutine")
}

// signalWriter closes seen the first time a write contains match.
type signalWriter struct {
	match string
	seen  chan struct{}
	once  sync.Once
}

func (w *signalWriter) Write(p []byte) (int, error) {
	if strings.Contains(string(p), w.match) {
		w.once.Do(func() { close(w.seen) })
	}
	return len(p), nil
}
