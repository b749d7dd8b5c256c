package credentials

import (
	"time"

	"github.com/jupico/jupico-go/internal/clock"
)

// Clock is the time source of a Cache or SecretSet: Now for deadlines,
// AfterFunc to be told when one is reached. Inject one with WithClock to test
// refresh and expiry without waiting; nil, the default, means the system
// clock (time.Now and time.AfterFunc).
//
// Implementations must be safe for concurrent use. AfterFunc must not call f
// before it returns, and must call f in its own goroutine or from a caller
// that holds no lock of the Cache (a test clock's Advance method, say).
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// AfterFunc calls f once d has elapsed, unless the returned Timer is
	// stopped first.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending call scheduled by Clock.AfterFunc: its Stop method
// prevents the call if it has not started, and reports whether it did so.
// *time.Timer implements it.
type Timer = clock.Timer

// systemClock is the real clock.
type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }
