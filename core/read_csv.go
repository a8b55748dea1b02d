package core

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
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
}

func newCSVSource(r io.Reader, opt *ReadOptions, posthog bool) (*csvSource, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	s := &csvSource{r: cr, file: opt.File, posthog: posthog, keys: groupKeys(opt)}
	header, err := cr.Read()
	if err != nil {
		if err == io.EOF {
			return nil, fmt.Errorf("%s: empty CSV: want a header row", displayName(opt.File))
		}
		return nil, fmt.Errorf("%s: CSV header: %w", displayName(opt.File), err)
	}
	s.col = make(map[string]int, len(header))
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := s.col[h]; !dup {
			s.col[h] = i
		}
	}
	find := func(name, def string, required bool) (int, error) {
		if name == "" {
			name = def
		}
		i, ok := s.col[strings.ToLower(name)]
		if !ok {
			if required {
				return -1, fmt.Errorf("%s: line 1: the CSV header has no %q column (columns: %s)",
					displayName(opt.File), name, strings.Join(header, ", "))
			}
			return -1, nil
		}
		return i, nil
	}
	c := opt.Columns
	if posthog {
		c = CSVColumns{UserID: "distinct_id", Event: "event", Timestamp: "timestamp", MessageID: "uuid"}
	}
	var errs []error
	var e error
	if s.event, e = find(c.Event, "event", true); e != nil {
		errs = append(errs, e)
	}
	if s.ts, e = find(c.Timestamp, "timestamp", true); e != nil {
		errs = append(errs, e)
	}
	s.anon, _ = find(c.AnonymousID, "anonymous_id", false)
	if s.user, e = find(c.UserID, "user_id", s.anon < 0); e != nil {
		errs = append(errs, e)
	}
	s.account, _ = find(c.AccountID, "account_id", false)
	s.typ, _ = find(c.Type, "type", false)
	s.msg, _ = find(c.MessageID, "message_id", false)
	s.props = -1
	if posthog {
		s.props, _ = find("properties", "", false)
		s.account = -1
		for i, h := range header {
			if t, ok := strings.CutPrefix(h, "properties.$groups."); ok {
				s.groups = append(s.groups, i)
				s.gtypes = append(s.gtypes, t)
			}
		}
	}
	if len(errs) > 0 {
		return nil, errs[0]
	}
	return s, nil
}

func (s *csvSource) field(rec []string, i int) string {
	if i < 0 || i >= len(rec) {
		return ""
	}
	return strings.TrimSpace(rec[i])
}

func (s *csvSource) next(emit func(*Event)) error {
	rec, err := s.r.Read()
	if err == io.EOF {
		return io.EOF
	}
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return &ParseError{File: s.file, Line: pe.Line, Reason: ReasonBadCSV, Err: pe.Err}
		}
		return fmt.Errorf("%s: %w", displayName(s.file), err)
	}
	line := 0
	if len(rec) > 0 {
		line, _ = s.r.FieldPos(0)
	}
	bad := func(pe *ParseError) error {
		pe.File, pe.Line = s.file, line
		return pe
	}
	name := s.field(rec, s.event)
	ms, perr := parseTime(s.field(rec, s.ts))
	if perr != nil {
		h := "timestamp"
		if s.ts >= 0 {
			h = s.headerName(s.ts)
		}
		return bad(fieldError(h, ReasonBadTimestamp, "invalid timestamp %q", s.field(rec, s.ts)))
	}
	if s.posthog {
		if name == "" {
			return bad(fieldError("event", ReasonMissingField, "missing event name"))
		}
		props := map[string]any{}
		if raw := s.field(rec, s.props); raw != "" {
			if err := jsonUnmarshal([]byte(raw), &props); err != nil {
				return bad(fieldError("properties", ReasonInvalidJSON, "properties is not a JSON object"))
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
	e := Event{Name: name, TimeMs: ms, Kind: KindTrack, MessageID: s.field(rec, s.msg),
		UserID: s.field(rec, s.user), AccountID: s.field(rec, s.account)}
	if e.UserID == "" {
		e.UserID = s.field(rec, s.anon)
	}
	if t := s.field(rec, s.typ); t != "" {
		k, ok := ParseKind(t)
		if !ok {
			return bad(fieldError(s.headerName(s.typ), ReasonUnknownType, "unknown type %q", t))
		}
		e.Kind = k
	} else {
		e.Kind = KindOfPlainEvent(name)
	}
	if e.Kind == KindTrack && name == "" {
		return bad(fieldError(s.headerName(s.event), ReasonMissingField, "missing event name"))
	}
	if e.Kind == KindGroup && e.AccountID == "" {
		return bad(fieldError("account_id", ReasonMissingField, "group row without an account id"))
	}
	emit(&e)
	return nil
}

func (s *csvSource) headerName(i int) string {
	for h, j := range s.col {
		if j == i {
			return h
		}
	}
	return ""
}
