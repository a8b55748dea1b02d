package core

import (
	"fmt"
	"sort"
)

// Pictures are the series the page draws beside a report, computed from the
// same rollup and settings (its as-of day, window, time zone and core
// events). They count users, whatever the report's unit, and are not part of
// the report's JSON: the page asks for them (sepPictures), as for the
// monthly scores.
type Pictures struct {
	// Lifecycle has one entry per week (7 days ending on the as-of day,
	// then the 7 before, ...), oldest first, at most LifecycleWeeks.
	Lifecycle []LifecycleWeek `json:"lifecycle"`
	// Stickiness has one entry per day of the report's period.
	Stickiness []DayStickiness `json:"stickiness"`
	// Events is the engagement matrix of the period: per event, the share of
	// the period's active users who did it and the days they did it on,
	// most used first, at most MatrixEvents.
	Events []EventUse `json:"events"`
}

// LifecycleWeek counts the users of one week as PostHog and Amplitude draw
// lifecycle: new (first activity ever this week), returning (active this
// week and the week before), resurrected (active this week, not the week
// before, but before that) and dormant (active the week before, not this
// week).
type LifecycleWeek struct {
	Start       string `json:"start"`
	End         string `json:"end"`
	New         int    `json:"new"`
	Returning   int    `json:"returning"`
	Resurrected int    `json:"resurrected"`
	Dormant     int    `json:"dormant"`
}

// DayStickiness is one day's DAU over the MAU of the 30 days ending on it.
type DayStickiness struct {
	Day   string   `json:"day"`
	DAU   int      `json:"dau"`
	MAU   int      `json:"mau"`
	Ratio *float64 `json:"ratio"` // percent; null when MAU is 0
}

// EventUse is one event's row of the engagement matrix.
type EventUse struct {
	Event string `json:"event"`
	Core  bool   `json:"core"`
	Users int    `json:"users"`
	// Share is the percent of the period's active users who did it.
	Share float64 `json:"share"`
	// DaysPerUser is the mean number of days of the period they did it on.
	DaysPerUser float64 `json:"days_per_user"`
}

// Limits of the pictures (docs/page.md).
const (
	LifecycleWeeks = 12
	MatrixEvents   = 40
)

// PicturesOf computes the pictures of rep from the rollup it was scored on.
func PicturesOf(r *Rollup, rep *Report) (*Pictures, error) {
	out := &Pictures{Lifecycle: []LifecycleWeek{}, Stickiness: []DayStickiness{}, Events: []EventUse{}}
	if rep.Period.Start == "" || rep.Input.FirstDay == "" {
		return out, nil
	}
	if r.TZ() != rep.Settings.TZ {
		return nil, fmt.Errorf("the report was computed in %s, the rollup is in %s", rep.Settings.TZ, r.TZ())
	}
	start, err := ParseDay(rep.Period.Start)
	if err != nil {
		return nil, fmt.Errorf("pictures: period start: %w", err)
	}
	end, err := ParseDay(rep.Period.End)
	if err != nil {
		return nil, fmt.Errorf("pictures: period end: %w", err)
	}
	ix := r.index()
	byUser := userDays(ix, end)
	out.Lifecycle = lifecycle(byUser, end)
	out.Stickiness = dailyStickiness(byUser, start, end)
	out.Events = eventMatrix(ix, r, rep.Settings.CoreEvents, start, end)
	return out, nil
}

// userDays lists each user's distinct active days up to end, in order.
func userDays(ix *index, end Day) [][]Day {
	var out [][]Day
	var cur []Day
	last := uint32(0)
	for i, c := range ix.cells { // sorted by user, then day
		if i > 0 && c.user != last {
			if len(cur) > 0 {
				out = append(out, cur)
			}
			cur = nil
		}
		last = c.user
		if c.day <= end && (len(cur) == 0 || cur[len(cur)-1] != c.day) {
			cur = append(cur, c.day)
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// lifecycle counts new, returning, resurrected and dormant users per week.
func lifecycle(users [][]Day, end Day) []LifecycleWeek {
	weeks := LifecycleWeeks
	first := end
	for _, days := range users {
		first = min(first, days[0])
	}
	if n := int(end-first)/7 + 1; n < weeks {
		weeks = n
	}
	out := make([]LifecycleWeek, weeks)
	for i := range out {
		we := end - Day(7*(weeks-1-i))
		out[i].Start, out[i].End = (we - 6).String(), we.String()
	}
	weekOf := func(d Day) int { return int(end-d) / 7 } // 0 is the latest week
	for _, days := range users {
		active := map[int]bool{}
		for _, d := range days {
			active[weekOf(d)] = true
		}
		born := weekOf(days[0])
		for i := range out {
			w := weeks - 1 - i
			switch {
			case active[w] && w == born:
				out[i].New++
			case active[w] && active[w+1]:
				out[i].Returning++
			case active[w]:
				out[i].Resurrected++
			case active[w+1]:
				out[i].Dormant++
			}
		}
	}
	return out
}

// dailyStickiness is DAU / MAU (30 days ending on the day) for each day.
func dailyStickiness(users [][]Day, start, end Day) []DayStickiness {
	n := int(end-start) + 1
	dau := make([]int, n)
	mau := make([]int, n)
	for _, days := range users {
		j := 0 // days[j] is the first active day that may count for day d
		for i := 0; i < n; i++ {
			d := start + Day(i)
			for j < len(days) && days[j] < d-29 {
				j++
			}
			if j < len(days) && days[j] <= d {
				mau[i]++
			}
		}
		for _, d := range days {
			if d >= start && d <= end {
				dau[d-start]++
			}
		}
	}
	out := make([]DayStickiness, n)
	for i := range out {
		out[i] = DayStickiness{Day: (start + Day(i)).String(), DAU: dau[i], MAU: mau[i]}
		if mau[i] > 0 {
			out[i].Ratio = ptr(100 * float64(dau[i]) / float64(mau[i]))
		}
	}
	return out
}

// eventMatrix is the share of the period's active users per event and the
// days they used it on.
func eventMatrix(ix *index, r *Rollup, core []string, start, end Day) []EventUse {
	type use struct{ users, days int }
	per := map[uint32]*use{}
	active := 0
	seen := map[uint32]Day{} // event -> last day counted for the current user
	userSeen := map[uint32]bool{}
	last := uint32(0)
	isActive := false
	for i, c := range ix.cells {
		if i == 0 || c.user != last {
			if isActive {
				active++
			}
			isActive = false
			clear(seen)
			clear(userSeen)
			last = c.user
		}
		if c.day < start || c.day > end {
			continue
		}
		isActive = true
		u := per[c.name]
		if u == nil {
			u = &use{}
			per[c.name] = u
		}
		if !userSeen[c.name] {
			userSeen[c.name] = true
			u.users++
		}
		if d, ok := seen[c.name]; !ok || d != c.day {
			seen[c.name] = c.day
			u.days++
		}
	}
	if isActive {
		active++
	}
	isCore := map[string]bool{}
	for _, e := range core {
		isCore[e] = true
	}
	out := make([]EventUse, 0, len(per))
	for name, u := range per {
		ev := r.names.names[name]
		out = append(out, EventUse{Event: ev, Core: isCore[ev], Users: u.users,
			Share: 100 * float64(u.users) / float64(max(active, 1)), DaysPerUser: float64(u.days) / float64(u.users)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Users != out[j].Users {
			return out[i].Users > out[j].Users
		}
		return out[i].Event < out[j].Event
	})
	if len(out) > MatrixEvents {
		out = out[:MatrixEvents]
	}
	return out
}
