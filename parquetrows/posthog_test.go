package parquetrows

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/core/synth"
	"github.com/sep-project/sep/ingest"
)

// phRow is a row of PostHog's S3 batch export, as DuckDB and PostHog write it.
type phRow struct {
	UUID       *string    `parquet:"uuid,optional"`
	Event      *string    `parquet:"event,optional"`
	DistinctID *string    `parquet:"distinct_id,optional"`
	Properties *string    `parquet:"properties,optional"`
	Timestamp  *time.Time `parquet:"timestamp,optional,timestamp(microsecond)"`
	TeamID     int64      `parquet:"team_id"`
}

// postHogExport writes a synthetic PostHog export as JSON lines, and the same
// records as the Parquet of its S3 batch export in row groups of groupRows.
func postHogExport(t testing.TB, users, repeatEvery, groupRows int) (jsonl []byte, pq *parquet.File) {
	t.Helper()
	var buf bytes.Buffer
	if _, err := synth.Write(&buf, synth.Options{Users: users, Days: 60, Seed: 7, Format: core.FormatPostHog, RepeatEvery: repeatEvery}); err != nil {
		t.Fatal(err)
	}
	var rows []phRow
	sc := bufio.NewScanner(bytes.NewReader(buf.Bytes()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec struct {
			UUID       string          `json:"uuid"`
			Event      string          `json:"event"`
			DistinctID string          `json:"distinct_id"`
			Timestamp  string          `json:"timestamp"`
			Properties json.RawMessage `json:"properties"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		at, err := time.Parse(time.RFC3339Nano, rec.Timestamp)
		if err != nil {
			t.Fatal(err)
		}
		at = at.UTC()
		props := string(rec.Properties)
		rows = append(rows, phRow{UUID: &rec.UUID, Event: &rec.Event, DistinctID: &rec.DistinctID, Properties: &props, Timestamp: &at, TeamID: 2})
	}
	return buf.Bytes(), writeGroups(t, rows, groupRows)
}

// writeGroups writes rows as Parquet, in row groups of groupRows.
func writeGroups[T any](t testing.TB, rows []T, groupRows int) *parquet.File {
	t.Helper()
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[T](&buf, parquet.MaxRowsPerRowGroup(int64(groupRows)), parquet.PageBufferSize(4096))
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := Open(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// report rolls an input up with ingest and returns its report as JSON.
func report(t testing.TB, ingest func(*core.Rollup) error) (string, *core.Rollup) {
	t.Helper()
	r, err := core.NewRollup("UTC")
	if err != nil {
		t.Fatal(err)
	}
	if err := ingest(r); err != nil {
		t.Fatal(err)
	}
	rep, err := core.Score(r, core.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.MarshalIndent(rep, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b), r
}

// PostHog's Parquet export, read column by column on 1 to 4 workers in
// batches smaller than its row groups, gives the report of the same records
// as JSON lines: the same first copy of each repeated uuid wins, whether its
// repeat is in the same batch, another batch or another row group.
func TestPostHogParquetScoresAsItsJSONLines(t *testing.T) {
	jsonl, pq := postHogExport(t, 60, 40, 1000)
	if len(pq.RowGroups()) < 4 {
		t.Fatalf("%d row groups, want several", len(pq.RowGroups()))
	}
	if _, ok := postHogLayout(pq); !ok {
		t.Fatal("the file is not read as PostHog's export")
	}
	opt := ingest.Options{File: "events"}
	want, wr := report(t, func(r *core.Rollup) error { return ingest.Read(context.Background(), bytes.NewReader(jsonl), opt, r) })
	if wr.Input.Duplicates == 0 || wr.Input.ActivityEvents == 0 {
		t.Fatalf("the export has %d repeats and %d activity events, want some of each", wr.Input.Duplicates, wr.Input.ActivityEvents)
	}
	defer func(n int) { batchRows = n }(batchRows)
	for _, rows := range []int{700, 8192} {
		batchRows = rows
		for workers := 1; workers <= 4; workers++ {
			opt.Workers = workers
			got, _ := report(t, func(r *core.Rollup) error { return Ingest(context.Background(), pq, opt, r) })
			if got != want {
				t.Fatalf("batches of %d rows, %d workers: the report differs from the JSON lines'\n%s", rows, workers, firstDiff(got, want))
			}
		}
	}
}

// Rows the column path cannot take as they are (properties that are not an
// object, broken JSON, a key written with an escape or twice, a missing
// event or time, a time before 1970, bytes that are not UTF-8) give the same
// rollup, errors and report as reading the file's text export (Reader).
func TestPostHogOddRowsReadAsTheExport(t *testing.T) {
	at := time.Date(2026, 9, 29, 10, 0, 0, 123456000, time.UTC)
	old := time.Date(1969, 12, 31, 23, 59, 59, 999500000, time.UTC)
	s := func(v string) *string { return &v }
	row := func(uuid, event, user, props *string, ts *time.Time) phRow {
		return phRow{UUID: uuid, Event: event, DistinctID: user, Properties: props, Timestamp: ts}
	}
	rows := []phRow{
		row(s("a1"), s("Query Run"), s("user-1"), s(`{"$groups":{"company":"acct-1"}}`), &at),
		row(s("a2"), s("Query Run"), s("user-2"), s(`{"$groups": {"company"`), &at),
		row(s("a3"), s("Query Run"), s("user-3"), s(`[1,2]`), &at),
		row(s("a4"), s("Query Run"), s("user-4"), s(``), &at),
		row(s("a5"), s("Query Run"), s("user-5"), nil, &at),
		row(s("a6"), nil, s("user-6"), s(`{}`), &at),
		row(s("a7"), s("Query Run"), s("user-7"), s(`{}`), nil),
		row(s("a8"), s("Query Run"), s("user-8"), s(`{"org_id":"acct-8"}`), &old),
		row(s("a9\xff"), s("Query Run"), s("user-9"), s(`{}`), &at),
		row(s("a10"), s("Query Run"), s("user-10"), s(`{"$gr\u006fups":{"company":"acct-10"}}`), &at),
		row(s("a11"), s("Query Run"), s("user-11"), s(`{"$groups":{"company":"x"},"$groups":{"company":"acct-11"}}`), &at),
		row(s("a12"), s("Query Run"), s(""), s(`{"distinct_id":"user-12","$groups":{"company":42}}`), &at),
		row(s("a13"), s("$identify"), s("user-13"), s(`{"$set":{"role":"admin","seats":3}}`), &at),
		row(s("a14"), s("$groupidentify"), s("user-13"), s(`{"$group_type":"company","$group_key":"acct-14","$group_set":{"plan":"pro"}}`), &at),
		row(s("a15"), s("Chart Edited"), s("user-15"), s(` {"$set":{"role":"owner"},"company_id":"acct-15"} `), &at),
		row(s("a1"), s("Query Run"), s("user-1"), s(`{"$groups":{"company":"acct-1"}}`), &at),
		row(s("a16"), s("Query Run"), s("user-16"), s(`{"$groups":{"company":"acct-16"},"deep":[[[{"a":"\u00e9t\u00e9"}]]],"n":1.5e3}`), &at),
		row(s("a17"), s("Query Run"), s("user-17"), s(`{"$groups":{"company":"acct-17"}} x`), &at),
	}
	pq := writeGroups(t, rows, 5)
	if _, ok := postHogLayout(pq); !ok {
		t.Fatal("the file is not read as PostHog's export")
	}
	opt := ingest.Options{File: "odd.parquet"}
	want, wr := report(t, func(r *core.Rollup) error {
		rd, stop := Reader(pq)
		defer stop()
		return ingest.Read(context.Background(), rd, opt, r)
	})
	if wr.Input.Skipped < 5 || wr.Input.Duplicates != 1 {
		t.Fatalf("the text export skipped %d rows and found %d repeats, want at least 5 and 1", wr.Input.Skipped, wr.Input.Duplicates)
	}
	defer func(n int) { batchRows = n }(batchRows)
	batchRows = 4
	for workers := 1; workers <= 4; workers++ {
		opt.Workers = workers
		got, gr := report(t, func(r *core.Rollup) error { return Ingest(context.Background(), pq, opt, r) })
		if got != want {
			t.Fatalf("%d workers: the report differs from the text export's\n%s", workers, firstDiff(got, want))
		}
		if g, w := fmt.Sprint(gr.Input.Errors), fmt.Sprint(wr.Input.Errors); g != w {
			t.Fatalf("%d workers: errors\n%s\nwant\n%s", workers, g, w)
		}
	}
}

// Other flat files (warehouse tables) and a file whose timestamp is no
// Parquet timestamp are not taken for PostHog's export.
func TestPostHogLayoutNeedsItsColumns(t *testing.T) {
	type noProps struct {
		UUID       string    `parquet:"uuid"`
		Event      string    `parquet:"event"`
		DistinctID string    `parquet:"distinct_id"`
		Timestamp  time.Time `parquet:"timestamp,timestamp(millisecond)"`
	}
	type intTime struct {
		UUID       string `parquet:"uuid"`
		Event      string `parquet:"event"`
		DistinctID string `parquet:"distinct_id"`
		Properties string `parquet:"properties"`
		Timestamp  int64  `parquet:"timestamp"`
	}
	if _, ok := postHogLayout(write(t, []noProps{{"u", "e", "d", time.Unix(0, 0)}})); ok {
		t.Error("a table without properties is read as PostHog's export")
	}
	if _, ok := postHogLayout(write(t, []intTime{{"u", "e", "d", "{}", 1}})); ok {
		t.Error("a plain INT64 timestamp is read as PostHog's export")
	}
}

// firstDiff shows the first line where two texts differ.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return fmt.Sprintf("line %d: got %s\nwant %s", i+1, g[i], w[i])
		}
	}
	return fmt.Sprintf("got %d lines, want %d", len(g), len(w))
}

// millis gives the ms Export's RFC 3339 text of a timestamp reads back as
// (the floor), and declines the times that text is needed for.
func TestMillisReadsAsExportText(t *testing.T) {
	for _, c := range []struct {
		n, step int64
		ok      bool
	}{
		{0, 1000, true}, {1, 1000, true}, {999, 1000, true}, {1000, 1000, true}, {1_790_000_123_456, 1000, true},
		{1_790_000_123_456_789, 1, true}, {1_790_000_123, int64(time.Millisecond), true},
		{-1, 1000, false}, {9_300_000_000_000_000, 1000, false},
	} {
		ms, ok := millis(c.n, c.step)
		if ok != c.ok {
			t.Errorf("millis(%d, %d) ok = %v, want %v", c.n, c.step, ok, c.ok)
			continue
		}
		if !ok {
			continue
		}
		text := time.Unix(0, 0).Add(time.Duration(c.n * c.step)).UTC().Format(time.RFC3339Nano)
		at, err := time.Parse(time.RFC3339Nano, text)
		if err != nil || at.UnixMilli() != ms {
			t.Errorf("millis(%d, %d) = %d, the text %s reads as %d (%v)", c.n, c.step, ms, text, at.UnixMilli(), err)
		}
	}
}

// A timestamp column of text (an epoch number, an offset, a bad or missing
// time) reads as the text export does.
func TestPostHogTextTimestamps(t *testing.T) {
	type textRow struct {
		UUID       string  `parquet:"uuid"`
		Event      string  `parquet:"event"`
		DistinctID string  `parquet:"distinct_id"`
		Timestamp  *string `parquet:"timestamp,optional"`
		Properties string  `parquet:"properties"`
	}
	s := func(v string) *string { return &v }
	rows := []textRow{
		{"t1", "Query Run", "user-1", s("2026-09-29T23:50:00+05:30"), `{"$groups":{"company":"acct-1"}}`},
		{"t2", "Query Run", "user-2", s("1790000000"), `{}`},
		{"t3", "Query Run", "user-3", s("yesterday"), `{}`},
		{"t4", "Query Run", "user-4", nil, `{}`},
		{"t5", "Query Run", "user-5", s("2026-09-30 10:00:00"), `{}`},
	}
	pq := writeGroups(t, rows, 2)
	if l, ok := postHogLayout(pq); !ok || l.tsStep != 0 {
		t.Fatalf("the file is not read as PostHog's export with a text timestamp (%v)", ok)
	}
	opt := ingest.Options{File: "text.parquet"}
	want, wr := report(t, func(r *core.Rollup) error {
		rd, stop := Reader(pq)
		defer stop()
		return ingest.Read(context.Background(), rd, opt, r)
	})
	if wr.Input.Skipped != 2 {
		t.Fatalf("the text export skipped %d rows, want 2", wr.Input.Skipped)
	}
	got, gr := report(t, func(r *core.Rollup) error { return Ingest(context.Background(), pq, opt, r) })
	if got != want || fmt.Sprint(gr.Input.Errors) != fmt.Sprint(wr.Input.Errors) {
		t.Fatalf("the report differs from the text export's\n%s\nerrors %v\nwant %v", firstDiff(got, want), gr.Input.Errors, wr.Input.Errors)
	}
}
