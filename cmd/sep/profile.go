package main

import (
	"os"
	"runtime/pprof"
)

// startProfile writes a CPU profile to $SEP_CPUPROFILE when it is set (for
// performance work on the real command; see make bench). It returns the stop.
func startProfile() func() {
	path := os.Getenv("SEP_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
