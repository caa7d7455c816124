import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLog, type ReadOptions } from '../../src/ingest/index.js';
import type { UsageRecord } from '../../src/ingest/record.js';
import { InputError } from '../../src/util/errors.js';
import { TimeZone } from '../../src/util/time.js';

const dir = mkdtempSync(join(tmpdir(), 'tallyman-ingest-'));
function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const options = (overrides: Partial<ReadOptions> = {}): ReadOptions => ({
  inputZone: TimeZone.of('UTC'),
  map: new Map(),
  onInvalid: (error) => {
    throw error;
  },
  ...overrides,
});

async function read(paths: string[], opts = options()): Promise<UsageRecord[]> {
  const out: UsageRecord[] = [];
  for await (const batch of readLog(paths, opts)) out.push(...batch);
  return out;
}

async function failure(paths: string[], opts = options()): Promise<string> {
  try {
    await read(paths, opts);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message.replace(dir + '/', '');
  }
  throw new Error('expected an InputError');
}

const HEADER = 'kind,id,timestamp,model,audio_duration\n';

describe('CSV', () => {
  it('reads a BOM, CRLF and LF mixed, quoted fields with commas, "" and newlines; lines are remembered', async () => {
    const path = file('mixed.csv', `\uFEFF${HEADER.trimEnd()}\r\ntranscript,a,2026-05-01T00:00:00Z,universal-2,12.5\ntranscript,"b,""x""\nline2",2026-05-01T00:00:00Z,universal-2,1\r\ntranscript,c,2026-05-01T00:00:00Z,universal-2,0.0004\n`);
    const records = await read([path]);
    expect(records.map((r) => [r.id, r.audioMs, r.source.line])).toEqual([
      ['a', 12_500, 2],
      ['b,"x"\nline2', 1000, 3],
      ['c', 1, 5],
    ]);
  });

  it('keeps values as text: 007 is an id, not 7', async () => {
    const records = await read([file('zeros.csv', `${HEADER}transcript,007,2026-05-01T00:00:00Z,universal-2,1\n`)]);
    expect(records[0]!.id).toBe('007');
  });

  it('names the line of a ragged row and of an unclosed quote', async () => {
    expect(await failure([file('ragged.csv', `${HEADER}transcript,a,2026-05-01T00:00:00Z,universal-2,1\ntranscript,b,x\n`)])).toMatch(/^ragged\.csv:3: has a different number of fields/);
    expect(await failure([file('quote.csv', `${HEADER}transcript,a,2026-05-01T00:00:00Z,universal-2,1\ntranscript,"b,2026-05-01T00:00:00Z,universal-2,1\n`)])).toMatch(/^quote\.csv:3: opens a quoted field that is never closed/);
  });

  it('refuses invalid UTF-8 with its line', async () => {
    const bytes = Buffer.concat([Buffer.from(`${HEADER}transcript,a,2026-05-01T00:00:00Z,universal-2,1\ntranscript,b,2026-05-01T00:00:00Z,`), Buffer.from([0xc3, 0x28]), Buffer.from(',1\n')]);
    expect(await failure([file('latin1.csv', bytes)])).toBe('latin1.csv:3: is not valid UTF-8 (re-export the file as UTF-8)');
  });

  it('refuses duplicate and empty headers, and a log without a kind column', async () => {
    expect(await failure([file('dup.csv', 'kind,id,id\n')])).toMatch(/field "id": is a duplicate column name/);
    expect(await failure([file('empty.csv', 'kind,,id\n')])).toMatch(/column 2 has an empty header/);
    expect(await failure([file('nokind.csv', 'id,model\n')])).toMatch(/field "kind": is not a column/);
  });

  it('--map reads canonical fields from other columns', async () => {
    const path = file('export.csv', 'type,uuid,created,engine,seconds\ntranscript,a,2026-05-01T00:00:00Z,universal-2,60\n');
    const map = new Map([['kind', 'type'], ['id', 'uuid'], ['timestamp', 'created'], ['model', 'engine'], ['audio_duration', 'seconds']] as const);
    const records = await read([path], options({ map: new Map(map) }));
    expect(records[0]).toMatchObject({ kind: 'transcript', id: 'a', model: 'universal-2', audioMs: 60_000 });
  });

  it.each([
    ['-5', 'audio_duration', 'is negative'],
    ['abc', 'audio_duration', 'is not a number of seconds'],
    ['1e3', 'audio_duration', 'is not a number of seconds'],
    ['0x10', 'audio_duration', 'is not a number of seconds'],
  ])('rejects audio_duration %s', async (value, field, problem) => {
    const message = await failure([file(`bad-${field}.csv`, `${HEADER}transcript,a,2026-05-01T00:00:00Z,universal-2,${value}\n`)]);
    expect(message).toContain(`:2: field "${field}": "${value}" ${problem}`);
  });

  it('rejects bad timestamps, token counts, ended_at before started_at', async () => {
    expect(await failure([file('ts.csv', `${HEADER}transcript,a,2026-02-30T00:00:00Z,universal-2,1\n`)])).toContain('field "timestamp": "2026-02-30T00:00:00Z" is not an ISO 8601 timestamp');
    expect(await failure([file('tok.csv', 'kind,id,input_tokens\nllm,a,12.5\n')])).toContain('field "input_tokens": "12.5" is not a whole number');
    expect(await failure([file('tok2.csv', 'kind,id,input_tokens\nllm,a,9007199254740993\n')])).toContain('is not a whole number');
    expect(await failure([file('end.csv', 'kind,id,started_at,ended_at\nstream,a,2026-05-01T10:00:00Z,2026-05-01T09:00:00Z\n')])).toContain('field "ended_at": is before started_at');
  });

  it('--skip-invalid passes each bad record to onInvalid and goes on', async () => {
    const path = file('skip.csv', `${HEADER}transcript,a,2026-05-01T00:00:00Z,universal-2,1\ntranscript,b,2026-05-01T00:00:00Z,universal-2,-1\ntranscript,c,2026-05-01T00:00:00Z,universal-2,2\n`);
    const skipped: string[] = [];
    const records = await read([path], options({ onInvalid: (e) => skipped.push(`${e.ref!.line}:${e.field}`) }));
    expect(records.map((r) => r.id)).toEqual(['a', 'c']);
    expect(skipped).toEqual(['3:audio_duration']);
  });

  it('reads timestamps without an offset in --input-tz', async () => {
    const path = file('local.csv', `${HEADER}transcript,a,2026-05-01 09:00:00,universal-2,1\n`);
    const [record] = await read([path], options({ inputZone: TimeZone.of('America/New_York') }));
    expect(new Date(record!.at!).toISOString()).toBe('2026-05-01T13:00:00.000Z');
  });
});

