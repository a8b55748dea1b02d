package parquetrows

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/ingest"
)

type flatRow struct {
	UUID       string    `parquet:"uuid"`
	Event      string    `parquet:"event"`
	DistinctID *string   `parquet:"distinct_id,optional"`
	Properties string    `parquet:"properties"`
	Timestamp  time.Time `parquet:"timestamp,timestamp(microsecond)"`
	Seats      int64     `parquet:"seats"`
}

type nestedRow struct {
	MessageID string    `parquet:"messageId"`
	Type      string    `parquet:"type"`
	UserID    *string   `parquet:"userId,optional"`
	Timestamp time.Time `parquet:"timestamp,timestamp(millisecond)"`
	Context   struct {
		GroupID *string `parquet:"groupId,optional"`
	} `parquet:"context"`
}

func write[T any](t *testing.T, rows []T) *parquet.File {
	t.Helper()
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[T](&buf)
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

func export(t *testing.T, f *parquet.File) string {
	t.Helper()
	rd, stop := Reader(f)
	defer stop()
	b, err := io.ReadAll(rd)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func ptr(s string) *string { return &s }

func TestExportShapes(t *testing.T) {
	at := time.Date(2026, 9, 29, 18, 10, 0, 123456000, time.UTC)
	// PostHog's S3 batch export: flat, properties as JSON text: JSON lines
	// with the properties inline, a null column left out, µs times as RFC 3339.
	ph := write(t, []flatRow{{UUID: "u1", Event: "Query Run", DistinctID: ptr("user-1"), Properties: `{"$groups":{"company":"acct-1"}}`, Timestamp: at, Seats: 12},
		{UUID: "u2", Event: "$pageview", Properties: `{}`, Timestamp: at}})
	want := `{"uuid":"u1","event":"Query Run","distinct_id":"user-1","properties":{"$groups":{"company":"acct-1"}},"timestamp":"2026-09-29T18:10:00.123456Z","seats":12}
{"uuid":"u2","event":"$pageview","properties":{},"timestamp":"2026-09-29T18:10:00.123456Z","seats":0}
`
	if got := export(t, ph); got != want {
		t.Errorf("PostHog export:\n%s\nwant\n%s", got, want)
	}
	// The raw Segment shape: nested, a null struct member dropped, ms times.
	seg := write(t, []nestedRow{{MessageID: "m1", Type: "track", UserID: ptr("user-1"), Timestamp: at}})
	if got := export(t, seg); !strings.Contains(got, `"timestamp":"2026-09-29T18:10:00.123Z"`) || strings.Contains(got, "groupId") || Flat(seg) {
		t.Errorf("Segment export (flat %v): %s", Flat(seg), got)
	}
}

func TestWarehouseTableExportsAsCSV(t *testing.T) {
	type track struct {
		ID             string    `parquet:"id"`
		UserID         string    `parquet:"user_id"`
		EventText      string    `parquet:"event_text"`
		ContextGroupID string    `parquet:"context_group_id"`
		Timestamp      time.Time `parquet:"timestamp,timestamp(nanosecond)"`
	}
	f := write(t, []track{{"m1", "user-1", "Query Run, fast", "acct-1", time.Date(2026, 9, 29, 10, 0, 0, 0, time.UTC)}})
	want := "id,user_id,event_text,context_group_id,timestamp\nm1,user-1,\"Query Run, fast\",acct-1,2026-09-29T10:00:00Z\n"
	if got := export(t, f); got != want {
		t.Errorf("tracks table:\n%q\nwant\n%q", got, want)
	}
}

// Stopping the reader early releases the writer (no goroutine left blocked).
func TestReaderStopsEarly(t *testing.T) {
	rows := make([]flatRow, 200000)
	for i := range rows {
		rows[i] = flatRow{UUID: "u", Event: "e", Properties: `{"a":1}`, Timestamp: time.Unix(int64(i), 0)}
	}
	rd, stop := Reader(write(t, rows))
	b := make([]byte, 10)
	if _, err := rd.Read(b); err != nil {
		t.Fatal(err)
	}
	stop() // returns once the writer has given up (a blocked writer would hang the test)
	if _, err := io.ReadAll(rd); err == nil || !strings.Contains(err.Error(), "reading stopped") {
		t.Errorf("after stop, the stream ends with %v, want the writer's stop", err)
	}
}

func TestAppendJSONStringRoundTrips(t *testing.T) {
	for _, s := range []string{"", "plain", `quote " and \ backslash`, "tab\tnew\nline\r", "\x00\x1f ctl", "été 日本 🙂", "</script>&"} {
		var back string
		b := appendJSONString(nil, s)
		if err := json.Unmarshal(b, &back); err != nil || back != s {
			t.Errorf("%q: wrote %s, read back %q (%v)", s, b, back, err)
		}
	}
}

// A properties text that is not JSON makes its row one bad record, named by
// its row number, and the other rows are read.
func TestBrokenPropertiesIsOneBadRecord(t *testing.T) {
	at := time.Date(2026, 9, 29, 10, 0, 0, 0, time.UTC)
	f := write(t, []flatRow{
		{UUID: "u1", Event: "Query Run", DistinctID: ptr("user-1"), Properties: `{}`, Timestamp: at},
		{UUID: "u2", Event: "Query Run", DistinctID: ptr("user-2"), Properties: `{"$groups": {"company"`, Timestamp: at},
		{UUID: "u3", Event: "Query Run", DistinctID: ptr("user-3"), Properties: `{}`, Timestamp: at},
	})
	r, err := core.NewRollup("UTC")
	if err != nil {
		t.Fatal(err)
	}
	rd, stop := Reader(f)
	defer stop()
	if err := ingest.Read(context.Background(), rd, ingest.Options{File: "events.parquet"}, r); err != nil {
		t.Fatal(err)
	}
	if r.Input.Events != 3 || r.Input.ActivityEvents != 2 || r.Input.SkippedByReason["invalid_json"] != 1 ||
		len(r.Input.Errors) != 1 || r.Input.Errors[0].Line != 2 {
		t.Fatalf("input %+v", r.Input)
	}
}

// appendJSON writes what encoding/json writes (without HTML escapes) for the
// plain values of nested rows; where it writes another escape (\u0008 for
// \b, a raw U+2028), the text reads back as the same value.
func TestAppendJSONAsEncodingJSON(t *testing.T) {
	for _, v := range []any{
		nil, "plain", "été 日本 🙂 </script>&", `quote " \ back`, "tab\tline\n", "bad \xff utf-8", true, int64(-42), 1.5, 1e21, 3.0,
		map[string]any{}, []any{}, map[string]any{"b": int64(1), "a": []any{"x", nil, map[string]any{"z": false, "y": 2.25}}, "": "empty key"},
		map[string]any{"ctl": "\b\f\x01 \u2028\u2029"},
	} {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		var keys []string
		got, err := appendJSON(nil, v, &keys)
		if err != nil {
			t.Fatal(err)
		}
		if string(got)+"\n" == want.String() {
			continue
		}
		var g, w any
		if json.Unmarshal(got, &g) != nil || json.Unmarshal(want.Bytes(), &w) != nil || !reflect.DeepEqual(g, w) {
			t.Errorf("%#v: wrote %s, encoding/json %s", v, got, want.String())
		}
	}
	if _, err := appendJSON(nil, map[string]any{"n": math.NaN()}, new([]string)); err == nil {
		t.Error("NaN written without an error, encoding/json refuses it")
	}
}
