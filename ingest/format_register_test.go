package ingest

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/sep-project/sep/core"
)

// tinyDecoder reads a made-up export, {"act": name, "who": user, "at": ms},
// as another package would register it.
type tinyDecoder struct{}

func (tinyDecoder) Decode(rec []byte, emit func(*core.Event)) *core.ParseError {
	var r struct {
		Act, Who string
		At       json.RawMessage
	}
	if err := json.Unmarshal(rec, &r); err != nil {
		return &core.ParseError{Reason: core.ReasonInvalidJSON, Err: err}
	}
	ms, err := strconv.ParseInt(strings.Trim(string(r.At), `"`), 10, 64)
	if err != nil {
		return &core.ParseError{Field: "at", Reason: core.ReasonBadTimestamp, Err: errors.New("not ms")}
	}
	emit(&core.Event{Kind: core.KindTrack, Name: r.Act, UserID: r.Who, TimeMs: ms})
	return nil
}

// registerTiny registers the made-up format for one test.
func registerTiny(t *testing.T) {
	n, m := len(registry), len(Formats)
	RegisterFormat(FormatSpec{Name: "tiny", Label: "Tiny", Keys: map[string]int{"act": 6, "who": 4},
		Decoder: func(*Options) RecordDecoder { return tinyDecoder{} }})
	t.Cleanup(func() { registry, Formats = registry[:n], Formats[:m] })
}

func TestRegisterFormat(t *testing.T) {
	registerTiny(t)
	lines := `{"act":"Report Created","who":"u1","at":1788163200000}
{"act":"Query Run","who":"u2","at":"1788249600000"}
{"act":"Query Run","who":"u1","at":"yesterday"}
`
	if f, err := DetectFormat([]byte(lines), "x.jsonl"); err != nil || f != "tiny" {
		t.Fatalf("detected %q, %v; want tiny", f, err)
	}
	// Built-in formats still win on their own evidence.
	if f, _ := DetectFormat([]byte(`{"type":"track","userId":"u","event":"A","messageId":"m"}`), ""); f != core.FormatSegment {
		t.Errorf("a Segment record detected as %q", f)
	}
	if f, err := ParseFormat(" Tiny "); err != nil || f != "tiny" {
		t.Errorf("ParseFormat: %q %v", f, err)
	}
	if Formats[len(Formats)-1] != "tiny" {
		t.Errorf("Formats %v", Formats)
	}
	r, err := core.NewRollup("UTC")
	if err != nil {
		t.Fatal(err)
	}
	if err := Read(context.Background(), strings.NewReader(lines), Options{File: "x.jsonl"}, r); err != nil {
		t.Fatal(err)
	}
	if r.Input.ActivityEvents != 2 || r.Input.SkippedByReason[core.ReasonBadTimestamp] != 1 || r.Len() != 2 {
		t.Errorf("activity %d, skipped %v, cells %d", r.Input.ActivityEvents, r.Input.SkippedByReason, r.Len())
	}
	r2, _ := core.NewRollup("UTC")
	err = Read(context.Background(), strings.NewReader(lines), Options{File: "x.jsonl", Format: "tiny", Strict: true}, r2)
	if err == nil || err.Error() != `x.jsonl:3: field "at": not ms` {
		t.Errorf("strict error %v, want the file, line and field", err)
	}
}

func TestRegisterFormatRefusesDuplicates(t *testing.T) {
	for _, name := range []core.Format{core.FormatSegment, core.FormatAuto, ""} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("RegisterFormat(%q) did not panic", name)
				}
			}()
			RegisterFormat(FormatSpec{Name: name, Decoder: func(*Options) RecordDecoder { return tinyDecoder{} }})
		}()
	}
}

func TestParseFormatErrorListsTheFormats(t *testing.T) {
	_, err := ParseFormat("parquet")
	if want := `unknown format "parquet": want auto, segment, mixpanel, amplitude, posthog or csv`; err == nil || err.Error() != want {
		t.Errorf("%v, want %s", err, want)
	}
}
