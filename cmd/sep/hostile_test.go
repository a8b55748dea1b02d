package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sep-project/sep/api"
)

// The hostile-input tests of issue #11 against the real `sep serve`.

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// peakRSS is the process's peak resident memory in bytes (VmHWM).
func peakRSS(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	t.Fatal("no VmHWM")
	return 0
}

// send posts a body and returns the status and the answer.
func send(t *testing.T, method, url string, body []byte, hdr ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Host" {
			req.Host = hdr[i+1]
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	resp, err := (&http.Client{Timeout: 2 * time.Minute}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func storedEvents(t *testing.T, base string) int64 {
	t.Helper()
	code, body := send(t, "GET", base+"/v1/score", nil)
	var rep struct{ Input struct{ Events int64 } }
	if code != 200 || json.Unmarshal([]byte(body), &rep) != nil {
		t.Fatalf("GET /v1/score: %d %s", code, body)
	}
	return rep.Input.Events
}

var ingestAuth = []string{"Authorization", "Bearer " + serveToken, "Content-Type", "application/json"}

// TestServeGzipBomb: a 1 MB gzip of a gigabyte of zeros gets a 413 naming the
// limit, and the server's memory stays small (it took 2.1 GB before the limit).
func TestServeGzipBomb(t *testing.T) {
	srv := startServer(t, t.TempDir())
	bomb := gzipBytes(make([]byte, 1<<30))
	code, body := send(t, "POST", srv.base+"/v1/events", bomb, ingestAuth...)
	if code != 413 || !strings.Contains(body, "10485760") {
		t.Fatalf("%d %s", code, body)
	}
	if rss := peakRSS(t, srv.cmd.Process.Pid); rss > 200<<20 {
		t.Fatalf("peak memory %d MB on a %d KB gzip bomb", rss>>20, len(bomb)>>10)
	} else {
		t.Logf("%d KB gzip bomb: 413, peak memory %d MB", len(bomb)>>10, rss>>20)
	}
	if n := storedEvents(t, srv.base); n != 0 {
		t.Fatalf("stored %d", n)
	}
}

// TestServeSlowBodies: bodies that never come are cut at the body timeout
// (408) while /healthz answers; the server neither keeps them nor reserves
// the memory they announce.
func TestServeSlowBodies(t *testing.T) {
	data := t.TempDir()
	srv := startServerWith(t, []string{"SEP_INGEST_TOKEN=" + serveToken}, "--data", data, "--site", filepath.Join(data, "no-site"), "--body-timeout", "1s")
	host := strings.TrimPrefix(srv.base, "http://")
	const n = 300
	conns := make([]net.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := 0; i < n; i++ {
		c, err := net.Dial("tcp", host)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		fmt.Fprintf(c, "POST /v1/events HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 10000000\r\n\r\n[", host, serveToken)
	}
	if code, _ := send(t, "GET", srv.base+"/healthz", nil); code != 200 {
		t.Fatalf("healthz with %d hanging bodies: %d", n, code)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for _, c := range conns {
		wg.Add(1)
		go func(c net.Conn) {
			defer wg.Done()
			c.SetReadDeadline(time.Now().Add(30 * time.Second)) // bounds the test; the server answers after 1 s
			code := 0
			if resp, err := http.ReadResponse(bufio.NewReader(c), nil); err == nil {
				code = resp.StatusCode
			}
			mu.Lock()
			statuses[code]++
			mu.Unlock()
		}(c)
	}
	wg.Wait()
	if statuses[408] != n {
		t.Fatalf("answers to %d hanging bodies: %v (status: count), want all 408", n, statuses)
	}
	// Each announced 10 MB: the server must not have reserved it.
	if rss := peakRSS(t, srv.cmd.Process.Pid); rss > 150<<20 {
		t.Fatalf("peak memory %d MB for %d bodies that never came", rss>>20, n)
	}
}

// TestServeBadRecords: 9.7 MB of bad records (160k) is answered with the
// first 20 described and the rest counted (100k took 8 s and a 12 MB answer).
func TestServeBadRecords(t *testing.T) {
	srv := startServer(t, t.TempDir())
	var b bytes.Buffer
	b.WriteString("[\n")
	const n = 160000
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(",\n")
		}
		b.WriteString(`{"type":"track","userId":"u","event":"A","timestamp":"x"}`)
	}
	b.WriteString("]")
	code, body := send(t, "POST", srv.base+"/v1/events", b.Bytes(), ingestAuth...)
	var a struct {
		Detail     []struct{ Line int }
		BadRecords int              `json:"bad_records"`
		ByReason   map[string]int64 `json:"by_reason"`
	}
	if code != 400 || json.Unmarshal([]byte(body), &a) != nil || a.BadRecords != n || len(a.Detail) != 20 || a.ByReason["bad_timestamp"] != n || a.Detail[19].Line != 21 {
		t.Fatalf("%d %.500s", code, body)
	}
	if len(body) > 8<<10 {
		t.Fatalf("answer of %d bytes", len(body))
	}
}

// TestServeDeliveryCap: a delivery of 4001 events gets a 413 naming the cap
// and stores nothing; 4000 are stored.
func TestServeDeliveryCap(t *testing.T) {
	srv := startServer(t, t.TempDir())
	batch := func(k int, prefix string) []byte {
		var b bytes.Buffer
		b.WriteString(`{"batch":[`)
		for i := 0; i < k; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"type":"track","messageId":"%s%d","userId":"u%d","event":"A","timestamp":"2026-09-01T00:00:00Z"}`, prefix, i, i%30)
		}
		b.WriteString(`]}`)
		return gzipBytes(b.Bytes())
	}
	code, body := send(t, "POST", srv.base+"/v1/events", batch(4001, "a"), ingestAuth...)
	if code != 413 || !strings.Contains(body, "limit of 4000") || storedEvents(t, srv.base) != 0 {
		t.Fatalf("4001 events: %d %s", code, body)
	}
	code, body = send(t, "POST", srv.base+"/v1/events", batch(4000, "b"), ingestAuth...)
	if code != 200 || storedEvents(t, srv.base) != 4000 {
		t.Fatalf("4000 events: %d %s", code, body)
	}
}

// TestServeRefusesForeignHostsAndCrossSiteWrites: a DNS-rebinding Host gets
// 421; a text/plain body or another Origin cannot store an event.
func TestServeRefusesForeignHostsAndCrossSiteWrites(t *testing.T) {
	srv := startServerWith(t, nil, "--data", t.TempDir(), "--site", "no-site") // open ingestion, like a laptop
	ev := []byte(`{"type":"track","messageId":"x1","userId":"evil","event":"A","timestamp":"2026-09-01T00:00:00Z"}`)
	for _, c := range []struct {
		name string
		hdr  []string
		want int
	}{
		{"rebound host read", []string{"Host", "evil.example:8080"}, 421},
		{"text/plain", []string{"Content-Type", "text/plain;charset=UTF-8"}, 415},
		{"form", []string{"Content-Type", "application/x-www-form-urlencoded"}, 415},
		{"other origin", []string{"Content-Type", "application/json", "Origin", "http://127.0.0.1:1"}, 403},
		{"cross-site", []string{"Content-Type", "application/json", "Sec-Fetch-Site", "cross-site"}, 403},
	} {
		method := "POST"
		if c.want == 421 {
			if code, body := send(t, "GET", srv.base+"/v1/score", nil, c.hdr...); code != 421 {
				t.Errorf("%s: %d %s", c.name, code, body)
			}
		}
		if code, body := send(t, method, srv.base+"/v1/events", ev, c.hdr...); code != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, code, body, c.want)
		}
	}
	if n := storedEvents(t, srv.base); n != 0 {
		t.Fatalf("refused writes stored %d events", n)
	}
	if code, _ := send(t, "POST", srv.base+"/v1/events", ev, "Content-Type", "application/json", "Host", "localhost"); code != 200 || storedEvents(t, srv.base) != 1 {
		t.Fatalf("a plain JSON write: %d", code)
	}
}

// TestServeSiteFolder: `--site .` with the data folder inside serves the page
// but not the database, not a listing, and no link out of the folder.
func TestServeSiteFolder(t *testing.T) {
	root := t.TempDir()
	site := filepath.Join(root, "site")
	os.MkdirAll(filepath.Join(site, "assets"), 0o755)
	os.WriteFile(filepath.Join(site, "index.html"), []byte("<!doctype html><p>sep"), 0o644)
	os.WriteFile(filepath.Join(root, "secret.txt"), []byte("top secret"), 0o644)
	os.Symlink(root, filepath.Join(site, "link"))
	cmd := exec.Command(sepBin, "serve", "--addr", "127.0.0.1:0", "--data", ".sep-data", "--site", ".")
	cmd.Dir = site
	cmd.Env = append(os.Environ(), "SEP_READ_TOKEN=read-token-0123456789")
	srv := startCmd(t, cmd)
	for path, want := range map[string]int{"/": 200, "/.sep-data/sep.db": 404, "/link/secret.txt": 404, "/assets/": 404, "/link/": 404} {
		code, body := send(t, "GET", srv.base+path, nil)
		if code != want || strings.Contains(body, "top secret") {
			t.Errorf("GET %s: %d %.80q, want %d", path, code, body, want)
		}
	}
	resp, err := http.Get(srv.base + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if h := resp.Header; h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") || h.Get("Referrer-Policy") != "no-referrer" {
		t.Errorf("page headers %v", h)
	}
}

// TestServeRefusesWeakSecretsAndOpenExposure: a secret of spaces, a short
// token, or a non-loopback address with open ingestion stop the server at
// start with a message (no address is bound for the last).
func TestServeRefusesWeakSecretsAndOpenExposure(t *testing.T) {
	data := t.TempDir()
	for _, c := range []struct {
		env  []string
		addr string
		msg  string
	}{
		{[]string{"SEP_WEBHOOK_SECRET=          "}, "127.0.0.1:0", "SEP_WEBHOOK_SECRET"},
		{[]string{"SEP_INGEST_TOKEN=abc"}, "127.0.0.1:0", "shorter than 16"},
		{nil, "0.0.0.0:0", "--allow-open"},
		{[]string{"SEP_INGEST_TOKEN=" + serveToken}, ":0", "reads"},
	} {
		cmd := exec.Command(sepBin, "serve", "--addr", c.addr, "--data", data)
		cmd.Env = append(os.Environ(), c.env...)
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), c.msg) || strings.Contains(string(out), "listening") {
			t.Errorf("%v %s: %v %s", c.env, c.addr, err, out)
		}
	}
}

func TestCheckExposure(t *testing.T) {
	var warn bytes.Buffer
	for _, c := range []struct {
		addr     string
		loopback bool
	}{{"127.0.0.1:8080", true}, {"localhost:1", true}, {"[::1]:80", true}, {":8080", false}, {"0.0.0.0:80", false}, {"192.168.1.2:80", false}} {
		if got := isLoopbackAddr(c.addr); got != c.loopback {
			t.Errorf("%s loopback %v", c.addr, got)
		}
	}
	if err := checkExposure(apiOptions(false), ":8080", true, &warn); err != nil || !strings.Contains(warn.String(), "WARNING") || !strings.Contains(warn.String(), "ingestion") {
		t.Fatalf("%v %q", err, warn.String())
	}
	if err := checkExposure(apiOptions(true), ":8080", false, &warn); err != nil {
		t.Fatalf("closed server refused: %v", err)
	}
}

func apiOptions(closed bool) api.Options {
	if closed {
		return api.Options{IngestToken: serveToken, ReadToken: serveToken}
	}
	return api.Options{}
}

// TestServeTwoOnOneDataFolder: a second server on a data folder in use exits
// with a message (bbolt's file lock, 5 s), and the first keeps serving.
func TestServeTwoOnOneDataFolder(t *testing.T) {
	data := t.TempDir()
	first := startServer(t, data)
	cmd := exec.Command(sepBin, "serve", "--addr", "127.0.0.1:0", "--data", data)
	cmd.Env = append(os.Environ(), "SEP_INGEST_TOKEN="+serveToken)
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "another process") || strings.Contains(string(out), "listening") {
		t.Fatalf("second server: %v %s", err, out)
	}
	if code, _ := send(t, "GET", first.base+"/healthz", nil); code != 200 {
		t.Fatalf("first server after the second's refusal: %d", code)
	}
}

// TestServeTrendOverCenturies (issue #11, item 6): 8 KB of events dated year 1
// and year 9999 (one with a +05:30 offset) posted to POST /v1/score?trend=true
// are all skipped as implausible, not scored month by month over 10,000 years
// (the binary before the plausible-time check answered 200 with a 14.5 MB
// report: a trend of 119,988 months, 62 MB peak memory); with two recent
// events beside them the trend holds at most MaxTrendMonths months. Each
// answer is 200 and small (1.3 and 3 KB now), the server's memory too.
func TestServeTrendOverCenturies(t *testing.T) {
	srv := startServer(t, t.TempDir())
	var centuries bytes.Buffer
	n := 0
	for ; centuries.Len() < 8<<10; n++ {
		ts := [...]string{"0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00+05:30"}[n%3]
		fmt.Fprintf(&centuries, `{"type":"track","messageId":"c-%d","userId":"u%d","event":"Report Created","timestamp":%q}`+"\n", n, n%5, ts)
	}
	recent := time.Now().UTC().Add(-48 * time.Hour).Format(time.RFC3339)
	withRecent := append(bytes.Clone(centuries.Bytes()), fmt.Sprintf(
		`{"type":"track","messageId":"r-1","userId":"u1","event":"Report Created","timestamp":%q}`+"\n"+
			`{"type":"page","messageId":"r-2","userId":"u2","name":"Home","timestamp":%q}`+"\n", recent, recent)...)
	for _, c := range []struct {
		name     string
		body     []byte
		activity int64
	}{{"only year 1 and 9999", centuries.Bytes(), 0}, {"and two recent events", withRecent, 2}} {
		code, ans := send(t, "POST", srv.base+"/v1/score?trend=true", c.body, "Content-Type", "application/x-ndjson")
		if code != 200 || len(ans) > 64<<10 {
			t.Fatalf("%s: %d, %d bytes: %.300s", c.name, code, len(ans), ans)
		}
		var rep struct {
			Input struct {
				ActivityEvents  int64            `json:"activity_events"`
				SkippedByReason map[string]int64 `json:"skipped_by_reason"`
			}
			Insights struct{ Trend []json.RawMessage }
		}
		if err := json.Unmarshal([]byte(ans), &rep); err != nil {
			t.Fatalf("%s: %v in %.300s", c.name, err, ans)
		}
		if rep.Input.ActivityEvents != c.activity || rep.Input.SkippedByReason["timestamp_out_of_range"] != int64(n) || len(rep.Insights.Trend) > 120 {
			t.Fatalf("%s: activity %d, skipped %v, %d trend months; want %d, timestamp_out_of_range %d, at most 120",
				c.name, rep.Input.ActivityEvents, rep.Input.SkippedByReason, len(rep.Insights.Trend), c.activity, n)
		}
		t.Logf("%s: 200, %d bytes, %d trend months", c.name, len(ans), len(rep.Insights.Trend))
	}
	if rss := peakRSS(t, srv.cmd.Process.Pid); rss > 100<<20 {
		t.Fatalf("peak memory %d MB on 8 KB of events", rss>>20)
	}
}
