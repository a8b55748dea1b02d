package core

import (
	"math"
	"sort"
	"strconv"
	"strings"
)

// Insights is what the standard SEP misses (docs/report.md, "Beyond the
// standard score"): weighted scores, seat usage, the spread inside each account,
// explanations of falls, alerts, activation and segments.
type Insights struct {
	Weighted   WeightedSummary  `json:"weighted"`
	Activation Activation       `json:"activation"`
	Alerts     []Alert          `json:"alerts"`
	Accounts   []AccountInsight `json:"accounts"`
	// Users is the top users by weighted score (at most TopUsers); the CSV
	// export (WriteUsersCSV) has them all.
	Users    []UserInsight `json:"users"`
	Segments []Segment     `json:"segments,omitempty"`
	// Trend is the product month by month (setting trend).
	Trend []TrendMonth `json:"trend,omitempty"`

	allUsers []UserInsight
}

// TopUsers is how many users the JSON report lists.
const TopUsers = 100

// WeightedSummary describes the weighted scoring of the period.
type WeightedSummary struct {
	Weights map[string]float64 `json:"weights"`
	K       float64            `json:"k"`
	// UserCap and AccountCap are c, the 95th percentile (nearest rank) of the
	// raw scores above zero.
	UserCap    float64 `json:"user_cap"`
	AccountCap float64 `json:"account_cap"`
	// Mean is the mean weighted score of the users active in the period: the
	// product's weighted score.
	Mean *float64 `json:"mean"`
}

// UserInsight is one user's row.
type UserInsight struct {
	ID         string  `json:"id"`
	Account    string  `json:"account"`
	Rank       int     `json:"rank"`
	Raw        float64 `json:"weighted_raw"`
	Score      float64 `json:"weighted_score"`
	Active     bool    `json:"active"`
	ActiveDays int     `json:"active_days"`
	LastActive string  `json:"last_active"`
	Adoption   float64 `json:"adoption"`
	Activated  bool    `json:"activated"`
	Plan       string  `json:"plan"`
	PQL        bool    `json:"pql"`
}

// AccountInsight is one account's row.
type AccountInsight struct {
	ID            string   `json:"id"`
	Name          string   `json:"name"`
	PES           *float64 `json:"pes"`
	PreviousPES   *float64 `json:"previous_pes"`
	Rank          int      `json:"rank"`
	WeightedRaw   float64  `json:"weighted_raw"`
	WeightedScore float64  `json:"weighted_score"`
	PreviousRaw   float64  `json:"previous_weighted_raw"`
	// UsageChangePct is the weighted usage change from the previous period, in
	// percent (null when the previous period had none).
	UsageChangePct *float64 `json:"usage_change_pct"`
	// Users is every user seen in the account up to the as-of day; Active,
	// those active in the period; Dormant, the others.
	Users             int      `json:"users"`
	Active            int      `json:"active"`
	Dormant           int      `json:"dormant"`
	Seats             *float64 `json:"seats"`
	SeatUsage         *float64 `json:"seat_usage"`
	PreviousSeatUsage *float64 `json:"previous_seat_usage"`
	Plan              string   `json:"plan"`
	Renewal           string   `json:"renewal"`
	// RenewalAtRisk: seat usage under the alert threshold with a renewal in
	// the next 90 days.
	RenewalAtRisk bool `json:"renewal_at_risk"`
	// The spread of the account's user weighted scores (dormant users at 0).
	MaxUserScore    float64  `json:"max_user_score"`
	MedianUserScore float64  `json:"median_user_score"`
	TopUser         string   `json:"top_user"`
	TopUserShare    *float64 `json:"top_user_share"`
	SingleChampion  bool     `json:"single_champion"`
	ActivatedUsers  int      `json:"activated_users"`
	Activated       bool     `json:"activated"`
	PQL             bool     `json:"pql"`
	// Explanation is set when the account's SEP fell period over period.
	Explanation *Explanation   `json:"explanation,omitempty"`
	Trend       []AccountMonth `json:"trend,omitempty"`
}

// Explanation says in numbers why an account's SEP fell.
type Explanation struct {
	PESChange         float64  `json:"pes_change"`
	DormantUsers      []string `json:"dormant_users"`
	DroppedCoreEvents []string `json:"dropped_core_events"`
	SeatUsageChange   *float64 `json:"seat_usage_change"`
	Component         string   `json:"component"`
	ComponentChange   float64  `json:"component_change"`
	Text              []string `json:"text"`
	// Keys words each of Text, in the same order, as a message key and its
	// values (docs/report.md).
	Keys []Message `json:"keys"`
}

