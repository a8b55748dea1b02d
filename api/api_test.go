package api_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sep-project/sep/api"
	"github.com/sep-project/sep/bolt"
	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/core/storetest"
	"github.com/sep-project/sep/core/synth"
	"github.com/sep-project/sep/ingest"
	"github.com/sep-project/sep/internal/apitest"
)

const (
	secret     = "whsec-test-0123456789"
	ingestTok  = "ingest-token-0123456789"
	readTok    = "read-token-0123456789"
	eventsPath = "/v1/events"
)

func newServer(t *testing.T, opt api.Options) (http.Handler, core.Store) {
	t.Helper()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "sep.db"), opt.TZ())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	opt.Store = st
	h, err := api.New(opt)
	if err != nil {
		t.Fatal(err)
	}
	return h, st
}

func hosted() api.Options {
	return api.Options{WebhookSecret: secret, IngestToken: ingestTok, ReadToken: readTok}
}

func do(h http.Handler, method, path string, body []byte, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, bytes.NewReader(body))
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func webhook(t *testing.T) []byte {
	b, err := os.ReadFile("testdata/segment-webhook.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func stored(t *testing.T, st core.Store) int64 {
	r, err := st.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r.Input.Events - r.Input.Duplicates
}

func TestEventsAuthAndValidation(t *testing.T) {
	body := webhook(t)
	sig := api.SignatureOf(secret, body)
	bad := []byte(`[{"type":"track","userId":"u","event":"A","timestamp":"2026-09-01T00:00:00Z"},{"type":"track","userId":"u","event":"B","timestamp":"later"}]`)
	for _, c := range []struct {
		name   string
		body   []byte
		hdr    []string
		status int
		inBody string
	}{
		{"signed", body, []string{"X-Signature", sig}, 200, `"stored":5`},
		{"bearer", body, []string{"Authorization", "Bearer " + ingestTok}, 200, `"stored":5`},
		{"bad signature", body, []string{"X-Signature", strings.Repeat("0", 40)}, 401, "bad X-Signature"},
		{"signature of another body", body, []string{"X-Signature", api.SignatureOf(secret, []byte("{}"))}, 401, "bad X-Signature"},
		{"wrong token", body, []string{"Authorization", "Bearer nope"}, 401, "credentials"},
		{"read token cannot ingest", body, []string{"Authorization", "Bearer " + readTok}, 401, "credentials"},
		{"no credentials", body, nil, 401, "credentials"},
		{"malformed json", []byte(`{"type":`), []string{"Authorization", "Bearer " + ingestTok}, 400, "invalid JSON"},
		{"one bad event", bad, []string{"Authorization", "Bearer " + ingestTok}, 400, `"field":"timestamp"`},
		{"empty", []byte(`[]`), []string{"Authorization", "Bearer " + ingestTok}, 400, "no event"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h, st := newServer(t, hosted())
			rec := do(h, "POST", eventsPath, c.body, c.hdr...)
			if rec.Code != c.status || !strings.Contains(rec.Body.String(), c.inBody) {
				t.Fatalf("status %d body %s; want %d with %q", rec.Code, rec.Body, c.status, c.inBody)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("content type %q", ct)
			}
			want := int64(0)
			if c.status == 200 {
				want = 5
			}
			if got := stored(t, st); got != want {
				t.Errorf("stored %d events, want %d", got, want)
			}
		})
	}
}

func TestReplayedDeliveryCountsOnce(t *testing.T) {
	h, st := newServer(t, hosted())
	body := webhook(t)
	for i, want := range []string{`"stored":5`, `"stored":0`} {
		rec := do(h, "POST", eventsPath, body, "X-Signature", api.SignatureOf(secret, body))
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), want) {
			t.Fatalf("delivery %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	if got := stored(t, st); got != 5 {
		t.Fatalf("stored %d events after a replay, want 5", got)
	}
}

