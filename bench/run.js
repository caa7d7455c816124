// `npm run bench`: generates logs with a known exact total, times the real CLI on them (invoice,
// audit, balance, reconcile, estimate --from-log) and DuckDB computing the same rule, checks every
// total, and reports rows/s, MB/s, peak memory, each command's time as a ratio to the invoice's and
// the ratio to DuckDB. Not a test: it prints figures for the README.
//
// Environment: BENCH_ROWS (1000000), BENCH_FORMATS (csv,ndjson), BENCH_SHAPE (bench; or a list:
// bench,seeds,mixed; see bench/generate.js), BENCH_RUNS (3: rounds, each running every step once
// in the same order, so a busy moment of this shared machine falls on all of them; medians are
// printed), BENCH_BEFORE (the directory of another build, e.g. a previous release: its commands run
// in the same rounds, each right after this build's), BENCH_DUCKDB=0 (no DuckDB), BENCH_BASELINES=0
// (no csv-parse / tokenizer / JSON.parse baselines), BENCH_STARTUP (15: rounds of the startup
// table, `node -e 0` against `tallyman --version` and a 10-line invoice; 0 for none),
// BENCH_STARTUP_ONLY=1 (the startup table alone), BENCH_STEPS (only the steps named, separated by ";", e.g.
// `invoice;invoice --engine duckdb`). BENCH_FORMATS may name parquet: the CSV's rows written as typed
// Parquet by DuckDB (bench/to-parquet.mjs). With DuckDB installed (the optional dependency), every log
// also runs `invoice --engine duckdb`, beside plain DuckDB computing the same rule.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, createReadStream, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse';
import { SHAPES, expectedQuantities, expectedTotal, writeLog } from './generate.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = join(root, 'bench', 'data');
const sizes = (process.env.BENCH_ROWS ?? '1000000').split(',').map(Number);
const formats = (process.env.BENCH_FORMATS ?? 'csv,ndjson').split(',');
const shapes = (process.env.BENCH_SHAPE ?? 'bench').split(',');
for (const shape of shapes) if (!SHAPES.includes(shape)) throw new Error(`BENCH_SHAPE: ${shape} is not one of ${SHAPES.join(', ')}`);
const runs = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
const before = process.env.BENCH_BEFORE || undefined;
const baselines = process.env.BENCH_BASELINES !== '0';
const startupRuns = Math.max(0, Number(process.env.BENCH_STARTUP ?? 15));
/** BENCH_STEPS: only these steps (names as printed, separated by ";": a name may hold a comma), e.g. `invoice;invoice --engine duckdb`. */
const only = process.env.BENCH_STEPS?.split(';').map((name) => name.trim());

function runCli(args, env = {}, build = root) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['--import', join(root, 'bench', 'rss.mjs'), join(build, 'bin', 'tallyman.js'), ...args], { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, ...env } });
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

