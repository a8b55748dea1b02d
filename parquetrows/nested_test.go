package parquetrows

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/core/synth"
	"github.com/sep-project/sep/ingest"
)

// segRow is a record of the raw Segment shape, nested objects as structs,
// as DuckDB writes `sep gen --format segment` (e2e/warehouse/parquet.mjs).
type segRow struct {
	MessageID   *string `parquet:"messageId,optional"`
	Type        *string `parquet:"type,optional"`
	UserID      *string `parquet:"userId,optional"`
	AnonymousID *string `parquet:"anonymousId,optional"`
	Event       *string `parquet:"event,optional"`
	Name        *string `parquet:"name,optional"`
	GroupID     *string `parquet:"groupId,optional"`
	Timestamp   *string `parquet:"timestamp,optional"`
	ReceivedAt  *string `parquet:"receivedAt,optional"`
	Traits      *traits `parquet:"traits,optional"`
	Properties  *struct {
		Value   *int64  `parquet:"value,optional"`
		GroupID *string `parquet:"groupId,optional"`
	} `parquet:"properties,optional"`
	Context *struct {
		IP      *string `parquet:"ip,optional"`
		GroupID *string `parquet:"groupId,optional"`
	} `parquet:"context,optional"`
}

// traits are the traits sep gen writes.
type traits struct {
	Role  *string `parquet:"role,optional"`
	Plan  *string `parquet:"plan,optional"`
	Name  *string `parquet:"name,optional"`
	Seats *int64  `parquet:"seats,optional"`
}

