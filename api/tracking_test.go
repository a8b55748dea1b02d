package api_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sep-project/sep/api"
	"github.com/sep-project/sep/bolt"
	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/core/synth"
	"github.com/sep-project/sep/internal/apitest"
)

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// trackingCall is one event of analytics-node's shape on a single-event path.
const trackingCall = `{"userId":"u9","event":"Report Created","messageId":"one-1","timestamp":"2026-09-01T10:00:00.000Z","context":{"groupId":"acme","library":{"name":"analytics-node-next"}},"writeKey":"%s"}`

func TestTrackingAuthAndAnswers(t *testing.T) {
	batch := []byte(apitest.TrackingBatch)
	basic := api.BasicAuth(ingestTok)
	for _, c := range []struct {
		name   string
		opt    api.Options
		path   string
		body   []byte
		hdr    []string
		status int
		inBody string
		stored int64
	}{
		{"basic write key, empty password", hosted(), "/v1/batch", batch, []string{"Authorization", basic, "Content-Type", "application/json"}, 200, `"success":true`, 3},
		{"basic with a password too", hosted(), "/v1/batch", batch, []string{"Authorization", "Basic " + b64(ingestTok+":x")}, 200, `"stored":3`, 3},
		{"/v1/import (analytics-ruby)", hosted(), "/v1/import", batch, []string{"Authorization", basic}, 200, `"stored":3`, 3},
		{"/v1/b (analytics-swift, analytics-kotlin)", hosted(), "/v1/b", gzipped(batch), []string{"Authorization", basic, "Content-Type", "application/json", "Content-Encoding", "gzip"}, 200, `"stored":3`, 3},
		{"bearer token", hosted(), "/v1/batch", batch, []string{"Authorization", "Bearer " + ingestTok}, 200, `"stored":3`, 3},
		{"writeKey in the body", hosted(), "/v1/track", []byte(strings.Replace(trackingCall, "%s", ingestTok, 1)), nil, 200, `"stored":1`, 1},
		{"gzip labelled form-encoded", hosted(), "/v1/batch", gzipped(batch), []string{"Authorization", basic, "Content-Type", "application/x-www-form-urlencoded"}, 200, `"stored":3`, 3},
		{"gzip with Content-Encoding", hosted(), "/v1/batch", gzipped(batch), []string{"Authorization", basic, "Content-Encoding", "gzip"}, 200, `"stored":3`, 3},
		{"wrong write key", hosted(), "/v1/batch", batch, []string{"Authorization", api.BasicAuth("nope")}, 401, "write key", 0},
		{"password is not the key", hosted(), "/v1/batch", batch, []string{"Authorization", "Basic " + b64(":"+ingestTok)}, 401, "write key", 0},
		{"read token is not the key", hosted(), "/v1/batch", batch, []string{"Authorization", api.BasicAuth(readTok)}, 401, "write key", 0},
		{"no credentials", hosted(), "/v1/batch", batch, nil, 401, "write key", 0},
		{"webhook signature does not open it", hosted(), "/v1/batch", batch, []string{"X-Signature", api.SignatureOf(secret, batch)}, 401, "write key", 0},
		{"server without a token", api.Options{WebhookSecret: secret, ReadToken: readTok}, "/v1/batch", batch, []string{"Authorization", basic}, 401, "set SEP_INGEST_TOKEN", 0},
		{"local server without secrets", api.Options{OpenReads: true}, "/v1/batch", batch, nil, 200, `"stored":3`, 3},
		{"invalid JSON", hosted(), "/v1/batch", []byte(`{"batch":[{"type":"track"`), []string{"Authorization", basic}, 400, "invalid JSON", 0},
		{"an array is not a batch", hosted(), "/v1/batch", []byte(`[{"type":"track","userId":"u","event":"A"}]`), []string{"Authorization", basic}, 400, "not a JSON object", 0},
		{"no batch array", hosted(), "/v1/batch", []byte(`{"type":"track","userId":"u","event":"A"}`), []string{"Authorization", basic}, 400, `no \"batch\" array`, 0},
		{"empty batch", hosted(), "/v1/batch", []byte(`{"batch":[]}`), []string{"Authorization", basic}, 400, "no event", 0},
		{"batch element not an object", hosted(), "/v1/batch", []byte(`{"batch":[{"type":"track","userId":"u","event":"A"},7]}`), []string{"Authorization", basic}, 400, "batch[1] is not a JSON object", 0},
		{"bad event names its index and field", hosted(), "/v1/batch",
			[]byte(`{"batch":[{"type":"track","messageId":"m1","userId":"u","event":"A","timestamp":"2026-09-01T00:00:00Z"},{"type":"track","messageId":"m2","userId":"u","event":"B","timestamp":"yesterday"}]}`),
			[]string{"Authorization", basic}, 400, `"field":"batch[1].timestamp"`, 0},
		{"pretty-printed batch: the bad event's index still", hosted(), "/v1/batch",
			[]byte("{\n \"batch\": [\n  {\n   \"type\": \"track\",\n   \"userId\": \"u\",\n   \"event\": \"A\"\n  },\n  {\n   \"type\": \"group\",\n   \"userId\": \"u\"\n  }\n ]\n}"),
			[]string{"Authorization", basic}, 400, `"index":1,"field":"batch[1].groupId"`, 0},
		{"track without event name", hosted(), "/v1/track", []byte(`{"userId":"u","messageId":"m"}`), []string{"Authorization", basic}, 400, `"field":"event"`, 0},
		{"gzip bomb", api.Options{IngestToken: ingestTok, ReadToken: readTok, MaxEventsBody: 1 << 16}, "/v1/batch", gzipped(bytes.Repeat([]byte(" "), 1<<17)), []string{"Authorization", basic}, 413, "inflates over the limit", 0},
		{"bad key: refused before inflating", api.Options{IngestToken: ingestTok, ReadToken: readTok, MaxEventsBody: 1 << 16}, "/v1/batch", gzipped(bytes.Repeat([]byte(" "), 1<<17)), []string{"Authorization", api.BasicAuth("nope")}, 401, "write key", 0},
		{"no key, broken gzip", hosted(), "/v1/batch", []byte{0x1f, 0x8b, 0, 0}, nil, 401, "write key", 0},
		{"body over the limit", api.Options{IngestToken: ingestTok, ReadToken: readTok, MaxEventsBody: 100}, "/v1/batch", batch, []string{"Authorization", basic}, 413, "over the limit", 0},
		{"broken gzip", hosted(), "/v1/batch", []byte{0x1f, 0x8b, 0, 0}, []string{"Authorization", basic}, 400, "bad gzip", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			h, st := newServer(t, c.opt)
			rec := do(h, "POST", c.path, c.body, c.hdr...)
			if rec.Code != c.status || !strings.Contains(rec.Body.String(), c.inBody) {
				t.Fatalf("status %d body %s; want %d with %q", rec.Code, rec.Body, c.status, c.inBody)
			}
			if got := stored(t, st); got != c.stored {
				t.Errorf("stored %d events, want %d", got, c.stored)
			}
		})
	}
}

