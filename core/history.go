package core

import (
	"context"
	"fmt"
	"time"
)

// HistoryRow is one day's scores of the product (Account "") or of one
// account, as the scheduled run keeps them (docs/schedules.md): trends then
// come from the store even after the raw rollups age out.
type HistoryRow struct {
	// Day is the report's as-of day (YYYY-MM-DD).
	Day string `json:"day"`
	// Account is "" for the product's own row.
	Account       string   `json:"account,omitempty"`
	PES           *float64 `json:"pes"`
	Adoption      *float64 `json:"adoption"`
	Stickiness    *float64 `json:"stickiness"`
	Growth        *float64 `json:"growth"`
	WeightedScore *float64 `json:"weighted_score"`
	// Active is the units (product) or users (account) active in the period.
	Active int `json:"active"`
	// ScoredAt is when the run scored it (RFC 3339, UTC).
	ScoredAt string `json:"scored_at"`
}

// HistoryStore keeps what the scheduled run produces: each day's scores and
// the small state that makes alerts and trait pushes once-only (which alerts
// are open, which traits were sent). Stores implement it next to core.Store
// (bolt, d1, dynamodb); the API serves it at GET /v1/history.
type HistoryStore interface {
	// PutHistory stores rows, replacing any stored row of the same day and
	// account (a day scored twice keeps its last scores).
	PutHistory(ctx context.Context, rows []HistoryRow) error
	// History returns the rows whose day is in from..to (both included,
	// YYYY-MM-DD), sorted by day, then account (the product's row first).
	History(ctx context.Context, from, to string) ([]HistoryRow, error)
	// State returns every key and value of a namespace ("alerts", "traits",
	// "status"); a namespace never written is empty.
	State(ctx context.Context, ns string) (map[string]string, error)
	// SetState applies changes to a namespace: an empty value deletes its key.
	SetState(ctx context.Context, ns string, changes map[string]string) error
}

// HistoryRows returns the rows a report adds to the history: the product's
// row, then one per account, all dated by the report's as-of day.
func HistoryRows(rep *Report, scoredAt time.Time) []HistoryRow {
	at := scoredAt.UTC().Format(time.RFC3339)
	day := rep.Settings.AsOf
	product := HistoryRow{Day: day, PES: rep.PES, Adoption: rep.Adoption, Stickiness: rep.Stickiness,
		Growth: rep.Growth, Active: rep.Counts.Active, ScoredAt: at}
	weighted := map[string]float64{}
	if in := rep.Insights; in != nil {
		product.WeightedScore = in.Weighted.Mean
		for _, a := range in.Accounts {
			weighted[a.ID] = a.WeightedScore
		}
	}
	rows := []HistoryRow{product}
	for _, a := range rep.Accounts {
		row := HistoryRow{Day: day, Account: a.ID, PES: a.PES, Adoption: a.Adoption, Stickiness: a.Stickiness,
			Growth: a.Growth, Active: a.Active, ScoredAt: at}
		if w, ok := weighted[a.ID]; ok {
			row.WeightedScore = &w
		}
		rows = append(rows, row)
	}
	return rows
}

// CheckHistoryRange validates the from and to days of a history query: both
// YYYY-MM-DD, from not after to, at most MaxHistoryDays apart.
func CheckHistoryRange(from, to string) error {
	f, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return fmt.Errorf("from: %q is not a YYYY-MM-DD day", from)
	}
	t, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return fmt.Errorf("to: %q is not a YYYY-MM-DD day", to)
	}
	if t.Before(f) {
		return fmt.Errorf("from %s is after to %s", from, to)
	}
	if days := int(t.Sub(f).Hours()/24) + 1; days > MaxHistoryDays {
		return fmt.Errorf("from %s to %s is %d days; at most %d per query", from, to, days, MaxHistoryDays)
	}
	return nil
}

// MaxHistoryDays is the longest range one history query returns.
const MaxHistoryDays = 731

// AllUsers returns every user of the insights, ranked (the JSON report lists
// only the top TopUsers; a report read back from JSON has only those).
func (in *Insights) AllUsers() []UserInsight {
	if in.allUsers != nil {
		return in.allUsers
	}
	return in.Users
}
