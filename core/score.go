package core

import (
	"cmp"
	"fmt"
	"math/bits"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
)

// icell is a rollup cell with its account resolved: the event's own account, or
// else the user's latest group membership (0 = none).
type icell struct {
	user, account, name uint32
	day                 Day
	n                   uint32
}

// index is a Rollup's cells sorted by user, day and name, ready for scoring.
type index struct {
	r        *Rollup
	cells    []icell
	firstDay Day
	lastDay  Day
}

func newIndex(r *Rollup) *index {
	// The cell table yields its cells sorted by user: one pass fills the index
	// and the users' starts, then each user's few cells sort by day, name and
	// account (an account taken from the membership changes their order).
	member := make([]uint32, len(r.users.names))
	for u, st := range r.members {
		member[u] = st.account
	}
	ix := &index{r: r, cells: make([]icell, 0, r.counts.len())}
	start := make([]int, len(r.users.names)+1)
	r.counts.each(func(k countKey, n uint32) {
		a := k.account
		if a == 0 {
			a = member[k.user]
		}
		ix.cells = append(ix.cells, icell{user: k.user, account: a, name: k.name, day: k.day, n: n})
		start[k.user+1]++
	})
	for i := 1; i < len(start); i++ {
		start[i] += start[i-1]
	}
	// Each user's cells sort on their own: split the users across the cores.
	users := len(start) - 1
	parts := min(runtime.GOMAXPROCS(0), 1+users/1000)
	var wg sync.WaitGroup
	for p := 0; p < parts; p++ {
		wg.Add(1)
		go func(from, to int) {
			defer wg.Done()
			for u := from; u < to; u++ {
				slices.SortFunc(ix.cells[start[u]:start[u+1]], compareCells)
			}
		}(users*p/parts, users*(p+1)/parts)
	}
	wg.Wait()
	for i, c := range ix.cells {
		if i == 0 || c.day < ix.firstDay {
			ix.firstDay = c.day
		}
		if i == 0 || c.day > ix.lastDay {
			ix.lastDay = c.day
		}
	}
	return ix
}

// compareCells orders one user's cells by day, name and account.
func compareCells(a, b icell) int {
	if c := cmp.Compare(a.day, b.day); c != 0 {
		return c
	}
	if c := cmp.Compare(a.name, b.name); c != 0 {
		return c
	}
	return cmp.Compare(a.account, b.account)
}

// span is a range of days, both included.
type span struct{ start, end Day }

func (s span) has(d Day) bool { return d >= s.start && d <= s.end }

// frame is what a scoring pass needs besides the cells.
type frame struct {
	p, q      span
	firstDay  Day     // first active day of the whole input
	core      []int32 // name index -> core slot, or -1
	k         int
	ratio     string
	warnGrowt bool
}

// unitAct is the activity of one scored unit.
type unitAct struct {
	days  []Day    // sorted, unique; up to the period's end, one before the spans
	core  []uint64 // core events performed in P, as a bit set over core slots
	early bool     // a day before the spans is in days
}

func (u *unitAct) add(c *icell, f *frame) {
	switch {
	case c.day > f.p.end:
		return // no span read from a unit ends after the period
	case c.day < min(f.q.start, f.p.start-29):
		// Before every span read (Q, and P's 30-day windows): all that counts
		// is that there is one (a unit active in P is recovered, not new).
		if u.early {
			return
		}
		u.early = true
	}
	if n := len(u.days); n == 0 || u.days[n-1] != c.day {
		u.days = append(u.days, c.day)
	}
	if slot := int(f.core[c.name]); slot >= 0 && f.p.has(c.day) {
		if u.core == nil {
			u.core = make([]uint64, (f.k+63)/64)
		}
		u.core[slot/64] |= 1 << (slot % 64)
	}
}

