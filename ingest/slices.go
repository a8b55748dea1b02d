package ingest

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"strconv"
	"strings"

	"github.com/sep-project/sep/core"
)

// Reading one JSON lines file in slices, each read on its own (the page's
// pool of Web Workers, each with its own WebAssembly memory), and putting the
// slices together into the Rollup that reading the whole file in order gives,
// byte for byte in the report:
//
//  1. SliceFormat says whether a file can be cut (JSON lines, not gzip) and
//     in which format every slice is read.
//  2. Each slice (bytes from one line start to the next slice's) is read with
//     ReadSlice into its own Rollup; the first slice may be read into the
//     target itself, after BeginSlices.
//  3. In slice order, Sliced.Repeats gets each later slice's counted ids
//     (core.Rollup.IDs) and returns those an earlier slice or an earlier input
//     counted. A slice with repeats is read again with them seeded
//     (core.Rollup.SeedIDs): its copies then count as duplicates, so the first
//     copy in input order wins, whatever its content (SPEC "One event,
//     once"). core.Rollup.Merge alone would count such an event twice.
//  4. Sliced.Add merges each slice in slice order (its errors' line numbers
//     shifted by the lines before it), and Sliced.End adds the file's
//     summary, as Read does.
//
// A Rollup crosses between memories as MarshalBinary / UnmarshalRollup.

// SliceNotes is what reading a slice saw beside its events.
type SliceNotes struct {
	// Lines is the number of lines the slice holds.
	Lines int `json:"lines"`
	// Offsets and WithAPI are the Mixpanel time offsets seen (fileNotes).
	Offsets map[int]int64 `json:"offsets,omitempty"`
	WithAPI int64         `json:"with_api,omitempty"`
}

// SliceFormat returns the format the slices of a file are read in, from the
// file's first bytes (at least 64 KiB, or the whole file), and whether the
// file can be read in slices at all: JSON lines of Segment, Mixpanel,
// Amplitude or PostHog, not gzipped. Other files are read whole with Read.
func SliceFormat(head []byte, opt Options) (core.Format, bool, error) {
	if isGzip(head) {
		return "", false, nil
	}
	f := opt.Format
	if f == "" || f == core.FormatAuto {
		var err error
		if f, err = DetectFormat(head[:min(len(head), peekSize)], opt.File); err != nil {
			return "", false, err
		}
	}
	switch f {
	case core.FormatSegment, core.FormatMixpanel, core.FormatAmplitude, core.FormatPostHog:
	default:
		return f, false, nil
	}
	br := bufio.NewReaderSize(bytes.NewReader(head), max(len(head), 16))
	return f, isJSONLines(br), nil
}

// ReadSlice reads one slice of a JSON lines file, in the format SliceFormat
// gave (opt.Format), into into. Bad records are counted and described with
// line numbers counted from the slice's first line (Sliced.Add shifts them);
// no file summary is added (Sliced.End adds the file's).
func ReadSlice(ctx context.Context, r io.Reader, opt Options, into *core.Rollup) (SliceNotes, error) {
	if opt.Range != (core.TimeRange{}) {
		into.SetTimeRange(opt.Range)
	}
	dec, err := newRecordDecoder(opt.Format, &opt)
	if err != nil {
		return SliceNotes{}, err
	}
	forRollup(dec)
	src := &linesSource{br: bufio.NewReaderSize(r, 1<<20), dec: dec, file: opt.File}
	if err := drain(ctx, src, into, false); err != nil {
		return SliceNotes{}, err
	}
	var n fileNotes
	noteFrom(dec, &n)
	return SliceNotes{Lines: src.line, Offsets: n.offsets, WithAPI: n.withAPI}, nil
}

// Sliced puts the slices of one file together into a Rollup, in slice order.
type Sliced struct {
	into   *core.Rollup
	file   string
	format core.Format
	before inputCounts
	notes  fileNotes
	lines  int // lines of the slices added so far
}

// BeginSlices starts putting together the slices of one file read in format f
// into into. The first slice may then be read into into itself (ReadSlice)
// and added with Add(nil, notes).
func BeginSlices(into *core.Rollup, file string, f core.Format) *Sliced {
	return &Sliced{into: into, file: file, format: f, before: snapshotInput(&into.Input),
		notes: fileNotes{format: f}}
}

// Repeats takes the ids a slice counted (its Rollup's IDs), in slice order
// after the slices before it, and returns those already counted by an
// earlier slice or input. The slice must then be read again with them
// seeded (SeedIDs) before it is added; without repeats it is added as read.
func (s *Sliced) Repeats(ids []uint64) []uint64 {
	var out []uint64
	dup := make([]bool, len(ids))
	s.into.CheckIDs(ids, dup)
	for i, d := range dup {
		if d {
			out = append(out, ids[i])
		}
	}
	return out
}

// Add merges the next slice's Rollup, read without repeats (see Repeats),
// and its notes; part nil means the slice was read into the target itself.
func (s *Sliced) Add(part *core.Rollup, n SliceNotes) error {
	if part != nil {
		shiftLines(part, s.file, s.lines)
		if err := s.into.Merge(part); err != nil {
			return err
		}
	}
	s.lines += n.Lines
	for h, c := range n.Offsets {
		if s.notes.offsets == nil {
			s.notes.offsets = map[int]int64{}
		}
		s.notes.offsets[h] += c
	}
	s.notes.withAPI += n.WithAPI
	return nil
}

// End adds the file's summary to the target's Input.Files, as Read would.
func (s *Sliced) End() {
	s.into.Input.Files = append(s.into.Input.Files,
		fileSummary(summaryName(s.file), s.before, &s.into.Input, &s.notes))
}

// shiftLines moves the line numbers of file's described errors by n.
func shiftLines(r *core.Rollup, file string, n int) {
	if n == 0 {
		return
	}
	name := core.DisplayName(file)
	for i := range r.Input.Errors {
		e := &r.Input.Errors[i]
		if e.File != file || e.Line <= 0 {
			continue
		}
		old := name + ":" + strconv.Itoa(e.Line) + ": "
		e.Line += n
		if rest, ok := strings.CutPrefix(e.Message, old); ok {
			e.Message = name + ":" + strconv.Itoa(e.Line) + ": " + rest
		}
	}
}
