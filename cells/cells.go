// Package cells reads the result of sep's warehouse query (package warehouse)
// back into a core.Rollup: CSV with a header, JSON lines or Parquet, as
// warehouses unload it, gzip or not, in one file or in shards.
package cells

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/parquetrows"
	"github.com/sep-project/sep/warehouse"
)

// Meta is what the query's meta rows say about the result.
type Meta struct {
	Format, Schema, TZ string
	Window             int
	AsOf               core.Day
	// DetailFrom is the first day whose cells are all present; HasDetail is
	// false when every day's cells are (sep sql --all-days).
	DetailFrom core.Day
	HasDetail  bool
	seen       map[string]bool
}

// Set holds the rows read from one or more result files, rolled up as they
// are read (in UTC days: the result's days are already local; Rollup moves
// them to the result's zone).
type Set struct {
	Meta  Meta
	r     *core.Rollup
	files []core.FileSummary
	rows  int64
	// lastDay caches the last day parsed (cells come sorted by day or user).
	lastDayText string
	lastDay     core.Day
}

// columns of the result, lower-cased (Snowflake unloads them upper-cased).
var columns = []string{"kind", "user_id", "account_id", "event", "nav", "day", "n", "time_ms", "name", "value"}

// The slots of a row's columns.
const (
	colKind = iota
	colUser
	colAccount
	colEvent
	colNav
	colDay
	colN
	colTimeMs
	colName
	colValue
	nColumns
)

// row is one result row by column slot; a missing or null value is "".
type row [nColumns]string

// slotOf returns the slot of a column name (any case), or -1.
func slotOf(name string) int {
	name = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(name, "\ufeff")))
	for i, c := range columns {
		if c == name {
			return i
		}
	}
	return -1
}

// ReadFile reads one result file into the set.
func (s *Set) ReadFile(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	return s.Read(f, st.Size(), name)
}

// Read reads one result (CSV with a header, JSON lines or Parquet, gzip or
// not) into the set; name is used in errors.
func (s *Set) Read(ra io.ReaderAt, size int64, name string) error {
	head := make([]byte, 4)
	n, _ := ra.ReadAt(head, 0)
	head = head[:n]
	before := s.rows
	var err error
	switch {
	case bytes.Equal(head, []byte("PAR1")):
		err = readParquet(ra, size, func(r *row, line int) error { return s.add(r, name, line) })
	default:
		var rd io.Reader = io.NewSectionReader(ra, 0, size)
		if len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b {
			zr, zerr := gzip.NewReader(rd)
			if zerr != nil {
				return fmt.Errorf("%s: %w", name, zerr)
			}
			defer zr.Close()
			rd = zr
		}
		err = readText(bufio.NewReaderSize(rd, 1<<20), func(r *row, line int) error { return s.add(r, name, line) })
	}
	var pe *core.ParseError
	if err != nil && !errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err != nil {
		return err
	}
	s.files = append(s.files, core.FileSummary{Name: displayName(name), Format: "cells", Events: s.rows - before})
	return nil
}

func displayName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		return name[i+1:]
	}
	return name
}

// readText reads JSON lines (first byte '{') or CSV with a header.
func readText(br *bufio.Reader, emit func(*row, int) error) error {
	first, err := br.Peek(1)
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return err
	}
	if first[0] == '{' {
		return readJSONLines(br, emit)
	}
	return readCSV(br, emit)
}

