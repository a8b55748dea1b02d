package api

// The tracking API: the paths Segment's and RudderStack's SDKs (every
// language) and Segment-compatible tools post to, so a user points an SDK's
// host at sep. See docs/hosting.md, "The tracking API (Segment and RudderStack SDKs)".

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/hmac"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/ingest"
)

// TrackingPaths maps each path of the tracking API to the event type it
// implies ("" for /v1/batch, whose events carry their own type, and for the
// same endpoint under the names other SDKs post to: /v1/import for
// analytics-ruby and the classic analytics-android and analytics-ios, /v1/b
// for analytics-swift and analytics-kotlin, whose host setting ends in /v1).
var TrackingPaths = map[string]string{
	"/v1/batch":    "",
	"/v1/import":   "",
	"/v1/b":        "",
	"/v1/track":    "track",
	"/v1/page":     "page",
	"/v1/screen":   "screen",
	"/v1/identify": "identify",
	"/v1/group":    "group",
	"/v1/alias":    "alias",
}

// routeTracking adds the tracking API's paths to mux (POST only).
func (s *server) routeTracking(mux *http.ServeMux) {
	for path, typ := range TrackingPaths {
		mux.HandleFunc("POST "+path, s.postTracking(typ))
	}
}

type hostAuthKey struct{}

// WithHostAuth marks a request's context as authenticated by the host itself,
// such as a Lambda direct invoke that IAM authorised: ingestion then needs no
// signature or token. Remote HTTP clients cannot set it.
func WithHostAuth(ctx context.Context) context.Context {
	return context.WithValue(ctx, hostAuthKey{}, true)
}

func hostAuthenticated(r *http.Request) bool {
	ok, _ := r.Context().Value(hostAuthKey{}).(bool)
	return ok
}

// writeKeyOf returns the write key of HTTP Basic auth (the user name; the
// password is empty for Segment and RudderStack) or of a bearer token.
func writeKeyOf(r *http.Request) string {
	if user, _, ok := r.BasicAuth(); ok {
		return user
	}
	return bearer(r)
}

// trackingDenied says why a tracking call is not allowed, or "" when it is.
// bodyKey is the body's "writeKey" field (Segment's writeKey authentication).
func (s *server) trackingDenied(r *http.Request, bodyKey string) string {
	o := s.opt
	switch {
	case hostAuthenticated(r):
		return ""
	case o.IngestToken == "" && o.WebhookSecret == "" && o.OpenReads:
		return "" // the local server without secrets
	case o.IngestToken == "":
		return "the tracking API takes SEP_INGEST_TOKEN as its write key, and the server has none: set SEP_INGEST_TOKEN and use it as the SDK's write key"
	case sameSecret(o.IngestToken, writeKeyOf(r)) || sameSecret(o.IngestToken, bodyKey):
		return ""
	}
	return "missing or bad write key: send Authorization: Basic base64(<SEP_INGEST_TOKEN>:) (the SDK's write key is SEP_INGEST_TOKEN)"
}

// trackingBody is the body of /v1/batch; the other paths post one event.
type trackingBody struct {
	Batch        []json.RawMessage `json:"batch"`
	Context      json.RawMessage   `json:"context"`
	Integrations json.RawMessage   `json:"integrations"`
	WriteKey     string            `json:"writeKey"`
}

