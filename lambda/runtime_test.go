package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/sep-project/sep/dynamodb"
	"github.com/sep-project/sep/internal/apitest"
	"github.com/sep-project/sep/internal/testenv"
)

// runtimeAPI is the Lambda Runtime API (2018-06-01) as the bootstrap sees it:
// it hands out queued invocations and collects their responses.
type runtimeAPI struct {
	pending chan invocation
	mu      sync.Mutex
	waiting map[string]chan result
	initErr chan string
	seq     int
}

type invocation struct {
	id      string
	payload []byte
}

type result struct {
	body  []byte
	error bool
}

func newRuntimeAPI() *runtimeAPI {
	return &runtimeAPI{pending: make(chan invocation, 16), waiting: map[string]chan result{}, initErr: make(chan string, 1)}
}

func (rt *runtimeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	const prefix = "/2018-06-01/runtime/"
	p := strings.TrimPrefix(r.URL.Path, prefix)
	switch {
	case r.Method == "GET" && p == "invocation/next":
		select {
		case inv := <-rt.pending:
			h := w.Header()
			h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
			h.Set("Lambda-Runtime-Deadline-Ms", fmt.Sprint(time.Now().Add(30*time.Second).UnixMilli()))
			h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:sep")
			h.Set("Lambda-Runtime-Trace-Id", "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1")
			w.Write(inv.payload)
		case <-r.Context().Done():
		}
	case r.Method == "POST" && strings.HasPrefix(p, "invocation/"):
		parts := strings.Split(p, "/") // invocation/{id}/response|error
		body, _ := io.ReadAll(r.Body)
		rt.mu.Lock()
		ch := rt.waiting[parts[1]]
		rt.mu.Unlock()
		if ch == nil || len(parts) != 3 {
			http.Error(w, "unknown invocation", 400)
			return
		}
		ch <- result{body: body, error: parts[2] == "error"}
		w.WriteHeader(http.StatusAccepted)
	case r.Method == "POST" && p == "init/error":
		body, _ := io.ReadAll(r.Body)
		select {
		case rt.initErr <- string(body):
		default:
		}
		w.WriteHeader(http.StatusAccepted)
	default:
		http.Error(w, "not in the Runtime API", 404)
	}
}

// invoke queues an event and waits for the function's response.
func (rt *runtimeAPI) invoke(t *testing.T, payload []byte) []byte {
	t.Helper()
	rt.mu.Lock()
	rt.seq++
	id := fmt.Sprintf("req-%d", rt.seq)
	ch := make(chan result, 1)
	rt.waiting[id] = ch
	rt.mu.Unlock()
	rt.pending <- invocation{id: id, payload: payload}
	select {
	case res := <-ch:
		if res.error {
			t.Fatalf("invocation %s failed: %s", id, res.body)
		}
		return res.body
	case msg := <-rt.initErr:
		t.Fatalf("init error: %s", msg)
	case <-time.After(60 * time.Second):
		t.Fatalf("invocation %s: no response in 60 s", id)
	}
	return nil
}

// buildBootstrap compiles the real deployment binary (as `make lambda` does).
func buildBootstrap(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "bootstrap")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-tags", "lambda.norpc", "-o", out, ".")
	cmd.Env = append(cmd.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build bootstrap: %v\n%s", err, b)
	}
	return out
}

// functionURLEvent is what a Function URL sends for a request (payload 2.0);
// apiGateway adds the HTTP API's route fields to the same shape.
func requestEvent(method, target string, body []byte, header map[string]string, apiGateway bool) []byte {
	u, _ := url.Parse(target)
	h := map[string]string{"host": "abc123.lambda-url.us-east-1.on.aws", "user-agent": "Segment.io/1.0"}
	for k, v := range header {
		h[strings.ToLower(k)] = v
	}
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "$default", RawPath: u.Path, RawQueryString: u.RawQuery, Headers: h,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			AccountID: "123456789012", RequestID: "r", DomainName: h["host"], APIID: "abc123",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: u.Path, Protocol: "HTTP/1.1", SourceIP: "198.51.100.7"},
		},
	}
	if apiGateway {
		ev.RouteKey, ev.RequestContext.Stage = "ANY /{proxy+}", "$default"
	}
	if utf8.Valid(body) {
		ev.Body = string(body)
	} else {
		ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
	}
	b, _ := json.Marshal(ev)
	return b
}

func responseOf(t *testing.T, b []byte) apitest.Response {
	t.Helper()
	var res events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatalf("response is not a payload 2.0 response: %v: %s", err, b)
	}
	body := []byte(res.Body)
	if res.IsBase64Encoded {
		body, _ = base64.StdEncoding.DecodeString(res.Body)
	}
	h := http.Header{}
	for k, v := range res.Headers {
		h.Set(k, v)
	}
	return apitest.Response{Status: res.StatusCode, Header: h, Body: body}
}

// TestBootstrapUnderRuntimeAPI runs the real bootstrap binary against the
// Runtime API above and dynalite, through Function URL and API Gateway
// events, and measures its cold start to the first response.
func TestBootstrapUnderRuntimeAPI(t *testing.T) {
	bin := buildBootstrap(t)
	endpoint := testenv.Dynalite(t)
	api := ddb.New(ddb.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	if err := dynamodb.CreateTable(context.Background(), api, "sep-rollups"); err != nil {
		t.Fatal(err)
	}

	rt := newRuntimeAPI()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: rt}
	go srv.Serve(l)
	defer srv.Close()

	env := append(apitest.Env(),
		"AWS_LAMBDA_RUNTIME_API="+l.Addr().String(),
		"AWS_LAMBDA_FUNCTION_NAME=sep", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512",
		"AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
		"AWS_EC2_METADATA_DISABLED=true",
		"SEP_DYNAMODB_TABLE=sep-rollups", "SEP_DYNAMODB_ENDPOINT="+endpoint)
	start := time.Now()
	p := testenv.Start(t, t.TempDir(), env, bin)
	first := responseOf(t, rt.invoke(t, requestEvent("GET", "/healthz", nil, nil, false)))
	cold := time.Since(start)
	if first.Status != 200 {
		t.Fatalf("first invocation: %s\n%s", first, p.Output())
	}
	t.Logf("cold start to first response: %v", cold.Round(time.Millisecond))

	// The suite's requests alternate between the two event shapes.
	n := 0
	apitest.Run(t, func(t *testing.T, method, path string, body []byte, header map[string]string) apitest.Response {
		n++
		return responseOf(t, rt.invoke(t, requestEvent(method, path, body, header, n%2 == 0)))
	})
}
