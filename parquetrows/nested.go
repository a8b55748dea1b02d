package parquetrows

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/ingest"
)

// The raw Segment shape (a nested file) read on every core: only the columns
// Segment's decoder reads are decoded, a batch of rows at a time, by one
// goroutine; ReadBatches' workers write each row's values as Export writes
// them, together as its JSON line without the members the decoder passes
// over (keys in Export's order, nulls left out, as Export leaves them out),
// and decode it as Segment's JSON lines are. The decoder matches keys whatever
// their case, so every case of a read key is kept, in Export's order.

// segmentKeys are the members of a record Segment's decoder reads, in lower
// case; of context and properties it reads only groupId.
var segmentKeys = map[string]bool{"type": true, "event": true, "name": true, "userid": true, "anonymousid": true,
	"messageid": true, "timestamp": true, "originaltimestamp": true, "sentat": true, "receivedat": true,
	"groupid": true, "context": true, "properties": true, "traits": true, "batch": true}

// segNode is a member of a row's reduced JSON line: a leaf column, or a
// group of members (sorted by name, as Export writes a map's keys).
type segNode struct {
	key      []byte // the member's name as a JSON string
	leaf     int    // index in segLayout.leaves; -1 for a group
	def      int    // the definition level at which the member is present
	first    int    // for a group, the leaf whose level tells whether it is present
	children []*segNode
}

// segLeaf is a leaf column the line is written from.
type segLeaf struct {
	col  int // the file's leaf column index
	name string
	node parquet.Node
	def  int   // its max definition level: lower is null
	step int64 // ns per unit of an INT64 timestamp; 0 for other leaves
}

// segLayout is where a nested file holds the members Segment's decoder reads.
type segLayout struct {
	top    []*segNode
	leaves []segLeaf
	floats []segLeaf // the other float columns: a NaN or infinity stops Export
}

// segmentLayout returns the layout of a nested file, or false when a member
// the decoder reads is repeated (a list) or of a type whose Export text this
// path does not write (see leafKind): the file's text is read then.
func segmentLayout(f *parquet.File) (l *segLayout, ok bool) {
	l = &segLayout{}
	for _, fl := range sortedFields(f.Schema().Fields()) {
		name := strings.ToLower(fl.Name())
		if !segmentKeys[name] {
			continue
		}
		only := ""
		if (name == "context" || name == "properties") && !fl.Leaf() {
			only = "groupid"
		}
		n, ok := l.node(f.Schema(), fl, []string{fl.Name()}, 0, only)
		if !ok {
			return nil, false
		}
		if n != nil {
			l.top = append(l.top, n)
		}
	}
	return l, l.checkFloats(f.Schema())
}

// checkFloats lists the float columns not read, whose NaNs and infinities
// stop Export, and reports false when one is repeated.
func (l *segLayout) checkFloats(schema *parquet.Schema) bool {
	read := map[int]bool{}
	for _, lf := range l.leaves {
		read[lf.col] = true
	}
	for _, path := range schema.Columns() {
		leaf, _ := schema.Lookup(path...)
		if k := leaf.Node.Type().Kind(); (k == parquet.Float || k == parquet.Double) && !read[leaf.ColumnIndex] {
			if leaf.MaxRepetitionLevel > 0 {
				return false
			}
			l.floats = append(l.floats, segLeaf{col: leaf.ColumnIndex, name: strings.Join(path, "."), node: leaf.Node})
		}
	}
	return true
}

