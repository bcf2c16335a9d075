package transcode

import (
	"os/exec"
	"syscall"
)

// setProcessGroup runs cmd in its own process group, kills the whole group
// with SIGKILL when its context is done, and asks the kernel to SIGKILL it if
// the parent dies (Pdeathsig fires when the OS thread that started it exits;
// the Go runtime keeps its threads, so in practice that is the process).
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
}
