package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/core/storetest"
	"github.com/sep-project/sep/ingest"
	"github.com/sep-project/sep/internal/apitest"
	"github.com/sep-project/sep/internal/testenv"
)

// Segment events as Segment's AWS Lambda destination invokes the function
// with them: the whole event object of the Segment spec, with what the odd
// ones carry (a +05:30 offset, numbers as strings, nulls, a numeric userId,
// an anonymous page view). destRetry is destTrack delivered again (the same
// messageId and timestamp, later sentAt and receivedAt).
const (
	destTrack = `{"anonymousId":null,"channel":"server","context":{"groupId":"globex","library":{"name":"analytics-node","version":"3.1.0"}},"event":"Report Created","integrations":{},"messageId":"rie-dest-1","originalTimestamp":"2026-09-14T23:40:00.000+05:30","properties":{"rows":"12","format":null},"receivedAt":"2026-09-14T18:10:01.204Z","sentAt":"2026-09-14T18:10:00.950Z","timestamp":"2026-09-14T23:40:00.000+05:30","type":"track","userId":"rie-u1","version":2}`
	destRetry = `{"anonymousId":null,"channel":"server","context":{"groupId":"globex","library":{"name":"analytics-node","version":"3.1.0"}},"event":"Report Created","integrations":{},"messageId":"rie-dest-1","originalTimestamp":"2026-09-14T23:40:00.000+05:30","properties":{"rows":"12","format":null},"receivedAt":"2026-09-14T18:12:31.870Z","sentAt":"2026-09-14T18:12:31.500Z","timestamp":"2026-09-14T23:40:00.000+05:30","type":"track","userId":"rie-u1","version":2}`
	destGroup = `{"channel":"server","groupId":"globex","messageId":"rie-dest-2","receivedAt":"2026-09-14T18:09:00.000Z","timestamp":"2026-09-14T23:39:00.000+05:30","traits":{"name":"Globex","seats":"6","plan":null},"type":"group","userId":"rie-u1"}`
	destOther = `{"channel":"server","context":{"groupId":"globex"},"event":"Dashboard Shared","messageId":"rie-dest-3","properties":{"count":"3"},"receivedAt":"2026-09-15T02:00:02.000Z","timestamp":"2026-09-15T02:00:00.000Z","type":"track","userId":1042}`
	destPage  = `{"anonymousId":"anon-77","channel":"client","context":{"page":{"path":"/pricing"}},"messageId":"rie-dest-4","name":null,"properties":{"path":"/pricing"},"receivedAt":"2026-09-15T02:05:00.000Z","timestamp":"2026-09-15T02:05:00.000Z","type":"page","userId":null}`
)

// An S3 notification and an SQS batch (the SQS messageId is inside Records,
// not at the top): invokes of no shape the function serves.
const (
	s3Event  = `{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1","eventTime":"2026-09-15T02:10:00.000Z","eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"sep-exports","arn":"arn:aws:s3:::sep-exports"},"object":{"key":"exports/2026-09-15.jsonl.gz","size":1024}}}]}`
	sqsEvent = `{"Records":[{"messageId":"0c6f2b7e-sqs","receiptHandle":"AQEB","body":"{\"type\":\"track\"}","attributes":{"ApproximateReceiveCount":"1"},"eventSource":"aws:sqs","eventSourceARN":"arn:aws:sqs:us-east-1:123456789012:sep","awsRegion":"us-east-1"}]}`
)

