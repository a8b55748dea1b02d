package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/sep-project/sep/core"
)

// Formats lists the concrete formats, in the order the docs present them
// (then those of RegisterFormat).
var Formats = []core.Format{core.FormatSegment, core.FormatMixpanel, core.FormatAmplitude, core.FormatPostHog, core.FormatCSV}

// ParseFormat parses a format name ("" means auto; "rudderstack" is segment);
// formats registered with RegisterFormat are known by their name too.
func ParseFormat(s string) (core.Format, error) {
	switch f := core.Format(strings.ToLower(strings.TrimSpace(s))); f {
	case "", core.FormatAuto:
		return core.FormatAuto, nil
	case "rudderstack":
		return core.FormatSegment, nil
	default:
		if specOf(f) != nil {
			return f, nil
		}
	}
	names := []string{string(core.FormatAuto)}
	for _, s := range registry {
		names = append(names, string(s.name))
	}
	return "", fmt.Errorf("unknown format %q: want %s or %s", s, strings.Join(names[:len(names)-1], ", "), names[len(names)-1])
}

// FormatSpec is an export format as another package registers it with
// RegisterFormat, after Go's image.RegisterFormat: the evidence that
// recognises its records and the decoder that reads them.
type FormatSpec struct {
	// Name is the format's --format name (lower case).
	Name core.Format
	// Label is how errors and the docs name it.
	Label string
	// Keys weighs the record keys that tell it apart (see formatSpec.keys).
	Keys map[string]int
	// Decoder returns a decoder of its JSON records, one per goroutine.
	Decoder func(opt *Options) RecordDecoder
}

// RecordDecoder turns one JSON record into events; emit's *Event is valid only
// during the call. Errors name the field and reason; the reader adds the file
// and line.
type RecordDecoder interface {
	Decode(rec []byte, emit func(*core.Event)) *core.ParseError
}

// RegisterFormat adds a JSON record format to detection, to ParseFormat and to
// Formats, after the built-in ones (which win ties). Call it from an init
// function; it panics on a name already registered or a spec without decoder.
func RegisterFormat(s FormatSpec) {
	if s.Name == "" || s.Name == core.FormatAuto || specOf(s.Name) != nil || s.Decoder == nil {
		panic(fmt.Sprintf("ingest.RegisterFormat: format %q is already registered, reserved or has no decoder", s.Name))
	}
	registerFormat(formatSpec{name: s.Name, label: s.Label, keys: s.Keys,
		decoder: func(o *Options) recordDecoder { return registered{s.Decoder(o)} }})
	Formats = append(Formats, s.Name)
}

// registered adapts a RecordDecoder to the readers' recordDecoder.
type registered struct{ RecordDecoder }

func (d registered) decode(rec []byte, emit func(*core.Event)) *core.ParseError {
	return d.Decode(rec, emit)
}

// A formatSpec is one registered export format, after Go's image.RegisterFormat:
// the evidence that recognises its records and the decoder that reads them.
type formatSpec struct {
	name core.Format
	// label is how errors and the docs name the format.
	label string
	// keys weighs the record keys that tell this format apart from the others:
	// a top-level key ("event_type"), a key of the properties object
	// ("properties.time"), a key of a wrapper around a batch ("wrapper.api_key"),
	// a Segment kind in "type" ("type=track"), or a record made of "event" and
	// "properties" alone ("shape=event+properties").
	keys map[string]int
	// csv weighs a CSV header (lower-cased column names); nil for JSON-only formats.
	csv func(cols map[string]bool) int
	// decoder returns a JSON record decoder; nil for CSV-only formats.
	decoder func(opt *Options) recordDecoder
}

// registry holds the formats detection asks, in the order ties are broken.
var registry []formatSpec

// registerFormat adds a format to detection.
func registerFormat(s formatSpec) { registry = append(registry, s) }

func init() {
	// The order breaks ties in detection and is the order of Formats.
	for _, s := range []formatSpec{segmentFormat(), mixpanelFormat(), amplitudeFormat(), posthogFormat(), csvFormat()} {
		registerFormat(s)
	}
}

// specOf returns the registered format named f.
func specOf(f core.Format) *formatSpec {
	for i := range registry {
		if registry[i].name == f {
			return &registry[i]
		}
	}
	return nil
}

// detectRecords is how many records of the head detection weighs at most.
const detectRecords = 50

// DetectFormat tells the format of a decompressed input from its first bytes
// (up to 64 KB), on evidence: every registered format weighs the keys of up to
// 50 records (see formatSpec.keys), and the format with the most evidence wins
// (ties go to the order of Formats). A {"batch": [...]} wrapper is looked
// through, and its own keys count too (PostHog's /batch body carries api_key).
// A CSV header goes to PostHog when it has distinct_id and event columns, to the
// generic CSV otherwise. Binary data (NUL bytes) is an error, and so is JSON in
// which no format finds evidence. name is used in error messages only.
func DetectFormat(head []byte, name string) (core.Format, error) {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	if bytes.IndexByte(head, 0) >= 0 {
		return "", core.KeyedErrorf("binary_file", map[string]any{"file": core.DisplayName(name)}, "%s: binary file, not an export (sep reads JSON, JSON lines and CSV, gzipped or not, and .zip archives of them)", core.DisplayName(name))
	}
	head = bytes.TrimLeft(head, " \t\r\n")
	if len(head) == 0 {
		return "", core.KeyedErrorf("empty_input", map[string]any{"file": core.DisplayName(name)}, "%s: empty input: nothing to detect the format from", core.DisplayName(name))
	}
	switch head[0] {
	case '{', '[':
		return detectJSON(head, name)
	}
	line := head
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	if bytes.IndexByte(line, ',') >= 0 {
		return detectCSV(splitHeader(string(line))), nil
	}
	return "", core.KeyedErrorf("format_unknown", map[string]any{"file": core.DisplayName(name)}, "%s: cannot detect the format (neither JSON nor CSV); use --format", core.DisplayName(name))
}

