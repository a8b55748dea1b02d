package core

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// A Rollup aggregates events per user, account, local day and event name, plus
// the facts scoring needs beside them: each user's latest group membership and
// the latest value of every user and account trait.
//
// Rollups merge: rolling up two halves of an input and merging them gives the
// same Rollup as rolling up the whole, in any order. Scoring is a pure function
// of (Rollup, Settings), so any setting but the time zone can change without
// reading the input again. The time zone decides which day an instant falls on
// and is fixed when the Rollup is made (see NewRollup).
//
// Memory grows with users × active days × distinct events per day, never with
// the number of events. A Rollup is not safe for concurrent use.
type Rollup struct {
	tz    string
	clock dayClock

	users    table
	accounts table // index 0 is "" (no account)
	names    table
	nav      []bool // names[i] came from a page or screen call

	counts        cellTable
	members       map[uint32]stamp // user -> latest group call (account index)
	userTraits    map[traitKey]traitVal
	accountTraits map[traitKey]traitVal

	// Input counts what was read.
	Input InputStats

	seen  idSet     // hashes of the event ids counted (SPEC "One event, once")
	valid plausible // the plausible times (SetTimeRange)

	ix *index // cells sorted for scoring; nil when stale
}

// countKey is one cell of the rollup.
type countKey struct {
	user, account, name uint32
	day                 Day
}

type stamp struct {
	timeMs  int64
	account uint32
}

type traitKey struct {
	id  uint32
	key string
}

type traitVal struct {
	timeMs int64
	value  string
}

// table interns strings to dense indexes.
type table struct {
	ids   map[string]uint32
	names []string
}

func (t *table) id(s string) uint32 {
	if i, ok := t.ids[s]; ok {
		return i
	}
	if t.ids == nil {
		t.ids = make(map[string]uint32)
	}
	s = strings.Clone(s) // s may share a reused read buffer (scanSegment)
	i := uint32(len(t.names))
	t.ids[s] = i
	t.names = append(t.names, s)
	return i
}

// InputStats counts what went into a Rollup.
type InputStats struct {
	// Events is every record read, including skipped and identity-only ones.
	Events int64 `json:"events"`
	// ActivityEvents is the track, page and screen events rolled up.
	ActivityEvents int64 `json:"activity_events"`
	// Skipped is the records not used: bad lines and events with no user id.
	Skipped int64 `json:"skipped"`
	// SkippedByReason splits Skipped by reason ("no_user", "invalid_json", ...).
	SkippedByReason map[string]int64 `json:"skipped_by_reason"`
	// Duplicates is the records that repeat an earlier record's id (counted
	// in Events, used once); omitted when none.
	Duplicates int64 `json:"duplicates,omitempty"`
	// Errors describes the first bad records, with file, line and field, in
	// file and line order.
	Errors []RecordError `json:"errors,omitempty"`
	// Files says how each input file was read, in reading order (Ingest adds
	// one per file; stores that receive deliveries keep none).
	Files []FileSummary `json:"files,omitempty"`
}

// AddCounter adds n to one input counter by the name stores keep it under:
// "events", "activity_events", "skipped", "duplicates" or "skip:<reason>".
// Unknown names are ignored (a newer store's counters read by an older sep).
func (s *InputStats) AddCounter(name string, n int64) {
	switch {
	case name == "events":
		s.Events += n
	case name == "duplicates":
		s.Duplicates += n
	case name == "activity_events":
		s.ActivityEvents += n
	case name == "skipped":
		s.Skipped += n
	case strings.HasPrefix(name, "skip:"):
		if s.SkippedByReason == nil {
			s.SkippedByReason = map[string]int64{}
		}
		s.SkippedByReason[name[5:]] += n
	}
}

// RecordError describes one bad record. It is written in JSON as its message,
// "file:line: field "x": what is wrong".
type RecordError struct {
	File    string
	Line    int
	Message string
}

