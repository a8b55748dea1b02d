package ingest

import (
	"fmt"
	"strings"

	"github.com/sep-project/sep/core"
)

// PostHog: events as JSON lines, a /batch body or a CSV export with
// distinct_id and event columns (read by read_csv.go).

// posthogFormat recognises PostHog records by distinct_id, uuid and api_key,
// and PostHog CSV headers, and decodes the JSON records.
func posthogFormat() formatSpec {
	return formatSpec{name: core.FormatPostHog, label: "PostHog",
		keys: map[string]int{"distinct_id": 4, "uuid": 2, "api_key": 6, "wrapper.api_key": 12, "elements_chain": 3,
			"person_id": 2, "team_id": 3, "properties.distinct_id": 2, "properties.$lib": 2, "properties.$groups": 2,
			"properties.$session_id": 1, "properties.$set": 1},
		csv: func(cols map[string]bool) int {
			if cols["distinct_id"] && cols["event"] {
				return 2
			}
			return 0
		},
		decoder: func(o *Options) recordDecoder { return &posthogDecoder{groupKeys: groupKeys(o)} }}
}

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
func (d *posthogDecoder) decode(b []byte, emit func(*core.Event)) *core.ParseError {
	d.rec = posthogRecord{}
	if err := jsonUnmarshal(b, &d.rec); err != nil {
		return invalidJSON(err)
	}
	if d.rec.Batch == nil {
		return d.event(&d.rec, emit)
	}
	var first *core.ParseError
	for i, el := range *d.rec.Batch {
		var r posthogRecord
		pe := (*core.ParseError)(nil)
		if err := jsonUnmarshal(el, &r); err != nil {
			pe = invalidJSON(err)
		} else if r.Batch != nil {
			pe = fieldError("batch", core.ReasonBadField, "a batch inside a batch")
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

func (d *posthogDecoder) event(r *posthogRecord, emit func(*core.Event)) *core.ParseError {
	var ms int64
	if r.Event != "" { // a missing name is the fault named first
		var pe *core.ParseError
		if ms, pe = timeField([]string{"timestamp"}, &r.Timestamp); pe != nil {
			return pe
		}
	}
	return d.eventAt(r, ms, emit)
}

// eventAt converts a record whose time is known.
func (d *posthogDecoder) eventAt(r *posthogRecord, ms int64, emit func(*core.Event)) *core.ParseError {
	if r.Event == "" {
		return fieldError("event", core.ReasonMissingField, "missing event name")
	}
	user := string(r.DistinctID)
	if user == "" {
		user = firstScalar(r.Properties["distinct_id"])
	}
	return posthogEvent(string(r.Event), user, string(r.UUID), ms, r.Properties, d.groupKeys, emit)
}

// posthogEvent converts a PostHog event, from JSON lines or a CSV row.
func posthogEvent(name, distinctID, uuid string, ms int64, props map[string]any, keys []string, emit func(*core.Event)) *core.ParseError {
	e := core.Event{Name: name, UserID: distinctID, MessageID: uuid, TimeMs: ms, Kind: plainKind(name)}
	if g, ok := props["$groups"].(map[string]any); ok {
		e.AccountID = groupFrom(g, keys)
	}
	if e.AccountID == "" {
		e.AccountID = propertyGroup(props, keys)
	}
	switch e.Kind {
	case core.KindIdentify:
		set, _ := props["$set"].(map[string]any)
		e.Traits = traitsOf(set)
	case core.KindGroup:
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

// PostHogColumns decodes PostHog events given as columns (its S3 batch
// export read from Parquet) into the events the same record gives as a JSON
// line. One is used by one goroutine at a time.
type PostHogColumns struct {
	dec    posthogDecoder
	props  map[string]any // the members of properties the event reads (scanPostHogProperties)
	groups map[string]any // its $groups, when plain strings
}

// NewPostHogColumns returns a decoder of PostHog columns for these options.
func NewPostHogColumns(opt Options) *PostHogColumns {
	return &PostHogColumns{dec: posthogDecoder{groupKeys: groupKeys(&opt)}, props: map[string]any{}, groups: map[string]any{}}
}

// Event decodes one event: properties is the JSON text of its properties
// object (nil when null), and its time is ms (when hasMs) or else the text
// timestamp ("" when null). It reports false, having emitted nothing, when
// properties is not the text of a JSON object: the caller decodes the record
// as a JSON line instead (Line), which names the fault as that path does.
// The events' strings may be views of properties, valid while it is.
func (p *PostHogColumns) Event(uuid, event, distinctID string, ms int64, hasMs bool, timestamp string, properties []byte, emit func(*core.Event)) (bool, *core.ParseError) {
	r := &p.dec.rec
	*r = posthogRecord{Event: flexString(event), DistinctID: flexString(distinctID), UUID: flexString(uuid)}
	switch {
	case properties == nil:
	case len(properties) == 0 || properties[0] != '{':
		return false, nil
	case scanPostHogProperties(properties, p.dec.groupKeys, p.props, p.groups):
		r.Properties = p.props
	case jsonUnmarshal(properties, &r.Properties) != nil:
		return false, nil
	}
	if hasMs {
		return true, p.dec.eventAt(r, ms, emit)
	}
	if timestamp != "" {
		r.Timestamp = flexTime{s: timestamp, set: 1}
	}
	return true, p.dec.event(r, emit)
}

// Line decodes a record given as a JSON line, as a PostHog export's.
func (p *PostHogColumns) Line(rec []byte, emit func(*core.Event)) *core.ParseError {
	return p.dec.decode(rec, emit)
}
