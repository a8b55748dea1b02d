// Package api is sep's HTTP API, one net/http handler shared by every host:
// the local server (sep serve), AWS Lambda and Cloudflare Workers. Hosts only
// translate their events to HTTP requests and give the handler a core.Store.
//
//	POST /v1/events         a Segment/RudderStack webhook delivery (stored as rollups)
//	POST /v1/batch (/v1/import, /v1/b), /v1/track, /v1/page, /v1/screen, /v1/identify, /v1/group, /v1/alias
//	                        the tracking API of Segment's and RudderStack's SDKs (tracking.go)
//	POST /v1/score          stateless scoring of an export in the body
//	GET  /v1/score          the report from the stored rollups
//	GET  /v1/accounts/{id}  one account's row of that report
//	GET  /v1/accounts.csv, /v1/users.csv  the CLI's CSV exports of it, streamed (csv.go)
//	GET  /v1/history        each day's scores kept by the scheduled run (history.go)
//	GET  /healthz           liveness
//
// Settings come from the query string with the CLI's flag names (core_events,
// window, as_of, tz, ratio, unit, format), over the defaults of the config;
// accounts, after and fields choose a page of a report's accounts, and
// answers are gzipped for a client that accepts it (answer.go).
package api

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/ingest"
)

// Options configure the handler. Hosts fill them with OptionsFromEnv and set Store.
type Options struct {
	// Store keeps the rollups (required for /v1/events and GET /v1/score).
	Store core.Store
	// Config is SEP_CONFIG: its settings are the defaults of every query and
	// its time zone is the one the store's days are counted in.
	Config core.Config
	// WebhookSecret checks Segment's X-Signature (SEP_WEBHOOK_SECRET).
	WebhookSecret string
	// IngestToken is the bearer token of /v1/events (SEP_INGEST_TOKEN).
	IngestToken string
	// ReadToken is the bearer token of the reads (SEP_READ_TOKEN).
	ReadToken string
	// OpenReads lets reads (and, without a secret or token, ingestion) through
	// without a token: only the local server sets it.
	OpenReads bool
	// MaxEventsBody and MaxScoreBody limit request bodies as sent,
	// MaxEventsInflated and MaxScoreInflated once decompressed (0: the
	// defaults, DefaultMaxEventsBody and the others; MaxEventsInflated
	// follows MaxEventsBody).
	MaxEventsBody, MaxScoreBody, MaxEventsInflated, MaxScoreInflated int64
	// MaxAnswer limits the size of a report answer as sent, after gzip when
	// the client accepts it (0: DefaultMaxAnswer; SEP_MAX_ANSWER).
	MaxAnswer int
	// HostCompresses says the host gzips an answer itself when it carries
	// Content-Encoding: gzip (Workers: the runtime's "automatic" body
	// encoding), so the handler writes the plain bytes with that header.
	HostCompresses bool
	// BodyTimeout is how long a body may take to arrive (0: BodyTimeout).
	BodyTimeout time.Duration
	// LoopbackHosts answers only requests whose Host names the loopback
	// interface (421 otherwise): the local server bound to loopback sets it
	// against DNS rebinding.
	LoopbackHosts bool
	// Site, when set, serves the web page at /.
	Site http.Handler
}

// OptionsFromEnv reads SEP_WEBHOOK_SECRET, SEP_INGEST_TOKEN, SEP_READ_TOKEN,
// SEP_MAX_ANSWER (bytes) and SEP_CONFIG (a path to the JSON config, or the
// JSON text itself when it starts with '{').
func OptionsFromEnv(getenv func(string) string) (Options, error) {
	opt := Options{
		WebhookSecret: getenv("SEP_WEBHOOK_SECRET"),
		IngestToken:   getenv("SEP_INGEST_TOKEN"),
		ReadToken:     getenv("SEP_READ_TOKEN"),
	}
	if v := strings.TrimSpace(getenv("SEP_MAX_ANSWER")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return opt, fmt.Errorf("SEP_MAX_ANSWER=%q: want the most bytes an answer may take, a number above 0", v)
		}
		opt.MaxAnswer = n
	}
	if c := strings.TrimSpace(getenv("SEP_CONFIG")); c != "" {
		var err error
		name := c
		if strings.HasPrefix(c, "{") {
			name = "SEP_CONFIG"
			opt.Config, err = core.ParseConfig(name, []byte(c))
		} else {
			opt.Config, err = core.LoadConfigFile(c)
		}
		if err == nil {
			err = ingest.CheckConfig(name, opt.Config)
		}
		if err != nil {
			return opt, err
		}
	}
	return opt, nil
}

// TZ returns the time zone stored rollups are counted in.
func (o Options) TZ() string {
	if o.Config.TZ == "" {
		return "UTC"
	}
	return o.Config.TZ
}

