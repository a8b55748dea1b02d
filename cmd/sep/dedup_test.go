package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sep-project/sep/core"
)

// inputOf runs sep score --json and returns the report's input section.
func inputOf(t *testing.T, args ...string) core.InputSummary {
	t.Helper()
	out, errOut, code := sep(t, nil, append([]string{"score", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("sep %v: exit %d: %s", args, code, errOut)
	}
	var rep core.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	return rep.Input
}

// The CLI counts an SDK's three deliveries of one messageId once, also when
// the copies are in different files of one run, and skips what is dated
// outside the plausible range (--earliest moves its start).
func TestCLIRepeatsAndPlausibleTime(t *testing.T) {
	src := filepath.Join("..", "..", "ingest", "testdata", "dedup", "segment-retries.jsonl")
	in := inputOf(t, src)
	if in.Events != 11 || in.Duplicates != 3 || in.ActivityEvents != 6 || in.SkippedByReason[core.ReasonTimeOutOfRange] != 1 {
		t.Fatalf("one file: %+v", in)
	}
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(data), "\n")
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.jsonl"), filepath.Join(dir, "b.jsonl")
	os.WriteFile(a, []byte(strings.Join(lines[:3], "")), 0o600)
	os.WriteFile(b, []byte(strings.Join(lines[3:], "")), 0o600)
	if split := inputOf(t, a, b); split.Events != 11 || split.Duplicates != 3 || split.ActivityEvents != 6 {
		t.Fatalf("two files: %+v", split)
	}
	// The 7 records of 2026-09-01 are before an earliest of 2026-09-02 (with
	// the 9999 one, 8 skipped); skipped records take no id, so the three
	// deliveries are skipped, not duplicates.
	late := inputOf(t, "--earliest", "2026-09-02", src)
	if late.SkippedByReason[core.ReasonTimeOutOfRange] != 8 || late.ActivityEvents != 2 || late.Duplicates != 1 {
		t.Fatalf("--earliest 2026-09-02: %+v", late)
	}
	if _, errOut, code := sep(t, nil, "score", "--earliest", "yesterday", src); code != 2 || !strings.Contains(errOut, "earliest") {
		t.Fatalf("a bad --earliest: exit %d, %s", code, errOut)
	}
}

// sep gen --repeat-every N delivers some records twice; scored, the export
// gives the report of the export without repeats, but for the counts of what
// was read and the warning that says so.
func TestGeneratedRepeatsScoreLikeNone(t *testing.T) {
	dir := t.TempDir()
	plain, repeated := filepath.Join(dir, "plain.jsonl"), filepath.Join(dir, "repeated.jsonl")
	for _, g := range [][]string{{"-o", plain}, {"--repeat-every", "40", "-o", repeated}} {
		if _, errOut, code := sep(t, nil, append([]string{"gen", "--users", "120", "--days", "75", "--seed", "5"}, g...)...); code != 0 {
			t.Fatalf("sep gen: %s", errOut)
		}
	}
	report := func(file string) (map[string]any, core.InputSummary) {
		out, errOut, code := sep(t, nil, "score", "--json", "--trend", file)
		if code != 0 {
			t.Fatalf("sep score: %s", errOut)
		}
		var m map[string]any
		var rep core.Report
		json.Unmarshal([]byte(out), &m)
		json.Unmarshal([]byte(out), &rep)
		delete(m, "input")
		delete(m, "warnings")
		delete(m, "warning_keys")
		return m, rep.Input
	}
	a, ina := report(plain)
	b, inb := report(repeated)
	if ina.Duplicates != 0 || inb.Duplicates == 0 || inb.Events != ina.Events+inb.Duplicates || inb.ActivityEvents != ina.ActivityEvents {
		t.Fatalf("plain %+v, repeated %+v", ina.InputStats, inb.InputStats)
	}
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Fatal("the export with repeats scores differently")
	}
}
