package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/sep-project/sep/core"
)

// CompactEvery is how often sep serve folds closed days into their snapshots
// (core.Compactor): at start, then every hour, so a day is compacted within
// an hour of closing and late events within an hour of arriving.
const CompactEvery = time.Hour

// startCompaction compacts the store at start and every interval until ctx
// ends; the returned function waits for a compaction in progress. Errors are
// written to stderr and tried again at the next tick (a report never depends
// on compaction: it only makes reads cheaper).
func startCompaction(ctx context.Context, c core.Compactor, every time.Duration, stderr io.Writer) func() {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if _, err := c.Compact(ctx); err != nil && ctx.Err() == nil {
				fmt.Fprintf(stderr, "sep serve: compacting closed days: %v\n", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return wg.Wait
}
