package warehouse

import (
	"fmt"
	"strings"

	"github.com/sep-project/sep/core"
)

// Schema names the tables a tool writes into a warehouse.
type Schema string

// The schemas sep reads. RudderStack's warehouse tables follow Segment's.
const (
	Segment     Schema = "segment"
	RudderStack Schema = "rudderstack"
	PostHog     Schema = "posthog"
)

// Schemas lists the schemas, in the order the docs present them.
var Schemas = []Schema{Segment, RudderStack, PostHog}

// ParseSchema parses a schema name.
func ParseSchema(s string) (Schema, error) {
	for _, sc := range Schemas {
		if strings.EqualFold(s, string(sc)) {
			return sc, nil
		}
	}
	switch strings.ToLower(s) {
	case "mixpanel", "amplitude":
		return "", fmt.Errorf("schema %q: not written yet (its export tables keep groups in JSON columns); export its events and run sep score on the files, or load them as Segment-shaped tables", s)
	}
	return "", fmt.Errorf("unknown schema %q: want %s", s, joinNames(Schemas))
}

// segmentTable is one of Segment's (and RudderStack's) warehouse tables: the
// calls of one kind, snake_case columns.
type segmentTable struct {
	name string // table name
	kind string // track, page, screen, identify, group
	// event is the column holding the event or page/screen name ("" for none).
	event string
	// account is the column holding the account id ("" for none).
	account string
}

var segmentTables = []segmentTable{
	{"tracks", "track", "event_text", "context_group_id"},
	{"pages", "page", "name", "context_group_id"},
	{"screens", "screen", "name", "context_group_id"},
	{"identifies", "identify", "", ""},
	{"groups", "group", "", "group_id"},
}

// rawRows is the body of the query's first CTE: every record of the schema's
// tables as (mid, uid, anon, aid, name, kind, ts, rcv, ut_i..., at_i...).
// kind is track, page, screen, identify, group or alias (a record that rolls
// up nothing but the input's count); a NULL ts is a record without a time or
// name (missing_field).
func rawRows(o *Options) string {
	if o.Schema == PostHog {
		return posthogRows(o)
	}
	d := o.Dialect
	var b strings.Builder
	for i, t := range segmentTables {
		if i > 0 {
			b.WriteString("\n  UNION ALL\n")
		}
		col := func(c string) string {
			if c == "" {
				return d.nullText()
			}
			return d.str(c)
		}
		fmt.Fprintf(&b, "  SELECT %s AS mid, %s AS uid, %s AS anon, %s AS aid, %s AS name, '%s' AS kind,\n",
			d.str("id"), d.str("user_id"), d.str("anonymous_id"), col(t.account), col(t.event), t.kind)
		fmt.Fprintf(&b, "    COALESCE(%s, received_at) AS ts, received_at AS rcv", d.ident("timestamp"))
		for j, tr := range o.UserTraits {
			v := d.nullText()
			if t.kind == "identify" {
				v = d.str(tr)
			}
			fmt.Fprintf(&b, ", %s AS ut_%d", v, j)
		}
		for j, tr := range o.AccountTraits {
			v := d.nullText()
			if t.kind == "group" {
				v = d.str(tr)
			}
			fmt.Fprintf(&b, ", %s AS at_%d", v, j)
		}
		fmt.Fprintf(&b, "\n  FROM %s%s", o.Prefix, t.name)
	}
	return b.String()
}

// Tables returns the tables the query reads, as named in it.
func Tables(o Options) []string {
	if o.Schema == PostHog {
		return []string{o.Prefix + posthogTable(&o)}
	}
	out := make([]string, len(segmentTables))
	for i, t := range segmentTables {
		out[i] = o.Prefix + t.name
	}
	return out
}

func posthogTable(o *Options) string {
	if o.Table != "" {
		return o.Table
	}
	return "events"
}

// posthogRows reads PostHog's events table as its batch exports write it
// (uuid, event, distinct_id, properties as JSON, timestamp), with core's
// rules: $identify and $set are identify calls (traits in $set), a
// $groupidentify joins $group_key (traits in $group_set; without a key it is
// no record at all), $create_alias, $merge and core.SystemEvents roll up
// nothing; an event's account is the first of the group keys present in
// $groups, else in its properties.
func posthogRows(o *Options) string {
	d := o.Dialect
	props := "properties"
	var account []string
	for _, k := range o.groupKeys() {
		account = append(account, "NULLIF("+d.jsonText(props, "$groups", k)+", '')")
	}
	for _, k := range o.groupKeys() {
		account = append(account, "NULLIF("+d.jsonText(props, k)+", '')")
	}
	system := make([]string, len(core.SystemEvents))
	for i, n := range core.SystemEvents {
		system[i] = quote(n)
	}
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("  SELECT %s AS mid, COALESCE(NULLIF(%s, ''), %s) AS uid, %s AS anon,\n", d.str("uuid"), d.str("distinct_id"), d.jsonText(props, "distinct_id"), d.nullText())
	w("    CASE WHEN event = '$groupidentify' THEN NULLIF(%s, '') ELSE COALESCE(%s) END AS aid,\n", d.jsonText(props, "$group_key"), strings.Join(account, ", "))
	w("    %s AS name,\n", d.str("event"))
	w("    CASE WHEN event IN ('$identify', '$set') THEN 'identify' WHEN event = '$groupidentify' THEN 'group'\n")
	w("      WHEN event IN ('$create_alias', '$merge', %s) OR event LIKE '[Amplitude] %%' THEN 'alias' ELSE 'track' END AS kind,\n", strings.Join(system, ", "))
	w("    CASE WHEN COALESCE(%s, '') = '' THEN NULL ELSE %s END AS ts, %s AS rcv", d.str("event"), d.ident("timestamp"), "CAST(NULL AS "+d.timestamp()+")")
	for j, tr := range o.UserTraits {
		w(", %s AS ut_%d", d.jsonText(props, "$set", tr), j)
	}
	for j, tr := range o.AccountTraits {
		w(", CASE WHEN event = '$groupidentify' THEN %s END AS at_%d", d.jsonText(props, "$group_set", tr), j)
	}
	w("\n  FROM %s%s\n  WHERE COALESCE(%s, '') <> '$groupidentify' OR COALESCE(%s, '') <> ''", o.Prefix, posthogTable(o), d.str("event"), d.jsonText(props, "$group_key"))
	return b.String()
}