// MarshalJSON writes the message.
func (e RecordError) MarshalJSON() ([]byte, error) { return json.Marshal(e.Message) }

// UnmarshalJSON reads a message back (file and line are not recovered).
func (e *RecordError) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &e.Message) }

// String returns the message.
func (e RecordError) String() string { return e.Message }

// MaxReportedErrors is how many bad records a Rollup keeps described.
const MaxReportedErrors = 20

// NewRollup returns an empty Rollup whose days are calendar dates in the IANA
// time zone tz ("" means UTC).
func NewRollup(tz string) (*Rollup, error) {
	if tz == "" {
		tz = "UTC"
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, fmt.Errorf("time zone %q: %w", tz, err)
	}
	r := &Rollup{
		tz:            tz,
		clock:         newDayClock(loc),
		members:       make(map[uint32]stamp),
		userTraits:    make(map[traitKey]traitVal),
		accountTraits: make(map[traitKey]traitVal),
		valid:         TimeRange{}.resolve(),
	}
	r.accounts.id("")
	return r, nil
}

// SetTimeRange sets the plausible event times (default: from DefaultEarliest,
// no clock). Add skips the events outside it.
func (r *Rollup) SetTimeRange(t TimeRange) { r.valid = t.resolve() }

// Reject returns the reason Add would skip an event for ("no_user",
// "timestamp_out_of_range", "id_too_long", ...), or "" when it would use it.
// It does not look at the event's id: see Add for repeats.
func (r *Rollup) Reject(e *Event) string {
	if e.UserID == "" {
		return ReasonNoUser
	}
	if reason := overLimit(e); reason != "" {
		return reason
	}
	if !r.valid.ok(e) {
		return ReasonTimeOutOfRange
	}
	return ""
}

// CountDuplicate counts one record that repeats an id counted before, such as
// a retried delivery a store recognised (SPEC "One event, once").
func (r *Rollup) CountDuplicate() {
	r.Input.Events++
	r.Input.Duplicates++
}

// TZ returns the time zone the Rollup's days are counted in.
func (r *Rollup) TZ() string { return r.tz }

// DayOf returns the local day of an instant given in ms since the epoch.
func (r *Rollup) DayOf(ms int64) Day { return r.clock.day(ms) }

// Add rolls up one event. Events Reject refuses are counted as skipped by
// reason; an event whose MessageID was added before is counted as a duplicate
// and not used again (ids span everything added to the Rollup, not what
// Merge brings in); identity-only events update memberships and traits only.
func (r *Rollup) Add(e *Event) {
	if reason := r.Reject(e); reason != "" {
		r.Input.Events++
		r.skip(reason)
		return
	}
	if e.MessageID != "" && !r.seen.insert(IDHash(e.MessageID)) {
		r.CountDuplicate()
		return
	}
	r.AddChecked(e)
}

// AddChecked rolls up an event its caller checked: Reject returned "" for it
// and its id, if any, is new (CheckIDs). The parallel readers check a block's
// ids in input order against the target, then add its events to a part.
func (r *Rollup) AddChecked(e *Event) {
	r.Input.Events++
	switch e.Kind {
	case KindTrack, KindPage, KindScreen:
		name := e.ActivityName()
		if name == "" {
			r.skip(ReasonNoEventName)
			return
		}
		r.Input.ActivityEvents++
		r.addCount(e.UserID, e.AccountID, name, e.Kind != KindTrack, r.clock.day(e.TimeMs), 1)
		if len(e.Traits) > 0 {
			r.setTraits(r.userTraits, r.users.id(e.UserID), e.Traits, e.TimeMs)
		}
	case KindGroup:
		if e.AccountID != "" {
			r.setMember(e.UserID, e.AccountID, e.TimeMs)
			if len(e.Traits) > 0 {
				r.setTraits(r.accountTraits, r.accounts.id(e.AccountID), e.Traits, e.TimeMs)
			}
		}
	case KindIdentify:
		if len(e.Traits) > 0 {
			r.setTraits(r.userTraits, r.users.id(e.UserID), e.Traits, e.TimeMs)
		}
	}
}

