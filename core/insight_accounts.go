package core

import (
	"sort"
	"strconv"
	"strings"
)

// accountRow is one account's insight with what the steps after it read:
// its standard rows of this period and the previous one, and the top user of
// the previous period.
type accountRow struct {
	ai        AccountInsight
	a         *accStat
	now, prev AccountScore
	topQ      uint32 // the user with the most weighted usage in Q
	hasTopQ   bool
}

// accountCap is c of the accounts' weighted scores: the 95th percentile of
// their raw scores in the period above zero.
func accountCap(p *period) float64 {
	raws := []float64{}
	for _, a := range p.accs {
		var raw micro
		for _, u := range a.users {
			raw += p.pairs[pairKey(a.id, u)].rawP
		}
		raws = append(raws, raw.float())
	}
	return percentile95(raws)
}

// previousRows is the standard per-account table of the previous period, by
// id (empty when the input does not cover it).
func previousRows(p *period) map[string]AccountScore {
	rows := map[string]AccountScore{}
	if p.hasPrevious() {
		for _, a := range accountTable(p.ix, p.previous()) {
			rows[a.ID] = a
		}
	}
	return rows
}

// accountRows builds each account's insight, sorted by id: the standard
// rows (table: this period's), the spread of its users, seats, activation
// and, when its SEP fell, the explanation.
func accountRows(p *period, table []AccountScore, ws WeightedSummary) []accountRow {
	prevRows := p.prevRows
	if prevRows == nil {
		prevRows = previousRows(p)
	}
	rows := map[string]AccountScore{}
	for _, a := range table {
		rows[a.ID] = a
	}
	ids := make([]uint32, 0, len(p.accs))
	for id := range p.accs {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return p.r.accounts.names[ids[i]] < p.r.accounts.names[ids[j]] })
	out := make([]accountRow, 0, len(ids))
	for _, id := range ids {
		name := p.r.accounts.names[id]
		row := accountRow{a: p.accs[id], now: rows[name], prev: prevRows[name]}
		ai := &row.ai
		*ai = AccountInsight{ID: name, Name: p.accountTrait(id, "name"), PES: row.now.PES, Users: len(row.a.users),
			Plan: p.accountTrait(id, p.s.PlanTrait), Renewal: p.accountTrait(id, p.s.RenewalTrait)}
		if _, ok := prevRows[name]; ok {
			ai.PreviousPES = row.prev.PES
		}
		row.topQ, row.hasTopQ = spread(p, row.a, ai, ws.UserCap)
		ai.WeightedScore = WeightedScore(ai.WeightedRaw, ws.AccountCap, p.s.WeightK)
		if ai.PreviousRaw > 0 {
			ai.UsageChangePct = ptr(100 * (ai.WeightedRaw - ai.PreviousRaw) / ai.PreviousRaw)
		}
		seatUsage(p, row.a, ai)
		accountActivation(p, ai, row.now)
		if ai.PES != nil && ai.PreviousPES != nil && *ai.PES < *ai.PreviousPES {
			ai.Explanation = explain(p, row.a, ai, row.now, row.prev)
		}
		out = append(out, row)
	}
	return out
}

// spread fills an account's users' numbers: active, dormant and activated
// users, weighted usage now and before, the spread of the user scores (under
// userCap; dormant users at 0) and the top user's share. It returns the top
// user of the previous period.
func spread(p *period, a *accStat, ai *AccountInsight, userCap float64) (topQ uint32, hasTopQ bool) {
	names := p.r.users.names
	var scores []float64
	var top uint32
	var topRaw, topQRaw, rawP, rawQ micro
	for _, u := range a.users {
		ps := p.pairs[pairKey(a.id, u)]
		rawP += ps.rawP
		rawQ += ps.rawQ
		sc := 0.0
		if ps.activeP {
			ai.Active++
			sc = p.userScore(u, userCap)
			if p.activated(&p.users[u]) {
				ai.ActivatedUsers++
			}
		}
		scores = append(scores, sc)
		if ps.rawP > topRaw || (ps.rawP == topRaw && ps.rawP > 0 && names[u] < names[top]) {
			top, topRaw = u, ps.rawP
		}
		if ps.rawQ > 0 && (!hasTopQ || ps.rawQ > topQRaw || (ps.rawQ == topQRaw && names[u] < names[topQ])) {
			topQ, topQRaw, hasTopQ = u, ps.rawQ, true
		}
	}
	ai.WeightedRaw, ai.PreviousRaw = rawP.float(), rawQ.float()
	ai.Dormant = ai.Users - ai.Active
	sort.Float64s(scores)
	ai.MaxUserScore = scores[len(scores)-1]
	if n := len(scores); n%2 == 1 {
		ai.MedianUserScore = scores[n/2]
	} else {
		ai.MedianUserScore = (scores[n/2-1] + scores[n/2]) / 2
	}
	if ai.WeightedRaw > 0 {
		ai.TopUser = names[top]
		ai.TopUserShare = ptr(100 * float64(topRaw) / float64(rawP))
		ai.SingleChampion = ai.Users >= 2 && *ai.TopUserShare >= 80
	}
	return topQ, hasTopQ
}

// seatUsage fills an account's seats (its seats trait), the share of them
// active now and in the previous period, and whether a renewal in the next 90
// days is at risk.
func seatUsage(p *period, a *accStat, ai *AccountInsight) {
	seats, err := strconv.ParseFloat(strings.TrimSpace(p.accountTrait(a.id, p.s.SeatsTrait)), 64)
	if err != nil || seats <= 0 {
		return
	}
	ai.Seats = ptr(seats)
	ai.SeatUsage = ptr(100 * float64(ai.Active) / seats)
	activeQ := 0
	for _, u := range a.users {
		if p.pairs[pairKey(a.id, u)].activeQ {
			activeQ++
		}
	}
	if p.hasPrevious() {
		ai.PreviousSeatUsage = ptr(100 * float64(activeQ) / seats)
	}
	below := p.s.Alerts.SeatUsageBelow
	if renewal, err := ParseDay(strings.TrimSpace(ai.Renewal)); err == nil && below > 0 {
		ai.RenewalAtRisk = *ai.SeatUsage < below && renewal >= p.f.p.end && renewal <= p.f.p.end+90
	}
}

// accountActivation says whether an active account is activated (half its
// active users are) and a product-qualified lead (a trial plan with adoption
// of 70 or more in its standard row now).
func accountActivation(p *period, ai *AccountInsight, now AccountScore) {
	if ai.Active == 0 {
		return
	}
	ai.Activated = 2*ai.ActivatedUsers >= ai.Active
	ai.PQL = p.trial(ai.Plan) && now.Adoption != nil && *now.Adoption >= 70
}

// rankAccounts ranks accounts by weighted score (ties: raw, then id).
func rankAccounts(accounts []AccountInsight) {
	order := make([]int, len(accounts))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(i, j int) bool {
		a, b := &accounts[order[i]], &accounts[order[j]]
		if a.WeightedScore != b.WeightedScore {
			return a.WeightedScore > b.WeightedScore
		}
		if a.WeightedRaw != b.WeightedRaw {
			return a.WeightedRaw > b.WeightedRaw
		}
		return a.ID < b.ID
	})
	for rank, i := range order {
		accounts[i].Rank = rank + 1
	}
}
