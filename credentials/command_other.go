//go:build !unix

package credentials

import "os/exec"

// setProcessGroup keeps exec's default cancellation (killing the helper
// process) where Unix process groups do not exist.
func setProcessGroup(*exec.Cmd) {}
