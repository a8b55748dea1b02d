package api

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/ingest"
)

// Limits of the API, each listed with its reason in docs/hosting.md ("Limits").
const (
	// DefaultMaxEventsBody is the most bytes a delivery (POST /v1/events and
	// the tracking endpoints) may send: Segment sends at most 500 KB per batch.
	DefaultMaxEventsBody = 10 << 20 // 10 MiB
	// DefaultMaxEventsInflated is the most bytes a gzip delivery may expand
	// to: a 1 MB gzip of zeros is a gigabyte.
	DefaultMaxEventsInflated = DefaultMaxEventsBody
	// DefaultMaxScoreBody is the most bytes POST /v1/score may send.
	DefaultMaxScoreBody = 256 << 20 // 256 MiB
	// DefaultMaxScoreInflated is the most bytes an export posted to
	// /v1/score may expand to once gunzipped or unzipped.
	DefaultMaxScoreInflated = 1 << 30 // 1 GiB
	// MaxDeliveryEvents is the most events one delivery may hold: Segment
	// sends at most 4000 per batch, and one delivery is one write transaction,
	// which holds the store's other writers back while it runs.
	MaxDeliveryEvents = 4000
	// MaxListedErrors is how many bad records a 400 describes; the others are
	// counted by reason.
	MaxListedErrors = core.MaxReportedErrors
	// DefaultMaxAnswer is the most bytes a report answer may take.
	DefaultMaxAnswer = 64 << 20 // 64 MiB
	// MinSecretLength is the shortest webhook secret or token accepted, after
	// trimming spaces: a short secret is guessed, a blank one is no secret.
	MinSecretLength = 16
)

// Timeouts of the local server (http.Server) and of request bodies.
const (
	// ReadHeaderTimeout is how long a client may take to send its headers.
	ReadHeaderTimeout = 10 * time.Second
	// BodyTimeout is how long a request may take to send its body (from the
	// end of its headers), except POST /v1/score.
	BodyTimeout = 30 * time.Second
	// ScoreBodyTimeout is how long POST /v1/score may take to send its body:
	// 256 MiB at 8 Mbit/s.
	ScoreBodyTimeout = 5 * time.Minute
	// WriteTimeout is how long the server may take to read the body, work and
	// send its answer.
	WriteTimeout = ScoreBodyTimeout + time.Minute
	// IdleTimeout is how long a kept-alive connection may wait for its next request.
	IdleTimeout = 60 * time.Second
	// MaxHeaderBytes is the most bytes of request headers.
	MaxHeaderBytes = 64 << 10
)

// NewServer returns the http.Server of a handler with the timeouts and the
// header limit above. The body deadlines are set by the handler, per request;
// ReadTimeout is only their backstop.
func NewServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: ReadHeaderTimeout,
		ReadTimeout:       ScoreBodyTimeout + ReadHeaderTimeout, // the backstop of the per-request deadlines
		WriteTimeout:      WriteTimeout,
		IdleTimeout:       IdleTimeout,
		MaxHeaderBytes:    MaxHeaderBytes,
	}
}

// checkSecret refuses a blank or short secret or token (an empty one is unset).
func checkSecret(env, v string) error {
	if v == "" {
		return nil
	}
	if len(bytes.TrimSpace([]byte(v))) < MinSecretLength {
		// The message says no more of the secret than that it is short.
		return fmt.Errorf("api: %s is blank or shorter than %d characters: use a long random one (e.g. openssl rand -hex 24)", env, MinSecretLength)
	}
	if v != string(bytes.TrimSpace([]byte(v))) {
		return fmt.Errorf("api: %s starts or ends with spaces or a newline: remove them", env)
	}
	return nil
}

// readBody reads a body up to limit, answering 413 beyond it, 408 when the
// body does not come in time.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, bool) {
	var buf bytes.Buffer
	// A declared length is a promise, not bytes: grow for it only up to
	// 8 KiB (20k connections announcing 10 MiB would reserve 200 GB), then
	// as the bytes come.
	buf.Grow(int(min(max(r.ContentLength, 0), 8<<10)))
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		writeReadError(w, err, limit)
		return nil, false
	}
	return buf.Bytes(), true
}