// Skip counts one record that could not be used, for the given reason.
func (r *Rollup) Skip(reason string, err error) {
	r.Input.Events++
	r.skip(reason)
	if err != nil && len(r.Input.Errors) < MaxReportedErrors {
		re := RecordError{Message: err.Error()}
		var pe *ParseError
		if errors.As(err, &pe) {
			re.File, re.Line = pe.File, pe.Line
		}
		r.Input.Errors = append(r.Input.Errors, re)
	}
}

func (r *Rollup) skip(reason string) {
	r.Input.Skipped++
	if r.Input.SkippedByReason == nil {
		r.Input.SkippedByReason = make(map[string]int64)
	}
	r.Input.SkippedByReason[reason]++
}

func (r *Rollup) addCount(user, account, name string, nav bool, day Day, n uint32) {
	r.ix = nil
	k := countKey{user: r.users.id(user), account: r.accounts.id(account), name: r.names.id(name), day: day}
	if int(k.name) == len(r.nav) {
		r.nav = append(r.nav, false)
	}
	if nav {
		r.nav[k.name] = true
	}
	r.counts.add(k, n)
}

// setMember records a group call; the latest by time wins, ties go to the
// larger account id so that the result does not depend on input order.
func (r *Rollup) setMember(user, account string, timeMs int64) {
	if account == "" {
		return
	}
	r.ix = nil
	u := r.users.id(user)
	a := r.accounts.id(account)
	old, ok := r.members[u]
	if !ok || timeMs > old.timeMs || (timeMs == old.timeMs && account > r.accounts.names[old.account]) {
		r.members[u] = stamp{timeMs: timeMs, account: a}
	}
}

func (r *Rollup) setTraits(m map[traitKey]traitVal, id uint32, traits map[string]string, timeMs int64) {
	for k, v := range traits {
		setTrait(m, traitKey{id, k}, traitVal{timeMs, v})
	}
}

func setTrait(m map[traitKey]traitVal, k traitKey, v traitVal) {
	old, ok := m[k]
	if !ok || v.timeMs > old.timeMs || (v.timeMs == old.timeMs && v.value > old.value) {
		m[k] = v
	}
}

// Count is one cell of a Rollup: how many times a user performed an event on a
// day, attributed to an explicit account ("" when the events carried none).
type Count struct {
	User, Account, Event string
	// Navigation is true when the event came from page or screen calls.
	Navigation bool
	Day        Day
	N          uint32
}

// Membership is a user's latest group call.
type Membership struct {
	User, Account string
	TimeMs        int64
}

// Trait is the latest value of a user or account trait.
type Trait struct {
	// Account is true for account (group) traits, false for user traits.
	Account bool
	ID, Key string
	Value   string
	TimeMs  int64
}

// AddCount adds a cell, as read back from a store or another Rollup.
func (r *Rollup) AddCount(c Count) {
	r.addCount(c.User, c.Account, c.Event, c.Navigation, c.Day, c.N)
}

// AddMembership records a group membership, as read back from a store.
func (r *Rollup) AddMembership(m Membership) { r.setMember(m.User, m.Account, m.TimeMs) }

// AddTrait records a trait value, as read back from a store.
func (r *Rollup) AddTrait(t Trait) {
	if t.Account {
		setTrait(r.accountTraits, traitKey{r.accounts.id(t.ID), t.Key}, traitVal{t.TimeMs, t.Value})
	} else {
		setTrait(r.userTraits, traitKey{r.users.id(t.ID), t.Key}, traitVal{t.TimeMs, t.Value})
	}
}

