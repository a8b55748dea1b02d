package parquetrows

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/ingest"
)

// A Parquet file whose pages are damaged gives an error naming the row and
// column where reading stopped, or the rows it could read: never a panic.
func TestDamagedPagesAreAnError(t *testing.T) {
	at := time.Date(2026, 9, 29, 10, 0, 0, 0, time.UTC)
	var rows []phRow
	for i := range 3000 {
		u, e, d, p := "u"+strings.Repeat("x", i%7), "Query Run", "user-1", `{"$groups":{"company":"acct-1"}}`
		ts := at.Add(time.Duration(i) * time.Second)
		rows = append(rows, phRow{UUID: &u, Event: &e, DistinctID: &d, Properties: &p, Timestamp: &ts})
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[phRow](&buf, parquet.MaxRowsPerRowGroup(1000), parquet.PageBufferSize(2048))
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	errs := 0
	for off := 8; off < len(good)*2/3; off += 251 {
		bad := bytes.Clone(good)
		bad[off] ^= 0x5a
		f, err := Open(bytes.NewReader(bad), int64(len(bad)))
		if err != nil {
			continue
		}
		r, _ := core.NewRollup("UTC")
		err = func() (err error) {
			defer func() {
				if p := recover(); p != nil {
					t.Fatalf("byte %d damaged: panic %v", off, p)
				}
			}()
			return Ingest(context.Background(), f, ingest.Options{File: "bad.parquet"}, r)
		}()
		if err != nil {
			errs++
			if !strings.Contains(err.Error(), "parquet row ") {
				t.Errorf("byte %d damaged: %v, want the row named", off, err)
			}
		}
	}
	if errs == 0 {
		t.Error("no damaged byte gave an error")
	}
}
