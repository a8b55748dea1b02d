package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/schedule"
)

// minEvery is the shortest --every: a run scores everything stored.
const minEvery = time.Minute

// prepareSchedule checks `sep serve --every` and its destinations (from the
// environment) before the server listens; the returned start runs the
// scheduled run now, then every d (0: never), until ctx ends, and returns a
// func that waits for a run in progress to end.
func prepareSchedule(d time.Duration, store core.Store, cfg core.Config, logw io.Writer) (start func(ctx context.Context) (wait func()), err error) {
	if d == 0 {
		return func(context.Context) func() { return func() {} }, nil
	}
	if d < minEvery {
		return nil, usagef("--every %s: at least %s", d, minEvery)
	}
	job, err := schedule.FromEnv(store, cfg, os.Getenv)
	if err != nil {
		return nil, err
	}
	var mu sync.Mutex
	job.Logf = func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(logw, time.Now().UTC().Format(time.RFC3339)+" "+format+"\n", args...)
	}
	return func(ctx context.Context) func() {
		done := make(chan struct{})
		go func() {
			defer close(done)
			schedule.Every(ctx, d, job)
		}()
		return func() { <-done }
	}, nil
}
