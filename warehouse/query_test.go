package warehouse

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden queries")

// The BigQuery and Snowflake queries cannot run here: their text is kept as
// golden files (DuckDB's and PostgreSQL's run in cmd/sep's tests).
func TestGoldenQueries(t *testing.T) {
	for _, d := range Dialects {
		for _, c := range []struct {
			name string
			o    Options
		}{
			{"default", Options{}},
			{"paris", Options{TZ: "Europe/Paris", Window: 14, AsOf: "2026-09-20", Prefix: "analytics",
				UserTraits: []string{"plan"}, AccountTraits: []string{"name", "seats", "plan"}}},
			{"posthog", Options{Schema: PostHog, Prefix: "posthog_export.", Table: "events", UserTraits: []string{"plan"},
				AccountTraits: []string{"name", "seats"}, GroupKeys: []string{"company", "org_id"}}},
			{"mixpanel", Options{Schema: Mixpanel, Prefix: "mixpanel.", Earliest: "2015-06-01"}},
			{"amplitude", Options{Schema: Amplitude, Table: "EVENTS_123456", UserTraits: []string{"plan"}, AccountTraits: []string{"seats"}}},
		} {
			c.o.Dialect = d
			q, err := Query(c.o)
			if err != nil {
				t.Fatal(err)
			}
			file := filepath.Join("testdata", string(d)+"-"+c.name+".sql")
			if *update {
				os.WriteFile(file, []byte(q), 0o644)
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test ./warehouse -update)", err)
			}
			if q != string(want) {
				t.Errorf("%s: the query differs from %s (go test ./warehouse -update rewrites it)", c.name, file)
			}
			if c.name == "paris" && !strings.Contains(q, "FROM analytics.tracks") {
				t.Errorf("%s: --prefix analytics did not qualify the tables", file)
			}
		}
	}
}

func TestOptionErrors(t *testing.T) {
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{Dialect: "mysql"}, `unknown dialect "mysql"`},
		{Options{Schema: "heap"}, `unknown schema "heap"`},
		{Options{Schema: Mixpanel, AccountTraits: []string{"seats"}}, "mixpanel's events carry no traits"},
		{Options{Table: "events"}, "--table names the events table of the mixpanel, amplitude and posthog schemas"},
		{Options{Schema: PostHog, GroupKeys: []string{`co"'`}}, "group key"},
		{Options{TZ: "Mars/Olympus"}, `time zone "Mars/Olympus"`},
		{Options{Window: -3}, "window -3"},
		{Options{AsOf: "30/09/2026"}, "as-of"},
		{Options{Prefix: "a; DROP TABLE x"}, "prefix"},
		{Options{Earliest: "2000-1-1"}, `earliest "2000-1-1"`},
		{Options{AccountTraits: []string{"seats) --"}}, `trait "seats) --"`},
	} {
		_, err := Query(c.o)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want it to say %q", c.o, err, c.want)
		}
	}
}

func TestDetailDays(t *testing.T) {
	// W=30: the previous period's previous period starts 89 days back; W=7:
	// P's first 30-day MAU window and Q's reach 41 days back.
	for w, want := range map[int]int{30: 89, 7: 42, 1: 30, 28: 84} {
		if got := DetailDays(w); got != want {
			t.Errorf("DetailDays(%d) = %d, want %d", w, got, want)
		}
	}
}
