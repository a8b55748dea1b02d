package warehouse

import (
	"fmt"
	"strings"

	"github.com/sep-project/sep/ingest"
)

// plainTable is a tool's one-table events export: plain events without
// kinds, their properties in JSON columns, read with core's rules for the
// tool (identity-only names, system events, user id order, group keys).
type plainTable struct {
	table string // default table name (--table renames it)
	// Columns (SQL expressions over the table's columns, written by the dialect).
	event, ts         string
	mid, uid, anon    func(d Dialect) string
	rcv               func(d Dialect) string // receipt time, or nil for the clock
	props             string                 // JSON column of event properties
	groups            string                 // JSON column of group type -> id ("" none)
	groupsArray       bool                   // group ids may be arrays: the first element counts
	groupsInProps     string                 // key of props holding group type -> id ("" none)
	groupKey          func(d Dialect) string // the account a $groupidentify joins, or nil: its event account
	userTraits        func(d Dialect, key string) string
	userTraitsOnTrack bool // activity events carry user traits too (PostHog's $set)
	accountTraits     func(d Dialect, key string) string
}

var plainTables = map[Schema]*plainTable{
	// Mixpanel's JSON pipelines (BigQuery, Snowflake, ...): mp_master_event.
	Mixpanel: {
		table: "mp_master_event", event: "event_name", ts: "time", props: "properties",
		mid: func(d Dialect) string { return d.str("insert_id") },
		uid: func(d Dialect) string {
			return "COALESCE(NULLIF(" + d.str("user_id") + ", ''), " + d.str("distinct_id") + ")"
		},
		anon: func(d Dialect) string { return d.str("device_id") },
		rcv: func(d Dialect) string {
			return d.fromEpochMs(d.jsonText("properties", "$mp_api_timestamp_ms"))
		},
	},
	// Amplitude's warehouse exports (Snowflake, BigQuery, S3): the Export
	// API's fields as columns. Amplitude deduplicates by insert_id on
	// ingestion, so uuid identifies a row.
	Amplitude: {
		table: "events", event: "event_type", ts: "event_time", props: "event_properties",
		groups: "groups", groupsArray: true,
		mid:  func(d Dialect) string { return d.str("uuid") },
		uid:  func(d Dialect) string { return d.str("user_id") },
		anon: func(d Dialect) string { return d.str("device_id") },
		rcv:  func(d Dialect) string { return "server_received_time" },
		userTraits: func(d Dialect, k string) string {
			return d.jsonText("user_properties", k)
		},
		accountTraits: func(d Dialect, k string) string { return d.jsonText("group_properties", k) },
	},
	// PostHog's batch exports (S3, BigQuery, Snowflake, Postgres, Redshift): events.
	PostHog: {
		table: "events", event: "event", ts: "timestamp", props: "properties", groupsInProps: "$groups",
		mid: func(d Dialect) string { return d.str("uuid") },
		uid: func(d Dialect) string {
			return "COALESCE(NULLIF(" + d.str("distinct_id") + ", ''), " + d.jsonText("properties", "distinct_id") + ")"
		},
		anon:              func(d Dialect) string { return d.nullText() },
		groupKey:          func(d Dialect) string { return d.jsonText("properties", "$group_key") },
		userTraits:        func(d Dialect, k string) string { return d.jsonText("properties", "$set", k) },
		userTraitsOnTrack: true,
		accountTraits:     func(d Dialect, k string) string { return d.jsonText("properties", "$group_set", k) },
	},
}

func (t *plainTable) tableName(o *Options) string {
	if o.Table != "" {
		return o.Table
	}
	return t.table
}

// account is the event's own account: the first group key present in the
// groups column (or the props' groups object), else in the properties.
func (t *plainTable) account(d Dialect, keys []string) string {
	var parts []string
	for _, k := range keys {
		switch {
		case t.groups != "" && t.groupsArray:
			// An array's first element, else a scalar (an empty array is none).
			scalar := d.jsonText(t.groups, k)
			parts = append(parts, "NULLIF("+d.jsonText(t.groups, k, firstElement)+", '')",
				"CASE WHEN "+scalar+" LIKE '[%' THEN NULL ELSE NULLIF("+scalar+", '') END")
		case t.groups != "":
			parts = append(parts, "NULLIF("+d.jsonText(t.groups, k)+", '')")
		case t.groupsInProps != "":
			parts = append(parts, "NULLIF("+d.jsonText(t.props, t.groupsInProps, k)+", '')")
		}
	}
	for _, k := range keys {
		parts = append(parts, "NULLIF("+d.jsonText(t.props, k)+", '')")
	}
	return "COALESCE(" + strings.Join(parts, ", ") + ")"
}

// rows reads the table with core's rules for plain events: $identify and
// $set are identify calls, $groupidentify a group call (without an account
// it is no record at all), $create_alias, $merge and ingest.SystemEvents (and
// "[Amplitude] ..." events) roll up nothing, every other event is activity.
func (t *plainTable) rows(o *Options) string {
	d := o.Dialect
	event := d.str(t.event)
	account := t.account(d, o.groupKeys())
	joins := account
	if t.groupKey != nil {
		joins = "NULLIF(" + t.groupKey(d) + ", '')"
	}
	system := make([]string, len(ingest.SystemEvents))
	for i, n := range ingest.SystemEvents {
		system[i] = quote(n)
	}
	rcv := "CAST(NULL AS " + d.timestamp() + ")"
	if t.rcv != nil {
		rcv = t.rcv(d)
	}
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("  SELECT %s AS mid, %s AS uid, %s AS anon,\n", t.mid(d), t.uid(d), t.anon(d))
	w("    CASE WHEN %s = '$groupidentify' THEN %s ELSE %s END AS aid,\n", event, joins, account)
	w("    %s AS name,\n", event)
	w("    CASE WHEN %s IN ('$identify', '$set') THEN 'identify' WHEN %s = '$groupidentify' THEN 'group'\n", event, event)
	w("      WHEN %s IN ('$create_alias', '$merge', %s) OR %s LIKE '[Amplitude] %%' THEN 'alias' ELSE 'track' END AS kind,\n",
		event, strings.Join(system, ", "), event)
	w("    CASE WHEN COALESCE(%s, '') = '' THEN NULL ELSE %s END AS ts, %s AS rcv", event, d.ident(t.ts), rcv)
	for j, tr := range o.UserTraits {
		when := "IN ('$identify', '$set')"
		if t.userTraitsOnTrack {
			when = "<> '$groupidentify'"
		}
		w(", CASE WHEN %s %s THEN %s END AS ut_%d", event, when, t.userTraits(d, tr), j)
	}
	for j, tr := range o.AccountTraits {
		w(", CASE WHEN %s = '$groupidentify' THEN %s END AS at_%d", event, t.accountTraits(d, tr), j)
	}
	w("\n  FROM %s%s\n  WHERE COALESCE(%s, '') <> '$groupidentify' OR %s IS NOT NULL", o.Prefix, t.tableName(o), event, joins)
	return b.String()
}
