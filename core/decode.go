package core

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// recordDecoder turns one JSON record (a line of a JSON-lines export, or an
// element of a JSON array) into events; emit's *Event is valid only during the
// call (copy it to keep it). Errors are *ParseError without File and
// Line, which the caller fills in. A decoder keeps scratch state: one per goroutine.
type recordDecoder interface {
	decode(rec []byte, emit func(*Event)) *ParseError
}

// newRecordDecoder returns the registered decoder of a JSON format.
func newRecordDecoder(f Format, opt *ReadOptions) (recordDecoder, error) {
	if s := specOf(f); s != nil && s.decoder != nil {
		return s.decoder(opt), nil
	}
	return nil, fmt.Errorf("format %s is not a JSON format", f)
}

// forRollup marks a decoder whose every event goes straight into Rollup.Add,
// which copies the strings it keeps: such a decoder may hand out events whose
// strings share the input's bytes (see scanSegment).
func forRollup(dec recordDecoder) {
	if d, ok := dec.(*segmentDecoder); ok {
		d.views = true
	}
}

// DefaultGroupKeys are the properties read as account ids in Mixpanel,
// Amplitude and PostHog exports when the config names none (config group_keys
// replaces the list); the first present wins, in this order.
var DefaultGroupKeys = []string{"$group_id",
	"org_id", "orgId", "organization_id", "organizationId",
	"company_id", "companyId", "account_id", "accountId",
	"group_id", "company", "account", "organization"}

// SystemEvents are the event names of exports without kinds (Mixpanel,
// Amplitude, PostHog, CSV) that no person performed: session markers, automatic
// and SDK events. They never count as activity nor as core event candidates;
// Amplitude's "[Amplitude] ..." automatic events are too (see IsSystemEvent).
var SystemEvents = []string{
	"session_start", "session_end", // Amplitude session markers
	"$opt_in", "$opt_out", "$feature_flag_called", "$feature_flag_response", // PostHog SDK events
	"$snapshot", "$performance_event", "$web_vitals", "$$heatmap", "$exception_list", // PostHog recordings and telemetry
	"$ae_session", "$ae_updated", "$ae_crashed", // Mixpanel automatic mobile events
}

var systemEventSet = func() map[string]bool {
	m := make(map[string]bool, len(SystemEvents))
	for _, n := range SystemEvents {
		m[n] = true
	}
	return m
}()

// IsSystemEvent reports whether an event name of an export without kinds is
// one no person performed: one of SystemEvents, or "[Amplitude] ...".
func IsSystemEvent(name string) bool {
	return systemEventSet[name] || strings.HasPrefix(name, "[Amplitude] ")
}

// plainKind is the kind of an event of an export without kinds: the
// identity-only names of KindOfPlainEvent, KindAlias (which rolls up nothing
// but the record count) for system events, KindTrack otherwise.
func plainKind(name string) Kind {
	if IsSystemEvent(name) {
		return KindAlias
	}
	return KindOfPlainEvent(name)
}

func groupKeys(opt *ReadOptions) []string {
	if len(opt.GroupKeys) > 0 {
		return opt.GroupKeys
	}
	return DefaultGroupKeys
}

func invalidJSON(err error) *ParseError {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 && strings.HasPrefix(msg, "json: ") {
		msg = msg[i+2:]
	}
	return &ParseError{Reason: ReasonInvalidJSON, Err: fmt.Errorf("invalid JSON: %s", msg)}
}

// flexString is a JSON string that may also be written as a number or null
// (ids often are).
type flexString string

// UnmarshalJSON accepts a string, a number or null.
func (f *flexString) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) == 0 || string(b) == "null":
		*f = ""
	case b[0] == '"':
		var s string
		if err := jsonUnmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	case b[0] == '-' || (b[0] >= '0' && b[0] <= '9'):
		*f = flexString(b)
	case string(b) == "true" || string(b) == "false":
		*f = flexString(b)
	default:
		return errors.New("want a string or a number")
	}
	return nil
}

// flexTime is a timestamp written as a string or an epoch number.
type flexTime struct {
	s   string
	num float64
	set int8 // 0 absent or null, 1 string, 2 number
}

