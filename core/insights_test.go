package core

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

func TestWeightedScoreCurve(t *testing.T) {
	curve := func(x, k float64) float64 { return 100 * (1 - math.Exp(-k*x)) / (1 - math.Exp(-k)) }
	for _, c := range []struct {
		raw, cap, k, want float64
	}{
		{0, 10, 3, 0},
		{10, 10, 3, 100},
		{25, 10, 3, 100}, // above the cap
		{5, 10, 3, curve(0.5, 3)},
		{5, 10, 0, 50}, // k = 0: linear
		{1, 0, 3, 0},   // nobody used anything
	} {
		if got := WeightedScore(c.raw, c.cap, c.k); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("WeightedScore(%v, %v, %v) = %v, want %v", c.raw, c.cap, c.k, got, c.want)
		}
	}
	// Nearest rank: 20 values -> rank 19; 3 values -> rank 3; zeros left out.
	var twenty []float64
	for i := 1; i <= 20; i++ {
		twenty = append(twenty, float64(i))
	}
	if got := percentile95(append(twenty, 0, 0)); got != 19 {
		t.Errorf("p95 of 1..20 = %v, want 19", got)
	}
	if got := percentile95([]float64{10, 20, 60}); got != 60 {
		t.Errorf("p95 of 3 values = %v, want 60", got)
	}
	if got := percentile95([]float64{7, 7, 7}); got != 7 {
		t.Errorf("p95 of ties = %v", got)
	}
}

// insightProduct is a hand-built history, as-of day 40, window 10:
// P = days 31..40, Q = days 21..30.
//   - acme (10 seats, trial, renewal in 30 days): dormant1 (A x20 a day and
//     one B, days 21..25) and dormant2 (A x4 a day, days 21..25) carried it in
//     Q; in P only champ (A x6 a day, days 31..40).
//   - solo (4 seats, plan "Trial"): sam, A and B every day of P.
//   - noseats: old, A every day from day 11.
func insightProduct() []Event {
	var evs []Event
	add := func(user, name string, day, n int) {
		for i := 0; i < n; i++ {
			evs = append(evs, track(user, "", name, day))
		}
	}
	join := func(user, account string, traits map[string]string) {
		evs = append(evs, group(user, account, at(0), traits))
	}
	renewal := day0.AddDate(0, 0, 70).Format("2006-01-02")
	join("champ", "acme", map[string]string{"seats": "10", "plan": "trial", "renewal_date": renewal, "name": "Acme Inc"})
	join("dormant1", "acme", nil)
	join("dormant2", "acme", nil)
	join("sam", "solo", map[string]string{"seats": "4", "plan": "Trial"})
	join("old", "noseats", nil)
	for d := 21; d <= 25; d++ {
		add("dormant1", "A", d, 20)
		add("dormant2", "A", d, 4)
	}
	add("dormant1", "B", 21, 1)
	for d := 31; d <= 40; d++ {
		add("champ", "A", d, 6)
		add("sam", "A", d, 1)
		add("sam", "B", d, 1)
	}
	for d := 11; d <= 40; d++ {
		add("old", "A", d, 1)
	}
	return evs
}

