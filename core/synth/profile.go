package synth

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
)

// profile holds the knobs that make one kind of product.
type profile struct {
	// startSpan is the share of the days (num/den) over which users start.
	startNum, startDen int
	// churn is the chance a user stops for good.
	churn float64
	// engagement + engagementSpan*r is a user's chance to come on a weekday.
	engagement, engagementSpan float64
	// depth is the fewest features a user knows.
	depth int
	// championEvery > 0 makes every championEvery-th account (from
	// championFrom) one where only its first user uses the core features.
	championEvery, championFrom int
	// overSeatsEvery > 0 gives every overSeatsEvery-th account (from
	// overSeatsFrom) 2 to 4 seats, fewer than its active users.
	overSeatsEvery, overSeatsFrom int
}

// Profiles are the products sep gen writes, by name:
//
//   - "" (the default): a product in trouble, kept as it is because tests
//     and the 1 GB benchmark compare its exact bytes: users start in the
//     first three quarters of the days (no new user at the end), a quarter
//     churn, engagement 0.08-0.88, users know 2 to 11 features.
//   - "saas": a believable B2B SaaS, the page's demo: users start all along
//     (new users every month: positive growth), 12% churn, engagement
//     0.25-0.95, users know 7 to 11 features, lone champions in every 17th
//     account (only its first user uses the core features) and 2 to 4 seats
//     in every 9th (more active users than seats). The page's demo (300
//     users, 120 days, seed 7) scores PES 66.4, growth 88.9, 16 of 37
//     accounts at risk, 2 lone champions, 7 accounts over their seats.
var Profiles = map[string]profile{
	"":     {startNum: 3, startDen: 4, churn: 0.25, engagement: 0.08, engagementSpan: 0.8, depth: 2},
	"saas": {startNum: 1, startDen: 1, churn: 0.12, engagement: 0.25, engagementSpan: 0.7, depth: 7, championEvery: 17, championFrom: 4, overSeatsEvery: 9, overSeatsFrom: 2},
}

// profileOf returns the named profile or an error listing the known ones.
func profileOf(name string) (profile, error) {
	if p, ok := Profiles[name]; ok {
		return p, nil
	}
	var names []string
	for n := range Profiles {
		if n != "" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return profile{}, fmt.Errorf("synth: unknown profile %q (known: %s)", name, strings.Join(names, ", "))
}

// start draws a user's first day.
func (p profile) start(rng *rand.Rand, days int) int {
	return rng.IntN(max(1, days*p.startNum/p.startDen))
}

func (p profile) champion(account int) bool {
	return p.championEvery > 0 && account%p.championEvery == p.championFrom
}

func (p profile) overSeats(account int) bool {
	return p.overSeatsEvery > 0 && account%p.overSeatsEvery == p.overSeatsFrom
}