// UnmarshalJSON accepts a string, a number or null.
func (t *flexTime) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) == 0 || string(b) == "null":
		*t = flexTime{}
	case b[0] == '"':
		t.set = 1
		return jsonUnmarshal(b, &t.s)
	default:
		f, err := strconv.ParseFloat(string(b), 64)
		if err != nil {
			return errors.New("want a string or a number")
		}
		t.set, t.num = 2, f
	}
	return nil
}

func (t *flexTime) ms() (int64, error) {
	switch t.set {
	case 1:
		return parseTime(t.s)
	case 2:
		return epochNumber(t.num)
	}
	return 0, errors.New("missing")
}

// received returns a receipt time in ms, 0 when absent or unreadable (it
// only bounds the event's own time: see TimeRange).
func (t *flexTime) received() int64 {
	if t.set == 0 {
		return 0
	}
	ms, err := t.ms()
	if err != nil {
		return 0
	}
	return ms
}

// timeField resolves the first present of several timestamp fields.
func timeField(names []string, vals ...*flexTime) (int64, *ParseError) {
	for i, v := range vals {
		if v.set == 0 {
			continue
		}
		ms, err := v.ms()
		if err != nil {
			shown := v.s
			if v.set == 2 {
				shown = strconv.FormatFloat(v.num, 'f', -1, 64)
			}
			return 0, fieldError(names[i], ReasonBadTimestamp, "invalid timestamp %q", shown)
		}
		return ms, nil
	}
	return 0, fieldError(names[0], ReasonMissingField, "missing timestamp")
}

// traitsOf converts JSON trait values to strings: numbers without exponent or
// trailing zeros, booleans as true/false; nested values and nulls are left out.
func traitsOf(m map[string]any) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if s, ok := scalarString(v); ok {
			out[k] = s
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func scalarString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case jsonNumber:
		return x.String(), true
	case bool:
		return strconv.FormatBool(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case uint64:
		return strconv.FormatUint(x, 10), true
	}
	return "", false
}

// firstScalar returns a scalar as a string, or the first element of an array.
func firstScalar(v any) string {
	if a, ok := v.([]any); ok {
		if len(a) == 0 {
			return ""
		}
		v = a[0]
	}
	s, _ := scalarString(v)
	return s
}

// groupFrom picks an account id from a map of group type -> id: the first of
// keys present, else the first type in sorted order.
func groupFrom(groups map[string]any, keys []string) string {
	if len(groups) == 0 {
		return ""
	}
	for _, k := range keys {
		if v, ok := groups[k]; ok {
			if s := firstScalar(v); s != "" {
				return s
			}
		}
	}
	types := make([]string, 0, len(groups))
	for k := range groups {
		types = append(types, k)
	}
	sort.Strings(types)
	for _, k := range types {
		if s := firstScalar(groups[k]); s != "" {
			return s
		}
	}
	return ""
}

// propertyGroup returns the first of the group keys present in an event's
// properties (see DefaultGroupKeys), or "".
func propertyGroup(props map[string]any, keys []string) string {
	for _, k := range keys {
		if s := firstScalar(props[k]); s != "" {
			return s
		}
	}
	return ""
}

// ---- Segment and RudderStack ----

type segmentRecord struct {
	Type              string     `json:"type"`
	Event             flexString `json:"event"`
	Name              flexString `json:"name"`
	UserID            flexString `json:"userId"`
	AnonymousID       flexString `json:"anonymousId"`
	MessageID         flexString `json:"messageId"`
	Timestamp         flexTime   `json:"timestamp"`
	OriginalTimestamp flexTime   `json:"originalTimestamp"`
	SentAt            flexTime   `json:"sentAt"`
	ReceivedAt        flexTime   `json:"receivedAt"`
	GroupID           flexString `json:"groupId"`
	Context           struct {
		GroupID flexString `json:"groupId"`
	} `json:"context"`
	Properties struct {
		GroupID flexString `json:"groupId"`
	} `json:"properties"`
	Traits map[string]any   `json:"traits"`
	Batch  *[]segmentRecord `json:"batch"`
}

var segmentTimeFields = []string{"timestamp", "originalTimestamp", "sentAt", "receivedAt"}

