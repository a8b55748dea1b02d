package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/sep-project/sep/core"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// sepBin is the real sep binary, built once for the end-to-end tests.
var sepBin string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "sep-cli-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sepBin = filepath.Join(dir, "sep")
	if runtime.GOOS == "windows" {
		sepBin += ".exe"
	}
	if out, err := exec.Command("go", "build", "-o", sepBin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build sep: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// sep runs the real binary and returns stdout, stderr and the exit code.
func sep(t *testing.T, stdin []byte, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(sepBin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run sep %v: %v", args, err)
	}
	return out.String(), errb.String(), code
}

func mustSep(t *testing.T, stdin []byte, args ...string) string {
	t.Helper()
	out, errs, code := sep(t, stdin, args...)
	if code != 0 {
		t.Fatalf("sep %s: exit %d\n%s", strings.Join(args, " "), code, errs)
	}
	return out
}

func TestCalcSeedExample(t *testing.T) {
	out := mustSep(t, nil, "calc", "--events", "12", "--adopted", "8", "--dau", "50", "--mau", "200",
		"--new", "40", "--recovered", "10", "--dropped", "25")
	for _, want := range []string{"SEP 51.2  (investigate)", "Adoption      66.7", "Stickiness    25.0", "Growth        61.9", "quick ratio 2.00"} {
		if !strings.Contains(out, want) {
			t.Errorf("calc output lacks %q:\n%s", want, out)
		}
	}
	var res struct {
		PES, Adoption, Stickiness, Growth float64
		QuickRatio                        float64 `json:"quick_ratio"`
	}
	js := mustSep(t, nil, "calc", "--json", "--events=12", "--adopted=8", "--dau=50", "--mau=200", "--new=40", "--recovered=10", "--dropped=25")
	if err := json.Unmarshal([]byte(js), &res); err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("%.1f %.1f %.1f %.1f %.1f", res.Adoption, res.Stickiness, res.Growth, res.PES, res.QuickRatio)
	if got != "66.7 25.0 61.9 51.2 2.0" {
		t.Errorf("calc --json = %s", got)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"nope"},
		{"score"},
		{"score", "--window", "x", "f"},
		{"score", "--ratio", "dau/year", "f"},
		{"calc", "--events", "3", "--adopted", "5"},
		{"gen", "--format", "xml"},
	} {
		_, errs, code := sep(t, nil, args...)
		if code != 2 || errs == "" {
			t.Errorf("sep %v: exit %d, stderr %q; want exit 2 with a message", args, code, errs)
		}
	}
	_, errs, code := sep(t, nil, "score", "does-not-exist.jsonl")
	if code != 1 || !strings.Contains(errs, "does-not-exist.jsonl") {
		t.Errorf("missing file: exit %d, %q", code, errs)
	}
}

// generate writes a synthetic product with the real CLI.
func generate(t *testing.T, format string, users, days int) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "export."+format)
	mustSep(t, nil, "gen", "--users", fmt.Sprint(users), "--days", fmt.Sprint(days), "--seed", "7", "--format", format, "-o", file)
	return file
}

func TestSameProductScoresIdenticallyInEveryFormat(t *testing.T) {
	var want string
	for _, format := range []string{"segment", "mixpanel", "amplitude", "posthog", "csv"} {
		file := generate(t, format, 200, 75)
		got := mustSep(t, nil, "score", "--json", file)
		// The reports differ in nothing but what was read: the record counts
		// depend on how each format spells identity calls.
		got = withoutInput(t, got)
		if want == "" {
			want = got
			if !strings.Contains(want, `"pes": `) || strings.Contains(want, `"pes": null`) {
				t.Fatalf("segment report has no PES:\n%s", want)
			}
			continue
		}
		if got != want {
			t.Errorf("%s scores differently from segment:\n%s\n---\n%s", format, got, want)
		}
	}
}

// withoutInput drops the report's "input" section (record counts per format)
// and keeps of the insights only the weighted scores: seats and plans come
// from group traits, which not every export format carries.
func withoutInput(t *testing.T, report string) string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(report), &m); err != nil {
		t.Fatalf("%v\n%s", err, report)
	}
	delete(m, "input")
	var in map[string]json.RawMessage
	if err := json.Unmarshal(m["insights"], &in); err != nil {
		t.Fatalf("insights: %v", err)
	}
	m["insights"] = in["weighted"]
	b, _ := json.MarshalIndent(m, "", "  ")
	return string(b)
}

func TestShuffledLinesScoreTheSame(t *testing.T) {
	file := generate(t, "segment", 150, 70)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	want := mustSep(t, data, "score", "--json", "-")
	lines := strings.SplitAfter(string(data), "\n")
	for seed := uint64(1); seed <= 3; seed++ {
		rand.New(rand.NewPCG(seed, 9)).Shuffle(len(lines), func(i, j int) { lines[i], lines[j] = lines[j], lines[i] })
		shuffled := strings.Join(lines, "")
		if !strings.HasSuffix(shuffled, "\n") {
			shuffled += "\n"
		}
		if got := mustSep(t, []byte(shuffled), "score", "--json", "-"); got != want {
			t.Fatalf("shuffle %d changes the report", seed)
		}
	}
}

