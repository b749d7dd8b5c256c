// Package clock holds the timer type shared by the credentials package's
// Clock and the test clock in internal/testkit/fakeclock, so that the fake
// can satisfy credentials.Clock without importing credentials (whose own
// tests use it).
package clock

// Timer is a pending call scheduled by a clock's AfterFunc. *time.Timer
// implements it.
type Timer interface {
	// Stop prevents the call if it has not started, and reports whether it
	// did so.
	Stop() bool
}
