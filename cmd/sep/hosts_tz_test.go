package main

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sep-project/sep/internal/apitest"
)

// TestServeInParisMatchesScoreTZ runs the host suite against the real
// `sep serve` configured in Europe/Paris, then scores the events the suite
// delivered with `sep score --tz Europe/Paris`: the stored report is the CLI's.
func TestServeInParisMatchesScoreTZ(t *testing.T) {
	const tz = "Europe/Paris"
	data := t.TempDir()
	cmd := exec.Command(sepBin, "serve", "--addr", "127.0.0.1:0", "--data", data, "--site", filepath.Join(data, "no-site"))
	cmd.Env = append(os.Environ(), apitest.EnvIn(tz)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	i := strings.Index(line, "http://")
	if err != nil || i < 0 {
		t.Fatalf("sep serve did not start: %v %q %s", err, line, stderr.String())
	}
	base := strings.Fields(line[i:])[0]
	go io.Copy(io.Discard, out)

	apitest.RunIn(t, apitest.HTTP(base), tz)
	if t.Failed() {
		return
	}

	// Byte for byte but for input.files (the CLI names the file it read): the
	// same records as one at-least-once export: the suite's delivery
	// (unwrapped from its batch) and its replay, the product, and the SDK's
	// three tries of one call. Rejected requests stored nothing.
	var delivery struct{ Batch []json.RawMessage }
	if err := json.Unmarshal([]byte(apitest.Delivery), &delivery); err != nil {
		t.Fatal(err)
	}
	var export strings.Builder
	for range 2 {
		for _, e := range delivery.Batch {
			export.Write(e)
			export.WriteByte('\n')
		}
	}
	export.Write(apitest.Export())
	export.WriteString(apitest.SDKRetries)
	file := filepath.Join(t.TempDir(), "events.jsonl")
	if err := os.WriteFile(file, []byte(export.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cli := mustSep(t, nil, "score", "--json", "--tz", tz, "--window", "14", "--ratio", "wau/mau", file)
	r := apitest.HTTP(base)(t, "GET", "/v1/score?window=14&ratio=wau/mau", nil, map[string]string{"Authorization": "Bearer " + apitest.ReadToken})
	if r.Status != 200 {
		t.Fatalf("GET /v1/score: %s", r)
	}
	if got, want := strings.TrimSpace(string(r.Body)), apitest.DropFiles(strings.TrimSpace(cli)); got != want {
		t.Fatalf("sep serve in %s:\n%s\nsep score --tz %s:\n%s", tz, got, tz, want)
	}
	utc := mustSep(t, nil, "score", "--json", "--window", "14", "--ratio", "wau/mau", file)
	if utc == cli {
		t.Fatal("the events score the same in UTC: this test could not catch a host in the wrong zone")
	}
}