describe('JSON and NDJSON', () => {
  const rec = (id: string) => ({ kind: 'llm', id, timestamp: '2026-05-01T00:00:00Z', model: 'gpt-5', input_tokens: 10, output_tokens: 2 });

  it('streams a JSON array element by element, remembering line and index', async () => {
    const path = file('log.json', `[\n  ${JSON.stringify(rec('a'))},\n  ${JSON.stringify({ ...rec('b'), id: 'b]}",' })}\n]\n`);
    const records = await read([path]);
    expect(records.map((r) => [r.id, r.source.line, r.source.index])).toEqual([
      ['a', 2, 0],
      ['b]}",', 3, 1],
    ]);
  });

  it('reads NDJSON with a BOM, CRLF and blank lines, and sniffs the format without an extension', async () => {
    const body = `\uFEFF${JSON.stringify(rec('a'))}\r\n\r\n${JSON.stringify(rec('b'))}\r\n`;
    expect((await read([file('log.ndjson', body)])).map((r) => [r.id, r.source.line])).toEqual([['a', 1], ['b', 3]]);
    expect((await read([file('log-no-ext', body)])).map((r) => r.id)).toEqual(['a', 'b']);
    expect((await read([file('arr-no-ext', JSON.stringify([rec('c')]))])).map((r) => r.id)).toEqual(['c']);
  });

  it('names the line of broken JSON, and refuses integers past 2^53', async () => {
    expect(await failure([file('broken.ndjson', `${JSON.stringify(rec('a'))}\n{"kind": "llm",\n`)])).toMatch(/^broken\.ndjson:2: is not valid JSON/);
    expect(await failure([file('big.ndjson', '{"kind":"llm","id":"a","input_tokens":9007199254740993}\n')])).toContain('field "input_tokens": is a number past 2^53, which JSON cannot carry exactly');
    expect(await failure([file('cut.json', `[${JSON.stringify(rec('a'))},`)])).toMatch(/ends before the closing \]/);
  });

  it('reads AssemblyAI transcript objects merged with the list endpoint by id', async () => {
    const records = await read(['fixtures/native/transcripts.json', 'fixtures/native/list.json']);
    const first = records.find((r) => r.id === '5551722-f677-48a6-9287-39c0aafd9ac1')!;
    expect(first).toMatchObject({ kind: 'transcript', model: 'universal-3-pro', audioMs: 1_200_000, channels: 2, features: ['speaker_labels'], customer: 'acme', failed: false });
    // created "2026-05-11T21:29:59.936851" has no zone: read in --input-tz (UTC)
    expect(new Date(first.at!).toISOString()).toBe('2026-05-11T21:29:59.936Z');
    expect(records.find((r) => r.id?.startsWith('7e9a'))!.failed).toBe(true);
  });

  it('a list item without its transcript object cannot be priced and says what is missing', async () => {
    expect(await failure(['fixtures/native/list.json'])).toContain('has no audio duration');
  });

  it('pairs streaming Begin and Termination events; a Begin alone is an unclosed session', async () => {
    const records = await read(['fixtures/native/stream-events.ndjson']);
    expect(records.map((r) => [r.id, r.closed, r.sessionMs, r.audioMs, r.customer])).toEqual([
      ['sess-1', true, 600_000, 540_000, 'acme'],
      ['sess-2', false, undefined, undefined, 'acme'],
    ]);
  });

  it('reads LLM gateway responses, Anthropic-style and OpenAI-style', async () => {
    const records = await read(['fixtures/native/llm.ndjson']);
    expect(records.map((r) => [r.model, r.inputTokens, r.outputTokens, new Date(r.at!).toISOString()])).toEqual([
      ['claude-haiku-4-5-20251001', 2_000_000, 100_000, '2026-05-07T12:00:00.000Z'],
      ['gpt-5-mini', 400_000, 50_000, '2026-05-07T12:00:00.000Z'],
    ]);
  });

  it('takes customer_id from the webhook URL query', async () => {
    const path = file('hook.csv', 'kind,id,audio_duration,webhook_url\ntranscript,a,1,https://x.example/h?customer_id=c-42\n');
    expect((await read([path]))[0]!.customer).toBe('c-42');
  });
});
