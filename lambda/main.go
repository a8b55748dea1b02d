// Command bootstrap is sep's API on AWS Lambda (runtime provided.al2023, arm64
// or amd64), with its rollups in DynamoDB. It serves HTTP events from a
// Function URL or an API Gateway HTTP API (payload 2.0) and from a REST API
// (payload 1.0), and stores the direct invokes of Segment's AWS Lambda
// destination (an event, or an array of events) as webhook deliveries.
//
// Environment: SEP_DYNAMODB_TABLE (required), SEP_WEBHOOK_SECRET and/or
// SEP_INGEST_TOKEN, SEP_READ_TOKEN, SEP_CONFIG, SEP_MAX_ANSWER (default
// MaxAnswer, 4 MiB, under Lambda's 6 MB response); SEP_DYNAMODB_ENDPOINT replaces
// AWS's endpoint (tests use dynalite).
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/sep-project/sep/api"
	"github.com/sep-project/sep/dynamodb"
)

func main() {
	h, err := setup(context.Background(), os.Getenv)
	if err != nil {
		// Printed to CloudWatch; returning from main makes Lambda report an
		// init error for the invocation.
		fmt.Fprintln(os.Stderr, "sep:", err)
		os.Exit(1)
	}
	lambda.Start(adapt(h))
}

func setup(ctx context.Context, getenv func(string) string) (http.Handler, error) {
	opt, err := api.OptionsFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	table := getenv("SEP_DYNAMODB_TABLE")
	if table == "" {
		return nil, fmt.Errorf("set SEP_DYNAMODB_TABLE to the DynamoDB table of the rollups")
	}
	client, err := dynamodb.NewClient(ctx, getenv("SEP_DYNAMODB_ENDPOINT"))
	if err != nil {
		return nil, err
	}
	store, err := dynamodb.Open(ctx, client, table, opt.TZ())
	if err != nil {
		return nil, err
	}
	opt.Store = store
	if opt.MaxAnswer == 0 {
		opt.MaxAnswer = MaxAnswer // under Lambda's 6 MB response, unless SEP_MAX_ANSWER says otherwise
	}
	if err := setupSchedule(store, opt.Config, getenv); err != nil {
		return nil, err
	}
	return api.New(opt)
}
