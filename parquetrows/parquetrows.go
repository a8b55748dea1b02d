// Package parquetrows reads the rows of a Parquet file as plain Go values
// (strings, numbers, booleans, RFC 3339 times, nested maps and lists), for
// the readers that take Parquet: sep score's events and the warehouse
// query's cells.
package parquetrows

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// Magic is the first four bytes of a Parquet file.
const Magic = "PAR1"

// Columns returns the names of the file's top-level columns, in order.
func Columns(f *parquet.File) []string {
	var out []string
	for _, fl := range f.Schema().Fields() {
		out = append(out, fl.Name())
	}
	return out
}

// Open opens a Parquet file.
func Open(ra io.ReaderAt, size int64) (*parquet.File, error) {
	f, err := parquet.OpenFile(ra, size)
	if err != nil {
		return nil, fmt.Errorf("parquet: %w", err)
	}
	return f, nil
}

// Each calls fn with every row (1-based number) as a map of column name to
// value: nil, string, int64, float64, bool, a time as RFC 3339 in UTC, or
// nested map[string]any and []any.
func Each(f *parquet.File, fn func(row map[string]any, n int) error) error {
	r := parquet.NewReader(f)
	defer r.Close()
	fields := f.Schema().Fields()
	for n := 1; ; n++ {
		m := map[string]any{}
		if err := r.Read(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("parquet row %d: %w", n, err)
		}
		for _, fl := range fields {
			if v, ok := m[fl.Name()]; ok {
				m[fl.Name()] = typed(fl, Plain(v))
			}
		}
		if err := fn(m, n); err != nil {
			return err
		}
	}
}

