package ingest

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sep-project/sep/core"
)

var update = flag.Bool("update", false, "rewrite golden files")

// describe writes an event as one stable line for golden files.
func describe(e core.Event) string {
	var traits []string
	for k, v := range e.Traits {
		traits = append(traits, k+"="+v)
	}
	sort.Strings(traits)
	return fmt.Sprintf("%s user=%q account=%q name=%q time=%s msg=%q traits=[%s]", e.Kind, e.UserID, e.AccountID, e.Name,
		time.UnixMilli(e.TimeMs).UTC().Format("2006-01-02T15:04:05.000Z"), e.MessageID, strings.Join(traits, " "))
}

// TestReadersGolden decodes each sample export in testdata/readers and compares
// the events with the .golden file beside it (go test -update rewrites them).
func TestReadersGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/readers/*.*")
	n := 0
	for _, file := range files {
		if strings.HasSuffix(file, ".golden") {
			continue
		}
		n++
		t.Run(filepath.Base(file), func(t *testing.T) {
			f, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			r, err := NewReader(f, Options{File: filepath.Base(file)})
			if err != nil {
				t.Fatal(err)
			}
			var out strings.Builder
			for {
				e, err := r.Read()
				if err == io.EOF {
					break
				}
				if err != nil {
					fmt.Fprintf(&out, "error: %v\n", err)
					continue
				}
				out.WriteString(describe(e) + "\n")
			}
			out.WriteString(summaryText(t, file))
			golden := file + ".golden"
			if *update {
				os.WriteFile(golden, []byte(out.String()), 0o644)
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if out.String() != string(want) {
				t.Errorf("events differ from %s:\n%s", golden, out.String())
			}
		})
	}
	if n < 6 {
		t.Fatalf("only %d sample exports in testdata/readers", n)
	}
}

// summaryText ingests a sample as sep score does and describes its file
// summary and warnings for the golden file.
func summaryText(t *testing.T, file string) string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	roll, _ := core.NewRollup("UTC")
	if err := Read(context.Background(), bytes.NewReader(data), Options{File: filepath.Base(file)}, roll); err != nil {
		return fmt.Sprintf("ingest error: %v\n", err)
	}
	if len(roll.Input.Files) != 1 {
		t.Fatalf("%d file summaries", len(roll.Input.Files))
	}
	f := roll.Input.Files[0]
	var reasons []string
	for k, v := range f.SkippedByReason {
		reasons = append(reasons, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(reasons)
	out := fmt.Sprintf("file %s: format=%s layout=%q events=%d activity=%d skipped=%d [%s]\n",
		f.Name, f.Format, f.Layout, f.Events, f.ActivityEvents, f.Skipped, strings.Join(reasons, " "))
	for _, w := range f.Warnings {
		out += "warning: " + w + "\n"
	}
	return out
}

func TestDetectFormat(t *testing.T) {
	for _, c := range []struct {
		head string
		want core.Format
	}{
		{`{"type":"track","userId":"u","event":"A"}`, core.FormatSegment},
		{`[{"type":"track"}]`, core.FormatSegment},
		{"{\n  \"batch\": [ {\"type\":\"page\"} ]\n}", core.FormatSegment},
		{`{"event":"A","properties":{"time":1,"distinct_id":"u"}}`, core.FormatMixpanel},
		{`{"event_type":"A","user_id":"u"}`, core.FormatAmplitude},
		{`{"event":"A","distinct_id":"u","timestamp":"x"}`, core.FormatPostHog},
		{"uuid,event,properties,timestamp,distinct_id\n", core.FormatPostHog},
		{"user_id,account_id,event,timestamp\n", core.FormatCSV},
		{"\ufeffuser_id,event,timestamp\n", core.FormatCSV},
		// RudderStack forwarding PostHog events: properties.distinct_id does not make it Mixpanel.
		{`{"type":"track","event":"A","userId":"u","anonymousId":"a","messageId":"m","properties":{"distinct_id":"p"},"rudderId":"r"}` + "\n" +
			`{"type":"track","event":"B","userId":"u","messageId":"n","timestamp":"2026-09-01T00:00:00Z"}`, core.FormatSegment},
		// PostHog's /batch body and /capture body.
		{`{"api_key":"phc_x","batch":[{"event":"A","properties":{"distinct_id":"u"},"timestamp":"2026-09-01T00:00:00Z"},{"event":"B","properties":{"distinct_id":"v"}}]}`, core.FormatPostHog},
		{"{\n \"api_key\": \"phc_x\",\n \"batch\": [\n  {\"event\": \"A\", \"distinct_id\": \"u\"}\n ]\n}", core.FormatPostHog},
		{`{"api_key":"phc_x","event":"A","properties":{"distinct_id":"u"}}`, core.FormatPostHog},
		// Segment's own batch wrapper stays Segment.
		{`{"batch":[{"type":"track","event":"A","userId":"u"}],"sentAt":"2026-09-01T00:00:00Z","writeKey":"k"}`, core.FormatSegment},
		// A Mixpanel export whose first record lacks time: the others decide.
		{`{"event":"A","properties":{"distinct_id":"u"}}` + "\n" + `{"event":"B","properties":{"time":1,"distinct_id":"u","$insert_id":"i","mp_lib":"web"}}`, core.FormatMixpanel},
		// A record cut off by the end of the peeked head still counts.
		{`{"event_type":"A","user_id":"u","event_properties":{"x":"` + strings.Repeat("y", 100), core.FormatAmplitude},
		// Segment warehouse and Fivetran tables are the generic CSV (with a layout).
		{"_fivetran_id,insert_id,time,name,distinct_id\n", core.FormatCSV},
		{"id,anonymous_id,user_id,event,event_text,timestamp,context_group_id\n", core.FormatCSV},
	} {
		got, err := DetectFormat([]byte(c.head), "x")
		if err != nil || got != c.want {
			t.Errorf("DetectFormat(%q) = %v, %v; want %v", c.head, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "   ", "hello world", `{"foo":1,"bar":[2]}`, "[]", "a,b\x00c\n"} {
		if _, err := DetectFormat([]byte(bad), "in.txt"); err == nil || !strings.Contains(err.Error(), "in.txt") {
			t.Errorf("DetectFormat(%q): want an error naming the file, got %v", bad, err)
		}
	}
	// Binary data is refused as such, not read as a broken CSV.
	for _, bin := range []string{"\x00\x01\x02\x03garbage,with,commas\n", "SQLite format 3\x00\x10\x00", "user_id,event\nu\x00,A\n"} {
		_, err := DetectFormat([]byte(bin), "blob.bin")
		if err == nil || !strings.Contains(err.Error(), "blob.bin: binary file, not an export") {
			t.Errorf("DetectFormat(%q) = %v; want a binary file error", bin, err)
		}
	}
}

// TestDetectionReadsWholeFilesRight ingests the two files the issue reports
// misread, in auto mode, and requires every event read.
func TestDetectionReadsWholeFilesRight(t *testing.T) {
	for _, c := range []struct {
		file             string
		format           core.Format
		events, activity int64
	}{
		{"rudderstack-from-posthog.jsonl", core.FormatSegment, 16, 16},
		{"posthog-batch.json", core.FormatPostHog, 6, 2},
	} {
		data, err := os.ReadFile(filepath.Join("testdata/readers", c.file))
		if err != nil {
			t.Fatal(err)
		}
		roll, _ := core.NewRollup("UTC")
		if err := Read(context.Background(), bytes.NewReader(data), Options{File: c.file}, roll); err != nil {
			t.Fatal(err)
		}
		f := roll.Input.Files[0]
		if f.Format != c.format || f.Events != c.events || f.ActivityEvents != c.activity || roll.Input.SkippedByReason["no_user"] > 1 {
			t.Errorf("%s: read as %+v, skipped %v", c.file, f, roll.Input.SkippedByReason)
		}
	}
}

// TestInputTZ reads a legacy Mixpanel export (time in the project's zone) with
// and without --input-tz: with it, times move to UTC and the warning goes.
func TestInputTZ(t *testing.T) {
	data, err := os.ReadFile("testdata/readers/mixpanel-legacy.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	r, err := NewReader(bytes.NewReader(data), Options{InputTZ: la})
	if err != nil {
		t.Fatal(err)
	}
	e, err := r.Read()
	if err != nil || time.UnixMilli(e.TimeMs).UTC().Format(time.RFC3339) != "2026-09-01T17:00:00Z" {
		t.Errorf("first event at %s, %v; want 17:00Z (10:00 PDT)", time.UnixMilli(e.TimeMs).UTC(), err)
	}
	roll, _ := core.NewRollup("UTC")
	if err := Read(context.Background(), bytes.NewReader(data), Options{InputTZ: la, File: "mp"}, roll); err != nil {
		t.Fatal(err)
	}
	if w := roll.Input.Files[0].Warnings; len(w) != 0 {
		t.Errorf("warnings with --input-tz: %v", w)
	}
	// CSV: a time without an offset is in the input zone, one with an offset is not.
	csvIn := "user_id,event,timestamp\nu,A,2026-09-01 10:00:00\nu,B,2026-09-01T10:00:00-07:00\nu,C,2026-09-01T17:00:00Z\nu,D,1788282000\n"
	cr, err := NewReader(strings.NewReader(csvIn), Options{InputTZ: la})
	if err != nil {
		t.Fatal(err)
	}
	for {
		e, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil || e.TimeMs != 1788282000000 {
			t.Errorf("%s at %s, %v; want 17:00Z", e.Name, time.UnixMilli(e.TimeMs).UTC(), err)
		}
	}
}

// TestMostlySkippedWarns checks the warning of a file read in the wrong format.
func TestMostlySkippedWarns(t *testing.T) {
	in := `{"event":"A","properties":{"time":1788256800,"distinct_id":"u"}}` + "\n" + `{"event":"B","properties":{"time":1788256800}}` + "\n" + `{"event":"C","properties":{"time":1788256800}}` + "\n"
	roll, _ := core.NewRollup("UTC")
	if err := Read(context.Background(), strings.NewReader(in), Options{File: "mp.jsonl"}, roll); err != nil {
		t.Fatal(err)
	}
	w := roll.Input.Files[0].Warnings
	if len(w) != 1 || !strings.Contains(w[0], "mp.jsonl: 2 of 3 records were skipped, mostly no_user (2)") || !strings.Contains(w[0], "--format") {
		t.Errorf("warnings %q", w)
	}
	rep, err := core.Score(roll, core.Settings{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(rep.Warnings, w[0]) {
		t.Errorf("the report does not carry the file's warning: %q", rep.Warnings)
	}
}

// TestDefaultGroupKeysOrder reads account ids from event properties in the
// documented order, and group_keys replaces it.
func TestDefaultGroupKeysOrder(t *testing.T) {
	in := `{"event":"A","distinct_id":"u","timestamp":"2026-09-01T00:00:00Z","properties":{"accountId":"d","companyId":"c","organizationId":"b","orgId":"a"}}`
	for _, c := range []struct {
		keys []string
		want string
	}{{nil, "a"}, {[]string{"companyId"}, "c"}, {[]string{"nothing"}, ""}} {
		r, err := NewReader(strings.NewReader(in), Options{Format: core.FormatPostHog, GroupKeys: c.keys})
		if err != nil {
			t.Fatal(err)
		}
		e, err := r.Read()
		if err != nil || e.AccountID != c.want {
			t.Errorf("keys %v: account %q, %v; want %q", c.keys, e.AccountID, err, c.want)
		}
	}
}

func TestParseTime(t *testing.T) {
	ref := time.Date(2026, 9, 1, 10, 0, 0, 0, time.UTC).UnixMilli()
	for _, c := range []struct {
		in   string
		want int64
	}{
		{"2026-09-01T10:00:00Z", ref},
		{"2026-09-01T10:00:00.250Z", ref + 250},
		{"2026-09-01T10:00:00.123456789Z", ref + 123},
		{"2026-09-01T12:00:00+02:00", ref},
		{"2026-09-01T05:30:00-04:30", ref},
		{"2026-09-01T12:00:00+0200", ref},
		{"2026-09-01 10:00:00.123456", ref + 123},
		{"2026-09-01 10:00:00", ref},
		{"2026-09-01t10:00:00z", ref},
		{"2026-09-01", ref - 10*3600e3},
		{"1788256800", ref},
		{"1788256800.5", ref + 500},
		{"1788256800000", ref},
		{" 1788256800000 ", ref},
	} {
		got, err := parseTime(c.in)
		if err != nil || got != c.want {
			t.Errorf("parseTime(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "yesterday", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "31/03/2026", "-5", "1e300", "NaN"} {
		if got, err := parseTime(bad); err == nil {
			t.Errorf("parseTime(%q) = %d, want an error", bad, got)
		}
	}
}

// TestBadRecords checks that each broken record is reported with its file, line,
// field and reason, and that reading goes on after it.
func TestBadRecords(t *testing.T) {
	for _, c := range []struct {
		name, format, input string
		line                int
		field, reason       string
	}{
		{"truncated json", "segment", "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"A\",\"timestamp\":\"2026-09-01T00:00:00Z\"}\n{\"type\":", 2, "", core.ReasonInvalidJSON},
		{"bad timestamp", "segment", `{"type":"track","userId":"u","event":"A","timestamp":"soon"}`, 1, "timestamp", core.ReasonBadTimestamp},
		{"no timestamp", "segment", `{"type":"track","userId":"u","event":"A"}`, 1, "timestamp", core.ReasonMissingField},
		{"unknown type", "segment", `{"type":"purchase","userId":"u","timestamp":"2026-09-01T00:00:00Z"}`, 1, "type", core.ReasonUnknownType},
		{"track without name", "segment", `{"type":"track","userId":"u","timestamp":"2026-09-01T00:00:00Z"}`, 1, "event", core.ReasonMissingField},
		{"group without id", "segment", `{"type":"group","userId":"u","timestamp":"2026-09-01T00:00:00Z"}`, 1, "groupId", core.ReasonMissingField},
		{"bad batch element", "segment", `{"batch":[{"type":"track","userId":"u","event":"A","timestamp":"2026-09-01T00:00:00Z"},{"type":"track","userId":"u","event":"A","timestamp":"x"}]}`, 1, "batch[1].timestamp", core.ReasonBadTimestamp},
		{"mixpanel no time", "mixpanel", `{"event":"A","properties":{"distinct_id":"u"}}`, 1, "properties.time", core.ReasonMissingField},
		{"mixpanel no properties", "mixpanel", `{"event":"A"}`, 1, "properties", core.ReasonMissingField},
		{"amplitude no type", "amplitude", `{"user_id":"u","event_time":"2026-09-01 00:00:00"}`, 1, "event_type", core.ReasonMissingField},
		{"amplitude bad time", "amplitude", `{"event_type":"A","user_id":"u","event_time":"01/09/2026"}`, 1, "event_time", core.ReasonBadTimestamp},
		{"posthog bad time", "posthog", `{"event":"A","distinct_id":"u","timestamp":true}`, 1, "", core.ReasonInvalidJSON},
		{"csv bad time", "csv", "user_id,event,timestamp\nu,A,2026-09-01T00:00:00Z\nu,A,noon\n", 3, "timestamp", core.ReasonBadTimestamp},
		{"csv bad quote", "csv", "user_id,event,timestamp\nu,\"A,2026\n", 2, "", core.ReasonBadCSV},
		{"csv unknown type", "csv", "user_id,event,timestamp,type\nu,A,2026-09-01T00:00:00Z,buy\n", 2, "type", core.ReasonUnknownType},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, _ := ParseFormat(c.format)
			r, err := NewReader(strings.NewReader(c.input), Options{Format: f, File: "in.txt"})
			if err != nil {
				t.Fatal(err)
			}
			var pe *core.ParseError
			for {
				_, err := r.Read()
				if err == io.EOF {
					break
				}
				if err != nil {
					if !errors.As(err, &pe) {
						t.Fatalf("error %v is not a *ParseError", err)
					}
					break
				}
			}
			if pe == nil {
				t.Fatal("no error reported")
			}
			if pe.File != "in.txt" || pe.Line != c.line || pe.Field != c.field || pe.Reason != c.reason {
				t.Errorf("got file %q line %d field %q reason %q (%v); want line %d field %q reason %q",
					pe.File, pe.Line, pe.Field, pe.Reason, pe, c.line, c.field, c.reason)
			}
			if !strings.HasPrefix(pe.Error(), fmt.Sprintf("in.txt:%d: ", c.line)) {
				t.Errorf("message %q does not start with the file and line", pe.Error())
			}
		})
	}
}

func TestCSVHeaderErrors(t *testing.T) {
	_, err := NewReader(strings.NewReader("uid,name,when\nu,A,2026-09-01\n"), Options{Format: core.FormatCSV, File: "x.csv"})
	if err == nil || !strings.Contains(err.Error(), `x.csv: line 1: the CSV header fits none of the layouts`) ||
		!strings.Contains(err.Error(), "--csv-columns") || !strings.Contains(err.Error(), "uid, name, when") {
		t.Errorf("got %v", err)
	}
	// Mapped column names.
	r, err := NewReader(strings.NewReader("uid,name,when\nu,A,2026-09-01\n"),
		Options{Format: core.FormatCSV, Columns: core.CSVColumns{UserID: "uid", Event: "name", Timestamp: "when"}})
	if err != nil {
		t.Fatal(err)
	}
	e, err := r.Read()
	if err != nil || e.UserID != "u" || e.Name != "A" {
		t.Errorf("mapped columns: %+v %v", e, err)
	}
}

func TestDecodeEventsWebhookBodies(t *testing.T) {
	one := `{"type":"track","userId":"u","event":"A","timestamp":"2026-09-01T00:00:00Z","messageId":"m1"}`
	for name, body := range map[string]string{
		"single":       one,
		"array":        "[" + one + "," + strings.Replace(one, "m1", "m2", 1) + "]",
		"batch":        `{"batch":[` + one + `],"sentAt":"2026-09-01T00:00:00Z"}`,
		"pretty array": "[\n  " + one + "\n]\n",
	} {
		evs, bad, err := DecodeEvents(context.Background(), []byte(body), Options{Format: core.FormatSegment})
		if err != nil || bad.Total != 0 || len(evs) == 0 || evs[0].UserID != "u" || evs[0].MessageID != "m1" {
			t.Errorf("%s: %v %v %v", name, evs, bad, err)
		}
	}
	_, bad, err := DecodeEvents(context.Background(), []byte("[\n"+one+",\n{\"type\":\"track\",\"userId\":\"u\",\"timestamp\":\"x\",\"event\":\"A\"}\n]"), Options{})
	if err != nil || bad.Total != 1 || bad.First[0].Line != 3 || bad.First[0].Field != "timestamp" {
		t.Errorf("bad element: %v %v", bad, err)
	}
}

// TestIngestParallelMatchesSequential reads the same generated export with one
// and with several decoders (small blocks, so that many block edges fall inside
// lines) and requires identical rollups, bad records included.
func TestIngestParallelMatchesSequential(t *testing.T) {
	var buf bytes.Buffer
	for i := 0; i < 3000; i++ {
		fmt.Fprintf(&buf, `{"type":"track","userId":"u%d","event":"E%d","context":{"groupId":"a%d"},"timestamp":"2026-09-%02dT10:00:00Z"}`+"\n", i%97, i%7, i%5, 1+i%28)
		if i%500 == 0 {
			buf.WriteString("{broken\n")
		}
	}
	data := buf.Bytes()
	seq, _ := core.NewRollup("UTC")
	if err := Read(context.Background(), bytes.NewReader(data), Options{Workers: 1, File: "x"}, seq); err != nil {
		t.Fatal(err)
	}
	par, _ := core.NewRollup("UTC")
	if err := ingestWithChunk(t, data, par, 4); err != nil {
		t.Fatal(err)
	}
	if a, b := rollupText(seq), rollupText(par); a != b {
		t.Fatalf("parallel rollup differs:\n%s\n---\n%s", a, b)
	}
	if seq.Input.Skipped != 6 || len(seq.Input.Errors) != 6 || seq.Input.Errors[0].Line != 2 || seq.Input.Errors[1].Line != 503 {
		t.Errorf("skipped %d, errors %v", seq.Input.Skipped, seq.Input.Errors)
	}

	// Gzip is detected by its magic bytes.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(data)
	zw.Close()
	fromGz, _ := core.NewRollup("UTC")
	if err := Read(context.Background(), &gz, Options{File: "x"}, fromGz); err != nil {
		t.Fatal(err)
	}
	if rollupText(fromGz) != rollupText(seq) {
		t.Error("gzip input gives another rollup")
	}
}

// ingestWithChunk runs the parallel path with a tiny block size.
func ingestWithChunk(t *testing.T, data []byte, into *core.Rollup, workers int) error {
	t.Helper()
	old := chunkSize
	chunkSize = 1000
	defer func() { chunkSize = old }()
	return Read(context.Background(), bytes.NewReader(data), Options{Workers: workers, File: "x"}, into)
}

// rollupText lists a Rollup's content in a stable order.
func rollupText(r *core.Rollup) string {
	var lines []string
	r.Counts(func(c core.Count) {
		lines = append(lines, fmt.Sprintf("c %s %s %s %v %s %d", c.User, c.Account, c.Event, c.Navigation, c.Day, c.N))
	})
	r.Memberships(func(m core.Membership) { lines = append(lines, fmt.Sprintf("m %s %s %d", m.User, m.Account, m.TimeMs)) })
	r.Traits(func(tr core.Trait) {
		lines = append(lines, fmt.Sprintf("t %v %s %s=%s %d", tr.Account, tr.ID, tr.Key, tr.Value, tr.TimeMs))
	})
	sort.Strings(lines)
	var errs []string
	for _, e := range r.Input.Errors {
		errs = append(errs, e.Message)
	}
	return strings.Join(lines, "\n") + fmt.Sprintf("\ninput %d %d %d %v %v", r.Input.Events, r.Input.ActivityEvents, r.Input.Skipped, r.Input.SkippedByReason, errs)
}

func TestStrictReturnsTheFirstBadRecord(t *testing.T) {
	in := "{\"type\":\"track\",\"userId\":\"u\",\"event\":\"A\",\"timestamp\":\"2026-09-01T00:00:00Z\"}\n{\"type\":\"track\",\"userId\":\"u\",\"event\":\"A\",\"timestamp\":\"?\"}\n{oops\n"
	r, _ := core.NewRollup("UTC")
	err := Read(context.Background(), strings.NewReader(in), Options{Strict: true, File: "f.jsonl"}, r)
	var pe *core.ParseError
	if !errors.As(err, &pe) || pe.Line != 2 || pe.Field != "timestamp" {
		t.Errorf("strict: %v", err)
	}
}
