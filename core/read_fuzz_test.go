package core

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// fuzzReader feeds arbitrary input to one reader: it must never panic, every
// record error must be a *ParseError with a line, and Ingest must agree with the
// Reader on how many records were bad.
func fuzzReader(f *testing.F, format Format, seeds ...string) {
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
		opt := ReadOptions{Format: format, File: "fuzz"}
		r, err := NewReader(bytes.NewReader(data), opt)
		if err != nil {
			return // an input-level error (empty, bad header) is a fine answer
		}
		for i := 0; i < 1_000_000; i++ {
			_, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				var pe *ParseError
				if !errors.As(err, &pe) {
					return // an I/O-level error ends reading
				}
				if pe.Line < 1 || pe.Reason == "" || pe.Error() == "" {
					t.Fatalf("incomplete ParseError %+v", pe)
				}
			}
		}
		roll, _ := NewRollup("UTC")
		if err := Ingest(context.Background(), bytes.NewReader(data), opt, roll); err != nil {
			var pe *ParseError
			if errors.As(err, &pe) {
				t.Fatalf("lenient Ingest returned a record error: %v", err)
			}
		}
		if _, err := Score(roll, Settings{}); err != nil {
			t.Fatalf("Score: %v", err)
		}
	})
}

func FuzzSegment(f *testing.F) {
	fuzzReader(f, FormatSegment,
		`{"type":"track","userId":"u","event":"A","timestamp":"2026-09-01T00:00:00Z"}`,
		`[{"type":"page","anonymousId":1,"timestamp":1788256800}]`,
		`{"batch":[{"type":"group","userId":"u","groupId":"g","traits":{"seats":3},"timestamp":"2026-09-01 00:00:00"}]}`,
		"{\"type\":\"track\"}\n{\n[\n")
}

func FuzzMixpanel(f *testing.F) {
	fuzzReader(f, FormatMixpanel,
		`{"event":"A","properties":{"time":1788256800,"distinct_id":"u","company_id":["a",1]}}`,
		`{"event":"$identify","properties":{"time":"2026-09-01T00:00:00Z","$user_id":5}}`)
}

func FuzzAmplitude(f *testing.F) {
	fuzzReader(f, FormatAmplitude,
		`{"event_type":"A","user_id":"u","event_time":"2026-09-01 10:00:00.123456","groups":{"c":["x"]}}`,
		`{"event_type":"$groupidentify","device_id":"d","event_time":1788256800000,"groups":{"c":{}}}`)
}

func FuzzPostHog(f *testing.F) {
	fuzzReader(f, FormatPostHog,
		`{"event":"$pageview","distinct_id":"u","timestamp":"2026-09-01T10:00:00+00:00","properties":{"$groups":{"c":"a"}}}`,
		"uuid,event,properties,timestamp,distinct_id\np,A,\"{}\",2026-09-01T00:00:00Z,u\n")
}

func FuzzCSV(f *testing.F) {
	fuzzReader(f, FormatCSV,
		"user_id,account_id,event,timestamp\nu,a,A,2026-09-01T00:00:00Z\n",
		"user_id,event,timestamp,type\nu,,1788256800,group\n\"u,A\n")
}

// FuzzDetect checks that detection and Ingest in auto mode never panic, on
// plain and gzip-looking inputs.
func FuzzDetect(f *testing.F) {
	for _, s := range []string{`{"event_type":"A"}`, "a,b\n", "\x1f\x8b\x08\x00", "[", "PK\x03\x04"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		DetectFormat(data, "fuzz")
		roll, _ := NewRollup("UTC")
		Ingest(context.Background(), bytes.NewReader(data), ReadOptions{File: "fuzz"}, roll)
		DecodeEvents(context.Background(), data, ReadOptions{})
		IngestZip(context.Background(), bytes.NewReader(data), int64(len(data)), ReadOptions{File: "fuzz.zip"}, roll)
	})
}
