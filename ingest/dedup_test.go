package ingest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sep-project/sep/core"
)

// testClock is the reference clock of the tests: after every fixture's date
// (they are dated in 2026), never the real clock.
var testClock = time.Date(2026, 10, 1, 12, 0, 0, 0, time.UTC)

// TestRepeatedIDsCountOnce reads exports that hold repeats the way each tool
// writes them (an SDK's retries with the same messageId, PostHog's uuid,
// Amplitude's insert_id else uuid, Mixpanel's $insert_id) and checks the
// counts, with one decoder and with several on tiny blocks.
func TestRepeatedIDsCountOnce(t *testing.T) {
	for _, c := range []struct {
		file                                    string
		events, duplicates, skipped, activities int64
	}{
		// 3 deliveries of seg-7f3a; 12345 as a number and as a string; two
		// records without an id (both count); seg-late first dated 9999
		// (skipped, so its id is not taken) then plausible.
		{"segment-retries.jsonl", 11, 3, 1, 6},
		{"posthog-uuid.jsonl", 7, 2, 0, 5},
		// insert_id repeats with another uuid; no insert_id: the uuid; one
		// event dated two days after Amplitude received it.
		{"amplitude-insert-id.jsonl", 5, 2, 1, 2},
		{"mixpanel-insert-id.jsonl", 7, 2, 1, 4},
	} {
		t.Run(c.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata/dedup", c.file))
			if err != nil {
				t.Fatal(err)
			}
			opt := Options{Workers: 1, File: c.file, Range: core.TimeRange{Now: testClock}}
			seq, _ := core.NewRollup("UTC")
			if err := Read(context.Background(), bytes.NewReader(data), opt, seq); err != nil {
				t.Fatal(err)
			}
			in := seq.Input
			if in.Events != c.events || in.Duplicates != c.duplicates || in.Skipped != c.skipped || in.ActivityEvents != c.activities {
				t.Fatalf("events %d, duplicates %d, skipped %d %v, activity %d; want %d, %d, %d, %d",
					in.Events, in.Duplicates, in.Skipped, in.SkippedByReason, in.ActivityEvents, c.events, c.duplicates, c.skipped, c.activities)
			}
			if c.skipped > 0 && in.SkippedByReason[core.ReasonTimeOutOfRange] != c.skipped {
				t.Errorf("skipped %v, want timestamp_out_of_range", in.SkippedByReason)
			}
			par, _ := core.NewRollup("UTC")
			par.SetTimeRange(core.TimeRange{Now: testClock})
			if err := ingestWithChunk(t, data, par, 4); err != nil {
				t.Fatal(err)
			}
			s := core.Settings{CoreEvents: []string{"Report Created", "report_created"}}
			// ingestWithChunk names its input "x": compare without input.files.
			sr, pr := mustScore(t, seq, s), mustScore(t, par, s)
			sr.Input.Files, pr.Input.Files = nil, nil
			if a, b := reportJSON(t, sr), reportJSON(t, pr); a != b {
				t.Fatalf("parallel report differs:\n%s\n---\n%s", a, b)
			}
			if d := mustScore(t, seq, s).Input.Duplicates; d != c.duplicates {
				t.Errorf("report input.duplicates %d, want %d", d, c.duplicates)
			}
		})
	}
}

// dedupExport writes n track lines whose ids repeat at a distance of up to
// spread lines; a repeat carries another event name, account and day, so that
// using any copy but the first in input order shows in the rollup.
func dedupExport(n, spread int) (data []byte, firsts []core.Event) {
	var buf bytes.Buffer
	seen := map[int]bool{}
	for i := 0; i < n; i++ {
		id := i
		if i%3 == 2 {
			id = i - 1 - (i*7919)%spread // an earlier line's id (or a fresh one near the start)
			if id < 0 {
				id = i
			}
		}
		e := core.Event{MessageID: fmt.Sprintf("m-%d", id), UserID: fmt.Sprintf("u%d", id%41), AccountID: fmt.Sprintf("a%d", i%5),
			Name: fmt.Sprintf("E%d", i%7), Kind: core.KindTrack, TimeMs: at(i % 60)}
		fmt.Fprintf(&buf, `{"type":"track","messageId":%q,"userId":%q,"event":%q,"context":{"groupId":%q},"timestamp":%q}`+"\n",
			e.MessageID, e.UserID, e.Name, e.AccountID, time.UnixMilli(e.TimeMs).UTC().Format(time.RFC3339))
		if !seen[id] {
			seen[id] = true
			firsts = append(firsts, e)
		}
	}
	return buf.Bytes(), firsts
}

