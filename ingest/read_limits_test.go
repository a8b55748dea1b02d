package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/sep-project/sep/core"
)

// longLineInput is three good lines around one line of n bytes.
func longLineInput(n int) []byte {
	good := `{"type":"track","userId":"u","event":"A","timestamp":"2026-09-01T00:00:00Z"}` + "\n"
	var b bytes.Buffer
	b.WriteString(good)
	b.WriteString(`{"type":"track","userId":"u","event":"A","timestamp":"2026-09-01T00:00:00Z","x":"`)
	b.WriteString(strings.Repeat("y", n))
	b.WriteString("\"}\n")
	b.WriteString(good)
	b.WriteString(good)
	return b.Bytes()
}

// TestLongLineIsOneBadRecord feeds a line over MaxLineBytes (the real limit,
// not a shrunk one) to both ingest paths and the Reader: each reports that line
// with the limit and reads the lines after it. It used to hang.
func TestLongLineIsOneBadRecord(t *testing.T) {
	data := longLineInput(MaxLineBytes + 10)
	for _, workers := range []int{1, 2} {
		roll, _ := core.NewRollup("UTC")
		if err := Read(context.Background(), bytes.NewReader(data), Options{File: "big.jsonl", Workers: workers}, roll); err != nil {
			t.Fatal(err)
		}
		in := roll.Input
		if in.ActivityEvents != 3 || in.Skipped != 1 || in.SkippedByReason[ReasonLineTooLong] != 1 ||
			len(in.Errors) != 1 || in.Errors[0].Line != 2 || !strings.Contains(in.Errors[0].Message, "4 MiB") {
			t.Errorf("workers=%d: %+v", workers, in)
		}
	}
	r, err := NewReader(bytes.NewReader(data), Options{File: "big.jsonl"})
	if err != nil {
		t.Fatal(err)
	}
	var good, bad int
	for {
		_, err := r.Read()
		if err == io.EOF {
			break
		}
		var pe *core.ParseError
		switch {
		case errors.As(err, &pe) && pe.Reason == ReasonLineTooLong && pe.Line == 2:
			bad++
		case err != nil:
			t.Fatal(err)
		default:
			good++
		}
	}
	if good != 3 || bad != 1 {
		t.Errorf("Reader: %d good, %d too long", good, bad)
	}
}

// TestLineLimitEdges shrinks the block to 200 bytes and puts lines of every
// length around the limit at every position: the parallel splitter, the
// sequential reader and the limit must agree on which lines are too long.
func TestLineLimitEdges(t *testing.T) {
	old := chunkSize
	chunkSize = 200
	defer func() { chunkSize = old }()
	prefix := `{"type":"track","userId":"u","event":"A","timestamp":"2026-09-01T00:00:00Z","x":"`
	for _, size := range []int{150, 198, 199, 200, 201, 450} {
		for _, lead := range []int{0, 1, 3} {
			var b bytes.Buffer
			for i := 0; i < lead; i++ {
				fmt.Fprintf(&b, `{"type":"track","userId":"u%d","event":"A","timestamp":"2026-09-01T00:00:00Z"}`+"\n", i)
			}
			line := prefix + strings.Repeat("y", size-len(prefix)-2) + `"}`
			b.WriteString(line + "\n")
			b.WriteString(`{"type":"track","userId":"last","event":"A","timestamp":"2026-09-02T00:00:00Z"}` + "\n")
			wantLong := int64(0)
			if len(line) >= chunkSize {
				wantLong = 1
			}
			var texts []string
			for _, workers := range []int{1, 3} {
				roll, _ := core.NewRollup("UTC")
				if err := Read(context.Background(), bytes.NewReader(b.Bytes()), Options{File: "x", Workers: workers}, roll); err != nil {
					t.Fatal(err)
				}
				if got := roll.Input.SkippedByReason[ReasonLineTooLong]; got != wantLong || roll.Input.ActivityEvents != int64(lead)+2-wantLong {
					t.Errorf("line of %d after %d lines, workers %d: %d too long, %d activity", len(line), lead, workers, got, roll.Input.ActivityEvents)
				}
				if wantLong == 1 && roll.Input.Errors[0].Line != lead+1 {
					t.Errorf("line of %d after %d lines: error on line %d", len(line), lead, roll.Input.Errors[0].Line)
				}
				texts = append(texts, rollupText(roll))
			}
			if texts[0] != texts[1] {
				t.Errorf("line of %d after %d lines: sequential and parallel differ:\n%s\n---\n%s", len(line), lead, texts[0], texts[1])
			}
		}
	}
}