// TestGoldenReports scores the exports in testdata/golden/*.* and compares the
// JSON and text reports with the .json / .txt files beside them (-update rewrites).
func TestGoldenReports(t *testing.T) {
	inputs, _ := filepath.Glob("testdata/golden/*.in.*")
	if len(inputs) == 0 {
		t.Fatal("no golden inputs in testdata/golden")
	}
	for _, in := range inputs {
		base := strings.SplitN(in, ".in.", 2)[0]
		args := []string{"score"}
		if b, err := os.ReadFile(base + ".args"); err == nil {
			args = append(args, strings.Fields(string(b))...)
		}
		t.Run(filepath.Base(base), func(t *testing.T) {
			for _, c := range []struct{ ext, flag string }{{".json", "--json"}, {".txt", ""}} {
				a := append(append([]string{}, args...), in)
				if c.flag != "" {
					a = append(a, c.flag)
				}
				out, errs, code := sep(t, nil, a...)
				if code != 0 {
					t.Fatalf("exit %d: %s", code, errs)
				}
				golden := base + c.ext
				if *update {
					os.WriteFile(golden, []byte(out), 0o644)
					continue
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test -update)", err)
				}
				if out != string(want) {
					t.Errorf("%s differs from %s:\n%s", strings.Join(a, " "), golden, out)
				}
			}
		})
	}
}

func TestStrictStopsAtTheFirstBadRecord(t *testing.T) {
	in := []byte(`{"type":"track","userId":"u1","event":"A","timestamp":"2026-09-01T10:00:00Z"}
{"type":"track","userId":"u2","event":"A","timestamp":"not a time"}
{"type":"track","userId":"u3","event":"A","timestamp":"2026-09-02T10:00:00Z"}
`)
	out := mustSep(t, in, "score", "--json", "--format", "segment", "-")
	var rep struct {
		Input struct {
			Skipped int      `json:"skipped"`
			Errors  []string `json:"errors"`
		} `json:"input"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Input.Skipped != 1 || len(rep.Input.Errors) != 1 || !strings.Contains(rep.Input.Errors[0], ":2:") ||
		!strings.Contains(rep.Input.Errors[0], "timestamp") {
		t.Errorf("lenient: %+v", rep.Input)
	}
	_, errs, code := sep(t, in, "score", "--strict", "--format", "segment", "-")
	if code != 1 || !strings.Contains(errs, ":2:") || !strings.Contains(errs, "timestamp") {
		t.Errorf("strict: exit %d, %q", code, errs)
	}
}

func TestAccountsCSV(t *testing.T) {
	file := generate(t, "segment", 80, 70)
	dir := t.TempDir()
	csvPath, usersPath, accountsIn := filepath.Join(dir, "accounts.csv"), filepath.Join(dir, "users.csv"), filepath.Join(dir, "crm.csv")
	// A CRM export overrides the seats of acct-1 and names it.
	if err := os.WriteFile(accountsIn, []byte("id,name,seats,renewal_date\nacct-1,Big Co,100,2026-10-15\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := mustSep(t, nil, "score", file, "--accounts-csv", csvPath, "--users-csv", usersPath, "--accounts", accountsIn, "--json")
	var rep core.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0][:10], ",") != "id,name,pes,band,adoption,stickiness,growth,quick_ratio,active,at_risk" || len(rows[0]) != 23 {
		t.Fatalf("accounts csv header: %v", rows[0])
	}
	if len(rows) != len(rep.Accounts)+1 {
		t.Fatalf("%d account rows, the report has %d accounts", len(rows)-1, len(rep.Accounts))
	}
	found := false
	for _, row := range rows[1:] {
		if row[0] != "acct-1" {
			continue
		}
		found = true
		active, _ := strconv.Atoi(row[8])
		if row[1] != "Big Co" || row[14] != "100" || row[15] != strconv.FormatFloat(float64(active), 'f', 1, 64) || row[17] != "2026-10-15" {
			t.Errorf("acct-1 row with the CRM's seats: %v", row)
		}
	}
	if !found {
		t.Error("no acct-1 row")
	}
	b, err := os.ReadFile(usersPath)
	if err != nil {
		t.Fatal(err)
	}
	users := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(users)-1 != rep.Input.Users || !strings.HasPrefix(users[1], rep.Insights.Users[0].ID+",") {
		t.Errorf("users csv: %d rows for %d users; first %q, top user %s", len(users)-1, rep.Input.Users, users[1], rep.Insights.Users[0].ID)
	}
	if _, errs, code := sep(t, nil, "score", file, "--accounts", filepath.Join(dir, "missing.csv")); code == 0 || !strings.Contains(errs, "missing.csv") {
		t.Errorf("missing accounts file: exit %d %q", code, errs)
	}
}