// b64 encodes a Basic credential as it is (api.BasicAuth adds the colon).
func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func TestTrackingMethodsAndPaths(t *testing.T) {
	h, _ := newServer(t, hosted())
	for path := range api.TrackingPaths {
		if rec := do(h, "GET", path, nil); rec.Code != 405 || rec.Header().Get("Allow") != "POST" {
			t.Errorf("GET %s: %d allow %q", path, rec.Code, rec.Header().Get("Allow"))
		}
	}
	if rec := do(h, "POST", "/v1/tracks", nil); rec.Code != 404 {
		t.Errorf("/v1/tracks: %d", rec.Code)
	}
}

// The single-event paths imply the type; the server sets receivedAt; the
// batch's context applies to events that lack its fields.
func TestTrackingStampsEvents(t *testing.T) {
	basic := api.BasicAuth(ingestTok)
	h, st := newServer(t, hosted())
	calls := []struct{ path, body string }{
		// A type in the body that contradicts the path: the path wins.
		{"/v1/track", `{"type":"identify","userId":"u1","event":"Report Created","messageId":"s1","timestamp":"2026-09-01T10:00:00Z"}`},
		{"/v1/page", `{"userId":"u1","name":"Pricing","messageId":"s2","timestamp":"2026-09-01T10:01:00Z"}`},
		{"/v1/screen", `{"anonymousId":"a1","name":"Home","messageId":"s3","timestamp":"2026-09-01T10:02:00Z"}`},
		{"/v1/identify", `{"userId":"u1","traits":{"role":"admin"},"messageId":"s4","timestamp":"2026-09-01T10:03:00Z"}`},
		{"/v1/group", `{"userId":"u1","groupId":"acme","traits":{"seats":10},"messageId":"s5","timestamp":"2026-09-01T09:00:00Z"}`},
		// No timestamp at all: the event is dated when received (today).
		{"/v1/track", `{"userId":"u2","event":"Report Created","messageId":"s6","receivedAt":"2001-01-01T00:00:00Z"}`},
		// The batch's context.groupId goes to the event without one; the
		// event's own wins.
		{"/v1/batch", `{"batch":[{"type":"track","userId":"u3","event":"Report Created","messageId":"s7","timestamp":"2026-09-02T10:00:00Z"},` +
			`{"type":"track","userId":"u4","event":"Report Created","messageId":"s8","timestamp":"2026-09-02T10:00:00Z","context":{"groupId":"own"}}],` +
			`"context":{"groupId":"batchco","ip":"203.0.113.9"},"integrations":{"All":true}}`},
	}
	for _, c := range calls {
		if rec := do(h, "POST", c.path, []byte(c.body), "Authorization", basic); rec.Code != 200 {
			t.Fatalf("%s: %d %s", c.path, rec.Code, rec.Body)
		}
	}
	roll, err := st.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := core.Score(roll, core.Settings{CoreEvents: []string{"Report Created"}})
	if err != nil {
		t.Fatal(err)
	}
	today := time.Now().UTC().Format("2006-01-02")
	if rep.Input.Events != 8 || rep.Input.ActivityEvents != 6 || rep.Input.LastDay != today {
		t.Errorf("input %+v; want 8 events, 6 activity, last day %s", rep.Input, today)
	}
	accounts := map[string]int{}
	for _, a := range rep.Accounts {
		accounts[a.ID] = a.Active
	}
	// u1 is in acme (group call); u3 in batchco (the batch's context); u4 in own.
	for _, id := range []string{"batchco", "own"} {
		if _, ok := accounts[id]; !ok {
			t.Errorf("no account %q in %v", id, accounts)
		}
	}
}

