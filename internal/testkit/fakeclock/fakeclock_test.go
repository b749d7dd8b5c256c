package fakeclock_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/jupico/jupico-go/credentials"
	"github.com/jupico/jupico-go/internal/testkit/fakeclock"
)

var _ credentials.Clock = (*fakeclock.Clock)(nil)

func TestAdvanceRunsDueTimersInOrder(t *testing.T) {
	t.Parallel()
	c := fakeclock.New()
	var ran []string
	at := func(name string) func() {
		return func() { ran = append(ran, fmt.Sprintf("%s@%s", name, c.Now().Sub(fakeclock.Start))) }
	}
	c.AfterFunc(3*time.Second, at("c"))
	c.AfterFunc(time.Second, at("a"))
	c.AfterFunc(time.Second, at("a2")) // same deadline: in the order armed
	stopped := c.AfterFunc(2*time.Second, at("stopped"))
	c.AfterFunc(10*time.Second, at("later"))
	c.AfterFunc(2*time.Second, func() {
		ran = append(ran, "b@2s")
		c.AfterFunc(500*time.Millisecond, at("armed-by-b")) // due within this Advance
	})
	assert.True(t, stopped.Stop())
	assert.False(t, stopped.Stop(), "a second Stop reports false")
	assert.Empty(t, ran, "nothing runs before Advance")

	c.Advance(5 * time.Second)
	assert.Equal(t, []string{"a@1s", "a2@1s", "b@2s", "armed-by-b@2.5s", "c@3s"}, ran)
	assert.Equal(t, fakeclock.Start.Add(5*time.Second), c.Now())
	assert.Equal(t, []time.Time{fakeclock.Start.Add(10 * time.Second)}, c.Pending())

	ran = nil
	c.Advance(5 * time.Second)
	assert.Equal(t, []string{"later@10s"}, ran)
	assert.Empty(t, c.Pending())
}

func TestStopAfterRunReportsFalse(t *testing.T) {
	t.Parallel()
	c := fakeclock.New()
	n := 0
	tm := c.AfterFunc(time.Second, func() { n++ })
	c.Advance(time.Second)
	assert.Equal(t, 1, n)
	assert.False(t, tm.Stop())
	c.Advance(time.Hour)
	assert.Equal(t, 1, n, "a timer runs once")
}
