package core

import (
	"strconv"
	"strings"
	"time"
)

// Stickiness ratios.
const (
	RatioDAUMAU = "dau/mau"
	RatioWAUMAU = "wau/mau"
	RatioDAUWAU = "dau/wau"
)

// Units of scoring.
const (
	UnitUser    = "user"
	UnitAccount = "account"
)

// DefaultWindow is the default period length W in days.
const DefaultWindow = 30

// Settings are the scoring settings, in the JSON shape every surface shares (the
// CLI's --config file, the API's SEP_CONFIG, the page). Zero values mean the
// defaults of SPEC.md. Query strings and flags use the same names; see Set.
type Settings struct {
	// CoreEvents are the K core events; empty means "suggest and use".
	CoreEvents []string `json:"core_events,omitempty"`
	// Window is W, the period length in days (default 30).
	Window int `json:"window,omitempty"`
	// AsOf is the period's last day, YYYY-MM-DD (default: last active day).
	AsOf string `json:"as_of,omitempty"`
	// TZ is the IANA time zone that decides calendar days (default UTC).
	TZ string `json:"tz,omitempty"`
	// Ratio is the stickiness ratio: dau/mau (default), wau/mau or dau/wau.
	Ratio string `json:"ratio,omitempty"`
	// Unit is what is scored: user (default) or account.
	Unit string `json:"unit,omitempty"`

	// Beyond the standard SEP (docs/report.md, "Beyond the standard score").

	// Weights are per-event weights of the weighted score (default 1 per core event).
	Weights map[string]float64 `json:"weights,omitempty"`
	// SeatsTrait is the account trait that holds the number of seats (default "seats").
	SeatsTrait string `json:"seats_trait,omitempty"`
	// WeightK is k of the weighted score's curve (default 3).
	WeightK float64 `json:"weight_k,omitempty"`
	// ActivationEvents are the events a user must have used to be activated
	// (default: the core events).
	ActivationEvents []string `json:"activation_events,omitempty"`
	// ActivationShare is the share of activation events that activates a user
	// (default 0.7).
	ActivationShare float64 `json:"activation_share,omitempty"`
	// PlanTrait is the user or account trait holding the plan (default "plan").
	PlanTrait string `json:"plan_trait,omitempty"`
	// TrialPlans are the plan values of trials, for product-qualified leads
	// (default ["trial"], compared without case).
	TrialPlans []string `json:"trial_plans,omitempty"`
	// RenewalTrait is the account trait holding the renewal date, YYYY-MM-DD
	// (default "renewal_date").
	RenewalTrait string `json:"renewal_trait,omitempty"`
	// Alerts are the alert rules' thresholds.
	Alerts AlertRules `json:"alerts,omitzero"`
	// By lists the traits to break the score down by, plus "tenure" and
	// "last_active" for the built-in buckets.
	By []string `json:"by,omitempty"`
	// Trend adds month-by-month scores of the product and each account.
	Trend bool `json:"trend,omitempty"`
}

// AlertRules are the thresholds of the alert rules; zero means the default and
// a negative value turns the rule off.
type AlertRules struct {
	// PESBelow: account SEP below this (default 60).
	PESBelow float64 `json:"pes_below,omitempty"`
	// UsageDropPct: weighted usage down this many percent or more, period over
	// period (default 20).
	UsageDropPct float64 `json:"usage_drop_pct,omitempty"`
	// TopUserInactiveDays: the previous period's top user inactive this many
	// days or more (default 14).
	TopUserInactiveDays int `json:"top_user_inactive_days,omitempty"`
	// SeatUsageBelow: active users under this percent of seats (default 25).
	SeatUsageBelow float64 `json:"seat_usage_below,omitempty"`
}