// A webhook batch signed only on its first event (Segment's Webhooks
// (Actions) destination) is refused with the reason and the fix.
func TestBatchedWebhookSignedOnFirstEvent(t *testing.T) {
	h, st := newServer(t, hosted())
	first := `{"type":"track","messageId":"w1","userId":"u","event":"A","timestamp":"2026-09-01T00:00:00Z"}`
	second := `{"type":"track","messageId":"w2","userId":"v","event":"A","timestamp":"2026-09-01T00:00:00Z"}`
	for _, c := range []struct {
		name, body, sig, want string
	}{
		{"array, first signed", "[" + first + "," + second + "]", api.SignatureOf(secret, []byte(first)), "signs only the first of this batch's 2 events"},
		{"batch wrapper, first signed compacted", `{"batch":[` + strings.ReplaceAll(first, `,"`, `, "`) + "," + second + "]}", api.SignatureOf(secret, []byte(first)), "signs only the first"},
		{"batch, other signature", "[" + first + "," + second + "]", api.SignatureOf("other", []byte(first)), "is not signed as a whole"},
		{"one event, bad signature", first, api.SignatureOf("other", []byte(first)), "bad X-Signature"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := do(h, "POST", "/v1/events", []byte(c.body), "X-Signature", c.sig)
			var e struct{ Error string }
			json.Unmarshal(rec.Body.Bytes(), &e)
			if rec.Code != 401 || !strings.Contains(e.Error, c.want) {
				t.Fatalf("%d %s; want 401 with %q", rec.Code, rec.Body, c.want)
			}
			if strings.Contains(c.want, "batch") && !strings.Contains(e.Error, "Authorization: Bearer <SEP_INGEST_TOKEN>") {
				t.Errorf("the 401 does not name the fix: %s", e.Error)
			}
			if n := stored(t, st); n != 0 {
				t.Fatalf("stored %d events", n)
			}
		})
	}
}

