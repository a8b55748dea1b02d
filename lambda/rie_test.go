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

// TestBootstrapUnderRIE runs the real bootstrap (built as `make lambda` does)
// under AWS's Runtime Interface Emulator, with dynalite as DynamoDB, behind a
// Function URL front (testenv.FunctionURL), through the host suite: once in
// UTC and once with SEP_CONFIG in Europe/Paris, each on its own table.
func TestBootstrapUnderRIE(t *testing.T) {
	rie := testenv.RIE(t)
	bin := buildBootstrap(t)
	endpoint := testenv.Dynalite(t)
	client := ddb.New(ddb.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	for _, tz := range []string{"UTC", "Europe/Paris"} {
		t.Run(strings.ReplaceAll(tz, "/", "-"), func(t *testing.T) {
			table := "sep-" + strings.ReplaceAll(tz, "/", "-")
			if err := dynamodb.CreateTable(context.Background(), client, table); err != nil {
				t.Fatal(err)
			}
			env := append(apitest.EnvIn(tz),
				"AWS_LAMBDA_FUNCTION_NAME=sep", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=512", "AWS_LAMBDA_FUNCTION_TIMEOUT=30",
				"AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
				"AWS_EC2_METADATA_DISABLED=true",
				"SEP_DYNAMODB_TABLE="+table, "SEP_DYNAMODB_ENDPOINT="+endpoint)
			start := time.Now()
			base := testenv.LambdaUnderRIE(t, rie, bin, env)
			first := apitest.HTTP(base)(t, "GET", "/healthz", nil, nil)
			if first.Status != 200 {
				t.Fatalf("first invocation: %s", first)
			}
			t.Logf("RIE start to first response (init included): %v", time.Since(start).Round(time.Millisecond))
			apitest.RunIn(t, apitest.HTTP(base), tz)
			concurrentDeliveries(t, base)

			// Above Lambda's 6 MB invocation limit the Function URL answers 413.
			big := make([]byte, testenv.MaxInvokePayload+1)
			if r := apitest.HTTP(base)(t, "POST", "/v1/score", big, map[string]string{"Authorization": "Bearer " + apitest.ReadToken}); r.Status != http.StatusRequestEntityTooLarge {
				t.Fatalf("a 6 MB + 1 byte body: %s; want 413", r)
			}
		})
	}
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