func TestInsightsHandComputed(t *testing.T) {
	r := rollupOf(t, "UTC", insightProduct())
	asOf := day0.AddDate(0, 0, 40).Format("2006-01-02")
	rep := mustScore(t, r, Settings{CoreEvents: []string{"A", "B"}, Window: 10, AsOf: asOf})
	in := rep.Insights
	if in == nil {
		t.Fatal("no insights")
	}
	// Weighted: raws in P are old 10, sam 20, champ 60 -> cap 60.
	if in.Weighted.UserCap != 60 || in.Weighted.AccountCap != 60 || in.Weighted.K != 3 {
		t.Errorf("caps %v %v k %v", in.Weighted.UserCap, in.Weighted.AccountCap, in.Weighted.K)
	}
	curve := func(x float64) float64 { return 100 * (1 - math.Exp(-3*x)) / (1 - math.Exp(-3)) }
	wantUsers := []struct {
		id    string
		score float64
	}{{"champ", 100}, {"sam", curve(20.0 / 60)}, {"old", curve(10.0 / 60)}, {"dormant1", 0}, {"dormant2", 0}}
	if len(in.Users) != len(wantUsers) {
		t.Fatalf("users %+v", in.Users)
	}
	for i, w := range wantUsers {
		u := in.Users[i]
		if u.ID != w.id || math.Abs(u.Score-w.score) > 1e-9 || u.Rank != i+1 {
			t.Errorf("user %d: %s %.4f rank %d, want %s %.4f", i, u.ID, u.Score, u.Rank, w.id, w.score)
		}
	}
	checkNum(t, "weighted mean", in.Weighted.Mean, (100+curve(20.0/60)+curve(10.0/60))/3)

	acc := map[string]AccountInsight{}
	for _, a := range in.Accounts {
		acc[a.ID] = a
	}
	acme, solo, noseats := acc["acme"], acc["solo"], acc["noseats"]
	// acme now: adoption 50 (champ used A of A,B), stickiness 1/3 (DAU 1, MAU 3
	// all period), growth 0 (1 new, 2 dropped: QR 0.5).
	checkNum(t, "acme pes", acme.PES, (50+100.0/3+0)/3)
	// acme before (P = 21..30): adoption 75, stickiness 50 (5 of 10 days at
	// 2/2), growth 100 (2 new, none dropped).
	checkNum(t, "acme previous pes", acme.PreviousPES, 75)
	if acme.Users != 3 || acme.Active != 1 || acme.Dormant != 2 || acme.Rank != 1 || solo.Rank != 2 || noseats.Rank != 3 {
		t.Errorf("acme users %d active %d dormant %d ranks %d %d %d", acme.Users, acme.Active, acme.Dormant, acme.Rank, solo.Rank, noseats.Rank)
	}
	if acme.WeightedRaw != 60 || acme.PreviousRaw != 121 {
		t.Errorf("acme raw %v previous %v, want 60 and 121", acme.WeightedRaw, acme.PreviousRaw)
	}
	checkNum(t, "acme usage change", acme.UsageChangePct, 100*(60.0-121)/121)
	checkNum(t, "acme seat usage", acme.SeatUsage, 10)
	checkNum(t, "acme previous seat usage", acme.PreviousSeatUsage, 20)
	if !acme.RenewalAtRisk || acme.Name != "Acme Inc" || acme.Plan != "trial" {
		t.Errorf("acme renewal at risk %v name %q plan %q", acme.RenewalAtRisk, acme.Name, acme.Plan)
	}
	// Inside acme: champ 100, two dormant teammates at 0.
	if acme.MaxUserScore != 100 || acme.MedianUserScore != 0 || acme.TopUser != "champ" || !acme.SingleChampion {
		t.Errorf("acme spread max %v median %v top %s champion %v", acme.MaxUserScore, acme.MedianUserScore, acme.TopUser, acme.SingleChampion)
	}
	checkNum(t, "acme top share", acme.TopUserShare, 100)
	// solo's only user carries it all, but with no teammate there is no champion.
	if solo.SingleChampion || solo.TopUser != "sam" || solo.Users != 1 {
		t.Errorf("solo champion %v top %s users %d", solo.SingleChampion, solo.TopUser, solo.Users)
	}
	checkNum(t, "solo seat usage", solo.SeatUsage, 25)
	if noseats.Seats != nil || noseats.SeatUsage != nil || noseats.RenewalAtRisk {
		t.Errorf("noseats seats %v usage %v", noseats.Seats, noseats.SeatUsage)
	}

	// The explanation of acme's fall.
	e := acme.Explanation
	if e == nil {
		t.Fatal("acme fell from 75 to 27.8 and has no explanation")
	}
	if strings.Join(e.DormantUsers, ",") != "dormant1,dormant2" || strings.Join(e.DroppedCoreEvents, ",") != "B" ||
		e.Component != "growth" || e.ComponentChange != -100 {
		t.Errorf("explanation %+v", e)
	}
	checkNum(t, "seat usage change", e.SeatUsageChange, -10)
	wantText := []string{
		"SEP fell from 75.0 to 27.8 (-47.2) against the previous 10 days.",
		"Growth moved most: -100.0 points.",
		"2 users went dormant (active before, not in the period): dormant1, dormant2.",
		"1 core event no longer used: B.",
		"Seat usage went from 20.0% to 10.0%.",
	}
	if strings.Join(e.Text, "\n") != strings.Join(wantText, "\n") {
		t.Errorf("explanation text:\n%s\nwant:\n%s", strings.Join(e.Text, "\n"), strings.Join(wantText, "\n"))
	}
	// Each sentence has its key and values, for a page to word it.
	var keys []string
	for _, k := range e.Keys {
		keys = append(keys, k.Key)
	}
	if want := "pes_fell,component_moved,users_dormant,core_events_dropped,seat_usage_changed"; strings.Join(keys, ",") != want {
		t.Errorf("explanation keys %s, want %s", strings.Join(keys, ","), want)
	}
	if v := e.Keys[0].Values; v["from"] != 75.0 || v["days"] != 10 || e.Keys[2].Values["n"] != 2 || e.Keys[4].Values["to"] != 10.0 {
		t.Errorf("explanation values %v, %v, %v", v, e.Keys[2].Values, e.Keys[4].Values)
	}

	// Alerts: acme fires all four; solo's 25% seat usage is not under 25%.
	var got []string
	for _, a := range in.Alerts {
		got = append(got, a.Account+" "+a.Rule+" "+a.Message)
	}
	want := []string{
		"acme pes_below Acme Inc (acme): SEP 27.8 is below 60 (adoption 50.0, stickiness 33.3, growth 0.0).",
		"acme usage_drop Acme Inc (acme): weighted usage fell 50% from the previous 10 days (121 to 60).",
		"acme top_user_inactive Acme Inc (acme): dormant1, the top user of the previous 10 days, has been inactive for 15 days (last active " + day0.AddDate(0, 0, 25).Format("2006-01-02") + ").",
		"acme seat_usage_below Acme Inc (acme): 1 of 10 seats active in the last 10 days (10.0%), under 25%. Renewal on " + day0.AddDate(0, 0, 70).Format("2006-01-02") + ".",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("alerts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// Activation: 2 of A,B needed; of the active users only sam is activated.
	a := in.Activation
	if a.ActiveUsers != 3 || a.ActivatedUsers != 1 || a.ActiveAccounts != 3 || a.ActivatedAccounts != 1 {
		t.Errorf("activation %+v", a)
	}
	if strings.Join(a.PQLUsers, ",") != "sam" || strings.Join(a.PQLAccounts, ",") != "solo" {
		t.Errorf("PQLs users %v accounts %v", a.PQLUsers, a.PQLAccounts)
	}

	// Rules can be turned off and moved.
	rep = mustScore(t, r, Settings{CoreEvents: []string{"A", "B"}, Window: 10, AsOf: asOf,
		Alerts: AlertRules{PESBelow: -1, UsageDropPct: 60, TopUserInactiveDays: 16, SeatUsageBelow: 30}})
	got = nil
	for _, a := range rep.Insights.Alerts {
		got = append(got, a.Account+" "+a.Rule)
	}
	if strings.Join(got, ",") != "acme seat_usage_below,solo seat_usage_below" {
		t.Errorf("alerts with other rules: %v", got)
	}
}

func TestInsightsWeightsAndSegments(t *testing.T) {
	r := rollupOf(t, "UTC", insightProduct())
	asOf := day0.AddDate(0, 0, 40).Format("2006-01-02")
	var s Settings
	for name, v := range map[string]string{"core_events": "A,B", "window": "10", "as_of": asOf,
		"weights": "A:1, B:10", "by": "plan,tenure", "trend": "true"} {
		if err := s.Set(name, v); err != nil {
			t.Fatal(err)
		}
	}
	rep := mustScore(t, r, s)
	in := rep.Insights
	// sam: 10 A + 10 B x10 = 110; champ 60; old 10 -> cap 110, sam first.
	if in.Weighted.UserCap != 110 || in.Users[0].ID != "sam" || in.Users[0].Score != 100 {
		t.Errorf("weighted with weights: cap %v first %+v", in.Weighted.UserCap, in.Users[0])
	}
	var segs []string
	for _, g := range in.Segments {
		segs = append(segs, g.By+"="+g.Value+":"+itoa(g.Users)+"/"+itoa(g.Active))
	}
	// plan comes from the account (trial, Trial, none); tenure from first activity.
	want := "plan=(none):1/1 plan=Trial:1/1 plan=trial:3/1 tenure=0-1 weeks:2/2 tenure=2-4 weeks:3/1"
	if strings.Join(segs, " ") != want {
		t.Errorf("segments %s\nwant     %s", strings.Join(segs, " "), want)
	}
	// Trend: months January (to the 31st) and February (to the as-of day).
	if len(in.Trend) != 2 || in.Trend[0].Month != "2026-01" || in.Trend[1].Month != "2026-02" {
		t.Fatalf("trend %+v", in.Trend)
	}
	last := in.Trend[1]
	if last.PES == nil || rep.PES == nil || *last.PES != *rep.PES {
		t.Errorf("the last month's PES %v is not the report's %v", last.PES, rep.PES)
	}
	for _, a := range in.Accounts {
		if a.ID == "acme" && (len(a.Trend) != 2 || a.Trend[1].PES == nil || *a.Trend[1].PES != *a.PES) {
			t.Errorf("acme trend %+v", a.Trend)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// The portable functions agree with the math package (within 1 ulp, and
// exactly with its pure Go versions, which WebAssembly uses).
func TestPortableMath(t *testing.T) {
	for _, x := range []float64{-50, -3, -1.5, -0.5, -1e-9, 0, 1e-9, 0.3, 1, 2.5, 700, 800, math.NaN()} {
		if got, want := portableExp(x), math.Exp(x); !(got == want || math.Abs(got-want) <= math.Abs(want)*1e-15 || (math.IsNaN(got) && math.IsNaN(want))) {
			t.Errorf("exp(%v) = %v, want %v", x, got, want)
		}
	}
	for _, x := range []float64{0, 1e-300, 0.5, 1, 1.5, 2, 5, 1e300, -1, math.Inf(1)} {
		got, want := portableLog(x), math.Log(x)
		if !(got == want || math.Abs(got-want) <= math.Abs(want)*1e-15 || (math.IsNaN(got) && math.IsNaN(want))) {
			t.Errorf("log(%v) = %v, want %v", x, got, want)
		}
	}
}
