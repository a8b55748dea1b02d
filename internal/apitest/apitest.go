// Package apitest is the suite every host of the HTTP API passes (the local
// server, the Lambda bootstrap under a test Runtime API, the Worker under
// wrangler dev): the same requests, the same answers, the same reports as core.
package apitest

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sep-project/sep/api"
	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/core/storetest"
	"github.com/sep-project/sep/core/synth"
	"github.com/sep-project/sep/ingest"
	"github.com/sep-project/sep/internal/testenv"
)

// The credentials the host under test must be configured with.
const (
	WebhookSecret = "whsec-apitest-0123456789"
	IngestToken   = "ingest-apitest-0123456789"
	ReadToken     = "read-apitest-0123456789"
)

// Env is the environment that configures a host for the suite.
func Env() []string {
	return []string{"SEP_WEBHOOK_SECRET=" + WebhookSecret, "SEP_INGEST_TOKEN=" + IngestToken, "SEP_READ_TOKEN=" + ReadToken}
}

// EnvIn is Env with a SEP_CONFIG whose days are counted in tz, for RunIn.
func EnvIn(tz string) []string {
	return append(Env(), fmt.Sprintf(`SEP_CONFIG={"tz":%q}`, tz))
}

// Response is what a host answered.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends one request to the host under test.
type Do func(t *testing.T, method, path string, body []byte, header map[string]string) Response

// Delivery is a recorded Segment webhook delivery: a batch of five events.
const Delivery = `{"batch":[
 {"type":"group","messageId":"apitest-1","userId":"u1","groupId":"acme","traits":{"name":"Acme","seats":8,"plan":"pro"},"timestamp":"2026-09-01T08:00:00.000Z"},
 {"type":"identify","messageId":"apitest-2","userId":"u1","traits":{"role":"admin"},"timestamp":"2026-09-01T08:00:00.000Z"},
 {"type":"track","messageId":"apitest-3","userId":"u1","event":"Report Created","properties":{"format":"pdf"},"timestamp":"2026-09-01T09:00:00.000Z"},
 {"type":"page","messageId":"apitest-4","anonymousId":"a-7","name":"Pricing","timestamp":"2026-09-01T09:05:00.000Z"},
 {"type":"track","messageId":"apitest-5","userId":"u2","event":"Report Created","context":{"groupId":"acme"},"timestamp":"2026-09-02T10:00:00.000Z"}
]}`

// Run runs the suite against an empty store behind do, configured in UTC.
func Run(t *testing.T, do Do) { RunIn(t, do, "UTC") }

// RunIn runs the suite against an empty store behind do whose SEP_CONFIG
// counts days in tz (EnvIn): the product's events fall next to midnight both
// in UTC and in the zone, so a host that bucketed in the wrong zone would give
// other numbers than core (the suite checks that they do differ).
func RunIn(t *testing.T, do Do, tz string) {
	s := &suite{
		do:         do,
		tz:         tz,
		read:       map[string]string{"Authorization": "Bearer " + ReadToken},
		ingestAuth: map[string]string{"Authorization": "Bearer " + IngestToken},
	}
	t.Run("Health", s.health)
	t.Run("RejectedRequestsStoreNothing", s.rejectedRequestsStoreNothing)
	t.Run("HostileInput", s.hostile)
	t.Run("ReplayedDeliveryCountsOnce", s.replayedDeliveryCountsOnce)
	t.Run("SameReportAsCore", s.sameReportAsCore)
	// Pages of the accounts, the product's part alone, gzip answers.
	t.Run("Answers", func(t *testing.T) { answers(t, do) })
	t.Run("ZipExport", s.zipExport)
}

// suite is one run of the suite: the host, its zone and the credentials the
// subtests send. The subtests run in order on one store; each later one
// counts the events the earlier ones stored.
type suite struct {
	do               Do
	tz               string
	read, ingestAuth map[string]string
}

