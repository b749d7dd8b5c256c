package benchmarks

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The padded events really have the sizes the benchmarks are named after.
func TestEventSizes(t *testing.T) {
	for _, sz := range sizes {
		assert.Len(t, event(sz.n), sz.n, sz.name)
		assert.Len(t, stripeEvent(sz.n), sz.n, sz.name)
	}
}
