import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';
const sql = readFileSync(process.argv[2], 'utf8');
const inst = await DuckDBInstance.create(':memory:', { threads: '2' });
const c = await inst.connect();
let t = Date.now();
if (process.argv[3] === 'explain') {
  await c.run("PRAGMA enable_profiling='json'; PRAGMA profiling_output='/tmp/lead/profile.json'");
}
const r = await c.runAndReadAll(sql);
console.log('rows', r.getRows().length, 'ms', Date.now() - t);
