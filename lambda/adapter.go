package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/sep-project/sep/api"
)

// The shapes of an invoke, told apart by their fields.
const (
	shapeUnknown = iota
	shapeHTTP2   // Function URL, HTTP API (payload 2.0)
	shapeHTTP1   // API Gateway REST API, HTTP API with payload 1.0
	shapeEvents  // Segment's AWS Lambda destination: an event, or an array of them
)

// probe holds the fields that tell the shapes apart.
type probe struct {
	HTTPMethod     string `json:"httpMethod"`
	RequestContext struct {
		HTTP struct {
			Method string `json:"method"`
		} `json:"http"`
	} `json:"requestContext"`
	Type      json.RawMessage `json:"type"`
	MessageID json.RawMessage `json:"messageId"`
}

// shapeOf names the shape of an invoke's payload.
func shapeOf(payload []byte) int {
	trimmed := bytes.TrimSpace(payload)
	if len(trimmed) == 0 {
		return shapeUnknown
	}
	if trimmed[0] == '[' {
		return shapeEvents
	}
	var p probe
	if trimmed[0] != '{' || json.Unmarshal(trimmed, &p) != nil {
		return shapeUnknown
	}
	switch {
	case p.RequestContext.HTTP.Method != "":
		return shapeHTTP2
	case p.HTTPMethod != "":
		return shapeHTTP1
	case present(p.Type) || present(p.MessageID):
		return shapeEvents
	}
	return shapeUnknown
}

func present(v json.RawMessage) bool {
	return len(v) > 0 && !bytes.Equal(v, []byte("null")) && !bytes.Equal(v, []byte(`""`))
}

// adapt turns an http.Handler into sep's Lambda handler. HTTP events (payload
// 2.0 and 1.0) are served as requests and answered in their own format.
// Direct invokes of Segment's AWS Lambda destination (an event object or an
// array of them, authorised by IAM's invoke permission) are stored as a
// webhook delivery (POST /v1/events, same dedupe and account rules); any
// answer but 200 is a function error, as is an invoke of no known shape, so
// the caller sees a failure and retries.
func adapt(h http.Handler) func(context.Context, json.RawMessage) (any, error) {
	return func(ctx context.Context, payload json.RawMessage) (any, error) {
		if isScheduledEvent(payload) {
			return runScheduled(ctx)
		}
		switch shapeOf(payload) {
		case shapeHTTP2:
			var ev events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal(payload, &ev); err != nil {
				return nil, fmt.Errorf("sep: payload 2.0 event: %w", err)
			}
			req, err := fromV2(ctx, ev)
			if err != nil {
				return toV2(badEvent(err)), nil
			}
			return toV2(withinPayload(req.URL.Path, serve(h, req))), nil
		case shapeHTTP1:
			var ev events.APIGatewayProxyRequest
			if err := json.Unmarshal(payload, &ev); err != nil {
				return nil, fmt.Errorf("sep: payload 1.0 event: %w", err)
			}
			req, err := fromV1(ctx, ev)
			if err != nil {
				return toV1(badEvent(err)), nil
			}
			return toV1(withinPayload(req.URL.Path, serve(h, req))), nil
		case shapeEvents:
			return deliver(ctx, h, payload)
		}
		return nil, fmt.Errorf("sep: unrecognised invoke (%s): expected an HTTP event (Function URL or HTTP API payload 2.0, REST API payload 1.0) or Segment events (an object with a type or messageId, or an array of them)", describe(payload))
	}
}

