// Package core is sep's domain: the event model, the mergeable rollups, the
// settings and config, the report, the Store interface, and the Product
// Engagement Score (SEP/PES) computed from them.
//
// It is pure Go with no platform dependency: the CLI, the WebAssembly bridge, the
// HTTP API and its hosts (local server, AWS Lambda, Cloudflare Workers) are thin
// adapters around it, so every surface gives the same numbers for the same input.
//
// The flow is always the same: a reader (package ingest) turns an export into
// Events, a Rollup aggregates them per user, account, day and event name
// (rollups merge, so chunks, files and webhook deliveries can be rolled up
// apart and combined), and Score turns a Rollup and Settings into a Report.
package core

import "strings"

// Kind is the kind of an event, after the Segment spec. Exports without kinds
// (Mixpanel, Amplitude, PostHog, CSV) produce KindTrack for plain events and
// KindIdentify or KindGroup for their identity-only events.
type Kind uint8

// The event kinds. Track, page and screen events are activity; the others carry
// traits and memberships only.
const (
	KindTrack Kind = iota
	KindPage
	KindScreen
	KindIdentify
	KindGroup
	KindAlias
)

var kindNames = [...]string{"track", "page", "screen", "identify", "group", "alias"}

// String returns the Segment name of the kind ("track", "page", ...).
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// ParseKind returns the kind named by a Segment "type" field (case-insensitive).
func ParseKind(s string) (Kind, bool) {
	for i, n := range kindNames {
		if strings.EqualFold(s, n) {
			return Kind(i), true
		}
	}
	return 0, false
}

// IsActivity reports whether events of this kind make a unit active.
func (k Kind) IsActivity() bool { return k <= KindScreen }

// Event is one analytics event, whatever export it came from.
type Event struct {
	// MessageID is the event's id, which its repeats share (Segment and
	// RudderStack messageId, PostHog uuid, Amplitude insert_id else uuid,
	// Mixpanel $insert_id); it may be empty. A Rollup counts an id once.
	MessageID string
	// UserID is the explicit user id, or the anonymous/device id when there is
	// none. An event with an empty UserID is skipped and counted as skipped.
	UserID string
	// AccountID is the event's own group id (for KindGroup, the group joined);
	// empty when the event carries none.
	AccountID string
	// Name is the event name. For page and screen calls it is the page or
	// screen name as given, possibly empty; see ActivityName.
	Name string
	// TimeMs is the event time in milliseconds since the Unix epoch (UTC).
	TimeMs int64
	// ReceivedMs is when the collecting service received the event (Segment
	// and RudderStack receivedAt, Mixpanel $mp_api_timestamp_ms, Amplitude
	// server_received_time else server_upload_time), in ms since the epoch;
	// 0 when unknown. It bounds TimeMs (see TimeRange).
	ReceivedMs int64
	// Kind is the Segment kind of the event.
	Kind Kind
	// Traits are user traits (identify) or account traits (group: seats,
	// plan, name, ...), as strings. Nil for most events.
	Traits map[string]string
}

// ActivityName is the name under which an activity event is rolled up and can be
// chosen as a core event. Track events keep their name; page and screen calls
// become "Viewed <name> Page" / "Viewed <name> Screen", or "Page Viewed" /
// "Screen Viewed" when unnamed (the names Segment gives them in destinations).
func (e *Event) ActivityName() string {
	switch e.Kind {
	case KindPage:
		if e.Name == "" {
			return "Page Viewed"
		}
		return "Viewed " + e.Name + " Page"
	case KindScreen:
		if e.Name == "" {
			return "Screen Viewed"
		}
		return "Viewed " + e.Name + " Screen"
	}
	return e.Name
}

// identityOnlyNames are event names of kind-less exports that carry traits or
// memberships only (SPEC "Inputs"). Readers map them to KindIdentify/KindGroup.
var identityOnlyNames = map[string]Kind{
	"$identify":      KindIdentify,
	"$create_alias":  KindAlias,
	"$merge":         KindAlias,
	"$groupidentify": KindGroup,
	"$set":           KindIdentify,
}

// KindOfPlainEvent returns the kind of an event from an export without kinds:
// KindTrack, unless the name is one of the identity-only names ($identify,
// $create_alias, $merge, $groupidentify, $set).
func KindOfPlainEvent(name string) Kind {
	if k, ok := identityOnlyNames[name]; ok {
		return k
	}
	return KindTrack
}

// Length limits of an event's strings, in bytes. An event over one is skipped
// with the reason named beside it and the rest of its input is read: stores
// key their records by these strings (bbolt refuses keys over 32 KB, DynamoDB
// items over 400 KB), and Segment itself refuses events over 32 KB.
const (
	// MaxIDLength bounds the user, anonymous, account and message ids
	// (reason "id_too_long").
	MaxIDLength = 1024
	// MaxEventNameLength bounds event, page and screen names
	// (reason "event_name_too_long").
	MaxEventNameLength = 1024
	// MaxTraitKeyLength bounds the keys of user and account traits
	// (reason "trait_key_too_long").
	MaxTraitKeyLength = 256
)

// Reasons an event is skipped for, beyond the readers' (ReasonInvalidJSON...).
const (
	ReasonNoUser           = "no_user"
	ReasonNoEventName      = "no_event_name"
	ReasonTimeOutOfRange   = "timestamp_out_of_range"
	ReasonIDTooLong        = "id_too_long"
	ReasonEventNameTooLong = "event_name_too_long"
	ReasonTraitKeyTooLong  = "trait_key_too_long"
)

// overLimit returns the reason an event breaks a length limit, or "".
func overLimit(e *Event) string {
	if len(e.UserID) > MaxIDLength || len(e.AccountID) > MaxIDLength || len(e.MessageID) > MaxIDLength {
		return ReasonIDTooLong
	}
	if len(e.Name) > MaxEventNameLength {
		return ReasonEventNameTooLong
	}
	for k := range e.Traits {
		if len(k) > MaxTraitKeyLength {
			return ReasonTraitKeyTooLong
		}
	}
	return ""
}

// Format names an export format, the one a file was read as (FileSummary).
// Package ingest reads them and registers more (ingest.RegisterFormat).
type Format string

// The export formats sep reads. FormatSegment covers RudderStack too (same spec).
const (
	FormatAuto      Format = "auto"
	FormatSegment   Format = "segment"
	FormatMixpanel  Format = "mixpanel"
	FormatAmplitude Format = "amplitude"
	FormatPostHog   Format = "posthog"
	FormatCSV       Format = "csv"
)