// node builds the member fl at path, whose parent is present at definition
// level def; only, when set, keeps only the children of that lower-case name.
// A group left without children is nil.
func (l *segLayout) node(schema *parquet.Schema, fl parquet.Field, path []string, def int, only string) (*segNode, bool) {
	if fl.Repeated() {
		return nil, false
	}
	if fl.Optional() {
		def++
	}
	n := &segNode{key: appendJSONString(nil, fl.Name()), leaf: -1, def: def}
	if fl.Leaf() {
		leaf, found := schema.Lookup(path...)
		if !found || !leafKind(fl) {
			return nil, false
		}
		n.leaf = len(l.leaves)
		l.leaves = append(l.leaves, segLeaf{col: leaf.ColumnIndex, name: strings.Join(path, "."), node: fl, def: leaf.MaxDefinitionLevel,
			step: timestampStep(fl)})
		return n, true
	}
	n.first = len(l.leaves)
	for _, c := range sortedFields(fl.Fields()) {
		if only != "" && strings.ToLower(c.Name()) != only {
			continue
		}
		cn, ok := l.node(schema, c, append(slices.Clip(path), c.Name()), def, "")
		if !ok {
			return nil, false
		}
		if cn != nil {
			n.children = append(n.children, cn)
		}
	}
	if len(n.children) == 0 {
		return nil, true
	}
	return n, true
}

// leafKind reports whether the leaf's values are written here as Export
// writes them: text (no logical type, or STRING), booleans, floats,
// integers with no logical type or a signed one's, and INT64 timestamps.
func leafKind(fl parquet.Field) bool {
	lt := fl.Type().LogicalType()
	switch fl.Type().Kind() {
	case parquet.Boolean, parquet.Float, parquet.Double:
		return lt == nil
	case parquet.ByteArray:
		if lt == nil {
			return true
		}
		_, ok := lt.Value.(*format.StringType)
		return ok
	case parquet.Int32, parquet.Int64:
		if lt == nil {
			return true
		}
		switch t := lt.Value.(type) {
		case *format.IntType:
			return t.IsSigned
		case *format.TimestampType:
			return t.Unit.Value != nil && fl.Type().Kind() == parquet.Int64
		}
	}
	return false
}

// timestampStep is ns per unit of an INT64 timestamp leaf, 0 for others.
func timestampStep(fl parquet.Field) int64 {
	if lt := fl.Type().LogicalType(); lt != nil && fl.Type().Kind() == parquet.Int64 {
		if ts, ok := lt.Value.(*format.TimestampType); ok && ts.Unit.Value != nil {
			return int64(ts.Unit.Value.Duration())
		}
	}
	return 0
}

// sortedFields returns fields by name, as Export orders a map's keys.
func sortedFields(fields []parquet.Field) []parquet.Field {
	out := slices.Clone(fields)
	slices.SortStableFunc(out, func(a, b parquet.Field) int { return strings.Compare(a.Name(), b.Name()) })
	return out
}

// segBatch is a run of rows: each text leaf's values laid end to end in
// text (leaf k from base[k], ends[k][i] the end of row i's value), other
// leaves' values in vals[k], and each value's definition level. The values
// are written as JSON on the workers.
type segBatch struct {
	layout *segLayout
	first  int // row number of the first row, from 1
	n      int
	text   []byte
	base   []int
	ends   [][]int
	vals   [][]parquet.Value
	defs   [][]int8
}

// Events puts each row's reduced JSON line together, in a buffer of the
// batch's own that is never overwritten (the events' strings are views of
// it), and decodes it.
func (b *segBatch) Events(emit func(*core.Event), skip func(*core.ParseError)) {
	dec := ingest.NewSegmentLines()
	lines := make([]byte, 0, len(b.text)+b.n*64)
	for i := 0; i < b.n; i++ {
		start := len(lines)
		lines = b.appendObject(lines, b.layout.top, i)
		if pe := dec.Line(lines[start:len(lines):len(lines)], emit); pe != nil {
			pe.Line = b.first + i
			skip(pe)
		}
	}
}

