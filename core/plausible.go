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

// receivedBeside returns the receipt time rcv holds, for an event whose time
// tsMs was read from ts (its first time field): when both are UTC strings
// written alike on the same day ("2026-09-01T10:00:00.123Z" and
// "2026-09-01T10:00:01.5Z" do not qualify; "...:01.500Z" does), only the clock
// digits are read, a quarter of a full parse on an export's every line.
func receivedBeside(rcv, ts *flexTime, tsMs int64) int64 {
	if rcv.set == 1 && ts.set == 1 {
		if ms, ok := sameDayUTC(ts.s, rcv.s, tsMs); ok {
			return ms
		}
	}
	return rcv.received()
}

// sameDayUTC reads b from a, written alike on the same day, a's time being aMs.
func sameDayUTC(a, b string, aMs int64) (int64, bool) {
	n := len(a)
	if n != len(b) || n < 20 || a[n-1] != 'Z' || b[n-1] != 'Z' || a[:11] != b[:11] || (a[10] != 'T' && a[10] != 't') {
		return 0, false
	}
	x, ok1 := clockMs(a)
	y, ok2 := clockMs(b)
	if !ok1 || !ok2 {
		return 0, false
	}
	return aMs - x + y, true
}

// clockMs reads the "HH:MM:SS[.fff]Z" of a timestamp as milliseconds into its
// day, the way fastUTC does (fractions past the millisecond are dropped).
func clockMs(s string) (int64, bool) {
	n := len(s)
	if s[13] != ':' || s[16] != ':' {
		return 0, false
	}
	var v [6]int64
	for i, p := range [6]int{11, 12, 14, 15, 17, 18} {
		c := s[p]
		if c < '0' || c > '9' {
			return 0, false
		}
		v[i] = int64(c - '0')
	}
	h, m, sec := v[0]*10+v[1], v[2]*10+v[3], v[4]*10+v[5]
	if h > 23 || m > 59 || sec > 60 {
		return 0, false
	}
	var ms int64
	if n > 20 {
		if s[19] != '.' {
			return 0, false
		}
		for i := 20; i < n-1; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			if i < 23 {
				ms = ms*10 + int64(c-'0')
			}
		}
		for i := n - 1; i < 23; i++ {
			ms *= 10
		}
	}
	return h*3600000 + m*60000 + sec*1000 + ms, true
}
