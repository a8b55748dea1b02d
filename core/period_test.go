package core

import (
	"reflect"
	"strings"
	"testing"
)

// handPeriod is the period of a product built by hand, 7-day window to
// 2026-03-10 (P = 03-04..03-10, Q = 02-25..03-03):
//
//	a1 "Acme" (5 seats, trial, renews 2026-04-01): u1 and u2
//	  u1: Create on 03-05, 03-06, 03-07 and Export on 03-08 (P); Create on 02-25, 02-26 (Q)
//	  u2: Create and Share on 02-27 (Q), nothing since: dormant
//	a2 (10 seats, pro): u3, Create on 03-09
//	u4, no account: Create on 03-10
//
// Core events Create, Share, Export; weights Create 1, Share 5, Export 2.
func handPeriod(t *testing.T, edit func(*Settings)) *period {
	t.Helper()
	r, err := NewRollup("UTC")
	if err != nil {
		t.Fatal(err)
	}
	day := func(s string) Day {
		d, err := ParseDay(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, c := range []struct{ user, account, event, day string }{
		{"u1", "a1", "Create", "2026-03-05"}, {"u1", "a1", "Create", "2026-03-06"}, {"u1", "a1", "Create", "2026-03-07"},
		{"u1", "a1", "Export", "2026-03-08"}, {"u1", "a1", "Create", "2026-02-25"}, {"u1", "a1", "Create", "2026-02-26"},
		{"u2", "a1", "Create", "2026-02-27"}, {"u2", "a1", "Share", "2026-02-27"},
		{"u3", "a2", "Create", "2026-03-09"}, {"u4", "", "Create", "2026-03-10"},
	} {
		r.AddCount(Count{User: c.user, Account: c.account, Event: c.event, Day: day(c.day), N: 1})
	}
	for _, tr := range []Trait{{true, "a1", "name", "Acme", 1}, {true, "a1", "seats", "5", 1}, {true, "a1", "plan", "trial", 1},
		{true, "a1", "renewal_date", "2026-04-01", 1}, {true, "a2", "seats", "10", 1}, {true, "a2", "plan", "pro", 1}} {
		r.AddTrait(tr)
	}
	r.AddMembership(Membership{User: "u1", Account: "a1", TimeMs: 1})
	r.AddMembership(Membership{User: "u2", Account: "a1", TimeMs: 1})
	r.AddMembership(Membership{User: "u3", Account: "a2", TimeMs: 1})
	s := Settings{CoreEvents: []string{"Create", "Share", "Export"}, Window: 7, AsOf: "2026-03-10",
		Weights: map[string]float64{"Create": 1, "Share": 5, "Export": 2}, ActivationShare: 0.5,
		TrialPlans: []string{"trial"}, RenewalTrait: "renewal_date",
		Alerts: AlertRules{PESBelow: 60, UsageDropPct: 30, TopUserInactiveDays: 7, SeatUsageBelow: 25}}
	if edit != nil {
		edit(&s)
	}
	s, err = s.Normalized()
	if err != nil {
		t.Fatal(err)
	}
	ix := r.index()
	rep := newReport(r, s)
	f := newFrame(ix, s, rep)
	p := &period{ix: ix, r: r, f: f, s: s, coreEvents: resolveCoreEvents(r, f, s, lintResult{}, true, rep)}
	p.groupUnits()
	p.resolveInsightSettings()
	p.gather()
	return p
}

// id returns the index of a user or account name.
func (p *period) id(t *testing.T, account bool, name string) uint32 {
	tb := p.r.users
	if account {
		tb = p.r.accounts
	}
	id, ok := tb.ids[name]
	if !ok {
		t.Fatalf("no %s", name)
	}
	return id
}

func TestPeriodGather(t *testing.T) {
	p := handPeriod(t, nil)
	u1 := p.users[p.id(t, false, "u1")]
	if u1.rawP != toMicro(5) || u1.rawQ != toMicro(2) || u1.activeDays != 4 || !u1.activeP || !u1.activeQ || u1.first.String() != "2026-02-25" {
		t.Errorf("u1: %+v", u1)
	}
	a1 := p.accs[p.id(t, true, "a1")]
	if len(a1.users) != 2 || a1.coreP[0] != 0b101 || a1.coreQ[0] != 0b011 {
		t.Errorf("a1: users %v, core in P %b, in Q %b (want Create+Export, Create+Share)", a1.users, a1.coreP[0], a1.coreQ[0])
	}
	if got := len(p.userKeys); got != 4 {
		t.Errorf("%d user units, want 4", got)
	}
	if got := len(p.accKeys); got != 2 {
		t.Errorf("%d account units, want 2", got)
	}
}

func TestWeightedSummaryAndUserRows(t *testing.T) {
	p := handPeriod(t, nil)
	ws := weightedSummary(p)
	if ws.UserCap != 5 || ws.K != 3 || ws.Weights["Share"] != 5 {
		t.Fatalf("summary %+v, want cap 5 (p95 of 5, 1, 1), k 3", ws)
	}
	rows, mean := userRows(p, ws.UserCap)
	var order []string
	for _, r := range rows {
		order = append(order, r.ID)
	}
	if !reflect.DeepEqual(order, []string{"u1", "u3", "u4", "u2"}) {
		t.Errorf("rank order %v", order)
	}
	low := WeightedScore(1, 5, 3)
	if mean == nil || *mean != (100+low+low)/3 {
		t.Errorf("mean %v, want %v", mean, (100+low+low)/3)
	}
	u1 := rows[0]
	if u1.Score != 100 || u1.Account != "a1" || u1.Plan != "trial" || u1.ActiveDays != 4 || !u1.Activated || u1.PQL {
		t.Errorf("u1 %+v: adoption 2 of 3 core events is under 70, no PQL", u1)
	}
	if u2 := rows[3]; u2.Active || !u2.Activated || u2.Score != 0 || u2.LastActive != "2026-02-27" {
		t.Errorf("u2 %+v", u2)
	}
}

func TestSpreadAndSeats(t *testing.T) {
	p := handPeriod(t, nil)
	a := p.accs[p.id(t, true, "a1")]
	ai := AccountInsight{Users: len(a.users), Renewal: "2026-04-01"}
	topQ, ok := spread(p, a, &ai, 5)
	if !ok || p.r.users.names[topQ] != "u2" {
		t.Errorf("top user of Q: %v %v, want u2 (raw 6 against 2)", topQ, ok)
	}
	if ai.Active != 1 || ai.Dormant != 1 || ai.WeightedRaw != 5 || ai.PreviousRaw != 8 || ai.MaxUserScore != 100 ||
		ai.MedianUserScore != 50 || ai.TopUser != "u1" || *ai.TopUserShare != 100 || !ai.SingleChampion || ai.ActivatedUsers != 1 {
		t.Errorf("spread %+v", ai)
	}
	seatUsage(p, a, &ai)
	if *ai.Seats != 5 || *ai.SeatUsage != 20 || *ai.PreviousSeatUsage != 40 || !ai.RenewalAtRisk {
		t.Errorf("seats %v usage %v previous %v renewal at risk %v", *ai.Seats, *ai.SeatUsage, *ai.PreviousSeatUsage, ai.RenewalAtRisk)
	}
	// Without the previous period in the input, no previous seat usage.
	p.ix.firstDay = p.f.q.start + 1
	fresh := AccountInsight{Active: 1}
	seatUsage(p, a, &fresh)
	if fresh.PreviousSeatUsage != nil || *fresh.SeatUsage != 20 {
		t.Errorf("without the previous period: usage %v, previous %v", *fresh.SeatUsage, fresh.PreviousSeatUsage)
	}
}

func TestAccountActivationAndRank(t *testing.T) {
	p := handPeriod(t, nil)
	ai := AccountInsight{Active: 2, ActivatedUsers: 1, Plan: "Trial "}
	accountActivation(p, &ai, AccountScore{Adoption: ptr(80)})
	if !ai.Activated || !ai.PQL {
		t.Errorf("half the active users activated, trial plan, adoption 80: %+v", ai)
	}
	idle := AccountInsight{Plan: "trial"}
	accountActivation(p, &idle, AccountScore{Adoption: ptr(80)})
	if idle.Activated || idle.PQL {
		t.Errorf("an account without active users: %+v", idle)
	}
	accs := []AccountInsight{{ID: "b", WeightedScore: 10, WeightedRaw: 1}, {ID: "a", WeightedScore: 10, WeightedRaw: 1},
		{ID: "c", WeightedScore: 10, WeightedRaw: 2}, {ID: "d", WeightedScore: 50}}
	rankAccounts(accs)
	var ranks []int
	for _, a := range accs {
		ranks = append(ranks, a.Rank)
	}
	if !reflect.DeepEqual(ranks, []int{4, 3, 2, 1}) {
		t.Errorf("ranks %v, want score, then raw, then id", ranks)
	}
}

func TestAccountAlertsAndExplain(t *testing.T) {
	p := handPeriod(t, nil)
	rows := accountRows(p, []AccountScore{{ID: "a1", PES: ptr(40), Adoption: ptr(66.7), Stickiness: ptr(20), Growth: ptr(0)}},
		WeightedSummary{UserCap: 5, AccountCap: 5})
	if len(rows) != 2 || rows[0].ai.ID != "a1" {
		t.Fatalf("rows %+v", rows)
	}
	var rules []string
	for _, a := range accountAlerts(p, &rows[0]) {
		rules = append(rules, a.Rule+": "+a.Message)
	}
	want := []string{
		"pes_below: Acme (a1): SEP 40.0 is below 60 (adoption 66.7, stickiness 20.0, growth 0.0).",
		"usage_drop: Acme (a1): weighted usage fell 38% from the previous 7 days (8 to 5).",
		"top_user_inactive: Acme (a1): u2, the top user of the previous 7 days, has been inactive for 11 days (last active 2026-02-27).",
		"seat_usage_below: Acme (a1): 1 of 5 seats active in the last 7 days (20.0%), under 25%. Renewal on 2026-04-01.",
	}
	if !reflect.DeepEqual(rules, want) {
		t.Errorf("alerts:\n%s\nwant\n%s", strings.Join(rules, "\n"), strings.Join(want, "\n"))
	}
	// Thresholds the account does not cross: none fires.
	off := handPeriod(t, func(s *Settings) {
		s.Alerts = AlertRules{PESBelow: 40, UsageDropPct: 40, TopUserInactiveDays: 12, SeatUsageBelow: 20}
	})
	if got := accountAlerts(off, &rows[0]); len(got) != 0 {
		t.Errorf("thresholds not crossed: %v", got)
	}

	a := p.accs[p.id(t, true, "a1")]
	ai := rows[0].ai
	ai.PES, ai.PreviousPES = ptr(40), ptr(55)
	e := explain(p, a, &ai, AccountScore{Adoption: ptr(66.7), Stickiness: ptr(20), Growth: ptr(0)},
		AccountScore{Adoption: ptr(70), Stickiness: ptr(30), Growth: ptr(50)})
	if !reflect.DeepEqual(e.DormantUsers, []string{"u2"}) || !reflect.DeepEqual(e.DroppedCoreEvents, []string{"Share"}) ||
		e.Component != "growth" || e.ComponentChange != -50 || *e.SeatUsageChange != -20 || e.PESChange != -15 {
		t.Errorf("explanation %+v", e)
	}
	if e.Text[0] != "SEP fell from 55.0 to 40.0 (-15.0) against the previous 7 days." || len(e.Text) != 5 {
		t.Errorf("text %q", e.Text)
	}
}

func TestActivationAndSegments(t *testing.T) {
	p := handPeriod(t, func(s *Settings) { s.By = []string{"plan", "tenure", "last_active"} })
	users, _ := userRows(p, 5)
	act := activation(p, users, []AccountInsight{{ID: "a1", Active: 1, Activated: true, PQL: true}, {ID: "a2", Active: 1}, {ID: "a3"}})
	if act.ActiveUsers != 3 || act.ActivatedUsers != 1 || *act.UsersPct != 100.0/3 || act.ActiveAccounts != 2 ||
		act.ActivatedAccounts != 1 || *act.AccountsPct != 50 || !reflect.DeepEqual(act.PQLAccounts, []string{"a1"}) ||
		len(act.PQLUsers) != 0 || !reflect.DeepEqual(act.Events, p.coreEvents) {
		t.Errorf("activation %+v", act)
	}
	var got []string
	for _, s := range segments(p) {
		got = append(got, s.By+"="+s.Value+" users "+itoa(s.Users)+" active "+itoa(s.Active))
	}
	want := []string{"plan=(none) users 1 active 1", "plan=pro users 1 active 1", "plan=trial users 2 active 1",
		"tenure=0-1 weeks users 4 active 3", "last_active=0-6 days users 3 active 3", "last_active=7-13 days users 1 active 0"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("segments\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// A user whose only activity is after the as-of day is in no segment.
	p.userUnits[p.userKeys[0]].days = nil
	if n := len(p.usersUpToPeriodEnd()); n != 3 {
		t.Errorf("%d users up to the period's end, want 3", n)
	}
}

func TestTrendSteps(t *testing.T) {
	p := handPeriod(t, nil)
	end, _ := ParseDay("2026-02-28")
	fm := p.monthFrame(end)
	if fm.p.start.String() != "2026-02-22" || fm.p.end != end || fm.q.end.String() != "2026-02-21" || fm.k != 3 {
		t.Errorf("month frame P %s..%s Q ..%s k %d", fm.p.start, fm.p.end, fm.q.end, fm.k)
	}
	// Chaining: each month's change from the one before, for the product and
	// the accounts the report lists (others are left out).
	in := &Insights{Accounts: []AccountInsight{{ID: "a1"}}}
	ends := []Day{end, end + 31}
	chainTrend(in, ends, []trendScores{
		{pes: ptr(50), weighted: ptr(10), accounts: []accountMonthScore{{ID: "a1", PES: ptr(40), weighted: 5}, {ID: "gone", PES: ptr(1)}}},
		{pes: ptr(45), accounts: []accountMonthScore{{ID: "a1", PES: nil, weighted: 0}}},
	})
	if len(in.Trend) != 2 || in.Trend[0].Month != "2026-02" || in.Trend[0].Change != nil || *in.Trend[1].Change != -5 || in.Trend[1].WeightedScore != nil {
		t.Errorf("product trend %+v", in.Trend)
	}
	if tr := in.Accounts[0].Trend; len(tr) != 2 || *tr[0].PES != 40 || tr[0].WeightedScore != 5 || tr[1].Change != nil || tr[1].Month != "2026-03" {
		t.Errorf("a1 trend %+v", tr)
	}
	// The weighted scores of a month: raws capped at their 95th percentile.
	if got := sumWeighted([]float64{5, 1, 1}, 3); got != 100+2*WeightedScore(1, 5, 3) {
		t.Errorf("sumWeighted %v", got)
	}
	// The whole trend of the hand-built product: one month per month end
	// from the first active day to the as-of day.
	full := &Insights{}
	trend(p, full)
	var months []string
	for _, m := range full.Trend {
		months = append(months, m.Month)
	}
	if !reflect.DeepEqual(months, []string{"2026-02", "2026-03"}) {
		t.Errorf("months %v", months)
	}
}
