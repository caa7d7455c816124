import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { invoiceOptions, tablePainter, type LogFlags } from '../../src/commands/shared.js';
import { computeInvoice } from '../../src/engine/index.js';
import { normalizeLog } from '../../src/engine/normalize.js';
import type { Dimension } from '../../src/pricing/dimensions.js';
import { parseGroupBy } from '../../src/pricing/group-by.js';
import { canonicalWriter } from '../../src/report/canonical.js';
import { renderer } from '../../src/report/index.js';
import { TimeZone } from '../../src/util/time.js';
import { runBinary } from './binary.js';

const dir = mkdtempSync(join(tmpdir(), 'tallyman-normalize-'));

/**
 * Every usage log under fixtures/ (the provider's published examples too), with the card and
 * grouping it is priced on. A transcript object file goes with its list page where there is one.
 */
const PROVIDER_CARD = ['--rates', 'fixtures/provider/sync-voice-agent.card.json'];
const CASES: { files: string[]; flags: string[] }[] = [
  { files: ['fixtures/quickstart.csv'], flags: ['--group-by', 'project,api_key,customer,day'] },
  { files: ['fixtures/month.csv'], flags: ['--group-by', 'project,customer,day'] },
  { files: ['fixtures/formula.csv'], flags: ['--group-by', 'project,api_key,customer'] },
  { files: ['fixtures/tencent-month.csv'], flags: ['--rates', 'tencent-asr', '--group-by', 'day'] },
  { files: ['fixtures/api-calls.csv'], flags: ['--rates', 'fixtures/cards/api-calls.yaml', '--group-by', 'day'] },
  { files: ['fixtures/audit/streams.csv'], flags: ['--group-by', 'customer,day'] },
  { files: ['fixtures/ledger/prepaid.csv'], flags: ['--group-by', 'day'] },
  { files: ['fixtures/ledger/credits.csv'], flags: ['--rates', 'credits-example', '--group-by', 'month'] },
  { files: ['fixtures/gateway-cache.ndjson'], flags: ['--rates', 'fixtures/cards/gateway-cache.yaml'] },
  { files: ['fixtures/stream-wrapped.ndjson'], flags: ['--group-by', 'project,customer'] },
  { files: ['fixtures/native/transcripts.json', 'fixtures/native/list.json'], flags: ['--group-by', 'day'] },
  { files: ['fixtures/native/transcripts.json'], flags: [] },
  { files: ['fixtures/native/llm.ndjson'], flags: ['--group-by', 'project,customer'] },
  { files: ['fixtures/native/stream-events.ndjson'], flags: ['--group-by', 'project,customer'] },
  { files: ['fixtures/provider/transcript.json', 'fixtures/provider/transcript-list.json'], flags: [...PROVIDER_CARD, '--skip-invalid', '--allow-unpriced'] },
  { files: ['fixtures/provider/transcript.json'], flags: PROVIDER_CARD },
  { files: ['fixtures/provider/streaming-u3-pro.ndjson'], flags: PROVIDER_CARD },
  { files: ['fixtures/provider/streaming-universal.ndjson'], flags: PROVIDER_CARD },
  { files: ['fixtures/provider/realtime-v2-wrapped.ndjson'], flags: PROVIDER_CARD },
  { files: ['fixtures/provider/llm-gateway-chat-completions.json'], flags: PROVIDER_CARD },
  { files: ['fixtures/provider/llm-gateway-openai-style.json'], flags: [...PROVIDER_CARD, '--allow-unpriced'] },
  { files: ['fixtures/provider/openai-chat-completion.json'], flags: [...PROVIDER_CARD, '--allow-unpriced'] },
  { files: ['fixtures/provider/anthropic-message.json'], flags: PROVIDER_CARD },
  { files: ['fixtures/provider/sync-response.json'], flags: PROVIDER_CARD },
  { files: ['fixtures/provider/voice-agent.ndjson'], flags: PROVIDER_CARD },
];

