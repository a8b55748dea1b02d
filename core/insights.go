package core

import (
	"fmt"
	"math"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Insights is what the standard SEP misses (README "Beyond the standard
// score"): weighted scores, seat usage, the spread inside each account,
// explanations of falls, alerts, activation and segments.
type Insights struct {
	Weighted   WeightedSummary  `json:"weighted"`
	Activation Activation       `json:"activation"`
	Alerts     []Alert          `json:"alerts"`
	Accounts   []AccountInsight `json:"accounts"`
	// Users is the top users by weighted score (at most TopUsers); the CSV
	// export (WriteUsersCSV) has them all.
	Users    []UserInsight `json:"users"`
	Segments []Segment     `json:"segments,omitempty"`
	// Trend is the product month by month (setting trend).
	Trend []TrendMonth `json:"trend,omitempty"`

	allUsers []UserInsight
}

// TopUsers is how many users the JSON report lists.
const TopUsers = 100

// WeightedSummary describes the weighted scoring of the period.
type WeightedSummary struct {
	Weights map[string]float64 `json:"weights"`
	K       float64            `json:"k"`
	// UserCap and AccountCap are c, the 95th percentile (nearest rank) of the
	// raw scores above zero.
	UserCap    float64 `json:"user_cap"`
	AccountCap float64 `json:"account_cap"`
	// Mean is the mean weighted score of the users active in the period: the
	// product's weighted score.
	Mean *float64 `json:"mean"`
}

// UserInsight is one user's row.
type UserInsight struct {
	ID         string  `json:"id"`
	Account    string  `json:"account"`
	Rank       int     `json:"rank"`
	Raw        float64 `json:"weighted_raw"`
	Score      float64 `json:"weighted_score"`
	Active     bool    `json:"active"`
	ActiveDays int     `json:"active_days"`
	LastActive string  `json:"last_active"`
	Adoption   float64 `json:"adoption"`
	Activated  bool    `json:"activated"`
	Plan       string  `json:"plan"`
	PQL        bool    `json:"pql"`
}

// AccountInsight is one account's row.
type AccountInsight struct {
	ID            string   `json:"id"`
	Name          string   `json:"name"`
	PES           *float64 `json:"pes"`
	PreviousPES   *float64 `json:"previous_pes"`
	Rank          int      `json:"rank"`
	WeightedRaw   float64  `json:"weighted_raw"`
	WeightedScore float64  `json:"weighted_score"`
	PreviousRaw   float64  `json:"previous_weighted_raw"`
	// UsageChangePct is the weighted usage change from the previous period, in
	// percent (null when the previous period had none).
	UsageChangePct *float64 `json:"usage_change_pct"`
	// Users is every user seen in the account up to the as-of day; Active,
	// those active in the period; Dormant, the others.
	Users             int      `json:"users"`
	Active            int      `json:"active"`
	Dormant           int      `json:"dormant"`
	Seats             *float64 `json:"seats"`
	SeatUsage         *float64 `json:"seat_usage"`
	PreviousSeatUsage *float64 `json:"previous_seat_usage"`
	Plan              string   `json:"plan"`
	Renewal           string   `json:"renewal"`
	// RenewalAtRisk: seat usage under the alert threshold with a renewal in
	// the next 90 days.
	RenewalAtRisk bool `json:"renewal_at_risk"`
	// The spread of the account's user weighted scores (dormant users at 0).
	MaxUserScore    float64  `json:"max_user_score"`
	MedianUserScore float64  `json:"median_user_score"`
	TopUser         string   `json:"top_user"`
	TopUserShare    *float64 `json:"top_user_share"`
	SingleChampion  bool     `json:"single_champion"`
	ActivatedUsers  int      `json:"activated_users"`
	Activated       bool     `json:"activated"`
	PQL             bool     `json:"pql"`
	// Explanation is set when the account's SEP fell period over period.
	Explanation *Explanation   `json:"explanation,omitempty"`
	Trend       []AccountMonth `json:"trend,omitempty"`
}

// Explanation says in numbers why an account's SEP fell.
type Explanation struct {
	PESChange         float64  `json:"pes_change"`
	DormantUsers      []string `json:"dormant_users"`
	DroppedCoreEvents []string `json:"dropped_core_events"`
	SeatUsageChange   *float64 `json:"seat_usage_change"`
	Component         string   `json:"component"`
	ComponentChange   float64  `json:"component_change"`
	Text              []string `json:"text"`
}

// Alert is one rule that fired for an account, as a sentence with its numbers.
type Alert struct {
	Account   string  `json:"account"`
	Rule      string  `json:"rule"`
	Value     float64 `json:"value"`
	Threshold float64 `json:"threshold"`
	Message   string  `json:"message"`
}

// Alert rules.
const (
	RulePESBelow        = "pes_below"
	RuleUsageDrop       = "usage_drop"
	RuleTopUserInactive = "top_user_inactive"
	RuleSeatUsage       = "seat_usage_below"
)

// Activation counts activated users and accounts and the product-qualified leads.
type Activation struct {
	Events            []string `json:"events"`
	Share             float64  `json:"share"`
	ActiveUsers       int      `json:"active_users"`
	ActivatedUsers    int      `json:"activated_users"`
	UsersPct          *float64 `json:"users_pct"`
	ActiveAccounts    int      `json:"active_accounts"`
	ActivatedAccounts int      `json:"activated_accounts"`
	AccountsPct       *float64 `json:"accounts_pct"`
	PQLUsers          []string `json:"pql_users"`
	PQLAccounts       []string `json:"pql_accounts"`
}

// Segment is the SEP of the users sharing one value of a trait or bucket.
type Segment struct {
	By         string   `json:"by"`
	Value      string   `json:"value"`
	Users      int      `json:"users"`
	Active     int      `json:"active"`
	PES        *float64 `json:"pes"`
	Adoption   *float64 `json:"adoption"`
	Stickiness *float64 `json:"stickiness"`
	Growth     *float64 `json:"growth"`
}

// TrendMonth is the product's scores as of a month's last day.
type TrendMonth struct {
	Month         string   `json:"month"`
	PES           *float64 `json:"pes"`
	Change        *float64 `json:"change"`
	WeightedScore *float64 `json:"weighted_score"`
}

// AccountMonth is an account's scores as of a month's last day.
type AccountMonth struct {
	Month         string   `json:"month"`
	PES           *float64 `json:"pes"`
	Change        *float64 `json:"change"`
	WeightedScore float64  `json:"weighted_score"`
}

// WeightedScore maps raw scores to 0..100 (SPEC "Weighted scoring"): c is the
// 95th percentile (nearest rank) of the raw scores above zero, x = min(raw,c)/c,
// score = 100 × (1 − e^(−k·x)) / (1 − e^(−k)).
func WeightedScore(raw, c, k float64) float64 {
	if raw <= 0 || c <= 0 {
		return 0
	}
	x := math.Min(raw, c) / c
	if k == 0 {
		return 100 * x
	}
	return 100 * (1 - portableExp(-k*x)) / (1 - portableExp(-k))
}

// percentile95 is the nearest-rank 95th percentile of the values above zero.
func percentile95(values []float64) float64 {
	var pos []float64
	for _, v := range values {
		if v > 0 {
			pos = append(pos, v)
		}
	}
	if len(pos) == 0 {
		return 0
	}
	sort.Float64s(pos)
	rank := int(math.Ceil(0.95 * float64(len(pos))))
	return pos[max(rank, 1)-1]
}

// userStat is one user's numbers up to the as-of day.
type userStat struct {
	rawP, rawQ    micro
	activeP       bool
	activeQ       bool
	activeDays    int // in P
	first, last   Day
	seen          bool
	coreP         []uint64 // core slots used in P
	activationAll []uint64 // activation slots used up to D
}

// pairStat is one user's numbers inside one account.
type pairStat struct {
	rawP, rawQ micro
	activeP    bool
	activeQ    bool
	last       Day
}

// accStat gathers an account's users and core events.
type accStat struct {
	id           uint32
	users        []uint32
	coreP, coreQ []uint64
}

// insights computes the Insights of a report already scored from ix with frame f.
func insights(ix *index, f *frame, s Settings, rep *Report) *Insights {
	r := ix.r
	in := &Insights{Alerts: []Alert{}, Accounts: []AccountInsight{}, Users: []UserInsight{}}

	// Weights: the settings', or 1 per core event.
	weights := s.Weights
	if len(weights) == 0 {
		weights = map[string]float64{}
		for _, e := range rep.Settings.CoreEvents {
			weights[e] = 1
		}
	}
	in.Weighted.Weights, in.Weighted.K = weights, s.WeightK
	weightOf := make([]micro, len(r.names.names))
	for name, w := range weights {
		if id, ok := r.names.ids[name]; ok {
			weightOf[id] = toMicro(w)
		}
	}
	actEvents := s.ActivationEvents
	if len(actEvents) == 0 {
		actEvents = rep.Settings.CoreEvents
	}
	actSlot := make([]int32, len(r.names.names))
	for i := range actSlot {
		actSlot[i] = -1
	}
	for slot, name := range actEvents {
		if id, ok := r.names.ids[name]; ok {
			actSlot[id] = int32(slot)
		}
	}
	words := func(n int) int { return (n + 63) / 64 }

	// One pass over the cells up to the as-of day.
	users := make([]userStat, len(r.users.names))
	pairs := map[uint64]*pairStat{}
	accs := map[uint32]*accStat{}
	lastKey := ^uint64(0)
	var p *pairStat
	var a *accStat
	for i := range ix.cells {
		c := &ix.cells[i]
		if c.day > f.p.end {
			continue
		}
		u := &users[c.user]
		if !u.seen {
			u.seen, u.first = true, c.day
		}
		u.last = max(u.last, c.day)
		w := weightOf[c.name] * micro(c.n)
		inP, inQ := f.p.has(c.day), f.q.has(c.day)
		if inP {
			u.activeP = true
			u.rawP += w
			if slot := f.core[c.name]; slot >= 0 {
				if u.coreP == nil {
					u.coreP = make([]uint64, words(f.k))
				}
				u.coreP[slot/64] |= 1 << (slot % 64)
			}
		}
		if inQ {
			u.activeQ = true
			u.rawQ += w
		}
		if slot := actSlot[c.name]; slot >= 0 {
			if u.activationAll == nil {
				u.activationAll = make([]uint64, words(len(actEvents)))
			}
			u.activationAll[slot/64] |= 1 << (slot % 64)
		}
		if c.account == 0 {
			continue
		}
		// A user's cells come together, mostly in one account: look the
		// pair up only when it changes.
		if key := uint64(c.account)<<32 | uint64(c.user); key != lastKey {
			lastKey = key
			p = pairs[key]
			a = accs[c.account]
			if a == nil {
				a = &accStat{id: c.account, coreP: make([]uint64, words(f.k)), coreQ: make([]uint64, words(f.k))}
				accs[c.account] = a
			}
			if p == nil {
				p = &pairStat{}
				pairs[key] = p
				a.users = append(a.users, c.user)
			}
		}
		p.last = max(p.last, c.day)
		if inP {
			p.activeP, p.rawP = true, p.rawP+w
		}
		if inQ {
			p.activeQ, p.rawQ = true, p.rawQ+w
		}
		if slot := f.core[c.name]; slot >= 0 && (inP || inQ) {
			if inP {
				a.coreP[slot/64] |= 1 << (slot % 64)
			} else {
				a.coreQ[slot/64] |= 1 << (slot % 64)
			}
		}
	}
	// Active days in P: a user's cells are sorted by day.
	prevUser, prevDay := uint32(math.MaxUint32), Day(math.MinInt32)
	for i := range ix.cells {
		c := &ix.cells[i]
		if !f.p.has(c.day) {
			continue
		}
		if c.user != prevUser || c.day != prevDay {
			users[c.user].activeDays++
			prevUser, prevDay = c.user, c.day
		}
	}

	// Weighted user scores.
	raws := make([]float64, 0, len(users))
	for i := range users {
		if users[i].rawP > 0 {
			raws = append(raws, users[i].rawP.float())
		}
	}
	in.Weighted.UserCap = percentile95(raws)
	userScore := func(u uint32) float64 { return WeightedScore(users[u].rawP.float(), in.Weighted.UserCap, s.WeightK) }

	trial := func(plan string) bool {
		for _, t := range s.TrialPlans {
			if strings.EqualFold(strings.TrimSpace(plan), t) {
				return true
			}
		}
		return false
	}
	accountTrait := func(a uint32, key string) string {
		return r.accountTraits[traitKey{a, key}].value
	}
	userTrait := func(u uint32, key string) string { return r.userTraits[traitKey{u, key}].value }
	mainAccount := func(u uint32) uint32 {
		if m, ok := r.members[u]; ok {
			return m.account
		}
		return 0
	}
	planOf := func(u uint32) string {
		if p := userTrait(u, s.PlanTrait); p != "" {
			return p
		}
		if a := mainAccount(u); a != 0 {
			return accountTrait(a, s.PlanTrait)
		}
		return ""
	}
	activated := func(u *userStat) bool {
		if len(actEvents) == 0 {
			return false
		}
		n := 0
		for _, w := range u.activationAll {
			n += popcount(w)
		}
		return float64(n) >= float64(s.ActivationShare*float64(len(actEvents)))-1e-9
	}

	// Users table and activation.
	act := &in.Activation
	act.Events, act.Share = actEvents, s.ActivationShare
	act.PQLUsers, act.PQLAccounts = []string{}, []string{}
	if act.Events == nil {
		act.Events = []string{}
	}
	for i := range users {
		u := &users[i]
		if !u.seen {
			continue
		}
		ui := UserInsight{ID: r.users.names[i], Raw: u.rawP.float(), Score: userScore(uint32(i)), Active: u.activeP,
			ActiveDays: u.activeDays, LastActive: u.last.String(), Plan: planOf(uint32(i))}
		if a := mainAccount(uint32(i)); a != 0 {
			ui.Account = r.accounts.names[a]
		}
		if f.k > 0 {
			n := 0
			for _, w := range u.coreP {
				n += popcount(w)
			}
			ui.Adoption = 100 * float64(n) / float64(f.k)
		}
		ui.Activated = activated(u)
		if u.activeP {
			act.ActiveUsers++
			if ui.Activated {
				act.ActivatedUsers++
			}
			ui.PQL = trial(ui.Plan) && ui.Adoption >= 70
			if ui.PQL {
				act.PQLUsers = append(act.PQLUsers, ui.ID)
			}
		}
		in.allUsers = append(in.allUsers, ui)
	}
	if act.ActiveUsers > 0 {
		act.UsersPct = ptr(100 * float64(act.ActivatedUsers) / float64(act.ActiveUsers))
	}
	sort.Slice(in.allUsers, func(i, j int) bool {
		a, b := in.allUsers[i], in.allUsers[j]
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		if a.Raw != b.Raw {
			return a.Raw > b.Raw
		}
		return a.ID < b.ID
	})
	// The mean in rank order: the same sum whatever the input order.
	meanSum, meanN := 0.0, 0
	for i := range in.allUsers {
		in.allUsers[i].Rank = i + 1
		if in.allUsers[i].Active {
			meanSum += in.allUsers[i].Score
			meanN++
		}
	}
	if meanN > 0 {
		in.Weighted.Mean = ptr(meanSum / float64(meanN))
	}
	in.Users = in.allUsers[:min(TopUsers, len(in.allUsers))]
	sort.Strings(act.PQLUsers)

	// Accounts: the standard rows of this period and the previous one.
	prevF := *f
	w := f.p.end - f.p.start + 1
	prevF.p, prevF.q = f.q, span{f.q.start - w, f.q.end - w}
	prevRows := map[string]AccountScore{}
	if f.q.start >= ix.firstDay {
		for _, a := range accountTable(ix, &prevF) {
			prevRows[a.ID] = a
		}
	}
	rows := map[string]AccountScore{}
	for _, a := range rep.Accounts {
		rows[a.ID] = a
	}
	accRawsP := []float64{}
	for _, a := range accs {
		var raw micro
		for _, u := range a.users {
			raw += pairs[uint64(a.id)<<32|uint64(u)].rawP
		}
		accRawsP = append(accRawsP, raw.float())
	}
	in.Weighted.AccountCap = percentile95(accRawsP)
	ids := make([]uint32, 0, len(accs))
	for id := range accs {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return r.accounts.names[ids[i]] < r.accounts.names[ids[j]] })
	rules := s.Alerts
	for _, id := range ids {
		a := accs[id]
		name := r.accounts.names[id]
		row, prev := rows[name], prevRows[name]
		ai := AccountInsight{ID: name, Name: accountTrait(id, "name"), PES: row.PES, Users: len(a.users),
			Plan: accountTrait(id, s.PlanTrait), Renewal: accountTrait(id, s.RenewalTrait)}
		if _, ok := prevRows[name]; ok {
			ai.PreviousPES = prev.PES
		}
		var scores []float64
		var top uint32
		var topRaw, topQRaw, rawP, rawQ micro
		var topQ uint32
		hasTopQ := false
		for _, u := range a.users {
			p := pairs[uint64(id)<<32|uint64(u)]
			rawP += p.rawP
			rawQ += p.rawQ
			sc := 0.0
			if p.activeP {
				ai.Active++
				sc = userScore(u)
				if activated(&users[u]) {
					ai.ActivatedUsers++
				}
			}
			scores = append(scores, sc)
			if p.rawP > topRaw || (p.rawP == topRaw && p.rawP > 0 && r.users.names[u] < r.users.names[top]) {
				top, topRaw = u, p.rawP
			}
			if p.rawQ > 0 && (!hasTopQ || p.rawQ > topQRaw || (p.rawQ == topQRaw && r.users.names[u] < r.users.names[topQ])) {
				topQ, topQRaw, hasTopQ = u, p.rawQ, true
			}
		}
		ai.WeightedRaw, ai.PreviousRaw = rawP.float(), rawQ.float()
		ai.Dormant = ai.Users - ai.Active
		ai.WeightedScore = WeightedScore(ai.WeightedRaw, in.Weighted.AccountCap, s.WeightK)
		if ai.PreviousRaw > 0 {
			ai.UsageChangePct = ptr(100 * (ai.WeightedRaw - ai.PreviousRaw) / ai.PreviousRaw)
		}
		sort.Float64s(scores)
		ai.MaxUserScore = scores[len(scores)-1]
		if n := len(scores); n%2 == 1 {
			ai.MedianUserScore = scores[n/2]
		} else {
			ai.MedianUserScore = (scores[n/2-1] + scores[n/2]) / 2
		}
		if ai.WeightedRaw > 0 {
			ai.TopUser = r.users.names[top]
			ai.TopUserShare = ptr(100 * float64(topRaw) / float64(rawP))
			ai.SingleChampion = ai.Users >= 2 && *ai.TopUserShare >= 80
		}
		if seats, err := strconv.ParseFloat(strings.TrimSpace(accountTrait(id, s.SeatsTrait)), 64); err == nil && seats > 0 {
			ai.Seats = ptr(seats)
			ai.SeatUsage = ptr(100 * float64(ai.Active) / seats)
			activeQ := 0
			for _, u := range a.users {
				if pairs[uint64(id)<<32|uint64(u)].activeQ {
					activeQ++
				}
			}
			if f.q.start >= ix.firstDay {
				ai.PreviousSeatUsage = ptr(100 * float64(activeQ) / seats)
			}
			if renewal, err := ParseDay(strings.TrimSpace(ai.Renewal)); err == nil && rules.SeatUsageBelow > 0 {
				ai.RenewalAtRisk = *ai.SeatUsage < rules.SeatUsageBelow && renewal >= f.p.end && renewal <= f.p.end+90
			}
		}
		if ai.Active > 0 {
			act.ActiveAccounts++
			ai.Activated = 2*ai.ActivatedUsers >= ai.Active
			if ai.Activated {
				act.ActivatedAccounts++
			}
			ai.PQL = trial(ai.Plan) && row.Adoption != nil && *row.Adoption >= 70
			if ai.PQL {
				act.PQLAccounts = append(act.PQLAccounts, name)
			}
		}

		// Explanation of a fall.
		if ai.PES != nil && ai.PreviousPES != nil && *ai.PES < *ai.PreviousPES {
			ai.Explanation = explain(r, f, rep.Settings.CoreEvents, a, pairs, &ai, row, prev)
		}

		// Alerts.
		label := name
		if ai.Name != "" && ai.Name != name {
			label = ai.Name + " (" + name + ")"
		}
		if rules.PESBelow > 0 && ai.PES != nil && *ai.PES < rules.PESBelow {
			in.Alerts = append(in.Alerts, Alert{Account: name, Rule: RulePESBelow, Value: *ai.PES, Threshold: rules.PESBelow,
				Message: fmt.Sprintf("%s: SEP %.1f is below %g (adoption %s, stickiness %s, growth %s).",
					label, *ai.PES, rules.PESBelow, oneDecimal(row.Adoption), oneDecimal(row.Stickiness), oneDecimal(row.Growth))})
		}
		if rules.UsageDropPct > 0 && ai.UsageChangePct != nil && *ai.UsageChangePct <= -rules.UsageDropPct {
			in.Alerts = append(in.Alerts, Alert{Account: name, Rule: RuleUsageDrop, Value: -*ai.UsageChangePct, Threshold: rules.UsageDropPct,
				Message: fmt.Sprintf("%s: weighted usage fell %.0f%% from the previous %d days (%s to %s).",
					label, -*ai.UsageChangePct, w, trimFloat(ai.PreviousRaw), trimFloat(ai.WeightedRaw))})
		}
		if rules.TopUserInactiveDays > 0 && hasTopQ {
			last := users[topQ].last
			if idle := int(f.p.end - last); idle >= rules.TopUserInactiveDays {
				in.Alerts = append(in.Alerts, Alert{Account: name, Rule: RuleTopUserInactive, Value: float64(idle), Threshold: float64(rules.TopUserInactiveDays),
					Message: fmt.Sprintf("%s: %s, the top user of the previous %d days, has been inactive for %d days (last active %s).",
						label, r.users.names[topQ], w, idle, last)})
			}
		}
		if rules.SeatUsageBelow > 0 && ai.SeatUsage != nil && *ai.SeatUsage < rules.SeatUsageBelow {
			msg := fmt.Sprintf("%s: %d of %s seats active in the last %d days (%.1f%%), under %g%%.",
				label, ai.Active, trimFloat(*ai.Seats), w, *ai.SeatUsage, rules.SeatUsageBelow)
			if ai.RenewalAtRisk {
				msg += " Renewal on " + strings.TrimSpace(ai.Renewal) + "."
			}
			in.Alerts = append(in.Alerts, Alert{Account: name, Rule: RuleSeatUsage, Value: *ai.SeatUsage, Threshold: rules.SeatUsageBelow, Message: msg})
		}
		in.Accounts = append(in.Accounts, ai)
	}
	if act.ActiveAccounts > 0 {
		act.AccountsPct = ptr(100 * float64(act.ActivatedAccounts) / float64(act.ActiveAccounts))
	}
	sort.Strings(act.PQLAccounts)
	// Rank accounts by weighted score (ties: raw, then id).
	order := make([]int, len(in.Accounts))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(i, j int) bool {
		a, b := &in.Accounts[order[i]], &in.Accounts[order[j]]
		if a.WeightedScore != b.WeightedScore {
			return a.WeightedScore > b.WeightedScore
		}
		if a.WeightedRaw != b.WeightedRaw {
			return a.WeightedRaw > b.WeightedRaw
		}
		return a.ID < b.ID
	})
	for rank, i := range order {
		in.Accounts[i].Rank = rank + 1
	}

	if len(s.By) > 0 {
		in.Segments = segments(ix, f, s, users)
	}
	return in
}

