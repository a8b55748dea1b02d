package core

import (
	"fmt"
	"strings"
)

// accountAlerts is the alert rules that fire for one account (settings
// alerts; a rule at 0 is off), in rule order.
func accountAlerts(p *period, row *accountRow) []Alert {
	rules, ai, w := p.s.Alerts, &row.ai, p.days()
	name := ai.ID
	label := name
	if ai.Name != "" && ai.Name != name {
		label = ai.Name + " (" + name + ")"
	}
	var out []Alert
	if rules.PESBelow > 0 && ai.PES != nil && *ai.PES < rules.PESBelow {
		out = append(out, Alert{Account: name, Rule: RulePESBelow, Value: *ai.PES, Threshold: rules.PESBelow,
			Message: fmt.Sprintf("%s: SEP %.1f is below %g (adoption %s, stickiness %s, growth %s).",
				label, *ai.PES, rules.PESBelow, oneDecimal(row.now.Adoption), oneDecimal(row.now.Stickiness), oneDecimal(row.now.Growth))})
	}
	if rules.UsageDropPct > 0 && ai.UsageChangePct != nil && *ai.UsageChangePct <= -rules.UsageDropPct {
		out = append(out, Alert{Account: name, Rule: RuleUsageDrop, Value: -*ai.UsageChangePct, Threshold: rules.UsageDropPct,
			Message: fmt.Sprintf("%s: weighted usage fell %.0f%% from the previous %d days (%s to %s).",
				label, -*ai.UsageChangePct, w, trimFloat(ai.PreviousRaw), trimFloat(ai.WeightedRaw))})
	}
	if rules.TopUserInactiveDays > 0 && row.hasTopQ {
		last := p.users[row.topQ].last
		if idle := int(p.f.p.end - last); idle >= rules.TopUserInactiveDays {
			out = append(out, Alert{Account: name, Rule: RuleTopUserInactive, Value: float64(idle), Threshold: float64(rules.TopUserInactiveDays),
				Message: fmt.Sprintf("%s: %s, the top user of the previous %d days, has been inactive for %d days (last active %s).",
					label, p.r.users.names[row.topQ], w, idle, last)})
		}
	}
	if rules.SeatUsageBelow > 0 && ai.SeatUsage != nil && *ai.SeatUsage < rules.SeatUsageBelow {
		msg := fmt.Sprintf("%s: %d of %s seats active in the last %d days (%.1f%%), under %g%%.",
			label, ai.Active, trimFloat(*ai.Seats), w, *ai.SeatUsage, rules.SeatUsageBelow)
		if ai.RenewalAtRisk {
			msg += " Renewal on " + strings.TrimSpace(ai.Renewal) + "."
		}
		out = append(out, Alert{Account: name, Rule: RuleSeatUsage, Value: *ai.SeatUsage, Threshold: rules.SeatUsageBelow, Message: msg})
	}
	return out
}
