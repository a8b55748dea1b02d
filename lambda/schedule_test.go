package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/sep-project/sep/dynamodb"
	"github.com/sep-project/sep/internal/scheduletest"
	"github.com/sep-project/sep/internal/testenv"
)

// An EventBridge schedule's event, as the SAM template's Schedule event
// sends it (ids, account and time are this test's own).
const scheduledEvent = `{"version":"0","id":"7f1c2a9e-0000-4c3b-9d2e-5b1f00c0ffee","detail-type":"Scheduled Event",
"source":"aws.events","account":"000000000000","time":"2026-09-09T06:00:00Z","region":"eu-west-3",
"resources":["arn:aws:events:eu-west-3:000000000000:rule/sep-daily"],"detail":{}}`

// TestScheduledEventThroughTheAdapter runs the deployed function's set-up
// (setup, DynamoDB on dynalite) and its handler: Segment's Lambda
// destination stores the product's events, the EventBridge schedule's
// event runs the scheduled run (alerts to the Slack and webhook stand-ins,
// traits to the tracking API stand-in, the day's history in DynamoDB), and
// later scheduled events, also in a new instance (a cold start), send
// nothing again: the state is in the table.
func TestScheduledEventThroughTheAdapter(t *testing.T) {
	ctx := context.Background()
	endpoint := testenv.Dynalite(t)
	for k, v := range map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_EC2_METADATA_DISABLED": "true"} {
		t.Setenv(k, v)
	}
	client := ddb.New(ddb.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	if err := dynamodb.CreateTable(ctx, client, "sep-scheduled"); err != nil {
		t.Fatal(err)
	}
	rcv := scheduletest.Start(t)
	env := map[string]string{"SEP_DYNAMODB_TABLE": "sep-scheduled", "SEP_DYNAMODB_ENDPOINT": endpoint, "SEP_INGEST_TOKEN": "ingest-token-lambda-sched", "SEP_READ_TOKEN": "read-token-lambda-sched"}
	for _, kv := range rcv.Env() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	instance := func() func(context.Context, json.RawMessage) (any, error) {
		h, err := setup(ctx, func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		return adapt(h)
	}
	fn := instance()
	var batch struct {
		Batch json.RawMessage `json:"batch"`
	}
	json.Unmarshal(scheduletest.Delivery(), &batch)
	if _, err := fn(ctx, batch.Batch); err != nil {
		t.Fatalf("Segment's Lambda destination: %v", err)
	}
	out, err := fn(ctx, json.RawMessage(scheduledEvent))
	if err != nil {
		t.Fatalf("scheduled event: %v", err)
	}
	if b, _ := json.Marshal(out); !strings.Contains(string(b), `"day":"2026-09-08"`) || !strings.Contains(string(b), `"alerts_sent":2`) {
		t.Errorf("scheduled result: %s", b)
	}
	rcv.CheckFirstRun(t)

	get := func(fn func(context.Context, json.RawMessage) (any, error), path, query string) string {
		ev := `{"version":"2.0","rawPath":"` + path + `","rawQueryString":"` + query + `","headers":{"authorization":"Bearer read-token-lambda-sched"},` +
			`"requestContext":{"http":{"method":"GET","path":"` + path + `"}},"isBase64Encoded":false}`
		out, err := fn(ctx, json.RawMessage(ev))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(out)
		return string(b)
	}
	if h := get(fn, "/v1/history", "from=2026-09-01&to=2026-09-30"); !strings.Contains(h, `\"day\":\"2026-09-08\"`) || !strings.Contains(h, `\"account\":\"acct-x\"`) {
		t.Errorf("history from DynamoDB: %s", h)
	}
	if h := get(fn, "/healthz", ""); !strings.Contains(h, `\"deliveries\":\"ok\"`) {
		t.Errorf("healthz: %s", h)
	}
	if _, err := fn(ctx, json.RawMessage(scheduledEvent)); err != nil {
		t.Fatal(err)
	}
	if _, err := instance()(ctx, json.RawMessage(scheduledEvent)); err != nil {
		t.Fatal(err)
	}
	rcv.CheckNothingNew(t)
}

func TestScheduledEventShape(t *testing.T) {
	for payload, want := range map[string]bool{
		scheduledEvent: true,
		`{"source":"aws.events","detail-type":"Object Created"}`:                                     false,
		`{"type":"track","event":"aws.events","properties":{"source":"aws.events"}}`:                 false,
		`{"version":"2.0","body":"{\"source\":\"aws.events\",\"detail-type\":\"Scheduled Event\"}"}`: false,
	} {
		if got := isScheduledEvent([]byte(payload)); got != want {
			t.Errorf("isScheduledEvent(%s) = %v", payload, got)
		}
	}
}
