// `npm run bench`: generates logs with a known exact total, times the real CLI on them, checks the
// total, and reports rows/s, MB/s and peak memory. Not a test: it prints figures for the README.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, createReadStream, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse';
import { expectedTotal, writeLog } from './generate.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = join(root, 'bench', 'data');
const sizes = (process.env.BENCH_ROWS ?? '1000000').split(',').map(Number);
const formats = (process.env.BENCH_FORMATS ?? 'csv,ndjson').split(',');

function runCli(args, env = {}) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['--import', join(root, 'bench', 'rss.mjs'), join(root, 'bin', 'tallyman.js'), ...args], { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, ...env } });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rss = Number(/BENCH_MAX_RSS_KB=(\d+)/.exec(result.stderr)?.[1] ?? 0) / 1024;
  return { seconds, rss, status: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function parserOnly(path) {
  const started = process.hrtime.bigint();
  let rows = 0;
  for await (const _ of createReadStream(path, { highWaterMark: 1 << 20 }).pipe(parse())) rows++;
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, rows };
}

/** JSON.parse of every line, nothing else: how fast NDJSON can be read into objects at all. */
async function jsonParseOnly(path) {
  const started = process.hrtime.bigint();
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let rows = 0;
  let carry = '';
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const text = carry + decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      JSON.parse(text.slice(start, end));
      rows++;
      start = end + 1;
    }
    carry = text.slice(start);
  }
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, rows };
}

/** tallyman's own tokenizer alone (decoding and tokenizing, no records). */
async function tokenizerOnly(path) {
  const { CsvTokenizer } = await import('../dist/ingest/tokenizer.js');
  const started = process.hrtime.bigint();
  const tokenizer = new CsvTokenizer(path);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let rows = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) rows += tokenizer.push(decoder.decode(chunk, { stream: true })).length;
  rows += tokenizer.end().length;
  return { seconds: Number(process.hrtime.bigint() - started) / 1e9, rows };
}

/** DuckDB, where it installs (into bench/.deps, never the project's dependencies). */
function duckdbAvailable() {
  const deps = join(root, 'bench', '.deps');
  if (existsSync(join(deps, 'node_modules', '@duckdb', 'node-api'))) return true;
  mkdirSync(deps, { recursive: true });
  if (!existsSync(join(deps, 'package.json'))) writeFileSync(join(deps, 'package.json'), '{"private":true}\n');
  const install = spawnSync('npm', ['install', '--no-audit', '--no-fund', '@duckdb/node-api'], { cwd: deps, encoding: 'utf8' });
  return install.status === 0;
}

function runDuckdb(path) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['--import', join(root, 'bench', 'rss.mjs'), join(root, 'bench', 'duckdb.mjs'), path], { cwd: root, encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rss = Number(/BENCH_MAX_RSS_KB=(\d+)/.exec(result.stderr)?.[1] ?? 0) / 1024;
  return { seconds, rss, status: result.status, stdout: result.stdout, stderr: result.stderr };
}

mkdirSync(dataDir, { recursive: true });
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`);
const duckdb = process.env.BENCH_DUCKDB === '0' ? false : duckdbAvailable();
if (!duckdb) console.log('DuckDB is not available here: the ratio column stays empty.');
console.log('| rows | format | MB | step | seconds | rows/s | MB/s | peak RSS MB | vs DuckDB | total ok |');
console.log('| ---: | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |');
let failed = false;
for (const rows of sizes) {
  const expected = expectedTotal(rows);
  for (const format of formats) {
    const path = join(dataDir, `usage-${rows}.${format}`);
    if (!existsSync(path)) await writeLog(path, rows, format);
    const mb = statSync(path).size / 1e6;
    let reference;
    const line = (step, seconds, rss, ok) =>
      console.log(`| ${rows.toLocaleString('en-US')} | ${format} | ${mb.toFixed(0)} | ${step} | ${seconds.toFixed(2)} | ${Math.round(rows / seconds).toLocaleString('en-US')} | ${(mb / seconds).toFixed(1)} | ${rss ? rss.toFixed(0) : '—'} | ${reference ? `${(seconds / reference).toFixed(2)}×` : '—'} | ${ok} |`);
    if (duckdb) {
      const run = runDuckdb(path);
      const total = run.status === 0 ? JSON.parse(run.stdout).total : `exit ${run.status}: ${run.stderr.split('\n')[0]}`;
      if (total !== expected) failed = true;
      line('DuckDB, exact SQL (reference)', run.seconds, run.rss, total === expected ? `yes (${total})` : `NO: ${total} ≠ ${expected}`);
      reference = run.seconds;
    }
    if (format === 'csv') {
      const baseline = await parserOnly(path);
      line('csv-parse alone (baseline)', baseline.seconds, 0, '—');
      const own = await tokenizerOnly(path);
      line('tallyman tokenizer alone', own.seconds, 0, own.rows === rows + 1 ? 'yes (all rows)' : `NO: ${own.rows} rows`);
    } else {
      const baseline = await jsonParseOnly(path);
      line('JSON.parse per line alone (baseline)', baseline.seconds, 0, baseline.rows === rows ? 'yes (all lines)' : `NO: ${baseline.rows} lines`);
    }
    const check = (step, args, read, env) => {
      const run = runCli([...args, path, '--format', 'json'], env);
      let verdict;
      try {
        if (run.status !== 0 && run.status !== 1) throw new Error(`exit ${run.status}: ${run.stderr.split('\n')[0]}`);
        verdict = read(JSON.parse(run.stdout));
      } catch (error) {
        verdict = `NO: ${error.message}`;
      }
      if (verdict.startsWith('NO')) failed = true;
      line(step, run.seconds, run.rss, verdict);
    };
    const exact = (total) => (total === expected ? `yes (${total})` : `NO: ${total} ≠ ${expected}`);
    check('tallyman invoice', ['invoice'], (j) => exact(j.total));
    if (format === 'csv') check('tallyman invoice, one thread', ['invoice'], (j) => exact(j.total), { TALLYMAN_THREADS: '1' });
    check('tallyman audit', ['audit', '--fail-on', 'error'], (j) => exact(j.summary.invoice_total));
    // A start balance no log here reaches, so nothing is refused and the ledger's usage is the whole log.
    check('tallyman balance', ['balance', '--balance', '1000000000', '--days', '30'], (j) => {
      // The ledger rounds each record's cost to 12 decimals, not each line to cents: its usage may
      // differ from the invoice by a few cents, but it must balance to the cent.
      const cents = (s) => BigInt(s.replace('.', '')); // amounts carry exactly 2 decimals
      const t = j.totals;
      const flows = cents(j.start_balance) + cents(t.grants) + cents(t.autopay) + cents(t.topups) + cents(t.usage) + cents(t.addons) + cents(t.expired);
      if (flows !== cents(j.end_balance)) return `NO: start + flows ≠ end (${flows} ≠ ${cents(j.end_balance)})`;
      const gap = cents(t.usage) + cents(expected);
      return gap >= -5n && gap <= 5n ? `yes (usage ${t.usage}, end ${j.end_balance})` : `NO: usage ${t.usage} vs invoice ${expected}`;
    });
  }
}
if (failed) {
  console.error('bench: a total did not match the exact total known by construction');
  process.exitCode = 1;
}
