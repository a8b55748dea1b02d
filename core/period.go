package core

import (
	"math"
	"strings"
)

// period is the value every part of a report reads, computed once per score:
// the frames (this period and the one before it), the settings, the
// standard score's per-unit activity (per user and per account) and, for the
// insights, each user's and each (account, user) pair's weighted activity.
// Data flows one way: rollup, then period, then the report's parts.
type period struct {
	ix *index
	r  *Rollup
	f  *frame
	s  Settings
	// coreEvents are the core events scored (the settings' or suggested).
	coreEvents []string

	// The standard score's units, keys sorted.
	userKeys  []uint64
	userUnits map[uint64]*unitAct
	accKeys   []uint64
	accUnits  map[uint64]*unitAct

	// prevRows is the previous period's per-account table by id (previousRows).
	prevRows map[string]AccountScore

	// The insights' activity up to the as-of day (gather).
	weights   map[string]float64 // the settings', or 1 per core event
	weightOf  []micro            // name index -> weight
	actEvents []string           // activation events
	actSlot   []int32            // name index -> activation slot, or -1
	users     []userStat         // by user index
	pairs     map[uint64]*pairStat
	accs      map[uint32]*accStat
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

// pairKey is the key of one user in one account.
func pairKey(account, user uint32) uint64 { return uint64(account)<<32 | uint64(user) }

// groupUnits groups the cells into the standard score's units: one per
// user and one per account.
// The two run on two cores.
func (p *period) groupUnits() {
	done := make(chan struct{})
	go func() {
		p.accKeys, p.accUnits = groupUnits(p.ix.cells, p.f, func(c *icell) (uint64, bool) { return uint64(c.account), c.account != 0 })
		close(done)
	}()
	p.userKeys, p.userUnits = groupUnits(p.ix.cells, p.f, func(c *icell) (uint64, bool) { return uint64(c.user), true })
	<-done
}

// previous returns the frame of the period before this one (P becomes Q).
func (p *period) previous() *frame {
	prev := *p.f
	w := p.f.p.end - p.f.p.start + 1
	prev.p, prev.q = p.f.q, span{p.f.q.start - w, p.f.q.end - w}
	return &prev
}

// days is the period's length W.
func (p *period) days() Day { return p.f.p.end - p.f.p.start + 1 }

// hasPrevious reports whether the input covers the whole previous period.
func (p *period) hasPrevious() bool { return p.f.q.start >= p.ix.firstDay }

// resolveInsightSettings fills the weights and the activation events: the
// settings', or the core events.
func (p *period) resolveInsightSettings() {
	r := p.r
	p.weights = p.s.Weights
	if len(p.weights) == 0 {
		p.weights = map[string]float64{}
		for _, e := range p.coreEvents {
			p.weights[e] = 1
		}
	}
	p.weightOf = weightsByName(r, p.weights)
	p.actEvents = p.s.ActivationEvents
	if len(p.actEvents) == 0 {
		p.actEvents = p.coreEvents
	}
	p.actSlot = make([]int32, len(r.names.names))
	for i := range p.actSlot {
		p.actSlot[i] = -1
	}
	for slot, name := range p.actEvents {
		if id, ok := r.names.ids[name]; ok {
			p.actSlot[id] = int32(slot)
		}
	}
}

// weightsByName returns each event name's weight in millionths.
func weightsByName(r *Rollup, weights map[string]float64) []micro {
	weightOf := make([]micro, len(r.names.names))
	for name, w := range weights {
		if id, ok := r.names.ids[name]; ok {
			weightOf[id] = toMicro(w)
		}
	}
	return weightOf
}

func words(n int) int { return (n + 63) / 64 }

// gather makes one pass over the cells up to the as-of day and fills each
// user's, each pair's and each account's numbers, then the users' active days.
func (p *period) gather() {
	f := p.f
	p.users = make([]userStat, len(p.r.users.names))
	p.pairs = map[uint64]*pairStat{}
	p.accs = map[uint32]*accStat{}
	lastKey := ^uint64(0)
	var ps *pairStat
	var a *accStat
	for i := range p.ix.cells {
		c := &p.ix.cells[i]
		if c.day > f.p.end {
			continue
		}
		w := p.weightOf[c.name] * micro(c.n)
		inP, inQ := f.p.has(c.day), f.q.has(c.day)
		p.gatherUser(c, w, inP, inQ)
		if c.account == 0 {
			continue
		}
		// A user's cells come together, mostly in one account: look the
		// pair up only when it changes.
		if key := pairKey(c.account, c.user); key != lastKey {
			lastKey = key
			ps, a = p.pair(c.account, c.user)
		}
		ps.last = max(ps.last, c.day)
		if inP {
			ps.activeP, ps.rawP = true, ps.rawP+w
		}
		if inQ {
			ps.activeQ, ps.rawQ = true, ps.rawQ+w
		}
		if slot := f.core[c.name]; slot >= 0 && (inP || inQ) {
			if inP {
				a.coreP[slot/64] |= 1 << (slot % 64)
			} else {
				a.coreQ[slot/64] |= 1 << (slot % 64)
			}
		}
	}
	p.countActiveDays()
}

// gatherUser adds one cell (weighing w) to its user.
func (p *period) gatherUser(c *icell, w micro, inP, inQ bool) {
	f := p.f
	u := &p.users[c.user]
	if !u.seen {
		u.seen, u.first = true, c.day
	}
	u.last = max(u.last, c.day)
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
	if slot := p.actSlot[c.name]; slot >= 0 {
		if u.activationAll == nil {
			u.activationAll = make([]uint64, words(len(p.actEvents)))
		}
		u.activationAll[slot/64] |= 1 << (slot % 64)
	}
}

// pair returns the numbers of a user in an account and the account's, made
// on first sight (the account lists its users in that order).
func (p *period) pair(account, user uint32) (*pairStat, *accStat) {
	a := p.accs[account]
	if a == nil {
		a = &accStat{id: account, coreP: make([]uint64, words(p.f.k)), coreQ: make([]uint64, words(p.f.k))}
		p.accs[account] = a
	}
	ps := p.pairs[pairKey(account, user)]
	if ps == nil {
		ps = &pairStat{}
		p.pairs[pairKey(account, user)] = ps
		a.users = append(a.users, user)
	}
	return ps, a
}

// countActiveDays counts each user's active days in P (a user's cells are
// sorted by day).
func (p *period) countActiveDays() {
	prevUser, prevDay := uint32(math.MaxUint32), Day(math.MinInt32)
	for i := range p.ix.cells {
		c := &p.ix.cells[i]
		if !p.f.p.has(c.day) {
			continue
		}
		if c.user != prevUser || c.day != prevDay {
			p.users[c.user].activeDays++
			prevUser, prevDay = c.user, c.day
		}
	}
}

// accountTrait returns an account's trait ("" when unknown).
func (p *period) accountTrait(a uint32, key string) string {
	return p.r.accountTraits[traitKey{a, key}].value
}

// userTrait returns a user's trait ("" when unknown).
func (p *period) userTrait(u uint32, key string) string {
	return p.r.userTraits[traitKey{u, key}].value
}

// mainAccount is a user's latest group membership (0: none).
func (p *period) mainAccount(u uint32) uint32 {
	if m, ok := p.r.members[u]; ok {
		return m.account
	}
	return 0
}

// planOf is a user's plan: their own trait, or else their account's.
func (p *period) planOf(u uint32) string {
	if plan := p.userTrait(u, p.s.PlanTrait); plan != "" {
		return plan
	}
	if a := p.mainAccount(u); a != 0 {
		return p.accountTrait(a, p.s.PlanTrait)
	}
	return ""
}

// trial reports whether a plan is one of the trial plans.
func (p *period) trial(plan string) bool {
	for _, t := range p.s.TrialPlans {
		if strings.EqualFold(strings.TrimSpace(plan), t) {
			return true
		}
	}
	return false
}

// activated reports whether a user performed the share of activation events.
func (p *period) activated(u *userStat) bool {
	if len(p.actEvents) == 0 {
		return false
	}
	n := 0
	for _, w := range u.activationAll {
		n += popcount(w)
	}
	return float64(n) >= float64(p.s.ActivationShare*float64(len(p.actEvents)))-1e-9
}

// userScore is a user's weighted score under the cap c.
func (p *period) userScore(u uint32, c float64) float64 {
	return WeightedScore(p.users[u].rawP.float(), c, p.s.WeightK)
}
