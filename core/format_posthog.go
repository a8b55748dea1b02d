package core

import (
	"fmt"
	"strings"
)

// PostHog: events as JSON lines, a /batch body or a CSV export with
// distinct_id and event columns (read by read_csv.go).

// posthogFormat recognises PostHog records by distinct_id, uuid and api_key,
// and PostHog CSV headers, and decodes the JSON records.
func posthogFormat() formatSpec {
	return formatSpec{name: FormatPostHog, label: "PostHog",
		keys: map[string]int{"distinct_id": 4, "uuid": 2, "api_key": 6, "wrapper.api_key": 12, "elements_chain": 3,
			"person_id": 2, "team_id": 3, "properties.distinct_id": 2, "properties.$lib": 2, "properties.$groups": 2,
			"properties.$session_id": 1, "properties.$set": 1},
		csv: func(cols map[string]bool) int {
			if cols["distinct_id"] && cols["event"] {
				return 2
			}
			return 0
		},
		decoder: func(o *ReadOptions) recordDecoder { return &posthogDecoder{groupKeys: groupKeys(o)} }}
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
