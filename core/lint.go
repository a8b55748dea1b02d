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
	r := ix.r
	type perName struct {
		usersP     int
		performers int // users who performed it up to p.end
		firstOnly  int // ... only on one day, their first active day
		accounts   map[uint32]int
	}
	stats := make([]perName, len(r.names.names))
	activeP := 0

	type perUser struct {
		days    int
		onFirst bool
		inP     bool
		accsP   []uint32
	}
	var cur map[uint32]*perUser
	flush := func() {
		for name, pu := range cur {
			st := &stats[name]
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
	}
	cells := ix.cells
	for i := 0; i < len(cells); {
		j := i
		for j < len(cells) && cells[j].user == cells[i].user {
			j++
		}
		cur = make(map[uint32]*perUser)
		first := cells[i].day
		userActiveP := false
		lastDay := make(map[uint32]Day)
		for k := i; k < j; k++ {
			c := &cells[k]
			if c.day > p.end {
				break
			}
			pu := cur[c.name]
			if pu == nil {
				pu = &perUser{}
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
				userActiveP = true
				pu.inP = true
				if c.account != 0 && !containsU32(pu.accsP, c.account) {
					pu.accsP = append(pu.accsP, c.account)
				}
			}
		}
		if userActiveP {
			activeP++
		}
		flush()
		i = j
	}

	var res lintResult
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
		res.suggestions = append(res.suggestions, s)
	}
	sort.Slice(res.suggestions, func(i, j int) bool {
		a, b := res.suggestions[i], res.suggestions[j]
		if a.Users != b.Users {
			return a.Users > b.Users
		}
		return a.Event < b.Event
	})
	for _, s := range res.suggestions {
		if len(s.Flags) > 0 {
			continue
		}
		if len(res.suggested) >= maxSuggestedCore ||
			(len(res.suggested) >= minSuggestedCore && float64(s.Users) < rareShare*float64(activeP)) {
			break
		}
		res.suggested = append(res.suggested, s.Event)
	}
	if len(res.suggestions) > maxSuggestions {
		res.suggestions = res.suggestions[:maxSuggestions]
	}
	if res.suggestions == nil {
		res.suggestions = []Suggestion{}
	}
	return res
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