// segmentFast is segmentRecord with plain strings: most lines decode into it
// with one allocation per string present and none for custom unmarshalers.
// A line it cannot hold (a numeric id or an epoch timestamp) is decoded again
// into segmentRecord.
type segmentFast struct {
	Type              string `json:"type"`
	Event             string `json:"event"`
	Name              string `json:"name"`
	UserID            string `json:"userId"`
	AnonymousID       string `json:"anonymousId"`
	MessageID         string `json:"messageId"`
	Timestamp         string `json:"timestamp"`
	OriginalTimestamp string `json:"originalTimestamp"`
	SentAt            string `json:"sentAt"`
	ReceivedAt        string `json:"receivedAt"`
	GroupID           string `json:"groupId"`
	Context           struct {
		GroupID string `json:"groupId"`
	} `json:"context"`
	Properties struct {
		GroupID string `json:"groupId"`
	} `json:"properties"`
	Traits map[string]any    `json:"traits"`
	Batch  *[]jsonRawMessage `json:"batch"`
}

func (f *segmentFast) record(r *segmentRecord) {
	*r = segmentRecord{Type: f.Type, Event: flexString(f.Event), Name: flexString(f.Name), UserID: flexString(f.UserID),
		AnonymousID: flexString(f.AnonymousID), MessageID: flexString(f.MessageID), GroupID: flexString(f.GroupID), Traits: f.Traits}
	r.Context.GroupID = flexString(f.Context.GroupID)
	r.Properties.GroupID = flexString(f.Properties.GroupID)
	for _, t := range []struct {
		s   string
		dst *flexTime
	}{{f.Timestamp, &r.Timestamp}, {f.OriginalTimestamp, &r.OriginalTimestamp}, {f.SentAt, &r.SentAt}, {f.ReceivedAt, &r.ReceivedAt}} {
		if t.s != "" {
			*t.dst = flexTime{s: t.s, set: 1}
		}
	}
}

type segmentDecoder struct {
	fast segmentFast
	rec  segmentRecord
	ev   Event
	// views lets activity lines take scanSegment's path, whose events hold
	// strings that share the line's bytes: set only when every event goes
	// straight into a Rollup, which copies the strings it keeps.
	views bool
}

func (d *segmentDecoder) decode(b []byte, emit func(*Event)) *ParseError {
	if d.views && scanSegment(b, &d.fast) {
		d.fast.record(&d.rec)
		return segmentEvent(&d.rec, &d.ev, emit)
	}
	d.fast = segmentFast{}
	if err := jsonUnmarshal(b, &d.fast); err == nil {
		if d.fast.Batch != nil {
			return d.batch(*d.fast.Batch, emit)
		}
		d.fast.record(&d.rec)
		return segmentEvent(&d.rec, &d.ev, emit)
	}
	d.rec = segmentRecord{}
	if err := jsonUnmarshal(b, &d.rec); err != nil {
		return invalidJSON(err)
	}
	if d.rec.Batch != nil {
		var first *ParseError
		for i := range *d.rec.Batch {
			if pe := segmentEvent(&(*d.rec.Batch)[i], &d.ev, emit); pe != nil && first == nil {
				first = pe
				first.Field = fmt.Sprintf("batch[%d].%s", i, first.Field)
			}
		}
		return first
	}
	return segmentEvent(&d.rec, &d.ev, emit)
}

// batch decodes the elements of a {"batch": [...]} payload one by one.
func (d *segmentDecoder) batch(elems []jsonRawMessage, emit func(*Event)) *ParseError {
	var first *ParseError
	for i, el := range elems {
		var r segmentRecord
		pe := (*ParseError)(nil)
		if err := jsonUnmarshal(el, &r); err != nil {
			pe = invalidJSON(err)
		} else {
			pe = segmentEvent(&r, &d.ev, emit)
		}
		if pe != nil && first == nil {
			first = pe
			first.Field = strings.TrimSuffix(fmt.Sprintf("batch[%d].%s", i, first.Field), ".")
		}
	}
	return first
}