// A host-authenticated request (a Lambda direct invoke) needs no credentials;
// without the mark the same request is refused.
func TestHostAuthenticatedIngest(t *testing.T) {
	h, st := newServer(t, hosted())
	body := webhook(t)
	req := httptest.NewRequest("POST", "/v1/events", bytes.NewReader(body))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 401 {
		t.Fatalf("unmarked: %d", rec.Code)
	}
	req = httptest.NewRequest("POST", "/v1/events", bytes.NewReader(body))
	req = req.WithContext(api.WithHostAuth(req.Context()))
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 || stored(t, st) != 5 {
		t.Fatalf("host-authenticated: %d %s", rec.Code, rec.Body)
	}
}

// The host suite's tracking case on the local server's stack.
func TestTrackingOnTheLocalServer(t *testing.T) {
	h, _ := newServer(t, api.Options{WebhookSecret: apitest.WebhookSecret, IngestToken: apitest.IngestToken, ReadToken: apitest.ReadToken})
	srv := httptest.NewServer(h)
	defer srv.Close()
	apitest.RunTracking(t, apitest.HTTP(srv.URL))
}

// BenchmarkTrackingBatch is BenchmarkHandlerIngest's 100 events as one
// /v1/batch call with Basic auth, plain and gzipped (the cost over
// /v1/events: the batch's re-encoding with receivedAt, and inflating).
func BenchmarkTrackingBatch(b *testing.B) {
	for _, gz := range []bool{false, true} {
		name := "json"
		if gz {
			name = "gzip"
		}
		b.Run(name, func(b *testing.B) {
			st, _ := bolt.Open(filepath.Join(b.TempDir(), "sep.db"), "UTC")
			defer st.Close()
			h, _ := api.New(api.Options{Store: st, IngestToken: ingestTok})
			var export bytes.Buffer
			synth.Write(&export, synth.Options{Users: 100, Days: 30, Seed: 1, Format: core.FormatSegment})
			// An SDK's events carry no receivedAt (an export's do).
			sdkShape := regexp.MustCompile(`,"receivedAt":"[^"]*"`).ReplaceAllString(export.String(), "")
			lines := strings.Split(strings.TrimSpace(sdkShape), "\n")[:100]
			body := []byte(`{"batch":[` + strings.Join(lines, ",") + `],"sentAt":"2026-09-01T00:00:00.000Z"}`) // as the SDKs send it
			basic := api.BasicAuth(ingestTok)
			calls := make([][]byte, b.N) // fresh message ids each time, gzipped before the clock starts
			for i := range calls {
				calls[i] = bytes.ReplaceAll(body, []byte(`"m-`), []byte(`"`+strconv.Itoa(i)+`-`))
				if gz {
					calls[i] = gzipped(calls[i])
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				rec := do(h, "POST", "/v1/batch", calls[i], "Authorization", basic)
				if rec.Code != 200 {
					b.Fatal(rec.Body)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/event")
		})
	}
}

// FuzzTrackingBody: whatever the body, the tracking API answers 200 or a 4xx
// with a JSON error, never a 5xx or a panic, and stores only on a 200.
func FuzzTrackingBody(f *testing.F) {
	for _, s := range []string{
		apitest.TrackingBatch,
		`{"batch":[{"type":"track","userId":"u","event":"A","messageId":"f1","timestamp":"2026-09-01T00:00:00+05:30"}],"context":{"groupId":"g"}}`,
		`{"batch":[{"type":"page","anonymousId":7,"name":null,"messageId":"f2","context":null}],"context":{"ip":"1"}}`,
		`{"batch":[null,{"type":"identify","userId":"u","traits":{"seats":"3"}}]}`,
		`{"batch":{}}`, `{"batch":[]}`, `{"userId":"u","event":"A"}`, `[]`, `"x"`, ``,
		`{"batch":[{"type":"group","userId":"u","groupId":"g","traits":{"seats":1e3}}],"context":[1]}`,
	} {
		f.Add(s, true)
		f.Add(s, false)
	}
	st, err := bolt.Open(filepath.Join(f.TempDir(), "sep.db"), "UTC")
	if err != nil {
		f.Fatal(err)
	}
	defer st.Close()
	h, err := api.New(api.Options{Store: st, IngestToken: ingestTok, ReadToken: readTok})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body string, batch bool) {
		path := "/v1/track"
		if batch {
			path = "/v1/batch"
		}
		before := stored(t, st)
		rec := do(h, "POST", path, []byte(body), "Authorization", api.BasicAuth(ingestTok))
		var ans map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &ans); err != nil {
			t.Fatalf("%d answer is not JSON: %s", rec.Code, rec.Body)
		}
		switch {
		case rec.Code == 200:
			if ans["success"] != true {
				t.Fatalf("200 without success: %s", rec.Body)
			}
		case rec.Code >= 400 && rec.Code < 500:
			if ans["error"] == nil {
				t.Fatalf("%d without an error: %s", rec.Code, rec.Body)
			}
			if after := stored(t, st); after != before {
				t.Fatalf("a %d stored %d events", rec.Code, after-before)
			}
		default:
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	})
}

// The tracking answer tells skipped events apart from stored ones, by
// reason: analytics-node's batch with one event dated year 1 and one in year
// 9999 (a device clock gone wrong) stores the two others; a retry of the
// same batch finds those two duplicates and skips the dated ones again.
func TestTrackingAnswerCountsSkippedByReason(t *testing.T) {
	h, st := newServer(t, hosted())
	batch := `{"batch":[` +
		`{"type":"track","userId":"u1","event":"Report Created","messageId":"k1","timestamp":"2026-09-01T10:00:00+05:30"},` +
		`{"type":"track","userId":"u1","event":"Report Created","messageId":"k2","timestamp":"0001-01-01T00:00:00Z"},` +
		`{"type":"page","userId":"u2","name":"Home","messageId":"k3","timestamp":"9999-12-31T23:59:59Z"},` +
		`{"type":"identify","userId":"u2","traits":{"plan":null},"messageId":"k4","timestamp":"2026-09-01T10:00:00Z"}]}`
	for i, want := range []string{
		`{"success":true,"received":4,"stored":2,"duplicates":0,"skipped":2,"skipped_by_reason":{"timestamp_out_of_range":2}}`,
		`{"success":true,"received":4,"stored":0,"duplicates":2,"skipped":2,"skipped_by_reason":{"timestamp_out_of_range":2}}`,
	} {
		rec := do(h, "POST", "/v1/batch", []byte(batch), "Authorization", api.BasicAuth(ingestTok))
		if got := strings.TrimSpace(rec.Body.String()); rec.Code != 200 || got != want {
			t.Fatalf("call %d: %d %s, want 200 %s", i+1, rec.Code, got, want)
		}
	}
	r, err := st.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if in := r.Input; in.Events != 8 || in.Duplicates != 2 || in.SkippedByReason[core.ReasonTimeOutOfRange] != 4 {
		t.Fatalf("stored input %+v; want 8 events, 2 duplicates, 4 timestamp_out_of_range", in)
	}
}