// Plain turns a reconstructed value into a plain one.
func Plain(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case string, bool, int64, float64:
		return x
	case []byte:
		return string(x)
	case int32:
		return int64(x)
	case int:
		return int64(x)
	case uint32:
		return int64(x)
	case uint64:
		return int64(x)
	case int16:
		return int64(x)
	case int8:
		return int64(x)
	case float32:
		return float64(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case map[string]any:
		for k, e := range x {
			x[k] = Plain(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = Plain(e)
		}
		return x
	default:
		return fmt.Sprint(x)
	}
}

// Export writes the file's rows as an export core reads, so that its format
// is detected as every other: a flat file with a properties column holding
// JSON text (PostHog's S3 batch export) as JSON lines with that text as an
// object; another flat file (a warehouse table) as CSV with its columns; a
// nested one (the raw Segment shape) as JSON lines, structs as objects.
func Export(f *parquet.File, w io.Writer) error {
	if !Flat(f) {
		return writeJSONLines(f, w)
	}
	cols := Columns(f)
	for _, c := range cols {
		if c == "properties" {
			return writeFlatJSONLines(f, cols, w)
		}
	}
	return writeCSV(f, cols, w)
}

func writeCSV(f *parquet.File, cols []string, w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(cols); err != nil {
		return err
	}
	rec := make([]string, len(cols))
	err := EachFlat(f, func(vals []any, _ int) error {
		for i, v := range vals {
			rec[i] = text(v)
		}
		return cw.Write(rec)
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// jsonColumns are the columns of text that exports fill with JSON objects
// (PostHog's batch export): written inline, not as strings. Text that is not
// JSON makes its line a bad record, counted by the reader like any other.
var jsonColumns = map[string]bool{"properties": true, "person_properties": true, "set": true, "set_once": true}

// writeFlatJSONLines writes one object per row, the JSON columns inline.
func writeFlatJSONLines(f *parquet.File, cols []string, w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	keys := make([][]byte, len(cols))
	inline := make([]bool, len(cols))
	for i, c := range cols {
		keys[i] = appendJSONString(nil, c)
		inline[i] = jsonColumns[c]
	}
	var line []byte
	err := EachFlat(f, func(vals []any, _ int) error {
		var err error
		if line, err = appendFlatLine(line[:0], keys, inline, vals); err != nil {
			return err
		}
		_, err = bw.Write(line)
		return err
	})
	if err != nil {
		return err
	}
	return bw.Flush()
}

// appendFlatLine appends a flat row as one JSON object and a newline: keys
// are the columns' names as JSON strings, null values are left out, and the
// text of an inline column that looks like a JSON object or array is written
// as it is.
func appendFlatLine(line []byte, keys [][]byte, inline []bool, vals []any) ([]byte, error) {
	line = append(line, '{')
	for i, v := range vals {
		if v == nil {
			continue
		}
		if len(line) > 1 {
			line = append(line, ',')
		}
		line = append(line, keys[i]...)
		line = append(line, ':')
		switch x := v.(type) {
		case string:
			if t := strings.TrimSpace(x); inline[i] && len(t) > 1 && (t[0] == '{' || t[0] == '[') {
				line = append(line, t...)
			} else {
				line = appendJSONString(line, x)
			}
		case int64:
			line = strconv.AppendInt(line, x, 10)
		case bool:
			line = strconv.AppendBool(line, x)
		default:
			b, err := json.Marshal(x)
			if err != nil {
				return line, err
			}
			line = append(line, b...)
		}
	}
	return append(line, '}', '\n'), nil
}

// appendJSONString appends s as a JSON string: quotes, backslashes and
// control characters escaped, other bytes as they are.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\t':
			b = append(b, '\\', 't')
		case '\r':
			b = append(b, '\\', 'r')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func writeJSONLines(f *parquet.File, w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	var line []byte
	var keys []string
	err := Each(f, func(m map[string]any, _ int) error {
		var err error
		if line, err = appendJSON(line[:0], dropNulls(m), &keys); err != nil {
			return err
		}
		_, err = bw.Write(append(line, '\n'))
		return err
	})
	if err != nil {
		return err
	}
	return bw.Flush()
}

// appendJSON appends a plain value as JSON, as encoding/json writes it
// without HTML escapes (members in key order), without its reflection: the
// text of nested Parquet rows. Strings that are not UTF-8, floats and other
// types are left to encoding/json. keys is scratch.
func appendJSON(b []byte, v any, keys *[]string) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		if !utf8.ValidString(x) {
			break
		}
		return appendJSONString(b, x), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case map[string]any:
		start := len(*keys)
		for k := range x {
			*keys = append(*keys, k)
		}
		sorted := (*keys)[start:]
		slices.Sort(sorted)
		b = append(b, '{')
		var err error
		for i, k := range sorted {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendJSON(b, k, keys); err != nil {
				return b, err
			}
			b = append(b, ':')
			if b, err = appendJSON(b, x[k], keys); err != nil {
				return b, err
			}
		}
		*keys = (*keys)[:start]
		return append(b, '}'), nil
	case []any:
		b = append(b, '[')
		var err error
		for i, e := range x {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendJSON(b, e, keys); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	}
	j, err := json.Marshal(v)
	return append(b, j...), err
}

// text writes a plain value as a CSV field.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

// typed applies a column's logical type to its plain value: timestamps (in
// ms, µs or ns since the epoch) become RFC 3339 times in UTC, dates
// YYYY-MM-DD; nested groups are walked.
func typed(node parquet.Node, v any) any {
	if v == nil {
		return nil
	}
	if !node.Leaf() {
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		for _, fl := range node.Fields() {
			if e, ok := m[fl.Name()]; ok {
				m[fl.Name()] = typed(fl, e)
			}
		}
		return m
	}
	lt := node.Type().LogicalType()
	if lt == nil {
		return v
	}
	n, isInt := v.(int64)
	if !isInt {
		return v
	}
	switch t := lt.Value.(type) {
	case *format.TimestampType:
		if t.Unit.Value == nil {
			return v
		}
		step := int64(t.Unit.Value.Duration())
		return time.Unix(0, 0).Add(time.Duration(n * step)).UTC().Format(time.RFC3339Nano)
	case *format.DateType:
		return time.Unix(n*86400, 0).UTC().Format("2006-01-02")
	}
	return v
}

// dropNulls removes null members of objects, nested ones too: a Parquet
// column that is null is a field the record did not have.
func dropNulls(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if e == nil {
				delete(x, k)
			} else {
				x[k] = dropNulls(e)
			}
		}
	case []any:
		for i, e := range x {
			x[i] = dropNulls(e)
		}
	}
	return v
}

// Flat reports whether every top-level column of the file is a leaf (a
// table of scalars, as warehouses unload them).
func Flat(f *parquet.File) bool {
	for _, fl := range f.Schema().Fields() {
		if !fl.Leaf() {
			return false
		}
	}
	return true
}

// EachFlat calls fn with every row of a flat file as one plain value per
// column (nil, string, int64, float64, bool; times as RFC 3339 in UTC, dates
// YYYY-MM-DD), in Columns order, without building a map per row. vals is
// reused between calls.
func EachFlat(f *parquet.File, fn func(vals []any, n int) error) error {
	fields := f.Schema().Fields()
	r := parquet.NewReader(f)
	defer r.Close()
	buf := make([]parquet.Row, 256)
	vals := make([]any, len(fields))
	n := 0
	for {
		k, err := r.ReadRows(buf)
		for _, row := range buf[:k] {
			n++
			clear(vals)
			for _, v := range row {
				c := v.Column()
				if c < 0 || c >= len(vals) || v.IsNull() {
					continue
				}
				vals[c] = typed(fields[c], leafValue(v))
			}
			if ferr := fn(vals, n); ferr != nil {
				return ferr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("parquet row %d: %w", n+1, err)
		}
	}
}

// leafValue is a leaf column's value as a plain one.
func leafValue(v parquet.Value) any {
	switch v.Kind() {
	case parquet.Boolean:
		return v.Boolean()
	case parquet.Int32:
		return int64(v.Int32())
	case parquet.Int64:
		return v.Int64()
	case parquet.Float:
		return float64(v.Float())
	case parquet.Double:
		return v.Double()
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return string(v.ByteArray())
	}
	return v.String()
}

// Reader returns the Export of f as a stream that is written ahead of its
// reader by up to 16 blocks of 1 MiB (io.Pipe would stall one side whenever
// the other works), and a stop to call when done reading.
func Reader(f *parquet.File) (io.Reader, func()) {
	br := &blockReader{blocks: make(chan []byte, 16), done: make(chan struct{})}
	go func() {
		w := &blockWriter{br: br}
		bw := bufio.NewWriterSize(w, 1<<20)
		err := Export(f, bw)
		if err == nil {
			err = bw.Flush()
		}
		br.err = err
		close(br.blocks)
	}()
	return br, func() {
		select {
		case <-br.done:
		default:
			close(br.done)
		}
		for range br.blocks { // let the writer finish
		}
	}
}

type blockReader struct {
	blocks chan []byte
	done   chan struct{}
	cur    []byte
	err    error // set before blocks is closed
}

func (r *blockReader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		b, ok := <-r.blocks
		if !ok {
			if r.err != nil {
				return 0, r.err
			}
			return 0, io.EOF
		}
		r.cur = b
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

type blockWriter struct{ br *blockReader }

var errStopped = errors.New("parquet: reading stopped")

func (w *blockWriter) Write(p []byte) (int, error) {
	b := append([]byte(nil), p...)
	select {
	case w.br.blocks <- b:
		return len(p), nil
	case <-w.br.done:
		return 0, errStopped
	}
}
