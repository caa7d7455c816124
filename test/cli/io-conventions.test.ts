import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { runBinary } from './binary.js';

const ROOT = join(import.meta.dirname, '../..');
const DIR = mkdtempSync(join(tmpdir(), 'tallyman-io-'));

/** Runs the real, built binary; `input` is standard input (bytes or text). */
const tallyman = (args: string[], input?: string | Buffer, env: Record<string, string> = {}) => runBinary(args, { input, env });

const file = (name: string, content: string | Buffer): string => {
  const path = join(DIR, name);
  writeFileSync(path, content);
  return path;
};
const quickstart = readFileSync(join(ROOT, 'fixtures/quickstart.csv'));
const quickstartJson = tallyman(['invoice', 'fixtures/quickstart.csv', '--format', 'json']).stdout;

describe('diff reads one side from standard input (-)', () => {
  const old = file('old.json', quickstartJson);
  const newer = tallyman(['invoice', 'fixtures/quickstart.csv', '--format', 'json', '--rates', 'fixtures/cards/negotiated.yaml']).stdout;

  it('either side, the same comparison as from files, the side named <stdin>', () => {
    const both = JSON.parse(tallyman(['diff', old, file('new.json', newer), '--format', 'json']).stdout);
    const fromStdin = tallyman(['diff', old, '-', '--format', 'json'], newer);
    expect(fromStdin.status).toBe(0);
    expect(JSON.parse(fromStdin.stdout)).toEqual({ ...both, new: '<stdin>' });
    const oldFromStdin = tallyman(['diff', '-', join(DIR, 'new.json'), '--format', 'json'], quickstartJson);
    expect(JSON.parse(oldFromStdin.stdout)).toEqual({ ...both, old: '<stdin>' });
  });

  it('a budget gate on a piped invoice: exit 1 above it', () => {
    // The negotiated card's 1.25 before, the list price's 1.32 piped in after.
    expect(tallyman(['diff', file('cheaper.json', newer), '-', '--fail-above', '5%'], quickstartJson).status).toBe(1);
    expect(tallyman(['diff', file('cheaper.json', newer), '-', '--fail-above', '6%'], quickstartJson).status).toBe(0);
  });

  it('both sides from standard input, or not JSON there: one line, exit 2', () => {
    const both = tallyman(['diff', '-', '-'], quickstartJson);
    expect(both.status).toBe(2);
    expect(both.stderr).toBe('tallyman: only one of the two reports can be standard input (-)\n');
    const bad = tallyman(['diff', '-', old], 'not json');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^tallyman: <stdin>:1: is not JSON \(.*\n$/);
  });
});

