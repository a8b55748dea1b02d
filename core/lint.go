package core

import (
	"runtime"
	"sort"
	"strings"
	"sync"
)

// Suggestion limits (SPEC "Core event suggestions and lint").
const (
	maxSuggestedCore = 20  // never suggest more core events than this
	minSuggestedCore = 10  // below this many, take events however rare
	rareShare        = 0.1 // past minSuggestedCore, stop at events used by under 10% of active users
	maxSuggestions   = 100 // events listed in the report's suggestions
)

type lintResult struct {
	suggestions []Suggestion // events seen in P, most used first, with flags
	suggested   []string     // suggested core events
}

// lintEvents flags the events seen in P (navigation, admin-only, one-time setup)
// and suggests core events: the most used unflagged ones.
//
// Decisions where SPEC is open: "admin-only" counts the accounts in which the
// event was performed in P and needs more than half of them to have exactly one
// performer (an event never performed within an account is not admin-only);
// "one-time setup" looks at every performance up to the period's end.
func lintEvents(ix *index, p span) lintResult {
	stats, activeP := eventStats(ix, p)
	var res lintResult
	res.suggestions = flagEvents(ix.r, stats, activeP)
	res.suggested = suggestCore(res.suggestions, activeP)
	if len(res.suggestions) > maxSuggestions {
		res.suggestions = res.suggestions[:maxSuggestions]
	}
	if res.suggestions == nil {
		res.suggestions = []Suggestion{}
	}
	return res
}

// nameStat is what the lint knows of one event name.
type nameStat struct {
	usersP     int
	performers int // users who performed it up to p.end
	firstOnly  int // ... only on one day, their first active day
	accounts   map[uint32]int
}

// userNameStat is one user's use of one event name up to p.end.
type userNameStat struct {
	days    int
	onFirst bool
	inP     bool
	accsP   []uint32
}

// eventStats counts, per event name, its users in P, its performers up to
// P's end and their accounts, user by user; and the users active in P. The
// users are split across the cores, each part counted on its own and the
// counts added (sums: the same in any order).
func eventStats(ix *index, p span) ([]nameStat, int) {
	cells := ix.cells
	parts := min(runtime.GOMAXPROCS(0), 1+len(cells)/(1<<18))
	stats := make([][]nameStat, parts)
	active := make([]int, parts)
	var wg sync.WaitGroup
	from := 0
	for i := 0; i < parts; i++ {
		to := userBoundary(cells, len(cells)*(i+1)/parts)
		wg.Add(1)
		go func(i int, cells []icell) {
			defer wg.Done()
			stats[i], active[i] = eventStatsOf(cells, p, len(ix.r.names.names))
		}(i, cells[from:to])
		from = to
	}
	wg.Wait()
	for i := 1; i < parts; i++ {
		active[0] += active[i]
		for name := range stats[i] {
			stats[0][name].merge(&stats[i][name])
		}
	}
	return stats[0], active[0]
}

// userBoundary moves i forward to the first cell of a user (or the end).
func userBoundary(cells []icell, i int) int {
	for i > 0 && i < len(cells) && cells[i].user == cells[i-1].user {
		i++
	}
	return i
}

// eventStatsOf is eventStats over whole users' cells.
func eventStatsOf(cells []icell, p span, names int) ([]nameStat, int) {
	stats := make([]nameStat, names)
	cur := make([]userNameStat, names)
	lastDay := make([]Day, names)
	var used []uint32 // the names of the user's cells
	activeP := 0
	for i := 0; i < len(cells); {
		j := i
		for j < len(cells) && cells[j].user == cells[i].user {
			j++
		}
		used = userEventStats(cells[i:j], p, cur, lastDay, used[:0])
		active := false
		for _, name := range used {
			pu := &cur[name]
			active = active || pu.inP
			stats[name].add(pu)
			*pu = userNameStat{accsP: pu.accsP[:0]}
		}
		if active {
			activeP++
		}
		i = j
	}
	return stats, activeP
}

