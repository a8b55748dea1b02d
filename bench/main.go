// Command bench compares `sep score` with the same three SEP components computed
// in SQL by DuckDB, on the same generated Segment export, side by side in one run.
// `make bench` runs it; it is a measurement, not a test.
//
//	go run ./bench [-size 1000] [-dir bench/data] [-sep bin/sep] [-baseline OLD_SEP] [-repeat-every 200]
//
// It generates the export once with `sep gen` (kept for later runs), then runs
// the real CLI binary and e2e/bench/duckdb.mjs (npm @duckdb/node-api) in
// alternate rounds (-runs, 3 by default: this machine's timings vary from run
// to run by 10–20%), and prints every run, the medians, both results, the ratio
// of the medians, MB/s, events/s and peak RSS.
//
//	go run ./bench -parquet [-users 4000] [-sep bin/sep] [-baseline OLD_SEP] [-runs 5]
//
// compares instead sep score on a PostHog export's Parquet (its S3 batch
// export, written by DuckDB) with sep score on the same JSON lines, the
// baseline build on the Parquet file, and DuckDB's read_parquet: rows/s, CPU
// time (user + system) and peak RSS per run and their medians, and checks
// that every sep report is the same.
package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	sizeMB := flag.Int("size", 1000, "minimum export size in MB (1 MB = 1e6 bytes)")
	dir := flag.String("dir", "bench/data", "where the generated export is kept")
	sep := flag.String("sep", "bin/sep", "the sep binary")
	skipDuck := flag.Bool("no-duckdb", false, "do not run DuckDB")
	runs := flag.Int("runs", 3, "rounds of both tools; the medians are compared")
	baseline := flag.String("baseline", "", "another sep binary (an earlier build) run in the same rounds, to measure a change")
	repeatEvery := flag.Int("repeat-every", 200, "the export delivers every Nth record twice (sep gen --repeat-every)")
	pq := flag.Bool("parquet", false, "compare sep on Parquet with sep on the same JSON lines and DuckDB's read_parquet instead")
	users := flag.Int("users", 4000, "users of the -parquet mode's PostHog export (120 days)")
	flag.Parse()
	if *pq {
		if err := runParquet(*dir, *sep, *baseline, *users, max(1, *runs)); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*sizeMB, *dir, *sep, *baseline, *skipDuck, max(1, *runs), *repeatEvery); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// measured is one timed child process.
type measured struct {
	wall   time.Duration
	cpu    time.Duration // user + system: less sensitive than wall time to a busy machine
	maxRSS int64         // bytes
	stdout []byte
}

func runChild(name string, args ...string) (measured, error) {
	cmd := exec.Command(name, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	m := measured{wall: time.Since(start), stdout: out.Bytes()}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.maxRSS = ru.Maxrss * 1024 // Linux reports KiB
		m.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	if err != nil {
		return m, fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, errb.String())
	}
	return m, nil
}

// components is the part of a report both tools produce.
type components struct {
	PES        *float64        `json:"pes"`
	Adoption   *float64        `json:"adoption"`
	Stickiness *float64        `json:"stickiness"`
	Growth     *float64        `json:"growth"`
	QuickRatio json.RawMessage `json:"quick_ratio"`
	Counts     struct {
		Active, New, Recovered, Dropped int
	} `json:"counts"`
	Settings struct {
		CoreEvents []string `json:"core_events"`
	} `json:"settings"`
	Input struct {
		Events     int64 `json:"events"`
		Duplicates int64 `json:"duplicates"`
	} `json:"input"`
}

// run times, in alternate rounds, sep score (and baseline, an earlier build)
// and DuckDB on a Segment export of at least sizeMB megabytes, prints each
// run and the medians, and fails if sep and DuckDB compute other components.
func run(sizeMB int, dir, sep, baseline string, skipDuck bool, runs, repeatEvery int) error {
	file, err := segmentInput(dir, sep, sizeMB, repeatEvery)
	if err != nil {
		return err
	}
	st, err := os.Stat(file)
	if err != nil {
		return err
	}
	r := &jsonBench{file: file, mb: float64(st.Size()) / 1e6, sep: sep, baseline: baseline, skipDuck: skipDuck}
	fmt.Printf("input: %s, %.0f MB; %d rounds\n\n", file, r.mb, runs)
	fmt.Printf("%-8s %5s %8s %8s %9s %12s %10s %9s %10s %8s %8s\n", "tool", "run", "seconds", "cpu s", "MB/s", "events/s", "peak RSS", "adoption", "stickiness", "growth", "PES")
	for i := 1; i <= runs; i++ {
		if err := r.round(strconv.Itoa(i)); err != nil {
			return err
		}
	}
	return r.summary()
}