// storedEvents is the number of distinct events the host's store holds.
func (s *suite) storedEvents(t *testing.T) int64 {
	t.Helper()
	r := s.do(t, "GET", "/v1/score", nil, s.read)
	var rep core.Report
	if r.Status != 200 || json.Unmarshal(r.Body, &rep) != nil {
		t.Fatalf("GET /v1/score: %d %s", r.Status, r.Body)
	}
	return rep.Input.Events - rep.Input.Duplicates
}

// errorOf is the error message of a JSON error answer ("" if none).
func errorOf(r Response) string {
	var e struct {
		Error string `json:"error"`
	}
	json.Unmarshal(r.Body, &e)
	return e.Error
}

// health checks /healthz answers ok.
func (s *suite) health(t *testing.T) {
	if r := s.do(t, "GET", "/healthz", nil, nil); r.Status != 200 || !bytes.Contains(r.Body, []byte(`"ok"`)) {
		t.Fatalf("healthz: %d %s", r.Status, r.Body)
	}
}

// rejectedRequestsStoreNothing sends deliveries without valid credentials
// or with bad bodies: each is refused with a JSON error and stores nothing.
func (s *suite) rejectedRequestsStoreNothing(t *testing.T) {
	do := s.do
	before := s.storedEvents(t)
	body := []byte(Delivery)
	for _, c := range []struct {
		name   string
		header map[string]string
		body   []byte
		status int
	}{
		{"no credentials", nil, body, 401},
		{"bad signature", map[string]string{"X-Signature": api.SignatureOf("wrong", body)}, body, 401},
		{"bad token", map[string]string{"Authorization": "Bearer nope"}, body, 401},
		{"read token", s.read, body, 401},
		{"malformed JSON", s.ingestAuth, []byte(`{"batch":[{"type":"track"`), 400},
		{"one bad event", s.ingestAuth, []byte(`[{"type":"track","messageId":"x1","userId":"u","event":"A","timestamp":"2026-09-01T00:00:00Z"},{"type":"track","messageId":"x2","userId":"u","event":"B","timestamp":"later"}]`), 400},
	} {
		r := do(t, "POST", "/v1/events", c.body, c.header)
		if r.Status != c.status || errorOf(r) == "" {
			t.Errorf("%s: %d %s; want %d with a JSON error", c.name, r.Status, r.Body, c.status)
		}
	}
	if after := s.storedEvents(t); after != before {
		t.Fatalf("rejected requests stored %d events", after-before)
	}
	if r := do(t, "GET", "/v1/score", nil, nil); r.Status != 401 {
		t.Errorf("read without token: %d", r.Status)
	}
	if r := do(t, "DELETE", "/v1/score", nil, s.read); r.Status != 405 || r.Header.Get("Allow") == "" {
		t.Errorf("DELETE /v1/score: %d allow %q", r.Status, r.Header.Get("Allow"))
	}
}

// replayedDeliveryCountsOnce posts one signed delivery twice: its five
// events are stored once.
func (s *suite) replayedDeliveryCountsOnce(t *testing.T) {
	before := s.storedEvents(t)
	body := []byte(Delivery)
	sig := map[string]string{"X-Signature": api.SignatureOf(WebhookSecret, body), "Content-Type": "application/json"}
	for i, want := range []string{`"stored":5`, `"stored":0`} {
		r := s.do(t, "POST", "/v1/events", body, sig)
		if r.Status != 200 || !bytes.Contains(r.Body, []byte(want)) {
			t.Fatalf("delivery %d: %d %s, want %s", i, r.Status, r.Body, want)
		}
	}
	if after := s.storedEvents(t); after-before != 5 {
		t.Fatalf("stored %d events after a replay, want 5", after-before)
	}
}

// scoreQuery is the query string of the SameReportAsCore requests.
const scoreQuery = "window=14&ratio=wau/mau"

