package main

// Peak resident memory of a process from /proc.

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

func readStatusKB(pid int, field string) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("read /proc/%d/status (is the process still running?): %w", pid, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			f := strings.Fields(rest)
			if len(f) >= 1 {
				kb, err := strconv.ParseFloat(f[0], 64)
				if err != nil {
					return 0, err
				}
				return kb / 1024, nil // MiB
			}
		}
	}
	return 0, fmt.Errorf("/proc/%d/status has no %s", pid, field)
}

// readHWM is the process's peak resident set (VmHWM) in MiB. Child
// processes (ffmpeg) have their own and are not counted.
func readHWM(pid int) (float64, error) { return readStatusKB(pid, "VmHWM") }

// resetHWM sets VmHWM back to the current RSS (Linux >= 4.0), so the next
// read is the peak of what happened in between.
func resetHWM(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}
