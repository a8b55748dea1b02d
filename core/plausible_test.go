package core

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

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

// TestFutureEventDoesNotBlankScores is issue #11's first item: one event dated
// 9999-12-31 (or at epoch 1e14) among an ordinary export used to move the as-of
// day and null every score.
func TestFutureEventDoesNotBlankScores(t *testing.T) {
	export := func(extra string) *Report {
		var b strings.Builder
		for d := 1; d <= 28; d++ {
			for u := 0; u < 5; u++ {
				b.WriteString(`{"type":"track","userId":"u` + itoa(u) + `","event":"A","timestamp":"2026-09-` + pad2(d) + `T10:00:00Z","receivedAt":"2026-09-` + pad2(d) + `T10:00:01Z"}` + "\n")
			}
		}
		b.WriteString(extra)
		r, _ := NewRollup("UTC")
		opt := ReadOptions{File: "x.jsonl", Range: TimeRange{Now: testClock}}
		if err := Ingest(context.Background(), strings.NewReader(b.String()), opt, r); err != nil {
			t.Fatal(err)
		}
		return mustScore(t, r, Settings{CoreEvents: []string{"A"}, Window: 7})
	}
	base := export("")
	for _, extra := range []string{
		`{"type":"track","userId":"u9","event":"A","timestamp":"9999-12-31T00:00:00Z"}` + "\n",
		`{"type":"track","userId":"u9","event":"A","timestamp":100000000000000}` + "\n",
		`{"type":"track","userId":"u9","event":"A","timestamp":"0001-01-01T00:00:00Z"}` + "\n",
	} {
		rep := export(extra)
		if rep.Settings.AsOf != base.Settings.AsOf || rep.PES == nil || *rep.PES != *base.PES || rep.Input.FirstDay != base.Input.FirstDay {
			t.Errorf("%s: as of %s, PES %v; want as of %s, PES %v", strings.TrimSpace(extra), rep.Settings.AsOf, rep.PES, base.Settings.AsOf, *base.PES)
		}
		if rep.Input.SkippedByReason[ReasonTimeOutOfRange] != 1 || len(rep.Warnings) == len(base.Warnings) {
			t.Errorf("%s: skipped %v, warnings %q; want it counted and said", strings.TrimSpace(extra), rep.Input.SkippedByReason, rep.Warnings)
		}
	}
}

