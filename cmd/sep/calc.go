package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/sep-project/sep/core"
)

func runCalc(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("calc", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var in core.CalcInput
	fs.IntVar(&in.CoreEvents, "events", 0, "core events in total (K)")
	fs.IntVar(&in.Adopted, "adopted", 0, "core events adopted")
	fs.IntVar(&in.DAU, "dau", 0, "daily active users (or accounts)")
	fs.IntVar(&in.WAU, "wau", 0, "weekly active users, for --ratio wau/mau or dau/wau")
	fs.IntVar(&in.MAU, "mau", 0, "monthly active users")
	fs.IntVar(&in.New, "new", 0, "new users in the period")
	fs.IntVar(&in.Recovered, "recovered", 0, "users back after a break")
	fs.IntVar(&in.Dropped, "dropped", 0, "users lost")
	fs.StringVar(&in.Ratio, "ratio", core.RatioDAUMAU, "stickiness ratio: dau/mau, wau/mau or dau/wau")
	asJSON := fs.Bool("json", false, "print the JSON report")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if missing := missingCalcFlags(fs, in.Ratio); len(missing) > 0 {
		return usagef("missing %s: the calculator scores the numbers given and guesses none (give 0 when a count is 0)\nRun 'sep calc --help' for the flags.", strings.Join(missing, ", "))
	}
	res, err := core.Calc(in)
	if err != nil {
		return usagef("%v", err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	fmt.Fprintf(stdout, "SEP %s  %s\n", show(res.PES), bandOf(res.Band))
	fmt.Fprintf(stdout, "  Adoption    %6s  %d of %d core events adopted\n", show(res.Adoption), in.Adopted, in.CoreEvents)
	fmt.Fprintf(stdout, "  Stickiness  %6s  %s\n", show(res.Stickiness), res.Settings.Ratio)
	fmt.Fprintf(stdout, "  Growth      %6s  quick ratio %s = (%d new + %d recovered) / %d dropped\n",
		show(res.Growth), showQR(res.QuickRatio), in.New, in.Recovered, in.Dropped)
	fmt.Fprintln(stdout, "\nEach component is shown rounded to one decimal; the SEP is the mean of the unrounded ones.")
	return nil
}

// missingCalcFlags lists the flags the three components need that were not
// given: --events and --adopted, the ratio's two counts, and --new,
// --recovered and --dropped. A zero the user did not type is not a number.
func missingCalcFlags(fs *flag.FlagSet, ratio string) []string {
	need := []string{"events", "adopted", "dau", "mau", "new", "recovered", "dropped"}
	switch strings.ToLower(ratio) {
	case core.RatioWAUMAU:
		need[2] = "wau"
	case core.RatioDAUWAU:
		need[3] = "wau"
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var missing []string
	for _, n := range need {
		if !given[n] {
			missing = append(missing, "--"+n)
		}
	}
	return missing
}
