import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLog, type ReadStats } from '../../src/ingest/index.js';
import type { UsageRecord } from '../../src/ingest/record.js';
import type { InputError } from '../../src/util/errors.js';
import { TimeZone } from '../../src/util/time.js';

const dir = mkdtempSync(join(tmpdir(), 'tallyman-native-'));
let files = 0;

/** Writes objects as NDJSON lines (strings as they are). */
function ndjson(lines: (object | string)[]): string {
  const path = join(dir, `log-${files++}.ndjson`);
  writeFileSync(path, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  return path;
}

interface Read {
  records: UsageRecord[];
  errors: string[];
  stats: ReadStats;
}

/** Reads a log as --skip-invalid does: the records, each error as `line:field: problem`, the counts. */
async function read(paths: string[]): Promise<Read> {
  const errors: string[] = [];
  const stats: ReadStats = { pending: 0 };
  const records: UsageRecord[] = [];
  const onInvalid = (e: InputError): void => void errors.push(`${e.ref!.file === paths[0] ? '' : `${e.ref!.file.slice(dir.length + 1)}:`}${e.ref!.line}:${e.field}: ${e.problem}`);
  for await (const batch of readLog(paths, { inputZone: TimeZone.of('UTC'), map: new Map(), onInvalid }, stats)) records.push(...batch);
  return { records, errors, stats };
}

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());
const session = (r: UsageRecord) => ({ id: r.id, model: r.model, at: iso(r.at), closed: r.closed, sessionMs: r.sessionMs, audioMs: r.audioMs });

const wrap = (id: string, at: string, event: object, extra: object = {}) => ({ session_id: id, received_at: at, ...extra, event });
const turn = { type: 'Turn', turn_order: 0, turn_is_formatted: true, end_of_turn: true, transcript: 'Hi.', end_of_turn_confidence: 1, words: [] };