// sameReportAsCore posts the product's export and checks that every endpoint
// answers what core computes from the same events: the stored score, one
// account, the stateless endpoint, an SDK's retries, a read in another zone.
func (s *suite) sameReportAsCore(t *testing.T) {
	export := Export()
	evs, bad, err := ingest.DecodeEvents(context.Background(), export, ingest.Options{Format: core.FormatSegment})
	if err != nil || bad.Total > 0 {
		t.Fatal(err, bad)
	}
	if s.tz != "UTC" && storetest.CellsIn(t, s.tz, evs) == storetest.CellsIn(t, "UTC", evs) {
		t.Fatalf("the product's events fall on the same days in %s as in UTC: the suite cannot tell the zones apart", s.tz)
	}
	// The events of the earlier subtests are in the store too.
	prior, _, err := ingest.DecodeEvents(context.Background(), []byte(Delivery), ingest.Options{Format: core.FormatSegment})
	if err != nil {
		t.Fatal(err)
	}
	s.postLines(t, export)
	settings := core.Settings{Window: 14, Ratio: "wau/mau", TZ: s.tz}
	// The replayed delivery's events are input.duplicates, as in core.
	stored := append(append(prior, prior...), evs...)
	want := storetest.Want(t, s.tz, stored, settings)
	r := s.do(t, "GET", "/v1/score?"+scoreQuery, nil, s.read)
	if r.Status != 200 || string(r.Body) != want {
		t.Fatalf("GET /v1/score differs (%d):\n%s\nwant:\n%s", r.Status, r.Body, want)
	}
	s.checkAccount(t, want)
	s.checkStateless(t, export, storetest.Want(t, s.tz, evs, settings))
	s.checkRetries(t, stored, settings)
	s.checkOtherZone(t)
}

// postLines posts the export's JSON lines to /v1/events, 200 at a time.
func (s *suite) postLines(t *testing.T, export []byte) {
	lines := strings.Split(strings.TrimSpace(string(export)), "\n")
	for i := 0; i < len(lines); i += 200 {
		body := []byte("[" + strings.Join(lines[i:min(i+200, len(lines))], ",") + "]")
		if r := s.do(t, "POST", "/v1/events", body, s.ingestAuth); r.Status != 200 {
			t.Fatalf("delivery at line %d: %d %s", i, r.Status, r.Body)
		}
	}
}

// checkAccount checks /v1/accounts/ID for the first account of the report
// want, and that an unknown account is 404.
func (s *suite) checkAccount(t *testing.T, want string) {
	var rep core.Report
	json.Unmarshal([]byte(want), &rep)
	if len(rep.Accounts) == 0 {
		t.Fatal("no accounts in the product")
	}
	id := rep.Accounts[0].ID
	r := s.do(t, "GET", "/v1/accounts/"+id+"?"+scoreQuery, nil, s.read)
	var acc struct {
		Account  core.AccountScore
		Insights core.AccountInsight
		Alerts   []core.Alert
	}
	json.Unmarshal(r.Body, &acc)
	if r.Status != 200 || acc.Account.ID != id || acc.Account.Active != rep.Accounts[0].Active ||
		acc.Insights.ID != id || acc.Insights.WeightedRaw != rep.Insights.Accounts[0].WeightedRaw || acc.Alerts == nil {
		t.Fatalf("account %s: %d %s", id, r.Status, r.Body)
	}
	if r := s.do(t, "GET", "/v1/accounts/nobody", nil, s.read); r.Status != 404 {
		t.Errorf("unknown account: %d", r.Status)
	}
}

// checkStateless posts the export gzipped to the stateless endpoint, which
// must answer want (but for input.files), and checks a bad window is 400.
func (s *suite) checkStateless(t *testing.T, export []byte, want string) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(export)
	zw.Close()
	r := s.do(t, "POST", "/v1/score?"+scoreQuery+"&format=segment", gz.Bytes(), s.read)
	if r.Status != 200 || DropFiles(string(r.Body)) != want || !strings.Contains(string(r.Body), `"name": "body"`) {
		t.Fatalf("POST /v1/score differs (%d):\n%s", r.Status, r.Body)
	}
	if r := s.do(t, "GET", "/v1/score?window=x", nil, s.read); r.Status != 400 || errorOf(r) == "" {
		t.Errorf("bad window: %d %s", r.Status, r.Body)
	}
}

