import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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

  // Parquet for every log (the warehouse's format, typed); NDJSON and CSV too for one log of each shape (the suite's time).
  const TEXT_TOO = new Set(['fixtures/quickstart.csv', 'fixtures/native/transcripts.json', 'fixtures/gateway-cache.ndjson', 'fixtures/provider/voice-agent.ndjson', 'fixtures/stream-wrapped.ndjson']);
  for (const { files, flags } of CASES) {
    const formats = TEXT_TOO.has(files[0]!) ? ['parquet', 'ndjson', 'csv'] : ['parquet'];
    it(`${files.join(' + ')}: the invoice of the normalized log is the invoice of the log, in ${formats.join(' and ')}`, () => {
      const original = runBinary(['invoice', ...files, ...flags, '--format', 'json']);
      expect(original.status, original.stderr).toBe(0);
      const skipInvalid = flags.includes('--skip-invalid');
      const { warnings } = JSON.parse(original.stdout) as { warnings: { code: string; count: number }[] };
      // Byte for byte (but the file names) where the log holds nothing only a native reader sees.
      const whole = !skipInvalid && !warnings.some((w) => w.code === 'PASSED_OVER' || w.code === 'PENDING');
      for (const format of formats) {
        const out = join(dir, `${files.map((f) => f.replaceAll('/', '_')).join('+')}.${format}`);
        const normalized = runBinary(['normalize', ...files, ...(skipInvalid ? ['--skip-invalid'] : []), '--out', out]);
        expect(normalized.status, normalized.stderr).toBe(0);
        const skipped = warnings.find((w) => w.code === 'SKIPPED_INVALID');
        if (skipped) expect(normalized.stderr).toContain(`warning SKIPPED_INVALID: ${skipped.count} invalid record(s) were skipped`);
        const again = runBinary(['invoice', out, ...flags.filter((f) => f !== '--skip-invalid'), '--format', 'json']);
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