// badTrackingEvent is the detail of a 400 on the tracking API.
type badTrackingEvent struct {
	Index  int    `json:"index"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
	Error  string `json:"error"`
}

// postTracking answers a tracking API call as Segment's API does: 200
// {"success": true} once every event is stored (with sep's received, stored
// and duplicates counts), 400 for a body it cannot read or a malformed event
// (nothing stored), 401 without the write key, 413 over the body limit, 503
// when the store fails (retry).
func (s *server) postTracking(typ string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.opt.Store == nil {
			writeError(w, http.StatusInternalServerError, "no store configured", nil)
			return
		}
		received := time.Now().UTC()
		body, ok := readBody(w, r, s.opt.MaxEventsBody)
		if !ok {
			return
		}
		// Credentials in the header are checked before the body is read;
		// without a header, the body's writeKey may hold the key.
		why := s.trackingDenied(r, "")
		if why != "" && r.Header.Get("Authorization") != "" {
			writeError(w, http.StatusUnauthorized, why, nil)
			return
		}
		body, status, err := gunzipIfGzip(body, s.opt.MaxEventsInflated)
		if err != nil && why == "" {
			writeError(w, status, err.Error(), nil)
			return
		}
		raw, bodyKey, err := trackingEvents(body, typ)
		if why != "" {
			if why = s.trackingDenied(r, bodyKey); why != "" {
				writeError(w, http.StatusUnauthorized, why, nil)
				return
			}
		}
		if err != nil {
			writeError(w, http.StatusBadRequest, "malformed body: "+err.Error(), nil)
			return
		}
		lines, err := stampEvents(raw, typ, received)
		if err != nil {
			writeError(w, http.StatusBadRequest, "malformed body: "+err.Error(), nil)
			return
		}
		events, bad, err := ingest.DecodeEvents(r.Context(), lines, ingest.Options{Format: core.FormatSegment, File: "body"})
		if err != nil {
			writeError(w, http.StatusBadRequest, "malformed body: "+err.Error(), nil)
			return
		}
		if bad.Total > 0 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("%d malformed event(s); nothing was stored", bad.Total), trackingDetail(bad.First, typ))
			return
		}
		if len(events) == 0 {
			writeError(w, http.StatusBadRequest, "the batch holds no event", nil)
			return
		}
		if !withinDeliveryCap(w, len(events)) {
			return
		}
		answer, err := s.ingestDelivery(r.Context(), events)
		if err != nil {
			writeError(w, http.StatusServiceUnavailable, "storing the events failed; retry the call", err.Error())
			return
		}
		writeJSON(w, http.StatusOK, struct {
			Success bool `json:"success"`
			deliveryAnswer
		}{true, answer})
	}
}

// gunzipIfGzip inflates a gzip body, recognised by its magic bytes whatever
// the Content-Type and Content-Encoding say (RudderStack's Node SDK labels
// its gzip body form-encoded), up to limit bytes inflated.
func gunzipIfGzip(body []byte, limit int64) ([]byte, int, error) {
	if len(body) < 2 || body[0] != 0x1f || body[1] != 0x8b {
		return body, 0, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil, http.StatusBadRequest, fmt.Errorf("body: bad gzip: %w", err)
	}
	out, err := io.ReadAll(io.LimitReader(zr, limit+1))
	if err != nil {
		return nil, http.StatusBadRequest, fmt.Errorf("body: bad gzip: %w", err)
	}
	if int64(len(out)) > limit {
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("gzip body inflates over the limit of %d bytes", limit)
	}
	return out, 0, nil
}

// trackingEvents splits a body into its events: the "batch" array of
// /v1/batch (with the batch's context added to each event), or the one event
// of the other paths. It also returns the body's writeKey field.
func trackingEvents(body []byte, typ string) ([]json.RawMessage, string, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, "", errors.New("the body is not a JSON object")
	}
	var b trackingBody
	if err := json.Unmarshal(trimmed, &b); err != nil {
		return nil, "", fmt.Errorf("invalid JSON: %w", err)
	}
	if typ != "" {
		return []json.RawMessage{trimmed}, b.WriteKey, nil
	}
	if b.Batch == nil {
		return nil, b.WriteKey, errors.New(`no "batch" array`)
	}
	if len(b.Context) > 0 && !bytes.Equal(b.Context, []byte("null")) {
		for i, ev := range b.Batch {
			merged, err := withBatchContext(ev, b.Context)
			if err != nil {
				return nil, b.WriteKey, fmt.Errorf("batch[%d]: %w", i, err)
			}
			b.Batch[i] = merged
		}
	}
	return b.Batch, b.WriteKey, nil
}

// withBatchContext adds the batch's context fields that an event's own
// context lacks (the event's own fields win, e.g. its context.groupId).
func withBatchContext(ev, batchCtx json.RawMessage) (json.RawMessage, error) {
	var bc map[string]json.RawMessage
	if err := json.Unmarshal(batchCtx, &bc); err != nil {
		return nil, errors.New(`the batch's "context" is not an object`)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(ev, &fields); err != nil || fields == nil {
		return ev, nil // reported by the event decoder with its index
	}
	ctx := map[string]json.RawMessage{}
	if own, ok := fields["context"]; ok && !bytes.Equal(own, []byte("null")) {
		if err := json.Unmarshal(own, &ctx); err != nil {
			return nil, errors.New(`"context" is not an object`)
		}
	}
	for k, v := range bc {
		if _, ok := ctx[k]; !ok {
			ctx[k] = v
		}
	}
	c, err := json.Marshal(ctx)
	if err != nil {
		return nil, err
	}
	fields["context"] = c
	return json.Marshal(fields)
}