// userEventStats reads one user's cells (sorted by day) up to P's end into
// cur (by name, zero for every name on entry; lastDay is scratch): their use
// of each event name. It returns the names used, appended to used.
func userEventStats(cells []icell, p span, cur []userNameStat, lastDay []Day, used []uint32) []uint32 {
	first := cells[0].day
	for k := range cells {
		c := &cells[k]
		if c.day > p.end {
			break
		}
		pu := &cur[c.name]
		if pu.days == 0 {
			used = append(used, c.name)
		}
		if pu.days == 0 || lastDay[c.name] != c.day {
			pu.days++
			lastDay[c.name] = c.day
			if c.day == first {
				pu.onFirst = true
			}
		}
		if p.has(c.day) {
			pu.inP = true
			if c.account != 0 && !containsU32(pu.accsP, c.account) {
				pu.accsP = append(pu.accsP, c.account)
			}
		}
	}
	return used
}

// merge adds the counts of another part's users.
func (st *nameStat) merge(o *nameStat) {
	st.usersP += o.usersP
	st.performers += o.performers
	st.firstOnly += o.firstOnly
	for a, n := range o.accounts {
		if st.accounts == nil {
			st.accounts = make(map[uint32]int)
		}
		st.accounts[a] += n
	}
}

// add counts one user's use of the name.
func (st *nameStat) add(pu *userNameStat) {
	st.performers++
	if pu.days == 1 && pu.onFirst {
		st.firstOnly++
	}
	if pu.inP {
		st.usersP++
		for _, a := range pu.accsP {
			if st.accounts == nil {
				st.accounts = make(map[uint32]int)
			}
			st.accounts[a]++
		}
	}
}

// flagEvents lists the events used in P, most used first, each with its
// flags: navigation, admin-only, one-time setup.
func flagEvents(r *Rollup, stats []nameStat, activeP int) []Suggestion {
	var out []Suggestion
	for id, st := range stats {
		if st.usersP == 0 {
			continue
		}
		name := r.names.names[id]
		s := Suggestion{Event: name, Users: st.usersP, Flags: []string{}}
		if r.nav[id] || isViewLike(name) {
			s.Flags = append(s.Flags, FlagNavigation)
		}
		single := 0
		for _, n := range st.accounts {
			if n == 1 {
				single++
			}
		}
		if float64(st.usersP) < rareShare*float64(activeP) && len(st.accounts) > 0 && 2*single > len(st.accounts) {
			s.Flags = append(s.Flags, FlagAdminOnly)
		}
		if st.performers > 0 && float64(st.firstOnly) >= 0.8*float64(st.performers) {
			s.Flags = append(s.Flags, FlagOneTimeSetup)
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Users != b.Users {
			return a.Users > b.Users
		}
		return a.Event < b.Event
	})
	return out
}

// suggestCore takes the most used unflagged events as core events: at most
// maxSuggestedCore, and past minSuggestedCore none used by under rareShare of
// the active users.
func suggestCore(suggestions []Suggestion, activeP int) []string {
	var out []string
	for _, s := range suggestions {
		if len(s.Flags) > 0 {
			continue
		}
		if len(out) >= maxSuggestedCore ||
			(len(out) >= minSuggestedCore && float64(s.Users) < rareShare*float64(activeP)) {
			break
		}
		out = append(out, s.Event)
	}
	return out
}

func containsU32(s []uint32, v uint32) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// isViewLike reports whether an event name reads like navigation: $pageview,
// $screen, "Page Viewed", "* Viewed", "Viewed *", "Opened *", "Visited *".
func isViewLike(name string) bool {
	n := strings.ToLower(strings.TrimSpace(name))
	switch n {
	case "$pageview", "$pageleave", "$screen", "pageview", "page view", "screen view", "page", "screen":
		return true
	}
	for _, p := range []string{"viewed ", "opened ", "visited ", "view ", "open "} {
		if strings.HasPrefix(n, p) {
			return true
		}
	}
	for _, s := range []string{" viewed", " opened", " visited", " view", " pageview"} {
		if strings.HasSuffix(n, s) {
			return true
		}
	}
	return false
}
