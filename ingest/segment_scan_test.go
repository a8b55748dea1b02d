package ingest

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sep-project/sep/core"
)

// decodeWith runs one Segment line through a decoder and returns what it
// emitted and the error it reported, with the strings copied out.
func decodeWith(d *segmentDecoder, line []byte) ([]core.Event, string) {
	var out []core.Event
	pe := d.decode(line, func(e *core.Event) {
		c := *e
		c.UserID, c.AccountID, c.Name, c.MessageID = strings.Clone(c.UserID), strings.Clone(c.AccountID), strings.Clone(c.Name), strings.Clone(c.MessageID)
		out = append(out, c)
	})
	if pe != nil {
		return out, pe.Error()
	}
	return out, ""
}

// checkScanAgrees fails when scanSegment accepts a line that the JSON
// library reads differently.
func checkScanAgrees(t *testing.T, line []byte) (accepted bool) {
	t.Helper()
	var f segmentFast
	if !scanSegment(line, &f) {
		return false
	}
	libEvents, libErr := decodeWith(&segmentDecoder{}, line)
	scanEvents, scanErr := decodeWith(&segmentDecoder{views: true}, line)
	if libErr != scanErr || !reflect.DeepEqual(libEvents, scanEvents) {
		t.Fatalf("scanSegment disagrees with the JSON library on %q:\n library: %+v %q\n scan:    %+v %q",
			line, libEvents, libErr, scanEvents, scanErr)
	}
	return true
}

func TestScanSegment(t *testing.T) {
	const track = `{"messageId":"m-3","type":"track","userId":"user-1","event":"Report Created","properties":{"plan":"pro","value":3,"tags":["a",{"b":null}],"x":-1.5e+3},"context":{"library":{"name":"analytics.js"},"groupId":"acct-1"},"timestamp":"2026-06-19T13:27:46.689Z"}`
	tests := []struct {
		name   string
		line   string
		accept bool
		// want is the event the line gives, whichever path reads it.
		want core.Event
	}{
		{"track", track, true, core.Event{Kind: core.KindTrack, UserID: "user-1", AccountID: "acct-1", Name: "Report Created", MessageID: "m-3", TimeMs: 1781875666689}},
		{"page with white space", ` { "type" : "page" , "name" : "Settings" , "anonymousId" : "anon-1" , "sentAt" : "2026-06-19T13:27:46Z" } `, true,
			core.Event{Kind: core.KindPage, UserID: "anon-1", Name: "Settings", TimeMs: 1781875666000}},
		{"no type, an event name", `{"event":"Exported","userId":"u","timestamp":"2026-06-19T00:00:00Z","properties":{"groupId":"p-acct"}}`, true,
			core.Event{Kind: core.KindTrack, UserID: "u", AccountID: "p-acct", Name: "Exported", TimeMs: 1781827200000}},
		{"type in capitals", `{"type":"Track","event":"E","userId":"u","timestamp":"2026-06-19T00:00:00Z"}`, true,
			core.Event{Kind: core.KindTrack, UserID: "u", Name: "E", TimeMs: 1781827200000}},
		{"escape in a read field", `{"type":"track","event":"Say \"hi\"","userId":"u","timestamp":"2026-06-19T00:00:00Z"}`, false,
			core.Event{Kind: core.KindTrack, UserID: "u", Name: `Say "hi"`, TimeMs: 1781827200000}},
		{"non-ASCII in a read field", `{"type":"track","event":"Rapport créé","userId":"u","timestamp":"2026-06-19T00:00:00Z"}`, false,
			core.Event{Kind: core.KindTrack, UserID: "u", Name: "Rapport créé", TimeMs: 1781827200000}},
		{"numeric user id", `{"type":"track","event":"E","userId":42,"timestamp":"2026-06-19T00:00:00Z"}`, false,
			core.Event{Kind: core.KindTrack, UserID: "42", Name: "E", TimeMs: 1781827200000}},
		{"epoch timestamp", `{"type":"track","event":"E","userId":"u","timestamp":1781827200}`, false,
			core.Event{Kind: core.KindTrack, UserID: "u", Name: "E", TimeMs: 1781827200000}},
		{"key in another case", `{"type":"track","event":"E","UserId":"u","timestamp":"2026-06-19T00:00:00Z"}`, false,
			core.Event{Kind: core.KindTrack, UserID: "u", Name: "E", TimeMs: 1781827200000}},
		{"groupId in another case", `{"type":"track","event":"E","userId":"u","context":{"GROUPID":"a"},"timestamp":"2026-06-19T00:00:00Z"}`, false,
			core.Event{Kind: core.KindTrack, UserID: "u", AccountID: "a", Name: "E", TimeMs: 1781827200000}},
		{"repeated key", `{"type":"track","event":"E","event":"F","userId":"u","timestamp":"2026-06-19T00:00:00Z"}`, false,
			core.Event{Kind: core.KindTrack, UserID: "u", Name: "F", TimeMs: 1781827200000}},
		{"top-level traits", `{"type":"track","event":"E","userId":"u","traits":{"plan":"pro"},"timestamp":"2026-06-19T00:00:00Z"}`, false,
			core.Event{Kind: core.KindTrack, UserID: "u", Name: "E", TimeMs: 1781827200000}},
		{"null context", `{"type":"track","event":"E","userId":"u","context":null,"timestamp":"2026-06-19T00:00:00Z"}`, false,
			core.Event{Kind: core.KindTrack, UserID: "u", Name: "E", TimeMs: 1781827200000}},
		{"escaped key skipped", `{"type":"track","event":"E","userId":"u","x\u0041":1,"timestamp":"2026-06-19T00:00:00Z"}`, false,
			core.Event{Kind: core.KindTrack, UserID: "u", Name: "E", TimeMs: 1781827200000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := checkScanAgrees(t, []byte(tt.line)); got != tt.accept {
				t.Errorf("scanSegment accepted = %v, want %v", got, tt.accept)
			}
			for _, d := range []*segmentDecoder{{}, {views: true}} {
				events, err := decodeWith(d, []byte(tt.line))
				if err != "" || len(events) != 1 || !reflect.DeepEqual(events[0], tt.want) {
					t.Errorf("views=%v: got %+v %q, want %+v", d.views, events, err, tt.want)
				}
			}
		})
	}
}

