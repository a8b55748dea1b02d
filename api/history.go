package api

// GET /v1/history and the /healthz detail of the scheduled run
// (docs/schedules.md). Both need a store that is also a
// core.HistoryStore (bolt, d1, dynamodb are).

import (
	"context"
	"net/http"
	"time"

	"github.com/sep-project/sep/core"
	"github.com/sep-project/sep/schedule"
)

// DefaultHistoryDays is the range of a history query without from.
const DefaultHistoryDays = 90

// routeHistory adds GET /v1/history.
func (s *server) routeHistory(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/history", s.getHistory)
}

// HistoryDay is one day of GET /v1/history.
type HistoryDay struct {
	Day      string            `json:"day"`
	Product  *core.HistoryRow  `json:"product"`
	Accounts []core.HistoryRow `json:"accounts"`
}

// getHistory answers the days from..to (default: the DefaultHistoryDays up
// to today in the store's time zone) as {"from", "to", "days": [...]}.
func (s *server) getHistory(w http.ResponseWriter, r *http.Request) {
	if !s.readAllowed(w, r) {
		return
	}
	h, ok := s.opt.Store.(core.HistoryStore)
	if !ok {
		writeError(w, http.StatusNotImplemented, "this store keeps no history", nil)
		return
	}
	q := r.URL.Query()
	to, from := q.Get("to"), q.Get("from")
	if to == "" {
		loc, err := time.LoadLocation(s.opt.TZ())
		if err != nil {
			loc = time.UTC
		}
		to = time.Now().In(loc).Format(time.DateOnly)
	}
	if from == "" {
		if t, err := time.Parse(time.DateOnly, to); err == nil {
			from = t.AddDate(0, 0, 1-DefaultHistoryDays).Format(time.DateOnly)
		}
	}
	if err := core.CheckHistoryRange(from, to); err != nil {
		writeError(w, http.StatusBadRequest, err.Error(), nil)
		return
	}
	rows, err := h.History(r.Context(), from, to)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, "loading the history failed", err.Error())
		return
	}
	days := []HistoryDay{}
	for i := range rows {
		row := rows[i]
		if len(days) == 0 || days[len(days)-1].Day != row.Day {
			days = append(days, HistoryDay{Day: row.Day, Accounts: []core.HistoryRow{}})
		}
		d := &days[len(days)-1]
		if row.Account == "" {
			d.Product = &row
		} else {
			d.Accounts = append(d.Accounts, row)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"from": from, "to": to, "days": days})
}

// healthz is liveness (always 200 while the handler runs); when a scheduled
// run has happened, "schedule" details its last outcome per destination and
// "deliveries" is "ok" or "failing".
func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	out := map[string]any{"status": "ok"}
	if h, ok := s.opt.Store.(core.HistoryStore); ok {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		st, err := h.State(ctx, schedule.StateStatus)
		switch {
		case err != nil:
			out["schedule"] = map[string]string{"error": "reading the run's status failed"}
		case len(st) > 0:
			out["schedule"] = st
			out["deliveries"] = "ok"
			if !schedule.Healthy(st) {
				out["deliveries"] = "failing"
			}
		}
	}
	writeJSON(w, http.StatusOK, out)
}