// segmentExport writes a synthetic Segment export as JSON lines, and the
// same records as nested Parquet in row groups of groupRows.
func segmentExport(t testing.TB, users, repeatEvery, groupRows int) (jsonl []byte, pq *parquet.File) {
	t.Helper()
	var buf bytes.Buffer
	if _, err := synth.Write(&buf, synth.Options{Users: users, Days: 60, Seed: 7, Format: core.FormatSegment, RepeatEvery: repeatEvery}); err != nil {
		t.Fatal(err)
	}
	var rows []segRow
	sc := bufio.NewScanner(bytes.NewReader(buf.Bytes()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r segRow
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}
	return buf.Bytes(), writeGroups(t, rows, groupRows)
}

// The raw Segment shape, read in batches smaller than its row groups on 1
// to 4 workers, gives the report of the same records as JSON lines: the same
// first copy of each repeated messageId wins wherever its repeat is.
func TestSegmentParquetScoresAsItsJSONLines(t *testing.T) {
	jsonl, pq := segmentExport(t, 60, 40, 1000)
	if len(pq.RowGroups()) < 4 || Flat(pq) {
		t.Fatalf("%d row groups (flat: %v), want several of a nested file", len(pq.RowGroups()), Flat(pq))
	}
	opt := ingest.Options{File: "events"}
	if f, err := nestedFormat(pq, &opt); f != core.FormatSegment {
		t.Fatalf("the file is read as %q (%v), want Segment's batches", f, err)
	}
	want, wr := report(t, func(r *core.Rollup) error { return ingest.Read(context.Background(), bytes.NewReader(jsonl), opt, r) })
	traits := 0
	wr.Traits(func(core.Trait) { traits++ })
	if wr.Input.Duplicates == 0 || wr.Input.ActivityEvents == 0 || traits == 0 {
		t.Fatalf("the export has %d repeats, %d activity events, %d traits: want some of each", wr.Input.Duplicates, wr.Input.ActivityEvents, traits)
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

// Odd rows (nulls, numbers as strings, +05:30 offsets, mixed-case keys, no
// ids, bad times, a repeat) give the same rollup, errors and report as
// reading the file's text export (Reader), the path before the batches.
func TestSegmentOddRowsReadAsTheExport(t *testing.T) {
	s := func(v string) *string { return &v }
	n := func(v int64) *int64 { return &v }
	row := func(id, typ, user, event, ts *string) segRow {
		return segRow{MessageID: id, Type: typ, UserID: user, Event: event, Timestamp: ts}
	}
	at := s("2026-09-29T10:00:00.000Z")
	rows := []segRow{
		row(s("m1"), s("track"), s("user-1"), s("Query Run"), at),
		row(s("m2"), s("track"), s("user-2"), s("Query Run"), s("2026-09-29T15:30:00+05:30")),
		row(s("m3"), s("track"), nil, s("Query Run"), at),
		row(nil, s("track"), s("user-4"), s("Query Run"), at),
		row(s("m5"), s("track"), s("user-5"), nil, at),
		row(s("m6"), s("track"), s("user-6"), s("Query Run"), nil),
		row(s("m7"), s("track"), s("user-7"), s("Query Run"), s("yesterday")),
		row(s("m8"), s("track"), s("42"), s("Query Run"), s("1790000000000")),
		row(s("m9"), s("TRACK"), s("user-9"), s("Query Run"), at),
		row(s("m10"), nil, s("user-10"), s("Query Run"), at),
		row(s("m1"), s("track"), s("user-1"), s("Query Run"), at),
		row(s("m12"), s("page"), s("user-12"), nil, at),
		row(s("m13\xff"), s("track"), s("user-13"), s("Query Run"), at),
	}
	rows[0].Context = &struct {
		IP      *string `parquet:"ip,optional"`
		GroupID *string `parquet:"groupId,optional"`
	}{GroupID: s("acct-1")}
	rows[1].Properties = &struct {
		Value   *int64  `parquet:"value,optional"`
		GroupID *string `parquet:"groupId,optional"`
	}{Value: n(3), GroupID: s("acct-2")}
	rows[2].AnonymousID = s("anon-3")
	rows[11].Name = s("Settings")
	ident := row(s("m14"), s("identify"), s("user-14"), nil, at)
	ident.Traits = &traits{Role: s("Admin"), Seats: n(3)}
	group := row(s("m15"), s("group"), s("user-14"), nil, at)
	group.GroupID = s("acct-15")
	group.Traits = &traits{Plan: s("pro"), Name: s("Acme")}
	rows = append(rows, ident, group, segRow{})
	pq := writeGroups(t, rows, 5)
	opt := ingest.Options{File: "odd.parquet"}
	if f, err := nestedFormat(pq, &opt); f != core.FormatSegment {
		t.Fatalf("the file is read as %q (%v), want Segment's batches", f, err)
	}
	want, wr := report(t, func(r *core.Rollup) error {
		rd, stop := Reader(pq)
		defer stop()
		return ingest.Read(context.Background(), rd, opt, r)
	})
	if wr.Input.Skipped < 4 || wr.Input.Duplicates != 1 {
		t.Fatalf("the text export skipped %d rows and found %d repeats, want at least 4 and 1", wr.Input.Skipped, wr.Input.Duplicates)
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

// A row Export cannot write (a NaN) stops the read with Export's error, on
// any worker count, as it stops the text export.
func TestSegmentRowExportCannotWriteStopsTheRead(t *testing.T) {
	type nanRow struct {
		MessageID string  `parquet:"messageId"`
		Type      string  `parquet:"type"`
		UserID    string  `parquet:"userId"`
		Event     string  `parquet:"event"`
		Timestamp string  `parquet:"timestamp"`
		Value     float64 `parquet:"value"`
		Context   struct {
			GroupID string `parquet:"groupId"`
		} `parquet:"context"`
	}
	var rows []nanRow
	for i := range 20000 { // the first NaN beyond the MiB that detection reads
		r := nanRow{MessageID: fmt.Sprint("m", i), Type: "track", UserID: "user-1", Event: "Query Run", Timestamp: "2026-09-29T10:00:00Z"}
		if i == 13000 || i == 17000 {
			r.Value = math.NaN()
		}
		rows = append(rows, r)
	}
	pq := writeGroups(t, rows, 5000)
	opt := ingest.Options{File: "nan.parquet"}
	if f, err := nestedFormat(pq, &opt); f != core.FormatSegment {
		t.Fatalf("the file is read as %q (%v), want Segment's batches", f, err)
	}
	r, _ := core.NewRollup("UTC")
	rd, stop := Reader(pq)
	want := ingest.Read(context.Background(), rd, opt, r)
	stop()
	if want == nil {
		t.Fatal("the text export read a NaN")
	}
	defer func(n int) { batchRows = n }(batchRows)
	batchRows = 1000
	for workers := 1; workers <= 4; workers++ {
		opt.Workers = workers
		r, _ := core.NewRollup("UTC")
		if got := Ingest(context.Background(), pq, opt, r); got == nil || got.Error() != want.Error() {
			t.Fatalf("%d workers: error %v, want %v", workers, got, want)
		}
	}
}

// Columns of other types and cases (Parquet timestamps, int32, float,
// booleans, bytes, a key in two cases, context.GroupId, properties as text,
// traits present with every member null) read as the text export reads them.
func TestSegmentColumnTypesReadAsTheExport(t *testing.T) {
	type tr struct {
		Admin *bool    `parquet:"admin,optional"`
		Score *float32 `parquet:"score,optional"`
		Seats *int32   `parquet:"seats,optional"`
	}
	type row struct {
		MessageID  []byte     `parquet:"messageId,optional"`
		Type       string     `parquet:"type"`
		UserID     *string    `parquet:"userId,optional"`
		UserIDCase *string    `parquet:"UserId,optional"`
		Event      *string    `parquet:"event,optional"`
		Timestamp  *time.Time `parquet:"timestamp,optional,timestamp(millisecond)"`
		SentAt     *int64     `parquet:"sentAt,optional"`
		Received   *time.Time `parquet:"receivedAt,optional,timestamp(microsecond)"`
		Properties *string    `parquet:"properties,optional"`
		Traits     *tr        `parquet:"traits,optional"`
		Context    struct {
			GroupID *string  `parquet:"GroupId,optional"`
			Weight  *float64 `parquet:"weight,optional"`
		} `parquet:"context"`
		Cost float64 `parquet:"cost"`
	}
	s := func(v string) *string { return &v }
	at := time.Date(2026, 9, 29, 10, 0, 0, 123000000, time.UTC)
	us := time.Date(2026, 9, 29, 10, 0, 1, 123456000, time.UTC)
	ms := int64(1790000000000)
	yes, score, seats := true, float32(0.1), int32(7)
	rows := []row{
		{MessageID: []byte("m1"), Type: "track", UserID: s("user-1"), Event: s("Query Run"), Timestamp: &at, Received: &us},
		{MessageID: []byte("m2"), Type: "track", UserIDCase: s("user-2"), Event: s("Query Run"), SentAt: &ms},
		{MessageID: []byte("m3"), Type: "track", UserID: s("user-3a"), UserIDCase: s("user-3b"), Event: s("Query Run"), Timestamp: &at},
		{MessageID: []byte("m4"), Type: "track", UserID: s("user-4"), Event: s("Query Run"), Received: &us, Properties: s(`{"groupId":"acct-4"}`)},
		{MessageID: []byte("m5"), Type: "identify", UserID: s("user-5"), Timestamp: &at, Traits: &tr{}},
		{MessageID: []byte("m6"), Type: "identify", UserID: s("user-6"), Timestamp: &at, Traits: &tr{Admin: &yes, Score: &score, Seats: &seats}},
		{Type: "track", UserID: s("user-7"), Event: s("Query Run"), Timestamp: &at},
	}
	rows[0].Context.GroupID = s("acct-1")
	w := 2.5
	rows[1].Context.Weight = &w
	for i := range 8 {
		rows = append(rows, rows[i%len(rows)])
	}
	pq := writeGroups(t, rows, 3)
	if _, ok := segmentLayout(pq); !ok {
		t.Fatal("the file is not read by columns")
	}
	opt := ingest.Options{File: "types.parquet"}
	if f, err := nestedFormat(pq, &opt); f != core.FormatSegment {
		t.Fatalf("the file is read as %q (%v), want Segment's batches", f, err)
	}
	want, wr := report(t, func(r *core.Rollup) error {
		rd, stop := Reader(pq)
		defer stop()
		return ingest.Read(context.Background(), rd, opt, r)
	})
	if wr.Input.ActivityEvents == 0 || wr.Input.Duplicates == 0 {
		t.Fatalf("the text export read %d activity events, %d repeats; want some", wr.Input.ActivityEvents, wr.Input.Duplicates)
	}
	defer func(n int) { batchRows = n }(batchRows)
	batchRows = 2
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

// A member the decoder reads that is a list, or of a type this path does not
// write (a DATE), leaves the file to its text export.
func TestSegmentLayoutLeavesListsAndDates(t *testing.T) {
	type listRow struct {
		Type  string   `parquet:"type"`
		Batch []string `parquet:"batch,list"`
		Ctx   struct {
			IP string `parquet:"ip"`
		} `parquet:"context"`
	}
	type dateRow struct {
		Type      string    `parquet:"type"`
		Timestamp time.Time `parquet:"timestamp,date"`
		Ctx       struct {
			IP string `parquet:"ip"`
		} `parquet:"context"`
	}
	if _, ok := segmentLayout(writeGroups(t, []listRow{{Type: "track", Batch: []string{"x"}}}, 10)); ok {
		t.Error("a list member is read by columns")
	}
	if _, ok := segmentLayout(writeGroups(t, []dateRow{{Type: "track", Timestamp: time.Now()}}, 10)); ok {
		t.Error("a DATE member is read by columns")
	}
}

// exportHead is the start of Export's text, whatever its length.
func TestExportHeadIsExportsStart(t *testing.T) {
	_, pq := segmentExport(t, 20, 0, 1000)
	var full bytes.Buffer
	if err := Export(pq, &full); err != nil {
		t.Fatal(err)
	}
	for _, size := range []int{1, 100, 64 << 10, full.Len(), full.Len() + 1} {
		head, err := exportHead(pq, size)
		if err != nil {
			t.Fatal(err)
		}
		if want := full.Bytes()[:min(size, full.Len())]; !bytes.Equal(head, want) {
			t.Fatalf("size %d: the head differs from Export's start (%d bytes, want %d)", size, len(head), len(want))
		}
	}
}