// Alert is one rule that fired for an account, as a sentence with its numbers.
type Alert struct {
	Account   string  `json:"account"`
	Rule      string  `json:"rule"`
	Value     float64 `json:"value"`
	Threshold float64 `json:"threshold"`
	Message   string  `json:"message"`
}

// Alert rules.
const (
	RulePESBelow        = "pes_below"
	RuleUsageDrop       = "usage_drop"
	RuleTopUserInactive = "top_user_inactive"
	RuleSeatUsage       = "seat_usage_below"
)

// Activation counts activated users and accounts and the product-qualified leads.
type Activation struct {
	Events            []string `json:"events"`
	Share             float64  `json:"share"`
	ActiveUsers       int      `json:"active_users"`
	ActivatedUsers    int      `json:"activated_users"`
	UsersPct          *float64 `json:"users_pct"`
	ActiveAccounts    int      `json:"active_accounts"`
	ActivatedAccounts int      `json:"activated_accounts"`
	AccountsPct       *float64 `json:"accounts_pct"`
	PQLUsers          []string `json:"pql_users"`
	PQLAccounts       []string `json:"pql_accounts"`
}

// Segment is the SEP of the users sharing one value of a trait or bucket.
type Segment struct {
	By         string   `json:"by"`
	Value      string   `json:"value"`
	Users      int      `json:"users"`
	Active     int      `json:"active"`
	PES        *float64 `json:"pes"`
	Adoption   *float64 `json:"adoption"`
	Stickiness *float64 `json:"stickiness"`
	Growth     *float64 `json:"growth"`
}

// TrendMonth is the product's scores as of a month's last day.
type TrendMonth struct {
	Month         string   `json:"month"`
	PES           *float64 `json:"pes"`
	Change        *float64 `json:"change"`
	WeightedScore *float64 `json:"weighted_score"`
}

// AccountMonth is an account's scores as of a month's last day.
type AccountMonth struct {
	Month         string   `json:"month"`
	PES           *float64 `json:"pes"`
	Change        *float64 `json:"change"`
	WeightedScore float64  `json:"weighted_score"`
}

// WeightedScore maps raw scores to 0..100 (SPEC "Weighted scoring"): c is the
// 95th percentile (nearest rank) of the raw scores above zero, x = min(raw,c)/c,
// score = 100 × (1 − e^(−k·x)) / (1 − e^(−k)).
func WeightedScore(raw, c, k float64) float64 {
	if raw <= 0 || c <= 0 {
		return 0
	}
	x := math.Min(raw, c) / c
	if k == 0 {
		return 100 * x
	}
	return 100 * (1 - portableExp(-k*x)) / (1 - portableExp(-k))
}

// percentile95 is the nearest-rank 95th percentile of the values above zero.
func percentile95(values []float64) float64 {
	var pos []float64
	for _, v := range values {
		if v > 0 {
			pos = append(pos, v)
		}
	}
	if len(pos) == 0 {
		return 0
	}
	sort.Float64s(pos)
	rank := int(math.Ceil(0.95 * float64(len(pos))))
	return pos[max(rank, 1)-1]
}

// insights computes the Insights of a report from its period, in named
// steps that each read the period and return their part.
func insights(p *period, rep *Report) *Insights {
	in := &Insights{Alerts: []Alert{}, Accounts: []AccountInsight{}, Users: []UserInsight{}}
	in.Weighted = weightedSummary(p)
	in.allUsers, in.Weighted.Mean = userRows(p, in.Weighted.UserCap)
	in.Users = in.allUsers[:min(TopUsers, len(in.allUsers))]
	in.Weighted.AccountCap = accountCap(p)
	accounts := accountRows(p, rep.Accounts, in.Weighted)
	for i := range accounts {
		in.Alerts = append(in.Alerts, accountAlerts(p, &accounts[i])...)
		in.Accounts = append(in.Accounts, accounts[i].ai)
	}
	in.Activation = activation(p, in.allUsers, in.Accounts)
	rankAccounts(in.Accounts)
	if len(p.s.By) > 0 {
		in.Segments = segments(p)
	}
	return in
}

// micro is a weighted count in millionths: integer sums give the same raw
// scores in any order (weights are used to 6 decimals).
type micro int64

func toMicro(w float64) micro { return micro(math.Round(w * 1e6)) }

func (m micro) float() float64 { return float64(m) / 1e6 }

func popcount(w uint64) int {
	n := 0
	for ; w != 0; w &= w - 1 {
		n++
	}
	return n
}

func oneDecimal(v *float64) string {
	if v == nil {
		return "n/a"
	}
	return strconv.FormatFloat(*v, 'f', 1, 64)
}

func trimFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
