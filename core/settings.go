package core

import (
	"fmt"
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

	// Beyond the standard SEP (README "Beyond the standard score").

	// Weights are per-event weights of the weighted score (default 1 per core event).
	Weights map[string]float64 `json:"weights,omitempty"`
	// SeatsTrait is the account trait that holds the number of seats (default "seats").
	SeatsTrait string `json:"seats_trait,omitempty"`
}

// Normalized returns the settings with defaults filled in, or an error naming the
// first invalid setting.
func (s Settings) Normalized() (Settings, error) {
	if s.Window == 0 {
		s.Window = DefaultWindow
	}
	if s.Window < 1 || s.Window > 3660 {
		return s, fmt.Errorf("setting window: %d is out of range 1..3660 days", s.Window)
	}
	if s.TZ == "" {
		s.TZ = "UTC"
	}
	if _, err := time.LoadLocation(s.TZ); err != nil {
		return s, fmt.Errorf("setting tz: unknown time zone %q", s.TZ)
	}
	if s.AsOf != "" {
		if _, err := ParseDay(s.AsOf); err != nil {
			return s, fmt.Errorf("setting as_of: %w", err)
		}
	}
	switch s.Ratio = strings.ToLower(s.Ratio); s.Ratio {
	case "":
		s.Ratio = RatioDAUMAU
	case RatioDAUMAU, RatioWAUMAU, RatioDAUWAU:
	default:
		return s, fmt.Errorf("setting ratio: %q is not one of dau/mau, wau/mau, dau/wau", s.Ratio)
	}
	switch s.Unit = strings.ToLower(s.Unit); s.Unit {
	case "":
		s.Unit = UnitUser
	case UnitUser, UnitAccount:
	default:
		return s, fmt.Errorf("setting unit: %q is not user or account", s.Unit)
	}
	s.CoreEvents = cleanList(s.CoreEvents)
	if s.SeatsTrait == "" {
		s.SeatsTrait = "seats"
	}
	for name, w := range s.Weights {
		if w < 0 || w != w {
			return s, fmt.Errorf("setting weights: weight of %q must be a number >= 0", name)
		}
	}
	return s, nil
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
var SettingNames = []string{"core_events", "window", "as_of", "tz", "ratio", "unit"}

// Set sets one setting from its text form, by its API name: core_events
// (comma-separated), window, as_of, tz, ratio, unit. It does not validate values
// beyond their syntax; call Normalized for that.
func (s *Settings) Set(name, value string) error {
	switch name {
	case "core_events":
		s.CoreEvents = cleanList(strings.Split(value, ","))
	case "window":
		n, err := strconv.Atoi(strings.TrimSpace(value))
		if err != nil {
			return fmt.Errorf("setting window: %q is not a whole number of days", value)
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
	default:
		return fmt.Errorf("unknown setting %q", name)
	}
	return nil
}
