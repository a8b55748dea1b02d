package core

import "encoding/json"

// Report is the result of scoring: the JSON report of `sep score --json`, of the
// API and of the page's download. Its shape is documented in docs/report.md; numbers
// are full precision (display rounds to one decimal) and null where SPEC says a
// value is undefined.
type Report struct {
	PES         *float64       `json:"pes"`
	Band        *string        `json:"band"`
	Adoption    *float64       `json:"adoption"`
	Stickiness  *float64       `json:"stickiness"`
	Growth      *float64       `json:"growth"`
	QuickRatio  *QuickRatio    `json:"quick_ratio"`
	Settings    ReportSettings `json:"settings"`
	Period      Period         `json:"period"`
	Counts      Counts         `json:"counts"`
	Accounts    []AccountScore `json:"accounts"`
	Input       InputSummary   `json:"input"`
	Suggestions []Suggestion   `json:"suggestions"`
	Warnings    []string       `json:"warnings"`
	// WarningKeys words each of Warnings, in the same order, as a message key
	// and its values, for a page to word in its own language (docs/report.md).
	WarningKeys []Message `json:"warning_keys,omitempty"`
	// Insights go beyond the standard SEP (weighted scores, seats, alerts...).
	Insights *Insights `json:"insights,omitempty"`
}

// ReportSettings are the settings a report was computed with, defaults filled in.
type ReportSettings struct {
	CoreEvents          []string `json:"core_events"`
	CoreEventsSuggested bool     `json:"core_events_suggested"`
	Window              int      `json:"window"`
	AsOf                string   `json:"as_of"`
	TZ                  string   `json:"tz"`
	Ratio               string   `json:"ratio"`
	Unit                string   `json:"unit"`
}

// Period is the scored period P, both days included.
type Period struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// Counts are the unit counts behind the components.
type Counts struct {
	// Active is the units active in P.
	Active int `json:"active"`
	// New is the units whose first activity in the input falls in P.
	New int `json:"new"`
	// Recovered is the units active in P, not in Q, and active before Q.
	Recovered int `json:"recovered"`
	// Dropped is the units active in Q and not in P.
	Dropped int `json:"dropped"`
}

// AccountScore is one row of the per-account table: the components computed at
// user level over the users whose events are attributed to the account.
type AccountScore struct {
	ID         string      `json:"id"`
	PES        *float64    `json:"pes"`
	Adoption   *float64    `json:"adoption"`
	Stickiness *float64    `json:"stickiness"`
	Growth     *float64    `json:"growth"`
	QuickRatio *QuickRatio `json:"quick_ratio"`
	// Active is the account's users active in P.
	Active int `json:"active"`
	// AtRisk is set when PES < 60, or when the account was active in Q and
	// has no active user in P.
	AtRisk bool `json:"at_risk"`
}

// InputSummary describes what was read.
type InputSummary struct {
	InputStats
	// Users is the users with at least one activity event.
	Users int `json:"users"`
	// Accounts is the accounts with at least one attributed activity event.
	Accounts int `json:"accounts"`
	// FirstDay and LastDay are the first and last days with activity ("" when none).
	FirstDay string `json:"first_day"`
	LastDay  string `json:"last_day"`
}

// FileSummary says how one input file was read (report input.files): the
// format it was read as (detected or given), the generic CSV's layout, and its
// records. Entries of a .zip archive are files of their own, named
// "archive.zip/entry".
type FileSummary struct {
	Name   string `json:"name"`
	Format Format `json:"format"`
	// Layout is the CSV layout recognised from the header (see CSVLayouts),
	// "columns" when --csv-columns named them; "" for other formats.
	Layout string `json:"layout,omitempty"`
	// Events is every record read, ActivityEvents the activity events rolled
	// up, Skipped the records not used (split by reason in SkippedByReason).
	Events          int64            `json:"events"`
	ActivityEvents  int64            `json:"activity_events"`
	Skipped         int64            `json:"skipped"`
	SkippedByReason map[string]int64 `json:"skipped_by_reason,omitempty"`
	// Warnings are about this file (most records skipped, Mixpanel times in a
	// project time zone); the report lists them with the others.
	Warnings []string `json:"-"`
	// WarningKeys are Warnings as message keys and values, in the same order.
	WarningKeys []Message `json:"-"`
}

// Suggestion is an event seen in P with the lint flags it carries.
type Suggestion struct {
	Event string `json:"event"`
	// Users is the distinct users who performed the event in P.
	Users int `json:"users"`
	// Flags are the reasons not to pick it as a core event: "navigation",
	// "admin_only", "one_time_setup".
	Flags []string `json:"flags"`
}

// Lint flags.
const (
	FlagNavigation   = "navigation"
	FlagAdminOnly    = "admin_only"
	FlagOneTimeSetup = "one_time_setup"
)

// JSON returns the report as every surface writes it: indented JSON with a final
// newline, so that the CLI's --json, the API and the page's download are
// byte-for-byte identical for the same input and settings.
func (r *Report) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// Message is one of the report's English sentences as a key and the values
// it is made of, so that a page can word it in its own language (the keys
// are listed in docs/report.md; site/src/i18n.js words them).
type Message struct {
	Key    string         `json:"key"`
	Values map[string]any `json:"values,omitempty"`
}

// warn adds a warning to the report: its English sentence and its key.
func (r *Report) warn(key string, values map[string]any, text string) {
	r.Warnings = append(r.Warnings, text)
	r.WarningKeys = append(r.WarningKeys, Message{Key: key, Values: values})
}

// MessageError is an error with its message key and values, so that a page
// can word it in its own language; Error is the English sentence.
type MessageError struct {
	Err error
	Msg Message
}

// Error returns the English sentence.
func (e *MessageError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *MessageError) Unwrap() error { return e.Err }
