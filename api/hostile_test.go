package api_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sep-project/sep/api"
	"github.com/sep-project/sep/core"
)

// events is a JSON array of n valid track events with distinct messageIds.
func events(n int, prefix string) []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"type":"track","messageId":"%s-%d","userId":"u%d","event":"A","timestamp":"2026-09-01T00:00:00Z"}`, prefix, i, i%50)
	}
	b.WriteByte(']')
	return b.Bytes()
}

type answer struct {
	Error      string           `json:"error"`
	Detail     json.RawMessage  `json:"detail"`
	BadRecords int              `json:"bad_records"`
	ByReason   map[string]int64 `json:"by_reason"`
}

func answerOf(t *testing.T, rec *httptest.ResponseRecorder) answer {
	t.Helper()
	var a answer
	if err := json.Unmarshal(rec.Body.Bytes(), &a); err != nil {
		t.Fatalf("answer %d is not JSON: %s", rec.Code, rec.Body)
	}
	return a
}

// TestGzipBombs: a delivery or an export that decompresses past its limit gets
// a 413 naming the limit, and nothing is stored.
func TestGzipBombs(t *testing.T) {
	h, st := newServer(t, hosted())
	bomb := gzipped(make([]byte, api.DefaultMaxEventsInflated+1)) // ~10 KB of gzip
	rec := do(h, "POST", eventsPath, bomb, "Authorization", "Bearer "+ingestTok, "Content-Type", "application/json")
	if a := answerOf(t, rec); rec.Code != 413 || !strings.Contains(a.Error, fmt.Sprint(api.DefaultMaxEventsInflated)) || !strings.Contains(a.Error, "decompressed") {
		t.Fatalf("events bomb: %d %s", rec.Code, rec.Body)
	}
	// At the limit it is read (and refused for what it is: no JSON).
	rec = do(h, "POST", eventsPath, gzipped(append(events(3, "ok"), bytes.Repeat([]byte(" "), 1000)...)), "Authorization", "Bearer "+ingestTok)
	if rec.Code != 200 || stored(t, st) != 3 {
		t.Fatalf("small gzip delivery: %d %s", rec.Code, rec.Body)
	}

	opt := hosted()
	opt.MaxScoreInflated = 1 << 20
	h, _ = newServer(t, opt)
	lines := bytes.Repeat([]byte(`{"type":"track","userId":"u","event":"A","timestamp":"2026-09-01T00:00:00Z"}`+"\n"), (1<<20)/70)
	for name, body := range map[string][]byte{"gzip": gzipped(lines), "zip of gzip": zipOf(t, "a.json.gz", gzipped(lines)), "zip": zipOf(t, "a.jsonl", lines)} {
		rec := do(h, "POST", "/v1/score?format=segment", body, "Authorization", "Bearer "+readTok)
		if a := answerOf(t, rec); rec.Code != 413 || !strings.Contains(a.Error, "1048576") {
			t.Errorf("score %s bomb: %d %s", name, rec.Code, rec.Body)
		}
	}
	rec = do(h, "POST", "/v1/score?format=segment", gzipped(lines[:len(lines)/2]), "Authorization", "Bearer "+readTok)
	if rec.Code != 200 {
		t.Fatalf("score under the limit: %d %s", rec.Code, rec.Body)
	}
	// The body limit as sent, streamed.
	opt.MaxScoreBody = 1000
	h, _ = newServer(t, opt)
	rec = do(h, "POST", "/v1/score?format=segment", lines, "Authorization", "Bearer "+readTok)
	if a := answerOf(t, rec); rec.Code != 413 || !strings.Contains(a.Error, "1000 bytes") {
		t.Fatalf("score over the body limit: %d %s", rec.Code, rec.Body)
	}
}

func zipOf(t *testing.T, name string, b []byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(b)
	zw.Close()
	return buf.Bytes()
}

// TestBadRecordsListed: a delivery of many bad records lists the first 20 and
// counts all of them by reason; nothing is stored.
func TestBadRecordsListed(t *testing.T) {
	h, st := newServer(t, hosted())
	var b bytes.Buffer
	b.WriteString("[\n")
	for i := 0; i < 5000; i++ {
		if i > 0 {
			b.WriteString(",\n")
		}
		if i%2 == 0 {
			b.WriteString(`{"type":"track","userId":"u","event":"A","timestamp":"x"}`)
		} else {
			b.WriteString(`{"type":"track","userId":"u","event":"A"}`)
		}
	}
	b.WriteString("\n]")
	rec := do(h, "POST", eventsPath, b.Bytes(), "Authorization", "Bearer "+ingestTok)
	a := answerOf(t, rec)
	var detail []struct {
		Line   int
		Reason string
	}
	json.Unmarshal(a.Detail, &detail)
	if rec.Code != 400 || a.BadRecords != 5000 || len(detail) != api.MaxListedErrors || detail[0].Line != 2 || detail[19].Line != 21 {
		t.Fatalf("%d bad=%d listed=%d %.300s", rec.Code, a.BadRecords, len(detail), rec.Body)
	}
	var total int64
	for _, n := range a.ByReason {
		total += n
	}
	if total != 5000 || len(a.ByReason) != 2 || stored(t, st) != 0 {
		t.Fatalf("by reason %v, stored %d", a.ByReason, stored(t, st))
	}
	if rec.Body.Len() > 8<<10 {
		t.Fatalf("the answer takes %d bytes", rec.Body.Len())
	}
}

// TestDeliveryEventCap: 4000 events are one delivery; 4001 get a 413 that
// says the cap, and store nothing.
func TestDeliveryEventCap(t *testing.T) {
	h, st := newServer(t, hosted())
	rec := do(h, "POST", eventsPath, events(api.MaxDeliveryEvents+1, "over"), "Authorization", "Bearer "+ingestTok)
	if a := answerOf(t, rec); rec.Code != 413 || !strings.Contains(a.Error, "4000") || stored(t, st) != 0 {
		t.Fatalf("over the cap: %d %s, stored %d", rec.Code, rec.Body, stored(t, st))
	}
	rec = do(h, "POST", eventsPath, gzipped(events(api.MaxDeliveryEvents, "at")), "Authorization", "Bearer "+ingestTok)
	if rec.Code != 200 || stored(t, st) != api.MaxDeliveryEvents {
		t.Fatalf("at the cap: %d %s", rec.Code, rec.Body)
	}
}

// TestAnswerCap: a report over MaxAnswer bytes is a 422 that says the limit.
func TestAnswerCap(t *testing.T) {
	opt := hosted()
	opt.MaxAnswer = 500
	h, _ := newServer(t, opt)
	if rec := do(h, "POST", eventsPath, events(40, "a"), "Authorization", "Bearer "+ingestTok); rec.Code != 200 {
		t.Fatal(rec.Body)
	}
	rec := do(h, "GET", "/v1/score", nil, "Authorization", "Bearer "+readTok)
	if a := answerOf(t, rec); rec.Code != 422 || !strings.Contains(a.Error, "limit of 500") {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}

// TestCrossSiteWrites: writes a page on another site could send are refused
// (Origin or Sec-Fetch-Site cross-site, or a text/plain or form body), and
// what SDKs and webhooks send goes through.
func TestCrossSiteWrites(t *testing.T) {
	body := events(2, "x")
	auth := []string{"Authorization", "Bearer " + ingestTok}
	for _, c := range []struct {
		name   string
		body   []byte
		hdr    []string
		status int
	}{
		{"json", body, []string{"Content-Type", "application/json"}, 200},
		{"json with charset", body, []string{"Content-Type", "application/json; charset=utf-8"}, 200},
		{"no content type", body, nil, 200},
		{"ndjson", body, []string{"Content-Type", "application/x-ndjson"}, 200},
		{"same origin page", body, []string{"Content-Type", "application/json", "Origin", "http://example.com", "Sec-Fetch-Site", "same-origin"}, 200},
		{"gzip labelled as a form (RudderStack's Node SDK)", gzipped(body), []string{"Content-Type", "application/x-www-form-urlencoded"}, 200},
		{"text/plain", body, []string{"Content-Type", "text/plain;charset=UTF-8"}, 415},
		{"form", body, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415},
		{"multipart", body, []string{"Content-Type", "multipart/form-data; boundary=x"}, 415},
		{"other origin", body, []string{"Content-Type", "application/json", "Origin", "http://evil.example"}, 403},
		{"null origin", body, []string{"Content-Type", "application/json", "Origin", "null"}, 403},
		{"cross-site fetch", body, []string{"Content-Type", "application/json", "Sec-Fetch-Site", "cross-site"}, 403},
		{"same-site fetch (another port)", body, []string{"Sec-Fetch-Site", "same-site"}, 403},
	} {
		t.Run(c.name, func(t *testing.T) {
			h, st := newServer(t, hosted())
			req := httptest.NewRequest("POST", "http://example.com"+eventsPath, bytes.NewReader(c.body))
			for _, kv := range [][]string{auth, c.hdr} {
				for i := 0; i+1 < len(kv); i += 2 {
					req.Header.Set(kv[i], kv[i+1])
				}
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != c.status {
				t.Fatalf("%d %s, want %d", rec.Code, rec.Body, c.status)
			}
			want := int64(0)
			if c.status == 200 {
				want = 2
			}
			if got := stored(t, st); got != want {
				t.Fatalf("stored %d", got)
			}
		})
	}
	// The stateless scoring takes any export type but not from another site.
	h, _ := newServer(t, hosted())
	if rec := do(h, "POST", "/v1/score?format=segment", body, "Authorization", "Bearer "+readTok, "Content-Type", "text/csv"); rec.Code != 200 {
		t.Errorf("score text/csv: %d %s", rec.Code, rec.Body)
	}
	if rec := do(h, "POST", "/v1/score?format=segment", body, "Authorization", "Bearer "+readTok, "Sec-Fetch-Site", "cross-site"); rec.Code != 403 {
		t.Errorf("score cross-site: %d %s", rec.Code, rec.Body)
	}
}

// TestLoopbackHosts: with LoopbackHosts, a Host that is not a loopback name
// (a DNS-rebinding page) gets 421, on reads too.
func TestLoopbackHosts(t *testing.T) {
	opt := hosted()
	opt.LoopbackHosts = true
	h, _ := newServer(t, opt)
	for host, status := range map[string]int{
		"127.0.0.1:8080": 200, "localhost:8080": 200, "LOCALHOST.": 200, "[::1]:8080": 200, "127.0.0.2": 200, "app.localhost:1": 200,
		"evil.example": 421, "evil.example:8080": 421, "10.0.0.1:8080": 421, "localhost.evil.example": 421, "": 421,
	} {
		req := httptest.NewRequest("GET", "/healthz", nil)
		req.Host = host
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != status {
			t.Errorf("Host %q: %d %s, want %d", host, rec.Code, rec.Body, status)
		}
	}
	// Without the option (hosted servers) any Host is answered.
	h, _ = newServer(t, hosted())
	req := httptest.NewRequest("GET", "/healthz", nil)
	req.Host = "sep.example.com"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Errorf("hosted: %d", rec.Code)
	}
}

// TestSecurityHeaders: the API and the page send nosniff, no referrer, and a
// CSP that forbids framing.
func TestSecurityHeaders(t *testing.T) {
	opt := hosted()
	site := t.TempDir()
	os.WriteFile(filepath.Join(site, "index.html"), []byte("<!doctype html><p>sep"), 0o644)
	opt.Site = api.StaticSite(site)
	h, _ := newServer(t, opt)
	for _, c := range []struct{ method, path, csp string }{
		{"GET", "/healthz", "default-src 'none'"},
		{"GET", "/v1/score", "default-src 'none'"},
		{"POST", eventsPath, "default-src 'none'"},
		{"GET", "/", "script-src 'self' 'wasm-unsafe-eval'"},
		{"GET", "/missing.js", "default-src 'none'"},
	} {
		rec := do(h, c.method, c.path, nil)
		hd := rec.Header()
		if hd.Get("X-Content-Type-Options") != "nosniff" || hd.Get("Referrer-Policy") != "no-referrer" ||
			!strings.Contains(hd.Get("Content-Security-Policy"), "frame-ancestors 'none'") || !strings.Contains(hd.Get("Content-Security-Policy"), c.csp) {
			t.Errorf("%s %s (%d): %v", c.method, c.path, rec.Code, hd)
		}
	}
}

// TestStaticSiteServesOnlyItsFiles: no link out of the folder, no listing, no
// dot-names, nothing of the data folder even inside the site's folder.
func TestStaticSiteServesOnlyItsFiles(t *testing.T) {
	root := t.TempDir()
	site := filepath.Join(root, "site")
	data := filepath.Join(site, "data")
	outside := filepath.Join(root, "secret")
	for _, d := range []string{site, data, outside, filepath.Join(site, "empty"), filepath.Join(site, "sub")} {
		os.MkdirAll(d, 0o755)
	}
	write := func(p, s string) { os.WriteFile(p, []byte(s), 0o644) }
	write(filepath.Join(site, "index.html"), "<p>page")
	write(filepath.Join(site, "app.js"), "console.log(1)")
	write(filepath.Join(site, "sub", "index.html"), "<p>sub")
	write(filepath.Join(site, ".env"), "SECRET=1")
	write(filepath.Join(data, "sep.db"), "database")
	write(filepath.Join(outside, "passwd"), "root:x:0:0")
	os.Symlink(outside, filepath.Join(site, "link"))
	os.Symlink(filepath.Join(outside, "passwd"), filepath.Join(site, "passwd"))
	os.Symlink(data, filepath.Join(site, "db"))
	os.Symlink("app.js", filepath.Join(site, "alias.js"))
	h := api.StaticSite(site, data)
	for path, want := range map[string]string{
		"/": "<p>page", "/index.html": "<p>page", "/app.js": "console.log(1)", "/alias.js": "console.log(1)", "/sub/": "<p>sub", "/sub": "<p>sub",
		"/link/passwd": "", "/passwd": "", "/link/": "", "/data/sep.db": "", "/db/sep.db": "", "/.env": "", "/empty/": "",
		"/../secret/passwd": "", "/sub/../../secret/passwd": "", "/%2e%2e/secret/passwd": "",
	} {
		req := httptest.NewRequest("GET", "http://localhost/", nil)
		req.URL.Path = path
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if want == "" && (rec.Code != 404 || strings.Contains(rec.Body.String(), "root:") || strings.Contains(rec.Body.String(), "database")) {
			t.Errorf("%s: %d %q, want 404", path, rec.Code, rec.Body)
		}
		if want != "" && (rec.Code != 200 || rec.Body.String() != want) {
			t.Errorf("%s: %d %q, want %q", path, rec.Code, rec.Body, want)
		}
	}
	if rec := do(api.StaticSite(filepath.Join(root, "nope")), "GET", "/", nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), "make site") {
		t.Errorf("not built: %d %s", rec.Code, rec.Body)
	}
}

// TestBlankOrShortSecretsRefused: a blank, short or space-padded secret or
// token stops the handler from being made, naming the variable.
func TestBlankOrShortSecretsRefused(t *testing.T) {
	long := strings.Repeat("k", api.MinSecretLength)
	for _, c := range []struct {
		name string
		opt  api.Options
		env  string
	}{
		{"spaces only", api.Options{WebhookSecret: strings.Repeat(" ", 40)}, "SEP_WEBHOOK_SECRET"},
		{"short token", api.Options{IngestToken: "abc"}, "SEP_INGEST_TOKEN"},
		{"short read token", api.Options{IngestToken: long, ReadToken: "r"}, "SEP_READ_TOKEN"},
		{"padded to length", api.Options{IngestToken: "abc" + strings.Repeat(" ", 20)}, "SEP_INGEST_TOKEN"},
		{"trailing newline", api.Options{IngestToken: long + "\n"}, "SEP_INGEST_TOKEN"},
	} {
		_, err := api.New(c.opt)
		if err == nil || !strings.Contains(err.Error(), c.env) || strings.Contains(err.Error(), long) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if _, err := api.New(api.Options{IngestToken: long, WebhookSecret: long, ReadToken: long}); err != nil {
		t.Errorf("%d characters refused: %v", api.MinSecretLength, err)
	}
}

// TestSlowBodyTimesOut: a body that stops coming gets a 408 after the body
// timeout and its connection is closed, while other requests are answered.
func TestSlowBodyTimesOut(t *testing.T) {
	opt := hosted()
	opt.BodyTimeout = 300 * time.Millisecond
	h, _ := newServer(t, opt)
	srv := httptest.NewUnstartedServer(h)
	srv.Config = api.NewServer(h)
	srv.Start()
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n[", ingestTok)
	res, err := http.Get(srv.URL + "/healthz")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("healthz while a body hangs: %v", err)
	}
	res.Body.Close()
	conn.SetReadDeadline(time.Now().Add(20 * time.Second)) // a bound on the test, not an assertion
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a hanging body: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 408 || !strings.Contains(string(b), "in time") {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	if srv.Config.ReadHeaderTimeout != api.ReadHeaderTimeout || srv.Config.MaxHeaderBytes != api.MaxHeaderBytes || srv.Config.IdleTimeout != api.IdleTimeout || srv.Config.WriteTimeout == 0 {
		t.Fatalf("server settings %+v", srv.Config)
	}
	_ = core.FormatSegment
}