func pad2(n int) string {
	if n < 10 {
		return "0" + itoa(n)
	}
	return itoa(n)
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

// A 40 KB userId in an export is skipped with its reason; the rest is read.
func TestOverlongIDInAnExport(t *testing.T) {
	in := `{"type":"track","userId":"u1","event":"A","timestamp":"2026-09-01T10:00:00Z"}` + "\n" +
		`{"type":"track","userId":"` + strings.Repeat("9", 40<<10) + `","event":"A","timestamp":"2026-09-01T10:00:00Z"}` + "\n" +
		`{"type":"identify","userId":"u1","traits":{"` + strings.Repeat("k", 300) + `":"v"},"timestamp":"2026-09-01T10:00:00Z"}` + "\n"
	r, _ := NewRollup("UTC")
	if err := Ingest(context.Background(), bytes.NewReader([]byte(in)), ReadOptions{File: "x"}, r); err != nil {
		t.Fatal(err)
	}
	if r.Input.ActivityEvents != 1 || r.Input.SkippedByReason[ReasonIDTooLong] != 1 || r.Input.SkippedByReason[ReasonTraitKeyTooLong] != 1 {
		t.Fatalf("%+v", r.Input)
	}
}

func TestReceivedTimesOfEachFormat(t *testing.T) {
	for _, c := range []struct {
		format Format
		rec    string
		want   string
	}{
		{FormatSegment, `{"type":"track","userId":"u","event":"A","timestamp":"2026-09-01T10:00:00+05:30","receivedAt":"2026-09-01T04:30:02.5Z"}`, "2026-09-01T04:30:02.5Z"},
		{FormatSegment, `{"type":"track","userId":"u","event":"A","timestamp":"2026-09-01T10:00:00Z","receivedAt":null}`, ""},
		{FormatMixpanel, `{"event":"A","properties":{"time":1788256800,"distinct_id":"u","$mp_api_timestamp_ms":1788256801234}}`, "2026-09-01T10:00:01.234Z"},
		{FormatMixpanel, `{"event":"A","properties":{"time":1788256800,"distinct_id":"u","$mp_api_timestamp_ms":"1788256801234"}}`, "2026-09-01T10:00:01.234Z"},
		{FormatAmplitude, `{"event_type":"A","user_id":"u","event_time":"2026-09-01 10:00:00.000000","server_received_time":"2026-09-01 10:00:03.000000","server_upload_time":"2026-09-01 10:00:04.000000"}`, "2026-09-01T10:00:03Z"},
		{FormatAmplitude, `{"event_type":"A","user_id":"u","event_time":"2026-09-01 10:00:00.000000","server_upload_time":"2026-09-01 10:00:04.000000"}`, "2026-09-01T10:00:04Z"},
		{FormatPostHog, `{"event":"A","distinct_id":"u","timestamp":"2026-09-01T10:00:00Z","properties":{}}`, ""},
	} {
		evs, bad, err := DecodeEvents(context.Background(), []byte(c.rec), ReadOptions{Format: c.format})
		if err != nil || bad.Total > 0 || len(evs) != 1 {
			t.Fatalf("%s: %v %v %d", c.format, err, bad, len(evs))
		}
		got := ""
		if evs[0].ReceivedMs != 0 {
			got = time.UnixMilli(evs[0].ReceivedMs).UTC().Format(time.RFC3339Nano)
		}
		if got != c.want {
			t.Errorf("%s %s: received %q, want %q", c.format, c.rec, got, c.want)
		}
	}
}

func TestConfigEarliest(t *testing.T) {
	c, err := ParseConfig("x", []byte(`{"earliest":"2020-01-01"}`))
	if err != nil {
		t.Fatal(err)
	}
	opt, _ := c.ReadOptions()
	if !opt.Range.Earliest.Equal(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("earliest %v", opt.Range.Earliest)
	}
	if _, err := ParseConfig("x", []byte(`{"earliest":"2020-13-01"}`)); err == nil || !strings.Contains(err.Error(), "earliest") {
		t.Fatalf("a bad earliest: %v", err)
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

// The clock-digits shortcut for receipt times gives what a full parse gives.
func TestReceivedBesideMatchesParse(t *testing.T) {
	for _, c := range [][2]string{
		{"2026-09-01T10:00:00.000Z", "2026-09-01T10:00:01.500Z"},
		{"2026-09-01T23:59:59.999Z", "2026-09-01T00:00:00.001Z"},
		{"2026-09-01T10:00:00Z", "2026-09-01T10:00:07Z"},
		{"2026-09-01T10:00:00.123456Z", "2026-09-01T11:30:00.987654Z"},
		{"2026-09-01T10:00:00.1Z", "2026-09-01T10:00:00.2Z"},
		{"2026-09-01T10:00:59Z", "2026-09-01T10:00:60Z"},
		{"2026-09-01t10:00:00Z", "2026-09-01t10:00:01Z"},
		{"2026-09-01T10:00:00.000Z", "2026-09-02T10:00:00.000Z"},   // another day: full parse
		{"2026-09-01T10:00:00.000Z", "2026-09-01T10:00:00.5Z"},     // another layout: full parse
		{"2026-09-01T10:00:00+05:30", "2026-09-01T10:00:00+05:30"}, // an offset: full parse
	} {
		tsMs, err := parseTime(c[0])
		if err != nil {
			t.Fatal(err)
		}
		ts, rcv := flexTime{s: c[0], set: 1}, flexTime{s: c[1], set: 1}
		want, err := parseTime(c[1])
		if err != nil {
			t.Fatal(err)
		}
		if got := receivedBeside(&rcv, &ts, tsMs); got != want {
			t.Errorf("%s beside %s: %d, want %d", c[1], c[0], got, want)
		}
	}
}
