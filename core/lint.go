package core

import (
	"sort"
	"strings"
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
// P's end and their accounts, user by user; and the users active in P.
func eventStats(ix *index, p span) ([]nameStat, int) {
	stats := make([]nameStat, len(ix.r.names.names))
	activeP := 0
	cells := ix.cells
	for i := 0; i < len(cells); {
		j := i
		for j < len(cells) && cells[j].user == cells[i].user {
			j++
		}
		names, active := userEventStats(cells[i:j], p)
		if active {
			activeP++
		}
		for name, pu := range names {
			stats[name].add(pu)
		}
		i = j
	}
	return stats, activeP
}

// userEventStats reads one user's cells (sorted by day) up to P's end: their
// use of each event name, and whether they were active in P.
func userEventStats(cells []icell, p span) (map[uint32]*userNameStat, bool) {
	cur := make(map[uint32]*userNameStat)
	first := cells[0].day
	activeP := false
	lastDay := make(map[uint32]Day)
	for k := range cells {
		c := &cells[k]
		if c.day > p.end {
			break
		}
		pu := cur[c.name]
		if pu == nil {
			pu = &userNameStat{}
			cur[c.name] = pu
		}
		if ld, ok := lastDay[c.name]; !ok || ld != c.day {
			pu.days++
			lastDay[c.name] = c.day
			if c.day == first {
				pu.onFirst = true
			}
		}
		if p.has(c.day) {
			activeP = true
			pu.inP = true
			if c.account != 0 && !containsU32(pu.accsP, c.account) {
				pu.accsP = append(pu.accsP, c.account)
			}
		}
	}
	return cur, activeP
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
