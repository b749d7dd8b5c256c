package jupicotest_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// rawClient is a plain HTTP client trusting the fake, for requests the
// SDK would not send.
func rawClient(t *testing.T, srv *jupicotest.Server) *http.Client {
	t.Helper()
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: srv.CertPool(), MinVersion: tls.VersionTLS12}, ForceAttemptHTTP2: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// post sends body to path with the given Authorization and Content-Type
// (none when empty), and returns the status and Jupico's error code.
func post(t *testing.T, c *http.Client, srv *jupicotest.Server, path, auth, contentType string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, srv.URL()+path, bytes.NewReader(body))
	require.NoError(t, err)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var env struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.Unmarshal(b, &env)
	return resp.StatusCode, env.Error.Code
}

// An unauthenticated request is answered 401 as Jupico documents, and
// neither recorded nor counted against a fault's Times.
func TestUnauthenticatedRequestIsNotRecordedNorTakesAFault(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	fault := srv.InjectFault("/status", jupicotest.Fault{Status: http.StatusInternalServerError, Code: "internal_server_error", Times: 1})

	// A wrong key, through the SDK: its 401, not the fault.
	wrong := srv.Client(jupico.WithCredentials(credentials.Static(jupicotest.DefaultUsername, "wrong-password")), jupico.WithRetry(jupico.NoRetry()))
	_, err := wrong.Status(context.Background())
	require.ErrorIs(t, err, jupico.ErrUnauthorized)

	// No key, another content type, a wrong key: each with a 1 MiB body.
	c := rawClient(t, srv)
	big := bytes.Repeat([]byte("x"), 1<<20-1)
	good := jupicotest.BasicAuthHeader(jupicotest.DefaultUsername, jupicotest.DefaultPassword)
	cases := []struct {
		auth, contentType, code string
	}{
		{"", "application/json", "auth_header_not_present"},
		{good, "text/plain", "auth_invalid_content_type"},
		{jupicotest.BasicAuthHeader("mallory", "guess"), "application/json", "auth_invalid_api_token"},
	}
	for _, c2 := range cases {
		for _, path := range []string{"/status", "/v1/transactions/creditcard/sale"} {
			status, code := post(t, c, srv, path, c2.auth, c2.contentType, big)
			assert.Equal(t, http.StatusUnauthorized, status, "%s %q", path, c2.code)
			assert.Equal(t, c2.code, code, "%s", path)
		}
	}
	assert.Zero(t, len(srv.Requests()), "nothing unauthenticated is recorded")
	assert.Equal(t, 7, srv.Refused())
	assert.Zero(t, fault.Hits(), "no unauthenticated request took the fault")

	// The fault is still there for the first authenticated request.
	client := srv.Client(jupico.WithRetry(jupico.NoRetry()))
	_, err = client.Status(context.Background())
	var ae *jupico.APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusInternalServerError, ae.HTTPStatus)
	_, err = client.Status(context.Background())
	require.NoError(t, err, "Times: 1")
	assert.Len(t, srv.Requests(), 2)
	assert.Equal(t, 1, fault.Hits())
}

// The record keeps the newest requests whose bodies fit in 32 MiB: a
// stream of large bodies does not grow the fake without bound.
func TestRecordIsBoundedByBytes(t *testing.T) {
	t.Parallel()
	srv := jupicotest.NewServer(t)
	c := rawClient(t, srv)
	auth := jupicotest.BasicAuthHeader(jupicotest.DefaultUsername, jupicotest.DefaultPassword)
	const n, size = 48, 1<<20 - 64
	for i := range n {
		body := []byte(fmt.Sprintf(`{"n":%03d,"pad":"%s"}`, i, bytes.Repeat([]byte("x"), size-len(`{"n":000,"pad":""}`))))
		require.Len(t, body, size)
		status, _ := post(t, c, srv, "/v1/unknown", auth, "application/json", body)
		require.Equal(t, http.StatusNotFound, status)
	}
	reqs := srv.Requests()
	total := 0
	for _, r := range reqs {
		total += len(r.Body)
	}
	t.Logf("%d of %d requests kept, %d bytes of bodies", len(reqs), n, total)
	assert.LessOrEqual(t, total, 32<<20, "the bodies kept fit in 32 MiB")
	require.NotEmpty(t, reqs)
	assert.Less(t, len(reqs), n, "the oldest were dropped")
	assert.Greater(t, len(reqs), n/2, "as many as fit are kept")
	assert.Contains(t, string(reqs[len(reqs)-1].Body[:12]), fmt.Sprintf(`"n":%03d`, n-1), "the newest is kept")
	assert.Contains(t, string(reqs[0].Body[:12]), fmt.Sprintf(`"n":%03d`, n-len(reqs)), "the oldest were dropped first")

	// Small requests after them push the large ones out one by one.
	client := srv.Client()
	_, err := client.Status(context.Background())
	require.NoError(t, err)
	reqs = srv.Requests()
	assert.Equal(t, "/status", reqs[len(reqs)-1].Path)
}
