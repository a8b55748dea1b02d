package notify

import (
	"fmt"
	"strconv"
	"strings"
)

// Slack's limits on a Block Kit message's texts.
const (
	slackHeaderMax  = 150
	slackSectionMax = 3000
)

// ruleTitles are the alert rules as a person reads them.
var ruleTitles = map[string]string{
	"pes_below":         "SEP below threshold",
	"usage_drop":        "Usage dropped",
	"top_user_inactive": "Top user inactive",
	"seat_usage_below":  "Low seat usage",
}

// RuleTitle names a rule for people ("pes_below" -> "SEP below threshold").
func RuleTitle(rule string) string {
	if t, ok := ruleTitles[rule]; ok {
		return t
	}
	return rule
}

// SlackMessage is the incoming webhook's body for some started alerts: a
// header, then for each alert a section naming the account and the rule with
// the sentence, the value and threshold as fields, and the explanation of the
// fall as context; "text" is the notification's fallback.
func SlackMessage(alerts []Notice) map[string]any { return slackMessage(alerts, 0, len(alerts), 0) }

// slackMessage is SlackMessage for alerts from+1.. of a run's total; more
// alerts that started and are not detailed are counted at its end.
func slackMessage(alerts []Notice, from, total, more int) map[string]any {
	head := fmt.Sprintf("sep: %d alert%s started", total, plural(total))
	if len(alerts) > 0 {
		head += " (" + alerts[0].Day + ")"
	}
	if len(alerts) < total {
		head += fmt.Sprintf(", %d to %d", from+1, from+len(alerts))
	}
	blocks := []any{
		map[string]any{"type": "header", "text": map[string]any{"type": "plain_text", "text": clip(head, slackHeaderMax)}},
	}
	var names []string
	for _, n := range alerts {
		who := "*" + escape(n.Account) + "*"
		if n.Name != "" && n.Name != n.Account {
			who = "*" + escape(n.Name) + "* (`" + escape(n.Account) + "`)"
		}
		names = append(names, firstNonEmpty(n.Name, n.Account))
		fields := []any{
			mrkdwn("*Value*\n" + num(n.Value)),
			mrkdwn("*Threshold*\n" + num(n.Threshold)),
		}
		if n.PES != nil {
			fields = append(fields, mrkdwn("*Account SEP*\n"+strconv.FormatFloat(*n.PES, 'f', 1, 64)))
		}
		blocks = append(blocks, map[string]any{
			"type":   "section",
			"text":   mrkdwn(clip(who+": "+RuleTitle(n.Rule)+"\n"+escape(n.Message), slackSectionMax)),
			"fields": fields,
		})
		if len(n.Explanation) > 0 {
			blocks = append(blocks, map[string]any{"type": "context", "elements": []any{
				mrkdwn(clip(escape(strings.Join(n.Explanation, " ")), slackSectionMax)),
			}})
		}
		blocks = append(blocks, map[string]any{"type": "divider"})
	}
	if more > 0 {
		blocks = append(blocks, map[string]any{"type": "context", "elements": []any{mrkdwn(fmt.Sprintf(
			"…and %d more alert%s started: `sep alerts --dry-run`, the report's insights.alerts or the generic webhook list them all.", more, plural(more)))}})
	}
	return map[string]any{
		"text":   clip(head+": "+strings.Join(names, ", "), slackSectionMax),
		"blocks": blocks,
	}
}

func mrkdwn(s string) map[string]any { return map[string]any{"type": "mrkdwn", "text": s} }

// escape makes text safe in Slack's mrkdwn (its three control characters).
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func clip(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max - 3
	for cut > 0 && !utf8Start(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// num shows a number with at most one decimal, as the report's displays do.
func num(v float64) string { return strings.TrimSuffix(strconv.FormatFloat(v, 'f', 1, 64), ".0") }

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
