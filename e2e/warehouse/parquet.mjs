// Writes a JSON-lines export as Parquet with DuckDB, the way the tools'
// exports lay it out, for cmd/sep's Parquet test.
//
//   node e2e/warehouse/parquet.mjs IN.jsonl OUT.parquet segment|posthog
//
// segment: the raw Segment shape, nested objects as Parquet structs.
// posthog: PostHog's S3 batch export (events model): properties as a JSON
// string column, timestamp as a Parquet timestamp.
import { DuckDBInstance } from '@duckdb/node-api';

const [input, out, shape] = process.argv.slice(2);
const db = await DuckDBInstance.create(':memory:', { threads: '2' });
const conn = await db.connect();
await conn.run("SET TimeZone = 'UTC'");
const src = `read_json('${input}', format = 'newline_delimited', sample_size = -1)`;
const select = {
  segment: `SELECT * FROM ${src}`,
  posthog: `SELECT uuid, event, distinct_id, CAST(to_json(properties) AS VARCHAR) AS properties,
              CAST("timestamp" AS TIMESTAMPTZ) AS "timestamp" FROM ${src}`,
}[shape];
if (!select) {
  console.error('usage: node parquet.mjs IN.jsonl OUT.parquet segment|posthog');
  process.exit(2);
}
await conn.run(`COPY (${select}) TO '${out}' (FORMAT parquet)`);
