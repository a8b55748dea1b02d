package core

import (
	"encoding/csv"
	"io"
	"strconv"
)

// WriteAccountsCSV writes the report's per-account table as CSV with a header
// row: id, pes, band, adoption, stickiness, growth, quick_ratio, active, at_risk.
// Numbers have one decimal (quick ratio two); null values are empty cells.
func WriteAccountsCSV(w io.Writer, rep *Report) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"id", "pes", "band", "adoption", "stickiness", "growth", "quick_ratio", "active", "at_risk"})
	for _, a := range rep.Accounts {
		band := ""
		if a.PES != nil {
			band = Band(*a.PES)
		}
		cw.Write([]string{a.ID, csvNum(a.PES, 1), band, csvNum(a.Adoption, 1), csvNum(a.Stickiness, 1),
			csvNum(a.Growth, 1), csvQR(a.QuickRatio), strconv.Itoa(a.Active), strconv.FormatBool(a.AtRisk)})
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
