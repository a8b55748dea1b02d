package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/sep-project/sep/api"
	"github.com/sep-project/sep/bolt"
	"github.com/sep-project/sep/core"
)

func invoke(t *testing.T, h func(context.Context, json.RawMessage) (any, error), ev any) (any, error) {
	t.Helper()
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return h(context.Background(), b)
}

// recorder is a handler that keeps the request it got and answers with
// several headers, a cookie and a body that is not UTF-8.
type recorder struct {
	got  *http.Request
	body []byte
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc.got = r
	rc.body, _ = io.ReadAll(r.Body)
	w.Header().Add("X-Many", "a")
	w.Header().Add("X-Many", "b")
	http.SetCookie(w, &http.Cookie{Name: "k", Value: "v"})
	w.WriteHeader(http.StatusTeapot)
	w.Write([]byte{0x1f, 0x8b, 0xff}) // not UTF-8: base64 in the response
}

func TestAdapterPayload2(t *testing.T) {
	rc := &recorder{}
	h := adapt(rc)
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RawPath: "/v1/score", RawQueryString: "window=7&tz=Europe%2FParis",
		Headers: map[string]string{"authorization": "Bearer t", "content-encoding": "gzip"},
		Cookies: []string{"a=1", "b=2"},
		Body:    base64.StdEncoding.EncodeToString([]byte{0x1f, 0x8b, 0x00}), IsBase64Encoded: true,
		RequestContext: events.APIGatewayV2HTTPRequestContext{DomainName: "x.lambda-url.eu-west-3.on.aws", Stage: "$default",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST"}},
	}
	out, err := invoke(t, h, ev)
	if err != nil {
		t.Fatal(err)
	}
	got := rc.got
	if got.Method != "POST" || got.URL.Path != "/v1/score" || got.URL.Query().Get("tz") != "Europe/Paris" ||
		got.Header.Get("Authorization") != "Bearer t" || got.Header.Get("Cookie") != "a=1; b=2" ||
		string(rc.body) != "\x1f\x8b\x00" || got.ContentLength != 3 || got.Host != "x.lambda-url.eu-west-3.on.aws" {
		t.Errorf("request %s %s %v body %q len %d host %s", got.Method, got.URL, got.Header, rc.body, got.ContentLength, got.Host)
	}
	res, ok := out.(events.APIGatewayV2HTTPResponse)
	if !ok {
		t.Fatalf("answer %T, want a payload 2.0 response", out)
	}
	body, _ := base64.StdEncoding.DecodeString(res.Body)
	if res.StatusCode != 418 || !res.IsBase64Encoded || string(body) != "\x1f\x8b\xff" ||
		res.Headers["X-Many"] != "a, b" || len(res.Cookies) != 1 || res.Cookies[0] != "k=v" {
		t.Errorf("response %+v", res)
	}

	// An HTTP API stage other than $default prefixes the raw path.
	ev.RequestContext.Stage, ev.RawPath = "prod", "/prod/v1/batch"
	invoke(t, h, ev)
	if rc.got.URL.Path != "/v1/batch" {
		t.Errorf("staged path: %s", rc.got.URL.Path)
	}
	// A body that is not base64: a 400 that says so.
	ev.Body = "%%%"
	out, err = invoke(t, h, ev)
	if res, ok := out.(events.APIGatewayV2HTTPResponse); err != nil || !ok || res.StatusCode != 400 || !strings.Contains(res.Body, "base64") {
		t.Errorf("bad base64: %+v %v", out, err)
	}
}

