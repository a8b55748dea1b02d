package parquetrows

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/ingest"
)

// PostHog's S3 batch export read column by column: only the five columns an
// event needs are decoded, a batch of rows at a time, and the batches are
// turned into events on every core by ingest.ReadBatches.

// The columns an event of PostHog's export is read from, in phLayout.cols order.
const (
	phUUID = iota
	phEvent
	phDistinctID
	phProperties
	phTimestamp
	phColumns
)

var phNames = [phColumns]string{"uuid", "event", "distinct_id", "properties", "timestamp"}

// batchRows is the number of rows in a batch: small enough that the batches
// in flight (three per worker) stay a few MB, large enough that handing one
// over costs little beside decoding it.
var batchRows = 8192

// phLayout is where a file holds PostHog's columns.
type phLayout struct {
	cols   [phColumns]int // leaf column index
	order  [phColumns]int // the columns in the file's order, for a record's JSON line
	tsStep int64          // ns per unit of an INT64 timestamp column; 0: a text column
	tsNode parquet.Node
}

// postHogLayout returns the layout of a flat file with PostHog's export
// columns uuid, event, distinct_id, properties (JSON text) and timestamp (a
// Parquet timestamp or text), each a scalar; ok is false for any other file.
func postHogLayout(f *parquet.File) (l phLayout, ok bool) {
	if !Flat(f) {
		return l, false
	}
	schema := f.Schema()
	for i, name := range phNames {
		leaf, found := schema.Lookup(name)
		if !found || leaf.MaxRepetitionLevel > 0 {
			return l, false
		}
		l.cols[i] = leaf.ColumnIndex
		kind := leaf.Node.Type().Kind()
		if i == phTimestamp && kind == parquet.Int64 {
			lt := leaf.Node.Type().LogicalType()
			if lt == nil {
				return l, false
			}
			ts, isTime := lt.Value.(*format.TimestampType)
			if !isTime || ts.Unit.Value == nil {
				return l, false
			}
			l.tsStep, l.tsNode = int64(ts.Unit.Value.Duration()), leaf.Node
			continue
		}
		if kind != parquet.ByteArray {
			return l, false
		}
	}
	for _, fl := range schema.Fields() {
		if fl.Name() == "batch" { // a PostHog /batch body's member: read as JSON lines
			return l, false
		}
	}
	// The file's order of the five columns.
	n := 0
	for _, name := range Columns(f) {
		for i, pn := range phNames {
			if name == pn {
				l.order[n] = i
				n++
			}
		}
	}
	return l, n == phColumns
}

// phBatch is a run of rows: each text column's values laid end to end in
// text (column c from base[c]), ends[c][i] the end of row i's value,
// null[c][i] when it is null; an INT64 timestamp column's values in ts.
type phBatch struct {
	layout *phLayout
	opt    *ingest.Options
	first  int // row number of the first row, from 1
	n      int
	text   []byte
	base   [phColumns]int
	ends   [phColumns][]int
	null   [phColumns][]bool
	ts     []int64
}

// str is row i's value of text column c, a view of the batch's text.
func (b *phBatch) str(c, i int) string {
	start := b.base[c]
	if i > 0 {
		start = b.ends[c][i-1]
	}
	end := b.ends[c][i]
	if end == start {
		return ""
	}
	return unsafe.String(&b.text[start], end-start)
}

// Events decodes the batch's rows (see ingest.PostHogColumns): a row whose
// columns the fast path cannot take as they are is decoded from the JSON
// line the file's export would have, as PostHog's JSON lines are.
func (b *phBatch) Events(emit func(*core.Event), skip func(*core.ParseError)) {
	dec := ingest.NewPostHogColumns(*b.opt)
	var line []byte
	for i := 0; i < b.n; i++ {
		var props []byte
		if !b.null[phProperties][i] {
			s := b.str(phProperties, i)
			props = unsafe.Slice(unsafe.StringData(s), len(s))
			if props == nil {
				props = []byte{}
			}
		}
		uuid, event, user := b.str(phUUID, i), b.str(phEvent, i), b.str(phDistinctID, i)
		ms, hasMs, inRange, ts := int64(0), false, true, ""
		if b.layout.tsStep > 0 && !b.null[phTimestamp][i] {
			ms, inRange = millis(b.ts[i], b.layout.tsStep)
			hasMs = true
		} else if b.layout.tsStep == 0 && !b.null[phTimestamp][i] {
			ts = b.str(phTimestamp, i)
		}
		var pe *core.ParseError
		done := false
		if inRange && utf8.ValidString(uuid) && utf8.ValidString(event) && utf8.ValidString(user) && utf8.ValidString(ts) {
			done, pe = dec.Event(uuid, event, user, ms, hasMs, ts, props, emit)
		}
		if !done {
			line = b.appendLine(line[:0], i)
			pe = dec.Line(line, emit)
		}
		if pe != nil {
			pe.Line = b.first + i
			skip(pe)
		}
	}
}

