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
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/sep-project/sep/api"
	"github.com/sep-project/sep/dynamodb"
	"github.com/sep-project/sep/internal/apitest"
	"github.com/sep-project/sep/internal/sdktest"
	"github.com/sep-project/sep/internal/testenv"
)

type lambdaFn = func(context.Context, json.RawMessage) (any, error)

// dynaliteFunction returns the Lambda handler over a fresh DynamoDB table on
// dynalite, configured as deployed (write key sdkWriteKey, read token sdkReadToken).
func dynaliteFunction(t *testing.T, client *ddb.Client, table string) lambdaFn {
	t.Helper()
	ctx := context.Background()
	if err := dynamodb.CreateTable(ctx, client, table); err != nil {
		t.Fatal(err)
	}
	st, err := dynamodb.Open(ctx, client, table, "UTC")
	if err != nil {
		t.Fatal(err)
	}
	h, err := api.New(api.Options{Store: st, WebhookSecret: "whsec-sdk-test-0123456789", IngestToken: sdkWriteKey, ReadToken: sdkReadToken})
	if err != nil {
		t.Fatal(err)
	}
	return adapt(h)
}

// viaEvents serves HTTP requests by invoking fn with the events API Gateway
// and Function URLs would send: payload 2.0 and 1.0 in turn.
func viaEvents(t *testing.T, fn lambdaFn) http.Handler {
	n := 0
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		buf.ReadFrom(r.Body)
		n++
		payload := payloadOf(r, buf.Bytes(), n%2 == 0)
		out, err := fn(r.Context(), payload)
		if err != nil {
			http.Error(w, "function error: "+err.Error(), http.StatusBadGateway)
			return
		}
		var status int
		var body string
		var b64 bool
		switch res := out.(type) {
		case events.APIGatewayV2HTTPResponse:
			status, body, b64 = res.StatusCode, res.Body, res.IsBase64Encoded
		case events.APIGatewayProxyResponse:
			status, body, b64 = res.StatusCode, res.Body, res.IsBase64Encoded
		default:
			http.Error(w, fmt.Sprintf("answer %T to an HTTP event", out), http.StatusBadGateway)
			return
		}
		w.WriteHeader(status)
		if b64 {
			raw, _ := base64.StdEncoding.DecodeString(body)
			w.Write(raw)
			return
		}
		w.Write([]byte(body))
	})
}

// payloadOf is the event of a request: payload 1.0 (REST API) or 2.0.
func payloadOf(r *http.Request, body []byte, v1 bool) json.RawMessage {
	text, b64 := string(body), false
	if !utf8.Valid(body) {
		text, b64 = base64.StdEncoding.EncodeToString(body), true
	}
	var ev any
	if v1 {
		p := events.APIGatewayProxyRequest{Resource: "/{proxy+}", Path: r.URL.Path, HTTPMethod: r.Method,
			Headers: map[string]string{}, MultiValueHeaders: map[string][]string(r.Header.Clone()),
			Body: text, IsBase64Encoded: b64,
			RequestContext: events.APIGatewayProxyRequestContext{Stage: "prod", Path: "/prod" + r.URL.Path, HTTPMethod: r.Method}}
		for k, vs := range r.Header {
			p.Headers[k] = vs[len(vs)-1]
		}
		if q := r.URL.Query(); len(q) > 0 {
			p.QueryStringParameters, p.MultiValueQueryStringParameters = map[string]string{}, map[string][]string(q)
			for k, vs := range q {
				p.QueryStringParameters[k] = vs[0]
			}
		}
		ev = p
	} else {
		p := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "$default", RawPath: r.URL.Path, RawQueryString: r.URL.RawQuery,
			Headers: map[string]string{}, Body: text, IsBase64Encoded: b64,
			RequestContext: events.APIGatewayV2HTTPRequestContext{Stage: "$default", DomainName: "abc.lambda-url.us-east-1.on.aws",
				HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: r.Method, Path: r.URL.Path}}}
		for k, vs := range r.Header {
			p.Headers[strings.ToLower(k)] = strings.Join(vs, ",")
		}
		ev = p
	}
	b, _ := json.Marshal(ev)
	return b
}

