package core

import (
	"bytes"
	"fmt"
	"strings"
)

// Format names an export format.
type Format string

// The export formats sep reads. FormatSegment covers RudderStack too (same spec).
const (
	FormatAuto      Format = "auto"
	FormatSegment   Format = "segment"
	FormatMixpanel  Format = "mixpanel"
	FormatAmplitude Format = "amplitude"
	FormatPostHog   Format = "posthog"
	FormatCSV       Format = "csv"
)

// Formats lists the concrete formats, in the order the docs present them.
var Formats = []Format{FormatSegment, FormatMixpanel, FormatAmplitude, FormatPostHog, FormatCSV}

// ParseFormat parses a format name ("" means auto; "rudderstack" is segment).
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case "", FormatAuto:
		return FormatAuto, nil
	case "rudderstack":
		return FormatSegment, nil
	case FormatSegment, FormatMixpanel, FormatAmplitude, FormatPostHog, FormatCSV:
		return f, nil
	}
	return "", fmt.Errorf("unknown format %q: want auto, segment, mixpanel, amplitude, posthog or csv", s)
}

// DetectFormat sniffs the first bytes of a decompressed input. JSON inputs are
// told apart by the keys of their first record: event_type (Amplitude),
// properties.time or properties.distinct_id (Mixpanel), distinct_id at the top
// level (PostHog), anything else with a type/userId/anonymousId/event (Segment).
// Text whose first line has commas is CSV: PostHog's when it has distinct_id and
// event columns, the generic CSV otherwise. name is a hint for error messages only.
func DetectFormat(head []byte, name string) (Format, error) {
	head = bytes.TrimLeft(head, " \t\r\n\ufeff")
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	if len(head) == 0 {
		return "", fmt.Errorf("%s: empty input: nothing to detect the format from", displayName(name))
	}
	switch head[0] {
	case '{', '[':
		return detectJSON(head), nil
	}
	line := head
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	if bytes.IndexByte(line, ',') >= 0 {
		cols := splitHeader(string(line))
		if cols["distinct_id"] && cols["event"] {
			return FormatPostHog, nil
		}
		return FormatCSV, nil
	}
	return "", fmt.Errorf("%s: cannot detect the format (neither JSON nor CSV); use --format", displayName(name))
}

func splitHeader(line string) map[string]bool {
	cols := map[string]bool{}
	for _, c := range strings.Split(strings.TrimRight(line, "\r"), ",") {
		cols[strings.ToLower(strings.Trim(strings.TrimSpace(c), `"`))] = true
	}
	return cols
}

// detectJSON looks at the keys of the first JSON object in head.
func detectJSON(head []byte) Format {
	obj := firstObject(head)
	var probe struct {
		EventType  *jsonRawMessage           `json:"event_type"`
		DistinctID *jsonRawMessage           `json:"distinct_id"`
		Properties map[string]jsonRawMessage `json:"properties"`
		Batch      []map[string]jsonRawMessage
	}
	if obj == nil || jsonUnmarshal(obj, &probe) != nil {
		return FormatSegment
	}
	switch {
	case probe.EventType != nil:
		return FormatAmplitude
	case probe.DistinctID != nil:
		return FormatPostHog
	case probe.Properties != nil && (probe.Properties["time"] != nil || probe.Properties["distinct_id"] != nil):
		return FormatMixpanel
	}
	return FormatSegment
}

// firstObject returns the first complete JSON object in head (skipping a
// leading '['), or nil.
func firstObject(head []byte) []byte {
	head = bytes.TrimLeft(head, " \t\r\n")
	if len(head) > 0 && head[0] == '[' {
		head = bytes.TrimLeft(head[1:], " \t\r\n")
	}
	depth, inStr, esc := 0, false, false
	for i, c := range head {
		switch {
		case esc:
			esc = false
		case inStr:
			if c == '\\' {
				esc = true
			} else if c == '"' {
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '{':
			depth++
		case c == '}':
			depth--
			if depth == 0 {
				return head[:i+1]
			}
		}
	}
	return nil
}

func displayName(name string) string {
	if name == "" || name == "-" {
		return "stdin"
	}
	return name
}
