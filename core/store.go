package core

import (
	"context"
	"time"
)

// DefaultRetentionDays is how long hosted stores keep rollup cells: cells whose
// day is more than this many days before today (by the store's clock, never
// by the data) are dropped.
const DefaultRetentionDays = 400

// RetainedDays returns the first and last day a store loads for scoring: from
// retention days before today to tomorrow, today being the clock's day in r's
// time zone. A day after tomorrow cannot come from a plausible event
// (TimeRange), so data stored before that check cannot move "today" either.
func RetainedDays(r *Rollup, now time.Time, retention int) (from, to Day) {
	today := r.DayOf(now.UnixMilli())
	return today - Day(retention), today + 1
}

// Store keeps the rollups of the hosted API (local server, AWS Lambda,
// Cloudflare Workers): events go in, a Rollup comes out. Stored state is rollup
// cells, memberships, traits and input counters, never raw events.
//
// Implementations are named after their database (bolt, dynamodb, d1) and must
// pass the conformance suite in core/storetest.
type Store interface {
	// Ingest durably stores the rollup of the events (cells, memberships,
	// traits, input counters) and returns how many events were newly counted
	// (stored, or skipped by Rollup.Reject with the reason counted). An event
	// whose MessageID was stored before is counted in the "duplicates"
	// counter only, so a retried webhook delivery counts once; events with no
	// MessageID are always stored. It returns only once the data is durable; on error, events not
	// reported as stored may or may not be, and a retry stores each once.
	Ingest(ctx context.Context, events []Event) (stored int, err error)
	// Load returns everything stored as one Rollup in the store's time zone.
	Load(ctx context.Context) (*Rollup, error)
	// Close releases the store's resources.
	Close() error
}

// FirstOfEachMessageID returns events without the repeats of a MessageID
// within them (a delivery that carries one event twice counts it once), in
// order; events with no MessageID are all kept. Stores call it first, then
// check the MessageIDs they stored before.
func FirstOfEachMessageID(events []Event) []Event {
	out := make([]Event, 0, len(events))
	seen := make(map[string]bool, len(events))
	for _, e := range events {
		if e.MessageID != "" {
			if seen[e.MessageID] {
				continue
			}
			seen[e.MessageID] = true
		}
		out = append(out, e)
	}
	return out
}
