package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// adapt turns an http.Handler into a Lambda handler of HTTP events in payload
// format 2.0, which Function URLs and API Gateway HTTP APIs both send.
func adapt(h http.Handler) func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	return func(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		req, err := toRequest(ctx, ev)
		if err != nil {
			// A payload Lambda itself produced that cannot be read is a fault
			// of the integration, reported as a 400 with the reason.
			return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusBadRequest,
				Headers: map[string]string{"Content-Type": "application/json"},
				Body:    fmt.Sprintf(`{"error":%q}`, err.Error())}, nil
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return toResponse(rec), nil
	}
}

func toRequest(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (*http.Request, error) {
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(ev.Body); err != nil {
			return nil, fmt.Errorf("lambda event: body is not base64: %w", err)
		}
	}
	method := ev.RequestContext.HTTP.Method
	if method == "" {
		return nil, fmt.Errorf("lambda event: no requestContext.http.method (not an HTTP payload 2.0 event)")
	}
	path := ev.RawPath
	if path == "" {
		path = "/"
	}
	url := path
	if ev.RawQueryString != "" {
		url += "?" + ev.RawQueryString
	}
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("lambda event: %w", err)
	}
	for k, v := range ev.Headers {
		req.Header.Set(k, v)
	}
	if len(ev.Cookies) > 0 {
		req.Header.Set("Cookie", strings.Join(ev.Cookies, "; "))
	}
	req.ContentLength = int64(len(body))
	req.Host = ev.RequestContext.DomainName
	req.RemoteAddr = ev.RequestContext.HTTP.SourceIP
	req.RequestURI = url
	return req, nil
}

func toResponse(rec *httptest.ResponseRecorder) events.APIGatewayV2HTTPResponse {
	res := events.APIGatewayV2HTTPResponse{StatusCode: rec.Code, Headers: map[string]string{}}
	for k, vs := range rec.Header() {
		if k == "Set-Cookie" {
			res.Cookies = vs
			continue
		}
		res.Headers[k] = strings.Join(vs, ", ")
	}
	b := rec.Body.Bytes()
	if utf8.Valid(b) {
		res.Body = string(b)
	} else {
		res.Body, res.IsBase64Encoded = base64.StdEncoding.EncodeToString(b), true
	}
	return res
}
