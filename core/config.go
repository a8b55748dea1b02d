package core

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"
)

// Config is the one JSON configuration every surface shares: the CLI's
// --config file, the API's SEP_CONFIG and the page's settings. It holds the
// scoring Settings plus how to read inputs. Unknown keys are an error, so that a
// typo does not silently fall back to a default.
type Config struct {
	Settings
	// Format is the input format (auto by default).
	Format string `json:"format,omitempty"`
	// CSVColumns maps the generic CSV's columns.
	CSVColumns CSVColumns `json:"csv_columns,omitempty"`
	// GroupKeys are the property names read as account ids in Mixpanel,
	// PostHog and Amplitude exports and CSV columns (ingest.DefaultGroupKeys when empty).
	GroupKeys []string `json:"group_keys,omitempty"`
	// InputTZ is the IANA time zone of wall-clock input times (legacy
	// Mixpanel projects' time; CSV times without an offset); see ingest.Options.InputTZ.
	InputTZ string `json:"input_tz,omitempty"`
	// Earliest is the first plausible event day, YYYY-MM-DD (default
	// 2000-01-01): events dated before it are skipped.
	Earliest string `json:"earliest,omitempty"`
}

// ParseConfig parses a JSON config and checks its settings; name is used in
// errors. The reading part is checked by ingest.CheckConfig.
func ParseConfig(name string, data []byte) (Config, error) {
	var c Config
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("config %s: %w", name, err)
	}
	if _, err := c.Settings.Normalized(); err != nil {
		return c, fmt.Errorf("config %s: %w", name, err)
	}
	// How to read inputs (input_tz, format, earliest) is checked by
	// ingest.CheckConfig, against the formats registered there.
	return c, nil
}

// LoadConfigFile reads and parses a JSON config file.
func LoadConfigFile(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return ParseConfig(path, data)
}

// CSVColumns names the columns of a generic CSV export (config "csv_columns").
// Empty fields take the defaults user_id, account_id, event, timestamp, and the
// optional type, message_id and anonymous_id.
type CSVColumns struct {
	UserID      string `json:"user_id,omitempty"`
	AccountID   string `json:"account_id,omitempty"`
	Event       string `json:"event,omitempty"`
	Timestamp   string `json:"timestamp,omitempty"`
	Type        string `json:"type,omitempty"`
	MessageID   string `json:"message_id,omitempty"`
	AnonymousID string `json:"anonymous_id,omitempty"`
}

// csvColumnKeys maps the keys of --csv-columns to CSVColumns fields; the
// config's names (user_id, account_id, ...) are accepted too.
var csvColumnKeys = map[string]func(*CSVColumns) *string{
	"event":     func(c *CSVColumns) *string { return &c.Event },
	"timestamp": func(c *CSVColumns) *string { return &c.Timestamp },
	"user":      func(c *CSVColumns) *string { return &c.UserID }, "user_id": func(c *CSVColumns) *string { return &c.UserID },
	"account": func(c *CSVColumns) *string { return &c.AccountID }, "account_id": func(c *CSVColumns) *string { return &c.AccountID },
	"anonymous": func(c *CSVColumns) *string { return &c.AnonymousID }, "anonymous_id": func(c *CSVColumns) *string { return &c.AnonymousID },
	"type":    func(c *CSVColumns) *string { return &c.Type },
	"message": func(c *CSVColumns) *string { return &c.MessageID }, "message_id": func(c *CSVColumns) *string { return &c.MessageID },
}

// ParseCSVColumns parses --csv-columns: comma-separated key=column pairs, keys
// event, timestamp, user, account, anonymous, type and message
// ("event=name,timestamp=time,user=distinct_id,account=org_id").
func ParseCSVColumns(s string) (CSVColumns, error) {
	var c CSVColumns
	for _, pair := range strings.Split(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		k, v, ok := strings.Cut(pair, "=")
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		field := csvColumnKeys[k]
		if !ok || v == "" || field == nil {
			return c, fmt.Errorf("csv-columns: %q: want key=column with key event, timestamp, user, account, anonymous, type or message", pair)
		}
		*field(&c) = v
	}
	return c, nil
}

// InputLocation returns the time zone of wall-clock input times (input_tz),
// nil when the config names none.
func (c Config) InputLocation() (*time.Location, error) {
	if c.InputTZ == "" {
		return nil, nil
	}
	loc, err := time.LoadLocation(c.InputTZ)
	if err != nil {
		return nil, fmt.Errorf("input_tz %q: %w", c.InputTZ, err)
	}
	return loc, nil
}

// TimeRange returns the plausible event times the config sets (earliest).
func (c Config) TimeRange() (TimeRange, error) {
	var r TimeRange
	if c.Earliest != "" {
		t, err := time.Parse(time.DateOnly, c.Earliest)
		if err != nil {
			return r, fmt.Errorf("setting earliest: %q is not a YYYY-MM-DD day", c.Earliest)
		}
		r.Earliest = t
	}
	return r, nil
}