// TestDecodeEventsManyBadRecords checks that a body of many bad records is
// read in linear time (lines counted as reading goes), lists the first 20 and
// counts all of them by reason.
func TestDecodeEventsManyBadRecords(t *testing.T) {
	const n = 100_000
	var b bytes.Buffer
	b.WriteString("[\n")
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",\n")
		}
		b.WriteString(`{"type":"track","userId":"u","event":"A","timestamp":"never"}`)
	}
	b.WriteString("\n]\n")
	evs, bad, err := DecodeEvents(context.Background(), b.Bytes(), Options{Format: core.FormatSegment, File: "body"})
	if err != nil || len(evs) != 0 {
		t.Fatal(err, len(evs))
	}
	if bad.Total != n || bad.ByReason[core.ReasonBadTimestamp] != n || len(bad.First) != core.MaxReportedErrors ||
		bad.First[0].Line != 2 || bad.First[19].Line != 21 {
		t.Errorf("total %d, by reason %v, %d listed, first line %d", bad.Total, bad.ByReason, len(bad.First), bad.First[0].Line)
	}
}

// TestDecodeEventsStopsWithTheContext: a caller whose client has gone stops
// the decoding.
func TestDecodeEventsStopsWithTheContext(t *testing.T) {
	var b bytes.Buffer
	for i := 0; i < 5000; i++ {
		b.WriteString(`{"type":"track","userId":"u","event":"A","timestamp":"2026-09-01T00:00:00Z"}` + "\n")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	evs, _, err := DecodeEvents(ctx, b.Bytes(), Options{Format: core.FormatSegment})
	if !errors.Is(err, context.Canceled) || len(evs) == 5000 {
		t.Errorf("cancelled: %d events, %v", len(evs), err)
	}
}

// TestCSVLayouts reads each recognised warehouse layout and the flag's mapping;
// a header that fits none gets one error naming every column needed.
func TestCSVLayouts(t *testing.T) {
	for _, c := range []struct {
		in, layout, user, account, name string
		cols                            core.CSVColumns
	}{
		{"name,time,distinct_id\nA,2026-09-01 10:00:00,u\n", "fivetran_mixpanel", "u", "", "A", core.CSVColumns{}},
		{"event_type,event_time,user_id,device_id\nA,2026-09-01 10:00:00.000000,,d\n", "fivetran_amplitude", "d", "", "A", core.CSVColumns{}},
		{"event,timestamp,user_id,anonymous_id,context_group_id\nA,2026-09-01T10:00:00Z,u,a,g\n", "segment_tracks", "u", "g", "A", core.CSVColumns{}},
		{"name,timestamp,user_id,anonymous_id\nHome,2026-09-01T10:00:00Z,,a\n", "segment_pages", "a", "", "Home", core.CSVColumns{}},
		{"user_id,event,timestamp,org_id\nu,A,2026-09-01T10:00:00Z,o\n", "sep", "u", "o", "A", core.CSVColumns{}},
		{"user_id,event,timestamp,context_group_id,org_id\nu,A,2026-09-01T10:00:00Z,g,o\n", "sep", "u", "g", "A", core.CSVColumns{}},
		{"n,t,who,org\nA,2026-09-01T10:00:00Z,u,o\n", "columns", "u", "o", "A", core.CSVColumns{Event: "n", Timestamp: "t", UserID: "who", AccountID: "org"}},
	} {
		roll, _ := core.NewRollup("UTC")
		if err := Read(context.Background(), strings.NewReader(c.in), Options{Columns: c.cols, File: "t.csv"}, roll); err != nil {
			t.Errorf("%s: %v", c.layout, err)
			continue
		}
		if f := roll.Input.Files[0]; f.Layout != c.layout || f.ActivityEvents != 1 {
			t.Errorf("%s: read as %+v", c.layout, f)
		}
		r, _ := NewReader(strings.NewReader(c.in), Options{Columns: c.cols})
		if e, err := r.Read(); err != nil || e.UserID != c.user || e.AccountID != c.account || e.Name != c.name {
			t.Errorf("%s: %+v %v", c.layout, e, err)
		}
	}
	_, err := NewReader(strings.NewReader("when,what,who\n"), Options{Format: core.FormatCSV, File: "odd.csv"})
	for _, want := range []string{"odd.csv: line 1", "event column", "timestamp column", "user column", "when, what, who", "--csv-columns"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("header error %v lacks %q", err, want)
		}
	}
	// A mapping naming an absent column says which.
	_, err = NewReader(strings.NewReader("a,b\n"), Options{Format: core.FormatCSV, Columns: core.CSVColumns{Event: "a", Timestamp: "zz", UserID: "b"}})
	if err == nil || !strings.Contains(err.Error(), `no "zz" column`) {
		t.Errorf("mapping error %v", err)
	}
}

