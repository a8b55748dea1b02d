// Computes the three SEP components of a Segment JSON-lines export with DuckDB,
// for `make bench` to compare with `sep score` on the same file. Benchmark-only.
//
//   node e2e/bench/duckdb.mjs FILE "Core A,Core B,..." [WINDOW]
//
// Prints one JSON object: adoption, stickiness (DAU/MAU), growth, quick_ratio,
// counts and the seconds DuckDB took. Semantics follow SPEC.md for this input:
// user = userId, else anonymousId; activity = track, page, screen; days in UTC;
// as-of = the last day with activity; page calls are "Viewed <name> Page".
import { DuckDBInstance } from '@duckdb/node-api';

const [file, coreArg, windowArg] = process.argv.slice(2);
if (!file || !coreArg) {
  console.error('usage: node duckdb.mjs FILE "A,B,C" [WINDOW]');
  process.exit(2);
}
const core = coreArg.split(',').map((s) => s.trim()).filter(Boolean);
const W = Number(windowArg || 30);
const quote = (s) => `'${s.replaceAll("'", "''")}'`;

const growthScore = (qr) => {
  if (!(qr > 0.5)) return 0;
  if (qr >= 5) return 100;
  const x = Math.log(qr);
  const l05 = Math.log(0.5), l15 = Math.log(1.5), l5 = Math.log(5);
  return x <= l15 ? (50 * (x - l05)) / (l15 - l05) : 50 + (50 * (x - l15)) / (l5 - l15);
};

const t0 = performance.now();
const db = await DuckDBInstance.create(':memory:', { threads: '2' });
const conn = await db.connect();
const rows = async (sql) => (await conn.runAndReadAll(sql)).getRowObjects();

await conn.run(`
CREATE TABLE act AS
SELECT coalesce(userId, anonymousId) AS uid,
       CASE type
         WHEN 'track' THEN event
         WHEN 'page' THEN CASE WHEN coalesce(name, '') = '' THEN 'Page Viewed' ELSE 'Viewed ' || name || ' Page' END
         ELSE CASE WHEN coalesce(name, '') = '' THEN 'Screen Viewed' ELSE 'Viewed ' || name || ' Screen' END
       END AS ev,
       CAST(timezone('UTC', CAST("timestamp" AS TIMESTAMPTZ)) AS DATE) AS day
FROM read_ndjson(${quote(file)},
     columns = {userId: 'VARCHAR', anonymousId: 'VARCHAR', type: 'VARCHAR', event: 'VARCHAR', name: 'VARCHAR', "timestamp": 'VARCHAR'},
     ignore_errors = true)
WHERE type IN ('track', 'page', 'screen') AND coalesce(userId, anonymousId) IS NOT NULL`);

const coreList = core.map(quote).join(', ');
const [adoption] = await rows(`
WITH p AS (SELECT max(day) AS d FROM act)
SELECT 100.0 * sum(n) / (${core.length} * count(*)) AS adoption, count(*) AS active
FROM (SELECT uid, count(DISTINCT ev) FILTER (WHERE ev IN (${coreList})) AS n
      FROM act, p WHERE day BETWEEN d - ${W - 1} AND d GROUP BY uid)`);

const [stick] = await rows(`
WITH p AS (SELECT max(day) AS d FROM act),
     ud AS (SELECT DISTINCT uid, day FROM act, p WHERE day BETWEEN d - ${W - 1 + 29} AND d),
     days AS (SELECT CAST(d - CAST(i AS INTEGER) AS DATE) AS day FROM p, range(0, ${W}) t(i)),
     per AS (SELECT s.day,
                    count(DISTINCT ud.uid) FILTER (WHERE ud.day = s.day) AS dau,
                    count(DISTINCT ud.uid) AS mau
             FROM days s JOIN ud ON ud.day BETWEEN s.day - 29 AND s.day GROUP BY s.day)
SELECT 100.0 * avg(dau::DOUBLE / mau) AS stickiness FROM per WHERE mau > 0`);

const [growth] = await rows(`
WITH p AS (SELECT max(day) AS d FROM act),
     u AS (SELECT uid, min(day) AS first,
                  bool_or(day BETWEEN d - ${W - 1} AND d) AS in_p,
                  bool_or(day BETWEEN d - ${2 * W - 1} AND d - ${W}) AS in_q
           FROM act, p GROUP BY uid)
SELECT count(*) FILTER (WHERE in_p AND NOT in_q AND first >= (SELECT d FROM p) - ${W - 1}) AS new,
       count(*) FILTER (WHERE in_p AND NOT in_q AND first < (SELECT d FROM p) - ${W - 1}) AS recovered,
       count(*) FILTER (WHERE in_q AND NOT in_p) AS dropped
FROM u`);

const num = (v) => Number(v);
const gained = num(growth.new) + num(growth.recovered);
const dropped = num(growth.dropped);
const qr = dropped === 0 ? (gained === 0 ? 1 : Infinity) : gained / dropped;
const out = {
  adoption: num(adoption.adoption),
  stickiness: num(stick.stickiness),
  growth: growthScore(qr),
  quick_ratio: qr === Infinity ? 'inf' : qr,
  counts: { active: num(adoption.active), new: num(growth.new), recovered: num(growth.recovered), dropped },
  seconds: (performance.now() - t0) / 1000,
};
out.pes = (out.adoption + out.stickiness + out.growth) / 3;
console.log(JSON.stringify(out));
