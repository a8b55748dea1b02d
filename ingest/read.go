package ingest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/sep-project/sep/core"
)

// MaxLineBytes is the longest line of a JSON-lines input, its newline included
// (4 MiB, eight times Segment's 500 KB batch limit): a longer line is counted as
// one bad record (ReasonLineTooLong) and reading goes on after it.
const MaxLineBytes = 4 << 20

// ReasonLineTooLong is the skip reason of a line longer than MaxLineBytes.
const ReasonLineTooLong = "line_too_long"

// lineTooLong is the error of an over-long line.
func lineTooLong() *core.ParseError {
	return &core.ParseError{Reason: ReasonLineTooLong,
		Err: fmt.Errorf("line longer than the %s limit of a JSON line: skipped", byteSize(int64(chunkSize)))}
}

// byteSize writes n in MiB or KiB when it is a whole number of them.
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// Options configure reading an export. The zero value detects the format
// and uses the default column names and group keys.
type Options struct {
	// Format is the input format; "" or auto detects it from the content.
	Format core.Format
	// File names the input in errors ("" or "-" is shown as stdin).
	File string
	// Columns maps the generic CSV's column names.
	Columns core.CSVColumns
	// GroupKeys are the properties read as account ids (Mixpanel, Amplitude,
	// PostHog); DefaultGroupKeys when empty.
	GroupKeys []string
	// InputTZ, when set, is the time zone of timestamps written as wall-clock
	// times: Mixpanel's properties.time (legacy projects export it in the
	// project's time zone) and CSV timestamps without an offset.
	InputTZ *time.Location
	// Strict stops at the first bad record: Read returns its *core.ParseError.
	Strict bool
	// Workers is the number of parallel decoders for JSON lines; 0 means
	// runtime.GOMAXPROCS(0).
	Workers int
	// Progress, when set, is called now and then with the bytes consumed so
	// far (compressed bytes for a compressed input).
	Progress func(bytesRead int64)
	// MaxInflated, when positive, is the most bytes decompression may produce
	// from the input (gzip streams and zip entries, counted at each step and
	// shared by the entries of a zip): beyond it reading fails with an
	// *core.InflateLimitError. The HTTP API sets it against gzip bombs.
	MaxInflated int64
	// Range is the plausible event times; Read sets it on the Rollup
	// unless it is zero (then the Rollup's own applies).
	Range core.TimeRange
	// SizeHint, when positive, is the input's size in bytes (as stored: a
	// compressed file's compressed size). JSON lines read in parallel size
	// the set of event ids from it and the first block's mean record size,
	// once, instead of growing it by doubling. It changes no result.
	SizeHint int64

	inflated *inflateBudget // what is left of MaxInflated, shared by copies
}

// OptionsOf returns the reading options a config describes: its format,
// CSV columns, group keys, input time zone and earliest day. It is where a
// config's format name is checked, against the formats registered here.
func OptionsOf(c core.Config) (Options, error) {
	opt := Options{Columns: c.CSVColumns, GroupKeys: c.GroupKeys}
	loc, err := c.InputLocation()
	if err != nil {
		return opt, err
	}
	opt.InputTZ = loc
	if c.Format != "" {
		f, err := ParseFormat(c.Format)
		if err != nil {
			return opt, err
		}
		opt.Format = f
	}
	if opt.Range, err = c.TimeRange(); err != nil {
		return opt, err
	}
	return opt, nil
}

// CheckConfig reports what OptionsOf refuses in a config just parsed (an
// unknown input_tz, format or earliest day; core.ParseConfig checks the
// settings), in ParseConfig's words: "config NAME: ...". Every surface calls
// it where it loads a config.
func CheckConfig(name string, c core.Config) error {
	if _, err := OptionsOf(c); err != nil {
		return fmt.Errorf("config %s: %w", name, err)
	}
	return nil
}

// inflateBudget counts down the bytes decompression may still produce.
type inflateBudget struct {
	left  int64
	limit int64
	file  string
	over  error // the limit error, once reached
}

// limitInflated wraps a decompressing reader so that it counts against the
// options' MaxInflated (a no-op when it is not set).
func limitInflated(r io.Reader, opt *Options) io.Reader {
	if opt.MaxInflated <= 0 {
		return r
	}
	if opt.inflated == nil {
		opt.inflated = &inflateBudget{left: opt.MaxInflated, limit: opt.MaxInflated, file: opt.File}
	}
	return &inflateLimitReader{r: r, b: opt.inflated}
}

