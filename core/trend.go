package core

import (
	"fmt"
	"time"
)

// MonthScore is the score as of one calendar month's last day (or the as-of day
// for the last month).
type MonthScore struct {
	Month      string      `json:"month"` // YYYY-MM
	AsOf       string      `json:"as_of"`
	PES        *float64    `json:"pes"`
	Adoption   *float64    `json:"adoption"`
	Stickiness *float64    `json:"stickiness"`
	Growth     *float64    `json:"growth"`
	QuickRatio *QuickRatio `json:"quick_ratio"`
	Active     int         `json:"active"`
}

// MaxTrendMonths is the most months a trend covers: the last ten years up to
// the as-of day (a trend scores every month again; older months are left out).
const MaxTrendMonths = 120

// monthEnds returns the last day of every calendar month from first to last,
// the final one clipped to last, at most the last MaxTrendMonths of them.
func monthEnds(first, last Day) []Day {
	var out []Day
	t := time.Unix(int64(first)*86400, 0).UTC()
	l := time.Unix(int64(last)*86400, 0).UTC()
	from := time.Date(l.Year(), l.Month()-(MaxTrendMonths-1), 1, 0, 0, 0, 0, time.UTC)
	if t.Before(from) {
		t = from
	}
	for m := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC); ; m = m.AddDate(0, 1, 0) {
		end := Day(m.AddDate(0, 1, -1).Unix() / 86400)
		if end >= last {
			return append(out, last)
		}
		out = append(out, end)
	}
}

// MonthlyScores scores the Rollup as of the last day of every month from the
// input's first active day to the as-of day (default: the last active day), with
// the same settings otherwise. Core events are fixed once for all months (the
// settings', or those suggested as of the as-of day) so that months compare.
func MonthlyScores(r *Rollup, s Settings) ([]MonthScore, error) {
	rep, err := Score(r, s)
	if err != nil {
		return nil, err
	}
	return MonthlyScoresOf(r, rep)
}

// MonthlyScoresOf is MonthlyScores for a report already computed from r: the
// months use its settings (its core events, window, ratio, unit) up to its
// as-of day.
func MonthlyScoresOf(r *Rollup, rep *Report) ([]MonthScore, error) {
	out := []MonthScore{}
	if rep.Input.FirstDay == "" {
		return out, nil
	}
	rs := rep.Settings
	s := Settings{CoreEvents: rs.CoreEvents, Window: rs.Window, TZ: rs.TZ, Ratio: rs.Ratio, Unit: rs.Unit}
	if r.TZ() != s.TZ {
		return nil, fmt.Errorf("the report was computed in %s, the rollup is in %s", s.TZ, r.TZ())
	}
	ix := r.index()
	first, _ := ParseDay(rep.Input.FirstDay)
	last, _ := ParseDay(rep.Settings.AsOf)
	if last < first {
		return out, nil
	}
	for _, end := range monthEnds(first, last) {
		s.AsOf = end.String()
		m, err := scoreIndex(ix, s, true)
		if err != nil {
			return nil, err
		}
		out = append(out, MonthScore{Month: s.AsOf[:7], AsOf: s.AsOf, PES: m.PES, Adoption: m.Adoption,
			Stickiness: m.Stickiness, Growth: m.Growth, QuickRatio: m.QuickRatio, Active: m.Counts.Active})
	}
	return out, nil
}
