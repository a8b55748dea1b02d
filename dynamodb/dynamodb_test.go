package dynamodb_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/core/storetest"
	"github.com/sep-project/sep/dynamodb"
	"github.com/sep-project/sep/internal/testenv"
)

var tables atomic.Int64

// client returns a client of a dynalite started for the test (one per test
// binary would be faster, but each test owning its server keeps them apart).
func client(t *testing.T, endpoint string) *ddb.Client {
	return ddb.New(ddb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
}

func newTable(t *testing.T, api dynamodb.API) string {
	name := fmt.Sprintf("sep-test-%d", tables.Add(1))
	if err := dynamodb.CreateTable(context.Background(), api, name); err != nil {
		t.Fatal(err)
	}
	return name
}

func TestConformance(t *testing.T) {
	api := client(t, testenv.Dynalite(t))
	storetest.Run(t, func(t *testing.T, tz string) core.Store {
		s, err := dynamodb.Open(context.Background(), api, newTable(t, api), tz)
		if err != nil {
			t.Fatal(err)
		}
		s.Settle = 0 // dynalite's index has no lag
		return s
	})
}

func TestTableKeepsItsTimeZone(t *testing.T) {
	api := client(t, testenv.Dynalite(t))
	ctx := context.Background()
	table := newTable(t, api)
	if _, err := dynamodb.Open(ctx, api, table, "Europe/Paris"); err != nil {
		t.Fatal(err)
	}
	if _, err := dynamodb.Open(ctx, api, table, "UTC"); err == nil {
		t.Fatal("opening the table in another time zone must fail")
	}
	if _, err := dynamodb.Open(ctx, api, table, "Europe/Paris"); err != nil {
		t.Fatalf("reopening in the same time zone: %v", err)
	}
}

// A delivery that failed half-way (some events stored, the answer lost) and is
// retried stores each event exactly once.
func TestPartialDeliveryRetried(t *testing.T) {
	api := client(t, testenv.Dynalite(t))
	ctx := context.Background()
	s, err := dynamodb.Open(ctx, api, newTable(t, api), "UTC")
	if err != nil {
		t.Fatal(err)
	}
	evs := storetest.Product()
	// Every third event got in before the failure.
	var first []core.Event
	for i := 0; i < len(evs); i += 3 {
		first = append(first, evs[i])
	}
	if n, err := s.Ingest(ctx, first); err != nil || n != len(first) {
		t.Fatalf("first part: %d, %v", n, err)
	}
	n, err := s.Ingest(ctx, evs)
	if err != nil || n != len(evs)-len(first) {
		t.Fatalf("retry stored %d, %v; want %d", n, err, len(evs)-len(first))
	}
	st := core.Settings{Window: 14}
	// Every record received counts once in input.events; the retried ones
	// are input.duplicates, as when the CLI reads both deliveries.
	if got, want := storetest.Got(t, s, st), storetest.Want(t, "UTC", append(first, evs...), st); got != want {
		t.Fatalf("after the retry:\n%s\nwant:\n%s", got, want)
	}
}
