// Package traits sends sep's scores back into the CRM: `group` calls with
// each account's traits and `identify` calls with each user's, to a Segment
// or RudderStack source's tracking API (POST /v1/batch, the write key as the
// HTTP Basic user), batched, and only for what changed since the last push.
// Segment and RudderStack then carry the traits to HubSpot, Salesforce,
// Intercom and every other destination of the source.
package traits

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"io"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/sep-project/sep/core"
)

// StateTraits is the core.HistoryStore namespace of the traits last sent:
// key "g|account" or "i|user", value a hash of the traits (sep_scored_at
// left out, so an unchanged score is not sent again).
const StateTraits = "traits"

// AnonymousID is the anonymousId of the group calls: Segment's spec needs a
// userId or an anonymousId on every call, and the scores belong to no user.
const AnonymousID = "sep-scores"

// AccountTraitNames are the traits of a group call, in CSV column order.
var AccountTraitNames = []string{"sep_pes", "sep_band", "sep_adoption", "sep_stickiness", "sep_growth",
	"sep_weighted_score", "sep_seat_usage", "sep_at_risk", "sep_single_champion", "sep_scored_at"}

// UserTraitNames are the traits of an identify call.
var UserTraitNames = []string{"sep_weighted_score", "sep_activated", "sep_pql", "sep_scored_at"}

// Call is one group (an account's traits) or identify (a user's) call.
type Call struct {
	// Type is "group" or "identify".
	Type string
	// ID is the groupId or the userId.
	ID     string
	Traits map[string]any
}

// Key is the call's key in the state.
func (c Call) Key() string {
	if c.Type == "group" {
		return "g|" + c.ID
	}
	return "i|" + c.ID
}

// Hash is a short digest of the traits that matter (sep_scored_at left out).
func (c Call) Hash() string {
	keys := make([]string, 0, len(c.Traits))
	for k := range c.Traits {
		if k != "sep_scored_at" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	h := sha256.New()
	for _, k := range keys {
		v, _ := json.Marshal(c.Traits[k])
		h.Write([]byte(k))
		h.Write([]byte{0})
		h.Write(v)
		h.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:12])
}

// Calls returns the calls of a report: a group call per account (sorted by
// id), then an identify call per user seen up to the as-of day (ranked by
// weighted score). Numbers have one decimal; a null score is a null trait.
func Calls(rep *core.Report, scoredAt time.Time) []Call {
	at := scoredAt.UTC().Format(time.RFC3339)
	more := map[string]*core.AccountInsight{}
	var users []core.UserInsight
	if in := rep.Insights; in != nil {
		for i := range in.Accounts {
			more[in.Accounts[i].ID] = &in.Accounts[i]
		}
		users = in.AllUsers()
	}
	calls := make([]Call, 0, len(rep.Accounts)+len(users))
	for _, a := range rep.Accounts {
		t := map[string]any{
			"sep_pes": round1(a.PES), "sep_band": nil, "sep_adoption": round1(a.Adoption),
			"sep_stickiness": round1(a.Stickiness), "sep_growth": round1(a.Growth),
			"sep_weighted_score": nil, "sep_seat_usage": nil, "sep_at_risk": a.AtRisk,
			"sep_single_champion": false, "sep_scored_at": at,
		}
		if a.PES != nil {
			t["sep_band"] = core.Band(*a.PES)
		}
		if m := more[a.ID]; m != nil {
			t["sep_weighted_score"] = round1(&m.WeightedScore)
			t["sep_seat_usage"] = round1(m.SeatUsage)
			t["sep_single_champion"] = m.SingleChampion
		}
		calls = append(calls, Call{Type: "group", ID: a.ID, Traits: t})
	}
	for _, u := range users {
		calls = append(calls, Call{Type: "identify", ID: u.ID, Traits: map[string]any{
			"sep_weighted_score": round1(&u.Score), "sep_activated": u.Activated, "sep_pql": u.PQL, "sep_scored_at": at,
		}})
	}
	return calls
}

// round1 rounds to one decimal, as displays and CSVs do; nil stays null.
func round1(v *float64) any {
	if v == nil {
		return nil
	}
	return math.Round(*v*10) / 10
}

// Changed returns the calls whose traits differ from the state's (key ->
// hash), in order.
func Changed(calls []Call, sent map[string]string) []Call {
	var out []Call
	for _, c := range calls {
		if sent[c.Key()] != c.Hash() {
			out = append(out, c)
		}
	}
	return out
}

// WriteCSV writes the account traits as CSV for a CRM import: a header row
// (account_id, name, then AccountTraitNames), one account a row, RFC 4180
// quoting, empty cells for null.
func WriteCSV(w io.Writer, rep *core.Report, scoredAt time.Time) error {
	cw := csv.NewWriter(w)
	cw.Write(append([]string{"account_id", "name"}, AccountTraitNames...))
	names := map[string]string{}
	if rep.Insights != nil {
		for _, a := range rep.Insights.Accounts {
			names[a.ID] = a.Name
		}
	}
	for _, c := range Calls(rep, scoredAt) {
		if c.Type != "group" {
			break
		}
		row := []string{c.ID, names[c.ID]}
		for _, k := range AccountTraitNames {
			row = append(row, cell(c.Traits[k]))
		}
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

func cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', 1, 64)
	}
	b, _ := json.Marshal(v)
	return string(b)
}
