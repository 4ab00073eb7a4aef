// tests/output/readers/duckdb-read.mjs FILE: read an inputtrace JSON Lines file (plain or
// .gz) with DuckDB's read_json, as a data pipeline would; print one JSON object:
// {"lines": N, "events": N, "first": "<record of the first line>", "stats": N}.
// Exit 1 (DuckDB's error on stderr) when DuckDB cannot read it.
import { DuckDBInstance } from '@duckdb/node-api';

const file = process.argv[2];
if (!file) {
  console.error('usage: duckdb-read.mjs FILE');
  process.exit(2);
}
try {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  const rel = `read_json('${file.replaceAll("'", "''")}', format = 'newline_delimited')`;
  const counts = await con.runAndReadAll(
    `SELECT count(*) AS lines, count(*) FILTER (WHERE record = 'event') AS events,
            count(*) FILTER (WHERE record = 'stats') AS stats FROM ${rel}`);
  const first = await con.runAndReadAll(`SELECT record FROM ${rel} LIMIT 1`);
  const c = counts.getRowObjectsJson()[0];
  console.log(JSON.stringify({ lines: Number(c.lines), events: Number(c.events),
                               first: first.getRowObjectsJson()[0].record, stats: Number(c.stats) }));
} catch (e) {
  console.error(`duckdb: ${e.message}`);
  process.exit(1);
}
