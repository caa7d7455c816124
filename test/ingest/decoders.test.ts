import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LogStrings, UsageBatch } from '../../src/ingest/batch.js';
import { ByteRowDecoder } from '../../src/ingest/decode-bytes.js';
import { CANONICAL_FIELDS, type CanonicalField } from '../../src/ingest/record.js';
import { TimeZone } from '../../src/util/time.js';

/**
 * The two decoders of a CSV row, column by column: the byte way (ByteRowDecoder.decode, falling back
 * to the text way where it declines) against the text way alone (normalizeRecord → pushRecord, as
 * byText does). Rows are plain ASCII without spaces, commas or quotes: what the byte scanner hands
 * to decode (a row with a space goes to the text way before decode sees it).
 */

const UTC = TimeZone.of('UTC');
const FILE = 'log.csv';
const LINE = 7;

/** A row as the byte scanner gives it: the bytes (after some earlier text) and each field's range. */
function scanned(row: string): { bytes: Uint8Array; starts: Int32Array; ends: Int32Array } {
  const before = 'an,earlier,row\n';
  const bytes = Buffer.from(before + row + '\n', 'latin1');
  const values = row.split(',');
  const starts = new Int32Array(values.length);
  const ends = new Int32Array(values.length);
  let at = before.length;
  values.forEach((value, i) => {
    starts[i] = at;
    ends[i] = at + value.length;
    at = ends[i]! + 1;
  });
  return { bytes, starts, ends };
}

/** Row 0 of a batch, every column a reader fills, with strings and codes as their texts. */
function columns(b: UsageBatch): Record<string, unknown> {
  const where = { file: b.strings.files.at(b.file[0]!), line: b.line[0], index: b.index[0] };
  if (b.kind[0] === -1) return { kind: -1, ...where, error: b.errors[0]!.message };
  const features = b.text(b.features[0]!);
  return {
    kind: b.kind[0], ...where,
    at: b.at[0], startedAt: b.startedAt[0], completedAt: b.completedAt[0],
    audioMs: b.audioMs[0], sessionMs: b.sessionMs[0], channels: b.channels[0],
    inputTokens: b.inputTokens[0], outputTokens: b.outputTokens[0], failed: b.failed[0], closed: b.closed[0],
    cacheReadTokens: b.cacheReadTokens[0], cacheWriteTokens: b.cacheWriteTokens[0], cacheWrite1hTokens: b.cacheWrite1hTokens[0], reasoningTokens: b.reasoningTokens[0],
    model: b.text(b.model[0]!),
    // The byte way keeps a features text as written (`a;;b`), the text way as a list joined (`a;b`):
    // the add-ons they name are what the fold reads (Fold.featureList drops the empty names).
    features: features === undefined ? [] : features.split(';').filter((name) => name !== ''),
    project: b.text(b.project[0]!), apiKey: b.text(b.apiKey[0]!), customer: b.text(b.customer[0]!),
    hasId: b.hasId[0], idA: b.idA[0], idB: b.idB[0], id: b.id(0),
  };
}

/** Decodes one row both ways; `byBytes` says whether decode took it. */
function decodeBoth(header: readonly string[], row: string): { byBytes: boolean; bytes: Record<string, unknown>; text: Record<string, unknown> } {
  const { bytes, starts, ends } = scanned(row);
  const fast = new UsageBatch(new LogStrings());
  const fastDecoder = new ByteRowDecoder(fast, FILE, UTC, new Map());
  fastDecoder.header([...header]);
  const byBytes = fastDecoder.decode(bytes, starts, ends, LINE);
  if (!byBytes) {
    expect(fast.length, 'decode declined but added a row').toBe(0);
    fastDecoder.byText(bytes, starts, ends, LINE);
  }
  const slow = new UsageBatch(new LogStrings());
  const slowDecoder = new ByteRowDecoder(slow, FILE, UTC, new Map());
  slowDecoder.header([...header]);
  slowDecoder.byText(bytes, starts, ends, LINE);
  expect(fast.length).toBe(1);
  expect(slow.length).toBe(1);
  return { byBytes, bytes: columns(fast), text: columns(slow) };
}