func TestBodyLimitAndMethods(t *testing.T) {
	opt := hosted()
	opt.MaxEventsBody = 100
	h, st := newServer(t, opt)
	rec := do(h, "POST", eventsPath, webhook(t), "Authorization", "Bearer "+ingestTok)
	if rec.Code != 413 || stored(t, st) != 0 {
		t.Fatalf("over the limit: %d %s", rec.Code, rec.Body)
	}
	// ServeMux's method patterns answer 405 with their Allow (a GET pattern
	// also answers HEAD); routes writes it as the API's JSON error.
	for _, c := range []struct{ method, path, allow string }{
		{"GET", eventsPath, "POST"}, {"DELETE", "/v1/score", "GET, HEAD, POST"}, {"POST", "/v1/accounts/x", "GET, HEAD"},
		{"POST", "/healthz", "GET, HEAD"}, {"PUT", "/v1/history", "GET, HEAD"}, {"GET", "/v1/b", "POST"},
	} {
		rec := do(h, c.method, c.path, nil)
		var e struct {
			Error  string
			Detail struct{ Allow []string }
		}
		json.Unmarshal(rec.Body.Bytes(), &e)
		if rec.Code != 405 || e.Error != "method "+c.method+" not allowed" || rec.Header().Get("Allow") != c.allow ||
			strings.Join(e.Detail.Allow, ", ") != c.allow || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			t.Errorf("%s %s: %d allow %q %s", c.method, c.path, rec.Code, rec.Header().Get("Allow"), rec.Body)
		}
	}
	for _, path := range []string{"/v1/nothing", "/v1/accounts/a/b", "/v1/"} {
		rec := do(h, "GET", path, nil, "Authorization", "Bearer "+readTok)
		var e struct{ Error string }
		json.Unmarshal(rec.Body.Bytes(), &e)
		if rec.Code != 404 || e.Error != "no such endpoint: "+path {
			t.Errorf("GET %s: %d %s", path, rec.Code, rec.Body)
		}
	}
	if rec := do(h, "HEAD", "/healthz", nil); rec.Code != 200 {
		t.Errorf("HEAD /healthz: %d %s", rec.Code, rec.Body)
	}
	if rec := do(h, "GET", "/v1/nope", nil); rec.Code != 404 {
		t.Errorf("unknown endpoint: %d", rec.Code)
	}
}

func TestReadsNeedTheReadToken(t *testing.T) {
	h, _ := newServer(t, hosted())
	if rec := do(h, "GET", "/v1/score", nil); rec.Code != 401 {
		t.Errorf("no token: %d", rec.Code)
	}
	if rec := do(h, "GET", "/v1/score", nil, "Authorization", "Bearer "+ingestTok); rec.Code != 401 {
		t.Errorf("ingest token reads: %d", rec.Code)
	}
	if rec := do(h, "GET", "/v1/score", nil, "Authorization", "Bearer "+readTok); rec.Code != 200 {
		t.Errorf("read token: %d %s", rec.Code, rec.Body)
	}
	// A hosted server without a read token keeps reads closed.
	opt := hosted()
	opt.ReadToken = ""
	h, _ = newServer(t, opt)
	if rec := do(h, "GET", "/v1/score", nil); rec.Code != 401 || !strings.Contains(rec.Body.String(), "SEP_READ_TOKEN") {
		t.Errorf("closed reads: %d %s", rec.Code, rec.Body)
	}
	if _, err := api.New(api.Options{}); err == nil {
		t.Error("a hosted handler without a secret or token must refuse to start")
	}
}

