package core

import "time"

// DefaultEarliest is the earliest plausible event time (SPEC "Plausible
// time"): events dated before it are skipped.
var DefaultEarliest = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// MaxAheadOfReceipt is how far past its receipt an event may be dated: a
// client clock a little ahead is plausible, a year ahead is not.
const MaxAheadOfReceipt = 24 * time.Hour

// TimeRange is the range of plausible event times. An event dated before
// Earliest, or more than MaxAheadOfReceipt after it was received (its
// ReceivedMs, else Now), is skipped with reason "timestamp_out_of_range": it
// moves neither "today", nor the as-of day, nor retention.
type TimeRange struct {
	// Earliest is the first plausible instant; zero means DefaultEarliest.
	Earliest time.Time
	// Now is the reference clock: when the events were read (the wall clock
	// of the CLI, the page or the server). Zero means no clock: only events
	// with a ReceivedMs are bounded above. Tests set a fixed one.
	Now time.Time
}

// bounds returns the first plausible ms and the reference clock in ms (0 when none).
func (t TimeRange) bounds() (earliest, now int64) {
	e := t.Earliest
	if e.IsZero() {
		e = DefaultEarliest
	}
	if !t.Now.IsZero() {
		now = t.Now.UnixMilli()
	}
	return e.UnixMilli(), now
}

// plausible is a TimeRange resolved to milliseconds, checked per event.
type plausible struct{ earliest, now int64 }

func (t TimeRange) resolve() plausible {
	e, n := t.bounds()
	return plausible{earliest: e, now: n}
}

// ok reports whether an event's time is plausible.
func (p plausible) ok(e *Event) bool {
	if e.TimeMs < p.earliest {
		return false
	}
	ref := e.ReceivedMs
	if ref <= 0 || (p.now > 0 && ref > p.now) {
		ref = p.now // a receipt in the future is no more plausible than the event
	}
	return ref <= 0 || e.TimeMs <= ref+MaxAheadOfReceipt.Milliseconds()
}
