package ingest

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/sep-project/sep/core"
)

func gzipOf(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// segmentLines is n Segment track events, one per line.
func segmentLines(n int) []byte {
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(`{"type":"track","messageId":"m` + strings.Repeat("x", i%7) + `","userId":"u","event":"A","timestamp":"2026-09-01T00:00:00Z"}` + "\n")
	}
	return []byte(b.String())
}

// TestMaxInflated: decompression stops at MaxInflated bytes with an
// *core.InflateLimitError, for gzip in DecodeEvents and Read and for a zip of
// gzipped entries (which share one budget); at the limit exactly it reads.
func TestMaxInflated(t *testing.T) {
	plain := segmentLines(200)
	n := int64(len(plain))
	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	for _, name := range []string{"a.json.gz", "b.json.gz"} {
		w, _ := zw.Create(name)
		w.Write(gzipOf(t, plain))
	}
	zw.Close()
	for _, c := range []struct {
		name   string
		limit  int64
		tooBig bool
	}{
		{"no limit", 0, false},
		{"at the limit", n, false},
		{"one byte short", n - 1, true},
		{"tiny", 10, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			opt := Options{Format: core.FormatSegment, File: "body", MaxInflated: c.limit, Workers: 2}
			check := func(what string, err error) {
				t.Helper()
				var le *core.InflateLimitError
				if got := errors.As(err, &le); got != c.tooBig {
					t.Fatalf("%s: error %v, want the limit error: %v", what, err, c.tooBig)
				}
				if c.tooBig && (le.Limit != c.limit || !strings.Contains(le.Error(), "body: decompressed data over the limit")) {
					t.Fatalf("%s: %v", what, le)
				}
			}
			evs, _, err := DecodeEvents(context.Background(), gzipOf(t, plain), opt)
			check("DecodeEvents", err)
			if !c.tooBig && len(evs) != 200 {
				t.Fatalf("decoded %d events", len(evs))
			}
			roll, _ := core.NewRollup("UTC")
			check("Read", Read(context.Background(), bytes.NewReader(gzipOf(t, plain)), opt, roll))
			// A zip's entries share the budget: each is counted unzipped and
			// gunzipped, so twice the limit of one is not enough for two.
			roll, _ = core.NewRollup("UTC")
			zerr := ReadZip(context.Background(), bytes.NewReader(zipped.Bytes()), int64(zipped.Len()), opt, roll)
			if c.limit == 0 {
				check("ReadZip", zerr)
			} else {
				var le *core.InflateLimitError
				if !errors.As(zerr, &le) {
					t.Fatalf("ReadZip: %v, want the limit error", zerr)
				}
			}
		})
	}
	// A plain (not compressed) input is not counted.
	roll, _ := core.NewRollup("UTC")
	if err := Read(context.Background(), bytes.NewReader(plain), Options{Format: core.FormatSegment, MaxInflated: 10}, roll); err != nil {
		t.Fatal(err)
	}
}

// FuzzInflateLimit: whatever the gzip input and the limit, reading fails
// with the limit error exactly when the input decompresses to more than the
// limit, and never panics.
func FuzzInflateLimit(f *testing.F) {
	f.Add(gzipOf(f, segmentLines(3)), int64(50))
	f.Add(gzipOf(f, make([]byte, 1<<16)), int64(1000))
	f.Add(gzipOf(f, segmentLines(3)), int64(1<<20))
	f.Add(gzipOf(f, segmentLines(3)), int64(len(segmentLines(3))))
	f.Add(append(gzipOf(f, []byte("[")), gzipOf(f, []byte("]"))...), int64(1))
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}, int64(1))
	f.Fuzz(func(t *testing.T, data []byte, limit int64) {
		if limit <= 0 || limit > 1<<20 {
			return
		}
		roll, _ := core.NewRollup("UTC")
		err := Read(context.Background(), bytes.NewReader(data), Options{Format: core.FormatSegment, MaxInflated: limit}, roll)
		var le *core.InflateLimitError
		over := errors.As(err, &le)
		zr, zerr := gzip.NewReader(bytes.NewReader(data))
		if zerr != nil {
			return
		}
		full, ferr := io.ReadAll(io.LimitReader(zr, 2<<20))
		if ferr != nil || len(full) >= 2<<20 {
			return // broken or huge: only the absence of a panic is checked
		}
		if want := int64(len(full)) > limit; over != want {
			t.Fatalf("%d bytes decompressed, limit %d: limit error %v (%v)", len(full), limit, over, err)
		}
	})
}
