package core

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
)

// WriteAccountsCSV writes the report's per-account table as CSV with a header
// row, one account a row, ready for a CRM import: id, name, pes, band,
// adoption, stickiness, growth, quick_ratio, active, at_risk, then the
// insights: weighted_score, weighted_rank, users, dormant, seats, seat_usage,
// plan, renewal, single_champion, top_user, activated, pql, alerts (rules
// separated by ";"). Numbers have one decimal (quick ratio two); null values
// are empty cells.
func WriteAccountsCSV(w io.Writer, rep *Report) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"id", "name", "pes", "band", "adoption", "stickiness", "growth", "quick_ratio", "active", "at_risk",
		"weighted_score", "weighted_rank", "users", "dormant", "seats", "seat_usage", "plan", "renewal",
		"single_champion", "top_user", "activated", "pql", "alerts"})
	more := map[string]*AccountInsight{}
	alerts := map[string][]string{}
	if rep.Insights != nil {
		for i := range rep.Insights.Accounts {
			more[rep.Insights.Accounts[i].ID] = &rep.Insights.Accounts[i]
		}
		for _, a := range rep.Insights.Alerts {
			alerts[a.Account] = append(alerts[a.Account], a.Rule)
		}
	}
	for _, a := range rep.Accounts {
		band := ""
		if a.PES != nil {
			band = Band(*a.PES)
		}
		row := []string{a.ID, "", csvNum(a.PES, 1), band, csvNum(a.Adoption, 1), csvNum(a.Stickiness, 1),
			csvNum(a.Growth, 1), csvQR(a.QuickRatio), strconv.Itoa(a.Active), strconv.FormatBool(a.AtRisk)}
		if m := more[a.ID]; m != nil {
			row[1] = m.Name
			row = append(row, csvNum(&m.WeightedScore, 1), strconv.Itoa(m.Rank), strconv.Itoa(m.Users), strconv.Itoa(m.Dormant),
				csvNum(m.Seats, 0), csvNum(m.SeatUsage, 1), m.Plan, m.Renewal, strconv.FormatBool(m.SingleChampion), m.TopUser,
				strconv.FormatBool(m.Activated), strconv.FormatBool(m.PQL), strings.Join(alerts[a.ID], ";"))
		} else {
			row = append(row, make([]string, 13)...)
		}
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

// WriteUsersCSV writes every user seen up to the as-of day, ranked by
// weighted score: id, account, rank, weighted_score, weighted_raw, active,
// active_days, last_active, adoption, activated, plan, pql. A report read back
// from JSON has only its top users.
func WriteUsersCSV(w io.Writer, rep *Report) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"id", "account", "rank", "weighted_score", "weighted_raw", "active", "active_days", "last_active",
		"adoption", "activated", "plan", "pql"})
	if in := rep.Insights; in != nil {
		users := in.allUsers
		if users == nil {
			users = in.Users
		}
		for _, u := range users {
			cw.Write([]string{u.ID, u.Account, strconv.Itoa(u.Rank), csvNum(&u.Score, 1), strconv.FormatFloat(u.Raw, 'f', -1, 64),
				strconv.FormatBool(u.Active), strconv.Itoa(u.ActiveDays), u.LastActive, csvNum(&u.Adoption, 1),
				strconv.FormatBool(u.Activated), u.Plan, strconv.FormatBool(u.PQL)})
		}
	}
	cw.Flush()
	return cw.Error()
}

func csvNum(v *float64, decimals int) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', decimals, 64)
}

func csvQR(q *QuickRatio) string {
	switch {
	case q == nil:
		return ""
	case q.Inf:
		return "inf"
	}
	return strconv.FormatFloat(q.Value, 'f', 2, 64)
}
