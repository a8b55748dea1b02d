package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// demoArgs returns the `sep gen` arguments make site writes the page's demo
// with (mk/site.mk), so that this test checks the demo visitors see.
func demoArgs(t *testing.T) []string {
	t.Helper()
	mk, err := os.ReadFile(filepath.Join("..", "..", "mk", "site.mk"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`\$\(BIN\)/sep (gen [^|]+)\|`).FindSubmatch(mk)
	if m == nil {
		t.Fatal("mk/site.mk: no `$(BIN)/sep gen ... |` line for the demo")
	}
	return strings.Fields(string(m[1]))
}

// The page's demo is a believable B2B SaaS (issue 13): PES 50-75, positive
// growth, a minority of accounts at risk, a couple of lone champions and
// some seat overages.
func TestDemoProfileLooksLikeARealProduct(t *testing.T) {
	args := demoArgs(t)
	if !strings.Contains(strings.Join(args, " "), "--profile saas") {
		t.Fatalf("make site's demo is not the saas profile: sep gen %s", strings.Join(args, " "))
	}
	export := filepath.Join(t.TempDir(), "demo.jsonl")
	mustSep(t, nil, append(args, "-o", export)...)
	var r struct {
		PES, Growth *float64
		QuickRatio  any `json:"quick_ratio"`
		Counts      struct{ New, Dropped int }
		Accounts    []struct {
			AtRisk bool `json:"at_risk"`
		}
		Insights struct {
			Accounts []struct {
				SingleChampion bool     `json:"single_champion"`
				SeatUsage      *float64 `json:"seat_usage"`
			}
		}
	}
	if err := json.Unmarshal([]byte(mustSep(t, nil, "score", "--json", "--tz", "UTC", export)), &r); err != nil {
		t.Fatal(err)
	}
	if r.PES == nil || *r.PES < 50 || *r.PES > 75 {
		t.Errorf("PES %v, want 50-75", deref(r.PES))
	}
	if r.Growth == nil || *r.Growth <= 50 || r.Counts.New <= r.Counts.Dropped {
		t.Errorf("growth %v with %d new and %d dropped: want positive growth (over 50, more new than dropped)", deref(r.Growth), r.Counts.New, r.Counts.Dropped)
	}
	risk, champions, over := 0, 0, 0
	for _, a := range r.Accounts {
		if a.AtRisk {
			risk++
		}
	}
	for _, a := range r.Insights.Accounts {
		if a.SingleChampion {
			champions++
		}
		if a.SeatUsage != nil && *a.SeatUsage > 100 {
			over++
		}
	}
	if n := len(r.Accounts); n < 20 || 2*risk >= n || risk == 0 {
		t.Errorf("%d of %d accounts at risk, want a minority (and some)", risk, n)
	}
	if champions < 2 || champions > 4 {
		t.Errorf("%d lone champions, want a couple (2-4)", champions)
	}
	if over < 2 || 2*over >= len(r.Accounts) {
		t.Errorf("%d accounts over their seats, want a few", over)
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// The default product stays byte for byte what it was: other tests and the
// 1 GB benchmark compare against it (its first and last lines, and size).
func TestGenDefaultUnchangedByProfiles(t *testing.T) {
	def := mustSep(t, nil, "gen", "--users", "40", "--days", "50", "--seed", "3")
	named := mustSep(t, nil, "gen", "--users", "40", "--days", "50", "--seed", "3", "--profile", "")
	if def != named {
		t.Fatal("--profile '' differs from no --profile")
	}
	if saas := mustSep(t, nil, "gen", "--users", "40", "--days", "50", "--seed", "3", "--profile", "saas"); saas == def {
		t.Fatal("--profile saas writes the default product")
	}
	if _, errOut, code := sep(t, nil, "gen", "--profile", "retail"); code == 0 || !strings.Contains(errOut, `unknown profile "retail" (known: saas)`) {
		t.Fatalf("an unknown profile: exit %d, %q", code, errOut)
	}
}