const pick = <T>(...values: T[]): fc.Arbitrary<T> => fc.constantFrom(...values);
/** Mostly valid values, now and then an invalid one. */
const mix = (valid: fc.Arbitrary<string>, invalid: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc.oneof({ weight: 8, arbitrary: valid }, { weight: 1, arbitrary: invalid });

const BASE = Date.UTC(2026, 4, 1, 10);
/** An instant near 2026-05-01T10:00Z in one of the shapes a log writes (only `Z` forms are the byte way's). */
const instant = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.integer({ min: -7200, max: 7200 }), fc.integer({ min: 0, max: 999 }), pick('Z', 'Z', '.fffZ', '.fffZ', '+02:00', '.fff-05:30', '.fZ', 'z')).map(([s, ms, form]) => {
    const text = new Date(BASE + s * 1000 + ms).toISOString();
    const plain = text.slice(0, 19);
    if (form === 'Z') return `${plain}Z`;
    if (form === '.fffZ') return text;
    if (form === '.fZ') return `${text.slice(0, 21)}Z`;
    if (form === 'z') return `${plain}z`;
    const offset = form === '+02:00' ? 2 * 3600_000 : -(5 * 3600_000 + 30 * 60_000);
    const local = new Date(BASE + s * 1000 + ms + offset).toISOString();
    return form === '+02:00' ? `${local.slice(0, 19)}+02:00` : `${local.slice(0, 23)}-05:30`;
  }) },
  { weight: 2, arbitrary: pick('2026-05-01T10:00:00Z', '2026-05-01T10:00:00.123Z', '2024-02-29T23:59:59Z', '2026-05-01T10:00', '2026-05-01') },
  { weight: 1, arbitrary: pick('2026-13-01T10:00:00Z', '2026-02-29T10:00:00Z', '2026-05-01T24:00:00Z', '2026-05-01T10:60:00Z', '2026-05-01T10:00:60Z', '2026-05-01T10:00:00.12345Z', '2026-05-01X10:00:00Z', 'soon', '1714557600') },
);

/** Decimal seconds: whole, with 1 to 6 fraction digits (a part millisecond from the 4th), or odd but valid. */
const secondsText = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 999_999 })).map(([whole, digits, fraction]) =>
    digits === 0 ? String(whole) : `${whole}.${String(fraction).padStart(6, '0').slice(0, digits)}`) },
  { weight: 1, arbitrary: pick('12', '12.5', '0.0004', '0.001', '1.0000001', '007', '0', '999999999999', '999999999999.9999', '1234567890123', '9999999999999.5') },
);
const badSeconds = pick('-5', '-0', 'abc', '1e5', '0x10', '12.', '.5', '1.2.3', '+3', '99999999999999999999');
const countText = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 5_000_000 }).map(String) },
  { weight: 1, arbitrary: pick('0', '007', '999999999999999', '1000000000000000', '9007199254740991') },
);
const badCount = pick('-1', 'abc', '1e5', '0x10', '2.5', '9007199254740993', '99999999999999999999');
const word = pick('a', 'p1', 'p-2', 'k_9', 'c.3', 'x#1', 'Z', 'proj/a');

/** One value per canonical field. */
const fields: Record<CanonicalField, fc.Arbitrary<string>> = {
  kind: mix(pick('transcript', 'stream', 'llm'), pick('Transcript', 'LLM', 'call', '')),
  id: mix(fc.oneof(word, fc.integer({ min: 0, max: 999 }).map((n) => `req-${n}`)), pick('')),
  timestamp: mix(instant, pick('')),
  completed_at: fc.oneof({ weight: 2, arbitrary: pick('') }, { weight: 1, arbitrary: instant }),
  project: mix(word, pick('')),
  api_key: mix(word, pick('')),
  customer_id: mix(word, pick('')),
  webhook_url: fc.oneof({ weight: 8, arbitrary: pick('') }, { weight: 1, arbitrary: pick('https://hooks.example/h?customer_id=c7', 'https://hooks.example/h', 'not-a-url') }),
  model: pick('universal-2', 'universal-3-pro', 'gpt-5', 'nano', 'claude-haiku-4.5', 'm;x', ''),
  audio_duration: mix(secondsText, fc.oneof(badSeconds, pick(''))),
  channels: mix(pick('1', '2', '16', '', '01'), pick('0', '-1', 'two', '1.0', '0x10', '1234567890123456')),
  features: mix(pick('', 'speaker_labels', 'a;b', 'a;;b', ';', 'speaker_labels;entity_detection', 'a;', ';a'), pick('bad!name', 'a/b', 'a;b=c')),
  status: mix(pick('completed', 'error', ''), pick('queued', 'ERROR', 'Completed')),
  started_at: fc.oneof({ weight: 2, arbitrary: pick('') }, { weight: 1, arbitrary: instant }),
  ended_at: fc.oneof({ weight: 2, arbitrary: pick('') }, { weight: 1, arbitrary: instant }),
  session_duration: fc.oneof({ weight: 4, arbitrary: pick('') }, { weight: 4, arbitrary: secondsText }, { weight: 1, arbitrary: badSeconds }),
  terminated: mix(pick('true', 'false', '1', '0', 'TRUE', 'False', ''), pick('maybe', 'yes', '2', 't')),
  input_tokens: mix(fc.oneof(countText, pick('')), badCount),
  output_tokens: mix(fc.oneof(countText, pick('')), badCount),
  cache_read_tokens: fc.oneof({ weight: 3, arbitrary: pick('') }, { weight: 1, arbitrary: mix(countText, badCount) }),
  cache_write_tokens: fc.oneof({ weight: 3, arbitrary: pick('') }, { weight: 1, arbitrary: mix(countText, badCount) }),
  cache_write_1h_tokens: fc.oneof({ weight: 3, arbitrary: pick('') }, { weight: 1, arbitrary: mix(countText, badCount) }),
  reasoning_tokens: fc.oneof({ weight: 3, arbitrary: pick('') }, { weight: 1, arbitrary: mix(countText, badCount) }),
};

