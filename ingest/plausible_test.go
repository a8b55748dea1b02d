package ingest

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sep-project/sep/core"
)

// TestFutureEventDoesNotBlankScores is issue #11's first item: one event dated
// 9999-12-31 (or at epoch 1e14) among an ordinary export used to move the as-of
// day and null every score.
func TestFutureEventDoesNotBlankScores(t *testing.T) {
	export := func(extra string) *core.Report {
		var b strings.Builder
		for d := 1; d <= 28; d++ {
			for u := 0; u < 5; u++ {
				b.WriteString(`{"type":"track","userId":"u` + itoa(u) + `","event":"A","timestamp":"2026-09-` + pad2(d) + `T10:00:00Z","receivedAt":"2026-09-` + pad2(d) + `T10:00:01Z"}` + "\n")
			}
		}
		b.WriteString(extra)
		r, _ := core.NewRollup("UTC")
		opt := Options{File: "x.jsonl", Range: core.TimeRange{Now: testClock}}
		if err := Read(context.Background(), strings.NewReader(b.String()), opt, r); err != nil {
			t.Fatal(err)
		}
		return mustScore(t, r, core.Settings{CoreEvents: []string{"A"}, Window: 7})
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
		if rep.Input.SkippedByReason[core.ReasonTimeOutOfRange] != 1 || len(rep.Warnings) == len(base.Warnings) {
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

// A 40 KB userId in an export is skipped with its reason; the rest is read.
func TestOverlongIDInAnExport(t *testing.T) {
	in := `{"type":"track","userId":"u1","event":"A","timestamp":"2026-09-01T10:00:00Z"}` + "\n" +
		`{"type":"track","userId":"` + strings.Repeat("9", 40<<10) + `","event":"A","timestamp":"2026-09-01T10:00:00Z"}` + "\n" +
		`{"type":"identify","userId":"u1","traits":{"` + strings.Repeat("k", 300) + `":"v"},"timestamp":"2026-09-01T10:00:00Z"}` + "\n"
	r, _ := core.NewRollup("UTC")
	if err := Read(context.Background(), bytes.NewReader([]byte(in)), Options{File: "x"}, r); err != nil {
		t.Fatal(err)
	}
	if r.Input.ActivityEvents != 1 || r.Input.SkippedByReason[core.ReasonIDTooLong] != 1 || r.Input.SkippedByReason[core.ReasonTraitKeyTooLong] != 1 {
		t.Fatalf("%+v", r.Input)
	}
}

func TestReceivedTimesOfEachFormat(t *testing.T) {
	for _, c := range []struct {
		format core.Format
		rec    string
		want   string
	}{
		{core.FormatSegment, `{"type":"track","userId":"u","event":"A","timestamp":"2026-09-01T10:00:00+05:30","receivedAt":"2026-09-01T04:30:02.5Z"}`, "2026-09-01T04:30:02.5Z"},
		{core.FormatSegment, `{"type":"track","userId":"u","event":"A","timestamp":"2026-09-01T10:00:00Z","receivedAt":null}`, ""},
		{core.FormatMixpanel, `{"event":"A","properties":{"time":1788256800,"distinct_id":"u","$mp_api_timestamp_ms":1788256801234}}`, "2026-09-01T10:00:01.234Z"},
		{core.FormatMixpanel, `{"event":"A","properties":{"time":1788256800,"distinct_id":"u","$mp_api_timestamp_ms":"1788256801234"}}`, "2026-09-01T10:00:01.234Z"},
		{core.FormatAmplitude, `{"event_type":"A","user_id":"u","event_time":"2026-09-01 10:00:00.000000","server_received_time":"2026-09-01 10:00:03.000000","server_upload_time":"2026-09-01 10:00:04.000000"}`, "2026-09-01T10:00:03Z"},
		{core.FormatAmplitude, `{"event_type":"A","user_id":"u","event_time":"2026-09-01 10:00:00.000000","server_upload_time":"2026-09-01 10:00:04.000000"}`, "2026-09-01T10:00:04Z"},
		{core.FormatPostHog, `{"event":"A","distinct_id":"u","timestamp":"2026-09-01T10:00:00Z","properties":{}}`, ""},
	} {
		evs, bad, err := DecodeEvents(context.Background(), []byte(c.rec), Options{Format: c.format})
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
	c, err := core.ParseConfig("x", []byte(`{"earliest":"2020-01-01"}`))
	if err != nil {
		t.Fatal(err)
	}
	opt, _ := OptionsOf(c)
	if !opt.Range.Earliest.Equal(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("earliest %v", opt.Range.Earliest)
	}
	bad, err := core.ParseConfig("x", []byte(`{"earliest":"2020-13-01"}`))
	if err != nil {
		t.Fatal(err) // the reading part is CheckConfig's
	}
	if err := CheckConfig("x", bad); err == nil || err.Error() != `config x: setting earliest: "2020-13-01" is not a YYYY-MM-DD day` {
		t.Fatalf("a bad earliest: %v", err)
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