// appendObject appends row i's members of nodes as a JSON object.
func (b *segBatch) appendObject(line []byte, nodes []*segNode, i int) []byte {
	line = append(line, '{')
	empty := true
	for _, n := range nodes {
		if n.leaf < 0 && int(b.defs[n.first][i]) < n.def {
			continue // a null group
		}
		if n.leaf >= 0 && int(b.defs[n.leaf][i]) < b.layout.leaves[n.leaf].def {
			continue // a null value
		}
		if !empty {
			line = append(line, ',')
		}
		empty = false
		line = append(line, n.key...)
		line = append(line, ':')
		if n.leaf < 0 {
			line = b.appendObject(line, n.children, i)
			continue
		}
		line = b.appendValue(line, n.leaf, i)
	}
	return append(line, '}')
}

// appendValue appends row i's value of leaf k as Export writes it (typed,
// then appendJSON), without the copies: text as a view, a timestamp
// formatted in place. Floats that JSON has no text for stopped the read.
func (b *segBatch) appendValue(line []byte, k, i int) []byte {
	if b.vals[k] == nil {
		start := b.base[k]
		if i > 0 {
			start = b.ends[k][i-1]
		}
		s := b.text[start:b.ends[k][i]]
		if !utf8.Valid(s) {
			line, _ = appendJSON(line, string(s), nil) // encoding/json's text: no error
			return line
		}
		return appendJSONString(line, unsafe.String(unsafe.SliceData(s), len(s)))
	}
	v := b.vals[k][i]
	if step := b.layout.leaves[k].step; step > 0 {
		t := time.Unix(0, 0).Add(time.Duration(v.Int64() * step)).UTC() // as typed
		line = append(line, '"')
		line = t.AppendFormat(line, time.RFC3339Nano)
		return append(line, '"')
	}
	line, _ = appendJSON(line, leafValue(v), nil) // no NaN nor infinity: no error
	return line
}

// source returns the batches of the file's rows, read row group by row group.
func (l *segLayout) source(f *parquet.File) ingest.BatchSource {
	return func(ctx context.Context, out chan<- ingest.Batch) (err error) {
		row := 1
		defer func() {
			// The library may panic on a damaged page: an error, not a crash.
			if p := recover(); p != nil {
				err = fmt.Errorf("parquet row %d: damaged page: %v", row, p)
			}
		}()
		for _, rg := range f.RowGroups() {
			if err := l.readGroup(ctx, rg, &row, out); err != nil {
				return err
			}
		}
		return nil
	}
}

// readGroup sends a row group's rows as batches; row is the number of its first.
func (l *segLayout) readGroup(ctx context.Context, rg parquet.RowGroup, row *int, out chan<- ingest.Batch) error {
	chunks := rg.ColumnChunks()
	readers := make([]parquet.ColumnChunkValueReader, len(l.leaves))
	for k, lf := range l.leaves {
		readers[k] = parquet.NewColumnChunkValueReader(chunks[lf.col])
		defer readers[k].Close()
	}
	floats := make([]parquet.ColumnChunkValueReader, len(l.floats))
	for k, lf := range l.floats {
		floats[k] = parquet.NewColumnChunkValueReader(chunks[lf.col])
		defer floats[k].Close()
	}
	buf := make([]parquet.Value, 1024)
	textSize := 0
	return sendBatches(ctx, rg.NumRows(), row, out, func(first, n int) (ingest.Batch, error) {
		b := &segBatch{layout: l, first: first, n: n, text: make([]byte, 0, textSize+textSize/8),
			base: make([]int, len(l.leaves)), ends: make([][]int, len(l.leaves)), vals: make([][]parquet.Value, len(l.leaves)),
			defs: make([][]int8, len(l.leaves))}
		for k := range readers {
			if err := b.readLeaf(k, readers[k], buf); err != nil {
				return nil, b.readError(l.leaves[k], err)
			}
		}
		for k, r := range floats {
			if err := b.checkFloats(r, buf); err != nil {
				return nil, b.readError(l.floats[k], err)
			}
		}
		textSize = len(b.text)
		return b, nil
	})
}

// exportError is the error Export stops at: a value JSON has no text for.
type exportError struct{ err error }