// segmentInput is the Segment export of at least sizeMB megabytes in dir,
// generated with sep gen unless an earlier run left it there.
func segmentInput(dir, sep string, sizeMB, repeatEvery int) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	file := filepath.Join(dir, fmt.Sprintf("segment-%dMB-r%d.jsonl", sizeMB, repeatEvery))
	if st, err := os.Stat(file); err != nil || st.Size() < int64(sizeMB)*1e6 {
		if err := generate(sep, file, int64(sizeMB)*1e6, repeatEvery); err != nil {
			return "", err
		}
	}
	return file, nil
}

// jsonBench is the JSON-lines comparison: its input, its tools, and each
// tool's timed runs and last report.
type jsonBench struct {
	file     string
	mb       float64
	sep      string
	baseline string // "" for none
	skipDuck bool

	sepRuns, duckRuns, baseRuns []measured
	sr, dr, br                  components
}

// row prints one run (or median) of a tool and the components it computed.
func (r *jsonBench) row(name, label string, m measured, c components) {
	events := float64(c.Input.Events)
	if events == 0 {
		events = float64(r.sr.Input.Events) // DuckDB does not count
	}
	fmt.Printf("%-8s %5s %8.2f %8.2f %9.0f %12.0f %8.0fMB %9s %10s %8s %8s\n", name, label, m.wall.Seconds(), m.cpu.Seconds(), r.mb/m.wall.Seconds(),
		events/m.wall.Seconds(), float64(m.maxRSS)/1e6, f1(c.Adoption), f1(c.Stickiness), f1(c.Growth), f1(c.PES))
}

// round runs sep, the baseline (if any) and DuckDB (unless skipped) once
// each, in that order, and prints their rows.
func (r *jsonBench) round(label string) error {
	s, err := runChild(r.sep, "score", "--json", r.file)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(s.stdout, &r.sr); err != nil {
		return fmt.Errorf("sep report: %w", err)
	}
	r.sepRuns = append(r.sepRuns, s)
	r.row("sep", label, s, r.sr)
	if r.baseline != "" {
		b, err := runChild(r.baseline, "score", "--json", r.file)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b.stdout, &r.br); err != nil {
			return fmt.Errorf("baseline report: %w", err)
		}
		r.baseRuns = append(r.baseRuns, b)
		r.row("baseline", label, b, r.br)
	}
	if r.skipDuck {
		return nil
	}
	d, err := runChild("node", "e2e/bench/duckdb.mjs", r.file, strings.Join(r.sr.Settings.CoreEvents, ","), "30")
	if err != nil {
		return fmt.Errorf("duckdb (run scripts/install-test-deps.sh for e2e/node_modules): %w", err)
	}
	if err := json.Unmarshal(d.stdout, &r.dr); err != nil {
		return fmt.Errorf("duckdb result: %w", err)
	}
	r.duckRuns = append(r.duckRuns, d)
	r.row("duckdb", label, d, r.dr)
	return nil
}

