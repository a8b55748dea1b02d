package main

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

func TestAdapter(t *testing.T) {
	var got *http.Request
	var gotBody []byte
	h := adapt(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		gotBody, _ = io.ReadAll(r.Body)
		w.Header().Add("X-Many", "a")
		w.Header().Add("X-Many", "b")
		http.SetCookie(w, &http.Cookie{Name: "k", Value: "v"})
		w.WriteHeader(http.StatusTeapot)
		w.Write([]byte{0x1f, 0x8b, 0xff}) // not UTF-8: base64 in the response
	}))
	ev := events.APIGatewayV2HTTPRequest{
		RawPath: "/v1/score", RawQueryString: "window=7&tz=Europe%2FParis",
		Headers: map[string]string{"authorization": "Bearer t", "content-encoding": "gzip"},
		Cookies: []string{"a=1", "b=2"},
		Body:    base64.StdEncoding.EncodeToString([]byte{0x1f, 0x8b, 0x00}), IsBase64Encoded: true,
		RequestContext: events.APIGatewayV2HTTPRequestContext{DomainName: "x.lambda-url.eu-west-3.on.aws",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "POST"}},
	}
	res, err := h(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	if got.Method != "POST" || got.URL.Path != "/v1/score" || got.URL.Query().Get("tz") != "Europe/Paris" ||
		got.Header.Get("Authorization") != "Bearer t" || got.Header.Get("Cookie") != "a=1; b=2" ||
		string(gotBody) != "\x1f\x8b\x00" || got.ContentLength != 3 || got.Host != "x.lambda-url.eu-west-3.on.aws" {
		t.Errorf("request %s %s %v body %q len %d host %s", got.Method, got.URL, got.Header, gotBody, got.ContentLength, got.Host)
	}
	body, _ := base64.StdEncoding.DecodeString(res.Body)
	if res.StatusCode != 418 || !res.IsBase64Encoded || string(body) != "\x1f\x8b\xff" ||
		res.Headers["X-Many"] != "a, b" || len(res.Cookies) != 1 || res.Cookies[0] != "k=v" {
		t.Errorf("response %+v", res)
	}

	// Not an HTTP event: a 400 that says so, not a crash.
	res, _ = h(context.Background(), events.APIGatewayV2HTTPRequest{RawPath: "/"})
	if res.StatusCode != 400 || res.Body == "" {
		t.Errorf("non-HTTP event: %+v", res)
	}
	ev.Body, ev.IsBase64Encoded = "%%%", true
	if res, _ = h(context.Background(), ev); res.StatusCode != 400 {
		t.Errorf("bad base64: %+v", res)
	}
}