type inflateLimitReader struct {
	r io.Reader
	b *inflateBudget
}

func (l *inflateLimitReader) Read(p []byte) (int, error) {
	if l.b.over != nil {
		return 0, l.b.over // sticky: a Peek that ignores errors must not hide it
	}
	if l.b.left <= 0 {
		// One byte more tells a stream that ends exactly at the limit from one over it.
		var one [1]byte
		for range 100 {
			n, err := l.r.Read(one[:])
			if n > 0 {
				l.b.over = &core.InflateLimitError{File: l.b.file, Limit: l.b.limit}
				return 0, l.b.over
			}
			if err != nil {
				return 0, err
			}
		}
		return 0, io.ErrNoProgress
	}
	if int64(len(p)) > l.b.left {
		p = p[:l.b.left]
	}
	n, err := l.r.Read(p)
	l.b.left -= int64(n)
	return n, err
}

// Reader reads events one at a time, like encoding/csv's Reader reads records.
type Reader interface {
	// Read returns the next event, io.EOF at the end, or a *core.ParseError for a
	// bad record, after which Read can be called again.
	Read() (core.Event, error)
}

// source is a sequential record source: next emits the events of one record
// and returns io.EOF at the end, a *core.ParseError (with file and line) for a bad
// record, or another error for a failed read.
type source interface {
	next(emit func(*core.Event)) error
}

// peekSize is how much of an input is looked at to detect its format.
const peekSize = 64 << 10

// prepare wraps r: counts bytes for progress, gunzips by magic bytes, and
// resolves the format. It returns a buffered reader positioned at the start.
func prepare(r io.Reader, opt *Options) (*bufio.Reader, core.Format, error) {
	if opt.Progress != nil {
		r = &countingReader{r: r, fn: opt.Progress}
	}
	size := 1 << 20
	if b, ok := r.(*bytes.Reader); ok && b.Len() < size {
		// A body already in memory, such as a webhook delivery of a few KB:
		// a buffer of its size, not a megabyte to clear for every request.
		size = max(b.Len(), 16)
	}
	br := bufio.NewReaderSize(r, size)
	if magic, _ := br.Peek(2); isGzip(magic) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, "", fmt.Errorf("%s: gzip: %w", core.DisplayName(opt.File), err)
		}
		br = bufio.NewReaderSize(limitInflated(zr, opt), 1<<20)
	}
	f := opt.Format
	if f == "" || f == core.FormatAuto {
		head, err := br.Peek(peekSize)
		if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
			return nil, "", fmt.Errorf("%s: %w", core.DisplayName(opt.File), err)
		}
		if f, err = DetectFormat(head, opt.File); err != nil {
			return nil, "", err
		}
	}
	return br, f, nil
}

// isGzip reports whether b starts with gzip's magic bytes.
func isGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }

type countingReader struct {
	r    io.Reader
	n    int64
	fn   func(int64)
	last int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.n-c.last >= 1<<20 || err == io.EOF {
		c.last = c.n
		c.fn(c.n)
	}
	return n, err
}

// isJSONLines reports whether a JSON input is line-delimited: its first line
// is a complete JSON value (and not an array).
func isJSONLines(br *bufio.Reader) bool {
	head, _ := br.Peek(peekSize)
	head = bytes.TrimLeft(head, " \t\r\n\ufeff")
	if len(head) == 0 || head[0] != '{' {
		return false
	}
	line := head
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		line = head[:i]
	} else if len(head) == peekSize {
		return true // a first line longer than the peek: treat as lines
	}
	return jsonValid(bytes.TrimSpace(line))
}

// newSource picks the sequential source for a prepared input.
func newSource(br *bufio.Reader, f core.Format, opt *Options) (source, error) {
	switch f {
	case core.FormatCSV:
		return newCSVSource(br, opt, false)
	case core.FormatPostHog:
		if head, _ := br.Peek(1); len(head) == 1 && head[0] != '{' && head[0] != '[' && head[0] != ' ' && head[0] != '\n' {
			return newCSVSource(br, opt, true)
		}
	}
	dec, err := newRecordDecoder(f, opt)
	if err != nil {
		return nil, err
	}
	if isJSONLines(br) {
		return &linesSource{br: br, dec: dec, file: opt.File}, nil
	}
	data, err := io.ReadAll(br)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", core.DisplayName(opt.File), err)
	}
	return newDocumentSource(data, dec, opt.File), nil
}