// explain builds the reasons of an account's fall in SEP.
func explain(r *Rollup, f *frame, coreEvents []string, a *accStat, pairs map[uint64]*pairStat, ai *AccountInsight, now, prev AccountScore) *Explanation {
	e := &Explanation{PESChange: *ai.PES - *ai.PreviousPES, DormantUsers: []string{}, DroppedCoreEvents: []string{}}
	type dormant struct {
		name string
		raw  micro
	}
	var gone []dormant
	for _, u := range a.users {
		p := pairs[uint64(a.id)<<32|uint64(u)]
		if p.activeQ && !p.activeP {
			gone = append(gone, dormant{r.users.names[u], p.rawQ})
		}
	}
	sort.Slice(gone, func(i, j int) bool {
		if gone[i].raw != gone[j].raw {
			return gone[i].raw > gone[j].raw
		}
		return gone[i].name < gone[j].name
	})
	for _, g := range gone {
		e.DormantUsers = append(e.DormantUsers, g.name)
	}
	for slot, name := range coreEvents {
		bit := uint64(1) << (slot % 64)
		if a.coreQ[slot/64]&bit != 0 && a.coreP[slot/64]&bit == 0 {
			e.DroppedCoreEvents = append(e.DroppedCoreEvents, name)
		}
	}
	if ai.SeatUsage != nil && ai.PreviousSeatUsage != nil {
		e.SeatUsageChange = ptr(*ai.SeatUsage - *ai.PreviousSeatUsage)
	}
	for _, c := range []struct {
		name      string
		now, prev *float64
	}{{"adoption", now.Adoption, prev.Adoption}, {"stickiness", now.Stickiness, prev.Stickiness}, {"growth", now.Growth, prev.Growth}} {
		if c.now == nil || c.prev == nil {
			continue
		}
		if d := *c.now - *c.prev; e.Component == "" || d < e.ComponentChange {
			e.Component, e.ComponentChange = c.name, d
		}
	}
	days := f.p.end - f.p.start + 1
	e.Text = append(e.Text, fmt.Sprintf("SEP fell from %.1f to %.1f (%+.1f) against the previous %d days.", *ai.PreviousPES, *ai.PES, e.PESChange, days))
	if e.Component != "" {
		e.Text = append(e.Text, fmt.Sprintf("%s moved most: %+.1f points.", capitalize(e.Component), e.ComponentChange))
	}
	if n := len(e.DormantUsers); n > 0 {
		names := e.DormantUsers[:min(n, 10)]
		more := ""
		if n > 10 {
			more = fmt.Sprintf(" and %d more", n-10)
		}
		e.Text = append(e.Text, fmt.Sprintf("%d %s went dormant (active before, not in the period): %s%s.", n, plural(n, "user", "users"), strings.Join(names, ", "), more))
	}
	if n := len(e.DroppedCoreEvents); n > 0 {
		e.Text = append(e.Text, fmt.Sprintf("%d core %s no longer used: %s.", n, plural(n, "event", "events"), strings.Join(e.DroppedCoreEvents, ", ")))
	}
	if e.SeatUsageChange != nil && *e.SeatUsageChange != 0 {
		e.Text = append(e.Text, fmt.Sprintf("Seat usage went from %.1f%% to %.1f%%.", *ai.PreviousSeatUsage, *ai.SeatUsage))
	}
	return e
}