// segmentEvent converts one spec event (SPEC "Inputs").
// e is scratch space, reused from line to line.
func segmentEvent(r *segmentRecord, e *Event, emit func(*Event)) *ParseError {
	*e = Event{}
	switch r.Type {
	case "":
		if r.Event == "" {
			return fieldError("type", ReasonMissingField, "missing type (and no event name)")
		}
		e.Kind = KindTrack
	default:
		k, ok := ParseKind(r.Type)
		if !ok {
			return fieldError("type", ReasonUnknownType, "unknown type %q", r.Type)
		}
		e.Kind = k
	}
	ms, pe := timeField(segmentTimeFields, &r.Timestamp, &r.OriginalTimestamp, &r.SentAt, &r.ReceivedAt)
	if pe != nil {
		return pe
	}
	e.TimeMs = ms
	e.ReceivedMs = receivedBeside(&r.ReceivedAt, &r.Timestamp, ms)
	e.UserID = string(r.UserID)
	if e.UserID == "" {
		e.UserID = string(r.AnonymousID)
	}
	e.MessageID = string(r.MessageID)
	switch e.Kind {
	case KindTrack:
		if r.Event == "" {
			return fieldError("event", ReasonMissingField, "track call without an event name")
		}
		e.Name = string(r.Event)
	case KindPage, KindScreen:
		e.Name = string(r.Name)
	case KindIdentify:
		e.Traits = traitsOf(r.Traits)
	case KindGroup:
		e.AccountID = string(r.GroupID)
		if e.AccountID == "" {
			e.AccountID = string(r.Context.GroupID)
		}
		if e.AccountID == "" {
			return fieldError("groupId", ReasonMissingField, "group call without a groupId")
		}
		e.Traits = traitsOf(r.Traits)
	}
	if e.Kind.IsActivity() {
		e.AccountID = string(r.Context.GroupID)
		if e.AccountID == "" {
			e.AccountID = string(r.Properties.GroupID)
		}
		if e.AccountID == "" {
			e.AccountID = string(r.GroupID)
		}
	}
	emit(e)
	return nil
}

// ---- Mixpanel ----

type mixpanelRecord struct {
	Event      flexString     `json:"event"`
	Properties map[string]any `json:"properties"`
}

type mixpanelDecoder struct {
	groupKeys []string
	inputTZ   *time.Location
	rec       mixpanelRecord
	// offsets counts, per whole hour h != 0, the records whose time sits h
	// hours from $mp_api_timestamp_ms; withAPI counts the records that have it.
	offsets map[int]int64
	withAPI int64
}

func newMixpanelDecoder(opt *ReadOptions) *mixpanelDecoder {
	return &mixpanelDecoder{groupKeys: groupKeys(opt), inputTZ: opt.InputTZ}
}

func (d *mixpanelDecoder) decode(b []byte, emit func(*Event)) *ParseError {
	d.rec = mixpanelRecord{}
	if err := jsonUnmarshal(b, &d.rec); err != nil {
		return invalidJSON(err)
	}
	p := d.rec.Properties
	if d.rec.Event == "" {
		return fieldError("event", ReasonMissingField, "missing event name")
	}
	if p == nil {
		return fieldError("properties", ReasonMissingField, "missing properties")
	}
	ms, pe := anyTime("properties.time", p["time"])
	if pe != nil {
		return pe
	}
	if d.inputTZ != nil {
		ms = wallClockIn(ms, d.inputTZ)
	}
	d.noteOffset(ms, p["$mp_api_timestamp_ms"])
	e := Event{Name: string(d.rec.Event), TimeMs: ms, Kind: plainKind(string(d.rec.Event))}
	if ms, pe := anyTime("", p["$mp_api_timestamp_ms"]); pe == nil {
		e.ReceivedMs = ms
	}
	for _, k := range []string{"$user_id", "distinct_id", "$device_id"} {
		if e.UserID = firstScalar(p[k]); e.UserID != "" {
			break
		}
	}
	e.MessageID = firstScalar(p["$insert_id"])
	for _, k := range d.groupKeys {
		if e.AccountID = firstScalar(p[k]); e.AccountID != "" {
			break
		}
	}
	if e.Kind == KindGroup && e.AccountID == "" {
		return nil // a group profile update without a group: nothing to record
	}
	emit(&e)
	return nil
}

