package ingest

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/sep-project/sep/core"
)

// day0 is 2026-01-01 UTC at noon; at(n) is n days later, in ms.
var day0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func at(n int) int64 { return day0.AddDate(0, 0, n).UnixMilli() }

func itoa(n int) string { return strconv.Itoa(n) }

// rollupOf adds events to a new Rollup one by one, as no reader does.
func rollupOf(t testing.TB, tz string, events []core.Event) *core.Rollup {
	t.Helper()
	r, err := core.NewRollup(tz)
	if err != nil {
		t.Fatal(err)
	}
	for i := range events {
		r.Add(&events[i])
	}
	return r
}

func mustScore(t testing.TB, r *core.Rollup, s core.Settings) *core.Report {
	t.Helper()
	rep, err := core.Score(r, s)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func reportJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
