package credentials

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// helperEnv selects a helper mode when the test binary is re-executed as a
// credential helper for FromCommand tests (no external scripts needed).
const helperEnv = "JUPICO_CREDENTIALS_TEST_HELPER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(runHelper(mode))
	}
	goleak.VerifyTestMain(m)
}

// runHelper is the credential helper. Modes:
//
//	print   print $HELPER_OUTPUT and exit 0
//	file    read the mode from the file $HELPER_MODEFILE, then act on it
//	fail    print a fake secret on stderr and stdout, exit 3
//	hang    write its pid to $HELPER_PIDFILE, start a grandchild in the same
//	        process group that writes its pid to $HELPER_PIDFILE.child, then
//	        sleep
//	flood   write to stdout forever
//	daemon  print $HELPER_OUTPUT, leave a grandchild holding stdout, exit 0
//	sleep   sleep (the grandchild)
func runHelper(mode string) int {
	if mode == "file" {
		b, err := os.ReadFile(os.Getenv("HELPER_MODEFILE"))
		if err != nil {
			return 4
		}
		mode = strings.TrimSpace(string(b))
	}
	switch mode {
	case "print":
		fmt.Print(os.Getenv("HELPER_OUTPUT"))
		return 0
	case "fail":
		fmt.Fprintln(os.Stderr, "error: password="+helperSecret)
		fmt.Println(helperSecret)
		return 3
	case "hang":
		writePID(os.Getenv("HELPER_PIDFILE"), os.Getpid())
		child := startGrandchild(nil)
		if child != nil {
			writePID(os.Getenv("HELPER_PIDFILE")+".child", child.Process.Pid)
		}
		time.Sleep(time.Hour)
		return 0
	case "flood":
		line := strings.Repeat("x", 1024)
		for {
			if _, err := fmt.Println(line); err != nil {
				return 5
			}
		}
	case "daemon":
		fmt.Print(os.Getenv("HELPER_OUTPUT"))
		child := startGrandchild(os.Stdout)
		if child != nil {
			writePID(os.Getenv("HELPER_PIDFILE")+".child", child.Process.Pid)
		}
		return 0
	case "sleep":
		time.Sleep(time.Hour)
		return 0
	}
	return 2
}

// helperSecret is what the failing helper prints where an error could pick
// it up. It must never appear in an error.
const helperSecret = "helper-leaked-s3cret-value"

func startGrandchild(stdout *os.File) *exec.Cmd {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), helperEnv+"=sleep")
	cmd.Stdout = stdout
	if err := cmd.Start(); err != nil {
		return nil
	}
	return cmd
}

func writePID(path string, pid int) {
	if path == "" {
		return
	}
	tmp := path + ".tmp"
	_ = os.WriteFile(tmp, []byte(strconv.Itoa(pid)), 0o600)
	_ = os.Rename(tmp, path)
}