// offsetSlackMs is how far from a whole hour a record's time may sit from
// $mp_api_timestamp_ms and still count as a time zone offset.
const offsetSlackMs = 5 * 60 * 1000

// noteOffset counts how far the record's time sits from when Mixpanel's API
// received it ($mp_api_timestamp_ms), when that is a whole number of hours.
func (d *mixpanelDecoder) noteOffset(ms int64, api any) {
	a, ok := api.(float64)
	if !ok {
		if s, isStr := api.(string); isStr {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return
			}
			a = v
		} else {
			return
		}
	}
	d.withAPI++
	diff := ms - int64(a)
	h := int((diff + sign(diff)*1800_000) / 3600_000)
	if h == 0 || h < -14 || h > 14 {
		return
	}
	if rest := diff - int64(h)*3600_000; rest < -offsetSlackMs || rest > offsetSlackMs {
		return
	}
	if d.offsets == nil {
		d.offsets = map[int]int64{}
	}
	d.offsets[h]++
}

func sign(x int64) int64 {
	if x < 0 {
		return -1
	}
	return 1
}

// note adds what the decoder saw to a file's notes.
func (d *mixpanelDecoder) note(n *fileNotes) {
	n.withAPI += d.withAPI
	for h, c := range d.offsets {
		if n.offsets == nil {
			n.offsets = map[int]int64{}
		}
		n.offsets[h] += c
	}
	d.withAPI, d.offsets = 0, nil
}

// wallClockIn reads ms as a wall-clock time in loc (written as if it were UTC,
// as legacy Mixpanel projects export time) and returns the instant it names.
func wallClockIn(ms int64, loc *time.Location) int64 {
	t := time.UnixMilli(ms).UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), loc).UnixMilli()
}

// anyTime reads a decoded JSON timestamp: an epoch number or a string.
func anyTime(field string, v any) (int64, *ParseError) {
	switch x := v.(type) {
	case nil:
		return 0, fieldError(field, ReasonMissingField, "missing timestamp")
	case float64:
		ms, err := epochNumber(x)
		if err != nil {
			return 0, fieldError(field, ReasonBadTimestamp, "invalid timestamp %v", x)
		}
		return ms, nil
	case string:
		ms, err := parseTime(x)
		if err != nil {
			return 0, fieldError(field, ReasonBadTimestamp, "invalid timestamp %q", x)
		}
		return ms, nil
	}
	return 0, fieldError(field, ReasonBadTimestamp, "invalid timestamp %v", v)
}

// ---- Amplitude ----

type amplitudeRecord struct {
	EventType        flexString     `json:"event_type"`
	UserID           flexString     `json:"user_id"`
	DeviceID         flexString     `json:"device_id"`
	EventTime        flexTime       `json:"event_time"`
	ClientEventTime  flexTime       `json:"client_event_time"`
	ServerUploadTime flexTime       `json:"server_upload_time"`
	ServerReceived   flexTime       `json:"server_received_time"`
	Groups           map[string]any `json:"groups"`
	UserProperties   map[string]any `json:"user_properties"`
	GroupProperties  map[string]any `json:"group_properties"`
	EventProperties  map[string]any `json:"event_properties"`
	InsertID         flexString     `json:"insert_id"`
	DollarInsertID   flexString     `json:"$insert_id"`
	UUID             flexString     `json:"uuid"`
}

var amplitudeTimeFields = []string{"event_time", "client_event_time", "server_upload_time"}

type amplitudeDecoder struct {
	groupKeys []string
	rec       amplitudeRecord
}

