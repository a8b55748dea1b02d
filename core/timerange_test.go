package core

import (
	"strings"
	"testing"
	"time"
)

// testClock is the reference clock of the tests: after every fixture's date
// (they are dated in 2026), never the real clock.
var testClock = time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)

func TestTimeRange(t *testing.T) {
	ms := func(s string) int64 {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UnixMilli()
	}
	now := testClock // 2026-10-01T12:00:00Z
	for _, c := range []struct {
		name           string
		rng            TimeRange
		time, received string
		ok             bool
	}{
		{"ordinary", TimeRange{Now: now}, "2026-09-01T10:00:00Z", "", true},
		{"before 2000", TimeRange{Now: now}, "1999-12-31T23:59:59Z", "", false},
		{"first instant of 2000", TimeRange{Now: now}, "2000-01-01T00:00:00Z", "", true},
		{"earliest configured", TimeRange{Now: now, Earliest: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}, "2019-06-01T00:00:00Z", "", false},
		{"a day past the clock", TimeRange{Now: now}, "2026-10-02T12:00:00Z", "", true},
		{"past a day after the clock", TimeRange{Now: now}, "2026-10-02T12:00:01Z", "", false},
		{"year 9999", TimeRange{Now: now}, "9999-12-31T00:00:00Z", "", false},
		{"no clock, no receipt: no upper bound", TimeRange{}, "9999-12-31T00:00:00Z", "", true},
		{"bounded by receipt, not the clock", TimeRange{}, "2026-09-03T00:00:01Z", "2026-09-02T00:00:00Z", false},
		{"within a day of receipt", TimeRange{Now: now}, "2026-09-02T20:00:00Z", "2026-09-02T00:00:00Z", true},
		{"receipt in the future is capped by the clock", TimeRange{Now: now}, "2030-01-01T00:00:00Z", "2030-01-01T00:00:00Z", false},
	} {
		e := Event{UserID: "u", Name: "A", TimeMs: ms(c.time)}
		if c.received != "" {
			e.ReceivedMs = ms(c.received)
		}
		if got := c.rng.resolve().ok(&e); got != c.ok {
			t.Errorf("%s: plausible %v, want %v", c.name, got, c.ok)
		}
	}
}

func TestLengthLimits(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	for _, c := range []struct {
		name   string
		e      Event
		reason string
	}{
		{"ids at the limit", Event{UserID: long(MaxIDLength), AccountID: long(MaxIDLength), MessageID: long(MaxIDLength), Name: "A"}, ""},
		{"user id over", Event{UserID: long(MaxIDLength + 1), Name: "A"}, ReasonIDTooLong},
		{"account id over", Event{UserID: "u", AccountID: long(MaxIDLength + 1), Name: "A"}, ReasonIDTooLong},
		{"message id over", Event{UserID: "u", MessageID: long(MaxIDLength + 1), Name: "A"}, ReasonIDTooLong},
		{"name at the limit", Event{UserID: "u", Name: long(MaxEventNameLength)}, ""},
		{"name over", Event{UserID: "u", Name: long(MaxEventNameLength + 1)}, ReasonEventNameTooLong},
		{"page name over", Event{UserID: "u", Kind: KindPage, Name: long(MaxEventNameLength + 1)}, ReasonEventNameTooLong},
		{"trait key at the limit", Event{UserID: "u", Kind: KindIdentify, Traits: map[string]string{long(MaxTraitKeyLength): "v"}}, ""},
		{"trait key over", Event{UserID: "u", Kind: KindIdentify, Traits: map[string]string{"plan": "pro", long(MaxTraitKeyLength + 1): "v"}}, ReasonTraitKeyTooLong},
		{"no user", Event{Name: "A"}, ReasonNoUser},
	} {
		c.e.TimeMs = at(3)
		r, _ := NewRollup("UTC")
		if got := r.Reject(&c.e); got != c.reason {
			t.Errorf("%s: reason %q, want %q", c.name, got, c.reason)
		}
		r.Add(&c.e)
		if c.reason != "" && (r.Input.SkippedByReason[c.reason] != 1 || r.Len() != 0 || len(r.userTraits) != 0) {
			t.Errorf("%s: not skipped: %+v", c.name, r.Input)
		}
	}
}

func TestTrendMonthsCapped(t *testing.T) {
	first, _ := ParseDay("2000-01-15")
	last, _ := ParseDay("2026-09-10")
	ends := monthEnds(first, last)
	if len(ends) != MaxTrendMonths || ends[len(ends)-1] != last || ends[0].String() != "2016-10-31" {
		t.Fatalf("%d months from %s to %s; want %d ending on %s", len(ends), ends[0], ends[len(ends)-1], MaxTrendMonths, last)
	}
	short := monthEnds(last-40, last)
	if len(short) != 2 || short[0].String() != "2026-08-31" {
		t.Fatalf("short span: %v", short)
	}
}