/** DuckDB: the project's optional dependency, else installed into bench/.deps. */
function duckdbAvailable() {
  if (existsSync(join(root, 'node_modules', '@duckdb', 'node-api'))) return true; // the optional dependency
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

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const cents = (s) => BigInt(s.replace('.', '')); // amounts carry exactly 2 decimals

/** A statement that matches the invoice: one line per invoice line, for the whole period. */
function statementOf(invoice) {
  const rows = ['product,model,addon,amount'];
  for (const l of invoice.lines) rows.push([l.product, l.model, l.addon ?? l.token_type ?? '', l.amount].join(','));
  return `${rows.join('\n')}\n`;
}

/**
 * The steps of one log: each a command with the verdict on its output. `ref` is the step whose time
 * the others are divided by (the invoice); a step with `current: true` runs on this build only.
 */
function stepsOf(path, format, expected, quantities, statement) {
  const exact = (total) => (total === expected ? `yes (${total})` : `NO: ${total} ≠ ${expected}`);
  const steps = [
    { name: 'invoice', args: ['invoice', path, '--format', 'json'], read: (j) => exact(j.total) },
  ];
  if (format === 'csv') steps.push({ name: 'invoice, one thread', args: ['invoice', path, '--format', 'json'], env: { TALLYMAN_THREADS: '1' }, read: (j) => exact(j.total) });
  // The same card compiled to SQL and run by embedded DuckDB (issue 16): its time is compared to plain DuckDB's.
  if (duckdb) steps.push({ name: 'invoice --engine duckdb', args: ['invoice', path, '--engine', 'duckdb', '--format', 'json'], read: (j) => exact(j.total) });
  steps.push(
    { name: 'audit', args: ['audit', path, '--fail-on', 'error', '--format', 'json'], read: (j) => exact(j.summary.invoice_total) },
    // A start balance no log here reaches, so nothing is refused and the ledger's usage is the whole log.
    {
      name: 'balance', args: ['balance', path, '--balance', '1000000000', '--days', '30', '--format', 'json'], read: (j) => {
        // The ledger rounds each record's cost to 12 decimals, not each line to cents: its usage may
        // differ from the invoice by a few cents, but it must balance to the cent.
        const t = j.totals;
        const flows = cents(j.start_balance) + cents(t.grants) + cents(t.autopay) + cents(t.topups) + cents(t.usage) + cents(t.addons) + cents(t.expired);
        if (flows !== cents(j.end_balance)) return `NO: start + flows ≠ end (${flows} ≠ ${cents(j.end_balance)})`;
        const gap = cents(t.usage) + cents(expected);
        return gap >= -5n && gap <= 5n ? `yes (usage ${t.usage}, end ${j.end_balance})` : `NO: usage ${t.usage} vs invoice ${expected}`;
      },
    },
    {
      name: 'reconcile', args: ['reconcile', path, '--statement', statement, '--format', 'json'], read: (j) =>
        j.summary.match === j.summary.lines && j.summary.lines > 0 ? `yes (${j.summary.match} of ${j.summary.lines} lines match)` : `NO: ${JSON.stringify(j.summary)}`,
    },
    {
      name: 'estimate --from-log', args: ['estimate', '--from-log', path, '--format', 'json'], read: (j) => {
        // Quantities × 30 ÷ the calendar days the log spans: the LLM input tokens are exact.
        const days = Number(/over (\d+) day/.exec(j.source)?.[1]);
        const tokens = BigInt(j.usage.llm.reduce((sum, l) => sum + l.input_tokens, 0));
        const want = (quantities['gpt-5-in'] * 30n) / BigInt(days);
        return tokens - want >= -1n && tokens - want <= 1n ? `yes (${days} day(s) → 30: ${tokens} input tokens)` : `NO: ${tokens} input tokens ≠ ${want}`;
      },
    },
  );
  return only ? steps.filter((step) => only.includes(step.name)) : steps;
}

/** Runs one step on one build; the verdict from its JSON. */
function runStep(step, build) {
  const run = runCli(step.args, step.env, build);
  let verdict;
  try {
    if (run.status !== 0 && run.status !== 1) throw new Error(`exit ${run.status}: ${run.stderr.trim().split('\n').at(-1)}`);
    verdict = step.read(JSON.parse(run.stdout));
  } catch (error) {
    verdict = `NO: ${error.message}`;
  }
  return { seconds: run.seconds, rss: run.rss, verdict, stdout: run.stdout };
}

/** Wall time of one process, in ms (output discarded). */
function timed(command, args, cwd = root) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')}: exit ${result.status}: ${result.stderr.trim().split('\n').at(-1)}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/**
 * What a run costs before it reads a row: Node itself (`node -e 0`), `tallyman --version` (the
 * command's modules and the CLI's set-up) and a 10-line invoice (the invoice modules, the card, one
 * tiny file), each a fresh process as a user starts it, in interleaved rounds; medians, and each as a
 * ratio to `node -e 0`. `npx tallyman --version` is the same from the project folder through npx
 * (what the README's quickstart types; npm itself starts first).
 */
async function startup() {
  const tiny = join(dataDir, 'usage-10.csv');
  if (!existsSync(tiny)) await writeLog(tiny, 10, 'csv', 'bench');
  const node = process.execPath;
  const builds = before ? [['', root], [' (before)', before]] : [['', root]];
  const steps = [['node -e 0', () => timed(node, ['-e', '0'])]];
  for (const [label, build] of builds) {
    const bin = join(build, 'bin', 'tallyman.js');
    steps.push([`tallyman --version${label}`, () => timed(node, [bin, '--version'])]);
    steps.push([`tallyman invoice, 10 lines${label}`, () => timed(node, [bin, 'invoice', tiny])]);
  }
  const npx = spawnSync('npx', ['--version'], { encoding: 'utf8' }).status === 0;
  if (npx) steps.push(['npx tallyman --version (project folder)', () => timed('npx', ['--no-install', 'tallyman', '--version'])]);
  const times = steps.map(() => []);
  for (const [i, [, run]] of steps.entries()) run(i); // once each, unmeasured: the file cache warm
  for (let round = 0; round < startupRuns; round++) for (const [i, [, run]] of steps.entries()) times[i].push(run());
  const base = median(times[0]);
  console.log(`startup: ${startupRuns} interleaved round(s), medians`);
  console.log('| process | ms | × node -e 0 |');
  console.log('| --- | ---: | ---: |');
  for (const [i, [name]] of steps.entries()) console.log(`| ${name} | ${median(times[i]).toFixed(0)} | ${(median(times[i]) / base).toFixed(2)}× |`);
  console.log('');
}

mkdirSync(dataDir, { recursive: true });
console.log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}; ${runs} interleaved run(s), medians`);
if (startupRuns > 0) await startup();
if (process.env.BENCH_STARTUP_ONLY === '1') process.exit(0);
const duckdb = process.env.BENCH_DUCKDB === '0' ? false : duckdbAvailable();
if (!duckdb) console.log('DuckDB is not available here: the ratio column stays empty.');
console.log('| rows | format | shape | MB | step | seconds | rows/s | MB/s | peak RSS MB | × invoice | vs DuckDB | total ok |');
console.log('| ---: | --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
let failed = false;
for (const rows of sizes) {
  for (const shape of shapes) {
    const quantities = expectedQuantities(rows, shape);
    const expected = expectedTotal(rows, shape, quantities);
    for (const format of formats) {
      // The bench shape keeps its file name, so a log written before shapes existed is reused.
      const path = join(dataDir, shape === 'bench' ? `usage-${rows}.${format}` : `usage-${shape}-${rows}.${format}`);
      if (!existsSync(path)) {
        if (format === 'parquet') {
          // The CSV's rows as typed Parquet (a warehouse's export), written by DuckDB.
          const csv = path.replace(/\.parquet$/, '.csv');
          if (!existsSync(csv)) await writeLog(csv, rows, 'csv', shape);
          const made = spawnSync(process.execPath, [join(root, 'bench', 'to-parquet.mjs'), csv, path], { cwd: root, encoding: 'utf8' });
          if (made.status !== 0) throw new Error(`bench/to-parquet.mjs: ${made.stderr}`);
        } else {
          await writeLog(path, rows, format, shape);
        }
      }
      const mb = statSync(path).size / 1e6;
      let reference;
      const line = (step, seconds, rss, ratio, ok) => {
        if (ok.startsWith('NO')) failed = true;
        console.log(`| ${rows.toLocaleString('en-US')} | ${format} | ${shape} | ${mb.toFixed(0)} | ${step} | ${seconds.toFixed(2)} | ${Math.round(rows / seconds).toLocaleString('en-US')} | ${(mb / seconds).toFixed(1)} | ${rss ? rss.toFixed(0) : '—'} | ${ratio} | ${reference ? `${(seconds / reference).toFixed(2)}×` : '—'} | ${ok} |`);
      };

      // The statement reconcile checks: made from this build's invoice, so every line matches.
      const statement = join(dataDir, `statement-${shape}-${rows}.${format}.csv`);
      if (!only || only.includes('reconcile')) {
        const first = runStep({ args: ['invoice', path, '--format', 'json'], read: (j) => j.total }, root);
        writeFileSync(statement, statementOf(JSON.parse(first.stdout)));
      }
      const steps = stepsOf(path, format, expected, quantities, statement);
      const builds = before ? [['', root], [' (before)', before]] : [['', root]];

      // Interleaved rounds: DuckDB, then each step on this build and right after on the other.
      const times = new Map();
      const add = (key, result) => {
        const list = times.get(key) ?? [];
        list.push(result);
        times.set(key, list);
      };
      for (let round = 0; round < runs; round++) {
        if (duckdb) {
          const run = runDuckdb(path);
          const total = run.status === 0 ? JSON.parse(run.stdout).total : `exit ${run.status}: ${run.stderr.split('\n')[0]}`;
          add('duckdb', { seconds: run.seconds, rss: run.rss, verdict: total === expected ? `yes (${total})` : `NO: ${total} ≠ ${expected}` });
        }
        for (const step of steps) for (const [label, build] of builds) add(`${step.name}${label}`, runStep(step, build));
      }
      const summary = (key) => {
        const list = times.get(key);
        const bad = list.find((r) => r.verdict.startsWith('NO'));
        return { seconds: median(list.map((r) => r.seconds)), rss: Math.max(...list.map((r) => r.rss)), verdict: (bad ?? list[0]).verdict };
      };
      if (duckdb) {
        const d = summary('duckdb');
        line('DuckDB, exact SQL with the duplicate check (reference)', d.seconds, d.rss, '—', d.verdict);
        reference = d.seconds;
      }
      if (baselines && format !== 'parquet') {
        if (format === 'csv') {
          const baseline = await parserOnly(path);
          line('csv-parse alone (baseline)', baseline.seconds, 0, '—', '—');
          const own = await tokenizerOnly(path);
          line('tallyman tokenizer alone', own.seconds, 0, '—', own.rows === rows + 1 ? 'yes (all rows)' : `NO: ${own.rows} rows`);
        } else {
          const baseline = await jsonParseOnly(path);
          line('JSON.parse per line alone (baseline)', baseline.seconds, 0, '—', baseline.rows === rows ? 'yes (all lines)' : `NO: ${baseline.rows} lines`);
        }
      }
      for (const [label] of builds) {
        // Each step's time over the invoice's, where BENCH_STEPS has the invoice.
        const invoice = times.has(`invoice${label}`) ? summary(`invoice${label}`).seconds : undefined;
        for (const step of steps) {
          const s = summary(`${step.name}${label}`);
          line(`tallyman ${step.name}${label}`, s.seconds, s.rss, invoice === undefined ? '—' : `${(s.seconds / invoice).toFixed(2)}×`, s.verdict);
        }
      }
    }
  }
}
if (failed) {
  console.error('bench: a total did not match the exact total known by construction');
  process.exitCode = 1;
}
