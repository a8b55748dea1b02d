package core

import (
	"fmt"
	"sort"
	"strings"
)

// explain builds the reasons of an account's fall in SEP: the users gone
// dormant (most used first), the core events no longer used, the change in
// seat usage and the component (now against prev) that moved most.
func explain(p *period, a *accStat, ai *AccountInsight, now, prev AccountScore) *Explanation {
	e := &Explanation{PESChange: *ai.PES - *ai.PreviousPES, DormantUsers: []string{}, DroppedCoreEvents: []string{}}
	type dormant struct {
		name string
		raw  micro
	}
	var gone []dormant
	for _, u := range a.users {
		ps := p.pairs[pairKey(a.id, u)]
		if ps.activeQ && !ps.activeP {
			gone = append(gone, dormant{p.r.users.names[u], ps.rawQ})
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
	for slot, name := range p.coreEvents {
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
	days := p.days()
	e.say("pes_fell", map[string]any{"from": *ai.PreviousPES, "to": *ai.PES, "change": e.PESChange, "days": int(days)},
		fmt.Sprintf("SEP fell from %.1f to %.1f (%+.1f) against the previous %d days.", *ai.PreviousPES, *ai.PES, e.PESChange, days))
	if e.Component != "" {
		e.say("component_moved", map[string]any{"component": e.Component, "change": e.ComponentChange},
			fmt.Sprintf("%s moved most: %+.1f points.", capitalize(e.Component), e.ComponentChange))
	}
	if n := len(e.DormantUsers); n > 0 {
		names := e.DormantUsers[:min(n, 10)]
		more := ""
		if n > 10 {
			more = fmt.Sprintf(" and %d more", n-10)
		}
		e.say("users_dormant", map[string]any{"n": n, "names": names, "more": max(n-10, 0)},
			fmt.Sprintf("%d %s went dormant (active before, not in the period): %s%s.", n, plural(n, "user", "users"), strings.Join(names, ", "), more))
	}
	if n := len(e.DroppedCoreEvents); n > 0 {
		e.say("core_events_dropped", map[string]any{"n": n, "events": e.DroppedCoreEvents},
			fmt.Sprintf("%d core %s no longer used: %s.", n, plural(n, "event", "events"), strings.Join(e.DroppedCoreEvents, ", ")))
	}
	if e.SeatUsageChange != nil && *e.SeatUsageChange != 0 {
		e.say("seat_usage_changed", map[string]any{"from": *ai.PreviousSeatUsage, "to": *ai.SeatUsage},
			fmt.Sprintf("Seat usage went from %.1f%% to %.1f%%.", *ai.PreviousSeatUsage, *ai.SeatUsage))
	}
	return e
}

// say adds a sentence to the explanation: its English text and its key.
func (e *Explanation) say(key string, values map[string]any, text string) {
	e.Text = append(e.Text, text)
	e.Keys = append(e.Keys, Message{Key: key, Values: values})
}
