package synth

import (
	"fmt"
	"strconv"
	"time"

	"github.com/sep-project/sep/core"
)

func writerFor(f core.Format) (func([]byte, *event) []byte, error) {
	switch f {
	case core.FormatSegment:
		return appendSegment, nil
	case core.FormatMixpanel:
		return appendMixpanel, nil
	case core.FormatAmplitude:
		return appendAmplitude, nil
	case core.FormatPostHog:
		return appendPostHog, nil
	case core.FormatCSV:
		return appendCSV, nil
	}
	return nil, fmt.Errorf("synth: cannot write format %q", f)
}

func header(f core.Format) string {
	if f == core.FormatCSV {
		return "type,user_id,account_id,event,timestamp,message_id\n"
	}
	return ""
}

// appendStr writes a JSON string (names here need no more escaping than this).
func appendStr(b []byte, s string) []byte {
	return strconv.AppendQuote(b, s)
}

func appendRFC3339(b []byte, ms int64) []byte {
	return time.UnixMilli(ms).UTC().AppendFormat(b, "2006-01-02T15:04:05.000Z")
}

func appendTraits(b []byte, key string, traits [][2]string, numeric bool) []byte {
	b = append(b, `,"`...)
	b = append(b, key...)
	b = append(b, `":{`...)
	for i, t := range traits {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendStr(b, t[0])
		b = append(b, ':')
		if numeric && t[0] == "seats" {
			b = append(b, t[1]...)
		} else {
			b = appendStr(b, t[1])
		}
	}
	return append(b, '}')
}

// Segment: spec events with a realistic context, as a Segment or RudderStack
// export writes them, one per line.
func appendSegment(b []byte, e *event) []byte {
	b = append(b, `{"messageId":"m-`...)
	b = strconv.AppendInt(b, e.id, 10)
	b = append(b, `","type":"`...)
	b = append(b, e.kind.String()...)
	b = append(b, `","userId":`...)
	b = appendStr(b, e.user)
	switch e.kind {
	case core.KindTrack:
		b = append(b, `,"event":`...)
		b = appendStr(b, e.name)
		b = append(b, `,"properties":{"plan_tier":"standard","value":`...)
		b = strconv.AppendInt(b, e.id%97, 10)
		b = append(b, `}`...)
	case core.KindPage:
		b = append(b, `,"name":`...)
		b = appendStr(b, e.name)
		b = append(b, `,"properties":{"path":"/`...)
		b = append(b, e.name...)
		b = append(b, `","title":"`...)
		b = append(b, e.name...)
		b = append(b, ` - Acme Analytics"}`...)
	case core.KindGroup:
		b = append(b, `,"groupId":`...)
		b = appendStr(b, e.account)
		if len(e.traits) > 0 {
			b = appendTraits(b, "traits", e.traits, true)
		}
	case core.KindIdentify:
		b = appendTraits(b, "traits", e.traits, false)
	}
	b = append(b, `,"context":{"library":{"name":"analytics.js","version":"5.2.0"},"ip":"203.0.113.`...)
	b = strconv.AppendInt(b, e.id%250, 10)
	b = append(b, `","userAgent":"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)"`...)
	if e.account != "" && e.kind != core.KindGroup {
		b = append(b, `,"groupId":`...)
		b = appendStr(b, e.account)
	}
	b = append(b, `},"timestamp":"`...)
	b = appendRFC3339(b, e.ms)
	b = append(b, `","receivedAt":"`...)
	b = appendRFC3339(b, e.ms+1500)
	return append(b, "\"}\n"...)
}

// Mixpanel raw export: event + properties with time in ms and a group key.
// Identity calls have no Mixpanel counterpart in a raw export and are left out.
func appendMixpanel(b []byte, e *event) []byte {
	if !e.kind.IsActivity() {
		return b
	}
	b = append(b, `{"event":`...)
	b = appendStr(b, activityName(e))
	b = append(b, `,"properties":{"time":`...)
	b = strconv.AppendInt(b, e.ms, 10)
	b = append(b, `,"distinct_id":`...)
	b = appendStr(b, e.user)
	b = append(b, `,"$insert_id":"m-`...)
	b = strconv.AppendInt(b, e.id, 10)
	b = append(b, `","company_id":`...)
	b = appendStr(b, e.account)
	b = append(b, `,"mp_lib":"web"}}`...)
	return append(b, '\n')
}

