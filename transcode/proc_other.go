//go:build !linux

package transcode

import (
	"os"
	"os/exec"
)

// setProcessGroup kills ffmpeg itself when its context is done; process
// groups and parent-death signals are Linux-only here.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.Cancel = func() error {
		if cmd.Process == nil {
			return nil
		}
		return cmd.Process.Signal(os.Kill)
	}
}