// finish sorts and deduplicates days gathered out of order (a user's come
// in order: add drops repeats of the last day).
func (u *unitAct) finish() {
	if slices.IsSorted(u.days) {
		return
	}
	slices.Sort(u.days)
	out := u.days[:0]
	for i, d := range u.days {
		if i == 0 || d != u.days[i-1] {
			out = append(out, d)
		}
	}
	u.days = out
}

// activeIn reports whether the unit has a day in s.
func (u *unitAct) activeIn(s span) bool {
	i := sort.Search(len(u.days), func(i int) bool { return u.days[i] >= s.start })
	return i < len(u.days) && u.days[i] <= s.end
}

// components holds the three components of a population and the counts behind them.
type components struct {
	adoption, stickiness, growth, pes *float64
	qr                                *QuickRatio
	counts                            Counts
}

func ptr(v float64) *float64 { return &v }

// score computes the components over a population of units (SPEC "Components").
func (f *frame) score(units []*unitAct) components {
	var c components
	adopted := 0
	for _, u := range units {
		if !u.activeIn(f.p) {
			if u.activeIn(f.q) {
				c.counts.Dropped++
			}
			continue
		}
		c.counts.Active++
		for _, w := range u.core {
			adopted += bits.OnesCount64(w)
		}
		if !u.activeIn(f.q) {
			if u.days[0] >= f.p.start {
				c.counts.New++
			} else {
				c.counts.Recovered++
			}
		}
	}
	if c.counts.Active > 0 && f.k > 0 {
		c.adoption = ptr(100 * float64(adopted) / float64(f.k*c.counts.Active))
	}
	c.stickiness = f.stickiness(units)
	if f.firstDay <= f.q.start {
		qr := NewQuickRatio(c.counts.New+c.counts.Recovered, c.counts.Dropped)
		c.qr = &qr
		c.growth = ptr(GrowthScore(qr.Float()))
	}
	if c.adoption != nil && c.stickiness != nil && c.growth != nil {
		c.pes = ptr((*c.adoption + *c.stickiness + *c.growth) / 3)
	}
	return c
}

// stickiness is 100 × the mean over days of P of the chosen ratio, days with a
// zero denominator left out (Pendo's rolling average).
func (f *frame) stickiness(units []*unitAct) *float64 {
	numLen, denLen := 1, 30
	switch f.ratio {
	case RatioWAUMAU:
		numLen = 7
	case RatioDAUWAU:
		denLen = 7
	}
	num := f.activeCounts(units, numLen)
	den := f.activeCounts(units, denLen)
	sum, days := 0.0, 0
	for i := range num {
		if den[i] > 0 {
			sum += float64(num[i]) / float64(den[i])
			days++
		}
	}
	if days == 0 {
		return nil
	}
	return ptr(100 * sum / float64(days))
}

// activeCounts returns, for each day d of P, the units active in d-length+1..d.
func (f *frame) activeCounts(units []*unitAct, length int) []int {
	n := int(f.p.end-f.p.start) + 1
	diff := make([]int, n+1)
	for _, u := range units {
		lo := f.p.start - Day(length-1)
		i := sort.Search(len(u.days), func(i int) bool { return u.days[i] >= lo })
		covered := lo - 1 // last day already counted for this unit
		for ; i < len(u.days) && u.days[i] <= f.p.end; i++ {
			a := u.days[i]
			start, end := a, a+Day(length-1)
			if start <= covered {
				start = covered + 1
			}
			if start < f.p.start {
				start = f.p.start
			}
			if end > f.p.end {
				end = f.p.end
			}
			if start <= end {
				diff[start-f.p.start]++
				diff[end-f.p.start+1]--
			}
			if a+Day(length-1) > covered {
				covered = a + Day(length-1)
			}
		}
	}
	out := make([]int, n)
	run := 0
	for i := range out {
		run += diff[i]
		out[i] = run
	}
	return out
}

