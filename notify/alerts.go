package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/sep-project/sep/core"
)

// StateAlerts is the core.HistoryStore namespace of the open alerts: key
// "account|rule", value the day the alert was sent.
const StateAlerts = "alerts"

// Environment variables of the alert destinations.
const (
	EnvSlackURL      = "SEP_SLACK_WEBHOOK_URL"
	EnvWebhookURL    = "SEP_ALERT_WEBHOOK_URL"
	EnvWebhookSecret = "SEP_ALERT_WEBHOOK_SECRET"
)

// SignatureHeader carries the generic webhook's signature:
// "sha256=" + hex HMAC-SHA256 of the raw body with SEP_ALERT_WEBHOOK_SECRET.
const SignatureHeader = "X-Sep-Signature"

// DeliveryHeader carries a delivery's id, the same on every retry, so that
// a receiver can drop a repeat.
const DeliveryHeader = "X-Sep-Delivery"

// Alerts a message carries: MaxPerMessage in a Slack message (Slack allows
// 50 blocks; an alert takes up to 4), MaxSlackAlerts detailed in Slack per
// run (the rest are counted in the last message), MaxPerWebhook in one POST
// of the generic webhook.
const (
	MaxPerMessage  = 12
	MaxSlackAlerts = 36
	MaxPerWebhook  = 100
)

// Config names the alert destinations; either may be empty.
type Config struct {
	SlackURL      string
	WebhookURL    string
	WebhookSecret string
}

// ConfigFromEnv reads the destinations from the environment: the only place
// they come from. A generic webhook needs its secret (receivers must be able
// to check what they get).
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{SlackURL: strings.TrimSpace(getenv(EnvSlackURL)), WebhookURL: strings.TrimSpace(getenv(EnvWebhookURL)),
		WebhookSecret: getenv(EnvWebhookSecret)}
	if c.SlackURL != "" {
		if err := checkURL(EnvSlackURL, c.SlackURL); err != nil {
			return c, err
		}
	}
	if c.WebhookURL != "" {
		if err := checkURL(EnvWebhookURL, c.WebhookURL); err != nil {
			return c, err
		}
		if c.WebhookSecret == "" {
			return c, fmt.Errorf("%s needs %s (the receiver checks the HMAC-SHA256 signature)", EnvWebhookURL, EnvWebhookSecret)
		}
	}
	return c, nil
}

// Enabled says whether any destination is set.
func (c Config) Enabled() bool { return c.SlackURL != "" || c.WebhookURL != "" }

// Notice is one alert as it is sent: the report's alert with the account's
// name, SEP and the explanation of its fall.
type Notice struct {
	Key         string   `json:"key"`
	Account     string   `json:"account"`
	Name        string   `json:"name,omitempty"`
	Rule        string   `json:"rule"`
	Value       float64  `json:"value"`
	Threshold   float64  `json:"threshold"`
	Message     string   `json:"message"`
	PES         *float64 `json:"pes"`
	Explanation []string `json:"explanation"`
	// Day is the as-of day of the report the alert fired in.
	Day string `json:"day"`
}

// Key is an alert's key in the state: account and rule.
func Key(a core.Alert) string { return a.Account + "|" + a.Rule }

// Plan is what a run sends: the alerts that started (not open before) and
// the open ones that cleared (no longer in the report).
type Plan struct {
	Start   []Notice
	Cleared []string
	// Open is the alerts of the report that were already sent.
	Open int
}

// PlanAlerts compares a report's alerts with the open ones (key -> day sent).
func PlanAlerts(rep *core.Report, open map[string]string) Plan {
	var p Plan
	if rep.Insights == nil {
		for k := range open {
			p.Cleared = append(p.Cleared, k)
		}
		sort.Strings(p.Cleared)
		return p
	}
	accounts := map[string]*core.AccountInsight{}
	for i := range rep.Insights.Accounts {
		accounts[rep.Insights.Accounts[i].ID] = &rep.Insights.Accounts[i]
	}
	now := map[string]bool{}
	for _, a := range rep.Insights.Alerts {
		k := Key(a)
		now[k] = true
		if _, sent := open[k]; sent {
			p.Open++
			continue
		}
		n := Notice{Key: k, Account: a.Account, Rule: a.Rule, Value: a.Value, Threshold: a.Threshold,
			Message: a.Message, Explanation: []string{}, Day: rep.Settings.AsOf}
		if ai := accounts[a.Account]; ai != nil {
			n.Name, n.PES = ai.Name, ai.PES
			if ai.Explanation != nil {
				n.Explanation = ai.Explanation.Text
			}
		}
		p.Start = append(p.Start, n)
	}
	for k := range open {
		if !now[k] {
			p.Cleared = append(p.Cleared, k)
		}
	}
	sort.Strings(p.Cleared)
	return p
}

