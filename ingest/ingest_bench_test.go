package ingest_test

import (
	"bytes"
	"context"
	"runtime"
	"testing"

	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/core/synth"
	"github.com/sep-project/sep/ingest"
)

// segmentExport is a generated Segment export of about 70 MB, made once.
var segmentExport []byte

func benchExport(b *testing.B) []byte {
	if segmentExport == nil {
		var buf bytes.Buffer
		if _, err := synth.Write(&buf, synth.Options{Users: 2000, Days: 120, Seed: 1, Format: core.FormatSegment}); err != nil {
			b.Fatal(err)
		}
		segmentExport = buf.Bytes()
	}
	return segmentExport
}

// BenchmarkIngestSegment is the hot path of `sep score`: decoding Segment JSON
// lines and rolling them up, on every core (MB/s) and on one.
func BenchmarkIngestSegment(b *testing.B) {
	for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
		b.Run("workers="+itoa(workers), func(b *testing.B) {
			data := benchExport(b)
			b.ResetTimer()
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			var events int64
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for i := 0; i < b.N; i++ {
				r, _ := core.NewRollup("UTC")
				if err := ingest.Read(context.Background(), bytes.NewReader(data), ingest.Options{Workers: workers}, r); err != nil {
					b.Fatal(err)
				}
				events = r.Input.Events
			}
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(events), "events/op")
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(events)/float64(b.N), "allocs/event")
		})
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
