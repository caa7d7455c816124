import fc from 'fast-check';
import type { RawFields } from '../../src/ingest/record.js';
import { nativeItem, type Lines } from './native.js';

/**
 * Random usage logs of every record kind for one built-in card: canonical rows (pre-recorded
 * transcripts, failed ones too, multichannel, add-ons; streaming sessions closed and unclosed, with
 * and without started_at/ended_at; voice-agent sessions; Sync transcripts; gateway requests with
 * token classes and regions; repeated ids; several projects, keys and customers) and, on the
 * AssemblyAI card, the provider's native shapes. Instants gather around a few moments (records at
 * the same instant) near midnight in the zones that cut days, over three months and the card's
 * price changes of July to September 2026.
 */
export interface Log {
  card: CardName;
  /** Canonical rows, copies of repeated ids included, and at most one invalid row (read with --skip-invalid). */
  rows: RawFields[];
  /** Native JSON lines (one object each). */
  native: string[];
  /** The log has an invalid row: the commands that can skip it are run with --skip-invalid. */
  invalid?: boolean;
}

export type CardName = 'assemblyai' | 'tencent-asr' | 'credits-example';

/** What a card prices, for rows it accepts: models per kind (undefined: the default model), add-ons, the scale of durations. */
interface Profile {
  transcript: (string | undefined)[];
  transcriptAddons: string[];
  stream: (string | undefined)[];
  streamAddons: string[];
  agent?: string;
  sync?: string;
  llm: string[];
  /** Longest audio of a record, in hours (Tencent's daily tiers start at 300 h). */
  hours: number;
  native: boolean;
}

const PROFILES: Record<CardName, Profile> = {
  assemblyai: {
    transcript: ['universal-3-pro', 'universal-2', 'best', 'nano', undefined],
    transcriptAddons: ['speaker_labels', 'entity_detection', 'keyterms_prompt', 'redact_pii'],
    stream: ['universal-streaming', 'u3-rt-pro', 'whisper-rt', 'universal-streaming-multilingual', undefined],
    streamAddons: ['speaker_labels', 'keyterms_prompt'],
    agent: 'voice-agent',
    sync: 'sync/universal-3-5-pro',
    llm: ['gpt-5', 'claude-sonnet-4-5-20250929', 'gemini-2.5-flash', 'claude-haiku-4.5'],
    hours: 4,
    native: true,
  },
  'tencent-asr': {
    transcript: ['file', 'file-large', undefined],
    transcriptAddons: [],
    stream: ['realtime', 'realtime-large', undefined],
    streamAddons: [],
    llm: [],
    hours: 150,
    native: false,
  },
  'credits-example': {
    transcript: ['standard', 'premium', undefined],
    transcriptAddons: ['speaker_labels'],
    stream: ['live', undefined],
    streamAddons: [],
    llm: ['assistant'],
    hours: 2,
    native: false,
  },
};