// Amplitude export: event_type, user_id, event_time in UTC, groups; $identify
// and $groupidentify for traits.
func appendAmplitude(b []byte, e *event) []byte {
	name := activityName(e)
	switch e.kind {
	case core.KindIdentify:
		name = "$identify"
	case core.KindGroup:
		name = "$groupidentify"
	}
	b = append(b, `{"event_type":`...)
	b = appendStr(b, name)
	b = append(b, `,"user_id":`...)
	b = appendStr(b, e.user)
	b = append(b, `,"device_id":"d-`...)
	b = append(b, e.user...)
	b = append(b, `","event_time":"`...)
	b = time.UnixMilli(e.ms).UTC().AppendFormat(b, "2006-01-02 15:04:05.000000")
	b = append(b, `","insert_id":"m-`...)
	b = strconv.AppendInt(b, e.id, 10)
	b = append(b, '"')
	if e.account != "" {
		b = append(b, `,"groups":{"company":[`...)
		b = appendStr(b, e.account)
		b = append(b, `]}`...)
	}
	switch e.kind {
	case core.KindIdentify:
		b = appendTraits(b, "user_properties", e.traits, false)
	case core.KindGroup:
		if len(e.traits) > 0 {
			b = appendTraits(b, "group_properties", e.traits, true)
		}
	}
	return append(b, "}\n"...)
}

// PostHog event export (JSON lines): event, distinct_id, timestamp with an
// offset, $groups; $identify with $set, $groupidentify with $group_set.
func appendPostHog(b []byte, e *event) []byte {
	name := activityName(e)
	switch e.kind {
	case core.KindIdentify:
		name = "$identify"
	case core.KindGroup:
		name = "$groupidentify"
	}
	b = append(b, `{"uuid":"m-`...)
	b = strconv.AppendInt(b, e.id, 10)
	b = append(b, `","event":`...)
	b = appendStr(b, name)
	b = append(b, `,"distinct_id":`...)
	b = appendStr(b, e.user)
	b = append(b, `,"timestamp":"`...)
	b = time.UnixMilli(e.ms).In(plus2).AppendFormat(b, "2006-01-02T15:04:05.000-07:00")
	b = append(b, `","properties":{"$lib":"web"`...)
	switch e.kind {
	case core.KindIdentify:
		b = appendTraits(b, "$set", e.traits, false)
	case core.KindGroup:
		b = append(b, `,"$group_type":"company","$group_key":`...)
		b = appendStr(b, e.account)
		b = appendTraits(b, "$group_set", e.traits, true)
	default:
		b = append(b, `,"$groups":{"company":`...)
		b = appendStr(b, e.account)
		b = append(b, `}`...)
	}
	return append(b, "}}\n"...)
}

var plus2 = time.FixedZone("+02:00", 2*3600)

// The generic CSV: type,user_id,account_id,event,timestamp,message_id, with
// epoch milliseconds; group rows carry the membership (traits need JSON, so the
// CSV has none), identify rows are left out.
func appendCSV(b []byte, e *event) []byte {
	if e.kind == core.KindIdentify {
		return b
	}
	kind := "track"
	name := activityName(e)
	if e.kind == core.KindGroup {
		kind, name = "group", ""
	}
	b = append(b, kind...)
	b = append(b, ',')
	b = append(b, e.user...)
	b = append(b, ',')
	b = append(b, e.account...)
	b = append(b, ',')
	b = append(b, name...)
	b = append(b, ',')
	b = strconv.AppendInt(b, e.ms, 10)
	b = append(b, ",m-"...)
	b = strconv.AppendInt(b, e.id, 10)
	return append(b, '\n')
}
