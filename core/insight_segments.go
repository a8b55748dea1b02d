package core

import "sort"

// bucketOrder orders the values of the built-in buckets.
var bucketOrder = map[string]int{"0-1 weeks": 0, "2-4 weeks": 1, "5-12 weeks": 2, "13+ weeks": 3,
	"0-6 days": 0, "7-13 days": 1, "14-29 days": 2, "30+ days": 3}

// segments breaks the product score down by traits and by the built-in
// tenure and last-activity buckets, over the users seen up to the as-of day,
// with the standard score's units of the period.
func segments(p *period) []Segment {
	keys := p.usersUpToPeriodEnd()
	out := []Segment{}
	for _, by := range p.s.By {
		group := map[string][]*unitAct{}
		var values []string
		for _, k := range keys {
			v := segmentValue(p, by, uint32(k))
			if _, ok := group[v]; !ok {
				values = append(values, v)
			}
			group[v] = append(group[v], p.userUnits[k])
		}
		sort.Slice(values, func(i, j int) bool {
			if by == "tenure" || by == "last_active" {
				return bucketOrder[values[i]] < bucketOrder[values[j]]
			}
			return values[i] < values[j]
		})
		for _, v := range values {
			c := p.f.score(group[v])
			out = append(out, Segment{By: by, Value: v, Users: len(group[v]), Active: c.counts.Active,
				PES: c.pes, Adoption: c.adoption, Stickiness: c.stickiness, Growth: c.growth})
		}
	}
	return out
}

// segmentValue is the value of user u for by: a tenure or last-activity
// bucket, or a trait of the user or else of their account ("(none)").
func segmentValue(p *period, by string, u uint32) string {
	switch by {
	case "tenure":
		return tenureBucket(int(p.f.p.end-p.users[u].first) / 7)
	case "last_active":
		return idleBucket(int(p.f.p.end - p.users[u].last))
	}
	v := p.userTrait(u, by)
	if v == "" {
		if a, ok := p.r.members[u]; ok {
			v = p.accountTrait(a.account, by)
		}
	}
	if v == "" {
		v = "(none)"
	}
	return v
}

// tenureBucket names the tenure of a user first seen weeks ago.
func tenureBucket(weeks int) string {
	switch {
	case weeks < 2:
		return "0-1 weeks"
	case weeks < 5:
		return "2-4 weeks"
	case weeks < 13:
		return "5-12 weeks"
	}
	return "13+ weeks"
}

// idleBucket names the time since a user's last activity.
func idleBucket(idle int) string {
	switch {
	case idle < 7:
		return "0-6 days"
	case idle < 14:
		return "7-13 days"
	case idle < 30:
		return "14-29 days"
	}
	return "30+ days"
}

// usersUpToPeriodEnd is the keys of the users with a cell up to the as-of
// day: those whose unit has a day (unitAct.add keeps one for every cell up
// to the period's end).
func (p *period) usersUpToPeriodEnd() []uint64 {
	keys := make([]uint64, 0, len(p.userKeys))
	for _, k := range p.userKeys {
		if len(p.userUnits[k].days) > 0 {
			keys = append(keys, k)
		}
	}
	return keys
}