// groupUnits builds one unitAct per key over the cells keep accepts. Keys are
// returned sorted, so that every sum runs in the same order whatever the input.
func groupUnits(cells []icell, f *frame, key func(*icell) (uint64, bool)) ([]uint64, map[uint64]*unitAct) {
	m := make(map[uint64]*unitAct)
	var lastKey uint64
	var last *unitAct
	var pool []unitAct // units allocated in blocks
	for i := range cells {
		c := &cells[i]
		k, ok := key(c)
		if !ok {
			continue
		}
		if last == nil || k != lastKey {
			last = m[k]
			if last == nil {
				if len(pool) == 0 {
					pool = make([]unitAct, 1024)
				}
				last, pool = &pool[0], pool[1:]
				m[k] = last
			}
			lastKey = k
		}
		last.add(c, f)
	}
	keys := make([]uint64, 0, len(m))
	for k, u := range m {
		u.finish()
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys, m
}

func unitsOf(keys []uint64, m map[uint64]*unitAct) []*unitAct {
	out := make([]*unitAct, len(keys))
	for i, k := range keys {
		out[i] = m[k]
	}
	return out
}

// Score computes the report of SPEC.md from a Rollup. It reads nothing but the
// Rollup, so any setting except the time zone can change without re-reading the
// input; the Rollup's time zone must be the settings' (an error says so).
func Score(r *Rollup, s Settings) (*Report, error) {
	s, err := s.Normalized()
	if err != nil {
		return nil, err
	}
	if s.TZ != r.TZ() {
		return nil, fmt.Errorf("the input was rolled up in time zone %s; read it again to score in %s", r.TZ(), s.TZ)
	}
	return scoreIndex(r.index(), s, false)
}

// ScoreOnce is Score for a Rollup scored once and dropped (a store's loaded
// Rollup): its cells are let go as soon as the scoring index holds them, so
// the scoring does not keep both (at 100k users, 127 MB of cells beside the
// index's 106 MB). The Rollup must not be used afterwards.
func ScoreOnce(r *Rollup, s Settings) (*Report, error) {
	s, err := s.Normalized()
	if err != nil {
		return nil, err
	}
	if s.TZ != r.TZ() {
		return nil, fmt.Errorf("the input was rolled up in time zone %s; read it again to score in %s", r.TZ(), s.TZ)
	}
	ix := r.index()
	r.counts, r.ix = cellTable{}, nil
	return scoreIndex(ix, s, false)
}

// index returns the Rollup's cells sorted for scoring, built once and kept until
// the Rollup changes, so that rescoring with other settings skips the sort.
func (r *Rollup) index() *index {
	if r.ix == nil {
		r.ix = newIndex(r)
	}
	return r.ix
}

// scoreIndex computes the report in one pass of named steps: the report's
// input part, the frame of the period, the core events, the period's units,
// the standard score, then the insights and the trend that read the same
// period. productOnly leaves out the lint, the per-account table and the
// insights (monthly trends need the product's components only) and needs
// s.CoreEvents set.
func scoreIndex(ix *index, s Settings, productOnly bool) (*Report, error) {
	rep := newReport(ix.r, s)
	if len(ix.cells) == 0 {
		rep.warn("no_activity", nil, "The input has no activity events (track, page or screen): nothing to score.")
		if rep.Settings.CoreEvents == nil {
			rep.Settings.CoreEvents = []string{}
		}
		return rep, nil
	}
	rep.Input.FirstDay, rep.Input.LastDay = ix.firstDay.String(), ix.lastDay.String()
	f := newFrame(ix, s, rep)
	var lint lintResult
	if !productOnly {
		lint = lintEvents(ix, f.p)
		rep.Suggestions = lint.suggestions
	}
	p := &period{ix: ix, r: ix.r, f: f, s: s, coreEvents: resolveCoreEvents(ix.r, f, s, lint, productOnly, rep)}

	// The per-account tables (this period's, and the previous one's for the
	// insights) only read the index: they run beside the rest.
	accounts := make(chan []AccountScore, 1)
	previous := make(chan map[string]AccountScore, 1)
	if productOnly {
		accounts <- []AccountScore{}
	} else {
		go func() { accounts <- accountTable(ix, f) }()
		go func() { previous <- previousRows(p) }()
	}
	p.groupUnits()
	standardScore(p, rep)
	rep.Accounts = <-accounts
	if !productOnly {
		p.resolveInsightSettings()
		p.gather()
		p.prevRows = <-previous
		rep.Insights = insights(p, rep)
		if s.Trend {
			trend(p, rep.Insights)
		}
	}
	return rep, nil
}

// newReport starts a report with its settings and the input's counts and
// warnings.
func newReport(r *Rollup, s Settings) *Report {
	rep := &Report{
		Settings: ReportSettings{CoreEvents: s.CoreEvents, Window: s.Window, AsOf: s.AsOf,
			TZ: s.TZ, Ratio: s.Ratio, Unit: s.Unit},
		Accounts:    []AccountScore{},
		Suggestions: []Suggestion{},
		Warnings:    []string{},
	}
	rep.Input.InputStats = r.Input
	if rep.Input.SkippedByReason == nil {
		rep.Input.SkippedByReason = map[string]int64{}
	}
	if r.Input.Skipped > 0 {
		rep.warn("skipped", map[string]any{"skipped": r.Input.Skipped, "events": r.Input.Events, "reasons": r.Input.SkippedByReason},
			fmt.Sprintf("%d of %d records were skipped (%s).", r.Input.Skipped, r.Input.Events, reasonList(r.Input.SkippedByReason)))
	}
	for _, f := range r.Input.Files {
		rep.Warnings = append(rep.Warnings, f.Warnings...)
		rep.WarningKeys = append(rep.WarningKeys, f.WarningKeys...)
	}
	if r.Input.Duplicates > 0 {
		rep.warn("duplicates", map[string]any{"duplicates": r.Input.Duplicates, "events": r.Input.Events},
			fmt.Sprintf("%d of %d records repeat an earlier record's id (messageId, uuid, insert_id): each event was counted once.", r.Input.Duplicates, r.Input.Events))
	}
	return rep
}

// newFrame sets the period P (W days to the as-of day, by default the last
// active day) and Q before it, and writes them to the report.
func newFrame(ix *index, s Settings, rep *Report) *frame {
	d := ix.lastDay
	if s.AsOf != "" {
		d, _ = ParseDay(s.AsOf)
	}
	w := Day(s.Window)
	f := &frame{
		p:        span{d - w + 1, d},
		q:        span{d - 2*w + 1, d - w},
		firstDay: ix.firstDay,
		ratio:    s.Ratio,
	}
	rep.Settings.AsOf = d.String()
	rep.Period = Period{Start: f.p.start.String(), End: f.p.end.String()}
	return f
}

// resolveCoreEvents picks the core events (the settings', or the lint's
// suggestion), maps them to the frame's slots and warns about what cannot be
// adopted.
func resolveCoreEvents(r *Rollup, f *frame, s Settings, lint lintResult, productOnly bool, rep *Report) []string {
	core := s.CoreEvents
	if len(core) == 0 && !productOnly {
		core = lint.suggested
		rep.Settings.CoreEventsSuggested = true
		if len(core) > 0 {
			rep.warn("suggested_core_events", map[string]any{"n": len(core), "events": core},
				fmt.Sprintf("No core events were given: scored with the %d suggested ones (%s). Choose your own core events (core_events) for a score you can compare over time.", len(core), strings.Join(core, ", ")))
		}
	}
	if core == nil {
		core = []string{}
	}
	rep.Settings.CoreEvents = core
	f.core = make([]int32, len(r.names.names))
	for i := range f.core {
		f.core[i] = -1
	}
	f.k = len(core)
	for slot, name := range core {
		if id, ok := r.names.ids[name]; ok {
			f.core[id] = int32(slot)
		} else {
			rep.warn("core_event_absent", map[string]any{"event": name},
				fmt.Sprintf("Core event %q never appears in the input: it counts in K but nobody can have adopted it.", name))
		}
	}
	if f.k == 0 {
		rep.warn("no_core_events", nil, "No core events: adoption (and so the PES) cannot be computed.")
	}
	return core
}

// standardScore is the product-level SEP of SPEC.md over the period's units
// (users or accounts), with its counts and warnings.
func standardScore(p *period, rep *Report) {
	ix, f, s := p.ix, p.f, p.s
	rep.Input.Users, rep.Input.Accounts = len(p.userKeys), len(p.accKeys)
	var units []*unitAct
	if s.Unit == UnitUser {
		units = unitsOf(p.userKeys, p.userUnits)
	} else {
		units = unitsOf(p.accKeys, p.accUnits)
		if n := activeUsersWithoutAccount(ix, f.p); n > 0 {
			rep.warn("users_without_account", map[string]any{"n": n},
				fmt.Sprintf("%d users active in the period belong to no account and are left out of the account-level score.", n))
		}
	}
	c := f.score(units)
	rep.Adoption, rep.Stickiness, rep.Growth, rep.PES, rep.QuickRatio = c.adoption, c.stickiness, c.growth, c.pes, c.qr
	rep.Counts = c.counts
	if c.pes != nil {
		b := Band(*c.pes)
		rep.Band = &b
	}
	if c.counts.Active == 0 {
		rep.warn("no_active", map[string]any{"unit": s.Unit, "start": rep.Period.Start, "end": rep.Period.End},
			fmt.Sprintf("No %s was active between %s and %s.", s.Unit, rep.Period.Start, rep.Period.End))
	}
	if ix.firstDay > f.p.start-29 {
		rep.warn("short_history", map[string]any{"first_day": ix.firstDay.String()},
			fmt.Sprintf("The input starts on %s, less than 29 days before the period: early MAU/WAU values are partial, so stickiness reads high.", ix.firstDay))
	}
	if c.growth == nil {
		rep.warn("growth_needs_history", map[string]any{"window": s.Window, "days": 2 * s.Window, "from": f.q.start.String(), "first_day": ix.firstDay.String()},
			fmt.Sprintf("Growth needs 2×%d = %d days of history (from %s); the input starts on %s, so growth and the PES are null.", s.Window, 2*s.Window, f.q.start, ix.firstDay))
	}
}

// accountTable scores each account at user level over the users whose events are
// attributed to it (SPEC "Per-account breakdown"), sorted by id.
func accountTable(ix *index, f *frame) []AccountScore {
	keys, m := groupUnits(ix.cells, f, func(c *icell) (uint64, bool) {
		return uint64(c.account)<<32 | uint64(c.user), c.account != 0
	})
	var out []AccountScore
	for i := 0; i < len(keys); {
		acc := uint32(keys[i] >> 32)
		j := i
		for j < len(keys) && uint32(keys[j]>>32) == acc {
			j++
		}
		units := unitsOf(keys[i:j], m)
		c := f.score(units)
		wasActive := c.counts.Dropped > 0
		out = append(out, AccountScore{
			ID: ix.r.accounts.names[acc], PES: c.pes, Adoption: c.adoption, Stickiness: c.stickiness,
			Growth: c.growth, QuickRatio: c.qr, Active: c.counts.Active,
			AtRisk: (c.pes != nil && *c.pes < 60) || (c.counts.Active == 0 && wasActive),
		})
		i = j
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	if out == nil {
		out = []AccountScore{}
	}
	return out
}

func activeUsersWithoutAccount(ix *index, p span) int {
	n := 0
	var last uint32
	seen := false
	for _, c := range ix.cells {
		if c.account == 0 && p.has(c.day) && (!seen || c.user != last) {
			n++
			last, seen = c.user, true
		}
	}
	return n
}

func reasonList(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}