// Normalized returns the settings with defaults filled in, or an error naming the
// first invalid setting. Each error is a *MessageError whose key (setting_...)
// and values let a page word it in its own language (docs/report.md).
func (s Settings) Normalized() (Settings, error) {
	for _, step := range []func(*Settings) error{
		(*Settings).normalizePeriod,
		(*Settings).normalizeChoices,
		(*Settings).normalizeBeyond,
		(*Settings).normalizeAlerts,
		(*Settings).normalizeWeights,
	} {
		if err := step(&s); err != nil {
			return s, err
		}
	}
	return s, nil
}

// normalizePeriod checks and defaults the period: window, time zone, as-of day.
func (s *Settings) normalizePeriod() error {
	if s.Window == 0 {
		s.Window = DefaultWindow
	}
	if s.Window < 1 || s.Window > 3660 {
		return windowRangeError(s.Window)
	}
	if s.TZ == "" {
		s.TZ = "UTC"
	}
	if _, err := time.LoadLocation(s.TZ); err != nil {
		return KeyedErrorf("setting_tz_unknown", map[string]any{"setting": "tz", "value": s.TZ},
			"setting tz: unknown time zone %q", s.TZ)
	}
	if s.AsOf != "" {
		if _, err := ParseDay(s.AsOf); err != nil {
			return KeyedErrorf("setting_as_of_day", map[string]any{"setting": "as_of", "value": s.AsOf},
				"setting as_of: %w", err)
		}
	}
	return nil
}

// windowRangeError is the error of a window outside 1..3660 days.
func windowRangeError(n int) error {
	return KeyedErrorf("setting_window_range", map[string]any{"setting": "window", "value": n, "min": 1, "max": 3660},
		"setting window: %d is out of range 1..3660 days", n)
}

// normalizeChoices checks and defaults the settings that are one of a few
// words (ratio, unit), and cleans the core events.
func (s *Settings) normalizeChoices() error {
	switch s.Ratio = strings.ToLower(s.Ratio); s.Ratio {
	case "":
		s.Ratio = RatioDAUMAU
	case RatioDAUMAU, RatioWAUMAU, RatioDAUWAU:
	default:
		return KeyedErrorf("setting_ratio", map[string]any{"setting": "ratio", "value": s.Ratio},
			"setting ratio: %q is not one of dau/mau, wau/mau, dau/wau", s.Ratio)
	}
	switch s.Unit = strings.ToLower(s.Unit); s.Unit {
	case "":
		s.Unit = UnitUser
	case UnitUser, UnitAccount:
	default:
		return KeyedErrorf("setting_unit", map[string]any{"setting": "unit", "value": s.Unit},
			"setting unit: %q is not user or account", s.Unit)
	}
	s.CoreEvents = cleanList(s.CoreEvents)
	return nil
}

// normalizeBeyond checks and defaults the settings beyond the standard score:
// the seats trait, the weighted score's k, activation, plans and renewals.
func (s *Settings) normalizeBeyond() error {
	if s.SeatsTrait == "" {
		s.SeatsTrait = "seats"
	}
	if s.WeightK == 0 {
		s.WeightK = 3
	}
	if s.WeightK < 0 || s.WeightK > 50 || s.WeightK != s.WeightK {
		return KeyedErrorf("setting_weight_k_range", map[string]any{"setting": "weight_k", "value": s.WeightK, "min": 0, "max": 50},
			"setting weight_k: %v is out of range 0..50", s.WeightK)
	}
	if s.ActivationShare == 0 {
		s.ActivationShare = 0.7
	}
	if s.ActivationShare < 0 || s.ActivationShare > 1 {
		return KeyedErrorf("setting_activation_share_range", map[string]any{"setting": "activation_share", "value": s.ActivationShare},
			"setting activation_share: %v is not between 0 and 1", s.ActivationShare)
	}
	s.ActivationEvents = cleanList(s.ActivationEvents)
	if s.PlanTrait == "" {
		s.PlanTrait = "plan"
	}
	if len(s.TrialPlans) == 0 {
		s.TrialPlans = []string{"trial"}
	}
	if s.RenewalTrait == "" {
		s.RenewalTrait = "renewal_date"
	}
	return nil
}

