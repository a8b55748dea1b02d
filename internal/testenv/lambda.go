package testenv

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// MaxInvokePayload is Lambda's limit on a synchronous invocation's request
// (6 MB); a Function URL answers 413 above it, and so does FunctionURL.
const MaxInvokePayload = 6 << 20

// RIE builds AWS's Runtime Interface Emulator from the pinned tools/ module
// (Go's build cache makes it quick after the first time) and returns the
// binary's path; it fails the test when the module cannot be fetched or built.
func RIE(t testing.TB) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "aws-lambda-rie")
	cmd := exec.Command("go", "build", "-C", filepath.Join(Root(t), "tools"), "-o", out,
		"github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("testenv: build the Runtime Interface Emulator from tools/ (run `make deps`): %v\n%s", err, b)
	}
	return out
}

// LambdaUnderRIE starts bootstrap (a provided.al2023 function) under the
// Runtime Interface Emulator with env, both on free loopback ports, and puts
// FunctionURL in front of it: it returns the base URL of an HTTP server that
// answers like the function's Function URL.
func LambdaUnderRIE(t testing.TB, rie, bootstrap string, env []string) string {
	t.Helper()
	return StartLambda(t, rie, bootstrap, env).URL
}

// Lambda is a function running under the Runtime Interface Emulator.
type Lambda struct {
	// URL is the base URL of its Function URL front (FunctionURL).
	URL string
	// Process is the emulator's, whose output holds the function's logs.
	Process *Process
	front   *FunctionURL
}

// StartLambda starts bootstrap under the Runtime Interface Emulator with env
// as LambdaUnderRIE does, and returns the function: its Function URL front,
// and Invoke for the invokes of other AWS services.
func StartLambda(t testing.TB, rie, bootstrap string, env []string) *Lambda {
	t.Helper()
	port, apiPort := FreePort(t), FreePort(t)
	// RIE hands its own environment to the function, and sets
	// AWS_LAMBDA_RUNTIME_API to its Runtime API's address itself.
	p := Start(t, filepath.Dir(bootstrap), env, rie,
		"--runtime-interface-emulator-address", "127.0.0.1:"+strconv.Itoa(port),
		"--runtime-api-address", "127.0.0.1:"+strconv.Itoa(apiPort),
		"--log-level", "warn", bootstrap)
	WaitPort(t, port, 20*time.Second, p)
	front := &FunctionURL{Invoke: fmt.Sprintf("http://127.0.0.1:%d/2015-03-31/functions/function/invocations", port)}
	srv := httptest.NewServer(front)
	t.Cleanup(srv.Close)
	return &Lambda{URL: srv.URL, Process: p, front: front}
}

// Invocation is what the emulator answered to a direct invoke. A function
// error comes back as 200 with the runtime's error object as the body
// ({"errorMessage":...,"errorType":...}, Content-Type text/plain), without the
// X-Amz-Function-Error header AWS's Invoke API adds; a function that failed
// to start answers 502 with an empty body.
type Invocation struct {
	Status int
	Header http.Header
	Body   []byte
}

// FunctionError returns the errorType and errorMessage of a function error
// (the runtime's error object, which the emulator returns as the invoke's
// payload), or "" and "" when the function returned a result.
func (inv Invocation) FunctionError() (errorType, errorMessage string) {
	var e struct {
		ErrorType    string `json:"errorType"`
		ErrorMessage string `json:"errorMessage"`
	}
	if json.Unmarshal(inv.Body, &e) != nil {
		return "", ""
	}
	return e.ErrorType, e.ErrorMessage
}

// String describes an invocation for failure messages.
func (inv Invocation) String() string { return fmt.Sprintf("%d %s", inv.Status, inv.Body) }

// Invoke sends payload to the emulator's invocation endpoint as a
// synchronous (RequestResponse) Invoke call does: the way Segment's AWS
// Lambda destination, API Gateway's REST API or EventBridge hand an event to
// the function. It waits behind the Function URL front's requests (one
// invocation at a time) and fails the test when the emulator cannot be
// reached or the payload is over MaxInvokePayload.
func (l *Lambda) Invoke(t testing.TB, payload []byte) Invocation {
	t.Helper()
	if len(payload) > MaxInvokePayload {
		t.Fatalf("testenv: an invoke of %d bytes, over Lambda's %d", len(payload), MaxInvokePayload)
	}
	res, out, err := l.front.invoke(payload)
	if err != nil {
		t.Fatalf("testenv: invoke: %v", err)
	}
	return Invocation{Status: res.StatusCode, Header: res.Header, Body: out}
}

// FunctionURL is a Lambda Function URL (BUFFERED mode) in front of RIE's
// invocation endpoint: each HTTP request becomes a payload 2.0 event (headers
// lower-cased, repeated values joined by commas, the body base64-encoded unless
// it is text), and the function's payload 2.0 response becomes the HTTP
// answer. A function error is a 502, as Function URLs answer.
//
// RIE runs one invocation at a time (concurrent ones are dropped: the
// connection is reset or closed without an answer), so requests wait for each
// other here: a concurrent client sees one warm
// instance that queues, where AWS would start more instances.
type FunctionURL struct {
	Invoke string
	mu     sync.Mutex
	seq    atomic.Int64
}