// readJSONLines reads one JSON object a line, its keys naming the columns;
// blank lines are skipped and not counted.
func readJSONLines(br *bufio.Reader, emit func(*row, int) error) error {
	line := 0
	for {
		b, err := br.ReadBytes('\n')
		if len(bytes.TrimSpace(b)) > 0 {
			line++
			var m map[string]any
			if jerr := json.Unmarshal(b, &m); jerr != nil {
				return fmt.Errorf("line %d: invalid JSON: %v", line, jerr)
			}
			var r row
			for k, v := range m {
				if i := slotOf(k); i >= 0 {
					r[i] = scalar(v)
				}
			}
			if err := emit(&r, line); err != nil {
				return err
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// readCSV reads CSV whose header names the columns (kind among them).
func readCSV(br *bufio.Reader, emit func(*row, int) error) error {
	cr := csv.NewReader(br)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("line 1: CSV header: %w", err)
	}
	slots := make([]int, len(header))
	hasKind := false
	for i, h := range header {
		slots[i] = slotOf(h)
		hasKind = hasKind || slots[i] == colKind
	}
	if !hasKind {
		return fmt.Errorf("line 1: no kind column: the header must name the query's columns (%s)", strings.Join(columns, ", "))
	}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		var r row
		for i, v := range rec {
			if i < len(slots) && slots[i] >= 0 {
				r[slots[i]] = v
			}
		}
		if err := emit(&r, line); err != nil {
			return err
		}
	}
}

// scalar writes a JSON value as the string a CSV unload would hold.
func scalar(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		if x {
			return "1"
		}
		return "0"
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int64:
		return strconv.FormatInt(x, 10)
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

// fieldError names the file, line and field of a bad value.
func fieldError(file string, line int, field, msg string) error {
	return &core.ParseError{File: file, Line: line, Field: field, Reason: core.ReasonBadField, Err: errors.New(msg)}
}

// add adds one result row.
func (s *Set) add(r *row, file string, line int) error {
	s.rows++
	if s.r == nil {
		s.r, _ = core.NewRollup("UTC")
	}
	at := rowAt{r: r, file: file, line: line}
	switch kind := strings.ToLower(r[colKind]); kind {
	case "cell":
		return s.addCell(at)
	case "member":
		return s.addMember(at)
	case "user_trait", "account_trait":
		return s.addTrait(at, kind == "account_trait")
	case "counter":
		return s.addCounter(at)
	case "meta":
		return s.setMeta(r[colName], r[colValue], file, line)
	default:
		return fieldError(file, line, "kind", fmt.Sprintf("%q is not a row kind of the query (cell, member, user_trait, account_trait, counter, meta)", r[colKind]))
	}
}

// rowAt is one result row and where it was read, for errors that name the
// file, line and field of a bad value.
type rowAt struct {
	r    *row
	file string
	line int
}

// num is the integer in the row's slot ("7.0", as some unloads write
// integers, reads as 7).
func (a rowAt) num(slot int) (int64, error) {
	v := a.r[slot]
	n, err := strconv.ParseInt(strings.TrimSuffix(v, ".0"), 10, 64)
	if err != nil {
		return 0, fieldError(a.file, a.line, columns[slot], fmt.Sprintf("%q is not an integer", v))
	}
	return n, nil
}

// need is the text in the row's slot, an error if it is empty.
func (a rowAt) need(slot int) (string, error) {
	if a.r[slot] == "" {
		return "", fieldError(a.file, a.line, columns[slot], "missing")
	}
	return a.r[slot], nil
}

// addCell adds a cell row: one (user, account, event, day)'s count.
func (s *Set) addCell(a rowAt) error {
	user, err := a.need(colUser)
	if err != nil {
		return err
	}
	ev, err := a.need(colEvent)
	if err != nil {
		return err
	}
	day, err := s.day(a.r[colDay])
	if err != nil {
		return fieldError(a.file, a.line, "day", err.Error())
	}
	n, err := a.num(colN)
	if err != nil {
		return err
	}
	if n < 1 || n > 1<<32-1 {
		return fieldError(a.file, a.line, "n", fmt.Sprintf("%d is out of range (1 to 4294967295)", n))
	}
	nav := a.r[colNav] == "1" || strings.EqualFold(a.r[colNav], "true")
	s.r.AddCount(core.Count{User: user, Account: a.r[colAccount], Event: ev, Navigation: nav, Day: day, N: uint32(n)})
	return nil
}

// addMember adds a member row: a user's latest group call.
func (s *Set) addMember(a rowAt) error {
	user, err := a.need(colUser)
	if err != nil {
		return err
	}
	acc, err := a.need(colAccount)
	if err != nil {
		return err
	}
	ms, err := a.num(colTimeMs)
	if err != nil {
		return err
	}
	s.r.AddMembership(core.Membership{User: user, Account: acc, TimeMs: ms})
	return nil
}

// addTrait adds a user_trait or (account) an account_trait row: a trait's
// latest value.
func (s *Set) addTrait(a rowAt, account bool) error {
	idSlot := colUser
	if account {
		idSlot = colAccount
	}
	id, err := a.need(idSlot)
	if err != nil {
		return err
	}
	key, err := a.need(colName)
	if err != nil {
		return err
	}
	ms, err := a.num(colTimeMs)
	if err != nil {
		return err
	}
	s.r.AddTrait(core.Trait{Account: account, ID: id, Key: key, Value: a.r[colValue], TimeMs: ms})
	return nil
}

// addCounter adds a counter row: an input counter (core.InputStats.AddCounter).
func (s *Set) addCounter(a rowAt) error {
	key, err := a.need(colName)
	if err != nil {
		return err
	}
	n, err := a.num(colN)
	if err != nil {
		return err
	}
	s.r.Input.AddCounter(key, n)
	return nil
}

// day parses a YYYY-MM-DD day, remembering the last one.
func (s *Set) day(text string) (core.Day, error) {
	if text == s.lastDayText && text != "" {
		return s.lastDay, nil
	}
	d, err := core.ParseDay(text)
	if err != nil {
		return 0, err
	}
	s.lastDayText, s.lastDay = text, d
	return d, nil
}

func (s *Set) setMeta(key, value, file string, line int) error {
	m := &s.Meta
	if m.seen == nil {
		m.seen = map[string]bool{}
	}
	m.seen[key] = true
	var err error
	switch key {
	case "format":
		m.Format = value
		if value != warehouse.CellsFormat {
			return fieldError(file, line, "value", fmt.Sprintf("format %q: this sep reads %s (run the query of this sep's sep sql)", value, warehouse.CellsFormat))
		}
	case "schema":
		m.Schema = value
	case "tz":
		m.TZ = value
	case "window":
		m.Window, err = strconv.Atoi(value)
	case "as_of":
		m.AsOf, err = core.ParseDay(value)
	case "detail_from":
		if value != "" {
			m.DetailFrom, err = core.ParseDay(value)
			m.HasDetail = err == nil
		}
	}
	if err != nil {
		return fieldError(file, line, "value", fmt.Sprintf("meta %s: %v", key, err))
	}
	return nil
}

// ErrNoMeta is returned when the result has no meta rows (not the query's result).
var ErrNoMeta = errors.New("no meta rows (format, tz, window, as_of): is this the result of sep sql's query, unloaded whole?")

// Check verifies the meta rows and that scoring with s reads no day the
// result summarised: the period, the previous periods the report reads and
// their 30-day windows must fall within the detailed days, and --trend needs
// every day (sep sql --all-days).
func (st *Set) Check(s core.Settings) error {
	m := st.Meta
	for _, k := range []string{"format", "tz", "window", "as_of", "detail_from"} {
		if !m.seen[k] {
			return ErrNoMeta
		}
	}
	if s.TZ != m.TZ {
		return fmt.Errorf("the cells were computed in time zone %s, not %s: run sep sql --tz %s again", m.TZ, s.TZ, s.TZ)
	}
	if !m.HasDetail {
		return nil
	}
	if s.Trend {
		return fmt.Errorf("--trend scores every month: run sep sql --all-days for its cells")
	}
	d := m.AsOf
	if s.AsOf != "" {
		d, _ = core.ParseDay(s.AsOf)
	}
	from := d - core.Day(warehouse.DetailDays(s.Window))
	if d > m.AsOf || from < m.DetailFrom {
		return fmt.Errorf("window %d as of %s reads days from %s to %s, but the cells detail %s to %s only: run sep sql with --window %d --as-of %s",
			s.Window, d, from, d, m.DetailFrom, m.AsOf, s.Window, d)
	}
	return nil
}

// Rollup returns the rollup of the rows read, in the result's time zone, with
// the query's input counters. Call it once, after reading every file.
func (st *Set) Rollup() (*core.Rollup, error) {
	r, err := core.NewRollup(st.Meta.TZ)
	if err != nil {
		return nil, err
	}
	if st.r == nil {
		r.Input.Files = st.files
		return r, nil
	}
	if r.TZ() != st.r.TZ() {
		// Days are calendar dates already: only the zone's name changes.
		st.r.Counts(r.AddCount)
		st.r.Memberships(r.AddMembership)
		st.r.Traits(r.AddTrait)
		r.Input = st.r.Input
	} else {
		r = st.r
	}
	r.Input.Files = st.files
	st.r = nil
	return r, nil
}

// readParquet reads a Parquet result: every column a scalar of the query's.
func readParquet(ra io.ReaderAt, size int64, emit func(*row, int) error) error {
	f, err := parquetrows.Open(ra, size)
	if err != nil {
		return err
	}
	if !parquetrows.Flat(f) {
		return fmt.Errorf("nested Parquet columns: the query's result has scalar columns only (%s)", strings.Join(columns, ", "))
	}
	cols := parquetrows.Columns(f)
	slots := make([]int, len(cols))
	for i, c := range cols {
		slots[i] = slotOf(c)
	}
	var r row
	return parquetrows.EachFlat(f, func(vals []any, n int) error {
		r = row{}
		for i, v := range vals {
			if slots[i] >= 0 {
				r[slots[i]] = scalar(v)
			}
		}
		return emit(&r, n)
	})
}
