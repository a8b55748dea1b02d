package ingest

import (
	"context"
	"runtime"

	"github.com/sep-project/sep/core"
)

// A Batch is a run of records a reader has already cut apart (rows of a
// Parquet row group), decoded into events on one of ReadBatches' workers.
type Batch interface {
	// Events hands the batch's events to emit in input order, and each bad
	// record to skip as a *ParseError naming its line (its row); skip sets
	// the file.
	Events(emit func(*core.Event), skip func(*core.ParseError))
}

// BatchSource sends an input's batches, in input order, on the channel it is
// given, and returns when it has sent the last one (or ctx is done).
type BatchSource func(ctx context.Context, batches chan<- Batch) error

// ReadBatches reads one input given as batches of records into a Rollup, as
// Ingest reads a file of format f: the batches are decoded on opt.Workers
// workers (0: every core), each into a rollup of its own, merged at the end;
// ids are checked in input order, so the first copy of an id wins whatever
// the worker count, as with JSON lines. rows, when known (a Parquet file's
// row count), sizes the id set once. The input's FileSummary is added to
// into.Input.Files.
func ReadBatches(ctx context.Context, src BatchSource, f core.Format, rows int64, opt Options, into *core.Rollup) error {
	if opt.Range != (core.TimeRange{}) {
		into.SetTimeRange(opt.Range)
	}
	before := snapshotInput(&into.Input)
	notes := &fileNotes{format: f}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if rows > 0 {
		into.ReserveIDs(int(min(rows, maxPresizedIDs)))
	}
	feed := func(ctx context.Context, free chan *[]byte, work chan<- chunk) error {
		return feedBatches(ctx, src, free, work)
	}
	if err := decodeParallel(ctx, &opt, workers, into, notes, nil, feed); err != nil {
		return err
	}
	into.Input.Files = append(into.Input.Files, fileSummary(summaryName(opt.File), before, &into.Input, notes))
	return nil
}

// feedBatches runs src and hands its batches to the workers as chunks, each
// holding a token from free (which bounds the batches in flight).
func feedBatches(ctx context.Context, src BatchSource, free chan *[]byte, work chan<- chunk) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan Batch)
	done := make(chan error, 1)
	go func() {
		done <- src(ctx, batches)
		close(batches)
	}()
	seq := 0
	for b := range batches {
		select {
		case tok := <-free:
			work <- chunk{buf: tok, batch: b, seq: seq}
			seq++
		case <-ctx.Done():
			cancel()
			for range batches { // let src return
			}
			<-done
			return ctx.Err()
		}
	}
	return <-done
}
