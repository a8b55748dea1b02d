package core

import (
	"math"
	"testing"
)

// The pictures of the hand-computed product (score_test.go): a every day from
// 2026-01-02 to 2026-03-02, b once on 2026-02-10 (Z), c on the last day (X, Y).
func TestPicturesHandComputed(t *testing.T) {
	r := rollupOf(t, "UTC", handProduct())
	rep := mustScore(t, r, Settings{CoreEvents: []string{"X", "Y"}, Window: 2})
	p, err := PicturesOf(r, rep)
	if err != nil {
		t.Fatal(err)
	}
	// Day 59: DAU 1 (a) over MAU 2 (a, b); day 60: DAU 2 (a, c) over MAU 3.
	if len(p.Stickiness) != 2 {
		t.Fatalf("stickiness has %d days, want the period's 2", len(p.Stickiness))
	}
	for i, want := range []struct {
		dau, mau int
		ratio    float64
	}{{1, 2, 50}, {2, 3, 200.0 / 3}} {
		s := p.Stickiness[i]
		if s.DAU != want.dau || s.MAU != want.mau || s.Ratio == nil || math.Abs(*s.Ratio-want.ratio) > 1e-9 {
			t.Errorf("day %s: %d/%d %v, want %d/%d %v", s.Day, s.DAU, s.MAU, s.Ratio, want.dau, want.mau, want.ratio)
		}
	}
	// The period's active users are a and c: X by both (a on 2 days, c on 1),
	// Y by c alone; Z (b, before the period) is not in the matrix.
	want := []EventUse{{Event: "X", Core: true, Users: 2, Share: 100, DaysPerUser: 1.5}, {Event: "Y", Core: true, Users: 1, Share: 50, DaysPerUser: 1}}
	if len(p.Events) != len(want) {
		t.Fatalf("events %+v, want %+v", p.Events, want)
	}
	for i := range want {
		if p.Events[i] != want[i] {
			t.Errorf("event %d: %+v, want %+v", i, p.Events[i], want[i])
		}
	}
	// Weeks end on the as-of day (2026-03-02), nine of them back to a's first
	// day. Last week: c new, a returning; the week before: b dormant; the
	// week of 2026-02-10: b new.
	if len(p.Lifecycle) != 9 {
		t.Fatalf("%d weeks, want 9", len(p.Lifecycle))
	}
	check := func(i int, want LifecycleWeek) {
		t.Helper()
		got := p.Lifecycle[i]
		got.Start, got.End = "", ""
		if got != want {
			t.Errorf("week %d (%s..%s): %+v, want %+v", i, p.Lifecycle[i].Start, p.Lifecycle[i].End, got, want)
		}
	}
	if w := p.Lifecycle[8]; w.Start != "2026-02-24" || w.End != "2026-03-02" {
		t.Errorf("last week %s..%s, want 2026-02-24..2026-03-02", w.Start, w.End)
	}
	check(8, LifecycleWeek{New: 1, Returning: 1})
	check(7, LifecycleWeek{Returning: 1, Dormant: 1})
	check(6, LifecycleWeek{New: 1, Returning: 1})
	check(0, LifecycleWeek{New: 1})
}

// A report of another zone than the rollup's is refused.
func TestPicturesZoneMismatch(t *testing.T) {
	r := rollupOf(t, "UTC", handProduct())
	rep := mustScore(t, r, Settings{Window: 2})
	rep.Settings.TZ = "Europe/Paris"
	if _, err := PicturesOf(r, rep); err == nil {
		t.Fatal("no error for a report of another zone")
	}
}