func TestParseCSVColumns(t *testing.T) {
	c, err := core.ParseCSVColumns("event=name, timestamp=time,user=distinct_id,account=org_id")
	if err != nil || c != (core.CSVColumns{Event: "name", Timestamp: "time", UserID: "distinct_id", AccountID: "org_id"}) {
		t.Errorf("%+v %v", c, err)
	}
	for _, bad := range []string{"event", "when=time", "event="} {
		if _, err := core.ParseCSVColumns(bad); err == nil {
			t.Errorf("ParseCSVColumns(%q): no error", bad)
		}
	}
}

// TestSummaryName: input.files names a file without its folders, so that the
// page (which knows a dropped file by its name) writes the CLI's report.
func TestSummaryName(t *testing.T) {
	for in, want := range map[string]string{
		"":                            "stdin",
		"-":                           "stdin",
		"export.jsonl":                "export.jsonl",
		"/tmp/a/export.jsonl":         "export.jsonl",
		`C:\data\export.csv`:          "export.csv",
		"/tmp/a/export.zip/2026/x.gz": "export.zip/2026/x.gz",
	} {
		if got := summaryName(in); got != want {
			t.Errorf("summaryName(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestNoActivityError is the message every surface shows when nothing could
// be scored, built from the file summaries.
func TestNoActivityError(t *testing.T) {
	roll, _ := core.NewRollup("UTC")
	if err := Read(context.Background(), strings.NewReader(`{"type":"track","event":"A","timestamp":"2026-09-01T00:00:00Z"}`+"\n"), Options{File: "/x/a.jsonl"}, roll); err != nil {
		t.Fatal(err)
	}
	err := roll.Input.NoActivityError()
	if err == nil || !strings.Contains(err.Error(), "a.jsonl: read as segment, 1 records, 1 skipped (no_user 1)") || !strings.Contains(err.Error(), "--format") {
		t.Errorf("got %v", err)
	}
	var me *core.MessageError
	if !errors.As(err, &me) || me.Msg.Key != "no_activity_read" {
		t.Fatalf("no message key in %#v", err)
	}
	if f := me.Msg.Values["files"].([]map[string]any); len(f) != 1 || f[0]["name"] != "a.jsonl" || f[0]["format"] != "segment" || f[0]["skipped"] != int64(1) {
		t.Errorf("message values %v", me.Msg.Values)
	}
	if err := Read(context.Background(), strings.NewReader(`{"type":"track","event":"A","userId":"u","timestamp":"2026-09-01T00:00:00Z"}`), Options{File: "b.jsonl"}, roll); err != nil {
		t.Fatal(err)
	}
	if err := roll.Input.NoActivityError(); err != nil {
		t.Errorf("one activity event read, still %v", err)
	}
}