// Message is one POST a run would make: its destination label and body.
type Message struct {
	Label string `json:"destination"`
	// ID is the delivery's id (DeliveryHeader): the same alerts on the same
	// day give the same id.
	ID   string          `json:"id"`
	Keys []string        `json:"alerts"`
	Body json.RawMessage `json:"body"`
}

// Messages returns the POSTs that send the plan's started alerts to the
// configured destinations: to Slack, the first MaxSlackAlerts in detail,
// MaxPerMessage a message, the last message counting the others (which it
// delivers as a count: a first run on a large product must not flood a
// channel); to the webhook, all of them, MaxPerWebhook a POST. sentAt dates
// the webhook's body.
func (c Config) Messages(p Plan, sentAt time.Time) ([]Message, error) {
	var out []Message
	if c.SlackURL != "" {
		detailed, more := p.Start, 0
		if len(detailed) > MaxSlackAlerts {
			detailed, more = detailed[:MaxSlackAlerts], len(detailed)-MaxSlackAlerts
		}
		for i := 0; i < len(detailed); i += MaxPerMessage {
			part := detailed[i:min(i+MaxPerMessage, len(detailed))]
			keys, counted := keysOf(part), 0
			if i+MaxPerMessage >= len(detailed) {
				keys, counted = append(keys, keysOf(p.Start[len(detailed):])...), more
			}
			b, err := json.Marshal(slackMessage(part, i, len(p.Start), counted))
			if err != nil {
				return nil, err
			}
			out = append(out, Message{Label: "slack", ID: deliveryID(keys, part[0].Day), Keys: keys, Body: b})
		}
	}
	if c.WebhookURL != "" {
		for i := 0; i < len(p.Start); i += MaxPerWebhook {
			part := p.Start[i:min(i+MaxPerWebhook, len(p.Start))]
			keys := keysOf(part)
			b, err := json.Marshal(webhookBody{Type: "sep.alerts.started", SentAt: sentAt.UTC().Format(time.RFC3339), Alerts: part})
			if err != nil {
				return nil, err
			}
			out = append(out, Message{Label: "webhook", ID: deliveryID(keys, part[0].Day), Keys: keys, Body: b})
		}
	}
	return out, nil
}

func keysOf(ns []Notice) []string {
	keys := make([]string, len(ns))
	for i, n := range ns {
		keys[i] = n.Key
	}
	return keys
}

// webhookBody is the generic webhook's JSON.
type webhookBody struct {
	Type   string   `json:"type"`
	SentAt string   `json:"sent_at"`
	Alerts []Notice `json:"alerts"`
}

// Sign returns the SignatureHeader value of a body.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a SignatureHeader value in constant time: what a receiver does.
func Verify(secret string, body []byte, signature string) bool {
	return secret != "" && hmac.Equal([]byte(Sign(secret, body)), []byte(strings.TrimSpace(signature)))
}

// Outcome is what Deliver did.
type Outcome struct {
	// Sent is the keys of the alerts delivered to every destination.
	Sent []string
	// Errors are the failed deliveries (no URL, no secret in them).
	Errors []error
}

// Deliver posts the messages. An alert counts as sent only when every
// destination took it; one that failed anywhere stays unsent and is tried
// again at the next run (a destination that took it may then get it twice:
// the DeliveryHeader tells the repeat).
func (c Config) Deliver(ctx context.Context, s *Sender, msgs []Message) Outcome {
	var out Outcome
	failed := map[string]bool{}
	var order []string
	seen := map[string]bool{}
	for _, m := range msgs {
		target, h := c.SlackURL, http.Header{}
		if m.Label == "webhook" {
			target = c.WebhookURL
			h.Set(SignatureHeader, Sign(c.WebhookSecret, m.Body))
			h.Set(DeliveryHeader, m.ID)
		}
		err := s.Post(ctx, m.Label, target, m.Body, h)
		for _, k := range m.Keys {
			if !seen[k] {
				seen[k] = true
				order = append(order, k)
			}
			if err != nil {
				failed[k] = true
			}
		}
		if err != nil {
			out.Errors = append(out.Errors, err)
		}
	}
	for _, k := range order {
		if !failed[k] {
			out.Sent = append(out.Sent, k)
		}
	}
	return out
}

// deliveryID is stable for the same alerts on the same day.
func deliveryID(keys []string, day string) string {
	h := sha256.New()
	for _, k := range keys {
		h.Write([]byte(k + "\n"))
	}
	h.Write([]byte(day))
	return hex.EncodeToString(h.Sum(nil))[:32]
}

// StateChanges returns the state updates after a run: the sent alerts open
// (dated by day), the cleared ones deleted.
func StateChanges(p Plan, sent []string, day string) map[string]string {
	ch := map[string]string{}
	for _, k := range p.Cleared {
		ch[k] = ""
	}
	for _, k := range sent {
		ch[k] = day
	}
	return ch
}
