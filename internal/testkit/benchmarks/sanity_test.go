package benchmarks

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jupico/jupico-go/jupico/jupicotest"
)

// The padded events really have the sizes the benchmarks are named after.
func TestEventSizes(t *testing.T) {
	for _, sz := range sizes {
		assert.Len(t, event(sz.n), sz.n, sz.name)
		assert.Len(t, stripeEvent(sz.n), sz.n, sz.name)
	}
}

// The floor sends the very bytes the SDK sends, so the sale benchmarks
// compare clients, not bodies.
func TestFloorSendsTheSDKsBody(t *testing.T) {
	srv := jupicotest.Start()
	defer srv.Close()
	c := srv.Client()
	defer c.Close()
	_, err := c.CreditCard.Sale(context.Background(), saleReq)
	require.NoError(t, err)
	reqs := srv.Requests()
	require.NotEmpty(t, reqs)
	assert.Equal(t, string(saleBody), string(reqs[len(reqs)-1].Body))
}
