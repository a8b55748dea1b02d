// DuckDB's side of `make bench`'s Parquet mode: reads a PostHog S3-export
// Parquet file with read_parquet and rolls it up per (user, event, UTC day),
// the cells sep builds. Benchmark-only.
//
//   node e2e/bench/parquet.mjs FILE.parquet
//
// Prints {"rows", "cells", "seconds"}.
import { DuckDBInstance } from '@duckdb/node-api';

const [file] = process.argv.slice(2);
const t0 = performance.now();
const db = await DuckDBInstance.create(':memory:', { threads: '2' });
const conn = await db.connect();
await conn.run("SET TimeZone = 'UTC'");
const rows = async (sql) => (await conn.runAndReadAll(sql)).getRowObjects();
await conn.run(`CREATE TABLE cells AS
  SELECT distinct_id, event, CAST("timestamp" AS DATE) AS day, count(*) AS n
  FROM read_parquet('${file}') GROUP BY ALL`);
const [r] = await rows('SELECT CAST(sum(n) AS BIGINT) AS rows, CAST(count(*) AS BIGINT) AS cells FROM cells');
console.log(JSON.stringify({ rows: Number(r.rows), cells: Number(r.cells), seconds: (performance.now() - t0) / 1000 }));
