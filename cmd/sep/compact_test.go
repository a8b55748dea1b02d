package main

import (
	"bytes"
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

type fakeCompactor struct {
	runs atomic.Int32
	fail bool
}

func (f *fakeCompactor) Compact(ctx context.Context) (int, error) {
	f.runs.Add(1)
	if f.fail {
		return 0, errors.New("disk full")
	}
	return 1, nil
}

// The serve loop compacts at start, says what failed, and stops with ctx.
func TestStartCompaction(t *testing.T) {
	f := &fakeCompactor{fail: true}
	var stderr bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	wait := startCompaction(ctx, f, time.Hour, &stderr)
	for f.runs.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	wait()
	if f.runs.Load() != 1 || !bytes.Contains(stderr.Bytes(), []byte("compacting closed days: disk full")) {
		t.Fatalf("%d runs, stderr %q; want one run at start and its error", f.runs.Load(), stderr.String())
	}
}
