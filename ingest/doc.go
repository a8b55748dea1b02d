// Package ingest reads analytics exports into a core.Rollup: Segment and
// RudderStack, Mixpanel, Amplitude and PostHog exports, as JSON lines, JSON
// documents or CSV, gzipped or not, and .zip archives of them.
//
// Each format is one file holding its recogniser and its decoder
// (format_segment.go with segment_scan.go, format_mixpanel.go,
// format_amplitude.go, format_posthog.go, read_csv.go), registered in
// format.go after Go's image.RegisterFormat; other packages add theirs with
// RegisterFormat. DetectFormat asks them all, on evidence.
//
//   - Read reads one input into a Rollup (ReadZip an archive): JSON lines are
//     decoded on every core, their ids checked in input order against the
//     Rollup (core.Rollup.CheckIDs), so that the first copy of an event is
//     the one counted, whatever the number of workers.
//   - ReadSlice, BeginSlices and Sliced read one file in slices apart (the
//     page's Web Workers) and put them together as Read would.
//   - DecodeEvents decodes a whole in-memory body (a webhook delivery) into
//     Events; NewReader reads events one at a time.
//
// Bad records are counted by reason and described with file, line and field
// (core.ParseError); Options.Strict stops at the first.
package ingest
