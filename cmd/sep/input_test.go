package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// readerSample is a file of core's reader fixtures.
func readerSample(name string) string {
	return filepath.Join("..", "..", "ingest", "testdata", "readers", name)
}

// TestNoActivityExitsOne: when no input yields an activity event, sep score
// fails and names every file, how it was read and why.
func TestNoActivityExitsOne(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "anon.jsonl")
	os.WriteFile(a, []byte(`{"type":"track","event":"A","timestamp":"2026-09-01T00:00:00Z"}`+"\n"+`{"type":"track","event":"B","timestamp":"bad"}`+"\n"), 0o644)
	b := filepath.Join(dir, "traits.csv")
	os.WriteFile(b, []byte("user_id,event,timestamp,type\nu,,2026-09-01T00:00:00Z,identify\n"), 0o644)
	out, errs, code := sep(t, nil, "score", a, b)
	if code != 1 || out != "" {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
	for _, want := range []string{"no activity event", "anon.jsonl: read as segment, 2 records, 2 skipped (bad_timestamp 1, no_user 1)",
		"traits.csv: read as csv (sep), 1 records, none of them activity", "--format"} {
		if !strings.Contains(errs, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errs)
		}
	}
}

// TestMisreadFilesNowRead drives the binary on the two files issue #10 says
// were misread and exited 0 with nothing: both are read whole, and the report
// says how.
func TestMisreadFilesNowRead(t *testing.T) {
	out := mustSep(t, nil, "score", "--json", readerSample("rudderstack-from-posthog.jsonl"), readerSample("posthog-batch.json"))
	var rep struct {
		Input struct {
			Files []struct {
				Name           string `json:"name"`
				Format         string `json:"format"`
				Events         int    `json:"events"`
				ActivityEvents int    `json:"activity_events"`
				Skipped        int    `json:"skipped"`
			} `json:"files"`
		} `json:"input"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	f := rep.Input.Files
	if len(f) != 2 || f[0].Format != "segment" || f[0].ActivityEvents != 16 || f[1].Format != "posthog" || f[1].ActivityEvents != 2 || f[1].Skipped != 1 {
		t.Errorf("files: %+v", f)
	}
	text := mustSep(t, nil, "score", readerSample("posthog-batch.json"))
	if !strings.Contains(text, "posthog-batch.json: posthog, 6 records, 2 activity events, 1 skipped") {
		t.Errorf("text report:\n%s", text)
	}
}

// TestInputTZFlag: the Mixpanel warning names the offset and the flag; with the
// flag (or the config key) times move and the warning goes.
func TestInputTZFlag(t *testing.T) {
	file := readerSample("mixpanel-legacy.jsonl")
	plain := mustSep(t, nil, "score", "--json", file)
	if !strings.Contains(plain, "time sits -7 h from $mp_api_timestamp_ms") || !strings.Contains(plain, "--input-tz") {
		t.Errorf("no offset warning:\n%s", plain)
	}
	fixed := mustSep(t, nil, "score", "--json", "--input-tz", "America/Los_Angeles", file)
	if strings.Contains(fixed, "time sits") || !strings.Contains(fixed, `"last_day": "2026-09-03"`) {
		t.Errorf("with --input-tz:\n%s", fixed)
	}
	cfg := filepath.Join(t.TempDir(), "c.json")
	os.WriteFile(cfg, []byte(`{"input_tz":"America/Los_Angeles"}`), 0o644)
	if got := mustSep(t, nil, "score", "--json", "--config", cfg, file); got != fixed {
		t.Errorf("config input_tz differs from the flag")
	}
	if _, errs, code := sep(t, nil, "score", "--input-tz", "Mars/Olympus", file); code != 2 || !strings.Contains(errs, "Mars/Olympus") {
		t.Errorf("bad zone: exit %d %q", code, errs)
	}
}

// TestCSVColumnsFlag maps an odd header with --csv-columns; without it the
// error lists the columns needed and the flag.
func TestCSVColumnsFlag(t *testing.T) {
	file := filepath.Join(t.TempDir(), "odd.csv")
	os.WriteFile(file, []byte("what,when,who,org\nReport Created,2026-09-01T10:00:00Z,u1,acme\nReport Created,2026-09-02T10:00:00Z,u2,acme\n"), 0o644)
	_, errs, code := sep(t, nil, "score", file)
	if code != 1 || !strings.Contains(errs, "--csv-columns") || !strings.Contains(errs, "what, when, who, org") {
		t.Errorf("exit %d: %s", code, errs)
	}
	out := mustSep(t, nil, "score", "--json", "--csv-columns", "event=what,timestamp=when,user=who,account=org", file)
	if !strings.Contains(out, `"layout": "columns"`) || !strings.Contains(out, `"id": "acme"`) || !strings.Contains(out, `"activity_events": 2`) {
		t.Errorf("mapped:\n%s", out)
	}
	if _, errs, code := sep(t, nil, "score", "--csv-columns", "colour=red", file); code != 2 || !strings.Contains(errs, "colour=red") {
		t.Errorf("bad mapping: exit %d %q", code, errs)
	}
}
