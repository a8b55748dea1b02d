package main

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/sep-project/sep/core"
)

// show formats a component with one decimal, or "n/a" when null.
func show(v *float64) string {
	if v == nil {
		return "n/a"
	}
	return strconv.FormatFloat(math.Round(*v*10)/10, 'f', 1, 64)
}

func showQR(q *core.QuickRatio) string {
	switch {
	case q == nil:
		return "n/a"
	case q.Inf:
		return "inf"
	}
	return strconv.FormatFloat(q.Value, 'f', 2, 64)
}

func bandOf(b *string) string {
	if b == nil {
		return ""
	}
	return "(" + *b + ")"
}

// maxAtRiskRows is how many at-risk accounts the terminal report lists.
const maxAtRiskRows = 10

// writeTextReport prints the human-readable report: score, band, components,
// counts, accounts at risk, warnings and what was read.
func writeTextReport(w io.Writer, rep *core.Report) {
	s := rep.Settings
	unit := s.Unit + "s"
	fmt.Fprintf(w, "SEP %s %s\n\n", show(rep.PES), bandOf(rep.Band))
	fmt.Fprintf(w, "  Adoption    %6s  share of the %d core events used per active %s\n", show(rep.Adoption), len(s.CoreEvents), s.Unit)
	fmt.Fprintf(w, "  Stickiness  %6s  mean daily %s\n", show(rep.Stickiness), strings.ToUpper(s.Ratio))
	c := rep.Counts
	fmt.Fprintf(w, "  Growth      %6s  quick ratio %s = (%d new + %d recovered) / %d dropped\n\n",
		show(rep.Growth), showQR(rep.QuickRatio), c.New, c.Recovered, c.Dropped)
	if rep.Period.Start != "" {
		fmt.Fprintf(w, "Period %s .. %s (%d days, %s), %d active %s\n", rep.Period.Start, rep.Period.End, s.Window, s.TZ, c.Active, unit)
	}
	fmt.Fprintln(w, coreEventsLine(s))

	var risk []core.AccountScore
	for _, a := range rep.Accounts {
		if a.AtRisk {
			risk = append(risk, a)
		}
	}
	if len(rep.Accounts) > 0 {
		fmt.Fprintf(w, "\nAccounts at risk: %d of %d\n", len(risk), len(rep.Accounts))
		sort.SliceStable(risk, func(i, j int) bool { return lessPES(risk[i].PES, risk[j].PES) })
		if len(risk) > 0 {
			fmt.Fprintf(w, "  %-24s %6s %9s %10s %7s %7s\n", "account", "SEP", "adoption", "stickiness", "growth", "active")
			for i, a := range risk {
				if i == maxAtRiskRows {
					fmt.Fprintf(w, "  ... and %d more (--accounts-csv or --json for all)\n", len(risk)-maxAtRiskRows)
					break
				}
				fmt.Fprintf(w, "  %-24s %6s %9s %10s %7s %7d\n", clip(a.ID, 24), show(a.PES), show(a.Adoption), show(a.Stickiness), show(a.Growth), a.Active)
			}
		}
	}
	writeInsights(w, rep.Insights)
	if len(rep.Warnings) > 0 {
		fmt.Fprintf(w, "\nWarnings:\n")
		for _, m := range rep.Warnings {
			fmt.Fprintf(w, "  - %s\n", m)
		}
	}
	in := rep.Input
	repeats := ""
	if in.Duplicates > 0 {
		repeats = fmt.Sprintf(", %d repeats", in.Duplicates)
	}
	fmt.Fprintf(w, "\nRead %d records (%d activity events, %d skipped%s): %d users, %d accounts", in.Events, in.ActivityEvents, in.Skipped, repeats, in.Users, in.Accounts)
	if in.FirstDay != "" {
		fmt.Fprintf(w, ", %s .. %s", in.FirstDay, in.LastDay)
	}
	fmt.Fprintln(w)
	writeFiles(w, in.Files)
	for _, e := range in.Errors {
		fmt.Fprintf(w, "  bad record: %s\n", e.Message)
	}
}

// maxFileRows is how many input files the terminal report lists.
const maxFileRows = 10

