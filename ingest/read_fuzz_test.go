package ingest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sep-project/sep/core"
)

// fuzzReader feeds arbitrary input to one reader: it must never panic, every
// record error must be a *ParseError with a line, and Read (sequential and
// parallel) must agree with the Reader on how many records were bad and how
// many activity events were read.
func fuzzReader(f *testing.F, format core.Format, seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	files, _ := filepath.Glob("testdata/readers/*")
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil && filepath.Ext(file) != ".golden" {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		opt := Options{Format: format, File: "fuzz"}
		r, err := NewReader(bytes.NewReader(data), opt)
		if err != nil {
			return // an input-level error (empty, bad header) is a fine answer
		}
		var bad, activity int64
		complete := true
		for i := 0; ; i++ {
			if i == 1_000_000 {
				t.Fatal("a million records from a fuzz input")
			}
			e, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				var pe *core.ParseError
				if !errors.As(err, &pe) {
					complete = false
					break // an I/O-level error ends reading
				}
				if pe.Line < 1 || pe.Reason == "" || pe.Error() == "" {
					t.Fatalf("incomplete ParseError %+v", pe)
				}
				bad++
				continue
			}
			if e.Kind.IsActivity() && e.UserID != "" && e.ActivityName() != "" {
				activity++
			}
		}
		for _, workers := range []int{1, 2} {
			opt.Workers = workers
			roll, _ := core.NewRollup("UTC")
			if err := Read(context.Background(), bytes.NewReader(data), opt, roll); err != nil {
				var pe *core.ParseError
				if errors.As(err, &pe) {
					t.Fatalf("lenient Read returned a record error: %v", err)
				}
				continue
			}
			in := roll.Input
			ingestBad := in.Skipped - in.SkippedByReason["no_user"] - in.SkippedByReason["no_event_name"]
			if complete && (ingestBad != bad || in.ActivityEvents != activity) {
				t.Fatalf("workers=%d: Read counts %d bad records and %d activity events, the Reader %d and %d", workers, ingestBad, in.ActivityEvents, bad, activity)
			}
			if len(in.Files) != 1 || in.Files[0].Events != in.Events || in.Files[0].Skipped != in.Skipped {
				t.Fatalf("file summary %+v does not match the input counts %+v", in.Files, in)
			}
			if len(in.Errors) > core.MaxReportedErrors {
				t.Fatalf("%d errors kept", len(in.Errors))
			}
			if _, err := core.Score(roll, core.Settings{}); err != nil {
				t.Fatalf("Score: %v", err)
			}
		}
	})
}

func FuzzSegment(f *testing.F) {
	fuzzReader(f, core.FormatSegment,
		`{"type":"track","userId":"u","event":"A","timestamp":"2026-09-01T00:00:00Z"}`,
		`[{"type":"page","anonymousId":1,"timestamp":1788256800}]`,
		`{"batch":[{"type":"group","userId":"u","groupId":"g","traits":{"seats":3},"timestamp":"2026-09-01 00:00:00"}]}`,
		"{\"type\":\"track\"}\n{\n[\n")
}

func FuzzMixpanel(f *testing.F) {
	fuzzReader(f, core.FormatMixpanel,
		`{"event":"A","properties":{"time":1788256800,"distinct_id":"u","company_id":["a",1]}}`,
		`{"event":"$identify","properties":{"time":"2026-09-01T00:00:00Z","$user_id":5}}`)
}

func FuzzAmplitude(f *testing.F) {
	fuzzReader(f, core.FormatAmplitude,
		`{"event_type":"A","user_id":"u","event_time":"2026-09-01 10:00:00.123456","groups":{"c":["x"]}}`,
		`{"event_type":"$groupidentify","device_id":"d","event_time":1788256800000,"groups":{"c":{}}}`)
}

func FuzzPostHog(f *testing.F) {
	fuzzReader(f, core.FormatPostHog,
		`{"event":"$pageview","distinct_id":"u","timestamp":"2026-09-01T10:00:00+00:00","properties":{"$groups":{"c":"a"}}}`,
		"uuid,event,properties,timestamp,distinct_id\np,A,\"{}\",2026-09-01T00:00:00Z,u\n")
}

