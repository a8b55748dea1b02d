package core_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/core/synth"
	"github.com/sep-project/sep/ingest"
)

// benchSnapshots returns the day snapshots of a synth product of 10k users
// over 90 days: what a hosted store (DynamoDB, D1) reads after compaction,
// each day's parts joined.
func benchSnapshots(b *testing.B) [][]byte {
	var buf bytes.Buffer
	if _, err := synth.Write(&buf, synth.Options{Users: 10000, Days: 90, Seed: 1, Format: core.FormatSegment}); err != nil {
		b.Fatal(err)
	}
	r, _ := core.NewRollup("UTC")
	r.SetTimeRange(core.TimeRange{Now: time.Date(2026, 9, 30, 20, 0, 0, 0, time.UTC)})
	if err := ingest.Read(context.Background(), &buf, ingest.Options{Format: core.FormatSegment}, r); err != nil {
		b.Fatal(err)
	}
	days := map[core.Day]*core.DaySnapshot{}
	r.Counts(func(c core.Count) {
		if days[c.Day] == nil {
			days[c.Day] = core.NewDaySnapshot(c.Day)
		}
		days[c.Day].Add(c)
	})
	var snaps [][]byte
	for _, s := range days {
		snaps = append(snaps, s.Bytes())
	}
	return snaps
}

// BenchmarkLoadDaySnapshots compares a hosted store's two ways of adding its
// day snapshots to a rollup: cell by cell (DecodeDaySnapshot into AddCount,
// as DynamoDB and D1 did) and in bulk (AddDaySnapshots).
func BenchmarkLoadDaySnapshots(b *testing.B) {
	snaps := benchSnapshots(b)
	cells := 0
	for _, s := range snaps {
		core.DecodeDaySnapshot(s, func(core.Count) { cells++ })
	}
	b.Run("cell-by-cell", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			r, _ := core.NewRollup("UTC")
			for _, s := range snaps {
				if _, err := core.DecodeDaySnapshot(s, r.AddCount); err != nil {
					b.Fatal(err)
				}
			}
			if r.Len() == 0 || r.Len() > cells {
				b.Fatalf("%d cells of %d", r.Len(), cells)
			}
		}
	})
	b.Run("bulk", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			r, _ := core.NewRollup("UTC")
			if err := r.AddDaySnapshots(snaps); err != nil {
				b.Fatal(err)
			}
			if r.Len() == 0 || r.Len() > cells {
				b.Fatalf("%d cells of %d", r.Len(), cells)
			}
		}
	})
}
