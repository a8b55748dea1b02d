package storetest

import (
	"encoding/json"
	"time"

	"github.com/sep-project/sep/core"
)

// SegmentBatch returns events as the body of a Segment delivery or tracking
// API call ({"batch": [...]}), so that end-to-end tests send Product() through
// a real server: track calls with their event name and context.groupId, page
// calls with their name, identify and group calls with their traits.
func SegmentBatch(events []core.Event) []byte {
	out := make([]map[string]any, 0, len(events))
	for _, e := range events {
		m := map[string]any{"messageId": e.MessageID, "timestamp": time.UnixMilli(e.TimeMs).UTC().Format(time.RFC3339Nano)}
		if e.UserID != "" {
			m["userId"] = e.UserID
		} else {
			m["anonymousId"] = ""
		}
		switch e.Kind {
		case core.KindTrack:
			m["type"], m["event"] = "track", e.Name
		case core.KindPage:
			m["type"], m["name"] = "page", e.Name
		case core.KindScreen:
			m["type"], m["name"] = "screen", e.Name
		case core.KindIdentify:
			m["type"] = "identify"
		case core.KindGroup:
			m["type"], m["groupId"] = "group", e.AccountID
		}
		if e.AccountID != "" && e.Kind != core.KindGroup {
			m["context"] = map[string]any{"groupId": e.AccountID}
		}
		if len(e.Traits) > 0 {
			m["traits"] = e.Traits
		}
		out = append(out, m)
	}
	b, _ := json.Marshal(map[string]any{"batch": out})
	return b
}
