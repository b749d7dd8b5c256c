package credentials

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every read of the provider is reported: the first value, the same value
// again, a rotation and a failure.
func TestCacheReportsEveryRefresh(t *testing.T) {
	t.Parallel()
	v1, _ := NewBasic("user", "password-1")
	v2, _ := NewBasic("user", "password-2")
	var mu sync.Mutex
	answers := []struct {
		c   Credentials
		err error
	}{{v1, nil}, {v1, nil}, {v2, nil}, {Credentials{}, errors.New("vault sealed")}}
	var got []RefreshEvent
	p := ProviderFunc(func(context.Context) (Credentials, error) {
		mu.Lock()
		defer mu.Unlock()
		a := answers[0]
		answers = answers[1:]
		return a.c, a.err
	})
	c, cerr := NewCache(p, WithOnRefresh(func(ev RefreshEvent) { got = append(got, ev) }), WithBackoff(time.Nanosecond, time.Nanosecond))
	require.NoError(t, cerr)
	defer c.Close()
	ctx := context.Background()

	_, err := c.Retrieve(ctx)
	require.NoError(t, err)
	c.Invalidate(v1)
	_, err = c.Retrieve(ctx) // v1 again: the provider has nothing newer
	require.NoError(t, err)
	c.Invalidate(v1)
	now, err := c.Retrieve(ctx)
	require.NoError(t, err)
	require.True(t, now.Equal(v2))
	c.Invalidate(v2)
	_, err = c.Retrieve(ctx)
	require.Error(t, err, "the provider fails and nothing is left to serve")

	require.Len(t, got, 4)
	assert.True(t, got[0].Initial, "the first value")
	assert.False(t, got[0].Changed, "a first value is no rotation")
	assert.False(t, got[1].Changed, "the same value again")
	assert.False(t, got[1].Initial)
	assert.True(t, got[2].Changed, "a rotation")
	for _, ev := range got[:3] {
		assert.NoError(t, ev.Err)
	}
	assert.Error(t, got[3].Err)
	assert.False(t, got[3].Changed)
	for _, ev := range got {
		assert.GreaterOrEqual(t, ev.Duration, time.Duration(0))
	}
}
