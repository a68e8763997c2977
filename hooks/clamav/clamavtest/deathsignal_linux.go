package clamavtest

import (
	"os/exec"
	"syscall"
)

// setDeathSignal has the kernel kill clamd if the test binary dies without
// calling Close (a test timeout, a crash), so no daemon outlives it.
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