func TestAdapterPayload1(t *testing.T) {
	rc := &recorder{}
	h := adapt(rc)
	ev := events.APIGatewayProxyRequest{
		Resource: "/{proxy+}", Path: "/v1/batch", HTTPMethod: "POST",
		Headers:                         map[string]string{"Authorization": "Basic a2V5Og==", "Host": "abc.execute-api.eu-west-3.amazonaws.com"},
		MultiValueHeaders:               map[string][]string{"Authorization": {"Basic a2V5Og=="}, "Host": {"abc.execute-api.eu-west-3.amazonaws.com"}, "X-Forwarded-For": {"198.51.100.1", "10.0.0.1"}},
		QueryStringParameters:           map[string]string{"core_events": "Report Created"},
		MultiValueQueryStringParameters: map[string][]string{"core_events": {"Report Created"}, "tz": {"Asia/Kolkata"}},
		Body:                            base64.StdEncoding.EncodeToString([]byte{0x1f, 0x8b, 0x01}), IsBase64Encoded: true,
		RequestContext: events.APIGatewayProxyRequestContext{Stage: "prod", Path: "/prod/v1/batch", DomainName: "abc.execute-api.eu-west-3.amazonaws.com",
			Identity: events.APIGatewayRequestIdentity{SourceIP: "198.51.100.1"}},
	}
	out, err := invoke(t, h, ev)
	if err != nil {
		t.Fatal(err)
	}
	got := rc.got
	if got.Method != "POST" || got.URL.Path != "/v1/batch" || got.URL.Query().Get("core_events") != "Report Created" || got.URL.Query().Get("tz") != "Asia/Kolkata" ||
		got.Header.Get("Authorization") != "Basic a2V5Og==" || len(got.Header.Values("X-Forwarded-For")) != 2 ||
		string(rc.body) != "\x1f\x8b\x01" || got.ContentLength != 3 || got.Host != "abc.execute-api.eu-west-3.amazonaws.com" || got.RemoteAddr != "198.51.100.1" {
		t.Errorf("request %s %s %v body %q host %s", got.Method, got.URL, got.Header, rc.body, got.Host)
	}
	res, ok := out.(events.APIGatewayProxyResponse)
	if !ok {
		t.Fatalf("answer %T, want a payload 1.0 response", out)
	}
	body, _ := base64.StdEncoding.DecodeString(res.Body)
	if res.StatusCode != 418 || !res.IsBase64Encoded || string(body) != "\x1f\x8b\xff" || res.Headers["X-Many"] != "a, b" ||
		len(res.MultiValueHeaders["X-Many"]) != 2 || res.MultiValueHeaders["Set-Cookie"][0] != "k=v" {
		t.Errorf("response %+v", res)
	}
	// Only the single-value maps (a test console's event): still read.
	ev.MultiValueHeaders, ev.MultiValueQueryStringParameters = nil, nil
	invoke(t, h, ev)
	if rc.got.Header.Get("Authorization") != "Basic a2V5Og==" || rc.got.URL.Query().Get("core_events") != "Report Created" {
		t.Errorf("single-value event: %v %v", rc.got.Header, rc.got.URL)
	}
}

// An invoke of no known shape is a function error (the caller sees a failure
// and retries), never a quiet 400 result.
func TestAdapterUnknownInvokeIsAnError(t *testing.T) {
	rc := &recorder{}
	h := adapt(rc)
	for _, payload := range []string{``, `null`, `42`, `"track"`, `{}`, `{"detail-type":"Object Created","source":"aws.s3"}`,
		`{"rawPath":"/healthz"}`, `{"type":null,"messageId":""}`} {
		out, err := h(context.Background(), json.RawMessage(payload))
		if err == nil || !strings.Contains(err.Error(), "unrecognised invoke") {
			t.Errorf("%s: answer %+v, error %v; want an unrecognised invoke error", payload, out, err)
		}
	}
	if rc.got != nil {
		t.Errorf("the handler was called for %s", rc.got.URL)
	}
	// The error names what came, so that the caller's logs say it.
	_, err := h(context.Background(), json.RawMessage(`{"source":"aws.s3","detail-type":"Object Created"}`))
	if err == nil || !strings.Contains(err.Error(), "an object with fields detail-type, source") {
		t.Errorf("error %v does not name the fields received", err)
	}
}

func newStoreHandler(t *testing.T) (http.Handler, core.Store) {
	t.Helper()
	st, err := bolt.Open(filepath.Join(t.TempDir(), "sep.db"), "UTC")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	h, err := api.New(api.Options{Store: st, WebhookSecret: "whsec-adapter-0123456789", IngestToken: "ingest-adapter-0123456789", ReadToken: "read-adapter-0123456789"})
	if err != nil {
		t.Fatal(err)
	}
	return h, st
}

