package vault_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A key rotated in Vault under a busy client: a new version is written,
// then Jupico stops accepting the old key. No request fails, and Vault is
// read once per rotation, not once per request.
func TestRotationUnderLoad(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		rotated map[string]any
	}{
		{"username and password", map[string]any{"username": "rotated-user", "password": "rotated-password"}},
		{"api key", map[string]any{"apiKey": "cm90YXRlZC11c2VyOnJvdGF0ZWQtcGFzc3dvcmQ="}}, // rotated-user:rotated-password
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fv := newTestVault(t)
			fv.put("secret", "jupico/api", map[string]any{"username": jupicotest.DefaultUsername, "password": jupicotest.DefaultPassword})
			p, err := fv.client(t).Credentials("secret", "jupico/api")
			require.NoError(t, err)

			var rotations atomic.Int32
			cache, cerr := credentials.NewCache(p, credentials.WithOnRotate(func(old, new credentials.Credentials) {
				rotations.Add(1)
			}))
			require.NoError(t, cerr)
			t.Cleanup(func() { _ = cache.Close() })
			srv := jupicotest.NewServer(t)
			c := srv.Client(jupico.WithCredentials(cache))

			var ok, failed atomic.Int64
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for range 4 {
				wg.Go(func() {
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
				})
			}
			waitFor := func(n int64) {
				require.Eventually(t, func() bool { return ok.Load() >= n || failed.Load() > 0 }, 20*time.Second, time.Millisecond)
			}
			waitFor(50)
			fv.put("secret", "jupico/api", tt.rotated)
			srv.SetCredentials("rotated-user", "rotated-password")
			waitFor(ok.Load() + 50)
			close(stop)
			wg.Wait()

			assert.Zero(t, failed.Load())
			reqs := srv.Requests()
			assert.Equal(t, "rotated-user", reqs[len(reqs)-1].Username)
			assert.Equal(t, int32(2), rotations.Load(), "first load, then the rotation")
			assert.LessOrEqual(t, len(fv.requestLog()), 4, "Vault is read per rotation, not per request")
		})
	}
}
