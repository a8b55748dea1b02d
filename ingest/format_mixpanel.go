package ingest

import (
	"strconv"
	"time"

	"github.com/sep-project/sep/core"
)

// Mixpanel: raw export JSON lines of {"event", "properties"} with time in
// properties (seconds or ms; legacy projects in the project's time zone).

// mixpanelFormat recognises Mixpanel records by their properties keys and
// shape, and decodes them.
func mixpanelFormat() formatSpec {
	return formatSpec{name: core.FormatMixpanel, label: "Mixpanel",
		keys: map[string]int{"properties.time": 2, "properties.distinct_id": 2, "properties.$insert_id": 2,
			"properties.$mp_api_timestamp_ms": 4, "properties.mp_lib": 2, "properties.$mp_api_endpoint": 3,
			"properties.mp_processing_time_ms": 3, "shape=event+properties": 3},
		decoder: func(o *Options) recordDecoder { return newMixpanelDecoder(o) }}
}

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

func newMixpanelDecoder(opt *Options) *mixpanelDecoder {
	return &mixpanelDecoder{groupKeys: groupKeys(opt), inputTZ: opt.InputTZ}
}

func (d *mixpanelDecoder) decode(b []byte, emit func(*core.Event)) *core.ParseError {
	d.rec = mixpanelRecord{}
	if err := jsonUnmarshal(b, &d.rec); err != nil {
		return invalidJSON(err)
	}
	p := d.rec.Properties
	if d.rec.Event == "" {
		return fieldError("event", core.ReasonMissingField, "missing event name")
	}
	if p == nil {
		return fieldError("properties", core.ReasonMissingField, "missing properties")
	}
	ms, pe := anyTime("properties.time", p["time"])
	if pe != nil {
		return pe
	}
	if d.inputTZ != nil {
		ms = wallClockIn(ms, d.inputTZ)
	}
	d.noteOffset(ms, p["$mp_api_timestamp_ms"])
	e := core.Event{Name: string(d.rec.Event), TimeMs: ms, Kind: plainKind(string(d.rec.Event))}
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
	if e.Kind == core.KindGroup && e.AccountID == "" {
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
func anyTime(field string, v any) (int64, *core.ParseError) {
	switch x := v.(type) {
	case nil:
		return 0, fieldError(field, core.ReasonMissingField, "missing timestamp")
	case float64:
		ms, err := epochNumber(x)
		if err != nil {
			return 0, fieldError(field, core.ReasonBadTimestamp, "invalid timestamp %v", x)
		}
		return ms, nil
	case string:
		ms, err := parseTime(x)
		if err != nil {
			return 0, fieldError(field, core.ReasonBadTimestamp, "invalid timestamp %q", x)
		}
		return ms, nil
	}
	return 0, fieldError(field, core.ReasonBadTimestamp, "invalid timestamp %v", v)
}