func (e exportError) Error() string { return e.err.Error() }

// readError is the error of reading leaf lf: Export's as it is, others
// naming the batch's first row and the column.
func (b *segBatch) readError(lf segLeaf, err error) error {
	var ee exportError
	if errors.As(err, &ee) {
		return ee.err
	}
	return fmt.Errorf("parquet row %d: column %s: %w", b.first, lf.name, err)
}

// checkFloats reads the batch's n values of a float column that is not
// written, and returns Export's error at a NaN or an infinity.
func (b *segBatch) checkFloats(r parquet.ColumnChunkValueReader, buf []parquet.Value) error {
	return readValues(r, buf, b.n, func(_ int, v parquet.Value) error { return badFloat(v) })
}

// readValues calls fn with the next n values of r, numbered from 0.
func readValues(r parquet.ColumnChunkValueReader, buf []parquet.Value, n int, fn func(i int, v parquet.Value) error) error {
	for i := 0; i < n; {
		got, err := r.ReadValues(buf[:min(len(buf), n-i)])
		for _, v := range buf[:got] {
			if ferr := fn(i, v); ferr != nil {
				return ferr
			}
			i++
		}
		if err != nil && !(err == io.EOF && i == n) {
			if err == io.EOF {
				return fmt.Errorf("%d values short of the row group's rows", n-i)
			}
			return err
		}
		if got == 0 && err == nil {
			return io.ErrNoProgress
		}
	}
	return nil
}

// readLeaf reads the batch's n values of leaf k: text copied into the
// batch's text, other values kept, and Export's error at a float JSON has
// no text for.
func (b *segBatch) readLeaf(k int, r parquet.ColumnChunkValueReader, buf []parquet.Value) error {
	b.base[k], b.defs[k] = len(b.text), make([]int8, b.n)
	text := b.layout.leaves[k].node.Type().Kind() == parquet.ByteArray
	if text {
		b.ends[k] = make([]int, b.n)
	} else {
		b.vals[k] = make([]parquet.Value, b.n)
	}
	return readValues(r, buf, b.n, func(i int, v parquet.Value) error {
		b.defs[k][i] = int8(v.DefinitionLevel())
		if text {
			if !v.IsNull() {
				b.text = append(b.text, v.ByteArray()...)
			}
			b.ends[k][i] = len(b.text)
			return nil
		}
		b.vals[k][i] = v
		return badFloat(v)
	})
}

// badFloat is Export's error for a NaN or an infinity, nil for other values.
func badFloat(v parquet.Value) error {
	if v.IsNull() {
		return nil
	}
	if f, ok := leafValue(v).(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
		_, err := json.Marshal(f)
		return exportError{err}
	}
	return nil
}

// nestedFormat returns the format ingest.Read would find in the Export of
// the nested file f: opt.Format when set, or else what the start of that
// text shows (ingest.DetectFormat, on as much as ingest.Read looks at).
func nestedFormat(f *parquet.File, opt *ingest.Options) (core.Format, error) {
	if opt.Format != "" && opt.Format != core.FormatAuto {
		return opt.Format, nil
	}
	head, err := exportHead(f, ingest.PeekSize)
	if err != nil {
		return "", err
	}
	return ingest.DetectFormat(head, opt.File)
}

var errHeadFull = errors.New("head full")

// exportHead returns the first size bytes of the nested file's Export,
// written row by row as writeJSONLines writes them, and no further.
func exportHead(f *parquet.File, size int) ([]byte, error) {
	var head []byte
	var keys []string
	err := Each(f, func(m map[string]any, _ int) error {
		var err error
		if head, err = appendJSON(head, dropNulls(m), &keys); err != nil {
			return err
		}
		head = append(head, '\n')
		if len(head) >= size {
			return errHeadFull
		}
		return nil
	})
	if err != nil && !errors.Is(err, errHeadFull) {
		return nil, err
	}
	return head[:min(len(head), size)], nil
}