const pick = <T>(...values: T[]): fc.Arbitrary<T> => fc.constantFrom(...values);
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** 2026-07-16 (after the Sync API's card version) to mid-September (after the routing change of 2026-09-02). */
const FIRST_DAY = Date.UTC(2026, 6, 16);
const DAYS = 62;
/** Midnight in UTC, Asia/Shanghai, Asia/Kathmandu, America/St_Johns, Pacific/Kiritimati, America/Los_Angeles (summer), as a UTC time of day. */
const MIDNIGHTS = [0, 16 * HOUR, 18 * HOUR + 15 * MINUTE, 2 * HOUR + 30 * MINUTE, 10 * HOUR, 7 * HOUR];

/** An instant near a zone's midnight (a second or a minute either side), or anywhere in a day. */
const moment: fc.Arbitrary<number> = fc.record({
  day: fc.integer({ min: 0, max: DAYS - 1 }),
  midnight: fc.constantFrom(...MIDNIGHTS),
  offset: fc.oneof(pick(0, -SECOND, SECOND, -MINUTE, MINUTE, -HOUR), fc.integer({ min: 0, max: DAY / SECOND - 1 }).map((s) => s * SECOND)),
}).map(({ day, midnight, offset }) => FIRST_DAY + day * DAY + midnight + offset);

/** How a timestamp is written: `Z` with or without milliseconds, with an offset, or without one (read as UTC). */
type Style = 'z' | 'ms' | 'offset' | 'local';
const style: fc.Arbitrary<Style> = pick('z', 'z', 'ms', 'offset', 'local');
const OFFSETS = [345, -150, 840, 480];

function stamp(ms: number, how: Style, which = 0): string {
  const text = new Date(ms).toISOString();
  if (how === 'ms') return text;
  if (how === 'local') return text.slice(0, 19);
  if (how === 'z') return ms % SECOND === 0 ? `${text.slice(0, 19)}Z` : text;
  const minutes = OFFSETS[which % OFFSETS.length]!;
  const local = new Date(ms + minutes * MINUTE).toISOString().slice(0, 23);
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** Seconds as a log writes them: whole, to the millisecond, or finer (a part of a millisecond is billed as one). */
function seconds(ms: number, fine: number): string {
  if (fine === 0 && ms % SECOND === 0) return String(ms / SECOND);
  const text = `${Math.floor(ms / SECOND)}.${String(ms % SECOND).padStart(3, '0')}`;
  return fine === 2 ? `${text}${String((ms * 7) % 1000).padStart(3, '0')}` : text;
}

const dims = fc.record({
  project: pick('alpha', 'beta', undefined),
  api_key: pick('key-1', 'key-2', 'key-3', undefined),
  customer_id: pick('acme', 'globex', undefined),
  hook: fc.boolean(),
}).map(({ project, api_key, customer_id, hook }): RawFields => ({
  project,
  api_key,
  // The customer may come from the webhook's query parameter instead.
  ...(hook && customer_id ? { webhook_url: `https://hooks.example.com/aai?customer_id=${customer_id}&x=1` } : { customer_id }),
}));

/** Where a record's time comes from: one of the log's moments, at once or a little later. */
function timeOf(moments: number[]): fc.Arbitrary<number> {
  return fc.record({ i: fc.nat(), after: fc.oneof(pick(0, 0, 0, SECOND, MINUTE), fc.integer({ min: 0, max: 3 * HOUR / SECOND }).map((s) => s * SECOND)) })
    .map(({ i, after }) => moments[i % moments.length]! + after);
}

/** One canonical row of any kind the card prices (its id is given later). */
function row(p: Profile, moments: number[]): fc.Arbitrary<RawFields> {
  const when = fc.record({ at: timeOf(moments), how: style, which: fc.nat() });
  const fine = fc.integer({ min: 0, max: 2 });
  const maxMs = p.hours * HOUR;
  const transcript = fc.record({
    when, dims, fine,
    model: pick(...p.transcript),
    ms: fc.integer({ min: 0, max: maxMs }),
    channels: pick(undefined, '1', '2', '3'),
    features: fc.subarray(p.transcriptAddons),
    status: pick(undefined, 'completed', 'completed', 'error'),
    completedAfter: fc.option(fc.integer({ min: 0, max: 2 * HOUR / SECOND })),
  }).map((t): RawFields => ({
    kind: 'transcript', timestamp: stamp(t.when.at, t.when.how, t.when.which), model: t.model, audio_duration: seconds(t.ms, t.fine),
    channels: t.channels, features: t.features.length > 0 ? t.features.join(';') : undefined, status: t.status,
    completed_at: t.completedAfter === null ? undefined : stamp(t.when.at + t.completedAfter * SECOND, t.when.how, t.when.which), ...t.dims,
  }));
  const session = (models: (string | undefined)[], addons: string[]) => fc.record({
    when, dims, fine,
    model: pick(...models),
    sessionMs: fc.oneof(fc.integer({ min: 0, max: maxMs }), pick(3 * HOUR, 3 * HOUR + SECOND)),
    audioShare: fc.double({ min: 0, max: 1, noNaN: true }),
    shape: pick('terminated', 'duration', 'ends', 'ends-terminated', 'open', 'bare'),
    features: fc.subarray(addons),
  }).map((s): RawFields => {
    const audioMs = Math.floor(s.sessionMs * s.audioShare);
    const start = stamp(s.when.at, s.when.how, s.when.which);
    const base: RawFields = {
      kind: 'stream', timestamp: start, model: s.model, audio_duration: seconds(audioMs, s.fine),
      features: s.features.length > 0 ? s.features.join(';') : undefined, ...s.dims,
    };
    const duration = seconds(s.sessionMs, 1);
    // Both ends written alike (a time without an offset is read in --input-tz, so both move together).
    switch (s.shape) {
      case 'terminated': return { ...base, session_duration: duration, terminated: 'true' };
      case 'duration': return { ...base, session_duration: duration };
      case 'ends': return { ...base, started_at: stamp(s.when.at, 'z'), ended_at: stamp(s.when.at + s.sessionMs, 'ms') };
      case 'ends-terminated': return { ...base, started_at: start, ended_at: stamp(s.when.at + s.sessionMs, s.when.how, s.when.which), terminated: 'true' };
      case 'open': return { ...base, terminated: 'false' };
      default: return base;
    }
  });
  const kinds: fc.Arbitrary<RawFields>[] = [transcript, session(p.stream, p.streamAddons)];
  if (p.agent) kinds.push(session([p.agent], []));
  if (p.sync) {
    kinds.push(fc.record({ when, dims, ms: fc.integer({ min: 1, max: 120 * SECOND }) }).map((s): RawFields => ({
      kind: 'transcript', timestamp: stamp(s.when.at, s.when.how, s.when.which), model: p.sync, audio_duration: seconds(s.ms, 0), ...s.dims,
    })));
  }
  if (p.llm.length > 0) {
    const tokens = (max: number) => fc.integer({ min: 0, max }).map(String);
    kinds.push(fc.record({
      when, dims,
      model: pick(...p.llm),
      input_tokens: tokens(3_000_000),
      output_tokens: tokens(200_000),
      classes: fc.record({ cache_read_tokens: tokens(500_000), cache_write_tokens: tokens(100_000), cache_write_1h_tokens: tokens(100_000), reasoning_tokens: tokens(50_000) }, { requiredKeys: [] }),
      region: pick(undefined, 'global', 'us', 'eu'),
    }).map((l): RawFields => ({
      kind: 'llm', timestamp: stamp(l.when.at, l.when.how, l.when.which), model: l.model, input_tokens: l.input_tokens, output_tokens: l.output_tokens,
      ...l.classes, region: l.region, ...l.dims,
    })));
  }
  return fc.oneof(...kinds);
}

/** A row no command may bill: a negative duration, a count that is not one, a session that ends before it starts, an unknown kind. */
const invalidRow: fc.Arbitrary<RawFields> = pick<RawFields>(
  { kind: 'transcript', timestamp: '2026-08-01T00:00:00Z', audio_duration: '-5' },
  { kind: 'llm', timestamp: '2026-08-01T00:00:00Z', input_tokens: '12x', output_tokens: '1' },
  { kind: 'stream', timestamp: '2026-08-01T00:00:00Z', audio_duration: '1', started_at: '2026-08-01T00:00:00Z', ended_at: '2026-07-31T23:00:00Z' },
  { kind: 'fax', timestamp: '2026-08-01T00:00:00Z' },
);

/**
 * A log for a card: canonical rows with ids, copies of a few (a log exported twice), sometimes one
 * invalid row, and native lines on the AssemblyAI card (a transcript object now and then without
 * its list page: undated).
 */
export function log(card: CardName, size = 14): fc.Arbitrary<Log> {
  const p = PROFILES[card];
  const listed = fc.oneof({ arbitrary: fc.constant(true), weight: 9 }, { arbitrary: fc.constant(false), weight: 1 });
  return fc.array(moment, { minLength: 1, maxLength: 5 }).chain((moments) => fc.record({
    rows: fc.array(row(p, moments), { minLength: 1, maxLength: size, size: 'max' }),
    copies: fc.array(fc.nat(), { maxLength: 3 }),
    invalid: fc.oneof({ arbitrary: fc.constant(null), weight: 4 }, { arbitrary: invalidRow, weight: 1 }),
    native: p.native ? fc.array(nativeItem(timeOf(moments), listed), { maxLength: 4 }) : fc.constant<Lines[]>([]),
  })).map(({ rows, copies, invalid, native }) => {
    const named = rows.map((r, i) => ({ ...r, id: `r${i}` }));
    return {
      card,
      rows: [...named, ...copies.map((c) => named[c % named.length]!), ...(invalid ? [{ ...invalid, id: 'bad' }] : [])],
      native: native.flatMap((make, i) => make(`n${i}`)).map((o) => JSON.stringify(o)),
      invalid: invalid !== null,
    };
  });
}