describe('streaming logs with every message type', () => {
  it('v3: only Begin and Termination bill; Turn, SpeechStarted, LLMGatewayResponse, warnings and errors are counted and passed over', async () => {
    const log = ndjson([
      wrap('s1', '2026-05-06T14:00:00Z', { type: 'Begin', id: 's1', expires_at: 1778086800, configuration: { model: 'u3-rt-pro', mode: 'balanced', api_version: '2025-05-12' } }),
      wrap('s1', '2026-05-06T14:00:01Z', { type: 'SpeechStarted', timestamp: 1216, confidence: 0.98 }),
      wrap('s1', '2026-05-06T14:00:02Z', turn),
      wrap('s1', '2026-05-06T14:00:03Z', { type: 'LLMGatewayResponse', turn_order: 0, transcript: 'Hi.', data: { usage: { input_tokens: 10, output_tokens: 2 } } }),
      wrap('s1', '2026-05-06T14:00:04Z', { type: 'Warning', warning_code: 1, warning: 'slow audio' }),
      wrap('s1', '2026-05-06T14:00:05Z', { error: 'Client sent audio too fast' }),
      wrap('s1', '2026-05-06T14:00:06Z', { type: 'Heartbeat', total_audio_received_ms: 5000, total_duration_ms: 6000, realtime_factor: 1, max_speech_probability: 0.9 }),
      wrap('s1', '2026-05-06T14:00:07Z', { type: 'Terminate' }),
      wrap('s1', '2026-05-06T14:00:13Z', { type: 'Termination', audio_duration_seconds: 12, session_duration_seconds: 13 }),
    ]);
    const { records, errors, stats } = await read([log]);
    expect(errors).toEqual([]);
    // The server's Begin echoes the model: the wrapper does not say, so the echo prices the session.
    expect(records.map(session)).toEqual([{ id: 's1', model: 'u3-rt-pro', at: '2026-05-06T14:00:00.000Z', closed: true, sessionMs: 13_000, audioMs: 12_000 }]);
    expect(stats.passedOver).toBe(7);
  });

  it('the wrapper\'s model wins over the echoed configuration', async () => {
    const log = ndjson([
      wrap('s2', '2026-05-06T14:00:00Z', { type: 'Begin', id: 's2', expires_at: 1, configuration: { model: 'u3-rt-pro' } }, { model: 'universal-streaming-english' }),
      wrap('s2', '2026-05-06T14:00:10Z', { type: 'Termination', audio_duration_seconds: 9, session_duration_seconds: 10 }),
    ]);
    expect((await read([log])).records[0]!.model).toBe('universal-streaming-english');
  });

  it('v2 (message_type): SessionBegins and SessionTerminated bill by their times received; the rest is passed over', async () => {
    const log = ndjson([
      wrap('v2a', '2026-05-06T15:00:00Z', { message_type: 'SessionBegins', session_id: 'v2a', expires_at: '2026-05-06T16:00:00.000000' }),
      wrap('v2a', '2026-05-06T15:00:02Z', { message_type: 'PartialTranscript', created: '2026-05-06T15:00:02.1', audio_start: 0, audio_end: 1500, confidence: 0.5, text: 'how', words: [] }),
      wrap('v2a', '2026-05-06T15:00:03Z', { message_type: 'FinalTranscript', created: '2026-05-06T15:00:03.1', audio_start: 0, audio_end: 2500, confidence: 0.9, text: 'How.', words: [], punctuated: true, text_formatted: true }),
      wrap('v2a', '2026-05-06T15:01:59Z', { message_type: 'SessionInformation', audio_duration_seconds: 118.5 }),
      wrap('v2a', '2026-05-06T15:02:00Z', { message_type: 'SessionTerminated' }),
    ]);
    const { records, errors, stats } = await read([log]);
    expect(errors).toEqual([]);
    expect(records.map(session)).toEqual([{ id: 'v2a', model: undefined, at: '2026-05-06T15:00:00.000Z', closed: true, sessionMs: 120_000, audioMs: undefined }]);
    expect(stats.passedOver).toBe(3);
  });

  it('bare messages (no wrapper) in one file belong to the session opened before them; without times the session is undated', async () => {
    const log = ndjson([
      { type: 'Begin', id: 'bare-1', expires_at: 1772570132 },
      { type: 'SpeechStarted', timestamp: 1216, confidence: 0.987654 },
      turn,
      { type: 'Termination', audio_duration_seconds: 7, session_duration_seconds: 7 },
    ]);
    const { records, errors, stats } = await read([log]);
    expect(errors).toEqual([]);
    expect(records.map(session)).toEqual([{ id: 'bare-1', model: undefined, at: undefined, closed: true, sessionMs: 7000, audioMs: 7000 }]);
    expect(stats.passedOver).toBe(2);
  });

  it('a Termination before its Begin, in another file, makes one session, the same as in order', async () => {
    const begin = wrap('s3', '2026-05-06T14:00:00Z', { type: 'Begin', id: 's3', expires_at: 1, configuration: { model: 'u3-rt-pro' } }, { project: 'p' });
    const end = wrap('s3', '2026-05-06T14:00:07Z', { type: 'Termination', audio_duration_seconds: 6, session_duration_seconds: 7 });
    const inOrder = await read([ndjson([begin, end])]);
    const reversed = await read([ndjson([end]), ndjson([begin])]);
    expect(reversed.records.map(session)).toEqual(inOrder.records.map(session));
    expect(reversed.records.map(session)).toEqual([{ id: 's3', model: 'u3-rt-pro', at: '2026-05-06T14:00:00.000Z', closed: true, sessionMs: 7000, audioMs: 6000 }]);
    expect(reversed.records[0]!.project).toBe('p');
  });

  it('a Termination alone is dated back from its time received; a Begin alone is unclosed', async () => {
    const { records } = await read([ndjson([
      wrap('t-only', '2026-05-06T14:10:00Z', { type: 'Termination', audio_duration_seconds: 540, session_duration_seconds: 600 }),
      wrap('b-only', '2026-05-06T14:20:00Z', { type: 'Begin', id: 'b-only', expires_at: 1 }),
    ])]);
    expect(records.map(session)).toEqual([
      { id: 't-only', model: undefined, at: '2026-05-06T14:00:00.000Z', closed: true, sessionMs: 600_000, audioMs: 540_000 },
      { id: 'b-only', model: undefined, at: '2026-05-06T14:20:00.000Z', closed: false, sessionMs: undefined, audioMs: undefined },
    ]);
  });

  it('a message that should bill and cannot be read is an error naming file, line and field; the rest is kept', async () => {
    const log = ndjson([
      wrap('s4', '2026-05-06T14:00:00Z', { type: 'Begin', id: 's4', expires_at: 1 }),
      wrap('s4', '2026-05-06T14:00:09Z', { type: 'Termination', audio_duration_seconds: 9, session_duration_seconds: 'ten' }),
      wrap('s5', 'yesterday', { type: 'Begin', id: 's5', expires_at: 1 }),
      { type: 'Termination', audio_duration_seconds: 1, session_duration_seconds: 1 },
      wrap('s6', '2026-05-06T14:00:00Z', { message_type: 'SessionBegins', session_id: 's6', expires_at: '2026-05-06T15:00:00' }),
      { message_type: 'SessionTerminated', session_id: 's6' },
      wrap('s7', '2026-05-06T14:00:00Z', turn),
    ]);
    const other = ndjson([{ type: 'Termination', audio_duration_seconds: 1, session_duration_seconds: 1 }]);
    const { records, errors, stats } = await read([log, other]);
    expect(errors).toEqual([
      '2:session_duration_seconds: "ten" is not a number of seconds',
      '3:received_at: "yesterday" is not an ISO 8601 timestamp',
      '6:received_at: session s6 ended (SessionTerminated) but its session time is not known',
      `${other.slice(dir.length + 1)}:1:session_id: a Termination message has no session id`,
    ]);
    // The bare Termination of line 4 belongs to s4, the session last opened in that file.
    expect(records.map((r) => [r.id, r.closed, r.sessionMs])).toEqual([['s4', true, 1000]]);
    expect(stats.passedOver).toBe(1);
  });
});

