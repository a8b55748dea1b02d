package ingest

import (
	"fmt"
	"strings"

	"github.com/sep-project/sep/core"
)

// Segment and RudderStack: JSON lines or arrays of Segment spec events
// (track, page, screen, identify, group, alias), batches in {"batch": [...]}.

// segmentFormat recognises Segment and RudderStack records by their type and
// messageId/userId keys, and decodes them (segment_scan.go has the fast path).
func segmentFormat() formatSpec {
	return formatSpec{name: core.FormatSegment, label: "Segment/RudderStack",
		keys: map[string]int{"type=track": 4, "type=page": 4, "type=screen": 4, "type=identify": 4, "type=group": 4, "type=alias": 4,
			"messageId": 3, "userId": 3, "anonymousId": 3, "originalTimestamp": 2, "sentAt": 1, "receivedAt": 1,
			"context": 1, "integrations": 2, "rudderId": 3, "channel": 1, "request_ip": 1,
			"wrapper.writeKey": 4, "wrapper.sentAt": 1, "wrapper.context": 1},
		decoder: func(*Options) recordDecoder { return &segmentDecoder{} }}
}

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
	ev   core.Event
	// views lets activity lines take scanSegment's path, whose events hold
	// strings that share the line's bytes: set only when every event goes
	// straight into a Rollup, which copies the strings it keeps.
	views bool
}

func (d *segmentDecoder) decode(b []byte, emit func(*core.Event)) *core.ParseError {
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
		var first *core.ParseError
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
func (d *segmentDecoder) batch(elems []jsonRawMessage, emit func(*core.Event)) *core.ParseError {
	var first *core.ParseError
	for i, el := range elems {
		var r segmentRecord
		pe := (*core.ParseError)(nil)
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
func segmentEvent(r *segmentRecord, e *core.Event, emit func(*core.Event)) *core.ParseError {
	*e = core.Event{}
	switch r.Type {
	case "":
		if r.Event == "" {
			return fieldError("type", core.ReasonMissingField, "missing type (and no event name)")
		}
		e.Kind = core.KindTrack
	default:
		k, ok := core.ParseKind(r.Type)
		if !ok {
			return fieldError("type", core.ReasonUnknownType, "unknown type %q", r.Type)
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
	case core.KindTrack:
		if r.Event == "" {
			return fieldError("event", core.ReasonMissingField, "track call without an event name")
		}
		e.Name = string(r.Event)
	case core.KindPage, core.KindScreen:
		e.Name = string(r.Name)
	case core.KindIdentify:
		e.Traits = traitsOf(r.Traits)
	case core.KindGroup:
		e.AccountID = string(r.GroupID)
		if e.AccountID == "" {
			e.AccountID = string(r.Context.GroupID)
		}
		if e.AccountID == "" {
			return fieldError("groupId", core.ReasonMissingField, "group call without a groupId")
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
