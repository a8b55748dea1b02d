package core

import "sort"

// weightedSummary is the weighting of the period: the weights, k and the
// users' cap c (the 95th percentile of the raw scores above zero).
func weightedSummary(p *period) WeightedSummary {
	raws := make([]float64, 0, len(p.users))
	for i := range p.users {
		if p.users[i].rawP > 0 {
			raws = append(raws, p.users[i].rawP.float())
		}
	}
	return WeightedSummary{Weights: p.weights, K: p.s.WeightK, UserCap: percentile95(raws)}
}

// userRows is every user seen up to the as-of day, ranked by weighted score
// under the cap userCap, and the mean score of those active in the period
// (nil when none is).
func userRows(p *period, userCap float64) ([]UserInsight, *float64) {
	var rows []UserInsight
	for i := range p.users {
		if p.users[i].seen {
			rows = append(rows, userRow(p, uint32(i), userCap))
		}
	}
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
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
	for i := range rows {
		rows[i].Rank = i + 1
		if rows[i].Active {
			meanSum += rows[i].Score
			meanN++
		}
	}
	if meanN > 0 {
		return rows, ptr(meanSum / float64(meanN))
	}
	return rows, nil
}

// userRow is one user's row: weighted score, activity, adoption, activation
// and whether they are a product-qualified lead.
func userRow(p *period, i uint32, userCap float64) UserInsight {
	u := &p.users[i]
	ui := UserInsight{ID: p.r.users.names[i], Raw: u.rawP.float(), Score: p.userScore(i, userCap), Active: u.activeP,
		ActiveDays: u.activeDays, LastActive: u.last.String(), Plan: p.planOf(i)}
	if a := p.mainAccount(i); a != 0 {
		ui.Account = p.r.accounts.names[a]
	}
	if p.f.k > 0 {
		n := 0
		for _, w := range u.coreP {
			n += popcount(w)
		}
		ui.Adoption = 100 * float64(n) / float64(p.f.k)
	}
	ui.Activated = p.activated(u)
	ui.PQL = u.activeP && p.trial(ui.Plan) && ui.Adoption >= 70
	return ui
}

// activation counts the activated users and accounts among the active ones
// and lists the product-qualified leads, from the rows.
func activation(p *period, users []UserInsight, accounts []AccountInsight) Activation {
	act := Activation{Events: p.actEvents, Share: p.s.ActivationShare, PQLUsers: []string{}, PQLAccounts: []string{}}
	if act.Events == nil {
		act.Events = []string{}
	}
	for _, u := range users {
		if !u.Active {
			continue
		}
		act.ActiveUsers++
		if u.Activated {
			act.ActivatedUsers++
		}
		if u.PQL {
			act.PQLUsers = append(act.PQLUsers, u.ID)
		}
	}
	if act.ActiveUsers > 0 {
		act.UsersPct = ptr(100 * float64(act.ActivatedUsers) / float64(act.ActiveUsers))
	}
	for _, a := range accounts {
		if a.Active == 0 {
			continue
		}
		act.ActiveAccounts++
		if a.Activated {
			act.ActivatedAccounts++
		}
		if a.PQL {
			act.PQLAccounts = append(act.PQLAccounts, a.ID)
		}
	}
	if act.ActiveAccounts > 0 {
		act.AccountsPct = ptr(100 * float64(act.ActivatedAccounts) / float64(act.ActiveAccounts))
	}
	sort.Strings(act.PQLUsers)
	sort.Strings(act.PQLAccounts)
	return act
}
