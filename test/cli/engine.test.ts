import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '../../bin/tallyman.js');
const dir = mkdtempSync(join(tmpdir(), 'tallyman-engine-'));

function tallyman(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' }, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/**
 * Regressions of issue 12: a rejected row was counted, widened the period and held its id before it
 * was rejected; balance dropped undated records without a word; token sums past 2^53 crashed.
 */
describe('the one fold: a rejected row leaves no trace', () => {
  // Line 2 is a closed session without its duration (invalid); line 3 repeats its id, valid.
  const text = [
    'kind,id,timestamp,model,audio_duration,session_duration,terminated',
    'stream,s1,2026-05-20T10:00:00Z,universal-streaming,30,,true',
    'stream,s1,2026-05-02T10:00:00Z,universal-streaming,600,600,true',
    'transcript,t1,2026-05-03T10:00:00Z,universal-2,3600,,',
    '',
  ].join('\n');
  const log = file('order.csv', text);

  for (const byteScanner of [true, false]) {
    it(`with --skip-invalid, the skipped row is not counted, does not widen the period and holds no id (${byteScanner ? 'byte scanner' : 'stdin, text reader'})`, () => {
      const run = byteScanner
        ? tallyman(['invoice', log, '--skip-invalid', '--format', 'json'])
        : spawnSync(process.execPath, [BIN, 'invoice', '-', '--skip-invalid', '--format', 'json'], { env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' }, input: text, encoding: 'utf8' });
      expect(run.status).toBe(0);
      const json = JSON.parse(run.stdout);
      expect(json.records).toMatchObject({ counted: 2, billed: 2, skipped: 1, duplicates: 0 });
      expect(json.period).toEqual({ from: '2026-05-02T10:00:00Z', to: '2026-05-03T10:00:00Z' });
      // 600 s of streaming at 0.15/h = 0.025 → 0.03; one hour of universal-2 at 0.15.
      const streaming = json.lines.find((l: { product: string }) => l.product === 'streaming');
      expect(streaming.base_quantity).toBe('600');
      expect(json.total).toBe('0.18');
      expect(json.skipped).toEqual([expect.objectContaining({ line: 2, message: expect.stringContaining('field "session_duration"') })]);
    });
  }

  it('balance lists a record the ledger cannot place (no timestamp) as skipped, on standard error and in JSON', () => {
    const transcripts = file('undated.json', JSON.stringify([
      { id: 'a', status: 'completed', audio_duration: 3600, speech_model_used: 'universal-2' },
    ]));
    const dated = file('dated.csv', 'kind,id,timestamp,model,audio_duration\ntranscript,t9,2026-05-03T10:00:00Z,universal-2,3600\n');
    const refused = tallyman(['balance', transcripts, dated, '--balance', '10', '--format', 'json']);
    expect(refused.status).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain('field "timestamp": is missing, and a balance ledger needs the time of every record');
    const run = tallyman(['balance', transcripts, dated, '--balance', '10', '--skip-invalid', '--format', 'json']);
    expect(run.status).toBe(0);
    expect(run.stderr).toContain('SKIPPED_INVALID: 1 invalid record(s) were skipped');
    const json = JSON.parse(run.stdout);
    expect(json.skipped.count).toBe(1);
    expect(json.skipped.records[0].message).toContain('a balance ledger needs the time of every record');
    expect(json.end_balance).toBe('9.85');
  });

  it('a token sum past 2^53 is an input error naming file, line and field (exit 2, one line), in every command', () => {
    const log = file('tokens.csv', [
      'kind,id,timestamp,model,input_tokens,output_tokens',
      'llm,a,2026-05-03T10:00:00Z,claude-sonnet-4.5,9000000000000000,1',
      'llm,b,2026-05-03T10:01:00Z,claude-sonnet-4.5,9000000000000000,1',
      '',
    ].join('\n'));
    const statement = file('statement.csv', 'product,model,amount\nllm-gateway,claude-sonnet-4.5,1.00\n');
    for (const args of [['invoice'], ['audit'], ['balance', '--balance', '10'], ['reconcile', '--statement', statement]]) {
      const run = tallyman([args[0]!, log, ...args.slice(1)]);
      expect(run.status, args[0]).toBe(2);
      expect(run.stderr.trim().split('\n'), args[0]).toHaveLength(1);
      expect(run.stderr, args[0]).toContain(`${log}:3: field "input_tokens"`);
      expect(run.stderr).not.toContain('RangeError');
    }
  });
});

describe('messages that bill nothing', () => {
  it('are counted and passed over, read from a file or from standard input alike', () => {
    // The provider's streaming sequence: Begin, 14 Turn messages, Termination.
    const path = join(import.meta.dirname, '../../fixtures/provider/streaming-universal.ndjson');
    const fromFile = tallyman(['invoice', path, '--format', 'json']);
    const fromStdin = spawnSync(process.execPath, [BIN, 'invoice', '-', '--format', 'json'], { env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' }, input: readFileSync(path), encoding: 'utf8' });
    for (const run of [fromFile, fromStdin]) {
      expect(run.status).toBe(0);
      const warning = JSON.parse(run.stdout).warnings.find((w: { code: string }) => w.code === 'PASSED_OVER');
      expect(warning.count).toBe(14);
      expect(run.stderr).toContain('PASSED_OVER: 14 message(s) that bill nothing');
    }
  });
});

describe('one log, however it is cut', () => {
  it('gives the same balance whole or split into a CSV and an NDJSON part with rows shuffled (plans are the one fold\'s, not a file\'s)', () => {
    const rows = [
      { kind: 'transcript', id: 't1', timestamp: '2026-05-01T09:00:00Z', model: 'universal-3-pro', audio_duration: '3600' },
      { kind: 'llm', id: 'l1', timestamp: '2026-05-01T10:00:00Z', model: 'claude-sonnet-4.5', input_tokens: '1000000', output_tokens: '100000' },
      { kind: 'transcript', id: 't2', timestamp: '2026-05-02T09:00:00Z', model: 'universal-2', audio_duration: '7200', features: 'speaker_labels' },
      { kind: 'stream', id: 's1', timestamp: '2026-05-02T12:00:00Z', model: 'universal-streaming', session_duration: '1800', terminated: 'true' },
    ];
    const header = ['kind', 'id', 'timestamp', 'model', 'audio_duration', 'features', 'input_tokens', 'output_tokens', 'session_duration', 'terminated'];
    const csvOf = (list: typeof rows) => [header.join(','), ...list.map((r) => header.map((h) => (r as Record<string, string>)[h] ?? '').join(','))].join('\n') + '\n';
    const whole = file('whole.csv', csvOf(rows));
    // The LLM call and a transcript first in an NDJSON part, the rest in a CSV part: each part alone would number its plans from 0.
    const partA = file('part-a.ndjson', [rows[1], rows[2]].map((r) => JSON.stringify(r)).join('\n') + '\n');
    const partB = file('part-b.csv', csvOf([rows[3], rows[0]]));
    const balance = (paths: string[]) => {
      const run = tallyman(['balance', ...paths, '--balance', '100', '--days', '0', '--format', 'json']);
      expect(run.status).toBe(0);
      const json = JSON.parse(run.stdout);
      return { events: json.events, end: json.end_balance };
    };
    const one = balance([whole]);
    // 0.21 + 3.00 + 1.50 (tokens) + 0.30 + 0.04 (speaker labels) + 0.075 (30 min streaming) = 5.125 exactly: 100 − 5.125 = 94.875 → 94.88
    expect(one.end).toBe('94.88');
    expect(balance([partA, partB])).toEqual(one);
    expect(balance([partB, partA])).toEqual(one);
  });
});

describe('output files', () => {
  it('refuses an --out that is one of the inputs, before reading anything, and leaves it untouched', () => {
    const log = file('self.csv', 'kind,id,timestamp,model,audio_duration\ntranscript,a,2026-05-01T10:00:00Z,universal-2,60\n');
    for (const args of [['invoice', log, '--out', log], ['audit', log, '--out', log], ['balance', log, '--balance', '10', '--out', log]]) {
      const run = tallyman(args);
      expect(run.status, args[0]).toBe(2);
      expect(run.stderr.trim()).toBe(`tallyman: --out ${log} is one of the command's inputs (${log}): write the output to another file`);
    }
    expect(readFileSync(log, 'utf8')).toContain('transcript,a,');
  });

  it('are written whole: two runs at once leave one complete output, never a mix, and no temporary file', async () => {
    const { spawn } = await import('node:child_process');
    const { readdirSync } = await import('node:fs');
    const outDir = mkdtempSync(join(tmpdir(), 'tallyman-out-'));
    const out = join(outDir, 'invoice.json');
    const big = file('big.csv', ['kind,id,timestamp,model,audio_duration', ...Array.from({ length: 20000 }, (_, i) => `transcript,b${i},2026-05-01T10:00:00Z,universal-2,${i % 97}`)].join('\n') + '\n');
    const small = file('small.csv', 'kind,id,timestamp,model,audio_duration\ntranscript,s,2026-05-02T10:00:00Z,universal-3-pro,60\n');
    const runOne = (path: string) => new Promise<number | null>((done) => {
      spawn(process.execPath, [BIN, 'invoice', path, '--format', 'json', '--out', out], { env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' } }).on('exit', done);
    });
    expect(await Promise.all([runOne(big), runOne(small), runOne(big)])).toEqual([0, 0, 0]);
    const written = readFileSync(out, 'utf8');
    const alone = (path: string) => tallyman(['invoice', path, '--format', 'json']).stdout;
    expect([alone(big), alone(small)]).toContain(written);
    expect(readdirSync(outDir)).toEqual(['invoice.json']);
  });
});

describe('exit codes and currencies', () => {
  it('audit piped into a reader that stops early still exits 1 for its findings, without a stack', () => {
    const run = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" audit fixtures/audit/streams.csv | head -1; echo "exit \${PIPESTATUS[0]}"`], { cwd: join(import.meta.dirname, '../..'), env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' }, encoding: 'utf8' });
    expect(run.stdout.trim().split('\n').at(-1)).toBe('exit 1');
    expect(run.stderr).not.toMatch(/EPIPE|at /);
  });

  it('reconcile refuses a statement in another currency, naming the line and field', () => {
    const log = file('cur.csv', 'kind,id,timestamp,model,audio_duration\ntranscript,a,2026-05-01T10:00:00Z,universal-2,3600\n');
    const statement = file('eur.csv', 'product,model,amount,currency\nprerecorded,universal-2,0.15,EUR\n');
    const run = tallyman(['reconcile', log, '--statement', statement]);
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe(`tallyman: ${statement}:2: field "currency": "EUR" is not the currency of card assemblyai (USD) (reconcile a statement against a card in its own currency)`);
    const usd = file('usd.csv', 'product,model,amount,currency\nprerecorded,universal-2,0.15,usd\n');
    expect(tallyman(['reconcile', log, '--statement', usd]).status).toBe(0);
  });
});

describe('bounds', () => {
  it('a projection of more than ten years is a usage error, not a hang', () => {
    const run = tallyman(['balance', join(import.meta.dirname, '../../fixtures/ledger/prepaid.csv'), '--balance', '10', '--days', '999999999']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--days "999999999" is more than 3660');
  });
});

describe('reconcile and double billing', () => {
  const log = () => file('twice.csv', 'kind,id,timestamp,model,audio_duration\ntranscript,a,2026-05-04T10:00:00Z,universal-2,3600\ntranscript,b,2026-05-05T10:00:00Z,universal-2,3600\n');

  it('a line repeated on the statement is billed twice, with the amount, not a second match', () => {
    const statement = file('repeat.csv', 'product,model,amount\nprerecorded,universal-2,0.30\nprerecorded,universal-2,0.30\n');
    const run = tallyman(['reconcile', log(), '--statement', statement, '--format', 'json']);
    expect(run.status).toBe(1);
    const json = JSON.parse(run.stdout);
    expect(json.lines.map((l: { status: string; computed: string; difference: string }) => [l.status, l.computed, l.difference])).toEqual([['match', '0.30', '0.00'], ['double', '0.00', '0.30']]);
    expect(json.lines[1].reason).toBe('billed twice: 0.30 USD of this usage is on the statement already (line 2)');
    expect(json.summary.double).toBe(1);
  });

  it('a whole-period line plus a day line for the same usage: the day billed twice', () => {
    // 2 h of universal-2 at 0.15 = 0.30 for the period; the day line bills 4 May's hour (0.15) again
    const statement = file('period-and-day.csv', 'product,model,date,amount\nprerecorded,universal-2,,0.30\nprerecorded,universal-2,2026-05-04,0.15\n');
    const json = JSON.parse(tallyman(['reconcile', log(), '--statement', statement, '--format', 'json']).stdout);
    expect(json.lines.map((l: { status: string; difference: string }) => [l.status, l.difference])).toEqual([['match', '0.00'], ['double', '0.15']]);
  });
});

describe('an empty statement', () => {
  it('is bad input (exit 2), not a failed reconciliation', () => {
    const run = tallyman(['reconcile', join(import.meta.dirname, '../../fixtures/quickstart.csv'), '--statement', file('empty.csv', 'product,model,amount\n')]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('empty.csv:1: has no lines to reconcile');
  });
});
