package core

import (
	"fmt"
	"time"
)

// Day is a calendar date counted in days since 1970-01-01. Which calendar date an
// instant falls on depends on the time zone a Rollup was built with.
type Day int32

const msPerDay = 24 * 60 * 60 * 1000

// String formats the day as YYYY-MM-DD.
func (d Day) String() string {
	return time.Unix(int64(d)*86400, 0).UTC().Format("2006-01-02")
}

// ParseDay parses a YYYY-MM-DD date.
func ParseDay(s string) (Day, error) {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return 0, fmt.Errorf("invalid day %q: want YYYY-MM-DD", s)
	}
	return Day(t.Unix() / 86400), nil
}

// dayClock converts instants to local calendar days in one time zone, caching the
// current zone offset so that the hot path costs a comparison, not a time.In.
type dayClock struct {
	loc        *time.Location
	utc        bool
	start, end int64 // validity of offset, in ms; start > end means empty
	offsetMs   int64
}

func newDayClock(loc *time.Location) dayClock {
	return dayClock{loc: loc, utc: loc == time.UTC, start: 1, end: 0}
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// day returns the local calendar day of an instant given in ms since the epoch.
func (c *dayClock) day(ms int64) Day {
	if c.utc {
		return Day(floorDiv(ms, msPerDay))
	}
	if ms < c.start || ms >= c.end {
		t := time.UnixMilli(ms).In(c.loc)
		_, off := t.Zone()
		c.offsetMs = int64(off) * 1000
		s, e := t.ZoneBounds()
		c.start, c.end = -1<<62, 1<<62
		if !s.IsZero() {
			c.start = s.UnixMilli()
		}
		if !e.IsZero() {
			c.end = e.UnixMilli()
		}
	}
	return Day(floorDiv(ms+c.offsetMs, msPerDay))
}