// describe names a payload for the error of an unknown invoke.
func describe(payload []byte) string {
	trimmed := bytes.TrimSpace(payload)
	if len(trimmed) == 0 {
		return "empty payload"
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(trimmed, &fields) != nil {
		return fmt.Sprintf("a JSON %s, not an object", kindOfJSON(trimmed[0]))
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) > 8 {
		keys = append(keys[:8], "...")
	}
	return "an object with fields " + strings.Join(keys, ", ")
}

func kindOfJSON(c byte) string {
	switch {
	case c == '"':
		return "string"
	case c == 't' || c == 'f':
		return "boolean"
	case c == 'n':
		return "null"
	case c == '-' || (c >= '0' && c <= '9'):
		return "number"
	}
	return "value"
}

// deliver stores Segment's events as POST /v1/events, vouched for by the host.
func deliver(ctx context.Context, h http.Handler, payload []byte) (any, error) {
	req, err := http.NewRequestWithContext(api.WithHostAuth(ctx), http.MethodPost, "/v1/events", bytes.NewReader(payload))
	if err != nil {
		return nil, fmt.Errorf("sep: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	rec := serve(h, req)
	if rec.Code != http.StatusOK {
		var e struct {
			Error  string          `json:"error"`
			Detail json.RawMessage `json:"detail"`
		}
		json.Unmarshal(rec.Body.Bytes(), &e)
		msg := e.Error
		if len(e.Detail) > 0 {
			msg += ": " + string(e.Detail)
		}
		return nil, fmt.Errorf("sep: the events were not stored (%d): %s", rec.Code, msg)
	}
	return json.RawMessage(bytes.TrimSpace(rec.Body.Bytes())), nil
}

func serve(h http.Handler, req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// badEvent answers an HTTP event Lambda produced that cannot be read: a 400
// with the reason (an integration fault, not the sender's).
func badEvent(err error) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	rec.Header().Set("Content-Type", "application/json")
	rec.WriteHeader(http.StatusBadRequest)
	fmt.Fprintf(rec, `{"error":%q}`, err.Error())
	return rec
}

func bodyOf(body string, isBase64 bool) ([]byte, error) {
	if !isBase64 {
		return []byte(body), nil
	}
	b, err := base64.StdEncoding.DecodeString(body)
	if err != nil {
		return nil, fmt.Errorf("lambda event: body is not base64: %w", err)
	}
	return b, nil
}

func newRequest(ctx context.Context, method, path, query string, body []byte) (*http.Request, error) {
	if path == "" {
		path = "/"
	}
	target := path
	if query != "" {
		target += "?" + query
	}
	req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("lambda event: %w", err)
	}
	req.ContentLength = int64(len(body))
	req.RequestURI = target
	return req, nil
}

// fromV2 turns a payload 2.0 event into a request. An HTTP API stage other
// than $default prefixes the raw path; it is taken off.
func fromV2(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (*http.Request, error) {
	body, err := bodyOf(ev.Body, ev.IsBase64Encoded)
	if err != nil {
		return nil, err
	}
	path := ev.RawPath
	if st := ev.RequestContext.Stage; st != "" && st != "$default" && strings.HasPrefix(path, "/"+st+"/") {
		path = path[len(st)+1:]
	}
	req, err := newRequest(ctx, ev.RequestContext.HTTP.Method, path, ev.RawQueryString, body)
	if err != nil {
		return nil, err
	}
	for k, v := range ev.Headers {
		req.Header.Set(k, v)
	}
	if len(ev.Cookies) > 0 {
		req.Header.Set("Cookie", strings.Join(ev.Cookies, "; "))
	}
	req.Host = ev.RequestContext.DomainName
	req.RemoteAddr = ev.RequestContext.HTTP.SourceIP
	return req, nil
}

// fromV1 turns a payload 1.0 event (REST API) into a request. Its path is the
// resource path, without the stage.
func fromV1(ctx context.Context, ev events.APIGatewayProxyRequest) (*http.Request, error) {
	body, err := bodyOf(ev.Body, ev.IsBase64Encoded)
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	if len(ev.MultiValueQueryStringParameters) > 0 {
		for k, vs := range ev.MultiValueQueryStringParameters {
			q[k] = append(q[k], vs...)
		}
	} else {
		for k, v := range ev.QueryStringParameters {
			q.Set(k, v)
		}
	}
	req, err := newRequest(ctx, ev.HTTPMethod, ev.Path, q.Encode(), body)
	if err != nil {
		return nil, err
	}
	if len(ev.MultiValueHeaders) > 0 {
		for k, vs := range ev.MultiValueHeaders {
			for _, v := range vs {
				req.Header.Add(k, v)
			}
		}
	} else {
		for k, v := range ev.Headers {
			req.Header.Set(k, v)
		}
	}
	req.Host = req.Header.Get("Host")
	if req.Host == "" {
		req.Host = ev.RequestContext.DomainName
	}
	req.RemoteAddr = ev.RequestContext.Identity.SourceIP
	return req, nil
}

// MaxResponsePayload is Lambda's limit on a buffered response (6 MB, the
// invocation's JSON with the body in it); MaxAnswer keeps the API's answers
// well under it (a gzip answer grows by a third in base64, a JSON one by its
// escaped quotes).
const (
	MaxResponsePayload = 6 << 20
	MaxAnswer          = 4 << 20
)

// withinPayload replaces an answer whose body would take Lambda's response
// over MaxResponsePayload (SEP_MAX_ANSWER raised above MaxAnswer) with a 422
// that says how to ask for less, instead of the function error Lambda would
// turn it into. The advice depends on the route: a CSV export has no pages.
func withinPayload(path string, rec *httptest.ResponseRecorder) *httptest.ResponseRecorder {
	body, b64 := encodedBody(rec.Body.Bytes(), rec.Header().Get("Content-Encoding") != "")
	size := len(body)
	if !b64 && size > 1<<20 {
		if quoted, err := json.Marshal(body); err == nil {
			size = len(quoted) // as the response's JSON holds it, escapes included
		}
	}
	if size+64<<10 <= MaxResponsePayload { // 64 KiB for the headers and the envelope
		return rec
	}
	out := httptest.NewRecorder()
	out.Header().Set("Content-Type", "application/json; charset=utf-8")
	out.Header().Set("Vary", "Accept-Encoding")
	out.WriteHeader(http.StatusUnprocessableEntity)
	msg := fmt.Sprintf("the answer takes %d bytes in Lambda's response, over its limit of %d for a buffered response: %s", size, MaxResponsePayload, smallerAnswer(path))
	b, _ := json.Marshal(map[string]any{"error": msg, "detail": map[string]int{"size": size, "limit": MaxResponsePayload}})
	out.Write(append(b, '\n'))
	return out
}

// smallerAnswer says how a client of path gets an answer that fits.
func smallerAnswer(path string) string {
	if strings.HasSuffix(path, ".csv") {
		return "send Accept-Encoding: gzip; a CSV export is not paged, so for fewer rows read the accounts' rows as JSON pages with GET /v1/score?fields=accounts&accounts=N (then after=<page.next>)"
	}
	return "send Accept-Encoding: gzip, or ask for a page of the accounts with accounts=N (then after=<page.next>), or one account with GET /v1/accounts/{id}"
}

// encodedBody returns a response body as text, or base64 when it is
// content-encoded (gzip) or not UTF-8.
func encodedBody(b []byte, encoded bool) (string, bool) {
	if !encoded && utf8.Valid(b) {
		return string(b), false
	}
	return base64.StdEncoding.EncodeToString(b), true
}

func toV2(rec *httptest.ResponseRecorder) events.APIGatewayV2HTTPResponse {
	res := events.APIGatewayV2HTTPResponse{StatusCode: rec.Code, Headers: map[string]string{}}
	for k, vs := range rec.Header() {
		if k == "Set-Cookie" {
			res.Cookies = vs
			continue
		}
		res.Headers[k] = strings.Join(vs, ", ")
	}
	res.Body, res.IsBase64Encoded = encodedBody(rec.Body.Bytes(), rec.Header().Get("Content-Encoding") != "")
	return res
}

func toV1(rec *httptest.ResponseRecorder) events.APIGatewayProxyResponse {
	res := events.APIGatewayProxyResponse{StatusCode: rec.Code, Headers: map[string]string{}, MultiValueHeaders: map[string][]string{}}
	for k, vs := range rec.Header() {
		res.MultiValueHeaders[k] = vs
		if k != "Set-Cookie" {
			res.Headers[k] = strings.Join(vs, ", ")
		}
	}
	res.Body, res.IsBase64Encoded = encodedBody(rec.Body.Bytes(), rec.Header().Get("Content-Encoding") != "")
	return res
}
