package awssm_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/credentials/awssm"
	"github.com/jupico/jupico-go/jupico"
	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// A rotation in Secrets Manager under a busy client: the new version
// becomes AWSCURRENT, then Jupico stops accepting the old key. No request
// fails, and Secrets Manager is called per rotation, not per request.
func TestRotationUnderLoad(t *testing.T) {
	t.Parallel()
	fs := newTestSM(t)
	fs.put("prod/jupico/api", `{"username":"`+jupicotest.DefaultUsername+`","password":"`+jupicotest.DefaultPassword+`"}`)
	p, err := awssm.Credentials(fs.client(), "prod/jupico/api")
	require.NoError(t, err)
	srv := jupicotest.NewServer(t)
	c := srv.Client(jupico.WithCredentials(p))

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
	fs.put("prod/jupico/api", `{"username":"rotated-user","password":"rotated-password"}`)
	srv.SetCredentials("rotated-user", "rotated-password")
	waitFor(ok.Load() + 50)
	close(stop)
	wg.Wait()

	assert.Zero(t, failed.Load())
	reqs := srv.Requests()
	assert.Equal(t, "rotated-user", reqs[len(reqs)-1].Username)
	calls := fs.requestLog()
	assert.LessOrEqual(t, len(calls), 4, "Secrets Manager is called per rotation, not per request")
	for _, r := range calls {
		assert.Equal(t, "AWSCURRENT", r.Stage, "the client only ever uses AWSCURRENT")
		assert.NoError(t, r.SigErr)
	}
}