// segments breaks the product score down by traits and by the built-in
// tenure and last-activity buckets, over the users seen up to the as-of day.
func segments(ix *index, f *frame, s Settings, users []userStat) []Segment {
	r := ix.r
	keys, units := groupUnits(ix.cells, f, func(c *icell) (uint64, bool) { return uint64(c.user), c.day <= f.p.end })
	out := []Segment{}
	for _, by := range s.By {
		group := map[string][]*unitAct{}
		count := map[string]int{}
		var values []string
		for _, k := range keys {
			u := uint32(k)
			var v string
			switch by {
			case "tenure":
				weeks := int(f.p.end-users[u].first) / 7
				switch {
				case weeks < 2:
					v = "0-1 weeks"
				case weeks < 5:
					v = "2-4 weeks"
				case weeks < 13:
					v = "5-12 weeks"
				default:
					v = "13+ weeks"
				}
			case "last_active":
				idle := int(f.p.end - users[u].last)
				switch {
				case idle < 7:
					v = "0-6 days"
				case idle < 14:
					v = "7-13 days"
				case idle < 30:
					v = "14-29 days"
				default:
					v = "30+ days"
				}
			default:
				v = r.userTraits[traitKey{u, by}].value
				if v == "" {
					if m, ok := r.members[u]; ok {
						v = r.accountTraits[traitKey{m.account, by}].value
					}
				}
				if v == "" {
					v = "(none)"
				}
			}
			if _, ok := group[v]; !ok {
				values = append(values, v)
			}
			group[v] = append(group[v], units[k])
			count[v]++
		}
		order := map[string]int{"0-1 weeks": 0, "2-4 weeks": 1, "5-12 weeks": 2, "13+ weeks": 3,
			"0-6 days": 0, "7-13 days": 1, "14-29 days": 2, "30+ days": 3}
		sort.Slice(values, func(i, j int) bool {
			if by == "tenure" || by == "last_active" {
				return order[values[i]] < order[values[j]]
			}
			return values[i] < values[j]
		})
		for _, v := range values {
			c := f.score(group[v])
			out = append(out, Segment{By: by, Value: v, Users: count[v], Active: c.counts.Active,
				PES: c.pes, Adoption: c.adoption, Stickiness: c.stickiness, Growth: c.growth})
		}
	}
	return out
}

