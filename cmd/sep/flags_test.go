package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sep-project/sep/core"
)

// TestCLIMistakesGetOneClearLine runs the real binary on the command lines
// that used to print a score from nothing or 40 lines of usage.
func TestCLIMistakesGetOneClearLine(t *testing.T) {
	dir := t.TempDir()
	export := filepath.Join(dir, "export.jsonl")
	mustSep(t, nil, "gen", "--users", "20", "--days", "40", "--seed", "3", "-o", export)
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"score", "--windw", "14", export}, []string{"flag provided but not defined: -windw; did you mean --window?", "Run 'sep score --help' for the flags."}},
		{[]string{"score", export, "--core", "Login"}, []string{"-core; did you mean --core-events?"}},
		{[]string{"score", "--tx=UTC", export}, []string{"-tx; did you mean --tz?"}},
		{[]string{"score", "--zzzzzz", export}, []string{"flag provided but not defined: -zzzzzz\n"}},
		{[]string{"score", "--window", "x", export}, []string{`invalid value "x" for flag -window`, "sep score --help"}},
		{[]string{"calc", "--dua", "50"}, []string{"-dua; did you mean --dau?", "Run 'sep calc --help'"}},
		{[]string{"gen", "--seeds", "3"}, []string{"did you mean --seed?"}},
		{[]string{"score", "--window", "0", export}, []string{"--window: 0 is out of range 1..3660 days"}},
		{[]string{"score", "--window=-7", export}, []string{"--window: -7 is out of range 1..3660 days"}},
		{[]string{"calc", "--events", "12"}, []string{"missing --adopted, --dau, --mau, --new, --recovered, --dropped"}},
		{[]string{"calc", "--events", "12", "--adopted", "8", "--dau", "5", "--mau", "9", "--ratio", "wau/mau", "--new", "1", "--recovered", "0", "--dropped", "2"}, []string{"missing --wau"}},
	} {
		out, errs, code := sep(t, nil, c.args...)
		if code != 2 || out != "" {
			t.Errorf("sep %s: exit %d, stdout %q; want exit 2 and nothing on stdout", strings.Join(c.args, " "), code, out)
		}
		for _, w := range c.want {
			if !strings.Contains(errs, w) {
				t.Errorf("sep %s: stderr lacks %q:\n%s", strings.Join(c.args, " "), w, errs)
			}
		}
		if strings.Contains(errs, "Usage of") || strings.Count(errs, "\n") > 2 {
			t.Errorf("sep %s: want at most two lines, no usage:\n%s", strings.Join(c.args, " "), errs)
		}
	}
}

// TestTextReportSaysWhenThereAreNoCoreEvents: an export of page views only
// has activity but no event to suggest (navigation is flagged), and the
// report must say so rather than "(0, suggested from the data)".
func TestTextReportSaysWhenThereAreNoCoreEvents(t *testing.T) {
	file := filepath.Join(t.TempDir(), "pages.jsonl")
	lines := `{"type":"page","userId":"u1","messageId":"m1","name":"Home","timestamp":"2026-03-01T23:30:00+05:30","properties":{"referrer":null}}
{"type":"page","userId":"u2","messageId":"m2","name":"Pricing","timestamp":"2026-03-02T00:10:00Z"}
`
	if err := os.WriteFile(file, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	out := mustSep(t, nil, "score", file)
	if strings.Contains(out, "(0, ") || !strings.Contains(out, "Core events: none (none given, and no unflagged event in the period to suggest)\n") {
		t.Errorf("report:\n%s", out)
	}
	given := mustSep(t, nil, "score", "--core-events", "Report Created,Login", generate(t, "segment", 20, 40))
	if !strings.Contains(given, "Core events (2, given): Report Created, Login\n") {
		t.Errorf("given core events:\n%s", given)
	}
}

func TestCoreEventsLine(t *testing.T) {
	for _, c := range []struct {
		s    core.ReportSettings
		want string
	}{
		{core.ReportSettings{CoreEvents: []string{"A", "B"}}, "Core events (2, given): A, B"},
		{core.ReportSettings{CoreEvents: []string{"A"}, CoreEventsSuggested: true}, "Core events (1, suggested from the data): A"},
		{core.ReportSettings{CoreEventsSuggested: true}, "Core events: none (none given, and no unflagged event in the period to suggest)"},
		{core.ReportSettings{}, "Core events: none (none given, and the data has no activity event to suggest one from)"},
	} {
		if got := coreEventsLine(c.s); got != c.want {
			t.Errorf("coreEventsLine(%+v) = %q, want %q", c.s, got, c.want)
		}
	}
}

func TestUnknownCommandSuggestsTheNearest(t *testing.T) {
	_, errs, code := sep(t, nil, "scroe", "x.jsonl")
	if code != 2 || !strings.Contains(errs, `sep: unknown command "scroe"; did you mean score?`) {
		t.Errorf("exit %d:\n%s", code, errs)
	}
	_, errs, _ = sep(t, nil, "frobnicate")
	if strings.Contains(errs, "did you mean") {
		t.Errorf("suggested a command for a word far from all:\n%s", errs)
	}
}

func TestNearestFlag(t *testing.T) {
	fs := flag.NewFlagSet("score", flag.ContinueOnError)
	for _, n := range []string{"window", "tz", "dau", "as-of", "accounts", "accounts-csv", "core-events", "o"} {
		fs.String(n, "", "")
	}
	for typed, want := range map[string]string{
		"windw": "window", "widnow": "window", "window-days": "", "tx": "tz", "asof": "as-of", "as_of": "as-of",
		"acounts": "accounts", "account": "accounts", "core": "core-events", "acc": "", "p": "", "zzzz": "", "dua": "dau", "wiondow": "window",
	} {
		if got := nearestFlag(fs, typed); got != want {
			t.Errorf("nearestFlag(%q) = %q, want %q", typed, got, want)
		}
	}
}