func (f *FunctionURL) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxInvokePayload+1))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if len(body) > MaxInvokePayload {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		fmt.Fprintf(w, `{"Message":"Request must be smaller than %d bytes for the InvokeFunction operation"}`, MaxInvokePayload)
		return
	}
	payload, err := json.Marshal(f.event(r, body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	res, out, err := f.invoke(payload)
	if err != nil {
		http.Error(w, "invoke: "+err.Error(), http.StatusBadGateway)
		return
	}
	if res.StatusCode != http.StatusOK {
		http.Error(w, fmt.Sprintf("RIE answered %d: %s", res.StatusCode, out), http.StatusBadGateway)
		return
	}
	if len(out) > MaxInvokePayload {
		// Lambda fails an invocation whose response is over its 6 MB, and
		// the Function URL answers 502.
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprintf(w, `{"Message":"Response payload size (%d bytes) exceeded maximum allowed payload size (%d bytes)."}`, len(out), MaxInvokePayload)
		return
	}
	writeFunctionResponse(w, out)
}

// invoke posts one payload to the emulator, one invocation at a time.
func (f *FunctionURL) invoke(payload []byte) (*http.Response, []byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	res, err := http.Post(f.Invoke, "application/json", bytes.NewReader(payload))
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	return res, out, err
}

// event is the payload 2.0 event a Function URL sends for r.
func (f *FunctionURL) event(r *http.Request, body []byte) events.LambdaFunctionURLRequest {
	now := time.Now().UTC()
	ev := events.LambdaFunctionURLRequest{
		Version: "2.0", RawPath: r.URL.Path, RawQueryString: r.URL.RawQuery, Headers: map[string]string{},
		RequestContext: events.LambdaFunctionURLRequestContext{
			AccountID: "123456789012", RequestID: fmt.Sprintf("req-%d", f.seq.Add(1)), APIID: "sepurl",
			DomainName: "sepurl.lambda-url.us-east-1.on.aws", DomainPrefix: "sepurl",
			Time: now.Format("02/Jan/2006:15:04:05 -0700"), TimeEpoch: now.UnixMilli(),
			HTTP: events.LambdaFunctionURLRequestContextHTTPDescription{Method: r.Method, Path: r.URL.Path,
				Protocol: "HTTP/1.1", SourceIP: "198.51.100.7", UserAgent: r.UserAgent()},
		},
	}
	for k, vs := range r.Header {
		if k == "Cookie" {
			ev.Cookies = strings.Split(strings.Join(vs, "; "), "; ")
			continue
		}
		ev.Headers[strings.ToLower(k)] = strings.Join(vs, ",")
	}
	ev.Headers["host"] = ev.RequestContext.DomainName
	if q := r.URL.Query(); len(q) > 0 {
		ev.QueryStringParameters = map[string]string{}
		for k, vs := range q {
			ev.QueryStringParameters[k] = strings.Join(vs, ",")
		}
	}
	if len(body) > 0 {
		if isText(r.Header.Get("Content-Type"), r.Header.Get("Content-Encoding")) && utf8.Valid(body) {
			ev.Body = string(body)
		} else {
			ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		}
	}
	return ev
}

// isText tells the bodies a Function URL passes as text: text/* and the
// JSON, XML and form types, not content-encoded; anything else (or no
// Content-Type) goes base64-encoded.
func isText(contentType, encoding string) bool {
	if encoding != "" && encoding != "identity" {
		return false
	}
	mt, _, _ := mime.ParseMediaType(contentType)
	switch {
	case strings.HasPrefix(mt, "text/"), mt == "application/x-www-form-urlencoded",
		strings.HasSuffix(mt, "json"), strings.HasSuffix(mt, "xml"), mt == "application/javascript":
		return true
	}
	return false
}

// writeFunctionResponse writes what the function returned: a payload 2.0
// response, or (as Function URLs do) any other JSON as a 200 application/json
// body; an error object from the runtime is a 502.
func writeFunctionResponse(w http.ResponseWriter, out []byte) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(out, &probe); err == nil {
		if _, ok := probe["statusCode"]; ok {
			var res events.LambdaFunctionURLResponse
			if err := json.Unmarshal(out, &res); err != nil {
				http.Error(w, "function response: "+err.Error(), http.StatusBadGateway)
				return
			}
			body := []byte(res.Body)
			if res.IsBase64Encoded {
				if body, err = base64.StdEncoding.DecodeString(res.Body); err != nil {
					http.Error(w, "function response body: "+err.Error(), http.StatusBadGateway)
					return
				}
			}
			for k, v := range res.Headers {
				w.Header().Set(k, v)
			}
			for _, c := range res.Cookies {
				w.Header().Add("Set-Cookie", c)
			}
			w.WriteHeader(res.StatusCode)
			w.Write(body)
			return
		}
		if _, ok := probe["errorType"]; ok {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Amzn-ErrorType", "FunctionError")
			w.WriteHeader(http.StatusBadGateway)
			w.Write([]byte(`{"Message":"Internal Server Error"}`))
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(out)
}
