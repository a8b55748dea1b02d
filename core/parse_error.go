package core

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseError is a record that could not be read. Like encoding/csv's, it says
// where: the file, the line (1-based), and the field at fault.
type ParseError struct {
	File   string // "stdin" for standard input
	Line   int    // 1-based line of the record (of its start, for multi-line JSON)
	Field  string // the field at fault, "" when the record itself is broken
	Reason string // machine key counted in skipped_by_reason: invalid_json, bad_timestamp, ...
	Err    error
}

// Skip reasons of ParseError.Reason, beside "no_user" and "no_event_name"
// which Rollup.Add counts.
const (
	ReasonInvalidJSON  = "invalid_json"
	ReasonMissingField = "missing_field"
	ReasonBadTimestamp = "bad_timestamp"
	ReasonBadCSV       = "bad_csv"
	ReasonUnknownType  = "unknown_type"
	ReasonBadField     = "bad_field"
)

// Error formats the error as "file:line: field "x": message".
func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString(DisplayName(e.File))
	if e.Line > 0 {
		b.WriteString(":")
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Field != "" {
		fmt.Fprintf(&b, "field %q: ", e.Field)
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString(strings.ReplaceAll(e.Reason, "_", " "))
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *ParseError) Unwrap() error { return e.Err }

// DisplayName is how errors name an input: stdin for "" or "-".
func DisplayName(name string) string {
	if name == "" || name == "-" {
		return "stdin"
	}
	return name
}

// InflateLimitError is the error of an input that decompresses to more than
// ingest.Options.MaxInflated bytes.
type InflateLimitError struct {
	File  string
	Limit int64
}

func (e *InflateLimitError) Error() string {
	return fmt.Sprintf("%s: decompressed data over the limit of %d bytes", DisplayName(e.File), e.Limit)
}
