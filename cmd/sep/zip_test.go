package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sep-project/sep/internal/apitest"
	"github.com/sep-project/sep/internal/testenv"
)

// An Amplitude Export API archive (hourly gzipped JSON-lines members) scores
// exactly like the same records as plain JSON lines, in UTC and in a zone
// where the records near midnight move to another day; from a file and on
// stdin.
func TestAmplitudeZipScoresLikeItsLines(t *testing.T) {
	archive, lines := testenv.AmplitudeExport(t, 20, 40)
	dir := t.TempDir()
	zipFile, linesFile := filepath.Join(dir, "export.zip"), filepath.Join(dir, "export.jsonl")
	if err := os.WriteFile(zipFile, archive, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(linesFile, lines, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--window", "14"},
		{"--window", "14", "--tz", "America/Los_Angeles", "--ratio", "dau/wau"},
	} {
		want := mustSep(t, nil, append([]string{"score", "--json", linesFile}, args...)...)
		if !strings.Contains(want, `"activity_events"`) || strings.Contains(want, `"activity_events": 0,`) {
			t.Fatalf("the plain lines scored nothing:\n%s", want)
		}
		// The same report but for input.files, which lists the archive's members.
		want = apitest.DropFiles(want)
		if got := mustSep(t, nil, append([]string{"score", "--json", zipFile}, args...)...); apitest.DropFiles(got) != want {
			t.Fatalf("sep score export.zip %v differs from the same lines:\n%s\nwant:\n%s", args, got, want)
		}
		if got := mustSep(t, archive, append([]string{"score", "--json", "-"}, args...)...); apitest.DropFiles(got) != want {
			t.Fatalf("the zip on stdin %v differs from the same lines:\n%s\nwant:\n%s", args, got, want)
		}
	}
	// The repeated record is one event: both inputs hold it twice and say so.
	if n := strings.Count(string(lines), `"insert_id":"odd-retried"`); n != 2 {
		t.Fatalf("the retried record is in the lines %d times, want 2", n)
	}
}

// A broken member of the archive is reported with the archive's name, the
// member's and the line, as for any file.
func TestZipMemberErrorNamesMemberAndLine(t *testing.T) {
	archive, _ := testenv.AmplitudeExport(t, 3, 3)
	bad := testenv.ZipWith(t, archive, testenv.AmplitudeProject+"/"+testenv.AmplitudeProject+"_2026-09-30_9#1.json.gz",
		[]byte(`{"event_type":"Query Run","user_id":"u1","event_time":"2026-09-30 09:00:00.000000"}`+"\n"+`{"event_type":"Query Run","user_id":"u1","event_time":"yesterday"}`+"\n"))
	file := filepath.Join(t.TempDir(), "broken.zip")
	if err := os.WriteFile(file, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := sep(t, nil, "score", "--json", "--strict", file)
	if code == 0 || !strings.Contains(stderr, "broken.zip/"+testenv.AmplitudeProject+"/") || !strings.Contains(stderr, "9#1.json.gz") ||
		!strings.Contains(stderr, "9#1.json.gz:2:") || !strings.Contains(stderr, "event_time") {
		t.Fatalf("exit %d, stderr:\n%s\nwant the archive, member, line 2 and event_time named", code, stderr)
	}
}