// TestSameReportAsTheCLIPath feeds a generated product through the webhook
// endpoint and requires exactly the report core gives on the same events, for
// GET /v1/score, /v1/accounts/{id} and the stateless POST /v1/score.
func TestSameReportAsTheCLIPath(t *testing.T) {
	var export bytes.Buffer
	if _, err := synth.Write(&export, synth.Options{Users: 60, Days: 70, Seed: 3, Format: core.FormatSegment}); err != nil {
		t.Fatal(err)
	}
	evs, bad, err := ingest.DecodeEvents(context.Background(), export.Bytes(), ingest.Options{Format: core.FormatSegment})
	if err != nil || bad.Total > 0 {
		t.Fatal(err, bad)
	}
	h, _ := newServer(t, hosted())
	lines := strings.Split(strings.TrimSpace(export.String()), "\n")
	for i := 0; i < len(lines); i += 100 {
		body := []byte("[" + strings.Join(lines[i:min(i+100, len(lines))], ",") + "]")
		rec := do(h, "POST", eventsPath, body, "Authorization", "Bearer "+ingestTok)
		if rec.Code != 200 {
			t.Fatalf("delivery %d: %d %s", i, rec.Code, rec.Body)
		}
	}
	s := core.Settings{Window: 14, Ratio: "wau/mau"}
	want := storetest.Want(t, "UTC", evs, s)
	rec := do(h, "GET", "/v1/score?window=14&ratio=wau/mau", nil, "Authorization", "Bearer "+readTok)
	if rec.Code != 200 || rec.Body.String() != want {
		t.Fatalf("GET /v1/score differs (%d):\n%s\nwant:\n%s", rec.Code, rec.Body, want)
	}

	// The stateless endpoint, gzip body.
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(export.Bytes())
	zw.Close()
	rec = do(h, "POST", "/v1/score?window=14&ratio=wau/mau&format=segment", gz.Bytes(), "Authorization", "Bearer "+readTok)
	if rec.Code != 200 || apitest.DropFiles(rec.Body.String()) != want {
		t.Fatalf("POST /v1/score differs (%d):\n%s", rec.Code, rec.Body)
	}

	var rep core.Report
	json.Unmarshal([]byte(want), &rep)
	id := rep.Accounts[0].ID
	rec = do(h, "GET", "/v1/accounts/"+id+"?window=14&ratio=wau/mau", nil, "Authorization", "Bearer "+readTok)
	var acc struct{ Account core.AccountScore }
	json.Unmarshal(rec.Body.Bytes(), &acc)
	if rec.Code != 200 || acc.Account.ID != id || acc.Account.Active != rep.Accounts[0].Active {
		t.Fatalf("account %s: %d %s", id, rec.Code, rec.Body)
	}
	if rec := do(h, "GET", "/v1/accounts/nobody", nil, "Authorization", "Bearer "+readTok); rec.Code != 404 {
		t.Errorf("unknown account: %d", rec.Code)
	}
	if rec := do(h, "GET", "/v1/score?tz=Europe/Paris", nil, "Authorization", "Bearer "+readTok); rec.Code != 400 {
		t.Errorf("other tz: %d", rec.Code)
	}
	if rec := do(h, "GET", "/v1/score?window=x", nil, "Authorization", "Bearer "+readTok); rec.Code != 400 {
		t.Errorf("bad window: %d", rec.Code)
	}
	for _, w := range []string{"0", "-3"} {
		rec := do(h, "GET", "/v1/score?window="+w, nil, "Authorization", "Bearer "+readTok)
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), "out of range 1..3660") {
			t.Errorf("window=%s: %d %s (want 400 naming the range, not 30 days in silence)", w, rec.Code, rec.Body)
		}
	}
	if rec := do(h, "POST", "/v1/score", []byte("hello"), "Authorization", "Bearer "+readTok); rec.Code != 400 {
		t.Errorf("unreadable export: %d %s", rec.Code, rec.Body)
	}
}

func TestOptionsFromEnv(t *testing.T) {
	env := map[string]string{"SEP_WEBHOOK_SECRET": "s", "SEP_INGEST_TOKEN": "i", "SEP_READ_TOKEN": "r",
		"SEP_CONFIG": `{"tz":"Europe/Paris","window":7,"core_events":["A"]}`}
	opt, err := api.OptionsFromEnv(func(k string) string { return env[k] })
	if err != nil || opt.WebhookSecret != "s" || opt.IngestToken != "i" || opt.ReadToken != "r" || opt.TZ() != "Europe/Paris" || opt.Config.Window != 7 {
		t.Fatalf("%+v %v", opt, err)
	}
	env["SEP_CONFIG"] = `{"windw":7}`
	if _, err := api.OptionsFromEnv(func(k string) string { return env[k] }); err == nil {
		t.Fatal("a config with an unknown key must be refused")
	}
}

