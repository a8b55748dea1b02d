package ingest

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/sep-project/sep/core"
)

// csvSource reads the generic CSV (columns named by core.CSVColumns) or a PostHog
// CSV export (event, distinct_id, timestamp, uuid, and either a properties
// column holding JSON or flattened properties.$groups.<type> columns).
type csvSource struct {
	r                                        *csv.Reader
	file                                     string
	posthog                                  bool
	keys                                     []string
	col                                      map[string]int // lower-cased header -> index
	user, account, event, ts, typ, msg, anon int
	props                                    int
	groups                                   []int // PostHog flattened properties.$groups.* columns
	gtypes                                   []string
	header                                   []string
	layout                                   string         // the layout recognised ("" for PostHog)
	kind                                     core.Kind      // KindPage for Segment's pages table
	tz                                       *time.Location // Options.InputTZ
}

// A csvLayout is a table layout the CSV reader recognises by its header.
type csvLayout struct {
	name string
	// needs are the columns that identify the layout; unless is a column
	// whose presence rules it out.
	needs  []string
	unless string
	cols   core.CSVColumns
	// kind is the kind of every row (Segment's pages table); KindTrack means
	// "by the type column, else by the event name".
	kind core.Kind
}

// csvLayouts are the layouts recognised without flags, in the order they are
// tried (docs/formats.md lists them).
var csvLayouts = []csvLayout{
	{name: "fivetran_mixpanel", needs: []string{"name", "time", "distinct_id"}, unless: "event",
		cols: core.CSVColumns{Event: "name", Timestamp: "time", UserID: "distinct_id", MessageID: "insert_id"}},
	{name: "fivetran_amplitude", needs: []string{"event_type", "event_time"},
		cols: core.CSVColumns{Event: "event_type", Timestamp: "event_time", UserID: "user_id", AnonymousID: "device_id", MessageID: "insert_id"}},
	{name: "segment_pages", needs: []string{"name", "timestamp", "anonymous_id"}, unless: "event",
		cols: core.CSVColumns{Event: "name", Timestamp: "timestamp", UserID: "user_id", AnonymousID: "anonymous_id", AccountID: "context_group_id", MessageID: "id"}, kind: core.KindPage},
	{name: "segment_tracks", needs: []string{"event_text", "timestamp", "anonymous_id"}, // the name as sent
		cols: core.CSVColumns{Event: "event_text", Timestamp: "timestamp", UserID: "user_id", AnonymousID: "anonymous_id", AccountID: "context_group_id", MessageID: "id"}},
	{name: "segment_tracks", needs: []string{"event", "timestamp", "anonymous_id", "context_group_id"},
		cols: core.CSVColumns{Event: "event", Timestamp: "timestamp", UserID: "user_id", AnonymousID: "anonymous_id", AccountID: "context_group_id", MessageID: "id"}},
	{name: "sep", needs: []string{"event", "timestamp"},
		cols: core.CSVColumns{Event: "event", Timestamp: "timestamp", UserID: "user_id", AnonymousID: "anonymous_id", AccountID: "account_id", Type: "type", MessageID: "message_id"}},
}

// CSVLayouts names the CSV layouts recognised from the header, in the order
// they are tried.
func CSVLayouts() []string {
	var names []string
	for _, l := range csvLayouts {
		if len(names) == 0 || names[len(names)-1] != l.name {
			names = append(names, l.name)
		}
	}
	return names
}

// pickLayout returns the layout for a header: the columns the options name
// ("columns", defaults filling the rest), else the first recognised layout.
func pickLayout(col map[string]int, c core.CSVColumns) (csvLayout, bool) {
	if c != (core.CSVColumns{}) {
		def := csvLayouts[len(csvLayouts)-1].cols
		fill := func(v *string, d string) {
			if *v == "" {
				*v = d
			}
		}
		fill(&c.Event, def.Event)
		fill(&c.Timestamp, def.Timestamp)
		fill(&c.UserID, def.UserID)
		fill(&c.AnonymousID, def.AnonymousID)
		fill(&c.AccountID, def.AccountID)
		fill(&c.Type, def.Type)
		fill(&c.MessageID, def.MessageID)
		return csvLayout{name: "columns", cols: c}, true
	}
	for _, l := range csvLayouts {
		ok := true
		for _, n := range l.needs {
			if _, has := col[n]; !has {
				ok = false
			}
		}
		if _, has := col[l.unless]; l.unless != "" && has {
			ok = false
		}
		if ok {
			return l, true
		}
	}
	return csvLayout{}, false
}