// writeFiles lists how each input file was read (a single file too: the
// format it was read as is worth seeing).
func writeFiles(w io.Writer, files []core.FileSummary) {
	for i, f := range files {
		if i == maxFileRows {
			fmt.Fprintf(w, "  ... and %d more files (--json for all)\n", len(files)-maxFileRows)
			break
		}
		fmt.Fprintf(w, "  %s: %s, %d records, %d activity events, %d skipped\n", f.Name, f.FormatName(), f.Events, f.ActivityEvents, f.Skipped)
	}
}

// coreEventsLine says which core events were scored and where they came from;
// with none, it says so rather than "0, given".
func coreEventsLine(s core.ReportSettings) string {
	switch {
	case len(s.CoreEvents) > 0 && s.CoreEventsSuggested:
		return fmt.Sprintf("Core events (%d, suggested from the data): %s", len(s.CoreEvents), strings.Join(s.CoreEvents, ", "))
	case len(s.CoreEvents) > 0:
		return fmt.Sprintf("Core events (%d, given): %s", len(s.CoreEvents), strings.Join(s.CoreEvents, ", "))
	case s.CoreEventsSuggested:
		return "Core events: none (none given, and no unflagged event in the period to suggest)"
	}
	return "Core events: none (none given, and the data has no activity event to suggest one from)"
}

// lessPES orders scores ascending, nulls last.
func lessPES(a, b *float64) bool {
	switch {
	case a == nil:
		return false
	case b == nil:
		return true
	}
	return *a < *b
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

// maxAlertRows is how many alerts and explanations the terminal report shows.
const maxAlertRows = 10

// writeInsights prints the weighted score, activation, alerts and explanations.
func writeInsights(w io.Writer, in *core.Insights) {
	if in == nil {
		return
	}
	if in.Weighted.Mean != nil {
		fmt.Fprintf(w, "\nWeighted score %s (mean of active users, k=%g)", show(in.Weighted.Mean), in.Weighted.K)
		if a := in.Activation; a.UsersPct != nil {
			fmt.Fprintf(w, "; activated users %s%% (%d of %d)", show(a.UsersPct), a.ActivatedUsers, a.ActiveUsers)
			if a.AccountsPct != nil {
				fmt.Fprintf(w, ", accounts %s%% (%d of %d)", show(a.AccountsPct), a.ActivatedAccounts, a.ActiveAccounts)
			}
			if n := len(a.PQLUsers) + len(a.PQLAccounts); n > 0 {
				fmt.Fprintf(w, "; product-qualified leads: %d users, %d accounts", len(a.PQLUsers), len(a.PQLAccounts))
			}
		}
		fmt.Fprintln(w)
	}
	if len(in.Alerts) > 0 {
		fmt.Fprintf(w, "\nAlerts: %d\n", len(in.Alerts))
		for i, a := range in.Alerts {
			if i == maxAlertRows {
				fmt.Fprintf(w, "  ... and %d more (--json or --accounts-csv for all)\n", len(in.Alerts)-maxAlertRows)
				break
			}
			fmt.Fprintf(w, "  - %s\n", a.Message)
		}
	}
	shown := 0
	for _, a := range in.Accounts {
		if a.Explanation == nil {
			continue
		}
		if shown == 0 {
			fmt.Fprintf(w, "\nWhy scores fell:\n")
		}
		if shown == maxAlertRows {
			fmt.Fprintf(w, "  ... more in --json\n")
			break
		}
		fmt.Fprintf(w, "  %s: %s\n", a.ID, strings.Join(a.Explanation.Text, " "))
		shown++
	}
	for i, g := range in.Segments {
		if i == 0 || in.Segments[i-1].By != g.By {
			fmt.Fprintf(w, "\nBy %s:\n  %-24s %6s %6s %9s %10s %7s\n", g.By, "value", "users", "SEP", "adoption", "stickiness", "growth")
		}
		fmt.Fprintf(w, "  %-24s %6d %6s %9s %10s %7s\n", clip(g.Value, 24), g.Users, show(g.PES), show(g.Adoption), show(g.Stickiness), show(g.Growth))
	}
}