// trend scores the product and each account as of every month's last day.
func trend(ix *index, f *frame, s Settings, in *Insights) {
	first, last := ix.firstDay, f.p.end
	if first > last {
		return
	}
	r := ix.r
	weightOf := make([]micro, len(r.names.names))
	for name, w := range in.Weighted.Weights {
		if id, ok := r.names.ids[name]; ok {
			weightOf[id] = toMicro(w)
		}
	}
	// The months are independent: they are scored on every core, then
	// chained (each month's change from the one before) in order.
	ends := monthEnds(first, last)
	months := make([]trendScores, len(ends))
	w := f.p.end - f.p.start + 1
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(ends)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fm := *f
				fm.p, fm.q = span{ends[i] - w + 1, ends[i]}, span{ends[i] - 2*w + 1, ends[i] - w}
				months[i] = scoreMonth(ix, &fm, weightOf, s.WeightK)
			}
		}()
	}
	for i := range ends {
		next <- i
	}
	close(next)
	wg.Wait()

	byID := map[string]*AccountInsight{}
	for i := range in.Accounts {
		byID[in.Accounts[i].ID] = &in.Accounts[i]
	}
	var prevPES *float64
	prevAcc := map[string]*float64{}
	for i, m := range months {
		tm := TrendMonth{Month: ends[i].String()[:7], PES: m.pes, WeightedScore: m.weighted}
		if m.pes != nil && prevPES != nil {
			tm.Change = ptr(*m.pes - *prevPES)
		}
		prevPES = m.pes
		in.Trend = append(in.Trend, tm)
		for _, row := range m.accounts {
			ai := byID[row.ID]
			if ai == nil {
				continue
			}
			am := AccountMonth{Month: tm.Month, PES: row.PES, WeightedScore: row.weighted}
			if p := prevAcc[row.ID]; p != nil && row.PES != nil {
				am.Change = ptr(*row.PES - *p)
			}
			prevAcc[row.ID] = row.PES
			ai.Trend = append(ai.Trend, am)
		}
	}
}