// TestScanSegmentRefuses lists lines the fast path must leave to the library,
// invalid JSON first: the library reports those, the scanner never guesses.
func TestScanSegmentRefuses(t *testing.T) {
	base := `"type":"track","event":"E","userId":"u","timestamp":"2026-06-19T00:00:00Z"`
	for _, line := range []string{
		`{` + base + `,"x":01}`,
		`{` + base + `,"x":1.}`,
		`{` + base + `,"x":-}`,
		`{` + base + `,"x":1e}`,
		`{` + base + `,"x":tru}`,
		`{` + base + `,"x":"a\qb"}`,
		`{` + base + `,"x":"a\u12"}`,
		"{" + base + ",\"x\":\"a\tb\"}",
		`{` + base + `,"x":[1,]}`,
		`{` + base + `,"x":{"a":1,}}`,
		`{` + base + `,}`,
		`{` + base + `} x`,
		`{` + base + `}{}`,
		`{` + base,
		`[{` + base + `}]`,
		`{` + base + `,"batch":[]}`,
		`{` + base + `,"x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`,
		`{"type":"identify","userId":"u","timestamp":"2026-06-19T00:00:00Z"}`,
		`{"type":"group","userId":"u","groupId":"a","timestamp":"2026-06-19T00:00:00Z"}`,
		`{"type":"alias","userId":"u","timestamp":"2026-06-19T00:00:00Z"}`,
		`{"type":"nope","userId":"u","timestamp":"2026-06-19T00:00:00Z"}`,
		`{"userId":"u","timestamp":"2026-06-19T00:00:00Z"}`,
	} {
		var f segmentFast
		if scanSegment([]byte(line), &f) {
			t.Errorf("scanSegment accepted %q", line)
		}
		// Whatever the path, both decoders say the same.
		lib, libErr := decodeWith(&segmentDecoder{}, []byte(line))
		scan, scanErr := decodeWith(&segmentDecoder{views: true}, []byte(line))
		if libErr != scanErr || !reflect.DeepEqual(lib, scan) {
			t.Errorf("%q: library %+v %q, views %+v %q", line, lib, libErr, scan, scanErr)
		}
	}
}

