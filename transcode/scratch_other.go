//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package transcode

import "math"

// Without flock, directories are guarded only within this process.
func tryLock(string) (func(), error) { return func() {}, nil }

// Free space is not checked here; the byte budget still applies.
func freeSpace(string) (int64, error) { return math.MaxInt64, nil }