// csvNeeds is the error of a header no layout fits: every column needed and
// the flag that names them.
func csvNeeds(file string, header []string) error {
	return core.KeyedErrorf("csv_no_layout", map[string]any{"file": core.DisplayName(file), "columns": header}, "%s: line 1: the CSV header fits none of the layouts sep knows (%s): "+
		"it needs an event column (event, name or event_type), a timestamp column (timestamp, time or event_time) "+
		"and a user column (user_id, distinct_id or anonymous_id), an account column optionally; the header has %s. "+
		"Name them with --csv-columns \"event=...,timestamp=...,user=...,account=...\" (config csv_columns)",
		core.DisplayName(file), strings.Join(CSVLayouts(), ", "), strings.Join(header, ", "))
}

// newCSVSource reads the header of a CSV input and finds its columns: the
// PostHog export's, else those of the layout the header fits (pickLayout).
func newCSVSource(r io.Reader, opt *Options, posthog bool) (*csvSource, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	s := &csvSource{r: cr, file: opt.File, posthog: posthog, keys: groupKeys(opt), tz: opt.InputTZ}
	if err := s.readHeader(); err != nil {
		return nil, err
	}
	l := csvLayout{name: "", cols: core.CSVColumns{UserID: "distinct_id", Event: "event", Timestamp: "timestamp", MessageID: "uuid"}}
	if !posthog {
		var ok bool
		if l, ok = pickLayout(s.col, opt.Columns); !ok {
			return nil, csvNeeds(opt.File, s.header)
		}
	}
	s.layout, s.kind = l.name, l.kind
	s.findColumns(l.cols)
	if err := s.checkColumns(l.cols); err != nil {
		return nil, err
	}
	s.props = -1
	if posthog {
		s.findPostHogColumns()
	}
	return s, nil
}

// readHeader reads the header row and indexes its lower-cased names.
func (s *csvSource) readHeader() error {
	header, err := s.r.Read()
	if err != nil {
		if err == io.EOF {
			return core.KeyedErrorf("csv_empty", map[string]any{"file": core.DisplayName(s.file)}, "%s: empty CSV: want a header row", core.DisplayName(s.file))
		}
		return core.KeyedErrorf("csv_header_syntax", map[string]any{"file": core.DisplayName(s.file)}, "%s: CSV header: %w", core.DisplayName(s.file), err)
	}
	s.header = append([]string(nil), header...) // ReuseRecord: keep our own copy
	s.col = make(map[string]int, len(s.header))
	for i, h := range s.header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := s.col[h]; !dup {
			s.col[h] = i
		}
	}
	return nil
}

// find returns the index of a column by name (any case), -1 when absent.
func (s *csvSource) find(name string) int {
	if i, ok := s.col[strings.ToLower(name)]; ok && name != "" {
		return i
	}
	return -1
}

// findColumns sets the index of each column c names (-1 when absent).
func (s *csvSource) findColumns(c core.CSVColumns) {
	s.event, s.ts = s.find(c.Event), s.find(c.Timestamp)
	s.user, s.anon = s.find(c.UserID), s.find(c.AnonymousID)
	s.account, s.typ, s.msg = s.find(c.AccountID), s.find(c.Type), s.find(c.MessageID)
	if s.account < 0 && !s.posthog {
		// No account column: Segment's context_group_id, else the first of
		// the group keys present (org_id, ...).
		for _, k := range append([]string{"context_group_id"}, s.keys...) {
			if s.account = s.find(k); s.account >= 0 {
				break
			}
		}
	}
}

// checkColumns is the error of a header without the event, timestamp or
// user columns c names.
func (s *csvSource) checkColumns(c core.CSVColumns) error {
	var missing, names []string // names: the columns alone, for a page's wording
	for _, m := range []struct {
		i    int
		name string
	}{{s.event, c.Event}, {s.ts, c.Timestamp}} {
		if m.i < 0 {
			missing = append(missing, fmt.Sprintf("%q", m.name))
			names = append(names, m.name)
		}
	}
	if s.user < 0 && s.anon < 0 {
		missing = append(missing, fmt.Sprintf("%q (or %q)", c.UserID, c.AnonymousID))
		names = append(names, c.UserID+"/"+c.AnonymousID)
	}
	if len(missing) == 0 {
		return nil
	}
	return core.KeyedErrorf("csv_missing_columns", map[string]any{"file": core.DisplayName(s.file), "missing": names, "columns": s.header}, "%s: line 1: the CSV header has no %s column (columns: %s); name the columns with --csv-columns \"event=...,timestamp=...,user=...,account=...\" (config csv_columns)",
		core.DisplayName(s.file), strings.Join(missing, ", "), strings.Join(s.header, ", "))
}

// findPostHogColumns finds a PostHog export's properties column (JSON) or
// its flattened properties.$groups.<type> columns; its accounts come from
// them, not from an account column.
func (s *csvSource) findPostHogColumns() {
	s.props = s.find("properties")
	s.account = -1
	for i, h := range s.header {
		if t, ok := strings.CutPrefix(h, "properties.$groups."); ok {
			s.groups = append(s.groups, i)
			s.gtypes = append(s.gtypes, t)
		}
	}
}

