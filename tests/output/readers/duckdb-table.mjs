// tests/output/readers/duckdb-table.mjs FILE COLUMN: read a table of `inputtrace
// features` (CSV when FILE ends in .csv, JSON Lines otherwise) with DuckDB, as a data
// pipeline would; print one JSON object: {"rows": N, "columns": [...], "sum": S,
// "nulls": N} where S is the sum of COLUMN (read as a number) and nulls its empty cells.
// Exit 1 (DuckDB's error on stderr) when DuckDB cannot read it.
import { DuckDBInstance } from '@duckdb/node-api';

const [file, column] = process.argv.slice(2);
if (!file || !column) {
  console.error('usage: duckdb-table.mjs FILE COLUMN');
  process.exit(2);
}
try {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  const q = file.replaceAll("'", "''");
  const rel = file.endsWith('.csv') ? `read_csv('${q}', header = true)`
                                    : `read_json('${q}', format = 'newline_delimited')`;
  const col = `"${column.replaceAll('"', '""')}"`;
  const r = await con.runAndReadAll(
    `SELECT count(*) AS rows, sum(${col}::DOUBLE) AS sum, count(*) - count(${col}) AS nulls
     FROM ${rel}`);
  const cols = await con.runAndReadAll(`DESCRIBE SELECT * FROM ${rel}`);
  const c = r.getRowObjectsJson()[0];
  console.log(JSON.stringify({ rows: Number(c.rows),
                               columns: cols.getRowObjectsJson().map((x) => x.column_name),
                               sum: Number(Number(c.sum).toFixed(3)), nulls: Number(c.nulls) }));
} catch (e) {
  console.error(`duckdb: ${e.message}`);
  process.exit(1);
}
