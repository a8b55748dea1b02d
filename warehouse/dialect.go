package warehouse

import (
	"fmt"
	"strings"
)

// Dialect names a SQL dialect the query is written in.
type Dialect string

// The dialects sep writes. DuckDB and PostgreSQL are tested on real engines;
// BigQuery and Snowflake are kept as golden files.
const (
	DuckDB    Dialect = "duckdb"
	Postgres  Dialect = "postgres"
	BigQuery  Dialect = "bigquery"
	Snowflake Dialect = "snowflake"
)

// Dialects lists the dialects, in the order the docs present them.
var Dialects = []Dialect{DuckDB, Postgres, BigQuery, Snowflake}

// ParseDialect parses a dialect name.
func ParseDialect(s string) (Dialect, error) {
	for _, d := range Dialects {
		if strings.EqualFold(s, string(d)) {
			return d, nil
		}
	}
	return "", fmt.Errorf("unknown dialect %q: want %s", s, joinNames(Dialects))
}

func joinNames[T ~string](list []T) string {
	parts := make([]string, len(list))
	for i, v := range list {
		parts[i] = string(v)
	}
	return strings.Join(parts, ", ")
}

// text is the dialect's string type.
func (d Dialect) text() string {
	if d == BigQuery {
		return "STRING"
	}
	return "VARCHAR"
}

// integer is the dialect's 64-bit integer type.
func (d Dialect) integer() string {
	if d == BigQuery {
		return "INT64"
	}
	return "BIGINT"
}

// str casts an expression to the string type.
func (d Dialect) str(expr string) string { return "CAST(" + expr + " AS " + d.text() + ")" }

// null is a typed NULL of the string or integer type.
func (d Dialect) nullText() string { return "CAST(NULL AS " + d.text() + ")" }
func (d Dialect) nullInt() string  { return "CAST(NULL AS " + d.integer() + ")" }

// ident quotes a column name that may be a keyword (timestamp).
func (d Dialect) ident(name string) string {
	switch d {
	case BigQuery:
		return "`" + name + "`"
	case Snowflake:
		return `"` + strings.ToUpper(name) + `"`
	}
	return `"` + name + `"`
}

// localDay is the calendar date of the instant ts in the IANA zone tz.
func (d Dialect) localDay(ts, tz string) string {
	z := quote(tz)
	switch d {
	case DuckDB:
		return "CAST(timezone(" + z + ", " + ts + ") AS DATE)"
	case Postgres:
		return "CAST((" + ts + " AT TIME ZONE " + z + ") AS DATE)"
	case BigQuery:
		return "DATE(" + ts + ", " + z + ")"
	default:
		return "CAST(CONVERT_TIMEZONE(" + z + ", " + ts + ") AS DATE)"
	}
}

// dayText formats a DATE as YYYY-MM-DD.
func (d Dialect) dayText(expr string) string {
	switch d {
	case DuckDB:
		return "strftime(" + expr + ", '%Y-%m-%d')"
	case BigQuery:
		return "FORMAT_DATE('%Y-%m-%d', " + expr + ")"
	default:
		return "TO_CHAR(" + expr + ", 'YYYY-MM-DD')"
	}
}

// addDays adds n days to a DATE.
func (d Dialect) addDays(expr string, n int) string {
	switch d {
	case BigQuery:
		return fmt.Sprintf("DATE_ADD(%s, INTERVAL %d DAY)", expr, n)
	case Snowflake:
		return fmt.Sprintf("DATEADD(day, %d, %s)", n, expr)
	}
	return fmt.Sprintf("(%s + %d)", expr, n)
}

// plus24h adds 24 hours (not a calendar day) to a timestamp.
func (d Dialect) plus24h(ts string) string {
	switch d {
	case DuckDB:
		return "(" + ts + " + INTERVAL 24 HOUR)"
	case Postgres:
		return "(" + ts + " + INTERVAL '24 hours')"
	case BigQuery:
		return "TIMESTAMP_ADD(" + ts + ", INTERVAL 24 HOUR)"
	default:
		return "DATEADD(hour, 24, " + ts + ")"
	}
}