// stampEvents sets what Segment's API sets on arrival: receivedAt (the
// server's clock, replacing any sent) and, on the single-event paths, the
// type the path implies. It returns the events as JSON lines, event i on
// line i+1. Events that carry neither field get them appended as they are;
// the others are decoded and encoded again.
func stampEvents(raw []json.RawMessage, typ string, received time.Time) ([]byte, error) {
	at, _ := json.Marshal(received.Format("2006-01-02T15:04:05.000Z07:00"))
	extra := append([]byte(`"receivedAt":`), at...)
	var kind json.RawMessage
	if typ != "" {
		kind, _ = json.Marshal(typ)
		extra = append(append(extra, `,"type":`...), kind...)
	}
	var out bytes.Buffer
	for i, ev := range raw {
		ev = bytes.TrimSpace(ev)
		if len(ev) < 2 || ev[0] != '{' {
			if typ == "" {
				return nil, fmt.Errorf("batch[%d] is not a JSON object", i)
			}
			return nil, errors.New("the event is not a JSON object")
		}
		if bytes.ContainsAny(ev, "\r\n") {
			var c bytes.Buffer
			if err := json.Compact(&c, ev); err != nil {
				return nil, err
			}
			ev = c.Bytes()
		}
		if bytes.Contains(ev, []byte(`"receivedAt"`)) || (kind != nil && bytes.Contains(ev, []byte(`"type"`))) {
			b, err := setFields(ev, at, kind)
			if err != nil {
				return nil, err
			}
			out.Write(b)
		} else {
			out.Write(ev[:len(ev)-1])
			if len(bytes.TrimSpace(ev[1:len(ev)-1])) > 0 {
				out.WriteByte(',')
			}
			out.Write(extra)
			out.WriteByte('}')
		}
		out.WriteByte('\n')
	}
	return out.Bytes(), nil
}

// setFields sets receivedAt, and type when given, in an event that may
// already hold them.
func setFields(ev, at, kind json.RawMessage) ([]byte, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(ev, &fields); err != nil {
		return nil, err
	}
	fields["receivedAt"] = at
	if kind != nil {
		fields["type"] = kind
	}
	return json.Marshal(fields)
}

// trackingDetail names each bad event by its index in the batch.
func trackingDetail(bad []*core.ParseError, typ string) []badTrackingEvent {
	out := make([]badTrackingEvent, len(bad))
	for i, pe := range bad {
		field := pe.Field
		if typ == "" {
			field = fmt.Sprintf("batch[%d].%s", pe.Line-1, pe.Field)
		}
		field = strings.TrimSuffix(field, ".")
		msg := strings.ReplaceAll(pe.Reason, "_", " ")
		if pe.Err != nil {
			msg = pe.Err.Error()
		}
		if field != "" {
			msg = fmt.Sprintf("field %q: %s", field, msg)
		}
		out[i] = badTrackingEvent{Index: pe.Line - 1, Field: field, Reason: pe.Reason, Error: msg}
	}
	return out
}

// signatureHint explains a bad X-Signature on a batch: Segment's Webhooks
// (Actions) destination signs only the first event of a batch, so a batch
// cannot be verified with the shared secret (and an unsigned event is never
// stored). It returns "" when the body is not a batch of several events.
func signatureHint(secret, sig string, body []byte) string {
	events := batchElems(body)
	if len(events) < 2 {
		return ""
	}
	why := "this batch of %d events is not signed as a whole"
	if signsFirst(secret, sig, events[0]) {
		why = "X-Signature signs only the first of this batch's %d events (Segment's Webhooks (Actions) destination with batching)"
	}
	return fmt.Sprintf(why+"; the other events cannot be verified, so nothing was stored. Fix: in the destination's mapping, add the header Authorization: Bearer <SEP_INGEST_TOKEN> (Headers field), or turn batching off", len(events))
}

// batchElems returns the events of a JSON array or {"batch": [...]} body.
func batchElems(body []byte) []json.RawMessage {
	var arr []json.RawMessage
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		json.Unmarshal(trimmed, &arr)
		return arr
	}
	var b struct {
		Batch []json.RawMessage `json:"batch"`
	}
	json.Unmarshal(trimmed, &b)
	return b.Batch
}

// signsFirst reports whether sig is the HMAC of the first event, as sent or
// compacted.
func signsFirst(secret, sig string, first json.RawMessage) bool {
	sig = strings.ToLower(strings.TrimSpace(sig))
	var compact bytes.Buffer
	json.Compact(&compact, first)
	for _, b := range [][]byte{first, compact.Bytes()} {
		if hmac.Equal([]byte(sig), []byte(SignatureOf(secret, b))) {
			return true
		}
	}
	return false
}

// BasicAuth returns the Authorization header value of HTTP Basic auth with a
// write key as the user and an empty password, as the SDKs send it.
func BasicAuth(writeKey string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(writeKey+":"))
}