func FuzzCSV(f *testing.F) {
	fuzzReader(f, core.FormatCSV,
		"user_id,account_id,event,timestamp\nu,a,A,2026-09-01T00:00:00Z\n",
		"user_id,event,timestamp,type\nu,,1788256800,group\n\"u,A\n")
}

// FuzzDetect checks detection's promises: it never panics, answers a
// registered format or an error naming the input, answers the same on the
// same bytes, and Read in auto mode reads exactly what Read told that
// format reads. DecodeEvents and ReadZip must not panic on any input.
func FuzzDetect(f *testing.F) {
	for _, s := range []string{`{"event_type":"A"}`, "a,b\n", "\x1f\x8b\x08\x00", "[", "PK\x03\x04",
		`{"api_key":"k","batch":[{"event":"A","properties":{"distinct_id":"u"},"timestamp":"2026-09-01T00:00:00Z"}]}`,
		`{"type":"track","userId":"u","event":"A","properties":{"distinct_id":"p"},"timestamp":"2026-09-01T00:00:00Z"}`,
		"\x00\x00\x00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := DetectFormat(data, "fuzz")
		again, err2 := DetectFormat(data, "fuzz")
		if got != again || (err == nil) != (err2 == nil) {
			t.Fatalf("two answers on the same bytes: %v %v / %v %v", got, err, again, err2)
		}
		if err != nil {
			if !strings.Contains(err.Error(), "fuzz") {
				t.Fatalf("error %q does not name the input", err)
			}
		} else if specOf(got) == nil {
			t.Fatalf("unregistered format %q", got)
		}
		auto, _ := core.NewRollup("UTC")
		autoErr := Read(context.Background(), bytes.NewReader(data), Options{File: "fuzz", Workers: 1}, auto)
		if err == nil && !isGzip(data) && autoErr == nil {
			given, _ := core.NewRollup("UTC")
			if err := Read(context.Background(), bytes.NewReader(data), Options{File: "fuzz", Workers: 1, Format: got}, given); err != nil {
				t.Fatalf("auto read it, %s did not: %v", got, err)
			}
			if a, b := rollupText(auto), rollupText(given); a != b {
				t.Fatalf("auto and %s differ:\n%s\n---\n%s", got, a, b)
			}
			if auto.Input.Files[0].Format != got {
				t.Fatalf("file summary says %s, detection %s", auto.Input.Files[0].Format, got)
			}
		}
		evs, bad, _ := DecodeEvents(context.Background(), data, Options{})
		if int64(len(bad.First)) > bad.Total || len(bad.First) > core.MaxReportedErrors || len(evs) > len(data) {
			t.Fatalf("DecodeEvents: %d events, %d listed of %d bad", len(evs), len(bad.First), bad.Total)
		}
		ReadZip(context.Background(), bytes.NewReader(data), int64(len(data)), Options{File: "fuzz.zip"}, auto)
	})
}

// FuzzLineLimit shrinks the line limit to 64 bytes and checks that the
// parallel splitter and the sequential reader agree on every input: same
// rollup, same over-long lines at the same line numbers.
func FuzzLineLimit(f *testing.F) {
	line := `{"type":"track","userId":"u","event":"A","timestamp":"2026-09-01T00:00:00Z"}`
	for _, s := range []string{line + "\n" + line + "\n", strings.Repeat("x", 200) + "\n" + line, line + strings.Repeat("\n", 70) + line,
		"{\"type\":\"page\",\"userId\":\"u\",\"timestamp\":1}\n" + strings.Repeat("y", 64) + "\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		old := chunkSize
		chunkSize = 64
		defer func() { chunkSize = old }()
		var texts [2]string
		for i, workers := range []int{1, 3} {
			roll, _ := core.NewRollup("UTC")
			if err := Read(context.Background(), bytes.NewReader(data), Options{File: "f", Format: core.FormatSegment, Workers: workers}, roll); err != nil {
				return // not JSON lines: nothing to compare
			}
			texts[i] = rollupText(roll)
		}
		if texts[0] != texts[1] {
			t.Fatalf("sequential and parallel differ:\n%s\n---\n%s", texts[0], texts[1])
		}
	})
}