// Counts calls fn for every cell, in no particular order.
func (r *Rollup) Counts(fn func(Count)) {
	r.counts.each(func(k countKey, n uint32) {
		fn(Count{User: r.users.names[k.user], Account: r.accounts.names[k.account],
			Event: r.names.names[k.name], Navigation: r.nav[k.name], Day: k.day, N: n})
	})
}

// Memberships calls fn for every user's latest group call.
func (r *Rollup) Memberships(fn func(Membership)) {
	for u, s := range r.members {
		fn(Membership{User: r.users.names[u], Account: r.accounts.names[s.account], TimeMs: s.timeMs})
	}
}

// Traits calls fn for every user and account trait.
func (r *Rollup) Traits(fn func(Trait)) {
	for k, v := range r.userTraits {
		fn(Trait{ID: r.users.names[k.id], Key: k.key, Value: v.value, TimeMs: v.timeMs})
	}
	for k, v := range r.accountTraits {
		fn(Trait{Account: true, ID: r.accounts.names[k.id], Key: k.key, Value: v.value, TimeMs: v.timeMs})
	}
}

// Settle finishes the adds still pending in the cells (a sort), which the
// Rollup would otherwise do when first read: a reader that adds on several
// goroutines calls it on each before merging, so that the work stays on
// that goroutine's core.
func (r *Rollup) Settle() { r.counts.settle() }

// Len returns the number of cells, a measure of the Rollup's size.
func (r *Rollup) Len() int { return r.counts.len() }

// Merge adds everything in o to r. Both must use the same time zone. o may share
// storage with r afterwards: do not use it again.
func (r *Rollup) Merge(o *Rollup) error {
	if o.tz != r.tz {
		return fmt.Errorf("merge rollups: time zones differ (%s and %s)", r.tz, o.tz)
	}
	r.ix = nil
	if r.isEmpty() {
		// Adopt o's content (o must not be used afterwards, as with every merge
		// source), keeping r's ids and time range.
		in, seen, valid := r.Input, r.seen, r.valid
		*r = *o
		r.seen, r.valid = seen, valid
		r.ix = nil
		r.Input = InputStats{}
		r.Input.merge(&in)
		r.Input.merge(&o.Input)
		return nil
	}
	// Map o's interned strings to r's once, then add cells by index.
	users := remap(&r.users, &o.users)
	accounts := remap(&r.accounts, &o.accounts)
	names := remap(&r.names, &o.names)
	for len(r.nav) < len(r.names.names) {
		r.nav = append(r.nav, false)
	}
	for i, nav := range o.nav {
		if nav {
			r.nav[names[i]] = true
		}
	}
	r.counts.addRemapped(&o.counts, users, accounts, names)
	o.Memberships(r.AddMembership)
	o.Traits(r.AddTrait)
	r.Input.merge(&o.Input)
	return nil
}

// isEmpty reports whether nothing was rolled up or recorded yet.
func (r *Rollup) isEmpty() bool {
	return r.counts.empty() && len(r.members) == 0 && len(r.userTraits) == 0 && len(r.accountTraits) == 0
}

// remap interns every string of from into to and returns the new indexes.
func remap(to, from *table) []uint32 {
	out := make([]uint32, len(from.names))
	for i, s := range from.names {
		out[i] = to.id(s)
	}
	return out
}

func (s *InputStats) merge(o *InputStats) {
	s.Events += o.Events
	s.ActivityEvents += o.ActivityEvents
	s.Skipped += o.Skipped
	s.Duplicates += o.Duplicates
	for k, v := range o.SkippedByReason {
		if s.SkippedByReason == nil {
			s.SkippedByReason = make(map[string]int64)
		}
		s.SkippedByReason[k] += v
	}
	s.Errors = append(s.Errors, o.Errors...)
	s.Files = append(s.Files, o.Files...)
	sort.SliceStable(s.Errors, func(i, j int) bool {
		a, b := s.Errors[i], s.Errors[j]
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
	if len(s.Errors) > MaxReportedErrors {
		s.Errors = s.Errors[:MaxReportedErrors]
	}
}
