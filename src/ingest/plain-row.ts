import { ABSENT, type UsageBatch } from './batch.js';
import { SESSION_TOLERANCE_MS } from './normalize.js';

const TRANSCRIPT = 0;
const STREAM = 1;
const LLM = 2;

/**
 * A row's fields as a fast reader has read them, each already plain on its own (a reader leaves a
 * field it is not sure of to the text way): what the byte decoder reads from bytes and the Parquet
 * reader from typed cells. Numbers: ABSENT when not given; instants NaN when not given; codes 0.
 * One object per reader, refilled for each row.
 */
export class PlainRow {
  kind = 0;
  failed = 0;
  channels = 1;
  features = 0;
  audioMs = ABSENT;
  duration = ABSENT;
  terminated = ABSENT;
  input = ABSENT;
  output = ABSENT;
  /** cache_read_tokens, cache_write_tokens, cache_write_1h_tokens, reasoning_tokens (ABSENT: not given). */
  readonly classes = new Float64Array(4);
  timestamp = Number.NaN;
  started = Number.NaN;
  ended = Number.NaN;
  completed = Number.NaN;
  region = 0;
  model = 0;
  project = 0;
  apiKey = 0;
  customer = 0;
}

/**
 * Whether a row whose fields are each plain is plain as a whole: no field the kind needs is
 * missing and no two contradict each other (else normalizeRecord reads the row and says what is
 * wrong). These are the record path's cross-field rules, decided here once for every fast reader.
 */
export function plainRowValid(row: PlainRow): boolean {
  const { kind, audioMs, duration, failed, classes } = row;
  if (row.channels < 1) return false;
  if (kind === TRANSCRIPT && audioMs === ABSENT && failed === 0) return false;
  const anyClass = classes[0] !== ABSENT || classes[1] !== ABSENT || classes[2] !== ABSENT || classes[3] !== ABSENT;
  if (kind === LLM && row.input === ABSENT && row.output === ABSENT && !anyClass) return false;
  const startedAt = Number.isNaN(row.started) ? row.timestamp : row.started;
  const ended = row.ended;
  if (!Number.isNaN(startedAt) && !Number.isNaN(ended) && ended < startedAt) return false;
  // Durations that contradict each other: the text way says which and how.
  const spanMs = !Number.isNaN(startedAt) && !Number.isNaN(ended) ? ended - startedAt : ABSENT;
  if (duration !== ABSENT && spanMs !== ABSENT && Math.abs(duration - spanMs) > SESSION_TOLERANCE_MS) return false;
  const sessionMs = duration !== ABSENT ? duration : spanMs;
  return !(kind === STREAM && sessionMs !== ABSENT && audioMs !== ABSENT && audioMs - sessionMs > SESSION_TOLERANCE_MS);
}

/**
 * Adds a row whose fields are each plain to the batch, when together they are too (plainRowValid),
 * and returns its index (the caller then gives it its id); -1, having added nothing, when not.
 */
export function pushPlainRow(batch: UsageBatch, file: number, line: number, row: PlainRow): number {
  if (!plainRowValid(row)) return -1;
  const { kind, audioMs, duration, failed, classes, timestamp, ended } = row;
  const startedAt = Number.isNaN(row.started) ? timestamp : row.started;
  const spanMs = !Number.isNaN(startedAt) && !Number.isNaN(ended) ? ended - startedAt : ABSENT;
  const sessionMs = duration !== ABSENT ? duration : spanMs;
  const r = batch.open(file, line);
  batch.kind[r] = kind;
  batch.at[r] = kind === STREAM && Number.isNaN(timestamp) ? startedAt : timestamp;
  batch.startedAt[r] = startedAt;
  batch.completedAt[r] = row.completed;
  batch.audioMs[r] = audioMs;
  batch.sessionMs[r] = sessionMs;
  batch.channels[r] = row.channels;
  batch.inputTokens[r] = Math.max(row.input, 0);
  batch.outputTokens[r] = Math.max(row.output, 0);
  batch.cacheReadTokens[r] = Math.max(classes[0]!, 0);
  batch.cacheWriteTokens[r] = Math.max(classes[1]!, 0);
  batch.cacheWrite1hTokens[r] = Math.max(classes[2]!, 0);
  batch.reasoningTokens[r] = Math.max(classes[3]!, 0);
  batch.graceMs[r] = 0;
  batch.region[r] = row.region;
  batch.failed[r] = failed;
  batch.closed[r] = row.terminated !== ABSENT ? row.terminated : !Number.isNaN(ended) || duration !== ABSENT ? 1 : 0;
  batch.model[r] = row.model;
  batch.features[r] = row.features;
  batch.project[r] = row.project;
  batch.apiKey[r] = row.apiKey;
  batch.customer[r] = row.customer;
  return r;
}

const FEATURE_PATTERN = /^[A-Za-z0-9_.-]+$/;

/** Whether a features text is a list of add-on names as written (`a;b`, empty names allowed), with nothing to trim. */
export function isFeatureList(text: string): boolean {
  return text.split(';').every((name) => name === '' || FEATURE_PATTERN.test(name));
}
