package ingest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/sep-project/sep/core"
)

// chunkSize is the size of the blocks JSON lines are cut into for the parallel
// decoders; each block ends at a line end.
var chunkSize = 4 << 20

// Read reads one whole input into a Rollup: it gunzips by magic bytes, detects
// the format (unless opt.Format says it), and rolls up every event. Bad records
// are counted in into.Input by reason (the first ones described with file, line
// and field); with opt.Strict the first one is returned as a *core.ParseError. The
// input's core.FileSummary (name, format, counts, warnings) is added to
// into.Input.Files.
//
// JSON lines are decoded in parallel: the input is cut into blocks at line ends,
// each decoder rolls its blocks up on its own, and the rollups are merged, which
// gives the same Rollup as reading in order. Memory stays flat in the input size.
//
// Records that repeat an id already added to into (from this input or an
// earlier one) are counted in into.Input.Duplicates and not used again: the
// first in input order wins, whatever the number of workers (see dedupOrder).
// Events outside opt.Range are skipped ("timestamp_out_of_range").
func Read(ctx context.Context, r io.Reader, opt Options, into *core.Rollup) error {
	if opt.Range != (core.TimeRange{}) {
		into.SetTimeRange(opt.Range)
	}
	before := snapshotInput(&into.Input)
	notes := &fileNotes{}
	if err := readInput(ctx, r, &opt, into, notes); err != nil {
		return err
	}
	into.Input.Files = append(into.Input.Files, fileSummary(summaryName(opt.File), before, &into.Input, notes))
	return nil
}