// detectCSV asks every format with a CSV recogniser about a header.
func detectCSV(cols map[string]bool) core.Format {
	best, bestScore := core.FormatCSV, 0
	for _, s := range registry {
		if s.csv == nil {
			continue
		}
		if n := s.csv(cols); n > bestScore {
			best, bestScore = s.name, n
		}
	}
	return best
}

func splitHeader(line string) map[string]bool {
	cols := map[string]bool{}
	for _, c := range strings.Split(strings.TrimRight(line, "\r"), ",") {
		cols[strings.ToLower(strings.Trim(strings.TrimSpace(c), `"`))] = true
	}
	return cols
}

// detectJSON weighs the evidence of the first records in head.
func detectJSON(head []byte, name string) (core.Format, error) {
	ev := jsonEvidence(head)
	scores := make([]int, len(registry))
	for key, n := range ev {
		for i, s := range registry {
			scores[i] += s.keys[key] * n
		}
	}
	best := -1
	for i, s := range registry {
		if s.decoder != nil && scores[i] > 0 && (best < 0 || scores[i] > scores[best]) {
			best = i
		}
	}
	if best < 0 {
		return "", core.KeyedErrorf("format_no_keys", map[string]any{"file": core.DisplayName(name)}, "%s: cannot detect the format: no record has the keys of any export sep reads (%s); use --format",
			core.DisplayName(name), evidenceHint())
	}
	return registry[best].name, nil
}

// evidenceHint lists, per format, its strongest keys for error messages.
func evidenceHint() string {
	var parts []string
	for _, s := range registry {
		if s.decoder == nil {
			continue
		}
		type kw struct {
			k string
			w int
		}
		var ks []kw
		for k, w := range s.keys {
			if !strings.HasPrefix(k, "type=") && !strings.HasPrefix(k, "shape=") && !strings.HasPrefix(k, "wrapper.") {
				ks = append(ks, kw{k, w})
			}
		}
		sort.Slice(ks, func(i, j int) bool { return ks[i].w > ks[j].w || (ks[i].w == ks[j].w && ks[i].k < ks[j].k) })
		var names []string
		for i := 0; i < len(ks) && i < 3; i++ {
			names = append(names, ks[i].k)
		}
		parts = append(parts, s.label+": "+strings.Join(names, ", "))
	}
	return strings.Join(parts, "; ")
}

// jsonEvidence collects the evidence keys of up to detectRecords records at the
// start of head (JSON lines, an array, a batch wrapper, or one object), with how
// many records carry each. A record cut off by the end of head is left out.
func jsonEvidence(head []byte) map[string]int {
	ev := map[string]int{}
	n := 0
	dec := json.NewDecoder(bytes.NewReader(head))
	for n < detectRecords {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch tok {
		case json.Delim('['), json.Delim(']'):
			continue // records of an array are read one by one below
		case json.Delim('{'):
			n += objectEvidence(dec, ev, detectRecords-n)
			continue
		}
	}
	return ev
}

// objectEvidence reads one object whose '{' was just read: a record, or a
// wrapper whose "batch" holds the records. It returns how many records it saw.
func objectEvidence(dec *json.Decoder, ev map[string]int, room int) int {
	rec := map[string]json.RawMessage{}
	var inner []map[string]json.RawMessage
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return 0
		}
		key, _ := tok.(string)
		if key == "batch" {
			if t, err := dec.Token(); err != nil || t != json.Delim('[') {
				return 0
			}
			for dec.More() && len(inner) < room {
				var el map[string]json.RawMessage
				if dec.Decode(&el) != nil {
					break
				}
				inner = append(inner, el)
			}
			rec["batch"] = nil
			if len(inner) >= room || !dec.More() {
				break
			}
			continue
		}
		var raw json.RawMessage
		if dec.Decode(&raw) != nil {
			break
		}
		rec[key] = raw
	}
	if _, ok := rec["batch"]; ok {
		for k := range rec {
			if k != "batch" {
				ev["wrapper."+k]++
			}
		}
		for _, el := range inner {
			recordEvidence(el, ev)
		}
		return max(len(inner), 1)
	}
	// An object cut off by the end of head still tells its keys.
	recordEvidence(rec, ev)
	return 1
}

// recordEvidence adds the evidence keys of one record.
func recordEvidence(rec map[string]json.RawMessage, ev map[string]int) {
	for k, v := range rec {
		if string(v) == "null" {
			continue
		}
		ev[k]++
	}
	if raw, ok := rec["type"]; ok {
		var t string
		if json.Unmarshal(raw, &t) == nil {
			if k, ok := core.ParseKind(t); ok {
				ev["type="+k.String()]++
			}
		}
	}
	if raw, ok := rec["properties"]; ok {
		var props map[string]json.RawMessage
		if json.Unmarshal(raw, &props) == nil {
			for k, v := range props {
				if string(v) != "null" {
					ev["properties."+k]++
				}
			}
		}
		if _, ok := rec["event"]; ok && len(rec) == 2 {
			ev["shape=event+properties"]++
		}
	}
}
