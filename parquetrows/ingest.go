package parquetrows

import (
	"context"

	"github.com/parquet-go/parquet-go"

	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/ingest"
)

// Ingest rolls up the rows of a Parquet export into into, with the same
// result as ingest.Read on the same records as JSON lines or CSV. PostHog's
// S3 batch export (see postHogLayout) is read column by column and decoded on
// every core (ingest.ReadBatches); so is a nested file of Segment records,
// only the columns Segment's decoder reads (see segmentLayout);
// other files, and strict reading, go through Export's text and core's
// detection (see Reader).
func Ingest(ctx context.Context, f *parquet.File, opt ingest.Options, into *core.Rollup) error {
	if l, ok := postHogLayout(f); ok && !opt.Strict && (opt.Format == "" || opt.Format == core.FormatPostHog) {
		return ingest.ReadBatches(ctx, l.source(f, &opt), core.FormatPostHog, f.NumRows(), opt, into)
	}
	if !Flat(f) && !opt.Strict {
		if l, ok := segmentLayout(f); ok {
			if fm, err := nestedFormat(f, &opt); err == nil && fm == core.FormatSegment {
				return ingest.ReadBatches(ctx, l.source(f), fm, f.NumRows(), opt, into)
			}
		}
	}
	rd, stop := Reader(f)
	defer stop()
	return ingest.Read(ctx, rd, opt, into)
}