// appendLine appends row i as the JSON line Export writes for it.
func (b *phBatch) appendLine(line []byte, i int) []byte {
	var vals [phColumns]any
	var keys [phColumns][]byte
	var inline [phColumns]bool
	for k, c := range b.layout.order {
		keys[k] = appendJSONString(nil, phNames[c])
		inline[k] = jsonColumns[phNames[c]]
		switch {
		case b.null[c][i]:
		case c == phTimestamp && b.layout.tsStep > 0:
			vals[k] = typed(b.layout.tsNode, b.ts[i])
		default:
			vals[k] = b.str(c, i)
		}
	}
	line, _ = appendFlatLine(line, keys[:], inline[:], vals[:]) // only strings: no error
	return line[:len(line)-1]
}

// millis converts an INT64 timestamp of step ns per unit to ms since the
// epoch as Export's RFC 3339 text reads back (the floor of the ms), and
// reports false outside 1970..2261, where that text is taken as it is.
func millis(n, step int64) (int64, bool) {
	if n < 0 || n > math.MaxInt64/step {
		return 0, false
	}
	ns := n * step
	return ns / int64(time.Millisecond), true
}

// source returns the batches of the file's rows, read row group by row group.
func (l *phLayout) source(f *parquet.File, opt *ingest.Options) ingest.BatchSource {
	return func(ctx context.Context, out chan<- ingest.Batch) (err error) {
		row := 1
		defer func() {
			// The library may panic on a damaged page: an error, not a crash.
			if p := recover(); p != nil {
				err = fmt.Errorf("parquet row %d: damaged page: %v", row, p)
			}
		}()
		for _, rg := range f.RowGroups() {
			if err := l.readGroup(ctx, rg, opt, &row, out); err != nil {
				return err
			}
		}
		return nil
	}
}

// readGroup sends a row group's rows as batches; row is the number of its first.
func (l *phLayout) readGroup(ctx context.Context, rg parquet.RowGroup, opt *ingest.Options, row *int, out chan<- ingest.Batch) error {
	chunks := rg.ColumnChunks()
	var readers [phColumns]parquet.ColumnChunkValueReader
	for c := range readers {
		readers[c] = parquet.NewColumnChunkValueReader(chunks[l.cols[c]])
		defer readers[c].Close()
	}
	buf := make([]parquet.Value, 1024)
	textSize := 0 // the last batch's, to size the next one's text at once
	return sendBatches(ctx, rg.NumRows(), row, out, func(first, n int) (ingest.Batch, error) {
		b := &phBatch{layout: l, opt: opt, first: first, n: n, text: make([]byte, 0, textSize+textSize/8)}
		for c := range readers {
			if err := b.readColumn(c, readers[c], buf); err != nil {
				return nil, fmt.Errorf("parquet row %d: column %s: %w", first, phNames[c], err)
			}
		}
		textSize = len(b.text)
		return b, nil
	})
}

// sendBatches cuts a row group's rows into batches of batchRows, numbered
// from *row (which it advances), each read by next, and sends them on out in
// order.
func sendBatches(ctx context.Context, rows int64, row *int, out chan<- ingest.Batch, next func(first, n int) (ingest.Batch, error)) error {
	for left := rows; left > 0; {
		n := int(min(left, int64(batchRows)))
		b, err := next(*row, n)
		if err != nil {
			return err
		}
		select {
		case out <- b:
		case <-ctx.Done():
			return ctx.Err()
		}
		*row += n
		left -= int64(n)
	}
	return nil
}

// readColumn reads the batch's n values of column c.
func (b *phBatch) readColumn(c int, r parquet.ColumnChunkValueReader, buf []parquet.Value) error {
	b.null[c] = make([]bool, b.n)
	intTime := c == phTimestamp && b.layout.tsStep > 0
	if intTime {
		b.ts = make([]int64, b.n)
	} else {
		b.base[c], b.ends[c] = len(b.text), make([]int, b.n)
	}
	for i := 0; i < b.n; {
		k, err := r.ReadValues(buf[:min(len(buf), b.n-i)])
		for _, v := range buf[:k] {
			switch {
			case v.IsNull():
				b.null[c][i] = true
			case intTime:
				b.ts[i] = v.Int64()
			default:
				b.text = append(b.text, v.ByteArray()...)
			}
			if !intTime {
				b.ends[c][i] = len(b.text)
			}
			i++
		}
		if err != nil && !(errors.Is(err, io.EOF) && i == b.n) {
			if errors.Is(err, io.EOF) {
				return fmt.Errorf("%d values short of the row group's rows", b.n-i)
			}
			return err
		}
		if k == 0 && err == nil {
			return io.ErrNoProgress
		}
	}
	return nil
}