// cliReport scores an events file with the real `sep score --json`, without
// input.files (how the file was read), which stored deliveries do not have.
func cliReport(t *testing.T, sep, file string, args ...string) string {
	t.Helper()
	cmd := exec.Command(sep, append(append([]string{"score", "--json", "--format", "segment"}, args...), file)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sep score: %v\n%s", err, stderr.Bytes())
	}
	return apitest.DropFiles(string(out))
}

// buildSep builds the CLI from the tree.
func buildSep(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "sep")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/sep")
	cmd.Dir = testenv.Root(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build sep: %v\n%s", err, out)
	}
	return bin
}

// TestSDKsThroughTheAdapter sends the real SDKs' requests to the Lambda
// handler as payload 2.0 and 1.0 events (DynamoDB on dynalite), and the same
// events as Segment's AWS Lambda destination invokes them (arrays of raw
// events), and compares both stores' reports with `sep score --json` on the
// SDK's events.
func TestSDKsThroughTheAdapter(t *testing.T) {
	endpoint := testenv.Dynalite(t)
	client := ddb.New(ddb.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	sep := buildSep(t)
	coreEvents := "Report Created,Dashboard Shared,Export Run"
	query := url.Values{"core_events": {coreEvents}, "unit": {"account"}}
	for _, sdk := range sdktest.SDKs {
		t.Run(sdk, func(t *testing.T) {
			httpFn := dynaliteFunction(t, client, "sdk-http-"+sdk)
			rec := sdktest.Send(t, sdk, viaEvents(t, httpFn), sdkWriteKey)
			rec.CheckWire(t, sdkWriteKey)
			want := cliReport(t, sep, rec.WriteEvents(t, t.TempDir()), "--core-events", coreEvents, "--unit", "account")

			read := func(fn lambdaFn) string {
				req := httptest.NewRequest("GET", "/v1/score?"+query.Encode(), nil)
				req.Header.Set("Authorization", "Bearer "+sdkReadToken)
				rr := httptest.NewRecorder()
				viaEvents(t, fn).ServeHTTP(rr, req)
				if rr.Code != 200 {
					t.Fatalf("GET /v1/score: %d %s", rr.Code, rr.Body)
				}
				return rr.Body.String()
			}
			if got := read(httpFn); got != want {
				t.Fatalf("the SDK's events through payload 2.0/1.0 events: GET /v1/score differs from sep score --json:\n%s\nwant:\n%s", got, want)
			}

			// The same events as Segment's AWS Lambda destination would invoke
			// the function: each batch as an array of events, with receivedAt,
			// then the first event alone again (a retried invoke).
			rawFn := dynaliteFunction(t, client, "sdk-raw-"+sdk)
			var first json.RawMessage
			for i, r := range rec.Requests {
				var b struct{ Batch []json.RawMessage }
				if json.Unmarshal(r.Body, &b) != nil || len(b.Batch) == 0 {
					t.Fatalf("request %d is not a batch", i)
				}
				if first == nil {
					first = b.Batch[0]
				}
				arr, _ := json.Marshal(b.Batch)
				if _, err := rawFn(context.Background(), arr); err != nil {
					t.Fatalf("invoke of batch %d: %v", i, err)
				}
			}
			out, err := rawFn(context.Background(), first)
			var ans struct{ Stored, Duplicates int }
			if raw, ok := out.(json.RawMessage); err != nil || !ok || json.Unmarshal(raw, &ans) != nil || ans.Stored != 0 || ans.Duplicates != 1 {
				t.Fatalf("retried invoke: %v %v, want 0 stored, 1 duplicate", out, err)
			}
			// The export of what the function received holds the retried
			// first event again (input.duplicates).
			events, err := os.ReadFile(rec.WriteEvents(t, t.TempDir()))
			if err != nil {
				t.Fatal(err)
			}
			var again bytes.Buffer
			json.Compact(&again, first)
			withRetry := filepath.Join(t.TempDir(), "with-retry.jsonl")
			os.WriteFile(withRetry, append(append(events, again.Bytes()...), '\n'), 0o600)
			want = cliReport(t, sep, withRetry, "--core-events", coreEvents, "--unit", "account")
			if got := read(rawFn); got != want {
				t.Fatalf("the SDK's events as direct invokes: GET /v1/score differs from sep score --json:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// The credentials of the SDK tests (16 characters at least, as api.New requires).
const (
	sdkWriteKey  = "sdk-write-key-0123456789"
	sdkReadToken = "sdk-read-token-0123456789"
)
