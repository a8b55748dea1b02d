package ingest

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/sep-project/sep/core"
)

// recordDecoder turns one JSON record (a line of a JSON-lines export, or an
// element of a JSON array) into events; emit's *Event is valid only during the
// call (copy it to keep it). Errors are *core.ParseError without File and
// Line, which the caller fills in. A decoder keeps scratch state: one per goroutine.
type recordDecoder interface {
	decode(rec []byte, emit func(*core.Event)) *core.ParseError
}

// newRecordDecoder returns the registered decoder of a JSON format.
func newRecordDecoder(f core.Format, opt *Options) (recordDecoder, error) {
	if s := specOf(f); s != nil && s.decoder != nil {
		return s.decoder(opt), nil
	}
	return nil, fmt.Errorf("format %s is not a JSON format", f)
}

// forRollup marks a decoder whose every event goes straight into core.Rollup.Add,
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
func plainKind(name string) core.Kind {
	if IsSystemEvent(name) {
		return core.KindAlias
	}
	return core.KindOfPlainEvent(name)
}

func groupKeys(opt *Options) []string {
	if len(opt.GroupKeys) > 0 {
		return opt.GroupKeys
	}
	return DefaultGroupKeys
}

func invalidJSON(err error) *core.ParseError {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 && strings.HasPrefix(msg, "json: ") {
		msg = msg[i+2:]
	}
	return &core.ParseError{Reason: core.ReasonInvalidJSON, Err: fmt.Errorf("invalid JSON: %s", msg)}
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
// only bounds the event's own time: see core.TimeRange).
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
func timeField(names []string, vals ...*flexTime) (int64, *core.ParseError) {
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
			return 0, fieldError(names[i], core.ReasonBadTimestamp, "invalid timestamp %q", shown)
		}
		return ms, nil
	}
	return 0, fieldError(names[0], core.ReasonMissingField, "missing timestamp")
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

func fieldError(field, reason string, format string, a ...any) *core.ParseError {
	return &core.ParseError{Field: field, Reason: reason, Err: fmt.Errorf(format, a...)}
}