// TestFirstCopyWinsWhateverTheWorkers: copies that differ resolve to the first
// in input order, with 1, 2 or 4 decoders and blocks of a few lines, and the
// result is the rollup of the first copies alone.
func TestFirstCopyWinsWhateverTheWorkers(t *testing.T) {
	data, firsts := dedupExport(4000, 900)
	want := rollupOf(t, "UTC", firsts)
	for _, workers := range []int{1, 2, 4} {
		r, _ := core.NewRollup("UTC")
		if err := ingestWithChunk(t, data, r, workers); err != nil {
			t.Fatal(err)
		}
		if r.Input.Duplicates != int64(4000-len(firsts)) || r.Input.Events != 4000 {
			t.Fatalf("%d workers: duplicates %d of %d, want %d of 4000", workers, r.Input.Duplicates, r.Input.Events, 4000-len(firsts))
		}
		got, exp := rollupText(r), rollupText(want)
		// The cells, memberships and traits are those of the first copies.
		if cut := strings.LastIndex(got, "\ninput"); got[:cut] != exp[:strings.LastIndex(exp, "\ninput")] {
			t.Fatalf("%d workers: the rollup is not that of the first copies", workers)
		}
	}
}

// TestRepeatsAcrossFiles: ids span every input read into one Rollup (files of
// one run, members of a zip).
func TestRepeatsAcrossFiles(t *testing.T) {
	data, _ := os.ReadFile("testdata/dedup/segment-retries.jsonl")
	r, _ := core.NewRollup("UTC")
	for i, w := range []int{1, 4} {
		opt := Options{Workers: w, File: fmt.Sprintf("part-%d.jsonl", i), Range: core.TimeRange{Now: testClock}}
		if err := Read(context.Background(), bytes.NewReader(data), opt, r); err != nil {
			t.Fatal(err)
		}
	}
	// The second file repeats every id of the first: its 8 records with an
	// id are duplicates, its 2 without count again; seg-late's dated copy is
	// skipped again.
	if r.Input.Events != 22 || r.Input.Duplicates != 3+8 || r.Input.ActivityEvents != 6+2 || r.Input.Skipped != 2 {
		t.Fatalf("events %d, duplicates %d, activity %d, skipped %d; want 22, 11, 8, 2",
			r.Input.Events, r.Input.Duplicates, r.Input.ActivityEvents, r.Input.Skipped)
	}
}

// TestSizeHintChangesNothing: a size hint, right, far too large or too small,
// gives the same rollup as none, with the set sized once from it.
func TestSizeHintChangesNothing(t *testing.T) {
	data, _ := dedupExport(4000, 900)
	read := func(hint int64) (*core.Rollup, string) {
		r, _ := core.NewRollup("UTC")
		opt := Options{Workers: 2, File: "hint.jsonl", SizeHint: hint, Range: core.TimeRange{Now: testClock}}
		if err := Read(context.Background(), bytes.NewReader(data), opt, r); err != nil {
			t.Fatal(err)
		}
		return r, rollupText(r)
	}
	_, want := read(0)
	for _, hint := range []int64{int64(len(data)), 50 * int64(len(data)), 100} {
		r, got := read(hint)
		if got != want {
			t.Fatalf("hint %d: the rollup differs from the one without a hint", hint)
		}
		if ids, slots := r.IDSlots(); hint == int64(len(data)) && slots < ids*4/3 {
			t.Fatalf("hint %d: %d slots for %d ids", hint, slots, ids)
		}
	}
	// A hint of 50 times the input sizes the set for about 50 times its ids.
	r, _ := read(50 * int64(len(data)))
	if ids, slots := r.IDSlots(); slots < 40*ids {
		t.Fatalf("hint ignored: %d slots for %d ids", slots, ids)
	}
}
