package traits_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/ingest"
	"github.com/sep-project/sep/traits"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var at = time.Date(2026, 9, 21, 6, 0, 0, 0, time.UTC)

// report scores the CLI's golden export (accounts with seats, a plan, a
// renewal, an alert).
func report(t *testing.T) *core.Report {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "cmd", "sep", "testdata", "golden", "basic.in.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	roll, _ := core.NewRollup("UTC")
	if err := ingest.Read(context.Background(), f, ingest.Options{File: "basic.in.jsonl"}, roll); err != nil {
		t.Fatal(err)
	}
	st, _ := core.Settings{}.Normalized()
	rep, err := core.Score(roll, st)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// The CSV the page offers for a CRM import, golden.
func TestWriteCSV(t *testing.T) {
	var b bytes.Buffer
	if err := traits.WriteCSV(&b, report(t), at); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "basic.traits.csv")
	if *update {
		os.MkdirAll("testdata", 0o755)
		os.WriteFile(golden, b.Bytes(), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("traits CSV\n%s\nwant\n%s", b.String(), want)
	}
	if !strings.HasPrefix(b.String(), "account_id,name,"+strings.Join(traits.AccountTraitNames, ",")+"\n") {
		t.Errorf("header: %s", strings.SplitN(b.String(), "\n", 2)[0])
	}
}

func TestChangedIgnoresTheScoringTime(t *testing.T) {
	rep := report(t)
	calls := traits.Calls(rep, at)
	sent := map[string]string{}
	for _, c := range calls {
		sent[c.Key()] = c.Hash()
	}
	if ch := traits.Changed(traits.Calls(rep, at.Add(24*time.Hour)), sent); len(ch) != 0 {
		t.Errorf("a later run with the same scores changed %d calls", len(ch))
	}
	calls[0].Traits["sep_pes"] = 12.3
	if ch := traits.Changed(calls, sent); len(ch) != 1 || ch[0].Key() != calls[0].Key() {
		t.Errorf("one changed trait: %v", ch)
	}
}

func TestBatchesStayUnderTheLimits(t *testing.T) {
	var calls []traits.Call
	for i := 0; i < 250; i++ {
		calls = append(calls, traits.Call{Type: "identify", ID: strings.Repeat("u", 10) + string(rune('a'+i%26)) + strings.Repeat("x", i%7),
			Traits: map[string]any{"sep_weighted_score": float64(i), "note": strings.Repeat("n", 3000)}})
	}
	msgs := traits.Messages(calls, at)
	bodies, counts := traits.Batches(msgs, at)
	total := 0
	for i, b := range bodies {
		total += counts[i]
		var v struct {
			Batch []json.RawMessage `json:"batch"`
		}
		if err := json.Unmarshal(b, &v); err != nil || len(v.Batch) != counts[i] || len(b) > traits.MaxBatchBytes || counts[i] > traits.MaxBatchCalls {
			t.Errorf("batch %d: %d bytes, %d calls, %v", i, len(b), counts[i], err)
		}
	}
	if total != 250 || len(bodies) < 3 {
		t.Errorf("%d calls in %d batches", total, len(bodies))
	}
	// The same push again gives the same messageIds (a retry counts once).
	again := traits.Messages(calls, at)
	if string(again[7]) != string(msgs[7]) {
		t.Errorf("messages differ between two pushes of the same calls")
	}
}
