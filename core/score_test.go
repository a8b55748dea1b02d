package core

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// day0 is 2026-01-01 UTC; dayN(n) is n days later at noon.
var day0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func at(n int) int64 { return day0.AddDate(0, 0, n).UnixMilli() }

func track(user, account, name string, day int) Event {
	return Event{UserID: user, AccountID: account, Name: name, TimeMs: at(day), Kind: KindTrack}
}

func group(user, account string, ms int64, traits map[string]string) Event {
	return Event{UserID: user, AccountID: account, TimeMs: ms, Kind: KindGroup, Traits: traits}
}

func rollupOf(t testing.TB, tz string, events []Event) *Rollup {
	t.Helper()
	r, err := NewRollup(tz)
	if err != nil {
		t.Fatal(err)
	}
	for i := range events {
		r.Add(&events[i])
	}
	return r
}

func mustScore(t testing.TB, r *Rollup, s Settings) *Report {
	t.Helper()
	rep, err := Score(r, s)
	if err != nil {
		t.Fatal(err)
	}
	checkMessageKeys(t, rep)
	return rep
}

// checkMessageKeys checks that every warning and explanation sentence of a
// report has its message key beside it, in the same order.
func checkMessageKeys(t testing.TB, rep *Report) {
	t.Helper()
	if len(rep.WarningKeys) != len(rep.Warnings) {
		t.Errorf("%d warnings, %d warning keys", len(rep.Warnings), len(rep.WarningKeys))
	}
	for _, k := range rep.WarningKeys {
		if k.Key == "" {
			t.Errorf("warning with no key in %v", rep.Warnings)
		}
	}
	if rep.Insights == nil {
		return
	}
	for _, a := range rep.Insights.Accounts {
		if e := a.Explanation; e != nil && len(e.Keys) != len(e.Text) {
			t.Errorf("account %s: %d sentences, %d keys", a.ID, len(e.Text), len(e.Keys))
		}
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func checkNum(t *testing.T, what string, got *float64, want float64) {
	t.Helper()
	switch {
	case math.IsNaN(want):
		if got != nil {
			t.Errorf("%s = %v, want null", what, *got)
		}
	case got == nil:
		t.Errorf("%s = null, want %v", what, want)
	case !near(*got, want):
		t.Errorf("%s = %.6f, want %.6f", what, *got, want)
	}
}

var null = math.NaN()

func TestGrowthScore(t *testing.T) {
	for _, c := range []struct{ qr, want float64 }{
		{0, 0}, {0.3, 0}, {0.5, 0}, {1.5, 50}, {5, 100}, {9, 100}, {math.Inf(1), 100},
		{1, 31.546487678572874}, {2, 61.94719977968458},
	} {
		if got := GrowthScore(c.qr); !near(got, c.want) {
			t.Errorf("GrowthScore(%v) = %v, want %v", c.qr, got, c.want)
		}
	}
	// The one-decimal values SPEC quotes.
	if got := math.Round(GrowthScore(1)*10) / 10; got != 31.5 {
		t.Errorf("QR 1 shows %v, want 31.5", got)
	}
	if got := math.Round(GrowthScore(2)*10) / 10; got != 61.9 {
		t.Errorf("QR 2 shows %v, want 61.9", got)
	}
}

func TestCalcSeedExample(t *testing.T) {
	res, err := Calc(CalcInput{CoreEvents: 12, Adopted: 8, DAU: 50, MAU: 200, New: 40, Recovered: 10, Dropped: 25})
	if err != nil {
		t.Fatal(err)
	}
	checkNum(t, "adoption", res.Adoption, 200.0/3)
	checkNum(t, "stickiness", res.Stickiness, 25)
	checkNum(t, "growth", res.Growth, 61.94719977968458)
	checkNum(t, "pes", res.PES, (200.0/3+25+61.94719977968458)/3)
	if got := math.Round(*res.PES*10) / 10; got != 51.2 {
		t.Errorf("PES shows %v, want 51.2", got)
	}
	if *res.Band != "investigate" || res.QuickRatio.Value != 2 {
		t.Errorf("band %q, qr %v", *res.Band, res.QuickRatio)
	}
}

func TestCalcErrorsAndEdges(t *testing.T) {
	for _, in := range []CalcInput{
		{CoreEvents: 3, Adopted: 4, DAU: 1, MAU: 2},
		{CoreEvents: 3, Adopted: 1, DAU: 3, MAU: 2},
		{CoreEvents: -1},
		{CoreEvents: 3, Ratio: "dau/year"},
	} {
		if _, err := Calc(in); err == nil {
			t.Errorf("Calc(%+v): want an error", in)
		}
	}
	res, _ := Calc(CalcInput{CoreEvents: 4, Adopted: 2, DAU: 10, MAU: 20, New: 3})
	if !res.QuickRatio.Inf || *res.Growth != 100 {
		t.Errorf("dropped=0<gained: qr %+v growth %v", res.QuickRatio, *res.Growth)
	}
	res, _ = Calc(CalcInput{CoreEvents: 4, Adopted: 2, DAU: 10, MAU: 20})
	checkNum(t, "growth, nothing gained or dropped", res.Growth, GrowthScore(1))
	res, _ = Calc(CalcInput{CoreEvents: 0, DAU: 10, MAU: 20})
	checkNum(t, "adoption without K", res.Adoption, null)
	checkNum(t, "pes without K", res.PES, null)
}

// A hand-computed product over 60 days, window 2 (P = days 59..60, Q = 57..58):
// a is active every day from day 1 and does X each day; b is active on day 40
// only; c arrives on day 60 and does X and Y.
func handProduct() []Event {
	var evs []Event
	for d := 1; d <= 60; d++ {
		evs = append(evs, track("a", "", "X", d))
	}
	evs = append(evs, track("b", "", "Z", 40), track("c", "", "X", 60), track("c", "", "Y", 60))
	return evs
}

func TestScoreHandComputed(t *testing.T) {
	r := rollupOf(t, "UTC", handProduct())
	rep := mustScore(t, r, Settings{CoreEvents: []string{"X", "Y"}, Window: 2})
	// Adoption: a used 1 of 2, c used 2 of 2 -> 75.
	checkNum(t, "adoption", rep.Adoption, 75)
	// Day 59: DAU 1 (a), MAU 2 (a, b); day 60: DAU 2 (a, c), MAU 3 -> mean(1/2, 2/3).
	checkNum(t, "stickiness", rep.Stickiness, 100*(0.5+2.0/3)/2)
	// Gained c (new), dropped none -> QR inf -> 100.
	checkNum(t, "growth", rep.Growth, 100)
	checkNum(t, "pes", rep.PES, (75+100*(0.5+2.0/3)/2+100)/3)
	if !rep.QuickRatio.Inf {
		t.Errorf("quick ratio %+v, want inf", rep.QuickRatio)
	}
	want := Counts{Active: 2, New: 1, Recovered: 0, Dropped: 0}
	if rep.Counts != want {
		t.Errorf("counts %+v, want %+v", rep.Counts, want)
	}
	if rep.Period != (Period{"2026-03-01", "2026-03-02"}) || rep.Settings.AsOf != "2026-03-02" {
		t.Errorf("period %+v as_of %s", rep.Period, rep.Settings.AsOf)
	}
	if rep.Band == nil || *rep.Band != "healthy" { // 77.8
		t.Errorf("band %v", rep.Band)
	}

	// Other ratios on the same data. WAU/MAU: day 59 WAU 1 / MAU 2, day 60 WAU 2 / MAU 3.
	rep = mustScore(t, r, Settings{CoreEvents: []string{"X", "Y"}, Window: 2, Ratio: "wau/mau"})
	checkNum(t, "wau/mau", rep.Stickiness, 100*(0.5+2.0/3)/2)
	// DAU/WAU: day 59 1/1, day 60 2/2.
	rep = mustScore(t, r, Settings{CoreEvents: []string{"X", "Y"}, Window: 2, Ratio: "dau/wau"})
	checkNum(t, "dau/wau", rep.Stickiness, 100)
}

func TestScoreAsOfInsideData(t *testing.T) {
	r := rollupOf(t, "UTC", handProduct())
	// As of day 40 (2026-02-10), window 2: P = 39..40, Q = 37..38. a active
	// throughout, b new on day 40 -> gained 1, dropped 0.
	rep := mustScore(t, r, Settings{CoreEvents: []string{"X", "Z"}, Window: 2, AsOf: "2026-02-10"})
	checkNum(t, "adoption", rep.Adoption, 50) // a: X (1/2), b: Z (1/2)
	// Day 39: 1/1; day 40: 2/2.
	checkNum(t, "stickiness", rep.Stickiness, 100)
	if rep.Counts != (Counts{Active: 2, New: 1}) {
		t.Errorf("counts %+v", rep.Counts)
	}
	// c's activity after the as-of day does not count.
	if rep.Input.LastDay != "2026-03-02" {
		t.Errorf("last day %s", rep.Input.LastDay)
	}
}

func TestScoreGrowthEdges(t *testing.T) {
	// Nobody gained, nobody dropped: QR 1 -> 31.5.
	var evs []Event
	for d := 1; d <= 10; d++ {
		evs = append(evs, track("a", "", "X", d))
	}
	rep := mustScore(t, rollupOf(t, "UTC", evs), Settings{CoreEvents: []string{"X"}, Window: 5})
	if rep.QuickRatio == nil || rep.QuickRatio.Inf || rep.QuickRatio.Value != 1 {
		t.Fatalf("qr %+v, want 1", rep.QuickRatio)
	}
	checkNum(t, "growth", rep.Growth, GrowthScore(1))

	// Recovered and dropped: u1 active in Q only, u2 before Q and in P, u3 in Q and P.
	// Window 5, days 1..15: P 11..15, Q 6..10.
	evs = []Event{track("u1", "", "X", 7), track("u2", "", "X", 1), track("u2", "", "X", 12),
		track("u3", "", "X", 8), track("u3", "", "X", 15)}
	rep = mustScore(t, rollupOf(t, "UTC", evs), Settings{CoreEvents: []string{"X"}, Window: 5})
	if rep.Counts != (Counts{Active: 2, New: 0, Recovered: 1, Dropped: 1}) {
		t.Errorf("counts %+v", rep.Counts)
	}
	checkNum(t, "growth", rep.Growth, GrowthScore(1))

	// History shorter than 2W: the input starts after Q's first day.
	rep = mustScore(t, rollupOf(t, "UTC", evs), Settings{CoreEvents: []string{"X"}, Window: 10})
	checkNum(t, "growth", rep.Growth, null)
	checkNum(t, "pes", rep.PES, null)
	if rep.Adoption == nil || rep.Stickiness == nil || rep.QuickRatio != nil {
		t.Errorf("other components must still be reported: %+v", rep)
	}
	if !hasWarning(rep, "Growth needs 2×10 = 20 days") || !hasWarning(rep, "MAU/WAU values are partial") {
		t.Errorf("warnings %q", rep.Warnings)
	}
}

func hasWarning(rep *Report, part string) bool {
	for _, w := range rep.Warnings {
		if strings.Contains(w, part) {
			return true
		}
	}
	return false
}

func TestScoreEmptyPeriod(t *testing.T) {
	r := rollupOf(t, "UTC", handProduct())
	rep := mustScore(t, r, Settings{CoreEvents: []string{"X"}, Window: 30, AsOf: "2026-12-31"})
	checkNum(t, "adoption", rep.Adoption, null)
	checkNum(t, "pes", rep.PES, null)
	checkNum(t, "stickiness", rep.Stickiness, null) // no MAU in P at all
	if rep.Counts.Active != 0 || rep.Band != nil || !hasWarning(rep, "No user was active") {
		t.Errorf("%+v %q", rep.Counts, rep.Warnings)
	}

	empty := rollupOf(t, "UTC", nil)
	rep = mustScore(t, empty, Settings{})
	if rep.PES != nil || !hasWarning(rep, "no activity events") {
		t.Errorf("empty input: %+v", rep)
	}
}

func TestScoreTimeZoneDayBoundaries(t *testing.T) {
	// 23:30 UTC on 2026-03-01 is already 2026-03-02 in Paris (UTC+1).
	ms := time.Date(2026, 3, 1, 23, 30, 0, 0, time.UTC).UnixMilli()
	evs := []Event{{UserID: "u", Name: "X", TimeMs: ms, Kind: KindTrack}}
	for tz, want := range map[string]string{"UTC": "2026-03-01", "Europe/Paris": "2026-03-02", "America/New_York": "2026-03-01"} {
		rep := mustScore(t, rollupOf(t, tz, evs), Settings{TZ: tz, CoreEvents: []string{"X"}})
		if rep.Input.FirstDay != want || rep.Settings.AsOf != want {
			t.Errorf("%s: day %s, want %s", tz, rep.Input.FirstDay, want)
		}
	}
	// Across a DST change: 2026-03-29 01:30 UTC is 03:30 CEST on the 29th; 2026-03-28 23:30 UTC is 00:30 CET on the 29th.
	r := rollupOf(t, "Europe/Paris", []Event{
		{UserID: "u", Name: "X", Kind: KindTrack, TimeMs: time.Date(2026, 3, 28, 22, 30, 0, 0, time.UTC).UnixMilli()},
		{UserID: "u", Name: "X", Kind: KindTrack, TimeMs: time.Date(2026, 3, 28, 23, 30, 0, 0, time.UTC).UnixMilli()},
		{UserID: "u", Name: "X", Kind: KindTrack, TimeMs: time.Date(2026, 3, 29, 22, 30, 0, 0, time.UTC).UnixMilli()},
	})
	var days []string
	r.Counts(func(c Count) { days = append(days, c.Day.String()) })
	if strings.Join(sortedStrings(days), ",") != "2026-03-28,2026-03-29,2026-03-30" {
		t.Errorf("Paris days %v", days)
	}
	if _, err := Score(r, Settings{TZ: "UTC"}); err == nil {
		t.Error("scoring in another time zone than the rollup's must fail")
	}
}

func sortedStrings(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestScoreAccounts(t *testing.T) {
	// Window 5, days 1..15 (P 11..15, Q 6..10). Account acme: u1 (group call) and
	// u2 (events carry acme); account beta: u3, active in Q only. u4 has no account.
	evs := []Event{
		group("u1", "acme", at(1), map[string]string{"seats": "10"}),
		track("u1", "", "X", 1), track("u1", "", "X", 12), track("u1", "", "Y", 13),
		track("u2", "acme", "X", 15),
		group("u3", "beta", at(2), nil), track("u3", "", "X", 2), track("u3", "", "X", 8),
		track("u4", "", "X", 14),
	}
	r := rollupOf(t, "UTC", evs)
	rep := mustScore(t, r, Settings{CoreEvents: []string{"X", "Y"}, Window: 5, Unit: "account"})
	// Accounts: acme active in P (X, Y -> 2/2), beta active in Q only.
	checkNum(t, "adoption", rep.Adoption, 100)
	if rep.Counts != (Counts{Active: 1, Recovered: 1, Dropped: 1}) {
		t.Errorf("account counts %+v", rep.Counts)
	}
	if !hasWarning(rep, "1 users active in the period belong to no account") {
		t.Errorf("warnings %q", rep.Warnings)
	}
	if len(rep.Accounts) != 2 || rep.Input.Accounts != 2 || rep.Input.Users != 4 {
		t.Fatalf("accounts %+v input %+v", rep.Accounts, rep.Input)
	}
	acme, beta := rep.Accounts[0], rep.Accounts[1]
	if acme.ID != "acme" || acme.Active != 2 || beta.ID != "beta" || beta.Active != 0 || !beta.AtRisk {
		t.Errorf("rows %+v %+v", acme, beta)
	}
	// acme at user level: u1 X,Y (2/2), u2 X (1/2) -> 75; gained u1 (recovered), u2 (new).
	checkNum(t, "acme adoption", acme.Adoption, 75)
	if !acme.QuickRatio.Inf {
		t.Errorf("acme qr %+v", acme.QuickRatio)
	}
	checkNum(t, "beta adoption", beta.Adoption, null)

	// User level counts u1..u4.
	rep = mustScore(t, r, Settings{CoreEvents: []string{"X", "Y"}, Window: 5})
	if rep.Counts != (Counts{Active: 3, New: 2, Recovered: 1, Dropped: 1}) {
		t.Errorf("user counts %+v", rep.Counts)
	}
}

func TestUserMovedBetweenAccounts(t *testing.T) {
	// The latest group call by timestamp wins, whatever the input order.
	evs := []Event{
		group("u", "new-co", at(5), nil),
		track("u", "", "X", 3),
		group("u", "old-co", at(1), nil),
		track("v", "old-co", "X", 3), // explicit group ids are kept as they are
	}
	for i := 0; i < 5; i++ {
		rand.New(rand.NewPCG(uint64(i), 1)).Shuffle(len(evs), func(a, b int) { evs[a], evs[b] = evs[b], evs[a] })
		rep := mustScore(t, rollupOf(t, "UTC", evs), Settings{CoreEvents: []string{"X"}})
		if len(rep.Accounts) != 2 || rep.Accounts[0].ID != "new-co" || rep.Accounts[0].Active != 1 ||
			rep.Accounts[1].ID != "old-co" || rep.Accounts[1].Active != 1 {
			t.Fatalf("order %d: accounts %+v", i, rep.Accounts)
		}
	}
}

func TestEventsWithNoUserAreSkipped(t *testing.T) {
	evs := handProduct()
	evs = append(evs, Event{Name: "X", TimeMs: at(60), Kind: KindTrack}, Event{Name: "X", TimeMs: at(59)})
	rep := mustScore(t, rollupOf(t, "UTC", evs), Settings{CoreEvents: []string{"X", "Y"}, Window: 2})
	if rep.Input.Skipped != 2 || rep.Input.SkippedByReason["no_user"] != 2 || rep.Input.Events != int64(len(evs)) {
		t.Errorf("input %+v", rep.Input)
	}
	checkNum(t, "adoption unchanged", rep.Adoption, 75)
	if !hasWarning(rep, "2 of 65 records were skipped (no_user: 2)") {
		t.Errorf("warnings %q", rep.Warnings)
	}
}

func TestRollupMergeIsOrderFree(t *testing.T) {
	evs := handProduct()
	evs = append(evs, group("a", "acme", at(3), map[string]string{"seats": "5"}), group("a", "beta", at(9), nil))
	whole := rollupOf(t, "UTC", evs)
	want := mustScore(t, whole, Settings{Window: 2})
	for seed := uint64(0); seed < 10; seed++ {
		rand.New(rand.NewPCG(seed, 2)).Shuffle(len(evs), func(a, b int) { evs[a], evs[b] = evs[b], evs[a] })
		cut := int(seed) * len(evs) / 10
		left, right := rollupOf(t, "UTC", evs[:cut]), rollupOf(t, "UTC", evs[cut:])
		if err := right.Merge(left); err != nil {
			t.Fatal(err)
		}
		got := mustScore(t, right, Settings{Window: 2})
		if a, b := reportJSON(t, got), reportJSON(t, want); a != b {
			t.Fatalf("seed %d: merged report differs:\n%s\n%s", seed, a, b)
		}
	}
}
