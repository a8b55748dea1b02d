package ingest

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
)

var errBadTime = errors.New("unrecognised timestamp")

// Epoch numbers are read as seconds below this bound and as milliseconds from
// it: 1e11 seconds is the year 5138, 1e11 milliseconds is March 1973.
const epochMillisFrom = 1e11

// parseTime reads a timestamp into ms since the epoch: RFC 3339 with any offset
// and optional fraction ("2026-09-01T12:00:00.123+02:00"), the same with a space
// instead of the T, Amplitude's "2026-09-01 12:00:00.123456" (UTC when no
// offset), a date alone (midnight UTC), or epoch seconds or milliseconds as a
// numeric string (see epochMillisFrom).
func parseTime(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty timestamp")
	}
	if c := s[0]; ((c >= '0' && c <= '9') || c == '-') && !(len(s) >= 10 && s[4] == '-') {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return epochNumber(f)
		}
	}
	if len(s) >= 19 && s[4] == '-' && s[7] == '-' && (s[10] == 'T' || s[10] == ' ' || s[10] == 't') {
		if t, ok := fastUTC(s); ok {
			return t, nil
		}
		norm := s
		if s[10] != 'T' {
			norm = s[:10] + "T" + s[11:]
		}
		if norm[len(norm)-1] == 'z' {
			norm = norm[:len(norm)-1] + "Z"
		}
		if t, err := time.Parse(time.RFC3339Nano, norm); err == nil {
			return t.UnixMilli(), nil
		}
		// No offset: UTC (Amplitude's event_time).
		if t, err := time.Parse("2006-01-02T15:04:05.999999999", norm); err == nil {
			return t.UnixMilli(), nil
		}
		// "+0200" offsets without the colon.
		if t, err := time.Parse("2006-01-02T15:04:05.999999999Z0700", norm); err == nil {
			return t.UnixMilli(), nil
		}
	}
	if len(s) == 10 && s[4] == '-' && s[7] == '-' {
		if t, err := time.Parse("2006-01-02", s); err == nil {
			return t.UnixMilli(), nil
		}
	}
	return 0, errBadTime
}

// epochNumber reads epoch seconds or milliseconds (see epochMillisFrom).
func epochNumber(f float64) (int64, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > 1e14 {
		return 0, errors.New("epoch number out of range")
	}
	if f >= epochMillisFrom {
		return int64(f), nil
	}
	return int64(math.Round(f * 1000)), nil
}

// fastUTC parses the common "YYYY-MM-DDTHH:MM:SS[.fff...]Z" form without
// time.Parse; ok is false for anything else.
func fastUTC(s string) (int64, bool) {
	n := len(s)
	if s[n-1] != 'Z' || s[13] != ':' || s[16] != ':' {
		return 0, false
	}
	num := func(a, b int) (int, bool) {
		v := 0
		for i := a; i < b; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			v = v*10 + int(c-'0')
		}
		return v, true
	}
	y, ok1 := num(0, 4)
	mo, ok2 := num(5, 7)
	d, ok3 := num(8, 10)
	h, ok4 := num(11, 13)
	mi, ok5 := num(14, 16)
	sec, ok6 := num(17, 19)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 {
		return 0, false
	}
	ms := 0
	if n > 20 {
		if s[19] != '.' {
			return 0, false
		}
		frac := s[20 : n-1]
		if len(frac) == 0 {
			return 0, false
		}
		for i := 0; i < len(frac); i++ {
			c := frac[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			if i < 3 {
				ms = ms*10 + int(c-'0')
			}
		}
		for i := len(frac); i < 3; i++ {
			ms *= 10
		}
	} else if n != 20 {
		return 0, false
	}
	days := daysFromCivil(y, mo, d)
	if d > daysIn(y, mo) {
		return 0, false
	}
	return ((days*24+int64(h))*60+int64(mi))*60000 + int64(sec)*1000 + int64(ms), true
}

func daysIn(y, m int) int {
	switch m {
	case 4, 6, 9, 11:
		return 30
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	}
	return 31
}

// daysFromCivil returns days since 1970-01-01 of a proleptic Gregorian date
// (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// parseTimeIn is parseTime, except that a date-time written without an offset
// is a wall-clock time in loc when loc is set (Options.InputTZ). Epoch
// numbers and times with an offset or Z are instants already.
func parseTimeIn(s string, loc *time.Location) (int64, error) {
	ms, err := parseTime(s)
	if err != nil || loc == nil || !isWallClock(strings.TrimSpace(s)) {
		return ms, err
	}
	return wallClockIn(ms, loc), nil
}

// isWallClock reports whether a timestamp parseTime accepts is a date or a
// date-time without an offset.
func isWallClock(s string) bool {
	if len(s) < 10 || s[4] != '-' {
		return false // an epoch number
	}
	if len(s) == 10 {
		return true
	}
	rest := s[11:]
	return !strings.ContainsAny(rest, "Zz+-")
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