// NewReader returns a Reader of one (already decompressed or gzip) input.
func NewReader(r io.Reader, opt Options) (Reader, error) {
	br, f, err := prepare(r, &opt)
	if err != nil {
		return nil, err
	}
	src, err := newSource(br, f, &opt)
	if err != nil {
		return nil, err
	}
	return &eventReader{src: src}, nil
}

type eventReader struct {
	src   source
	queue []core.Event
	done  bool
}

func (r *eventReader) Read() (core.Event, error) {
	for len(r.queue) == 0 {
		if r.done {
			return core.Event{}, io.EOF
		}
		err := r.src.next(func(e *core.Event) { r.queue = append(r.queue, *e) })
		if err == io.EOF {
			r.done = true
			continue
		}
		if err != nil {
			return core.Event{}, err
		}
	}
	e := r.queue[0]
	r.queue = r.queue[1:]
	return e, nil
}

// linesSource reads JSON lines one line at a time.
type linesSource struct {
	br   *bufio.Reader
	dec  recordDecoder
	file string
	line int
	long []byte // reused for lines longer than br's buffer
}

func (s *linesSource) next(emit func(*core.Event)) error {
	for {
		b, err := s.br.ReadSlice('\n')
		tooLong := false
		if err == bufio.ErrBufferFull {
			// A line longer than the buffer: gather it whole, up to the limit,
			// and pass over the rest of a line beyond it.
			long := append(s.long[:0], b...)
			for err == bufio.ErrBufferFull {
				b, err = s.br.ReadSlice('\n')
				if !tooLong {
					long = append(long, b...)
				}
				if len(long) > chunkSize || (len(long) == chunkSize && long[len(long)-1] != '\n') {
					tooLong, long = true, long[:0]
				}
			}
			b, s.long = long, long
		} else if len(b) > chunkSize || (len(b) == chunkSize && b[len(b)-1] != '\n') {
			tooLong = true
		}
		if err != nil && err != io.EOF {
			return fmt.Errorf("%s: %w", core.DisplayName(s.file), err)
		}
		if len(b) == 0 && err == io.EOF && !tooLong {
			return io.EOF
		}
		s.line++
		if tooLong {
			pe := lineTooLong()
			pe.File, pe.Line = s.file, s.line
			return pe
		}
		rec := bytes.TrimSpace(b)
		if len(rec) == 0 {
			if err == io.EOF {
				return io.EOF
			}
			continue
		}
		if pe := s.dec.decode(rec, emit); pe != nil {
			pe.File, pe.Line = s.file, s.line
			return pe
		}
		return nil
	}
}

// documentSource reads a whole JSON document: one object, an array of them,
// {"batch": [...]}, or several values one after the other.
type documentSource struct {
	data  []byte
	dec   *jsonDecoder
	rec   recordDecoder
	file  string
	inArr bool
	done  bool
	// lineOff and lineNo are where line counting got to: data[:lineOff] holds
	// lineNo-1 newlines. Values come in order, so lines are counted once.
	lineOff int
	lineNo  int
}

func newDocumentSource(data []byte, rec recordDecoder, file string) *documentSource {
	return &documentSource{data: data, dec: jsonNewDecoder(bytes.NewReader(data)), rec: rec, file: file, lineNo: 1}
}

func (s *documentSource) lineAt(off int64) int {
	if off > int64(len(s.data)) {
		off = int64(len(s.data))
	}
	// The value starts after the whitespace and separators at off.
	for off < int64(len(s.data)) && strings.IndexByte(" \t\r\n,[", s.data[off]) >= 0 {
		off++
	}
	o := int(off)
	if o < s.lineOff {
		s.lineOff, s.lineNo = 0, 1
	}
	s.lineNo += bytes.Count(s.data[s.lineOff:o], []byte("\n"))
	s.lineOff = o
	return s.lineNo
}