/** A header of `kind` and some other canonical columns in any order, and a row of values for it. */
const row = fc.record(fields).chain((values) =>
  fc.shuffledSubarray(CANONICAL_FIELDS.filter((f) => f !== 'kind'), { minLength: 2 }).chain((others) =>
    fc.shuffledSubarray([...others, 'kind' as const], { minLength: others.length + 1 }).map((header) => ({ header, row: header.map((f) => values[f]).join(',') })),
  ),
);

describe('the byte decoder against the text way, column by column', () => {
  it('decodes fuzzed CSV rows to the same columns, or declines them to the text way', () => {
    let byBytes = 0;
    let runs = 0;
    fc.assert(
      fc.property(row, ({ header, row: text }) => {
        const decoded = decodeBoth(header, text);
        runs++;
        if (decoded.byBytes) byBytes++;
        expect(decoded.bytes).toEqual(decoded.text);
      }),
      { numRuns: Number(process.env.SCAN_RUNS ?? 300) },
    );
    // The byte way must have been exercised, not only the fallback (it takes about a fifth of the rows).
    expect(byBytes).toBeGreaterThan(runs / 10);
  });

  it('takes plain rows the byte way, declines the others, and reads them as the text way does', () => {
    const header = ['kind', 'id', 'timestamp', 'completed_at', 'project', 'api_key', 'customer_id', 'model', 'audio_duration', 'channels', 'features', 'status', 'started_at', 'ended_at', 'session_duration', 'terminated', 'input_tokens', 'output_tokens'];
    // Plain rows the byte way must take; then rows it must decline to the text way, which reads them or says what is wrong.
    const rows: [string, boolean][] = [
      ['transcript,t1,2026-05-01T10:00:00Z,2026-05-01T10:05:00.123Z,p1,k1,c1,universal-2,12.5,2,speaker_labels;entity_detection,completed,,,,,,', true],
      ['transcript,t2,2026-05-01T10:00:00.123Z,,p1,,,,0.0004,,a;;b,,,,,,,', true],
      ['transcript,t3,2026-05-01T10:00:00Z,,,,,nano,,,,error,,,,,,', true],
      ['stream,s1,,,p2,k2,,universal-streaming,60,,,,2026-05-01T10:00:00Z,2026-05-01T11:00:00.500Z,,,,', true],
      ['stream,s2,2026-05-01T10:00:00Z,,,,,,,,,,,,20000.0001,TRUE,,', true],
      ['stream,s3,2026-05-01T10:00:00Z,,,,,,,,,,,,,0,,', true],
      ['transcript,t7,,,,,,,60,,,,2026-05-01T10:00:00Z,,,,,', true],
      ['llm,m1,2026-05-31T23:59:59Z,,,,,gpt-5,,,,,,,,,1200,30', true],
      ['llm,,2026-05-01T10:00:00Z,,,,,claude-haiku-4.5,,,,,,,,,,999999999999999', true],
      ['transcript,t4,2026-05-01T12:00:00+02:00,,,,,,60,,,,,,,,,', false],
      ['transcript,t5,2026-05-01T10:00:00Z,,,,,,1e5,,,,,,,,,', false],
      ['stream,s4,,,,,,,,,,,2026-05-01T10:00:00Z,2026-05-01T09:00:00Z,,,,', false],
      ['llm,m2,2026-05-01T10:00:00Z,,,,,,,,,,,,,,1000000000000000,', false],
      ['transcript,t6,2026-13-01T10:00:00Z,,,,,,60,,,,,,,,,', false],
    ];
    for (const [text, plain] of rows) {
      const decoded = decodeBoth(header, text);
      expect(decoded.byBytes, text).toBe(plain);
      expect(decoded.bytes, text).toEqual(decoded.text);
    }
  });
});