// TestScanSegmentTakesGeneratedLines checks that the fast path is the one a
// real export takes: every activity line outside a batch of the Segment test
// files (testdata/scan/segment-gen.jsonl is `sep gen --users 12 --days 10
// --seed 7 --format segment`).
func TestScanSegmentTakesGeneratedLines(t *testing.T) {
	lines := segmentTestLines(t)
	activity, accepted := 0, 0
	for _, line := range lines {
		if bytes.Contains(line, []byte(`"batch"`)) {
			continue
		}
		if bytes.Contains(line, []byte(`"type":"track"`)) || bytes.Contains(line, []byte(`"type":"page"`)) {
			activity++
			if checkScanAgrees(t, line) {
				accepted++
			}
		}
	}
	if activity == 0 || accepted != activity {
		t.Fatalf("scanSegment took %d of %d activity lines", accepted, activity)
	}
}

func segmentTestLines(t testing.TB) [][]byte {
	var lines [][]byte
	files, _ := filepath.Glob("testdata/readers/segment*.jsonl")
	more, _ := filepath.Glob("testdata/scan/segment*.jsonl")
	files = append(files, more...)
	for _, file := range files {
		fh, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			lines = append(lines, bytes.Clone(sc.Bytes()))
		}
		fh.Close()
	}
	if len(lines) == 0 {
		t.Fatal("no Segment lines under testdata/readers")
	}
	return lines
}

// FuzzSegmentScan checks the fast path against the JSON library on any line
// it accepts.
func FuzzSegmentScan(f *testing.F) {
	for _, line := range segmentTestLines(f) {
		f.Add(line)
	}
	f.Add([]byte(`{"type":"track","event":"E","userId":"u","timestamp":"2026-06-19T00:00:00Z","x":[1,{"y":"\u00e9\n"}]}`))
	f.Add([]byte(`{"type":"page","anonymousId":"a","receivedAt":"2026-06-19T00:00:00+02:00","context":{"groupId":"g","k":[true,false,null]}}`))
	f.Fuzz(func(t *testing.T, line []byte) {
		checkScanAgrees(t, line)
	})
}

// TestStringStop checks the eight-bytes-at-a-time search against a plain
// one for every byte value at every position of a 17-byte string, among
// neighbours of the stop bytes (which a wrong borrow would flag).
func TestStringStop(t *testing.T) {
	for _, high := range []bool{false, true} {
		for c := 0; c < 256; c++ {
			stops := c == '"' || c == '\\' || c < 0x20 || (high && c >= 0x80)
			for pos := 0; pos < 17; pos++ {
				for _, fill := range []byte{' ', '!', '#', ']', '[', 0x7f} {
					b := bytes.Repeat([]byte{fill}, 17)
					b[pos] = byte(c)
					want := 17
					if stops {
						want = pos
					}
					if got := stringStop(b, 0, high); got != want {
						t.Fatalf("stringStop(%q, high=%v) = %d, want %d", b, high, got, want)
					}
				}
			}
		}
	}
}

// BenchmarkSegmentLine decodes the lines of a generated Segment export one by
// one, through the JSON library and through the fast path.
func BenchmarkSegmentLine(b *testing.B) {
	lines := segmentTestLines(b)
	size := 0
	for _, l := range lines {
		size += len(l)
	}
	for _, views := range []bool{false, true} {
		name := "library"
		if views {
			name = "scan"
		}
		b.Run(name, func(b *testing.B) {
			d := &segmentDecoder{views: views}
			n := 0
			emit := func(*core.Event) { n++ }
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				for _, l := range lines {
					d.decode(l, emit)
				}
			}
		})
	}
}
