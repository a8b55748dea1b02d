package bolt_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/sep-project/sep/bolt"
	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/core/storetest"
)

func TestHistoryConformance(t *testing.T) {
	storetest.RunHistory(t, func(t *testing.T) core.HistoryStore { return open(t, "UTC").(*bolt.Store) })
}

// The alert and trait state is what makes deliveries once-only: it must
// survive the server's restart, next to the rollups.
func TestStateSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sep.db")
	s, err := bolt.Open(path, "UTC")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetState(ctx, "alerts", map[string]string{"acme|pes_below": "2026-07-02"}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutHistory(ctx, []core.HistoryRow{{Day: "2026-07-02", Active: 4}}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = bolt.Open(path, "UTC")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st, err := s.State(ctx, "alerts")
	if err != nil || st["acme|pes_below"] != "2026-07-02" {
		t.Errorf("state after reopen = %v, %v", st, err)
	}
	rows, err := s.History(ctx, "2026-07-02", "2026-07-02")
	if err != nil || len(rows) != 1 || rows[0].Active != 4 {
		t.Errorf("history after reopen = %v, %v", rows, err)
	}
}