// normalizeAlerts fills in the alert rules' default thresholds.
func (s *Settings) normalizeAlerts() error {
	a := &s.Alerts
	if a.PESBelow == 0 {
		a.PESBelow = 60
	}
	if a.UsageDropPct == 0 {
		a.UsageDropPct = 20
	}
	if a.TopUserInactiveDays == 0 {
		a.TopUserInactiveDays = 14
	}
	if a.SeatUsageBelow == 0 {
		a.SeatUsageBelow = 25
	}
	return nil
}

// normalizeWeights cleans the breakdown traits and checks the event weights.
func (s *Settings) normalizeWeights() error {
	s.By = cleanList(s.By)
	for name, w := range s.Weights {
		if w < 0 || w != w {
			return KeyedErrorf("setting_weights_negative", map[string]any{"setting": "weights", "event": name},
				"setting weights: weight of %q must be a number >= 0", name)
		}
	}
	return nil
}

// cleanList trims names, drops empty ones and duplicates, keeping order.
func cleanList(in []string) []string {
	var out []string
	seen := make(map[string]bool, len(in))
	for _, s := range in {
		s = strings.TrimSpace(s)
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// SettingNames are the names Set accepts, as used by query strings (and, with
// dashes, by CLI flags).
var SettingNames = []string{"core_events", "window", "as_of", "tz", "ratio", "unit", "weights", "activation_events", "by", "trend"}

// Set sets one setting from its text form, by its API name: core_events
// (comma-separated), window, as_of, tz, ratio, unit, weights (event:weight,
// comma-separated), activation_events, by (adds to the list), trend. It does not validate values
// beyond their syntax; call Normalized for that.
func (s *Settings) Set(name, value string) error {
	switch name {
	case "core_events":
		s.CoreEvents = cleanList(strings.Split(value, ","))
	case "window":
		n, err := strconv.Atoi(strings.TrimSpace(value))
		if err != nil {
			return KeyedErrorf("setting_window_whole", map[string]any{"setting": "window", "value": value},
				"setting window: %q is not a whole number of days", value)
		}
		if n < 1 {
			// Zero means "the default" only when the setting is absent; a
			// window given as 0 (or less) is a mistake, not 30 days.
			return windowRangeError(n)
		}
		s.Window = n
	case "as_of":
		s.AsOf = strings.TrimSpace(value)
	case "tz":
		s.TZ = strings.TrimSpace(value)
	case "ratio":
		s.Ratio = strings.TrimSpace(value)
	case "unit":
		s.Unit = strings.TrimSpace(value)
	case "weights": // "Login:1,Invite Sent:10"
		s.Weights = map[string]float64{}
		for _, pair := range strings.Split(value, ",") {
			if strings.TrimSpace(pair) == "" {
				continue
			}
			i := strings.LastIndex(pair, ":")
			if i < 0 {
				return KeyedErrorf("setting_weights_pair", map[string]any{"setting": "weights", "value": pair},
					"setting weights: %q is not event:weight", pair)
			}
			w, err := strconv.ParseFloat(strings.TrimSpace(pair[i+1:]), 64)
			if err != nil {
				return KeyedErrorf("setting_weights_number", map[string]any{"setting": "weights", "event": pair[:i], "value": pair[i+1:]},
					"setting weights: weight of %q: %q is not a number", pair[:i], pair[i+1:])
			}
			s.Weights[strings.TrimSpace(pair[:i])] = w
		}
	case "activation_events":
		s.ActivationEvents = cleanList(strings.Split(value, ","))
	case "by":
		s.By = cleanList(append(s.By, strings.Split(value, ",")...))
	case "trend":
		b, err := strconv.ParseBool(strings.TrimSpace(value))
		if err != nil {
			return KeyedErrorf("setting_trend_bool", map[string]any{"setting": "trend", "value": value},
				"setting trend: %q is not true or false", value)
		}
		s.Trend = b
	default:
		return KeyedErrorf("setting_unknown", map[string]any{"setting": name}, "unknown setting %q", name)
	}
	return nil
}
