package storetest

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/sep-project/sep/core"
)

// OpenHistory returns a new, empty history store; the caller closes it.
type OpenHistory func(t *testing.T) core.HistoryStore

// RunHistory is the conformance suite of core.HistoryStore: rows come back
// by day then account, a day stored again replaces its rows, ranges include
// both ends, and state namespaces are independent, with "" deleting a key.
func RunHistory(t *testing.T, open OpenHistory) {
	ctx := context.Background()
	h := open(t)
	f := func(v float64) *float64 { return &v }
	rows := []core.HistoryRow{
		{Day: "2026-07-02", Account: "acme", PES: f(55.5), Adoption: f(40), Stickiness: f(20.25), Growth: nil, WeightedScore: f(12), Active: 3, ScoredAt: "2026-07-02T06:00:00Z"},
		{Day: "2026-07-02", PES: f(61), Adoption: f(50), Stickiness: f(30), Growth: f(103.0 / 3), Active: 9, ScoredAt: "2026-07-02T06:00:00Z"},
		{Day: "2026-07-01", Account: "zeta", Active: 1, ScoredAt: "2026-07-01T06:00:00Z"},
		{Day: "2026-07-03", Account: "acme", PES: f(58), Active: 2, ScoredAt: "2026-07-03T06:00:00Z"},
	}
	if err := h.PutHistory(ctx, rows); err != nil {
		t.Fatal(err)
	}
	// The same day scored again: its row is replaced, not added.
	again := rows[0]
	again.PES = f(56.5)
	if err := h.PutHistory(ctx, []core.HistoryRow{again}); err != nil {
		t.Fatal(err)
	}
	got, err := h.History(ctx, "2026-07-01", "2026-07-02")
	if err != nil {
		t.Fatal(err)
	}
	want := []core.HistoryRow{rows[2], rows[1], again}
	if !sameRows(got, want) {
		t.Errorf("History(07-01, 07-02) =\n%s\nwant\n%s", rowsJSON(got), rowsJSON(want))
	}
	if got, _ := h.History(ctx, "2026-07-03", "2026-07-03"); !sameRows(got, rows[3:]) {
		t.Errorf("History of one day = %s", rowsJSON(got))
	}
	if got, err := h.History(ctx, "2027-01-01", "2027-01-31"); err != nil || len(got) != 0 {
		t.Errorf("History of an empty range = %v, %v; want no row", got, err)
	}

	if st, err := h.State(ctx, "alerts"); err != nil || len(st) != 0 {
		t.Fatalf("State of a new namespace = %v, %v", st, err)
	}
	if err := h.SetState(ctx, "alerts", map[string]string{"acme|pes_below": "2026-07-02", "zeta|usage_drop": "2026-07-01"}); err != nil {
		t.Fatal(err)
	}
	if err := h.SetState(ctx, "traits", map[string]string{"a|acme": "h1"}); err != nil {
		t.Fatal(err)
	}
	if err := h.SetState(ctx, "alerts", map[string]string{"zeta|usage_drop": "", "beta|pes_below": "2026-07-03"}); err != nil {
		t.Fatal(err)
	}
	st, err := h.State(ctx, "alerts")
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"acme|pes_below": "2026-07-02", "beta|pes_below": "2026-07-03"}; !reflect.DeepEqual(st, want) {
		t.Errorf("State(alerts) = %v, want %v", st, want)
	}
	if st, _ := h.State(ctx, "traits"); !reflect.DeepEqual(st, map[string]string{"a|acme": "h1"}) {
		t.Errorf("State(traits) = %v", st)
	}
	// The run's status (a store may keep it apart: /healthz reads it).
	if err := h.SetState(ctx, "status", map[string]string{"last_run": "2026-07-03T06:00:00Z", "slack": "ok"}); err != nil {
		t.Fatal(err)
	}
	if err := h.SetState(ctx, "status", map[string]string{"slack": "", "segment": "failed"}); err != nil {
		t.Fatal(err)
	}
	if st, _ := h.State(ctx, "status"); !reflect.DeepEqual(st, map[string]string{"last_run": "2026-07-03T06:00:00Z", "segment": "failed"}) {
		t.Errorf("State(status) = %v", st)
	}
}

func sameRows(a, b []core.HistoryRow) bool { return rowsJSON(a) == rowsJSON(b) }

func rowsJSON(rows []core.HistoryRow) string {
	b, _ := json.MarshalIndent(rows, "", " ")
	return string(b)
}