func (s *documentSource) next(emit func(*core.Event)) error {
	if s.done {
		return io.EOF
	}
	if !s.inArr {
		trimmed := bytes.TrimLeft(s.data[s.dec.InputOffset():], " \t\r\n\ufeff")
		if len(trimmed) == 0 {
			s.done = true
			return io.EOF
		}
		if trimmed[0] == '[' {
			if _, err := s.dec.Token(); err != nil {
				s.done = true
				return &core.ParseError{File: s.file, Line: s.lineAt(s.dec.InputOffset()), Reason: core.ReasonInvalidJSON, Err: err}
			}
			s.inArr = true
		}
	}
	if s.inArr && !s.dec.More() {
		if _, err := s.dec.Token(); err != nil { // the closing ']'
			s.done = true
			return &core.ParseError{File: s.file, Line: s.lineAt(s.dec.InputOffset()), Reason: core.ReasonInvalidJSON, Err: err}
		}
		s.inArr = false
		return s.next(emit)
	}
	start := s.dec.InputOffset()
	var raw jsonRawMessage
	if err := s.dec.Decode(&raw); err != nil {
		s.done = true // the stream cannot resynchronise after broken JSON
		return &core.ParseError{File: s.file, Line: s.lineAt(start), Reason: core.ReasonInvalidJSON, Err: fmt.Errorf("invalid JSON: %v", err)}
	}
	if pe := s.rec.decode(raw, emit); pe != nil {
		pe.File, pe.Line = s.file, s.lineAt(start)
		return pe
	}
	return nil
}

// drain reads a source to its end into a Rollup, counting bad records (or
// returning the first one when strict).
func drain(ctx context.Context, src source, into *core.Rollup, strict bool) error {
	add := into.Add
	for i := 0; ; i++ {
		if i&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		err := src.next(add)
		switch {
		case err == nil:
		case err == io.EOF:
			return nil
		default:
			var pe *core.ParseError
			if !errors.As(err, &pe) {
				return err
			}
			if strict {
				return pe
			}
			into.Skip(pe.Reason, pe)
		}
	}
}

// BadRecords sums up the bad records of a body: the first MaxReportedErrors
// described, and the total by reason.
type BadRecords struct {
	// First are the first bad records, in order, at most MaxReportedErrors.
	First []*core.ParseError
	// Total is every bad record; ByReason splits it by core.ParseError.Reason.
	Total    int64
	ByReason map[string]int64
}

// add counts one bad record.
func (b *BadRecords) add(pe *core.ParseError) {
	b.Total++
	if b.ByReason == nil {
		b.ByReason = map[string]int64{}
	}
	b.ByReason[pe.Reason]++
	if len(b.First) < core.MaxReportedErrors {
		b.First = append(b.First, pe)
	}
}

// DecodeEvents decodes a whole in-memory body, such as a webhook delivery: one
// Segment event, a JSON array of them, {"batch": [...]}, JSON lines, or any
// other format sep reads. It returns the events and a summary of the bad
// records (lines are counted as reading goes, so the work is linear in the
// body). It stops with ctx's error when ctx is done (a client gone).
func DecodeEvents(ctx context.Context, body []byte, opt Options) ([]core.Event, BadRecords, error) {
	var bad BadRecords
	br, f, err := prepare(bytes.NewReader(body), &opt)
	if err != nil {
		return nil, bad, err
	}
	var src source
	trimmed := bytes.TrimSpace(body)
	if f == core.FormatCSV || (f == core.FormatPostHog && !bytes.HasPrefix(trimmed, []byte("{")) && !bytes.HasPrefix(trimmed, []byte("["))) {
		if src, err = newSource(br, f, &opt); err != nil {
			return nil, bad, err
		}
	} else {
		rec, err := newRecordDecoder(f, &opt)
		if err != nil {
			return nil, bad, err
		}
		data := body
		if isGzip(body) {
			if data, err = io.ReadAll(br); err != nil {
				return nil, bad, fmt.Errorf("%s: %w", core.DisplayName(opt.File), err)
			}
		}
		src = newDocumentSource(data, rec, opt.File)
	}
	var events []core.Event
	emit := func(e *core.Event) { events = append(events, *e) }
	for i := 0; ; i++ {
		if i&1023 == 0 {
			if err := ctx.Err(); err != nil {
				return events, bad, err
			}
		}
		err := src.next(emit)
		switch {
		case err == nil:
		case err == io.EOF:
			return events, bad, nil
		default:
			var pe *core.ParseError
			if !errors.As(err, &pe) {
				return events, bad, err
			}
			bad.add(pe)
		}
	}
}