// summaryName is a file's name in input.files: without its folders (the page
// knows a dropped file by its name alone, and its report must equal the CLI's),
// "archive.zip/entry" for an archive's entry.
func summaryName(file string) string {
	name := core.DisplayName(file)
	head, tail := name, ""
	if i := strings.LastIndex(name, ".zip/"); i >= 0 {
		head, tail = name[:i+4], name[i+4:]
	}
	if i := strings.LastIndexAny(head, `/\`); i >= 0 {
		head = head[i+1:]
	}
	return head + tail
}

// readInput reads one input into into: JSON lines in parallel (ingestParallel),
// anything else, or a strict read, in order (drain).
func readInput(ctx context.Context, r io.Reader, opt *Options, into *core.Rollup, notes *fileNotes) error {
	br, f, err := prepare(r, opt)
	if err != nil {
		return err
	}
	notes.format = f
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	jsonFormat := f == core.FormatSegment || f == core.FormatMixpanel || f == core.FormatAmplitude ||
		(f == core.FormatPostHog && isJSONLines(br))
	if jsonFormat && isJSONLines(br) && workers > 1 && !opt.Strict {
		return ingestParallel(ctx, br, f, opt, workers, into, notes)
	}
	src, err := newSource(br, f, opt)
	if err != nil {
		return err
	}
	switch s := src.(type) {
	case *linesSource:
		forRollup(s.dec)
		defer noteFrom(s.dec, notes)
	case *documentSource:
		forRollup(s.rec)
		defer noteFrom(s.rec, notes)
	case *csvSource:
		notes.layout = s.layout
	}
	return drain(ctx, src, into, opt.Strict)
}

type chunk struct {
	buf       *[]byte
	data      []byte
	firstLine int   // line number of data's first line
	tooLong   bool  // data is empty: line firstLine is longer than a block
	seq       int   // the chunk's rank in the input, from 0
	batch     Batch // records already cut apart (ReadBatches), instead of data
}

// dedupOrder checks the parallel decoders' ids against the target Rollup's
// set in input order. A decoder decodes a block and submits it; whoever finds
// the block whose turn it is ready, and the checking free, checks it and the
// following ready ones (map work only). Nobody waits on the checking: a
// decoder that finds it busy goes on decoding, and waits only for its own
// previous block's answer, a block later, so a decoder the OS set aside
// stalls the others little. The first copy of an id in input order is the one
// used, whatever the worker count or block size.
type dedupOrder struct {
	into     *core.Rollup
	checking sync.Mutex // held by the one checking blocks (TryLock only)

	sizeHint int64 // Options.SizeHint: the set is sized from it at the first block

	mu      sync.Mutex           // guards next and pending (held briefly)
	next    int                  // the seq of the block whose turn it is
	pending map[int]*chunkEvents // submitted blocks not checked yet
}

// submit hands in a decoded block; its answer comes on ce.checked.
func (o *dedupOrder) submit(seq int, ce *chunkEvents) {
	o.mu.Lock()
	o.pending[seq] = ce
	o.mu.Unlock()
	for o.checking.TryLock() {
		for b := o.take(); b != nil; b = o.take() {
			if b.c.seq == 0 {
				o.presize(b)
			}
			o.into.CheckIDs(b.hashes, b.dup)
			b.checked <- struct{}{}
		}
		o.checking.Unlock()
		// A block submitted while this one checked (and gave up on the
		// TryLock) would wait for the next submit: check again.
		if !o.ready() {
			return
		}
	}
}

// presize makes room in the set for the ids the input is likely to hold, from
// its size and the first block's bytes per record: one allocation instead of a
// rehash at every doubling (the rehashes cost about 6% of reading an export).
func (o *dedupOrder) presize(first *chunkEvents) {
	if o.sizeHint <= 0 || len(first.c.data) == 0 || len(first.hashes) == 0 {
		return
	}
	n := o.sizeHint * int64(len(first.hashes)) / int64(len(first.c.data))
	o.into.ReserveIDs(int(min(n, maxPresizedIDs)))
}

// maxPresizedIDs caps what presize reserves from the first block's estimate
// (a first block of unusually small records would otherwise reserve far more
// than the file holds): 8 M ids, a 128 MiB table at most; past it the set
// grows by doubling as it does without a size hint.
const maxPresizedIDs = 8 << 20

// take removes and returns the block whose turn it is, or nil if it is not in yet.
func (o *dedupOrder) take() *chunkEvents {
	o.mu.Lock()
	defer o.mu.Unlock()
	b := o.pending[o.next]
	if b != nil {
		delete(o.pending, o.next)
		o.next++
	}
	return b
}

// ready reports whether the block whose turn it is was submitted.
func (o *dedupOrder) ready() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.pending[o.next] != nil
}

// chunkEvents is a decoder's scratch for one block's events, reused. Its
// events' strings may be views of the block's buffer, which stays in the
// ingest's pool: they are overwritten with the next block, never kept.
type chunkEvents struct {
	c       chunk
	events  []core.Event
	hashes  []uint64 // 0: no id, or an event already refused
	dup     []bool   // set by dedupOrder: the id was seen in an earlier record
	reject  []string
	checked chan struct{}
}

// decode decodes a block (bad records counted in part), refuses what the
// target refuses and hashes the ids of the rest.
func (ce *chunkEvents) decode(c chunk, dec recordDecoder, into, part *core.Rollup, file string) {
	ce.c = c
	ce.events = ce.events[:0]
	emit := func(e *core.Event) { ce.events = append(ce.events, *e) }
	if c.batch != nil {
		c.batch.Events(emit, func(pe *core.ParseError) {
			pe.File = file
			part.Skip(pe.Reason, pe)
		})
	} else {
		decodeChunk(c, dec, emit, part, file)
	}
	n := len(ce.events)
	ce.hashes = slices.Grow(ce.hashes[:0], n)[:n]
	ce.dup = slices.Grow(ce.dup[:0], n)[:n]
	ce.reject = slices.Grow(ce.reject[:0], n)[:n]
	for i := range ce.events {
		e := &ce.events[i]
		ce.hashes[i], ce.reject[i] = 0, into.Reject(e)
		if ce.reject[i] == "" && e.MessageID != "" {
			ce.hashes[i] = core.IDHash(e.MessageID)
		}
	}
}

// add waits for the block's check, then rolls up what is new into part.
func (ce *chunkEvents) add(part *core.Rollup) {
	<-ce.checked
	ce.addChecked(part)
}

// addChecked rolls up what is new into part, once the block is checked.
func (ce *chunkEvents) addChecked(part *core.Rollup) {
	for i := range ce.events {
		switch {
		case ce.reject[i] != "":
			part.Skip(ce.reject[i], nil)
		case ce.dup[i]:
			part.CountDuplicate()
		default:
			part.AddChecked(&ce.events[i])
		}
	}
}

// ingestParallel reads JSON lines on workers decoders: splitLines cuts the
// input into blocks, each decoder rolls its blocks up into its own part
// (rollBlocks), their ids checked in input order against into (dedupOrder),
// and the parts are merged into into.
func ingestParallel(ctx context.Context, br *bufio.Reader, f core.Format, opt *Options, workers int, into *core.Rollup, notes *fileNotes) error {
	newDec := func() (recordDecoder, error) { return newRecordDecoder(f, opt) }
	return decodeParallel(ctx, opt, workers, into, notes, newDec, func(ctx context.Context, free chan *[]byte, work chan<- chunk) error {
		return splitLines(ctx, br, free, work)
	})
}

// decodeParallel runs workers decoders over the chunks feed sends in input
// order (seq from 0, each holding a token from free), checks their ids in
// that order and merges the workers' rollups into into. newDec is nil when
// the chunks carry their own records (chunk.batch).
func decodeParallel(ctx context.Context, opt *Options, workers int, into *core.Rollup, notes *fileNotes,
	newDec func() (recordDecoder, error), feed func(context.Context, chan *[]byte, chan<- chunk) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	parts, decs, err := newParts(into.TZ(), workers, newDec)
	if err != nil {
		return err
	}
	free := newFreeBlocks(workers)
	defer releaseBlocks(free)
	work := make(chan chunk, workers)
	order := &dedupOrder{into: into, sizeHint: opt.SizeHint, pending: map[int]*chunkEvents{}}
	var wg sync.WaitGroup
	for w := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rollBlocks(work, free, decs[w], order, parts[w], opt.File)
		}()
	}
	readErr := feed(ctx, free, work)
	close(work)
	wg.Wait()
	for _, dec := range decs {
		if dec != nil {
			noteFrom(dec, notes)
		}
	}
	if readErr != nil {
		return readErr
	}
	return mergeParts(parts, into)
}

// newParts returns a part and a decoder (newDec's; nil when newDec is nil:
// the chunks carry their own records) for each of n workers.
func newParts(tz string, n int, newDec func() (recordDecoder, error)) ([]*core.Rollup, []recordDecoder, error) {
	parts := make([]*core.Rollup, n)
	decs := make([]recordDecoder, n)
	for w := range parts {
		part, err := core.NewRollup(tz)
		if err != nil {
			return nil, nil, err
		}
		if newDec != nil {
			if decs[w], err = newDec(); err != nil {
				return nil, nil, err
			}
			forRollup(decs[w])
		}
		parts[w] = part
	}
	return parts, decs, nil
}

// newFreeBlocks returns the channel of the blocks the reader fills, two per
// decoder, one queued, one filling. A block takes its memory from blockPool
// when first filled (takeBlock), and releaseBlocks gives it back at the end:
// a zip of many small members (Amplitude's hourly files) allocated and
// cleared every block for each member otherwise.
func newFreeBlocks(workers int) chan *[]byte {
	free := make(chan *[]byte, workers*3+1)
	for i := 0; i < cap(free); i++ {
		free <- new([]byte)
	}
	return free
}

// releaseBlocks puts the filled blocks back in blockPool.
func releaseBlocks(free chan *[]byte) {
	for len(free) > 0 {
		if b := <-free; cap(*b) == chunkSize {
			blockPool.Put(b)
		}
	}
}

// rollBlocks is one decoder: it decodes each block of work into part and
// adds the block as soon as it is checked, while its strings are still in
// the cache. A block whose turn has not come is held while the next one is
// decoded (so that a decoder the OS set aside stalls nobody), then added.
// Each block goes back to free once added.
func rollBlocks(work <-chan chunk, free chan<- *[]byte, dec recordDecoder, order *dedupOrder, part *core.Rollup, file string) {
	cur, prev := newChunkEvents(), newChunkEvents()
	held := false
	for c := range work {
		cur.decode(c, dec, order.into, part, file)
		order.submit(c.seq, cur)
		if held {
			prev.add(part)
			free <- prev.c.buf
			held = false
		}
		select {
		case <-cur.checked:
			cur.addChecked(part)
			free <- cur.c.buf
		default:
			cur, prev, held = prev, cur, true
		}
	}
	if held {
		prev.add(part)
		free <- prev.c.buf
	}
	part.Settle() // sort the last adds here, on this core
}

// mergeParts merges the smaller parts into the largest, which an empty
// target adopts as it is (merging costs a map insert per cell of what is
// merged), then that one into into.
func mergeParts(parts []*core.Rollup, into *core.Rollup) error {
	slices.SortFunc(parts, func(a, b *core.Rollup) int { return b.Len() - a.Len() })
	for i, p := range parts[1:] {
		if err := parts[0].Merge(p); err != nil {
			return err
		}
		parts[i+1] = nil // its memory can go
	}
	return into.Merge(parts[0])
}

// blockPool keeps the parallel reader's blocks between inputs.
var blockPool sync.Pool

// takeBlock returns an empty block of chunkSize bytes, reused when one is free.
func takeBlock() []byte {
	if b, ok := blockPool.Get().(*[]byte); ok && cap(*b) == chunkSize {
		return (*b)[:0]
	}
	return make([]byte, 0, chunkSize)
}

// splitLines cuts the input into blocks that end at a line end and sends them,
// counting lines as it goes. A line that does not fit in a block (MaxLineBytes)
// is sent as a chunk marked tooLong, and the rest of it is passed over.
func splitLines(ctx context.Context, br *bufio.Reader, free chan *[]byte, work chan<- chunk) error {
	var carry []byte
	line, seq := 1, 0
	skipping := false // passing over the rest of an over-long line
	send := func(c chunk) {
		c.seq = seq
		seq++
		work <- c
	}
	for {
		var buf *[]byte
		select {
		case buf = <-free:
		case <-ctx.Done():
			return ctx.Err()
		}
		if cap(*buf) == 0 {
			*buf = takeBlock()
		}
		b := append((*buf)[:0], carry...)
		carry = carry[:0]
		eof, err := fillBlock(br, &b)
		if err != nil {
			return err
		}
		if skipping {
			i := bytes.IndexByte(b, '\n')
			if i < 0 {
				free <- buf
				if eof {
					return nil
				}
				continue
			}
			skipping = false
			line++
			if eof {
				b = b[i+1:]
			} else {
				// The lines after it start the next block.
				carry = append(carry, b[i+1:]...)
				free <- buf
				continue
			}
		}
		if eof {
			if len(b) > 0 {
				send(chunk{buf: buf, data: b, firstLine: line})
			} else {
				free <- buf
			}
			return nil
		}
		cut := bytes.LastIndexByte(b, '\n')
		if cut < 0 {
			// One line fills the whole block: report it and pass over the rest.
			send(chunk{buf: buf, firstLine: line, tooLong: true})
			skipping = true
			continue
		}
		carry = append(carry, b[cut+1:]...)
		data := b[:cut+1]
		send(chunk{buf: buf, data: data, firstLine: line})
		line += bytes.Count(data, []byte{'\n'})
	}
}

// fillBlock reads into b up to its capacity; eof reports the end of the input.
func fillBlock(br *bufio.Reader, b *[]byte) (eof bool, err error) {
	for len(*b) < cap(*b) {
		n, err := br.Read((*b)[len(*b):cap(*b)])
		*b = (*b)[:len(*b)+n]
		if err == io.EOF {
			return true, nil
		}
		if err != nil {
			return false, err
		}
	}
	return false, nil
}

func newChunkEvents() *chunkEvents { return &chunkEvents{checked: make(chan struct{}, 1)} }

// decodeChunk decodes a chunk's records, handing its events to emit and
// counting its bad records in into.
func decodeChunk(c chunk, dec recordDecoder, emit func(*core.Event), into *core.Rollup, file string) {
	if c.tooLong {
		pe := lineTooLong()
		pe.File, pe.Line = file, c.firstLine
		into.Skip(pe.Reason, pe)
		return
	}
	data := c.data
	line := c.firstLine
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		var rec []byte
		if i < 0 {
			rec, data = data, nil
		} else {
			rec, data = data[:i], data[i+1:]
		}
		rec = bytes.TrimSpace(rec)
		if len(rec) > 0 {
			if pe := dec.decode(rec, emit); pe != nil {
				pe.File, pe.Line = file, line
				into.Skip(pe.Reason, pe)
			}
		}
		line++
	}
}

// ReadZip reads every file of a .zip archive (Amplitude exports are a zip of
// .json.gz files) into a Rollup. Entries are named "archive.zip/entry" in
// errors; folders and hidden files (__MACOSX, .DS_Store) are passed over.
func ReadZip(ctx context.Context, ra io.ReaderAt, size int64, opt Options, into *core.Rollup) error {
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		return fmt.Errorf("%s: zip: %w", core.DisplayName(opt.File), err)
	}
	archive := core.DisplayName(opt.File)
	progress := opt.Progress
	var done int64
	for _, zf := range zr.File {
		base := path.Base(zf.Name)
		if zf.FileInfo().IsDir() || strings.HasPrefix(base, ".") || strings.HasPrefix(zf.Name, "__MACOSX/") {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			return fmt.Errorf("%s/%s: %w", archive, zf.Name, err)
		}
		eopt := opt
		eopt.File = archive + "/" + zf.Name
		if progress != nil {
			start := done
			eopt.Progress = func(n int64) { progress(start + n) }
		}
		// The entries share one MaxInflated budget (opt.inflated, set by the first).
		entry := limitInflated(rc, &opt)
		eopt.inflated = opt.inflated
		err = Read(ctx, entry, eopt, into)
		rc.Close()
		if err != nil {
			var pe *core.ParseError
			if errors.As(err, &pe) {
				return err
			}
			return fmt.Errorf("%s: %w", eopt.File, err)
		}
		done += int64(zf.CompressedSize64)
	}
	return nil
}

// fileNotes gathers what reading one input saw beside its events: the format
// and CSV layout it was read as, and the offsets of Mixpanel times.
type fileNotes struct {
	format  core.Format
	layout  string
	offsets map[int]int64 // whole hours from $mp_api_timestamp_ms -> records
	withAPI int64         // records carrying $mp_api_timestamp_ms
}

// noter is a decoder that reports observations into a file's notes.
type noter interface{ note(*fileNotes) }

func noteFrom(dec recordDecoder, n *fileNotes) {
	if d, ok := dec.(noter); ok {
		d.note(n)
	}
}

// inputCounts are the counters of core.InputStats at one moment.
type inputCounts struct {
	events, activity, skipped int64
	byReason                  map[string]int64
}

func snapshotInput(s *core.InputStats) inputCounts {
	c := inputCounts{events: s.Events, activity: s.ActivityEvents, skipped: s.Skipped, byReason: make(map[string]int64, len(s.SkippedByReason))}
	for k, v := range s.SkippedByReason {
		c.byReason[k] = v
	}
	return c
}

// fileSummary is what one input added to the counters, with its warnings.
func fileSummary(name string, before inputCounts, after *core.InputStats, n *fileNotes) core.FileSummary {
	fs := core.FileSummary{Name: name, Format: n.format, Layout: n.layout,
		Events: after.Events - before.events, ActivityEvents: after.ActivityEvents - before.activity,
		Skipped: after.Skipped - before.skipped}
	for k, v := range after.SkippedByReason {
		if d := v - before.byReason[k]; d > 0 {
			if fs.SkippedByReason == nil {
				fs.SkippedByReason = map[string]int64{}
			}
			fs.SkippedByReason[k] = d
		}
	}
	if fs.Skipped > 0 && 2*fs.Skipped > fs.Events {
		reason, count := fs.MainSkipReason()
		fs.Warnings = append(fs.Warnings, fmt.Sprintf(
			"%s: %d of %d records were skipped, mostly %s (%d), reading it as %s: if it is another export, say which with --format.",
			name, fs.Skipped, fs.Events, reason, count, n.format))
		fs.WarningKeys = append(fs.WarningKeys, core.Message{Key: "file_mostly_skipped", Values: map[string]any{
			"file": name, "skipped": fs.Skipped, "events": fs.Events, "reason": reason, "count": count, "format": n.format}})
	}
	if h, c := mainOffset(n); c > 0 && 2*c > n.withAPI {
		fs.Warnings = append(fs.Warnings, fmt.Sprintf(
			"%s: in %d of %d Mixpanel events, time sits %+d h from $mp_api_timestamp_ms: the project exports time in its own time zone (UTC%+d at those dates); pass it with --input-tz ZONE (config input_tz).",
			name, c, n.withAPI, h, h))
		fs.WarningKeys = append(fs.WarningKeys, core.Message{Key: "mixpanel_offset", Values: map[string]any{
			"file": name, "count": c, "events": n.withAPI, "hours": h}})
	}
	return fs
}

// mainOffset returns the most frequent whole-hour offset of Mixpanel times and
// how many records have it (the smaller offset on ties).
func mainOffset(n *fileNotes) (hours int, count int64) {
	for h, c := range n.offsets {
		if c > count || (c == count && h < hours) {
			hours, count = h, c
		}
	}
	return hours, count
}
