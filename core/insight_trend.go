package core

import (
	"runtime"
	"sort"
	"sync"
)

// trend scores the product and each account as of every month's last day,
// then chains each month's change from the one before.
func trend(p *period, in *Insights) {
	first, last := p.ix.firstDay, p.f.p.end
	if first > last {
		return
	}
	ends := monthEnds(first, last)
	chainTrend(in, ends, scoreMonths(p, ends))
}

// monthFrame is the period's frame moved to end on a month's last day.
func (p *period) monthFrame(end Day) *frame {
	fm := *p.f
	w := p.days()
	fm.p, fm.q = span{end - w + 1, end}, span{end - 2*w + 1, end - w}
	return &fm
}

// scoreMonths scores the months, which are independent, on every core.
func scoreMonths(p *period, ends []Day) []trendScores {
	months := make([]trendScores, len(ends))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(ends)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				months[i] = scoreMonth(p.ix, p.monthFrame(ends[i]), p.weightOf, p.s.WeightK)
			}
		}()
	}
	for i := range ends {
		next <- i
	}
	close(next)
	wg.Wait()
	return months
}

// chainTrend writes the months, in order, to the product's trend and to each
// account's, with each month's change from the one before.
func chainTrend(in *Insights, ends []Day, months []trendScores) {
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
	raws, accRaw, accSeen := monthRaws(ix, fm, weightOf)
	out := trendScores{pes: c.pes}
	if c.counts.Active > 0 {
		out.weighted = ptr(sumWeighted(raws, k) / float64(c.counts.Active))
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

// monthRaws sums the weighted usage over a month's period: per user active
// in it (the cells come grouped by user), and per account (by index, seen
// says which have any).
func monthRaws(ix *index, fm *frame, weightOf []micro) (raws []float64, accRaw []micro, accSeen []bool) {
	accRaw = make([]micro, len(ix.r.accounts.names))
	accSeen = make([]bool, len(ix.r.accounts.names))
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
	return raws, accRaw, accSeen
}

// sumWeighted is the sum of the weighted scores of raws (capped at their
// 95th percentile), summed in a fixed order.
func sumWeighted(raws []float64, k float64) float64 {
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
	return sum
}
