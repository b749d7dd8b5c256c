//go:build !linux

package pgjournal_test

// runChild: the kill tests need Linux, so no child runs elsewhere.
func runChild(string) int { return 2 }