/** A `file:line` (with a JSON array index) a message quotes. */
const FILE_REF = /[^\s(,"]+\.(?:csv|json|ndjson|parquet):\d+(?: \[\d+\])?/g;

/**
 * An invoice's JSON with the `file:line` its warnings quote masked (they name the file read), and
 * without what only the native reader sees, which no canonical row can carry: the messages passed
 * over (`PASSED_OVER`) and the transcripts still pending. With --skip-invalid, the records skipped
 * (normalize skipped them, and lists them itself).
 */
function comparable(stdout: string, skipInvalid: boolean): unknown {
  const json = JSON.parse(stdout);
  json.records.pending = 0;
  const readerOnly = ['PASSED_OVER', 'PENDING', ...(skipInvalid ? ['SKIPPED_INVALID'] : [])];
  json.warnings = json.warnings.filter((w: { code: string }) => !readerOnly.includes(w.code));
  if (skipInvalid) Object.assign(json, { skipped: [], records: { ...json.records, skipped: 0 } });
  for (const w of json.warnings) w.message = w.message.replace(FILE_REF, '<file:line>');
  return json;
}

/** A run's outcome as the binary gives it: exit status, standard output and error, and the records normalize skipped. */
interface Outcome {
  status: number | null;
  stdout: string;
  stderr: string;
  skipped?: number;
}

/** `normalize FILES --out OUT`, then `invoice OUT FLAGS --format json`, by the binary. */
function normalizeAndInvoice(files: string[], flags: string[], out: string): Outcome {
  const skipInvalid = flags.includes('--skip-invalid');
  const normalized = runBinary(['normalize', ...files, ...(skipInvalid ? ['--skip-invalid'] : []), '--out', out]);
  if (normalized.status !== 0) return normalized;
  const skipped = /warning SKIPPED_INVALID: (\d+) invalid record/.exec(normalized.stderr);
  return { ...runBinary(['invoice', out, ...flags.filter((f) => f !== '--skip-invalid'), '--format', 'json']), skipped: skipped ? Number(skipped[1]) : 0 };
}

/** The flags of a case as the invoice command reads them (only those the cases use). */
function logFlags(flags: string[]): { flags: LogFlags; groupBy: Dimension[] } {
  const value = (name: string): string | undefined => (flags.includes(name) ? flags[flags.indexOf(name) + 1] : undefined);
  return {
    flags: { rates: value('--rates') ?? 'assemblyai', format: 'json', inputTz: 'UTC', map: [], skipInvalid: flags.includes('--skip-invalid'), allowUnpriced: flags.includes('--allow-unpriced'), color: false },
    groupBy: parseGroupBy(value('--group-by')),
  };
}

/** `invoice FILES FLAGS --format json` through the engine's own functions, in this process. */
async function invoiceInProcess(files: string[], flags: string[]): Promise<Outcome> {
  const { flags: parsed, groupBy } = logFlags(flags);
  try {
    const invoice = await computeInvoice(files, { ...(await invoiceOptions(parsed, groupBy)), threads: 1 });
    return { status: 0, stdout: await (await renderer('invoice', 'json'))(invoice, tablePainter(parsed), undefined), stderr: '' };
  } catch (error) {
    return { status: 2, stdout: '', stderr: (error as Error).message };
  }
}

/** `normalize FILES --out OUT` (Parquet), then the invoice of OUT, in this process. */
async function normalizeAndInvoiceInProcess(files: string[], flags: string[], out: string): Promise<Outcome> {
  const chunks: Buffer[] = [];
  const writer = canonicalWriter('parquet', (chunk) => chunks.push(Buffer.from(chunk)), 'tallyman normalize');
  const result = await normalizeLog(files, { inputZone: TimeZone.of('UTC'), map: new Map(), skipInvalid: flags.includes('--skip-invalid') }, (record) => writer.add(record));
  writer.finish();
  writeFileSync(out, Buffer.concat(chunks));
  return { ...(await invoiceInProcess([out], flags.filter((f) => f !== '--skip-invalid'))), skipped: result.skipped.count };
}

describe('tallyman normalize', () => {
  it('covers every usage log under fixtures/', () => {
    const logs = (folder: string) => readdirSync(join('fixtures', folder)).filter((f) => /\.(csv|json|ndjson)$/.test(f) && !f.endsWith('.card.json')).map((f) => join('fixtures', folder, f));
    const all = ['', 'audit', 'ledger', 'native', 'provider'].flatMap(logs);
    const covered = new Set(CASES.flatMap((c) => c.files));
    // Price feeds for `rates import` are not usage logs.
    const feeds = ['fixtures/provider/litellm-prices.json', 'fixtures/provider/llm-gateway-models.json'];
    // The bare v2 log bills nothing on its own (SessionTerminated has no duration): its test is below.
    expect(all.filter((f) => !covered.has(f) && !feeds.includes(f))).toEqual(['fixtures/provider/realtime-v2.ndjson']);
  });

  // End to end through the binary, in every format, for one log of each shape; the other logs (and
  // these) through the same engine functions in this process, in Parquet (the warehouse's format):
  // a hundred processes would take half a minute of the suite.
  const END_TO_END = new Set(['fixtures/quickstart.csv', 'fixtures/native/transcripts.json', 'fixtures/gateway-cache.ndjson', 'fixtures/provider/voice-agent.ndjson', 'fixtures/stream-wrapped.ndjson']);
  for (const { files, flags } of CASES) {
    const binary = END_TO_END.has(files[0]!);
    const formats = binary ? ['parquet', 'ndjson', 'csv'] : ['parquet'];
    it(`${files.join(' + ')}: the invoice of the normalized log is the invoice of the log, in ${formats.join(' and ')}${binary ? ' (the binary)' : ''}`, async () => {
      const skipInvalid = flags.includes('--skip-invalid');
      const original = binary ? runBinary(['invoice', ...files, ...flags, '--format', 'json']) : await invoiceInProcess(files, flags);
      expect(original.status, original.stderr).toBe(0);
      const { warnings } = JSON.parse(original.stdout) as { warnings: { code: string; count: number }[] };
      // Byte for byte (but the file names) where the log holds nothing only a native reader sees.
      const whole = !skipInvalid && !warnings.some((w) => w.code === 'PASSED_OVER' || w.code === 'PENDING');
      for (const format of formats) {
        const out = join(dir, `${files.map((f) => f.replaceAll('/', '_')).join('+')}.${format}`);
        const again = binary ? normalizeAndInvoice(files, flags, out) : await normalizeAndInvoiceInProcess(files, flags, out);
        const skipped = warnings.find((w) => w.code === 'SKIPPED_INVALID');
        if (skipped) expect(again.skipped).toBe(skipped.count);
        expect(again.status, again.stderr).toBe(0);
        expect(comparable(again.stdout, skipInvalid), format).toEqual(comparable(original.stdout, skipInvalid));
        if (whole) expect(again.stdout.replace(FILE_REF, '<file:line>'), `${format}, byte for byte but the file names`).toBe(original.stdout.replace(FILE_REF, '<file:line>'));
      }
    });
  }

  it('a log that cannot be read is exit 2 with the reader\'s line, and no output file is left', () => {
    const out = join(dir, 'bad.parquet');
    const run = runBinary(['normalize', 'fixtures/bad/negative-duration.csv', '--out', out]);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe('tallyman: fixtures/bad/negative-duration.csv:2: field "audio_duration": "-5" is negative (durations are seconds, 0 or more)\n');
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith('.bad.parquet'))).toEqual([]);
  });

  it('--skip-invalid writes the valid records and lists the skipped ones on standard error', () => {
    const log = join(dir, 'mixed.csv');
    writeFileSync(log, 'kind,id,timestamp,model,audio_duration\ntranscript,a,2026-05-01T00:00:00Z,universal-2,60\ntranscript,b,2026-05-01T00:00:00Z,universal-2,-1\n');
    const run = runBinary(['normalize', log, '--skip-invalid', '--format', 'csv']);
    expect(run.status).toBe(0);
    expect(run.stdout.trim().split('\n')).toHaveLength(2);
    expect(run.stdout).toContain('transcript,a,2026-05-01T00:00:00Z,');
    expect(run.stderr).toContain(`warning SKIPPED_INVALID: 1 invalid record(s) were skipped (--skip-invalid): ${log}:3: field "audio_duration"`);
  });

  it('writes by the --out extension, refuses Parquet to standard output, an unknown extension, and an --out that is an input', () => {
    expect(runBinary(['normalize', 'fixtures/quickstart.csv']).stdout.split('\n')[0]).toBe('{"kind":"transcript","id":"tr-001","timestamp":"2026-05-03T09:15:00Z","project":"support","api_key":"key-a","customer_id":"acme","model":"universal-3-pro","audio_duration":300,"channels":3,"status":"completed"}');
    const parquet = runBinary(['normalize', 'fixtures/quickstart.csv', '--format', 'parquet']);
    expect(parquet.status).toBe(2);
    expect(parquet.stderr).toMatch(/^tallyman: --format parquet writes a file/);
    expect(runBinary(['normalize', 'fixtures/quickstart.csv', '--out', join(dir, 'x.txt')]).stderr).toMatch(/^tallyman: --out .*x\.txt: say the format/);
    const copy = join(dir, 'self.csv');
    writeFileSync(copy, readFileSync('fixtures/quickstart.csv'));
    const self = runBinary(['normalize', copy, '--out', copy]);
    expect(self.status).toBe(2);
    expect(self.stderr).toMatch(/is one of the command's inputs/);
  });

  it('the bare v2 log fails as invoice does: its sessions have no duration without the times received', () => {
    const invoice = runBinary(['invoice', 'fixtures/provider/realtime-v2.ndjson']);
    const normalize = runBinary(['normalize', 'fixtures/provider/realtime-v2.ndjson', '--out', join(dir, 'v2.csv')]);
    expect(invoice.status).toBe(2);
    expect(normalize.status).toBe(2);
    expect(normalize.stderr).toBe(invoice.stderr);
  });
});