func (s *csvSource) field(rec []string, i int) string {
	if i < 0 || i >= len(rec) {
		return ""
	}
	return strings.TrimSpace(rec[i])
}

// next reads one row: its time, then the PostHog event or the generic row.
func (s *csvSource) next(emit func(*core.Event)) error {
	rec, line, err := s.read()
	if err != nil {
		return err
	}
	bad := func(pe *core.ParseError) error {
		pe.File, pe.Line = s.file, line
		return pe
	}
	name := s.field(rec, s.event)
	ms, perr := parseTimeIn(s.field(rec, s.ts), s.tz)
	if perr != nil {
		h := "timestamp"
		if s.ts >= 0 {
			h = s.headerName(s.ts)
		}
		return bad(fieldError(h, core.ReasonBadTimestamp, "invalid timestamp %q", s.field(rec, s.ts)))
	}
	var pe *core.ParseError
	if s.posthog {
		pe = s.posthogRow(rec, name, ms, emit)
	} else {
		pe = s.plainRow(rec, name, ms, emit)
	}
	if pe != nil {
		return bad(pe)
	}
	return nil
}

// read returns the next record and its line: io.EOF at the end, a
// *core.ParseError for a malformed row, another error for a failed read.
func (s *csvSource) read() ([]string, int, error) {
	rec, err := s.r.Read()
	if err == io.EOF {
		return nil, 0, io.EOF
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, 0, &core.ParseError{File: s.file, Line: pe.Line, Reason: core.ReasonBadCSV, Err: pe.Err}
		}
		return nil, 0, fmt.Errorf("%s: %w", core.DisplayName(s.file), err)
	}
	line := 0
	if len(rec) > 0 {
		line, _ = s.r.FieldPos(0)
	}
	return rec, line, nil
}

// posthogRow reads a row of PostHog's CSV export: its properties (JSON, with
// the flattened $groups columns put back in) and the event they make.
func (s *csvSource) posthogRow(rec []string, name string, ms int64, emit func(*core.Event)) *core.ParseError {
	if name == "" {
		return fieldError("event", core.ReasonMissingField, "missing event name")
	}
	props := map[string]any{}
	if raw := s.field(rec, s.props); raw != "" {
		if err := jsonUnmarshal([]byte(raw), &props); err != nil {
			return fieldError("properties", core.ReasonInvalidJSON, "properties is not a JSON object")
		}
	}
	if len(s.groups) > 0 {
		g, _ := props["$groups"].(map[string]any)
		if g == nil {
			g = map[string]any{}
		}
		for i, c := range s.groups {
			if v := s.field(rec, c); v != "" {
				g[s.gtypes[i]] = v
			}
		}
		props["$groups"] = g
	}
	return posthogEvent(name, s.field(rec, s.user), s.field(rec, s.msg), ms, props, s.keys, emit)
}

// plainRow reads a row of the generic CSV: its kind from the type column,
// else the layout's, else the event name's (plainKind).
func (s *csvSource) plainRow(rec []string, name string, ms int64, emit func(*core.Event)) *core.ParseError {
	e := core.Event{Name: name, TimeMs: ms, Kind: core.KindTrack, MessageID: s.field(rec, s.msg),
		UserID: s.field(rec, s.user), AccountID: s.field(rec, s.account)}
	if e.UserID == "" {
		e.UserID = s.field(rec, s.anon)
	}
	if t := s.field(rec, s.typ); t != "" {
		k, ok := core.ParseKind(t)
		if !ok {
			return fieldError(s.headerName(s.typ), core.ReasonUnknownType, "unknown type %q", t)
		}
		e.Kind = k
	} else if s.kind != core.KindTrack {
		e.Kind = s.kind
	} else {
		e.Kind = plainKind(name)
	}
	if e.Kind == core.KindTrack && name == "" {
		return fieldError(s.headerName(s.event), core.ReasonMissingField, "missing event name")
	}
	if e.Kind == core.KindGroup && e.AccountID == "" {
		return fieldError("account_id", core.ReasonMissingField, "group row without an account id")
	}
	emit(&e)
	return nil
}

func (s *csvSource) headerName(i int) string {
	if i >= 0 && i < len(s.header) {
		return strings.TrimSpace(strings.TrimPrefix(s.header[i], "\ufeff"))
	}
	return ""
}

// csvFormat is the generic CSV: any header not claimed by another format,
// read with the column layouts of csvLayouts (or --csv-columns).
func csvFormat() formatSpec {
	return formatSpec{name: core.FormatCSV, label: "CSV",
		csv: func(map[string]bool) int { return 1 }}
}
