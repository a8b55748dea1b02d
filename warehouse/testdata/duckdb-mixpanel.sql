-- sep-cells/1: the score's rollup cells, computed in the warehouse (sep sql).
-- schema mixpanel, dialect duckdb, time zone UTC, window 30, as of the last day with activity.
-- Tables: mixpanel.mp_master_event. Unload the result as CSV, JSON lines or Parquet and run:
--   sep score --cells RESULT
WITH raw AS (
  SELECT CAST(insert_id AS VARCHAR) AS mid, COALESCE(NULLIF(CAST(user_id AS VARCHAR), ''), CAST(distinct_id AS VARCHAR)) AS uid, CAST(device_id AS VARCHAR) AS anon,
    CASE WHEN CAST(event_name AS VARCHAR) = '$groupidentify' THEN COALESCE(NULLIF(json_extract_string(properties, '$."$group_id"'), ''), NULLIF(json_extract_string(properties, '$."org_id"'), ''), NULLIF(json_extract_string(properties, '$."orgId"'), ''), NULLIF(json_extract_string(properties, '$."organization_id"'), ''), NULLIF(json_extract_string(properties, '$."organizationId"'), ''), NULLIF(json_extract_string(properties, '$."company_id"'), ''), NULLIF(json_extract_string(properties, '$."companyId"'), ''), NULLIF(json_extract_string(properties, '$."account_id"'), ''), NULLIF(json_extract_string(properties, '$."accountId"'), ''), NULLIF(json_extract_string(properties, '$."group_id"'), ''), NULLIF(json_extract_string(properties, '$."company"'), ''), NULLIF(json_extract_string(properties, '$."account"'), ''), NULLIF(json_extract_string(properties, '$."organization"'), '')) ELSE COALESCE(NULLIF(json_extract_string(properties, '$."$group_id"'), ''), NULLIF(json_extract_string(properties, '$."org_id"'), ''), NULLIF(json_extract_string(properties, '$."orgId"'), ''), NULLIF(json_extract_string(properties, '$."organization_id"'), ''), NULLIF(json_extract_string(properties, '$."organizationId"'), ''), NULLIF(json_extract_string(properties, '$."company_id"'), ''), NULLIF(json_extract_string(properties, '$."companyId"'), ''), NULLIF(json_extract_string(properties, '$."account_id"'), ''), NULLIF(json_extract_string(properties, '$."accountId"'), ''), NULLIF(json_extract_string(properties, '$."group_id"'), ''), NULLIF(json_extract_string(properties, '$."company"'), ''), NULLIF(json_extract_string(properties, '$."account"'), ''), NULLIF(json_extract_string(properties, '$."organization"'), '')) END AS aid,
    CAST(event_name AS VARCHAR) AS name,
    CASE WHEN CAST(event_name AS VARCHAR) IN ('$identify', '$set') THEN 'identify' WHEN CAST(event_name AS VARCHAR) = '$groupidentify' THEN 'group'
      WHEN CAST(event_name AS VARCHAR) IN ('$create_alias', '$merge', 'session_start', 'session_end', '$opt_in', '$opt_out', '$feature_flag_called', '$feature_flag_response', '$snapshot', '$performance_event', '$web_vitals', '$$heatmap', '$exception_list', '$ae_session', '$ae_updated', '$ae_crashed') OR CAST(event_name AS VARCHAR) LIKE '[Amplitude] %' THEN 'alias' ELSE 'track' END AS kind,
    CASE WHEN COALESCE(CAST(event_name AS VARCHAR), '') = '' THEN NULL ELSE "time" END AS ts, epoch_ms(CAST(CAST(json_extract_string(properties, '$."$mp_api_timestamp_ms"') AS DOUBLE) AS BIGINT)) AS rcv
  FROM mixpanel.mp_master_event
  WHERE COALESCE(CAST(event_name AS VARCHAR), '') <> '$groupidentify' OR COALESCE(NULLIF(json_extract_string(properties, '$."$group_id"'), ''), NULLIF(json_extract_string(properties, '$."org_id"'), ''), NULLIF(json_extract_string(properties, '$."orgId"'), ''), NULLIF(json_extract_string(properties, '$."organization_id"'), ''), NULLIF(json_extract_string(properties, '$."organizationId"'), ''), NULLIF(json_extract_string(properties, '$."company_id"'), ''), NULLIF(json_extract_string(properties, '$."companyId"'), ''), NULLIF(json_extract_string(properties, '$."account_id"'), ''), NULLIF(json_extract_string(properties, '$."accountId"'), ''), NULLIF(json_extract_string(properties, '$."group_id"'), ''), NULLIF(json_extract_string(properties, '$."company"'), ''), NULLIF(json_extract_string(properties, '$."account"'), ''), NULLIF(json_extract_string(properties, '$."organization"'), '')) IS NOT NULL
),
ev AS (
  SELECT NULLIF(mid, '') AS mid, COALESCE(NULLIF(uid, ''), NULLIF(anon, '')) AS unit, NULLIF(aid, '') AS aid, name, kind, ts, rcv,
    CASE
      WHEN ts IS NULL THEN 'missing_field'
      WHEN COALESCE(NULLIF(uid, ''), NULLIF(anon, '')) IS NULL THEN 'no_user'
      WHEN ts < CAST('2015-06-01 00:00:00+00' AS TIMESTAMPTZ) OR ts > (LEAST(COALESCE(rcv, CURRENT_TIMESTAMP), CURRENT_TIMESTAMP) + INTERVAL 24 HOUR) THEN 'timestamp_out_of_range'
    END AS reject
  FROM raw
),
ok AS (
  SELECT ev.*, CASE WHEN reject IS NULL AND mid IS NOT NULL
    THEN ROW_NUMBER() OVER (PARTITION BY reject, mid ORDER BY rcv, ts, kind, unit, aid, name) ELSE 1 END AS copy
  FROM ev
),
used AS (SELECT * FROM ok WHERE reject IS NULL AND copy = 1),
act AS (
  SELECT unit, COALESCE(aid, '') AS aid,
    CASE kind WHEN 'track' THEN name
      WHEN 'page' THEN CASE WHEN COALESCE(name, '') = '' THEN 'Page Viewed' ELSE 'Viewed ' || name || ' Page' END
      ELSE CASE WHEN COALESCE(name, '') = '' THEN 'Screen Viewed' ELSE 'Viewed ' || name || ' Screen' END END AS event,
    CASE WHEN kind = 'track' THEN 0 ELSE 1 END AS nav,
    CAST(timezone('UTC', ts) AS DATE) AS day
  FROM used
  WHERE kind IN ('track', 'page', 'screen') AND NOT (kind = 'track' AND COALESCE(name, '') = '')
),
cells AS (
  SELECT unit, aid, event, day, MAX(nav) AS nav, COUNT(*) AS n FROM act GROUP BY unit, aid, event, day
),
as_of_day AS (SELECT MAX(day) AS d FROM cells),
bounds AS (SELECT d, (d + -89) AS lo FROM as_of_day),
marked AS (
  SELECT c.unit, c.aid, c.event, c.day, c.n, b.d, b.lo,
    MAX(c.nav) OVER (PARTITION BY c.event) AS nav,
    MIN(CASE WHEN c.day < b.lo THEN c.day END) OVER (PARTITION BY c.unit, c.aid, c.event) AS first_before,
    MAX(CASE WHEN c.day < b.lo THEN c.day END) OVER (PARTITION BY c.unit, c.aid, c.event) AS last_before,
    MAX(CASE WHEN c.day > b.d THEN c.day END) OVER (PARTITION BY c.unit, c.aid, c.event) AS last_after
  FROM cells c CROSS JOIN bounds b
),
kept AS (
  SELECT unit, aid, event, day, nav, n FROM marked
  WHERE (day >= lo AND day <= d) OR day = first_before OR day = last_before OR day = last_after
),
members AS (
  SELECT unit, aid, ts, ROW_NUMBER() OVER (PARTITION BY unit ORDER BY ts DESC, aid DESC) AS rn
  FROM used WHERE kind = 'group' AND aid IS NOT NULL
),
user_traits AS (
  SELECT id, k, v, ts, ROW_NUMBER() OVER (PARTITION BY id, k ORDER BY ts DESC, v DESC) AS rn FROM (
    SELECT CAST(NULL AS VARCHAR) AS id, CAST(NULL AS VARCHAR) AS k, CAST(NULL AS VARCHAR) AS v, ts FROM used WHERE 1 = 0
  ) t
),
account_traits AS (
  SELECT id, k, v, ts, ROW_NUMBER() OVER (PARTITION BY id, k ORDER BY ts DESC, v DESC) AS rn FROM (
    SELECT CAST(NULL AS VARCHAR) AS id, CAST(NULL AS VARCHAR) AS k, CAST(NULL AS VARCHAR) AS v, ts FROM used WHERE 1 = 0
  ) t
),
counters AS (
  SELECT 'events' AS k, COUNT(*) AS n FROM ok
  UNION ALL SELECT 'activity_events', COUNT(*) FROM act
  UNION ALL SELECT 'duplicates', COUNT(*) FROM ok WHERE reject IS NULL AND copy > 1
  UNION ALL SELECT 'skip:' || reject, COUNT(*) FROM ok WHERE reject IS NOT NULL GROUP BY reject
  UNION ALL SELECT 'skip:no_event_name', COUNT(*) FROM used WHERE kind = 'track' AND COALESCE(name, '') = '' HAVING COUNT(*) > 0
  UNION ALL SELECT 'skipped', COUNT(*) FROM ok WHERE reject IS NOT NULL OR (copy = 1 AND kind = 'track' AND COALESCE(name, '') = '')
),
meta AS (
  SELECT 'format' AS k, 'sep-cells/1' AS v
  UNION ALL SELECT 'schema', 'mixpanel'
  UNION ALL SELECT 'tz', 'UTC'
  UNION ALL SELECT 'window', '30'
  UNION ALL SELECT 'as_of', strftime(d, '%Y-%m-%d') FROM bounds
  UNION ALL SELECT 'detail_from', strftime(lo, '%Y-%m-%d') FROM bounds
)
SELECT 'cell' AS kind, unit AS user_id, aid AS account_id, event AS event, CAST(nav AS BIGINT) AS nav, strftime(day, '%Y-%m-%d') AS day, CAST(n AS BIGINT) AS n, CAST(NULL AS BIGINT) AS time_ms, CAST(NULL AS VARCHAR) AS name, CAST(NULL AS VARCHAR) AS value FROM kept
UNION ALL
SELECT 'member' AS kind, unit AS user_id, aid AS account_id, CAST(NULL AS VARCHAR) AS event, CAST(NULL AS BIGINT) AS nav, CAST(NULL AS VARCHAR) AS day, CAST(NULL AS BIGINT) AS n, CAST(epoch_ms(ts) AS BIGINT) AS time_ms, CAST(NULL AS VARCHAR) AS name, CAST(NULL AS VARCHAR) AS value FROM members WHERE rn = 1
UNION ALL
SELECT 'user_trait' AS kind, id AS user_id, CAST(NULL AS VARCHAR) AS account_id, CAST(NULL AS VARCHAR) AS event, CAST(NULL AS BIGINT) AS nav, CAST(NULL AS VARCHAR) AS day, CAST(NULL AS BIGINT) AS n, CAST(epoch_ms(ts) AS BIGINT) AS time_ms, k AS name, v AS value FROM user_traits WHERE rn = 1
UNION ALL
SELECT 'account_trait' AS kind, CAST(NULL AS VARCHAR) AS user_id, id AS account_id, CAST(NULL AS VARCHAR) AS event, CAST(NULL AS BIGINT) AS nav, CAST(NULL AS VARCHAR) AS day, CAST(NULL AS BIGINT) AS n, CAST(epoch_ms(ts) AS BIGINT) AS time_ms, k AS name, v AS value FROM account_traits WHERE rn = 1
UNION ALL
SELECT 'counter' AS kind, CAST(NULL AS VARCHAR) AS user_id, CAST(NULL AS VARCHAR) AS account_id, CAST(NULL AS VARCHAR) AS event, CAST(NULL AS BIGINT) AS nav, CAST(NULL AS VARCHAR) AS day, CAST(n AS BIGINT) AS n, CAST(NULL AS BIGINT) AS time_ms, CAST(k AS VARCHAR) AS name, CAST(NULL AS VARCHAR) AS value FROM counters
UNION ALL
SELECT 'meta' AS kind, CAST(NULL AS VARCHAR) AS user_id, CAST(NULL AS VARCHAR) AS account_id, CAST(NULL AS VARCHAR) AS event, CAST(NULL AS BIGINT) AS nav, CAST(NULL AS VARCHAR) AS day, CAST(NULL AS BIGINT) AS n, CAST(NULL AS BIGINT) AS time_ms, CAST(k AS VARCHAR) AS name, CAST(v AS VARCHAR) AS value FROM meta;