type server struct {
	opt   Options
	cache reportCache
}

// New returns the API handler. Ingestion must be protected by a webhook secret
// or a token, except on the local server (OpenReads).
func New(opt Options) (http.Handler, error) {
	if opt.MaxEventsBody <= 0 {
		opt.MaxEventsBody = DefaultMaxEventsBody
	}
	if opt.MaxScoreBody <= 0 {
		opt.MaxScoreBody = DefaultMaxScoreBody
	}
	if opt.MaxEventsInflated <= 0 {
		opt.MaxEventsInflated = opt.MaxEventsBody // DefaultMaxEventsInflated by default
	}
	if opt.MaxScoreInflated <= 0 {
		opt.MaxScoreInflated = DefaultMaxScoreInflated
	}
	if opt.MaxAnswer <= 0 {
		opt.MaxAnswer = DefaultMaxAnswer
	}
	if opt.BodyTimeout <= 0 {
		opt.BodyTimeout = BodyTimeout
	}
	if err := errors.Join(checkSecret("SEP_WEBHOOK_SECRET", opt.WebhookSecret), checkSecret("SEP_INGEST_TOKEN", opt.IngestToken),
		checkSecret("SEP_READ_TOKEN", opt.ReadToken)); err != nil {
		return nil, err
	}
	if opt.WebhookSecret == "" && opt.IngestToken == "" && !opt.OpenReads {
		return nil, errors.New("api: set SEP_WEBHOOK_SECRET or SEP_INGEST_TOKEN: ingestion cannot be open on a hosted server")
	}
	if _, err := opt.Config.Settings.Normalized(); err != nil {
		return nil, fmt.Errorf("api: config: %w", err)
	}
	s := &server{opt: opt}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/events", s.postEvents)
	mux.HandleFunc("GET /v1/score", s.getScore)
	mux.HandleFunc("POST /v1/score", s.postScore)
	mux.HandleFunc("GET /v1/accounts/{id}", s.getAccount)
	mux.HandleFunc("GET /v1/accounts.csv", s.getCSV("accounts.csv", core.WriteAccountsCSV))
	mux.HandleFunc("GET /v1/users.csv", s.getCSV("users.csv", core.WriteUsersCSV))
	s.routeTracking(mux)
	s.routeHistory(mux)
	mux.HandleFunc("GET /healthz", s.healthz)
	return s.guard(s.routes(mux)), nil
}

// routes serves what mux's method patterns match. Outside them, the page
// answers its paths (all but /v1/ and /healthz), and the 404 and the 405 that
// mux decides (with its Allow header) are written as the API's JSON errors.
func (s *server) routes(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		api := strings.HasPrefix(r.URL.Path, "/v1/") || r.URL.Path == "/healthz"
		if s.opt.Site != nil && !api {
			s.opt.Site.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(&muxError{ResponseWriter: w, method: r.Method, path: r.URL.Path, api: api}, r)
	})
}

// muxError turns the plain-text 405 of ServeMux, and its 404 under the API's
// paths, into JSON errors; other answers pass through.
type muxError struct {
	http.ResponseWriter
	method, path string
	api          bool
	replaced     bool
}

func (e *muxError) WriteHeader(code int) {
	switch {
	case code == http.StatusMethodNotAllowed:
		allow := strings.Split(e.Header().Get("Allow"), ", ")
		writeError(e.ResponseWriter, code, "method "+e.method+" not allowed", map[string]any{"allow": allow})
	case code == http.StatusNotFound && e.api:
		writeError(e.ResponseWriter, code, "no such endpoint: "+e.path, nil)
	default:
		e.ResponseWriter.WriteHeader(code)
		return
	}
	e.replaced = true
}

func (e *muxError) Write(b []byte) (int, error) {
	if e.replaced {
		return len(b), nil // the mux's plain-text body, replaced by the JSON error
	}
	return e.ResponseWriter.Write(b)
}

// apiError is the JSON body of every error: {"error": "...", "detail": ...}.
type apiError struct {
	Error  string `json:"error"`
	Detail any    `json:"detail,omitempty"`
}

