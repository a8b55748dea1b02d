package warehouse

import (
	"fmt"
	"strings"
)

// Schema names the tables a tool writes into a warehouse.
type Schema string

// The schemas sep reads. RudderStack's warehouse tables follow Segment's.
const (
	Segment     Schema = "segment"
	RudderStack Schema = "rudderstack"
	Mixpanel    Schema = "mixpanel"
	Amplitude   Schema = "amplitude"
	PostHog     Schema = "posthog"
)

// Schemas lists the schemas, in the order the docs present them.
var Schemas = []Schema{Segment, RudderStack, Mixpanel, Amplitude, PostHog}

// ParseSchema parses a schema name.
func ParseSchema(s string) (Schema, error) {
	for _, sc := range Schemas {
		if strings.EqualFold(s, string(sc)) {
			return sc, nil
		}
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
	if t, ok := plainTables[o.Schema]; ok {
		return t.rows(o)
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
	if t, ok := plainTables[o.Schema]; ok {
		return []string{o.Prefix + t.tableName(&o)}
	}
	out := make([]string, len(segmentTables))
	for i, t := range segmentTables {
		out[i] = o.Prefix + t.name
	}
	return out
}