// checkRetries posts an SDK that retried: three deliveries of one messageId
// (sentAt and receivedAt differ), one event on every surface. stored are the
// events already in the store.
func (s *suite) checkRetries(t *testing.T, stored []core.Event, settings core.Settings) {
	retries := strings.Split(strings.TrimSpace(SDKRetries), "\n")
	for i, line := range retries {
		if r := s.do(t, "POST", "/v1/events", []byte(`{"batch":[`+line+`]}`), s.ingestAuth); r.Status != 200 {
			t.Fatalf("retry %d: %d %s", i, r.Status, r.Body)
		}
	}
	again, _, err := ingest.DecodeEvents(context.Background(), []byte(SDKRetries), ingest.Options{Format: core.FormatSegment})
	if err != nil || len(again) != 3 {
		t.Fatalf("decoding the retries: %d events, %v", len(again), err)
	}
	want := storetest.Want(t, s.tz, append(stored, again...), settings)
	if r := s.do(t, "GET", "/v1/score?"+scoreQuery, nil, s.read); r.Status != 200 || string(r.Body) != want {
		t.Fatalf("GET /v1/score after retries differs (%d):\n%s\nwant:\n%s", r.Status, r.Body, want)
	}
	r := s.do(t, "POST", "/v1/score?"+scoreQuery+"&format=segment", []byte(SDKRetries), s.read)
	var one core.Report
	if r.Status != 200 || json.Unmarshal(r.Body, &one) != nil || one.Input.Events != 3 || one.Input.Duplicates != 2 || one.Input.ActivityEvents != 1 {
		t.Fatalf("POST /v1/score of the retries: %d %s; want 3 records, 2 duplicates, 1 activity event", r.Status, r.Body)
	}
}

// checkOtherZone reads the rollups stored in the suite's zone in another
// one: 400, naming the stored zone.
func (s *suite) checkOtherZone(t *testing.T) {
	other := "Europe/Paris"
	if s.tz != "UTC" {
		other = "UTC"
	}
	if r := s.do(t, "GET", "/v1/score?tz="+other, nil, s.read); r.Status != 400 || !strings.Contains(errorOf(r), s.tz) {
		t.Errorf("stored rollups in %s read with tz=%s: %d %s; want 400 naming %s", s.tz, other, r.Status, r.Body, s.tz)
	}
}

// zipExport posts a .zip export (Amplitude's hourly gzipped JSON lines) to
// the stateless endpoint: it scores like its records posted as plain lines.
func (s *suite) zipExport(t *testing.T) {
	archive, lines := ZipExport(t)
	const query = "/v1/score?window=14&ratio=dau/wau"
	want := s.do(t, "POST", query, lines, map[string]string{"Authorization": "Bearer " + ReadToken, "Content-Type": "application/x-ndjson"})
	if want.Status != 200 || !bytes.Contains(want.Body, []byte(`"pes"`)) {
		t.Fatalf("the plain lines: %s", want)
	}
	got := s.do(t, "POST", query, archive, map[string]string{"Authorization": "Bearer " + ReadToken, "Content-Type": "application/zip"})
	// The same report but for input.files, which names the archive's members.
	if got.Status != 200 || DropFiles(string(got.Body)) != DropFiles(string(want.Body)) {
		t.Fatalf("the zip differs from its lines (%d):\n%s\nwant:\n%s", got.Status, got.Body, want.Body)
	}
}

// hostile sends what issue #11 lists and a host can receive: a gzip bomb, a
// delivery over the event cap, many bad records, writes a page on another
// site could send; each is refused with its limit named and stores nothing.
func (s *suite) hostile(t *testing.T) {
	before := s.storedEvents(t)
	s.refusedOverLimits(t)
	s.badRecordsListed(t)
	s.refusedCrossSite(t)
	if after := s.storedEvents(t); after != before {
		t.Fatalf("refused requests stored %d events", after-before)
	}
	r := s.do(t, "GET", "/healthz", nil, nil)
	if h := r.Header; h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" || !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Errorf("security headers: %v", h)
	}
}

