// Runs sep's warehouse query in DuckDB, for cmd/sep's warehouse test.
//
//   node e2e/warehouse/duckdb.mjs DIR QUERY.sql OUT FORMAT
//
// DIR holds schema.sql (CREATE TABLE statements) and one TABLE.csv per table;
// the query's result is unloaded to OUT as FORMAT (csv, json or parquet), the
// way a warehouse's COPY/UNLOAD writes it.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const [dir, queryFile, out, format] = process.argv.slice(2);
if (!dir || !queryFile || !out || !format) {
  console.error('usage: node duckdb.mjs DIR QUERY.sql OUT csv|json|parquet');
  process.exit(2);
}
const db = await DuckDBInstance.create(':memory:', { threads: '2' });
const conn = await db.connect();
await conn.run("SET TimeZone = 'UTC'");
await conn.run(readFileSync(join(dir, 'schema.sql'), 'utf8'));
for (const f of readdirSync(dir).filter((f) => f.endsWith('.csv')).sort()) {
  const table = f.slice(0, -4);
  await conn.run(`COPY ${table} FROM '${join(dir, f)}' (FORMAT csv, HEADER true)`);
}
const query = readFileSync(queryFile, 'utf8').trim().replace(/;$/, '');
const opts = { csv: '(FORMAT csv, HEADER true)', json: '(FORMAT json)', parquet: '(FORMAT parquet)' }[format];
await conn.run(`COPY (${query}) TO '${out}' ${opts}`);
