package parquetrows

import (
	"bytes"
	"context"
	"testing"

	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/ingest"
)

// BenchmarkIngest reads the same PostHog events (about 100k, every 200th
// delivered twice) three ways: the Parquet of its S3 batch export column by
// column (Ingest), the same file through its text export (Reader, the path
// before Ingest), and the JSON lines. DuckDB writes row groups of 122,880
// rows: one here, so that the batches of one row group are what is spread
// over the cores.
//
//	go test -run '^$' -bench Ingest -benchmem ./parquetrows
func BenchmarkIngest(b *testing.B) {
	jsonl, pq := postHogExport(b, 2000, 200, 122880)
	rows := float64(pq.NumRows())
	opt := ingest.Options{File: "events"}
	run := func(b *testing.B, ingest func(*core.Rollup) error) {
		b.ReportAllocs()
		for b.Loop() {
			r, err := core.NewRollup("UTC")
			if err != nil {
				b.Fatal(err)
			}
			if err := ingest(r); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(rows*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	}
	b.Run("parquet", func(b *testing.B) {
		run(b, func(r *core.Rollup) error { return Ingest(context.Background(), pq, opt, r) })
	})
	b.Run("parquet-text", func(b *testing.B) {
		run(b, func(r *core.Rollup) error {
			rd, stop := Reader(pq)
			defer stop()
			return ingest.Read(context.Background(), rd, opt, r)
		})
	})
	b.Run("jsonl", func(b *testing.B) {
		run(b, func(r *core.Rollup) error { return ingest.Read(context.Background(), bytes.NewReader(jsonl), opt, r) })
	})
}

// BenchmarkIngestSegment reads the same Segment records (sep gen's, every
// 200th delivered twice) three ways: the raw Segment shape as nested Parquet
// in batches on every core (Ingest), the same file through its text export
// (Reader, the path before Ingest read it in batches), and the JSON lines.
//
//	go test -run '^$' -bench IngestSegment -benchmem ./parquetrows
func BenchmarkIngestSegment(b *testing.B) {
	jsonl, pq := segmentExport(b, 2000, 200, 122880)
	rows := float64(pq.NumRows())
	opt := ingest.Options{File: "events"}
	run := func(b *testing.B, ingest func(*core.Rollup) error) {
		b.ReportAllocs()
		for b.Loop() {
			r, err := core.NewRollup("UTC")
			if err != nil {
				b.Fatal(err)
			}
			if err := ingest(r); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(rows*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	}
	b.Run("parquet", func(b *testing.B) {
		run(b, func(r *core.Rollup) error { return Ingest(context.Background(), pq, opt, r) })
	})
	b.Run("parquet-text", func(b *testing.B) {
		run(b, func(r *core.Rollup) error {
			rd, stop := Reader(pq)
			defer stop()
			return ingest.Read(context.Background(), rd, opt, r)
		})
	})
	b.Run("jsonl", func(b *testing.B) {
		run(b, func(r *core.Rollup) error { return ingest.Read(context.Background(), bytes.NewReader(jsonl), opt, r) })
	})
}