describe('gzipped logs are read as they are, by their first bytes', () => {
  const plain = tallyman(['invoice', 'fixtures/quickstart.csv', '--format', 'json', '--group-by', 'project']).stdout;
  const invoiceOf = (path: string, env: Record<string, string> = {}) => tallyman(['invoice', path, '--format', 'json', '--group-by', 'project'], undefined, env);

  it('a .csv.gz, a gzipped file named .csv, one without an extension, and gzip on standard input: the plain invoice', () => {
    for (const name of ['log.csv.gz', 'gzipped.csv', 'noextension']) {
      const run = invoiceOf(file(name, gzipSync(quickstart)));
      expect(run.status, `${name}: ${run.stderr}`).toBe(0);
      expect(run.stdout, name).toBe(plain);
    }
    const piped = tallyman(['invoice', '-', '--format', 'json', '--group-by', 'project'], gzipSync(quickstart));
    expect(piped.stdout).toBe(plain);
  });

  it('NDJSON and JSON documents too (.ndjson.gz through the byte scanner, .json.gz the record way)', () => {
    const native = ['fixtures/native/stream-events.ndjson', 'fixtures/native/transcripts.json'];
    const expected = tallyman(['invoice', ...native, '--format', 'json']).stdout;
    const zipped = native.map((path) => file(`${path.split('/').at(-1)}.gz`, gzipSync(readFileSync(join(ROOT, path)))));
    const run = tallyman(['invoice', ...zipped, '--format', 'json']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.replaceAll(DIR + '/', 'fixtures/native/').replaceAll('.gz', '')).toBe(expected);
  });

  it('read by the byte scanner on one thread: a gzipped file cannot be cut for a worker', () => {
    const run = invoiceOf(file('threads.csv.gz', gzipSync(quickstart)), { TALLYMAN_THREADS: '2', TALLYMAN_SPLIT_BYTES: '1', TALLYMAN_TRACE: '1' });
    expect(run.stdout).toBe(plain);
    expect(run.stderr).toContain('threads.csv.gz: one thread (gzip: inflated in order)');
    // The plain file is cut in two under the same settings.
    expect(invoiceOf('fixtures/quickstart.csv', { TALLYMAN_THREADS: '2', TALLYMAN_SPLIT_BYTES: '1', TALLYMAN_TRACE: '1' }).stderr).toContain('two threads');
  });

  it('a row the byte scanner hands over (a quoted field) is read on by the text reader from the inflated bytes', () => {
    const quoted = quickstart.toString('utf8').replace('st-001,2026-05-06T14:00:00Z,support,', 'st-001,2026-05-06T14:00:00Z,"support",');
    expect(quoted).not.toBe(quickstart.toString('utf8'));
    const run = invoiceOf(file('quoted.csv.gz', gzipSync(quoted)), { TALLYMAN_TRACE: '1' });
    expect(run.stderr).toMatch(/quoted\.csv\.gz: one thread \(gzip: inflated in order\), the text reader from line \d+/);
    expect(run.stdout).toBe(plain);
  });

  it('an error in a gzipped log names the file and the line', () => {
    const bad = quickstart.toString('utf8').replace('universal-3-pro,300,', 'universal-3-pro,soon,');
    const run = invoiceOf(file('bad-row.csv.gz', gzipSync(bad)));
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^tallyman: .*bad-row\.csv\.gz:2: field "audio_duration"/);
  });

  it('a corrupt or cut gzip: one line naming the file, exit 2', () => {
    const zipped = gzipSync(Buffer.concat(Array.from({ length: 200 }, () => quickstart)));
    const cut = invoiceOf(file('cut.csv.gz', zipped.subarray(0, Math.floor(zipped.length / 2))));
    expect(cut.status).toBe(2);
    expect(cut.stdout).toBe('');
    expect(cut.stderr).toBe(`tallyman: ${DIR}/cut.csv.gz: the gzip data ends early: the file is cut short (unexpected end of file)\n`);
    const corrupt = Buffer.from(zipped);
    corrupt.fill(0xff, 20, 60);
    const run = invoiceOf(file('corrupt.csv.gz', corrupt));
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^tallyman: ${DIR}/corrupt\\.csv\\.gz: is not valid gzip data \\([^\\n]+\\)\\n$`));
    const piped = tallyman(['invoice', '-'], Buffer.from([0x1f, 0x8b, 0x99, 0x00, 0x00]));
    expect(piped.status).toBe(2);
    expect(piped.stderr).toMatch(/^tallyman: <stdin>: is not valid gzip data \(.*\)\n$/);
  });

  it('a reconcile statement may be gzipped too', () => {
    const expected = tallyman(['reconcile', 'fixtures/quickstart.csv', '--statement', 'fixtures/reconcile/statement.csv', '--format', 'json']);
    const run = tallyman(['reconcile', 'fixtures/quickstart.csv', '--statement', file('statement.csv.gz', gzipSync(readFileSync(join(ROOT, 'fixtures/reconcile/statement.csv')))), '--format', 'json']);
    expect(run.status).toBe(expected.status);
    expect(run.stdout.replaceAll(`${DIR}/statement.csv.gz`, 'fixtures/reconcile/statement.csv')).toBe(expected.stdout);
  });
});

describe('rates list and show as JSON', () => {
  it('rates list --format json: every built-in card with its latest version', () => {
    const run = tallyman(['rates', 'list', '--format', 'json']);
    expect(run.status).toBe(0);
    const list = JSON.parse(run.stdout);
    expect(Object.keys(list)).toEqual(['schema_version', 'command', 'cards']);
    expect(list.command).toBe('rates list');
    expect(list.cards.map((c: { name: string }) => c.name)).toEqual(['assemblyai', 'tencent-asr', 'credits-example']);
    expect(list.cards[0]).toMatchObject({ currency: 'USD', timezone: 'UTC', versions: 10, latest: { version: '2026-09-02', hash: expect.stringMatching(/^[0-9a-f]{12}$/) } });
    expect(tallyman(['rates', 'list', '--format', 'yaml']).status).toBe(2);
  });

  it('rates show: every version with its limits and free credits, as text and as JSON', () => {
    const text = tallyman(['rates', 'show', 'assemblyai']).stdout;
    expect(text).toContain('  limits: 20000 requests per 5 minutes; concurrency free 5, paid 200; new streams per minute free 5, paid 100; free credits 50 USD\n');
    expect(text).toContain('; 30 LLM requests per minute per model; free credits 50 USD\n');
    expect(tallyman(['rates', 'show', 'tencent-asr']).stdout).toContain('  limits: none\n');
    const json = JSON.parse(tallyman(['rates', 'show', 'assemblyai', '--format', 'json']).stdout);
    expect(tallyman(['rates', 'show', 'assemblyai', '--json']).stdout).toBe(`${JSON.stringify(json, null, 2)}\n`);
    expect(json.schema_version).toBe(1);
    expect(json.command).toBe('rates show');
    expect(json.credits_per_usd).toBeNull();
    expect(json.versions.at(-1).limits).toEqual({
      requests_per_5_minutes: 20000, concurrency: { free: 5, paid: 200 },
      new_streams_per_minute: { free: 5, paid: 100, auto_scale: { tiers: ['paid'], rise: '10%', rise_at: '70%', decay_below: '50%' } }, llm_requests_per_minute: 30, free_credits: '50',
    });
    expect(json.versions[0].limits.llm_requests_per_minute).toBeNull();
    expect(json.versions[0].limits.new_streams_per_minute).toEqual({ free: 5, paid: 100, auto_scale: null });
  });

  it('rates list and show fit a width (--width or COLUMNS), every word kept; piped without one, lines as they are', () => {
    const words = (text: string) => text.split(/\s+/).filter(Boolean);
    for (const args of [['rates', 'list'], ['rates', 'show', 'assemblyai']]) {
      const full = tallyman(args).stdout;
      expect(full.split('\n').some((line) => line.length > 80), args.join(' ')).toBe(true);
      for (const [fitted, width] of [[tallyman([...args, '--width', '80']).stdout, 80], [tallyman(args, undefined, { COLUMNS: '60' }).stdout, 60]] as const) {
        expect(fitted.split('\n').filter((line) => [...line].length > width), `${args.join(' ')} at ${width}`).toEqual([]);
        expect(words(fitted)).toEqual(words(full));
      }
    }
  });
});

describe('every JSON output starts with schema_version and command', () => {
  const runs: [string, string[]][] = [
    ['invoice', ['invoice', 'fixtures/quickstart.csv', '--format', 'json']],
    ['audit', ['audit', 'fixtures/quickstart.csv', '--format', 'json', '--fail-on', 'error']],
    ['balance', ['balance', 'fixtures/ledger/prepaid.csv', '--balance', '26', '--format', 'json']],
    ['estimate', ['estimate', '--transcribe', '10h', '--format', 'json']],
    ['reconcile', ['reconcile', 'fixtures/quickstart.csv', '--statement', 'fixtures/reconcile/statement.csv', '--format', 'json']],
    ['diff', ['diff', 'fixtures/golden/quickstart.json', 'fixtures/golden/quickstart.json', '--format', 'json']],
    ['rates list', ['rates', 'list', '--format', 'json']],
    ['rates show', ['rates', 'show', 'tencent-asr', '--format', 'json']],
  ];
  for (const [command, args] of runs) {
    it(command, () => {
      const run = tallyman(args);
      expect(run.status, run.stderr).toBeLessThanOrEqual(1);
      const json = JSON.parse(run.stdout);
      expect(Object.keys(json).slice(0, 2)).toEqual(['schema_version', 'command']);
      expect(json.schema_version).toBe(1);
      expect(json.command).toBe(command);
    });
  }
});

describe('a credits card and the USD conversion of its top-ups', () => {
  const balance = (args: string[]) => tallyman(['balance', 'fixtures/ledger/credits.csv', ...args, '--format', 'json']);

  it('no conversion is asked for when no top-up is ever due', () => {
    const run = balance(['--rates', 'credits-example', '--monthly-credits', '1000']);
    expect(run.status, run.stderr).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json.totals.topups).toBe('0');
    expect(json.account.credits_per_usd).toBeNull();
  });

  it('a top-up that is due without a conversion: one line saying where to give it, exit 2', () => {
    const run = balance(['--rates', 'credits-example', '--monthly-credits', '100']);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe('tallyman: card credits-example is priced in credits and a 10 USD top-up is due: give credits_per_usd (--credits-per-usd, the account file or the card) so it can be counted, or --topup 0\n');
  });

  it("the card's own credits_per_usd is used, and a flag wins over it", () => {
    const card = balance(['--rates', 'fixtures/cards/credits-conversion.yaml', '--monthly-credits', '100']);
    expect(card.status, card.stderr).toBe(0);
    const json = JSON.parse(card.stdout);
    expect(json.account.credits_per_usd).toBe('60');
    expect(json.totals.topups).toBe('600');
    const flag = JSON.parse(balance(['--rates', 'fixtures/cards/credits-conversion.yaml', '--monthly-credits', '100', '--credits-per-usd', '6']).stdout);
    expect(flag.account.credits_per_usd).toBe('6');
    expect(flag.events.filter((e: { type: string }) => e.type === 'topup').every((e: { amount: string }) => e.amount === '60')).toBe(true);
    expect(tallyman(['rates', 'show', 'fixtures/cards/credits-conversion.yaml']).stdout.split('\n')[0]).toContain(' · 60 credits per USD');
  });

  it('the card schema takes credits_per_usd as a positive decimal string only', () => {
    const card = (value: string) => file(`conversion-${Buffer.from(value).toString('hex')}.yaml`, `name: c\nextends: credits-example\ncredits_per_usd: ${value}\n`);
    expect(tallyman(['rates', 'validate', card('"12.5"')]).status).toBe(0);
    expect(tallyman(['rates', 'validate', card('60')]).status).toBe(0); // YAML numbers are kept as their text
    for (const [value, message] of [['"0"', 'must be above 0'], ['"0.00"', 'must be above 0'], ['"-1"', 'must be a positive decimal'], ['"6e1"', 'must be a positive decimal'], ['"sixty"', 'must be a positive decimal']]) {
      const run = tallyman(['rates', 'validate', card(value!)]);
      expect(run.status, value).toBe(2);
      expect(run.stderr, value).toMatch(new RegExp(`:3: credits_per_usd: ${message}`));
    }
    const schema = JSON.parse(tallyman(['rates', 'schema']).stdout);
    expect(schema.properties.credits_per_usd).toMatchObject({ type: 'string', pattern: expect.any(String) });
  });
});