// BenchmarkHandlerIngest is the handler's cost per event on a 100-event delivery
// (bolt store on disk, one fsync per delivery).
func BenchmarkHandlerIngest(b *testing.B) {
	st, _ := bolt.Open(filepath.Join(b.TempDir(), "sep.db"), "UTC")
	defer st.Close()
	h, _ := api.New(api.Options{Store: st, IngestToken: ingestTok})
	var export bytes.Buffer
	synth.Write(&export, synth.Options{Users: 100, Days: 30, Seed: 1, Format: core.FormatSegment})
	lines := strings.Split(strings.TrimSpace(export.String()), "\n")[:100]
	body := []byte("[" + strings.Join(lines, ",") + "]")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// Fresh message ids each time so that every event is stored.
		req := httptest.NewRequest("POST", eventsPath, bytes.NewReader(bytes.ReplaceAll(body, []byte(`"m-`), []byte(`"`+strconv.Itoa(i)+`-`))))
		req.Header.Set("Authorization", "Bearer "+ingestTok)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatal(rec.Body)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/event")
}

// BenchmarkGetScore10kUsers90Days is GET /v1/score on the local server's store
// holding 10,000 users over 90 days: load the rollups from bolt, score, write.
func BenchmarkGetScore10kUsers90Days(b *testing.B) {
	st, err := bolt.Open(filepath.Join(b.TempDir(), "sep.db"), "UTC")
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	var export bytes.Buffer
	synth.Write(&export, synth.Options{Users: 10000, Days: 90, Seed: 1, Format: core.FormatSegment})
	evs, _, err := ingest.DecodeEvents(context.Background(), export.Bytes(), ingest.Options{Format: core.FormatSegment})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < len(evs); i += 50000 {
		if _, err := st.Ingest(context.Background(), evs[i:min(i+50000, len(evs))]); err != nil {
			b.Fatal(err)
		}
	}
	r, _ := st.Load(context.Background())
	b.Logf("%d events, %d rollup cells", len(evs), r.Len())
	h, _ := api.New(api.Options{Store: st, IngestToken: ingestTok, ReadToken: readTok})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		rec := do(h, "GET", "/v1/score", nil, "Authorization", "Bearer "+readTok)
		if rec.Code != 200 {
			b.Fatal(rec.Body)
		}
	}
}

// Issue #11, item 4: a delivery of 100 good events and one with a 40 KB userId
// (over bbolt's 32 KB key limit) and one dated 9999 used to be refused whole
// with a 503, forever. Now the two are skipped with their reasons and the rest
// stored: 200.
func TestOverlongAndFutureEventsAreSkippedNotRefused(t *testing.T) {
	h, st := newServer(t, hosted())
	var b strings.Builder
	b.WriteString(`{"batch":[`)
	for i := 0; i < 100; i++ {
		fmt.Fprintf(&b, `{"type":"track","messageId":"m-%d","userId":"u%d","event":"A","timestamp":"2026-09-01T10:00:00Z"},`, i, i%7)
	}
	fmt.Fprintf(&b, `{"type":"track","messageId":"long","userId":%q,"event":"A","timestamp":"2026-09-01T10:00:00Z"},`, strings.Repeat("u", 40<<10))
	b.WriteString(`{"type":"track","messageId":"future","userId":"u1","event":"A","timestamp":"9999-12-31T00:00:00Z"}]}`)
	// The answer tells the skipped apart from the stored, by reason; a
	// replay finds the stored ones duplicates and skips the others again.
	for i, want := range []string{
		`{"received":102,"stored":100,"duplicates":0,"skipped":2,"skipped_by_reason":{"id_too_long":1,"timestamp_out_of_range":1}}`,
		`{"received":102,"stored":0,"duplicates":100,"skipped":2,"skipped_by_reason":{"id_too_long":1,"timestamp_out_of_range":1}}`,
	} {
		rec := do(h, "POST", eventsPath, []byte(b.String()), "Authorization", "Bearer "+ingestTok)
		if got := strings.TrimSpace(rec.Body.String()); rec.Code != 200 || got != want {
			t.Fatalf("delivery %d: %d %s, want 200 %s", i+1, rec.Code, got, want)
		}
	}
	r, err := st.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	in := r.Input
	if in.ActivityEvents != 100 || in.SkippedByReason[core.ReasonIDTooLong] != 2 || in.SkippedByReason[core.ReasonTimeOutOfRange] != 2 {
		t.Fatalf("activity %d, skipped %v; want 100 stored, id_too_long 2, timestamp_out_of_range 2 (two deliveries)", in.ActivityEvents, in.SkippedByReason)
	}
}
