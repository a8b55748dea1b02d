package dynamodb_test

import (
	"context"
	"testing"

	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/core/storetest"
	"github.com/sep-project/sep/dynamodb"
	"github.com/sep-project/sep/internal/testenv"
)

// The history and state items live in the rollups' table: the conformance
// suite, then the rollups still score as before with them in the table.
func TestHistoryConformance(t *testing.T) {
	ctx := context.Background()
	api := client(t, testenv.Dynalite(t))
	var s *dynamodb.Store
	storetest.RunHistory(t, func(t *testing.T) core.HistoryStore {
		var err error
		if s, err = dynamodb.Open(ctx, api, newTable(t, api), "UTC"); err != nil {
			t.Fatal(err)
		}
		return s
	})
	evs := storetest.Product()
	if _, err := s.Ingest(ctx, evs); err != nil {
		t.Fatal(err)
	}
	st, _ := core.Settings{}.Normalized()
	roll, err := s.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := core.Score(roll, st)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := rep.JSON()
	if want := storetest.Want(t, "UTC", evs, st); string(got) != want {
		t.Errorf("with history items in the table, the report changed:\n%s\nwant\n%s", got, want)
	}
}