// summary prints the medians, sep against the baseline and against DuckDB,
// and fails if sep's and DuckDB's components differ.
func (r *jsonBench) summary() error {
	s := median(r.sepRuns)
	fmt.Println()
	r.row("sep", "med", s, r.sr)
	fmt.Printf("sep read %d records, %d of them repeats of an earlier messageId\n", r.sr.Input.Events, r.sr.Input.Duplicates)
	if r.baseline != "" {
		b := median(r.baseRuns)
		r.row("baseline", "med", b, r.br)
		c, bc := medianCPU(r.sepRuns), medianCPU(r.baseRuns)
		fmt.Printf("sep takes %.3fx the baseline's time (medians: %.2fs vs %.2fs), %.3fx its CPU time (%.2fs vs %.2fs), peak RSS %.0f MB vs %.0f MB\n",
			s.wall.Seconds()/b.wall.Seconds(), s.wall.Seconds(), b.wall.Seconds(), c.Seconds()/bc.Seconds(), c.Seconds(), bc.Seconds(),
			float64(s.maxRSS)/1e6, float64(b.maxRSS)/1e6)
	}
	if r.skipDuck {
		return nil
	}
	d := median(r.duckRuns)
	r.row("duckdb", "med", d, r.dr)
	fmt.Printf("\nsep is %.2fx the speed of DuckDB (medians: %.2fs vs %.2fs)\n", d.wall.Seconds()/s.wall.Seconds(), s.wall.Seconds(), d.wall.Seconds())
	same := eq(r.sr.Adoption, r.dr.Adoption) && eq(r.sr.Stickiness, r.dr.Stickiness) && eq(r.sr.Growth, r.dr.Growth)
	fmt.Printf("same components (to 1e-9): %v; counts sep %+v duckdb %+v\n", same, r.sr.Counts, r.dr.Counts)
	if !same {
		return fmt.Errorf("sep and DuckDB disagree")
	}
	return nil
}

// medianCPU returns the median CPU time of the runs.
func medianCPU(runs []measured) time.Duration {
	cpu := make([]time.Duration, len(runs))
	for i, r := range runs {
		cpu[i] = r.cpu
	}
	slices.Sort(cpu)
	return cpu[len(cpu)/2]
}

// median returns the run with the median wall time.
func median(runs []measured) measured {
	sorted := slices.Clone(runs)
	slices.SortFunc(sorted, func(a, b measured) int { return cmp.Compare(a.wall, b.wall) })
	return sorted[len(sorted)/2]
}

// generate writes a Segment export of at least size bytes, growing the number
// of users until it is large enough.
func generate(sep, file string, size int64, repeatEvery int) error {
	users := 20000
	for {
		fmt.Printf("generating %s with %d users x 120 days...\n", file, users)
		if _, err := runChild(sep, "gen", "--users", strconv.Itoa(users), "--days", "120", "--seed", "42", "--format", "segment",
			"--repeat-every", strconv.Itoa(repeatEvery), "-o", file); err != nil {
			return err
		}
		st, err := os.Stat(file)
		if err != nil {
			return err
		}
		if st.Size() >= size {
			return nil
		}
		users = int(float64(users)*float64(size)/float64(st.Size())*1.05) + 1
	}
}

func f1(v *float64) string {
	if v == nil {
		return "null"
	}
	return strconv.FormatFloat(*v, 'f', 1, 64)
}

func eq(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return math.Abs(*a-*b) < 1e-9
}

// runParquet writes a PostHog export as JSON lines and as the Parquet of its
// S3 batch export (properties as JSON text), then times, in alternate rounds,
// sep score on each (and baseline, an earlier build, on the Parquet file) and
// DuckDB's read_parquet rolling the file up per (user, event, day), and
// prints rows per second, CPU time and peak RSS side by side.
func runParquet(dir, sep, baseline string, users, runs int) error {
	jsonl, pq, err := posthogInputs(dir, sep, users)
	if err != nil {
		return err
	}
	r := &parquetBench{tools: parquetTools(sep, baseline, jsonl, pq), reports: map[string]string{}, times: map[string][]measured{}}
	for i := 1; i <= runs; i++ {
		if err := r.round("run " + strconv.Itoa(i)); err != nil {
			return err
		}
	}
	return r.summary(baseline != "")
}

// posthogInputs are the PostHog export of users users over 120 days as JSON
// lines and as Parquet in dir, generated unless an earlier run left them.
func posthogInputs(dir, sep string, users int) (jsonl, pq string, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", err
	}
	jsonl = filepath.Join(dir, fmt.Sprintf("posthog-%du.jsonl", users))
	pq = strings.TrimSuffix(jsonl, ".jsonl") + ".parquet"
	if _, err := os.Stat(pq); err != nil {
		fmt.Printf("generating %s and %s...\n", jsonl, pq)
		if _, err := runChild(sep, "gen", "--users", strconv.Itoa(users), "--days", "120", "--seed", "42", "--format", "posthog", "-o", jsonl); err != nil {
			return "", "", err
		}
		if _, err := runChild("node", "e2e/warehouse/parquet.mjs", jsonl, pq, "posthog"); err != nil {
			return "", "", err
		}
	}
	return jsonl, pq, nil
}

