package core

import (
	"math"
	"testing"
)

func TestMonthlyScores(t *testing.T) {
	r := rollupOf(t, "UTC", handProduct())
	s := Settings{CoreEvents: []string{"X", "Y"}, Window: 2}
	months, err := MonthlyScores(r, s)
	if err != nil {
		t.Fatal(err)
	}
	// Activity runs from 2026-01-02 to 2026-03-02: three months, the last one
	// clipped to the as-of day.
	var got []string
	for _, m := range months {
		got = append(got, m.Month+" "+m.AsOf)
	}
	want := []string{"2026-01 2026-01-31", "2026-02 2026-02-28", "2026-03 2026-03-02"}
	if len(got) != len(want) {
		t.Fatalf("months %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("months %v, want %v", got, want)
		}
	}
	growthQR1 := 31.5464 // QR 1: gained = dropped = 0
	jan, feb := months[0], months[1]
	// January 30-31: only a, with X alone: adoption 50; a is its own MAU: 100.
	checkNum(t, "jan adoption", jan.Adoption, 50)
	checkNum(t, "jan stickiness", jan.Stickiness, 100)
	if jan.Growth == nil || math.Abs(*jan.Growth-growthQR1) > 1e-3 {
		t.Errorf("jan growth %v, want %v", jan.Growth, growthQR1)
	}
	// February 27-28: b (active on Feb 10) is still in the 30-day MAU: 1/2.
	checkNum(t, "feb adoption", feb.Adoption, 50)
	checkNum(t, "feb stickiness", feb.Stickiness, 50)
	if feb.Active != 1 {
		t.Errorf("feb active %d, want 1", feb.Active)
	}
	// The last month is the report itself.
	rep := mustScore(t, r, s)
	last := months[2]
	for _, c := range []struct {
		what      string
		got, want *float64
	}{{"pes", last.PES, rep.PES}, {"adoption", last.Adoption, rep.Adoption},
		{"stickiness", last.Stickiness, rep.Stickiness}, {"growth", last.Growth, rep.Growth}} {
		if c.got == nil || c.want == nil || *c.got != *c.want {
			t.Errorf("last month %s %v, report %v", c.what, c.got, c.want)
		}
	}
	// MonthlyScoresOf on that report gives the same months.
	again, err := MonthlyScoresOf(r, rep)
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != 3 || *again[1].Stickiness != *feb.Stickiness {
		t.Errorf("MonthlyScoresOf differs: %+v", again)
	}
}

func TestMonthlyScoresEmpty(t *testing.T) {
	r := rollupOf(t, "UTC", nil)
	months, err := MonthlyScores(r, Settings{})
	if err != nil {
		t.Fatal(err)
	}
	if len(months) != 0 {
		t.Errorf("months of nothing: %+v", months)
	}
}
