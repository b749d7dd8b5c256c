//go:build unix

package credentials

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
)

// setProcessGroup starts the helper in a process group of its own, so that
// cancelling it kills its children too (a shell script's pipeline, a CLI that
// forks a worker) instead of leaving them behind.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		// The group id is the helper's pid (Setpgid with Pgid 0).
		err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		if errors.Is(err, syscall.ESRCH) {
			return os.ErrProcessDone
		}
		return err
	}
}
