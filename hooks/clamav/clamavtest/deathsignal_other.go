//go:build !linux

package clamavtest

import "os/exec"

// setDeathSignal does nothing where the kernel has no parent-death signal;
// Close stops clamd.
func setDeathSignal(*exec.Cmd) {}
