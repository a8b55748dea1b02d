// Command bench compares `sep score` with the same three SEP components computed
// in SQL by DuckDB, on the same generated Segment export, side by side in one run.
// `make bench` runs it; it is a measurement, not a test.
//
//	go run ./bench [-size 1000] [-dir bench/data] [-sep bin/sep]
//
// It generates the export once with `sep gen` (kept for later runs), scores it
// with the real CLI binary, runs e2e/bench/duckdb.mjs (npm @duckdb/node-api),
// and prints both times, both results, the ratio, MB/s, events/s and peak RSS.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
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
	flag.Parse()
	if err := run(*sizeMB, *dir, *sep, *skipDuck); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// measured is one timed child process.
type measured struct {
	wall   time.Duration
	maxRSS int64 // bytes
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
		Events int64 `json:"events"`
	} `json:"input"`
}

func run(sizeMB int, dir, sep string, skipDuck bool) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	file := filepath.Join(dir, fmt.Sprintf("segment-%dMB.jsonl", sizeMB))
	if st, err := os.Stat(file); err != nil || st.Size() < int64(sizeMB)*1e6 {
		if err := generate(sep, file, int64(sizeMB)*1e6); err != nil {
			return err
		}
	}
	st, err := os.Stat(file)
	if err != nil {
		return err
	}
	mb := float64(st.Size()) / 1e6
	fmt.Printf("input: %s, %.0f MB\n\n", file, mb)

	s, err := runChild(sep, "score", "--json", file)
	if err != nil {
		return err
	}
	var sr components
	if err := json.Unmarshal(s.stdout, &sr); err != nil {
		return fmt.Errorf("sep report: %w", err)
	}
	events := float64(sr.Input.Events)

	fmt.Printf("%-8s %8s %9s %12s %10s %9s %10s %8s %8s\n", "tool", "seconds", "MB/s", "events/s", "peak RSS", "adoption", "stickiness", "growth", "PES")
	row := func(name string, m measured, c components) {
		fmt.Printf("%-8s %8.2f %9.0f %12.0f %8.0fMB %9s %10s %8s %8s\n", name, m.wall.Seconds(), mb/m.wall.Seconds(),
			events/m.wall.Seconds(), float64(m.maxRSS)/1e6, f1(c.Adoption), f1(c.Stickiness), f1(c.Growth), f1(c.PES))
	}
	row("sep", s, sr)
	if skipDuck {
		return nil
	}
	d, err := runChild("node", "e2e/bench/duckdb.mjs", file, strings.Join(sr.Settings.CoreEvents, ","), "30")
	if err != nil {
		return fmt.Errorf("duckdb (run scripts/install-test-deps.sh for e2e/node_modules): %w", err)
	}
	var dr components
	if err := json.Unmarshal(d.stdout, &dr); err != nil {
		return fmt.Errorf("duckdb result: %w", err)
	}
	row("duckdb", d, dr)
	fmt.Printf("\nsep is %.2fx the speed of DuckDB (%.2fs vs %.2fs)\n", d.wall.Seconds()/s.wall.Seconds(), s.wall.Seconds(), d.wall.Seconds())
	same := eq(sr.Adoption, dr.Adoption) && eq(sr.Stickiness, dr.Stickiness) && eq(sr.Growth, dr.Growth)
	fmt.Printf("same components (to 1e-9): %v; counts sep %+v duckdb %+v\n", same, sr.Counts, dr.Counts)
	if !same {
		return fmt.Errorf("sep and DuckDB disagree")
	}
	return nil
}

// generate writes a Segment export of at least size bytes, growing the number
// of users until it is large enough.
func generate(sep, file string, size int64) error {
	users := 20000
	for {
		fmt.Printf("generating %s with %d users x 120 days...\n", file, users)
		if _, err := runChild(sep, "gen", "--users", strconv.Itoa(users), "--days", "120", "--seed", "42", "--format", "segment", "-o", file); err != nil {
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