// writeReadError answers a failed read of the body: 413 over a limit (the
// limit in the message), 408 on a timeout, 400 otherwise.
func writeReadError(w http.ResponseWriter, err error, limit int64) {
	var tooBig *http.MaxBytesError
	var inflated *core.InflateLimitError
	var ne net.Error
	switch {
	case errors.As(err, &tooBig):
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body over the limit of %d bytes", limit), map[string]int64{"limit": limit})
	case errors.As(err, &inflated):
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body over the limit of %d bytes once decompressed", inflated.Limit), map[string]int64{"limit": inflated.Limit})
	case errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()):
		writeError(w, http.StatusRequestTimeout, "the body did not arrive in time", nil)
	default:
		writeError(w, http.StatusBadRequest, "reading the body: "+err.Error(), nil)
	}
}

// isGzip reports whether b starts with gzip's magic bytes.
func isGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }

// peekBody returns the first n bytes of the body without consuming them.
func peekBody(r *http.Request, n int) []byte {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	br := bufio.NewReaderSize(r.Body, max(n, 16))
	head, _ := br.Peek(n)
	r.Body = struct {
		io.Reader
		io.Closer
	}{br, r.Body}
	return head
}

// decodeDelivery decodes a delivery's raw body (gzip allowed, up to
// MaxEventsInflated once gunzipped) and refuses it whole, with an answer, when
// a record is bad or it holds more than MaxDeliveryEvents events.
func (s *server) decodeDelivery(w http.ResponseWriter, r *http.Request, body []byte, ropt ingest.Options) ([]core.Event, bool) {
	ropt.MaxInflated = s.opt.MaxEventsInflated
	events, bad, err := ingest.DecodeEvents(r.Context(), body, ropt)
	if err != nil {
		var inflated *core.InflateLimitError
		if errors.As(err, &inflated) {
			writeReadError(w, err, s.opt.MaxEventsInflated)
		} else {
			writeError(w, http.StatusBadRequest, "malformed delivery: "+err.Error(), nil)
		}
		return nil, false
	}
	if bad.Total > 0 {
		// A rejected delivery stores nothing: the sender can fix and resend it whole.
		writeBadRecords(w, bad)
		return nil, false
	}
	if len(events) == 0 {
		writeError(w, http.StatusBadRequest, "the delivery holds no event", nil)
		return nil, false
	}
	return events, withinDeliveryCap(w, len(events))
}

// withinDeliveryCap answers 413 naming the cap when a delivery (a webhook
// delivery or a tracking batch) holds more than MaxDeliveryEvents events.
func withinDeliveryCap(w http.ResponseWriter, n int) bool {
	if n <= MaxDeliveryEvents {
		return true
	}
	writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the delivery holds %d events, over the limit of %d per delivery (Segment sends at most 4000 per batch): split it; nothing was stored", n, MaxDeliveryEvents),
		map[string]int{"events": n, "limit": MaxDeliveryEvents})
	return false
}

// badEvent is the description of one bad record in a 400.
type badEvent struct {
	Line   int    `json:"line"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
	Error  string `json:"error"`
}

// badRecords is the 400 of a delivery with bad records: the first ones
// described (core keeps core.MaxReportedErrors), all of them counted by reason.
type badRecords struct {
	Error    string           `json:"error"`
	Detail   []badEvent       `json:"detail"`
	Total    int64            `json:"bad_records"`
	ByReason map[string]int64 `json:"by_reason"`
}

func writeBadRecords(w http.ResponseWriter, bad ingest.BadRecords) {
	out := badRecords{Total: bad.Total, ByReason: bad.ByReason}
	for _, pe := range bad.First[:min(len(bad.First), MaxListedErrors)] {
		out.Detail = append(out.Detail, badEvent{Line: pe.Line, Field: pe.Field, Reason: pe.Reason, Error: pe.Error()})
	}
	out.Error = fmt.Sprintf("%d malformed event(s); nothing was stored", bad.Total)
	if bad.Total > int64(len(out.Detail)) {
		out.Error += fmt.Sprintf(" (the first %d are described; by_reason counts all)", len(out.Detail))
	}
	writeJSON(w, http.StatusBadRequest, out)
}
