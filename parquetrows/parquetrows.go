// Package parquetrows reads the rows of a Parquet file as plain Go values
// (strings, numbers, booleans, RFC 3339 times, nested maps and lists), for
// the readers that take Parquet: sep score's events and the warehouse
// query's cells.
package parquetrows

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

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

// Export writes the file's rows as an export core reads: CSV with a header
// when every column is a scalar (warehouse tables, PostHog's S3 batch export,
// whose properties column holds JSON text), else JSON lines with nested
// columns as objects (the raw Segment shape).
func Export(f *parquet.File, w io.Writer) error {
	flat := true
	for _, fl := range f.Schema().Fields() {
		if !fl.Leaf() {
			flat = false
		}
	}
	if flat {
		return writeCSV(f, w)
	}
	return writeJSONLines(f, w)
}

func writeCSV(f *parquet.File, w io.Writer) error {
	cols := Columns(f)
	cw := csv.NewWriter(w)
	if err := cw.Write(cols); err != nil {
		return err
	}
	rec := make([]string, len(cols))
	err := Each(f, func(m map[string]any, _ int) error {
		for i, c := range cols {
			rec[i] = text(m[c])
		}
		return cw.Write(rec)
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

func writeJSONLines(f *parquet.File, w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return Each(f, func(m map[string]any, _ int) error {
		return enc.Encode(dropNulls(m))
	})
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