describe('Voice Agent sessions', () => {
  const agent = (type: string, at: string, fields: object = {}) => wrap('va-1', at, { type, ...fields });

  it('session.ready … session.ended: one stream record of the voice-agent model, billed the session time it reports', async () => {
    const { records, errors, stats } = await read([ndjson([
      agent('session.ready', '2026-05-07T09:00:00Z', { session_id: 'va-1' }),
      agent('input.speech.started', '2026-05-07T09:00:05Z'),
      agent('transcript.user', '2026-05-07T09:00:08Z', { text: 'Weather in Tokyo?', item_id: 'item_1' }),
      agent('reply.done', '2026-05-07T09:00:12Z'),
      agent('session.ended', '2026-05-07T09:02:00Z', { session_duration_seconds: 120, audio_duration_seconds: 95 }),
    ])]);
    expect(errors).toEqual([]);
    expect(records.map(session)).toEqual([{ id: 'va-1', model: 'voice-agent', at: '2026-05-07T09:00:00.000Z', closed: true, sessionMs: 120_000, audioMs: 95_000 }]);
    expect(stats.passedOver).toBe(3);
  });

  it('a socket closed without session.ended is billed to its last message plus the 30 s grace, in any order', async () => {
    const lines = [
      agent('session.ready', '2026-05-07T10:00:00Z', { session_id: 'va-1' }),
      agent('transcript.user', '2026-05-07T10:01:00Z', { text: 'hello' }),
      agent('reply.done', '2026-05-07T10:01:30Z'),
    ];
    const expected = [{ id: 'va-1', model: 'voice-agent', at: '2026-05-07T10:00:00.000Z', closed: true, sessionMs: 120_000, audioMs: undefined }];
    expect((await read([ndjson(lines)])).records.map(session)).toEqual(expected);
    expect((await read([ndjson([...lines].reverse())])).records.map(session)).toEqual(expected);
  });

  it('without any time received, a voice-agent session without session.ended is unclosed', async () => {
    const { records } = await read([ndjson([{ type: 'session.ready', session_id: 'va-2' }, { type: 'reply.done' }])]);
    expect(records.map((r) => [r.id, r.model, r.closed])).toEqual([['va-2', 'voice-agent', false]]);
  });
});

describe('Sync API responses and messages tallyman does not know', () => {
  it('a Sync response is a transcript of its session id, audio_duration_ms, model sync/<model>', async () => {
    const response = { text: 'hello world', words: [], confidence: 0.92, audio_duration_ms: 400, session_id: 'eb92c4ff', request_time_ms: 243.7 };
    const { records, errors } = await read([ndjson([
      response,
      { received_at: '2026-07-20T10:00:00Z', model: 'universal-3-5-pro', project: 'kiosk', response: { ...response, session_id: 'x2', audio_duration_ms: 119_999 } },
      { ...response, session_id: 'x3', audio_duration_ms: 1.5 },
    ])]);
    expect(records.map((r) => [r.kind, r.id, r.model, r.audioMs, iso(r.at), r.project])).toEqual([
      ['transcript', 'eb92c4ff', 'sync/universal-3-5-pro', 400, undefined, undefined],
      ['transcript', 'x2', 'sync/universal-3-5-pro', 119_999, '2026-07-20T10:00:00.000Z', 'kiosk'],
    ]);
    expect(errors).toEqual(['3:audio_duration_ms: "1.5" is not a whole number of milliseconds']);
  });

  it('a wrapped message of a new type is passed over; a bare unknown object is an error', async () => {
    const { records, errors, stats } = await read([ndjson([
      wrap('s9', '2026-05-06T14:00:00Z', { type: 'SomethingNew', value: 1 }),
      { type: 'SomethingNew', session_id: 's9' },
      { type: 'SomethingNew' },
    ])]);
    expect(records).toEqual([]);
    expect(stats.passedOver).toBe(2);
    expect(errors).toEqual(['3:undefined: is not a usage record tallyman knows']);
  });
});