// Segment's AWS Lambda destination invokes with the event itself (or an array
// of events): stored with the webhook's dedupe and account rules, no token.
func TestAdapterSegmentDestinationInvokes(t *testing.T) {
	h, st := newStoreHandler(t)
	fn := adapt(h)
	group := `{"type":"group","messageId":"l1","userId":"u1","groupId":"acme","traits":{"seats":"5"},"timestamp":"2026-09-01T08:00:00+05:30","receivedAt":"2026-09-01T02:30:01Z"}`
	track := `{"type":"track","messageId":"l2","userId":"u1","event":"Report Created","properties":{"n":"3"},"timestamp":"2026-09-01T09:00:00Z","receivedAt":"2026-09-01T09:00:01Z"}`
	page := `{"type":"page","messageId":"l3","anonymousId":"a9","name":null,"timestamp":"2026-09-01T09:30:00Z"}`
	for _, c := range []struct {
		name, payload string
		stored        int
		err           string
	}{
		{"one event", group, 1, ""},
		{"an array of events", "[" + track + "," + page + "," + track + "]", 2, ""},
		{"the same event again", track, 0, ""},
		{"a bad event: nothing stored, an error", `[{"type":"track","messageId":"l4","userId":"u","event":"A","timestamp":"2026-09-01T00:00:00Z"},{"type":"track","messageId":"l5","userId":"u","event":"B","timestamp":"soon"}]`, 0, "timestamp"},
		{"an empty array", `[]`, 0, "no event"},
		{"an array of something else", `[1,2]`, 0, "not stored"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, err := fn(context.Background(), json.RawMessage(c.payload))
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("answer %+v, error %v; want an error with %q", out, err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ans struct{ Stored int }
			if raw, ok := out.(json.RawMessage); !ok || json.Unmarshal(raw, &ans) != nil || ans.Stored != c.stored {
				t.Fatalf("answer %s, want %d stored", out, c.stored)
			}
		})
	}
	roll, err := st.Load(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// The retried invokes are records too: input.duplicates.
	if roll.Input.Events-roll.Input.Duplicates != 3 || roll.Input.ActivityEvents != 2 {
		t.Fatalf("stored %+v, want 3 events of which 2 activity, besides the repeats", roll.Input)
	}
}

// TestAdapterAnswerSizes: a gzip answer goes base64 even when its bytes
// happen to be UTF-8, and an answer that would take Lambda's response over
// its 6 MB (SEP_MAX_ANSWER raised) is a 422 that says what to ask instead.
func TestAdapterAnswerSizes(t *testing.T) {
	var body []byte
	var encoding string
	h := adapt(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if encoding != "" {
			w.Header().Set("Content-Encoding", encoding)
		}
		w.Write(body)
	}))
	ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RawPath: "/v1/score",
		RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET"}}}
	for _, c := range []struct {
		name     string
		body     []byte
		encoding string
		status   int
		base64   bool
	}{
		{"text", []byte(`{"pes":1}`), "", 200, false},
		{"gzip that is valid UTF-8", []byte("ab"), "gzip", 200, true},
		{"5 MB of quotes (10 MB escaped)", []byte(strings.Repeat(`"`, 5<<20)), "", 422, false},
		{"4.5 MB gzip (6 MB in base64)", make([]byte, 4600<<10), "gzip", 422, false},
		{"4 MB gzip", make([]byte, 4<<20), "gzip", 200, true},
	} {
		body, encoding = c.body, c.encoding
		out, err := invoke(t, h, ev)
		res, ok := out.(events.APIGatewayV2HTTPResponse)
		if err != nil || !ok || res.StatusCode != c.status || res.IsBase64Encoded != c.base64 {
			t.Errorf("%s: %v %d base64 %v; want %d base64 %v", c.name, err, res.StatusCode, res.IsBase64Encoded, c.status, c.base64)
			continue
		}
		if c.status == 422 && (!strings.Contains(res.Body, "accounts=") || !strings.Contains(res.Body, "Accept-Encoding: gzip") || res.Headers["Content-Encoding"] != "") {
			t.Errorf("%s: %.300s", c.name, res.Body)
		}
		if b, _ := json.Marshal(res); len(b) > MaxResponsePayload {
			t.Errorf("%s: a response of %d bytes, over Lambda's %d", c.name, len(b), MaxResponsePayload)
		}
	}
	// A CSV export has no pages: its 422 points to the JSON pages instead.
	ev.RawPath = "/v1/accounts.csv"
	body, encoding = []byte(strings.Repeat("a,b\n", 2<<20)), ""
	out, err := invoke(t, h, ev)
	res, _ := out.(events.APIGatewayV2HTTPResponse)
	if err != nil || res.StatusCode != 422 || !strings.Contains(res.Body, "fields=accounts") || !strings.Contains(res.Body, "not paged") {
		t.Errorf("8 MB CSV: %v %d %.300s", err, res.StatusCode, res.Body)
	}
}
