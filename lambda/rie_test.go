package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/sep-project/sep/dynamodb"
	"github.com/sep-project/sep/internal/apitest"
	"github.com/sep-project/sep/internal/testenv"
)

// rieHost is what the tests under the Runtime Interface Emulator share: the
// emulator, the real bootstrap and dynalite.
type rieHost struct {
	rie, bin, endpoint string
	client             *ddb.Client
}

// start creates table on dynalite and starts the bootstrap on it under the
// emulator, with the Lambda environment, the table and env.
func (h *rieHost) start(t *testing.T, table string, env ...string) *testenv.Lambda {
	t.Helper()
	if err := dynamodb.CreateTable(context.Background(), h.client, table); err != nil {
		t.Fatal(err)
	}
	return h.launch(t, table, env...)
}

// launch starts another instance of the bootstrap on an existing table (a
// cold start: a new emulator and process, the state only in the table).
func (h *rieHost) launch(t *testing.T, table string, env ...string) *testenv.Lambda {
	t.Helper()
	env = append(env,
		"AWS_LAMBDA_FUNCTION_NAME=sep", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512", "AWS_LAMBDA_FUNCTION_TIMEOUT=30",
		"AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
		"AWS_EC2_METADATA_DISABLED=true",
		"SEP_DYNAMODB_TABLE="+table, "SEP_DYNAMODB_ENDPOINT="+h.endpoint)
	return testenv.StartLambda(t, h.rie, h.bin, env)
}

// TestBootstrapUnderRIE runs the real bootstrap (built as `make lambda` does)
// under AWS's Runtime Interface Emulator, with dynalite as DynamoDB: behind a
// Function URL front (testenv.FunctionURL), the host suite and the tracking
// API's case, once in UTC and once with SEP_CONFIG in Europe/Paris, each on
// its own table; then, on tables of their own, the direct invokes of
// Segment's Lambda destination and of a REST API (rie_invoke_test.go) and the
// EventBridge schedule's (rie_schedule_test.go).
func TestBootstrapUnderRIE(t *testing.T) {
	endpoint := testenv.Dynalite(t)
	h := &rieHost{rie: testenv.RIE(t), bin: buildBootstrap(t), endpoint: endpoint,
		client: ddb.New(ddb.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
			Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})}
	for _, tz := range []string{"UTC", "Europe/Paris"} {
		t.Run(strings.ReplaceAll(tz, "/", "-"), func(t *testing.T) {
			start := time.Now()
			base := h.start(t, "sep-"+strings.ReplaceAll(tz, "/", "-"), apitest.EnvIn(tz)...).URL
			first := apitest.HTTP(base)(t, "GET", "/healthz", nil, nil)
			if first.Status != 200 {
				t.Fatalf("first invocation: %s", first)
			}
			t.Logf("RIE start to first response (init included): %v", time.Since(start).Round(time.Millisecond))
			apitest.RunIn(t, apitest.HTTP(base), tz)
			t.Run("TrackingAPI", func(t *testing.T) { apitest.RunTracking(t, apitest.HTTP(base)) })
			concurrentDeliveries(t, base)

			// Above Lambda's 6 MB invocation limit the Function URL answers 413.
			big := make([]byte, testenv.MaxInvokePayload+1)
			if r := apitest.HTTP(base)(t, "POST", "/v1/score", big, map[string]string{"Authorization": "Bearer " + apitest.ReadToken}); r.Status != http.StatusRequestEntityTooLarge {
				t.Fatalf("a 6 MB + 1 byte body: %s; want 413", r)
			}
		})
	}
	// Answers over a lowered limit (SEP_MAX_ANSWER): 422 with advice that works.
	t.Run("Capped", func(t *testing.T) {
		apitest.RunCapped(t, apitest.HTTP(h.start(t, "sep-capped", apitest.EnvCapped()...).URL))
	})
	t.Run("SegmentDestination", func(t *testing.T) { segmentDestinationUnderRIE(t, h) })
	t.Run("ScheduledEvent", func(t *testing.T) { scheduledEventUnderRIE(t, h) })
}

// concurrentDeliveries posts 8 deliveries at once through the Function URL
// front, which queues them for RIE's one invocation at a time: every one is
// answered 200 and stored whole.
func concurrentDeliveries(t *testing.T, base string) {
	t.Helper()
	events := func() int64 {
		var rep struct{ Input struct{ Events int64 } }
		r := apitest.HTTP(base)(t, "GET", "/v1/score", nil, map[string]string{"Authorization": "Bearer " + apitest.ReadToken})
		if r.Status != 200 || json.Unmarshal(r.Body, &rep) != nil {
			t.Fatalf("GET /v1/score: %s", r)
		}
		return rep.Input.Events
	}
	before := events()
	const clients = 8
	status := make(chan string, clients)
	for c := 0; c < clients; c++ {
		go func(c int) {
			var evs []string
			for i := 0; i < 5; i++ {
				evs = append(evs, fmt.Sprintf(`{"type":"track","messageId":"conc-%d-%d","userId":"cu-%d","event":"Query Run","timestamp":"2026-09-30T21:5%d:00+02:00"}`, c, i, c, i))
			}
			req, _ := http.NewRequest("POST", base+"/v1/events", strings.NewReader("["+strings.Join(evs, ",")+"]"))
			req.Header.Set("Authorization", "Bearer "+apitest.IngestToken)
			req.Header.Set("Content-Type", "application/json")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				status <- err.Error()
				return
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			status <- fmt.Sprintf("%d %s", res.StatusCode, b)
		}(c)
	}
	for c := 0; c < clients; c++ {
		if s := <-status; !strings.HasPrefix(s, "200 ") || !strings.Contains(s, `"stored":5`) {
			t.Errorf("concurrent delivery: %s", s)
		}
	}
	if after := events(); after-before != clients*5 {
		t.Fatalf("%d concurrent deliveries stored %d events, want %d", clients, after-before, clients*5)
	}
}