// trendScores is one month of the trend, before the changes are chained.
type trendScores struct {
	pes      *float64
	weighted *float64
	accounts []accountMonthScore
}

type accountMonthScore struct {
	ID       string
	PES      *float64
	weighted float64
}

// scoreMonth scores the product and every account with the frame of one
// month, and their weighted scores over its period.
func scoreMonth(ix *index, fm *frame, weightOf []micro, k float64) trendScores {
	keys, m := groupUnits(ix.cells, fm, func(c *icell) (uint64, bool) { return uint64(c.user), true })
	c := fm.score(unitsOf(keys, m))
	// The weighted score: raw sums over the month's period, per user (the
	// cells come grouped by user) and per account (by index).
	var raws []float64
	accRaw := make([]micro, len(ix.r.accounts.names))
	accSeen := make([]bool, len(ix.r.accounts.names))
	userRaw, user, inPeriod := micro(0), uint32(0), false
	for i := range ix.cells {
		cell := &ix.cells[i]
		if cell.user != user || i == 0 {
			if inPeriod {
				raws = append(raws, userRaw.float())
			}
			userRaw, user, inPeriod = 0, cell.user, false
		}
		if !fm.p.has(cell.day) {
			continue
		}
		wt := weightOf[cell.name] * micro(cell.n)
		userRaw += wt
		inPeriod = true
		if cell.account != 0 {
			accRaw[cell.account] += wt
			accSeen[cell.account] = true
		}
	}
	if inPeriod {
		raws = append(raws, userRaw.float())
	}
	out := trendScores{pes: c.pes}
	if c.counts.Active > 0 {
		// Users active in the month's period, summed in a fixed order.
		limit := percentile95(raws)
		scores := make([]float64, len(raws))
		for i, v := range raws {
			scores[i] = WeightedScore(v, limit, k)
		}
		sort.Float64s(scores)
		sum := 0.0
		for _, v := range scores {
			sum += v
		}
		out.weighted = ptr(sum / float64(c.counts.Active))
	}
	var accRaws []float64
	for a, seen := range accSeen {
		if seen {
			accRaws = append(accRaws, accRaw[a].float())
		}
	}
	accLimit := percentile95(accRaws)
	for _, row := range accountTable(ix, fm) {
		out.accounts = append(out.accounts, accountMonthScore{ID: row.ID, PES: row.PES,
			weighted: WeightedScore(accRaw[ix.r.accounts.ids[row.ID]].float(), accLimit, k)})
	}
	return out
}

// micro is a weighted count in millionths: integer sums give the same raw
// scores in any order (weights are used to 6 decimals).
type micro int64

func toMicro(w float64) micro { return micro(math.Round(w * 1e6)) }

func (m micro) float() float64 { return float64(m) / 1e6 }

func popcount(w uint64) int {
	n := 0
	for ; w != 0; w &= w - 1 {
		n++
	}
	return n
}

func oneDecimal(v *float64) string {
	if v == nil {
		return "n/a"
	}
	return strconv.FormatFloat(*v, 'f', 1, 64)
}

func trimFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