// withIngest is the ingest token's header with the header pairs kv.
func (s *suite) withIngest(kv ...string) map[string]string {
	h := map[string]string{}
	for k, v := range s.ingestAuth {
		h[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		h[kv[i]] = kv[i+1]
	}
	return h
}

// gzipBest is b gzipped at the best compression.
func gzipBest(b []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// hostileTrack is the i-th track call of the hostile deliveries.
func hostileTrack(i int, ts string) string {
	return fmt.Sprintf(`{"type":"track","messageId":"hostile-%d","userId":"h%d","event":"A","timestamp":%q}`, i, i%20, ts)
}

// hostileTracks is a JSON array of n hostile track calls at ts.
func hostileTracks(n int, ts string) []byte {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = hostileTrack(i, ts)
	}
	return []byte("[" + strings.Join(parts, ",\n") + "]")
}

// refusedOverLimits sends gzip bombs and deliveries over the event cap to
// /v1/events and the tracking API's /v1/batch: 413, naming the limit.
func (s *suite) refusedOverLimits(t *testing.T) {
	do, with := s.do, s.withIngest
	r := do(t, "POST", "/v1/events", gzipBest(bytes.Repeat([]byte(" "), api.DefaultMaxEventsInflated+1)), with("Content-Type", "application/json"))
	if r.Status != 413 || !strings.Contains(errorOf(r), fmt.Sprint(api.DefaultMaxEventsInflated)) {
		t.Errorf("gzip bomb: %s", r)
	}
	r = do(t, "POST", "/v1/events", gzipBest(hostileTracks(api.MaxDeliveryEvents+1, "2026-09-01T00:00:00Z")), with("Content-Type", "application/x-www-form-urlencoded"))
	if r.Status != 413 || !strings.Contains(errorOf(r), fmt.Sprint(api.MaxDeliveryEvents)) {
		t.Errorf("%d events: %s", api.MaxDeliveryEvents+1, r)
	}
	// The tracking API's batch is held to the same cap, and a gzip bomb to the same limit.
	r = do(t, "POST", "/v1/batch", gzipBest([]byte(`{"batch":`+string(hostileTracks(api.MaxDeliveryEvents+1, "2026-09-01T00:00:00Z"))+`}`)), with("Content-Type", "application/json"))
	if r.Status != 413 || !strings.Contains(errorOf(r), fmt.Sprint(api.MaxDeliveryEvents)) {
		t.Errorf("/v1/batch of %d events: %s", api.MaxDeliveryEvents+1, r)
	}
	r = do(t, "POST", "/v1/batch", gzipBest(bytes.Repeat([]byte(" "), api.DefaultMaxEventsInflated+1)), with("Content-Type", "application/json"))
	if r.Status != 413 || !strings.Contains(errorOf(r), fmt.Sprint(api.DefaultMaxEventsInflated)) {
		t.Errorf("/v1/batch gzip bomb: %s", r)
	}
}

// badRecordsListed sends 500 bad records: 400, the first MaxListedErrors
// listed, all counted by reason.
func (s *suite) badRecordsListed(t *testing.T) {
	r := s.do(t, "POST", "/v1/events", hostileTracks(500, "not a time"), s.withIngest("Content-Type", "application/json"))
	var bad struct {
		Detail     []json.RawMessage `json:"detail"`
		BadRecords int               `json:"bad_records"`
		ByReason   map[string]int    `json:"by_reason"`
	}
	if json.Unmarshal(r.Body, &bad); r.Status != 400 || len(bad.Detail) != api.MaxListedErrors || bad.BadRecords != 500 || bad.ByReason[core.ReasonBadTimestamp] != 500 {
		t.Errorf("500 bad records: %d %.300s", r.Status, r.Body)
	}
}

// refusedCrossSite sends the writes a page on another site could send (no
// preflight content types, another Origin, a cross-site fetch) to
// /v1/events and /v1/track: 415 or 403 with a JSON error.
func (s *suite) refusedCrossSite(t *testing.T) {
	with := s.withIngest
	one := []byte(hostileTrack(0, "2026-09-01T00:00:00Z"))
	for _, c := range []struct {
		name   string
		header map[string]string
		status int
	}{
		{"text/plain", with("Content-Type", "text/plain;charset=UTF-8"), 415},
		{"form", with("Content-Type", "application/x-www-form-urlencoded"), 415},
		{"other origin", with("Content-Type", "application/json", "Origin", "https://evil.example"), 403},
		{"cross-site fetch", with("Content-Type", "application/json", "Sec-Fetch-Site", "cross-site"), 403},
	} {
		for _, path := range []string{"/v1/events", "/v1/track"} {
			if r := s.do(t, "POST", path, one, c.header); r.Status != c.status || errorOf(r) == "" {
				t.Errorf("%s %s: %s, want %d", path, c.name, r, c.status)
			}
		}
	}
}

// SDKRetries is one track call an SDK delivered three times (at-least-once
// delivery: the same messageId and timestamp, a later sentAt and receivedAt
// each time), as a Segment export holds it.
const SDKRetries = `{"type":"track","messageId":"apitest-retry-1","userId":"u1","event":"Report Created","properties":{"rows":"12"},"timestamp":"2026-09-03T10:00:00.000+05:30","sentAt":"2026-09-03T04:30:01.000Z","receivedAt":"2026-09-03T04:30:01.200Z"}
{"type":"track","messageId":"apitest-retry-1","userId":"u1","event":"Report Created","properties":{"rows":"12"},"timestamp":"2026-09-03T10:00:00.000+05:30","sentAt":"2026-09-03T04:30:31.000Z","receivedAt":"2026-09-03T04:30:31.150Z"}
{"type":"track","messageId":"apitest-retry-1","userId":"u1","event":"Report Created","properties":{"rows":"12"},"timestamp":"2026-09-03T10:00:00.000+05:30","sentAt":"2026-09-03T04:31:31.000Z","receivedAt":"2026-09-03T04:31:31.300Z"}
`

// ZipExport is the Amplitude Export API archive the suite posts to
// POST /v1/score, with the same records as plain JSON lines.
func ZipExport(t *testing.T) (archive, lines []byte) { return testenv.AmplitudeExport(t, 20, 40) }

// Export is the product the suite delivers, as Segment JSON lines: 40 users
// over 50 days whose activity runs from 22:00 to about 10:00 UTC, across
// midnight in UTC, in Europe/Paris and in America/Los_Angeles.
func Export() []byte {
	var b bytes.Buffer
	end := time.Date(2026, 9, 30, 15, 0, 0, 0, time.UTC)
	if _, err := synth.Write(&b, synth.Options{Users: 40, Days: 50, Seed: 11, Format: core.FormatSegment, End: end}); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// Check fails the test with the host's answer when it is not the expected status.
func Check(t *testing.T, what string, r Response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: %d %s, want %d", what, r.Status, r.Body, status)
	}
}

// String describes a response for failure messages.
func (r Response) String() string { return fmt.Sprintf("%d %s", r.Status, r.Body) }

// client gives up on a request after RequestTimeout, so that a host that
// never answers fails the test, naming the request, instead of hanging it.
var client = &http.Client{Timeout: RequestTimeout}

// RequestTimeout is how long HTTP waits for one answer of the host.
const RequestTimeout = 90 * time.Second

// HTTP sends the suite's requests to a base URL.
func HTTP(base string) Do {
	return func(t *testing.T, method, path string, body []byte, header map[string]string) Response {
		req, err := http.NewRequest(method, base+path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return Response{Status: res.StatusCode, Header: res.Header, Body: b}
	}
}

var filesEntry = regexp.MustCompile(`(?s)\n    "files": \[\n.*?\n    \],`)

// DropFiles removes input.files from an indented JSON report: a report read
// from a body says how the body was read, one scored from stored deliveries
// does not, and the rest must be identical.
func DropFiles(report string) string { return filesEntry.ReplaceAllString(report, "") }