func (d *amplitudeDecoder) decode(b []byte, emit func(*Event)) *ParseError {
	d.rec = amplitudeRecord{}
	r := &d.rec
	if err := jsonUnmarshal(b, r); err != nil {
		return invalidJSON(err)
	}
	if r.EventType == "" {
		return fieldError("event_type", ReasonMissingField, "missing event_type")
	}
	ms, pe := timeField(amplitudeTimeFields, &r.EventTime, &r.ClientEventTime, &r.ServerUploadTime)
	if pe != nil {
		return pe
	}
	e := Event{Name: string(r.EventType), TimeMs: ms, Kind: plainKind(string(r.EventType))}
	if e.ReceivedMs = r.ServerReceived.received(); e.ReceivedMs == 0 {
		e.ReceivedMs = r.ServerUploadTime.received()
	}
	e.UserID = string(r.UserID)
	if e.UserID == "" {
		e.UserID = string(r.DeviceID)
	}
	e.MessageID = string(r.InsertID)
	if e.MessageID == "" {
		e.MessageID = string(r.DollarInsertID)
	}
	if e.MessageID == "" {
		e.MessageID = string(r.UUID)
	}
	e.AccountID = groupFrom(r.Groups, d.groupKeys)
	if e.AccountID == "" {
		e.AccountID = propertyGroup(r.EventProperties, d.groupKeys)
	}
	switch e.Kind {
	case KindIdentify:
		e.Traits = traitsOf(r.UserProperties)
	case KindGroup:
		if e.AccountID == "" {
			return nil
		}
		e.Traits = traitsOf(r.GroupProperties)
	}
	emit(&e)
	return nil
}

// ---- PostHog ----

type posthogRecord struct {
	Event      flexString        `json:"event"`
	DistinctID flexString        `json:"distinct_id"`
	Timestamp  flexTime          `json:"timestamp"`
	UUID       flexString        `json:"uuid"`
	Properties map[string]any    `json:"properties"`
	Batch      *[]jsonRawMessage `json:"batch"`
}

type posthogDecoder struct {
	groupKeys []string
	rec       posthogRecord
}

// decode reads an exported event, a /capture body (api_key beside the event,
// distinct_id at the top or in properties) or a /batch body
// ({"api_key", "batch": [...]}).
func (d *posthogDecoder) decode(b []byte, emit func(*Event)) *ParseError {
	d.rec = posthogRecord{}
	if err := jsonUnmarshal(b, &d.rec); err != nil {
		return invalidJSON(err)
	}
	if d.rec.Batch == nil {
		return d.event(&d.rec, emit)
	}
	var first *ParseError
	for i, el := range *d.rec.Batch {
		var r posthogRecord
		pe := (*ParseError)(nil)
		if err := jsonUnmarshal(el, &r); err != nil {
			pe = invalidJSON(err)
		} else if r.Batch != nil {
			pe = fieldError("batch", ReasonBadField, "a batch inside a batch")
		} else {
			pe = d.event(&r, emit)
		}
		if pe != nil && first == nil {
			first = pe
			first.Field = strings.TrimSuffix(fmt.Sprintf("batch[%d].%s", i, first.Field), ".")
		}
	}
	return first
}

func (d *posthogDecoder) event(r *posthogRecord, emit func(*Event)) *ParseError {
	if r.Event == "" {
		return fieldError("event", ReasonMissingField, "missing event name")
	}
	ms, pe := timeField([]string{"timestamp"}, &r.Timestamp)
	if pe != nil {
		return pe
	}
	user := string(r.DistinctID)
	if user == "" {
		user = firstScalar(r.Properties["distinct_id"])
	}
	return posthogEvent(string(r.Event), user, string(r.UUID), ms, r.Properties, d.groupKeys, emit)
}

// posthogEvent converts a PostHog event, from JSON lines or a CSV row.
func posthogEvent(name, distinctID, uuid string, ms int64, props map[string]any, keys []string, emit func(*Event)) *ParseError {
	e := Event{Name: name, UserID: distinctID, MessageID: uuid, TimeMs: ms, Kind: plainKind(name)}
	if g, ok := props["$groups"].(map[string]any); ok {
		e.AccountID = groupFrom(g, keys)
	}
	if e.AccountID == "" {
		e.AccountID = propertyGroup(props, keys)
	}
	switch e.Kind {
	case KindIdentify:
		set, _ := props["$set"].(map[string]any)
		e.Traits = traitsOf(set)
	case KindGroup:
		e.AccountID = firstScalar(props["$group_key"])
		if e.AccountID == "" {
			return nil
		}
		set, _ := props["$group_set"].(map[string]any)
		e.Traits = traitsOf(set)
	default:
		if set, ok := props["$set"].(map[string]any); ok {
			e.Traits = traitsOf(set)
		}
	}
	emit(&e)
	return nil
}