// segmentDestinationUnderRIE invokes the real bootstrap under the emulator as
// Segment's AWS Lambda destination does (RIE's invocation endpoint: one raw
// event, then an array with a retried and a repeated messageId, then a large
// array), and with a REST API's payload 1.0 event; invokes of another shape,
// or events that cannot be stored, are function errors that store nothing.
// The stored report equals core's on the same events, read through the
// Function URL and through the REST API.
func segmentDestinationUnderRIE(t *testing.T, h *rieHost) {
	fn := h.start(t, "sep-destination", apitest.Env()...)
	read := map[string]string{"Authorization": "Bearer " + apitest.ReadToken}
	stored := func(t *testing.T) int64 {
		t.Helper()
		r := apitest.HTTP(fn.URL)(t, "GET", "/v1/score", nil, read)
		var rep core.Report
		if r.Status != 200 || json.Unmarshal(r.Body, &rep) != nil {
			t.Fatalf("GET /v1/score: %s", r)
		}
		return rep.Input.Events
	}
	var sent [][]byte // every event invoked, in order, repeats included

	var product struct{ Batch []json.RawMessage }
	if err := json.Unmarshal(storetest.SegmentBatch(storetest.Product()), &product); err != nil {
		t.Fatal(err)
	}
	productArray, _ := json.Marshal(product.Batch)
	for _, c := range []struct {
		name                         string
		payload                      string
		events                       []string
		received, stored, duplicates int
	}{
		{"one raw event", destTrack, []string{destTrack}, 1, 1, 0},
		{"an array with a retry and a repeat", "[" + strings.Join([]string{destGroup, destRetry, destOther, destPage, destOther}, ",\n") + "]",
			[]string{destGroup, destRetry, destOther, destPage, destOther}, 5, 3, 2},
	} {
		inv := fn.Invoke(t, []byte(c.payload))
		var ans struct{ Received, Stored, Duplicates int }
		if typ, _ := inv.FunctionError(); inv.Status != 200 || typ != "" || json.Unmarshal(inv.Body, &ans) != nil ||
			ans.Received != c.received || ans.Stored != c.stored || ans.Duplicates != c.duplicates {
			t.Fatalf("%s: %s; want %d received, %d stored, %d duplicates", c.name, inv, c.received, c.stored, c.duplicates)
		}
		for _, e := range c.events {
			sent = append(sent, []byte(e))
		}
	}
	if inv := fn.Invoke(t, productArray); inv.Status != 200 || !bytes.Contains(inv.Body, []byte(`"duplicates":0`)) {
		t.Fatalf("an array of %d events: %s", len(product.Batch), inv)
	}
	for _, e := range product.Batch {
		sent = append(sent, e)
	}

	// A REST API (payload 1.0) request stores a delivery and answers in
	// payload 1.0.
	restIdentify := `{"type":"identify","messageId":"rie-rest-1","userId":"rie-u1","traits":{"role":"owner","age":null},"timestamp":"2026-09-15T08:00:00+05:30"}`
	res := restInvoke(t, fn, "POST", "/v1/events", nil, `{"batch":[`+restIdentify+`]}`, map[string]string{"Authorization": "Bearer " + apitest.IngestToken})
	if res.StatusCode != 200 || !strings.Contains(res.Body, `"stored":1`) || len(res.MultiValueHeaders["Content-Type"]) != 1 {
		t.Fatalf("REST API POST /v1/events: %+v", res)
	}
	sent = append(sent, []byte(restIdentify))

	// Invokes of no known shape, and events that cannot be stored: a function
	// error each (the caller sees a failure and retries), nothing stored.
	before := stored(t)
	for _, c := range []struct{ name, payload, want string }{
		{"an S3 notification", s3Event, "unrecognised invoke (an object with fields Records)"},
		{"an SQS batch", sqsEvent, "unrecognised invoke (an object with fields Records)"},
		{"a scalar", `"track"`, "unrecognised invoke (a JSON string, not an object)"},
		{"an event with a bad timestamp", `[{"type":"track","messageId":"rie-bad-1","userId":"u","event":"A","timestamp":"2026-09-15T00:00:00Z"},{"type":"track","messageId":"rie-bad-2","userId":"u","event":"B","timestamp":"tomorrow"}]`, `field \"timestamp\"`},
		{"an empty array", `[]`, "no event"},
	} {
		inv := fn.Invoke(t, []byte(c.payload))
		// RIE answers 200 with the runtime's error object as the payload, as
		// AWS's Invoke API does (which also sets X-Amz-Function-Error).
		typ, msg := inv.FunctionError()
		if inv.Status != 200 || typ == "" || !strings.Contains(msg, c.want) {
			t.Errorf("%s: %s; want a function error naming %q", c.name, inv, c.want)
		}
	}
	if after := stored(t); after != before {
		t.Fatalf("the refused invokes stored %d events", after-before)
	}

	// The stored report is core's on the events sent, retries included
	// (input.duplicates), through the Function URL and the REST API.
	evs, bad, err := ingest.DecodeEvents(context.Background(), bytes.Join(sent, []byte("\n")), ingest.Options{Format: core.FormatSegment})
	if err != nil || bad.Total > 0 {
		t.Fatalf("decoding what was sent: %v %+v", err, bad)
	}
	want := storetest.Want(t, "UTC", evs, core.Settings{Window: 14, Ratio: "wau/mau", TZ: "UTC"})
	var rep core.Report
	if json.Unmarshal([]byte(want), &rep) != nil || rep.Input.Duplicates != 2 || len(rep.Accounts) == 0 {
		t.Fatalf("core's report of what was sent: %.400s; want 2 duplicates and accounts", want)
	}
	if r := apitest.HTTP(fn.URL)(t, "GET", "/v1/score?window=14&ratio=wau/mau", nil, read); r.Status != 200 || string(r.Body) != want {
		t.Fatalf("GET /v1/score through the Function URL differs from core (%d):\n%s\nwant:\n%s", r.Status, r.Body, want)
	}
	res = restInvoke(t, fn, "GET", "/v1/score", map[string][]string{"window": {"14"}, "ratio": {"wau/mau"}}, "", read)
	if res.StatusCode != 200 || res.Body != want {
		t.Fatalf("GET /v1/score through the REST API differs from core (%d):\n%s", res.StatusCode, res.Body)
	}
}

