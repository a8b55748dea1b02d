package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sep-project/sep/api"
	"github.com/sep-project/sep/bolt"
	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/schedule"
)

func historyServer(t *testing.T) (http.Handler, *bolt.Store) {
	store, err := bolt.Open(filepath.Join(t.TempDir(), "sep.db"), "UTC")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	h, err := api.New(api.Options{Store: store, IngestToken: "ingest-token-history", ReadToken: "read-token-history-0"})
	if err != nil {
		t.Fatal(err)
	}
	return h, store
}

func get(h http.Handler, path, token string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func TestHistoryEndpoint(t *testing.T) {
	h, store := historyServer(t)
	f := func(v float64) *float64 { return &v }
	rows := []core.HistoryRow{
		{Day: "2026-09-07", PES: f(60), Active: 9},
		{Day: "2026-09-07", Account: "acme", PES: f(55), WeightedScore: f(30)},
		{Day: "2026-09-08", PES: f(61), Active: 10},
		{Day: "2026-09-08", Account: "acme", PES: nil},
		{Day: "2026-09-08", Account: "beta", PES: f(70)},
		{Day: "2026-09-09", PES: f(62)},
	}
	if err := store.PutHistory(context.Background(), rows); err != nil {
		t.Fatal(err)
	}
	if w := get(h, "/v1/history?from=2026-09-07&to=2026-09-08", ""); w.Code != 401 {
		t.Errorf("without the read token: %d", w.Code)
	}
	w := get(h, "/v1/history?from=2026-09-07&to=2026-09-08", "read-token-history-0")
	var out struct {
		From, To string
		Days     []api.HistoryDay
	}
	if err := json.Unmarshal(w.Body.Bytes(), &out); w.Code != 200 || err != nil {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if len(out.Days) != 2 || out.Days[0].Product.Active != 9 || len(out.Days[0].Accounts) != 1 ||
		len(out.Days[1].Accounts) != 2 || out.Days[1].Accounts[0].PES != nil || *out.Days[1].Accounts[1].PES != 70 {
		t.Errorf("history = %s", w.Body)
	}
	if !strings.Contains(w.Body.String(), `"pes":null`) {
		t.Errorf("a null score must be null, not missing: %s", w.Body)
	}
	for _, q := range []string{"from=2026-09-09&to=2026-09-08", "from=09/01/2026&to=2026-09-08", "from=2020-01-01&to=2026-09-08"} {
		if w := get(h, "/v1/history?"+q, "read-token-history-0"); w.Code != 400 || !strings.Contains(w.Body.String(), "error") {
			t.Errorf("%s: %d %s", q, w.Code, w.Body)
		}
	}
}

func TestHealthzShowsFailedDeliveries(t *testing.T) {
	h, store := historyServer(t)
	if w := get(h, "/healthz", ""); w.Body.String() != "{\"status\":\"ok\"}\n" {
		t.Errorf("before any run: %s", w.Body)
	}
	store.SetState(context.Background(), schedule.StateStatus, map[string]string{"last_run": "2026-09-09T06:00:00Z",
		"slack": "failed at 2026-09-09T06:00:00Z: slack: delivery failed after 4 attempt(s): HTTP 500", "segment": "ok at 2026-09-09T06:00:00Z"})
	w := get(h, "/healthz", "")
	if w.Code != 200 || !strings.Contains(w.Body.String(), `"deliveries":"failing"`) || !strings.Contains(w.Body.String(), "HTTP 500") {
		t.Errorf("after a failed delivery: %d %s", w.Code, w.Body)
	}
}