func writeError(w http.ResponseWriter, status int, msg string, detail any) {
	writeJSON(w, status, apiError{Error: msg, Detail: detail})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"encoding the answer failed"}`)
	}
	writeRaw(w, status, append(b, '\n'))
}

func writeRaw(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(b)
}

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

func sameSecret(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// SignatureOf returns Segment's X-Signature of a body: the hex HMAC-SHA1 of the
// raw body with the shared secret.
func SignatureOf(secret string, body []byte) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// ingestAllowed checks a delivery's signature or bearer token.
func (s *server) ingestAllowed(r *http.Request, body []byte) (bool, string) {
	o := s.opt
	if (o.WebhookSecret == "" && o.IngestToken == "") || hostAuthenticated(r) {
		return true, "" // the local server without secrets, or a host-authenticated invoke
	}
	if o.IngestToken != "" && sameSecret(o.IngestToken, bearer(r)) {
		return true, ""
	}
	if sig := r.Header.Get("X-Signature"); sig != "" && o.WebhookSecret != "" {
		want := SignatureOf(o.WebhookSecret, body)
		if hmac.Equal([]byte(strings.ToLower(strings.TrimSpace(sig))), []byte(want)) {
			return true, ""
		}
		if hint := signatureHint(o.WebhookSecret, sig, body); hint != "" {
			return false, "bad X-Signature: " + hint
		}
		return false, "bad X-Signature"
	}
	return false, "missing or bad credentials: send X-Signature (Segment webhook secret) or Authorization: Bearer <SEP_INGEST_TOKEN>"
}

func (s *server) readAllowed(w http.ResponseWriter, r *http.Request) bool {
	o := s.opt
	if o.ReadToken == "" && o.OpenReads {
		return true
	}
	if o.ReadToken != "" && sameSecret(o.ReadToken, bearer(r)) {
		return true
	}
	msg := "missing or bad read token: send Authorization: Bearer <SEP_READ_TOKEN>"
	if o.ReadToken == "" {
		msg = "reads are closed: set SEP_READ_TOKEN on the server"
	}
	writeError(w, http.StatusUnauthorized, msg, nil)
	return false
}

func (s *server) postEvents(w http.ResponseWriter, r *http.Request) {
	if s.opt.Store == nil {
		writeError(w, http.StatusInternalServerError, "no store configured", nil)
		return
	}
	body, ok := readBody(w, r, s.opt.MaxEventsBody)
	if !ok {
		return
	}
	if ok, why := s.ingestAllowed(r, body); !ok {
		writeError(w, http.StatusUnauthorized, why, nil)
		return
	}
	events, ok := s.decodeDelivery(w, r, body, ingest.Options{Format: core.FormatSegment, File: "body"})
	if !ok {
		return
	}
	answer, err := s.ingestDelivery(r.Context(), events)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "storing the events failed; retry the delivery", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, answer)
}

// settingsFrom returns the config's settings overridden by the query string.
func (s *server) settingsFrom(q url.Values) (core.Settings, error) {
	st := s.opt.Config.Settings
	for _, name := range core.SettingNames {
		if v, ok := q[name]; ok && len(v) > 0 {
			if err := st.Set(name, v[0]); err != nil {
				return st, err
			}
		}
	}
	return st.Normalized()
}

// storedReport answers the report of the stored rollups with the request's
// settings, through the report cache (cache.go); nil after answering an error.
func (s *server) storedReport(w http.ResponseWriter, r *http.Request) *cached {
	if !s.readAllowed(w, r) {
		return nil
	}
	if s.opt.Store == nil {
		writeError(w, http.StatusInternalServerError, "no store configured", nil)
		return nil
	}
	st, err := s.settingsFrom(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), nil)
		return nil
	}
	if st.TZ != s.opt.TZ() {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("stored rollups count days in %s (SEP_CONFIG tz); tz=%s needs them re-read, which the API cannot do", s.opt.TZ(), st.TZ), nil)
		return nil
	}
	return s.cachedRead(w, r, st)
}

func (s *server) getScore(w http.ResponseWriter, r *http.Request) {
	page, err := parsePage(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), nil)
		return
	}
	e := s.storedReport(w, r)
	if e == nil {
		return
	}
	if page.Paged {
		s.writePage(w, r, e.res.rep, page)
		return
	}
	b, err := e.reportJSON()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "encoding the report failed", nil)
		return
	}
	s.writeAnswer(w, r, answer{body: b, gz: func() []byte { return e.gzipOnce(b) }, rep: e.res.rep, rows: len(e.res.rep.Accounts)})
}

// writeReport answers a computed report (POST /v1/score): whole, or the page
// of its accounts the query asks for.
func (s *server) writeReport(w http.ResponseWriter, r *http.Request, rep *core.Report, page pageQuery) {
	if page.Paged {
		s.writePage(w, r, rep, page)
		return
	}
	b, err := rep.JSON()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "encoding the report failed", nil)
		return
	}
	s.writeAnswer(w, r, answer{body: b, rep: rep, rows: len(rep.Accounts)})
}

// writePage answers a page of a report's accounts.
func (s *server) writePage(w http.ResponseWriter, r *http.Request, rep *core.Report, page pageQuery) {
	p := cutPage(rep, page)
	var v any = p
	if page.RowsOnly {
		v = rowsOf(p)
	}
	b, err := encodeIndented(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "encoding the report failed", nil)
		return
	}
	s.writeAnswer(w, r, answer{body: b, rep: rep, rows: len(p.Accounts), rowsOnly: page.RowsOnly})
}

func (s *server) getAccount(w http.ResponseWriter, r *http.Request) {
	e := s.storedReport(w, r)
	if e == nil {
		return
	}
	id := r.PathValue("id")
	out, ok := accountAnswer(e.res.rep, id)
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no account %q in the stored rollups", id), nil)
		return
	}
	b, err := json.Marshal(out)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "encoding the answer failed", nil)
		return
	}
	s.writeAnswer(w, r, answer{body: append(b, '\n')})
}

// postScore scores an export in the body, statelessly: any format the CLI
// reads, gzip allowed. Nothing is stored.
func (s *server) postScore(w http.ResponseWriter, r *http.Request) {
	if !s.readAllowed(w, r) {
		return
	}
	q := r.URL.Query()
	st, err := s.settingsFrom(q)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), nil)
		return
	}
	page, err := parsePage(q)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), nil)
		return
	}
	ropt, err := ingest.OptionsOf(s.opt.Config)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), nil)
		return
	}
	if f := q.Get("format"); f != "" {
		if ropt.Format, err = ingest.ParseFormat(f); err != nil {
			writeError(w, http.StatusBadRequest, err.Error(), nil)
			return
		}
	}
	ropt.File = "body"
	ropt.MaxInflated = s.opt.MaxScoreInflated
	ropt.Range.Now = time.Now() // an export is bounded by its receipt times, else by now
	roll, err := core.NewRollup(st.TZ)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), nil)
		return
	}
	if !s.ingestBody(w, r, ropt, roll) {
		return
	}
	rep, err := core.Score(roll, st)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), nil)
		return
	}
	s.writeReport(w, r, rep, page)
}

// ingestBody streams the body of POST /v1/score into a rollup (a zip is read
// whole first: its index is at its end), answering when it fails.
func (s *server) ingestBody(w http.ResponseWriter, r *http.Request, opt ingest.Options, into *core.Rollup) bool {
	var err error
	if bytes.HasPrefix(peekBody(r, 4), []byte("PK\x03\x04")) {
		body, ok := readBody(w, r, s.opt.MaxScoreBody)
		if !ok {
			return false
		}
		err = ingest.ReadZip(r.Context(), bytes.NewReader(body), int64(len(body)), opt, into)
	} else {
		err = ingest.Read(r.Context(), http.MaxBytesReader(w, r.Body, s.opt.MaxScoreBody), opt, into)
	}
	if err == nil {
		return true
	}
	var tooBig *http.MaxBytesError
	var inflated *core.InflateLimitError
	var ne net.Error
	if errors.As(err, &tooBig) || errors.As(err, &inflated) || errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		writeReadError(w, err, s.opt.MaxScoreBody)
	} else {
		writeError(w, http.StatusBadRequest, "reading the export: "+err.Error(), nil)
	}
	return false
}

// deliveryAnswer is what a delivery's 200 says: received events; stored, the
// ones used; duplicates, repeats of a messageId stored before or earlier in
// the delivery; skipped, the ones the plausibility and length rules refused
// (core.Rollup.Reject), by reason, which the store counts in input.skipped.
type deliveryAnswer struct {
	Received        int            `json:"received"`
	Stored          int            `json:"stored"`
	Duplicates      int            `json:"duplicates"`
	Skipped         int            `json:"skipped"`
	SkippedByReason map[string]int `json:"skipped_by_reason,omitempty"`
}

// ingestDelivery stores events and returns the delivery's answer. The store
// counts each event once (newly counted: used or skipped); the skipped ones
// are told apart here by the same rule on the server's clock, so an event
// within milliseconds of the one-day-ahead bound may be told apart
// differently from the store's count.
func (s *server) ingestDelivery(ctx context.Context, events []core.Event) (deliveryAnswer, error) {
	counted, err := s.opt.Store.Ingest(ctx, events)
	if err != nil {
		return deliveryAnswer{}, err
	}
	a := deliveryAnswer{Received: len(events), Duplicates: len(events) - counted}
	if r, err := core.NewRollup("UTC"); err == nil {
		r.SetTimeRange(core.TimeRange{Now: time.Now()})
		for i := range events {
			if reason := r.Reject(&events[i]); reason != "" {
				if a.SkippedByReason == nil {
					a.SkippedByReason = map[string]int{}
				}
				a.SkippedByReason[reason]++
				a.Skipped++
			}
		}
	}
	if a.Skipped > counted {
		// The store found some skipped events repeated (DynamoDB drops a
		// repeat in its skip item too): which ones it cannot say.
		a.Skipped, a.SkippedByReason = counted, nil
	}
	a.Stored = counted - a.Skipped
	return a, nil
}