// restInvoke sends a request as an API Gateway REST API (payload 1.0, a
// {proxy+} resource on stage prod) invokes the function, and returns its
// payload 1.0 response.
func restInvoke(t *testing.T, fn *testenv.Lambda, method, path string, query map[string][]string, body string, header map[string]string) events.APIGatewayProxyResponse {
	t.Helper()
	ev := map[string]any{
		"resource": "/{proxy+}", "path": path, "httpMethod": method,
		"headers":               map[string]string{"Host": "abc123.execute-api.us-east-1.amazonaws.com", "Content-Type": "application/json"},
		"multiValueHeaders":     map[string][]string{"Host": {"abc123.execute-api.us-east-1.amazonaws.com"}, "Content-Type": {"application/json"}},
		"queryStringParameters": nil, "multiValueQueryStringParameters": nil,
		"pathParameters": map[string]string{"proxy": strings.TrimPrefix(path, "/")}, "stageVariables": nil,
		"requestContext": map[string]any{"resourcePath": "/{proxy+}", "httpMethod": method, "path": "/prod" + path, "stage": "prod",
			"accountId": "123456789012", "apiId": "abc123", "requestId": "rest-" + method, "requestTimeEpoch": 1789000000000,
			"identity": map[string]any{"sourceIp": "198.51.100.9", "userAgent": "Segment.io/1.0", "cognitoIdentityId": nil}},
		"body": nil, "isBase64Encoded": false,
	}
	for k, v := range header {
		ev["headers"].(map[string]string)[k] = v
		ev["multiValueHeaders"].(map[string][]string)[k] = []string{v}
	}
	if len(query) > 0 {
		single := map[string]string{}
		for k, vs := range query {
			single[k] = vs[len(vs)-1]
		}
		ev["queryStringParameters"], ev["multiValueQueryStringParameters"] = single, query
	}
	if body != "" {
		ev["body"] = body
	}
	payload, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	inv := fn.Invoke(t, payload)
	var res events.APIGatewayProxyResponse
	if typ, msg := inv.FunctionError(); inv.Status != 200 || typ != "" || json.Unmarshal(inv.Body, &res) != nil || res.StatusCode == 0 {
		t.Fatalf("REST API %s %s: %s (function error %q %q); want a payload 1.0 response", method, path, inv, typ, msg)
	}
	return res
}
