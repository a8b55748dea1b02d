package core

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// MainSkipReason returns the reason most of the file's skipped records share
// (the first by name on ties) and how many.
func (f *FileSummary) MainSkipReason() (string, int64) {
	reason, count := "", int64(0)
	for k, v := range f.SkippedByReason {
		if v > count || (v == count && k < reason) {
			reason, count = k, v
		}
	}
	return reason, count
}

// FormatName is the format a file was read as, with its CSV layout:
// "csv (fivetran_mixpanel)".
func (f *FileSummary) FormatName() string {
	if f.Layout != "" {
		return string(f.Format) + " (" + f.Layout + ")"
	}
	return string(f.Format)
}

// NoActivityError returns nil when at least one activity event was read, else
// the error every surface shows instead of a report of "n/a": each file, the
// format it was read as and why its records were not used.
func (s *InputStats) NoActivityError() error {
	if s.ActivityEvents > 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("no activity event (track, page or screen) could be read from the input:")
	if len(s.Files) == 0 {
		fmt.Fprintf(&b, " %d records", s.Events)
		if s.Skipped > 0 {
			fmt.Fprintf(&b, ", %d skipped (%s)", s.Skipped, reasonCounts(s.SkippedByReason))
		}
	}
	for _, f := range s.Files {
		fmt.Fprintf(&b, "\n  %s: read as %s, %d records", f.Name, f.FormatName(), f.Events)
		if f.Skipped > 0 {
			fmt.Fprintf(&b, ", %d skipped (%s)", f.Skipped, reasonCounts(f.SkippedByReason))
		}
		if f.Events > 0 && f.Skipped < f.Events {
			b.WriteString(", none of them activity")
		}
	}
	b.WriteString("\nIf a file is another export than detected, say which with --format (and --csv-columns for a CSV).")
	files := make([]map[string]any, len(s.Files))
	for i, f := range s.Files {
		files[i] = map[string]any{"name": f.Name, "format": f.FormatName(), "events": f.Events, "skipped": f.Skipped}
	}
	return &MessageError{Err: errors.New(b.String()), Msg: Message{Key: "no_activity_read", Values: map[string]any{"files": files, "events": s.Events}}}
}

// reasonCounts lists skip reasons by count, the largest first: "no_user 2, bad_timestamp 1".
func reasonCounts(by map[string]int64) string {
	keys := make([]string, 0, len(by))
	for k := range by {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if by[keys[i]] != by[keys[j]] {
			return by[keys[i]] > by[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, by[k])
	}
	return strings.Join(parts, ", ")
}