// instant is a literal UTC instant.
func (d Dialect) instant(s string) string {
	switch d {
	case BigQuery:
		return "TIMESTAMP '" + s + "+00'"
	case Snowflake:
		return "CAST('" + s + " +00:00' AS TIMESTAMP_TZ)"
	}
	return "CAST('" + s + "+00' AS TIMESTAMPTZ)"
}

// epochMs is the instant ts in milliseconds since the epoch.
func (d Dialect) epochMs(ts string) string {
	switch d {
	case DuckDB:
		return "epoch_ms(" + ts + ")"
	case Postgres:
		return "CAST(floor(extract(epoch FROM " + ts + ") * 1000) AS BIGINT)"
	case BigQuery:
		return "UNIX_MILLIS(" + ts + ")"
	default:
		return "DATE_PART(epoch_millisecond, " + ts + ")"
	}
}

// bytewise makes a string comparison follow byte order, as Go compares strings
// (PostgreSQL's default collation follows the locale).
func (d Dialect) bytewise(expr string) string {
	if d == Postgres {
		return expr + ` COLLATE "C"`
	}
	return expr
}

// quote writes a SQL string literal.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// jsonText is the scalar at a path of keys in a JSON column (JSON text, or the
// dialect's JSON type: jsonb, BigQuery JSON, Snowflake VARIANT), as a string;
// NULL when absent. The key "[0]" is an array's first element.
func (d Dialect) jsonText(col string, keys ...string) string {
	switch d {
	case DuckDB:
		return "json_extract_string(" + col + ", " + quote(jsonPath(keys)) + ")"
	case Postgres:
		parts := make([]string, len(keys))
		for i, k := range keys {
			if k == firstElement {
				parts[i] = "0"
				continue
			}
			parts[i] = `"` + strings.ReplaceAll(strings.ReplaceAll(k, `\`, `\\`), `"`, `\"`) + `"`
		}
		return "(CAST(" + col + " AS jsonb) #>> " + quote("{"+strings.Join(parts, ",")+"}") + ")"
	case BigQuery:
		return "JSON_VALUE(" + col + ", " + quote(jsonPath(keys)) + ")"
	default:
		path := ""
		for _, k := range keys {
			if k == firstElement {
				path += "[0]"
			} else if path == "" {
				path = `"` + k + `"`
			} else {
				path += `."` + k + `"`
			}
		}
		return "CAST(GET_PATH(" + col + ", " + quote(path) + ") AS VARCHAR)"
	}
}

// firstElement is the path key of an array's first element.
const firstElement = "[0]"

// jsonPath writes $."a"."b"[0] (keys quoted: PostHog's start with $).
func jsonPath(keys []string) string {
	var b strings.Builder
	b.WriteString("$")
	for _, k := range keys {
		if k == firstElement {
			b.WriteString("[0]")
			continue
		}
		b.WriteString(`."` + strings.ReplaceAll(k, `"`, `\"`) + `"`)
	}
	return b.String()
}

// timestamp is the dialect's type of instants.
func (d Dialect) timestamp() string {
	switch d {
	case BigQuery:
		return "TIMESTAMP"
	case Snowflake:
		return "TIMESTAMP_TZ"
	}
	return "TIMESTAMPTZ"
}

// fromEpochMs is the instant of a number of ms since the epoch (a string or
// number expression); NULL stays NULL.
func (d Dialect) fromEpochMs(expr string) string {
	switch d {
	case DuckDB:
		return "epoch_ms(CAST(CAST(" + expr + " AS DOUBLE) AS BIGINT))"
	case Postgres:
		return "to_timestamp(CAST(" + expr + " AS DOUBLE PRECISION) / 1000)"
	case BigQuery:
		return "TIMESTAMP_MILLIS(CAST(CAST(" + expr + " AS FLOAT64) AS INT64))"
	default:
		return "TO_TIMESTAMP_TZ(CAST(CAST(" + expr + " AS DOUBLE) AS BIGINT), 3)"
	}
}
