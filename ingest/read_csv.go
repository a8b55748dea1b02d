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

// csvSource reads the generic CSV (columns named by CSVColumns) or a PostHog
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

func newCSVSource(r io.Reader, opt *Options, posthog bool) (*csvSource, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	s := &csvSource{r: cr, file: opt.File, posthog: posthog, keys: groupKeys(opt), tz: opt.InputTZ}
	header, err := cr.Read()
	if err != nil {
		if err == io.EOF {
			return nil, core.KeyedErrorf("csv_empty", map[string]any{"file": core.DisplayName(opt.File)}, "%s: empty CSV: want a header row", core.DisplayName(opt.File))
		}
		return nil, core.KeyedErrorf("csv_header_syntax", map[string]any{"file": core.DisplayName(opt.File)}, "%s: CSV header: %w", core.DisplayName(opt.File), err)
	}
	header = append([]string(nil), header...) // ReuseRecord: keep our own copy
	s.header = header
	s.col = make(map[string]int, len(header))
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := s.col[h]; !dup {
			s.col[h] = i
		}
	}
	find := func(name string) int {
		if i, ok := s.col[strings.ToLower(name)]; ok && name != "" {
			return i
		}
		return -1
	}
	var l csvLayout
	if posthog {
		l = csvLayout{name: "", cols: core.CSVColumns{UserID: "distinct_id", Event: "event", Timestamp: "timestamp", MessageID: "uuid"}}
	} else {
		var ok bool
		if l, ok = pickLayout(s.col, opt.Columns); !ok {
			return nil, csvNeeds(opt.File, header)
		}
	}
	s.layout, s.kind = l.name, l.kind
	c := l.cols
	s.event, s.ts = find(c.Event), find(c.Timestamp)
	s.user, s.anon = find(c.UserID), find(c.AnonymousID)
	s.account, s.typ, s.msg = find(c.AccountID), find(c.Type), find(c.MessageID)
	if s.account < 0 && !posthog {
		// No account column: Segment's context_group_id, else the first of
		// the group keys present (org_id, ...).
		for _, k := range append([]string{"context_group_id"}, s.keys...) {
			if s.account = find(k); s.account >= 0 {
				break
			}
		}
	}
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
	if len(missing) > 0 {
		return nil, core.KeyedErrorf("csv_missing_columns", map[string]any{"file": core.DisplayName(opt.File), "missing": names, "columns": header}, "%s: line 1: the CSV header has no %s column (columns: %s); name the columns with --csv-columns \"event=...,timestamp=...,user=...,account=...\" (config csv_columns)",
			core.DisplayName(opt.File), strings.Join(missing, ", "), strings.Join(header, ", "))
	}
	s.props = -1
	if posthog {
		s.props = find("properties")
		s.account = -1
		for i, h := range header {
			if t, ok := strings.CutPrefix(h, "properties.$groups."); ok {
				s.groups = append(s.groups, i)
				s.gtypes = append(s.gtypes, t)
			}
		}
	}
	return s, nil
}

func (s *csvSource) field(rec []string, i int) string {
	if i < 0 || i >= len(rec) {
		return ""
	}
	return strings.TrimSpace(rec[i])
}

func (s *csvSource) next(emit func(*core.Event)) error {
	rec, err := s.r.Read()
	if err == io.EOF {
		return io.EOF
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return &core.ParseError{File: s.file, Line: pe.Line, Reason: core.ReasonBadCSV, Err: pe.Err}
		}
		return fmt.Errorf("%s: %w", core.DisplayName(s.file), err)
	}
	line := 0
	if len(rec) > 0 {
		line, _ = s.r.FieldPos(0)
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
	if s.posthog {
		if name == "" {
			return bad(fieldError("event", core.ReasonMissingField, "missing event name"))
		}
		props := map[string]any{}
		if raw := s.field(rec, s.props); raw != "" {
			if err := jsonUnmarshal([]byte(raw), &props); err != nil {
				return bad(fieldError("properties", core.ReasonInvalidJSON, "properties is not a JSON object"))
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
		if pe := posthogEvent(name, s.field(rec, s.user), s.field(rec, s.msg), ms, props, s.keys, emit); pe != nil {
			return bad(pe)
		}
		return nil
	}
	e := core.Event{Name: name, TimeMs: ms, Kind: core.KindTrack, MessageID: s.field(rec, s.msg),
		UserID: s.field(rec, s.user), AccountID: s.field(rec, s.account)}
	if e.UserID == "" {
		e.UserID = s.field(rec, s.anon)
	}
	if t := s.field(rec, s.typ); t != "" {
		k, ok := core.ParseKind(t)
		if !ok {
			return bad(fieldError(s.headerName(s.typ), core.ReasonUnknownType, "unknown type %q", t))
		}
		e.Kind = k
	} else if s.kind != core.KindTrack {
		e.Kind = s.kind
	} else {
		e.Kind = plainKind(name)
	}
	if e.Kind == core.KindTrack && name == "" {
		return bad(fieldError(s.headerName(s.event), core.ReasonMissingField, "missing event name"))
	}
	if e.Kind == core.KindGroup && e.AccountID == "" {
		return bad(fieldError("account_id", core.ReasonMissingField, "group row without an account id"))
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