// tool is one command the Parquet comparison times.
type tool struct {
	name string
	args []string
}

// parquetTools are sep on the JSON lines and on the Parquet file, the
// baseline on the Parquet file (if any), then DuckDB's read_parquet.
func parquetTools(sep, baseline, jsonl, pq string) []tool {
	tools := []tool{{"sep-json", []string{sep, "score", "--json", jsonl}}, {"sep-parquet", []string{sep, "score", "--json", pq}}}
	if baseline != "" {
		tools = append(tools, tool{"base-parquet", []string{baseline, "score", "--json", pq}})
	}
	return append(tools, tool{"duckdb", []string{"node", "e2e/bench/parquet.mjs", pq}})
}

// parquetBench is the Parquet comparison: its tools, the rows sep read, each
// tool's last report (sep's, beside input.files) and timed runs.
type parquetBench struct {
	tools   []tool
	rows    float64
	reports map[string]string
	times   map[string][]measured
}

// line prints one run (or median) of a tool.
func (r *parquetBench) line(name, label string, m measured) {
	fmt.Printf("%-12s %5s %7.2f s %7.2f cpu s %12.0f rows/s %8.0f MB peak RSS\n", name, label, m.wall.Seconds(), m.cpu.Seconds(),
		r.rows/m.wall.Seconds(), float64(m.maxRSS)/1e6)
}

// round runs every tool once, in order, and prints their lines.
func (r *parquetBench) round(label string) error {
	for _, c := range r.tools {
		m, err := runChild(c.args[0], c.args[1:]...)
		if err != nil {
			return err
		}
		if c.name == "sep-json" {
			var rep components
			if err := json.Unmarshal(m.stdout, &rep); err != nil {
				return err
			}
			r.rows = float64(rep.Input.Events)
		}
		if c.name != "duckdb" {
			r.reports[c.name] = withoutFiles(m.stdout)
		}
		r.times[c.name] = append(r.times[c.name], m)
		r.line(c.name, label, m)
	}
	return nil
}

// summary prints the medians and sep on Parquet against sep on JSON lines
// (and against the baseline), and fails if the sep reports differ.
func (r *parquetBench) summary(withBaseline bool) error {
	fmt.Printf("\n%.0f rows; medians:\n", r.rows)
	for _, c := range r.tools {
		m := median(r.times[c.name])
		m.cpu = medianCPU(r.times[c.name])
		r.line(c.name, "med", m)
	}
	j, p := median(r.times["sep-json"]), median(r.times["sep-parquet"])
	fmt.Printf("sep on Parquet: %.2fx the rows/s of sep on JSON lines (wall medians), %.2fx its CPU time\n",
		j.wall.Seconds()/p.wall.Seconds(), medianCPU(r.times["sep-parquet"]).Seconds()/medianCPU(r.times["sep-json"]).Seconds())
	if withBaseline {
		b := median(r.times["base-parquet"])
		fmt.Printf("sep on Parquet: %.2fx the rows/s of the baseline on Parquet, %.2fx its CPU time\n",
			b.wall.Seconds()/p.wall.Seconds(), medianCPU(r.times["sep-parquet"]).Seconds()/medianCPU(r.times["base-parquet"]).Seconds())
	}
	for name, rep := range r.reports {
		if rep != r.reports["sep-json"] {
			return fmt.Errorf("%s's report differs from sep-json's (beside input.files)", name)
		}
	}
	fmt.Println("same reports (beside input.files): yes")
	return nil
}

// withoutFiles is a JSON report without its input.files (which name the file).
func withoutFiles(report []byte) string {
	var r map[string]any
	if err := json.Unmarshal(report, &r); err != nil {
		return string(report)
	}
	if in, ok := r["input"].(map[string]any); ok {
		delete(in, "files")
	}
	b, _ := json.Marshal(r)
	return string(b)
}
