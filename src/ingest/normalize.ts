import { InputError, type SourceRef } from '../util/errors.js';
import { parseCount, secondsToMs } from '../util/quantity.js';
import { MAX_YEAR, MIN_YEAR, parseInstant, type TimeZone } from '../util/time.js';
import { MAX_FIELD } from './limits.js';
import { USAGE_KINDS, type RawFields, type UsageKind, type UsageRecord } from './record.js';

const FEATURE_PATTERN = /^[A-Za-z0-9_.-]+$/;
/** Two durations of one session may differ by rounding, not by more than this (ms). */
export const SESSION_TOLERANCE_MS = 1000;

/** A field's trimmed text, or undefined when absent or empty. */
function text(raw: RawFields, name: keyof RawFields): string | undefined {
  const value = raw[name];
  if (value === undefined || value === '') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function fail(source: SourceRef, name: string, problem: string, hint?: string): never {
  throw new InputError(source, name, problem, hint);
}

function instant(raw: RawFields, name: keyof RawFields, source: SourceRef, zone: TimeZone): number | undefined {
  const value = text(raw, name);
  if (value === undefined) return undefined;
  const at = parseInstant(value, zone);
  if (at !== undefined) return at;
  const year = /^\d{4}-/.test(value) ? Number(value.slice(0, 4)) : undefined;
  if (year !== undefined && year < MIN_YEAR) fail(source, name, `"${value}" is a date before the year ${MIN_YEAR}`, 'check the year');
  if (year !== undefined && year > MAX_YEAR) fail(source, name, `"${value}" is a date after the year ${MAX_YEAR}`, 'check the year');
  return fail(source, name, `"${value}" is not an ISO 8601 timestamp`, 'write e.g. 2026-05-01T10:00:00Z');
}

function duration(raw: RawFields, name: keyof RawFields, source: SourceRef): number | undefined {
  const value = text(raw, name);
  if (value === undefined) return undefined;
  if (value.charCodeAt(0) === 45) fail(source, name, `"${value}" is negative`, 'durations are seconds, 0 or more');
  return secondsToMs(value) ?? fail(source, name, `"${value}" is not a number of seconds`, 'write e.g. 12 or 12.5');
}

function count(raw: RawFields, name: keyof RawFields, source: SourceRef): number | undefined {
  const value = text(raw, name);
  if (value === undefined) return undefined;
  if (value.charCodeAt(0) === 45) fail(source, name, `"${value}" is negative`, 'counts are whole numbers, 0 or more');
  return parseCount(value) ?? fail(source, name, `"${value}" is not a whole number`, 'write e.g. 1200');
}

/** Turns raw canonical fields into a validated record; any bad value is an InputError naming the field. */
export function normalizeRecord(raw: RawFields, source: SourceRef, inputZone: TimeZone): UsageRecord {
  for (const name in raw) {
    const length = raw[name as keyof RawFields]?.length ?? 0;
    if (length > MAX_FIELD) fail(source, name, `is ${length} characters long, more than ${MAX_FIELD}`, 'is it the right column?');
  }
  const kindText = text(raw, 'kind') ?? fail(source, 'kind', 'is missing', `give one of ${USAGE_KINDS.join(', ')}`);
  if (kindText !== 'transcript' && kindText !== 'stream' && kindText !== 'llm') {
    fail(source, 'kind', `"${kindText}" is not a usage kind`, `use one of ${USAGE_KINDS.join(', ')}`);
  }
  const kind: UsageKind = kindText;

  const timestamp = instant(raw, 'timestamp', source, inputZone);
  const startedAt = instant(raw, 'started_at', source, inputZone) ?? timestamp;
  const endedAt = instant(raw, 'ended_at', source, inputZone);
  if (startedAt !== undefined && endedAt !== undefined && endedAt < startedAt) {
    fail(source, 'ended_at', 'is before started_at', 'check the session times');
  }

  const status = text(raw, 'status') ?? 'completed';
  if (status !== 'completed' && status !== 'error') {
    fail(source, 'status', `"${status}" is not billable`, 'use completed or error; queued and processing transcripts are not billed yet');
  }

  const channels = count(raw, 'channels', source) ?? 1;
  if (channels < 1) fail(source, 'channels', 'is 0', 'a file has at least 1 channel');

  const featureText = text(raw, 'features');
  const features: string[] = [];
  if (featureText !== undefined) {
    for (const part of featureText.split(';')) {
      const feature = part.trim();
      if (feature === '') continue;
      if (!FEATURE_PATTERN.test(feature)) fail(source, 'features', `"${feature}" is not an add-on name`, 'separate add-ons with ;');
      features.push(feature);
    }
  }

  const audioMs = duration(raw, 'audio_duration', source);
  if (kind === 'transcript' && audioMs === undefined && status === 'completed') {
    fail(source, 'audio_duration', 'is missing', 'a completed transcript needs its audio duration in seconds');
  }

  const sessionDuration = duration(raw, 'session_duration', source);
  const terminatedText = text(raw, 'terminated');
  let terminated: boolean | undefined;
  if (terminatedText !== undefined) {
    terminated = parseBoolean(terminatedText) ?? fail(source, 'terminated', `"${terminatedText}" is not true or false`);
  }
  const closed = terminated ?? (endedAt !== undefined || sessionDuration !== undefined);
  const spanMs = startedAt !== undefined && endedAt !== undefined ? endedAt - startedAt : undefined;
  if (sessionDuration !== undefined && spanMs !== undefined && Math.abs(sessionDuration - spanMs) > SESSION_TOLERANCE_MS) {
    fail(source, 'session_duration', `${sessionDuration / 1000} s disagrees with ended_at − started_at (${spanMs / 1000} s)`, 'give one of them, or correct it');
  }
  const sessionMs = sessionDuration ?? spanMs;
  if (kind === 'stream' && sessionMs !== undefined && audioMs !== undefined && audioMs - sessionMs > SESSION_TOLERANCE_MS) {
    fail(source, 'session_duration', `the session (${sessionMs / 1000} s) is shorter than the audio it carried (audio_duration ${audioMs / 1000} s)`, 'check both durations');
  }

  const inputTokens = count(raw, 'input_tokens', source);
  const outputTokens = count(raw, 'output_tokens', source);
  const regionText = text(raw, 'region')?.toLowerCase();
  if (regionText !== undefined && regionText !== 'global' && regionText !== 'us' && regionText !== 'eu') {
    fail(source, 'region', `"${text(raw, 'region')}" is not a region`, 'use global, us or eu');
  }
  const cacheReadTokens = count(raw, 'cache_read_tokens', source);
  const cacheWriteTokens = count(raw, 'cache_write_tokens', source);
  const cacheWrite1hTokens = count(raw, 'cache_write_1h_tokens', source);
  const reasoningTokens = count(raw, 'reasoning_tokens', source);
  if (kind === 'llm' && [inputTokens, outputTokens, cacheReadTokens, cacheWriteTokens, cacheWrite1hTokens, reasoningTokens].every((n) => n === undefined)) {
    fail(source, 'input_tokens', 'is missing', 'an llm record needs input_tokens and/or output_tokens');
  }

  return {
    kind,
    id: text(raw, 'id'),
    at: kind === 'stream' ? (timestamp ?? startedAt) : timestamp,
    completedAt: instant(raw, 'completed_at', source, inputZone),
    project: text(raw, 'project'),
    apiKey: text(raw, 'api_key'),
    customer: text(raw, 'customer_id') ?? customerFromWebhook(text(raw, 'webhook_url')),
    model: text(raw, 'model'),
    audioMs,
    channels,
    features,
    failed: status === 'error',
    startedAt,
    endedAt,
    sessionMs,
    closed,
    inputTokens: inputTokens ?? 0,
    outputTokens: outputTokens ?? 0,
    cacheReadTokens: cacheReadTokens ?? 0,
    cacheWriteTokens: cacheWriteTokens ?? 0,
    cacheWrite1hTokens: cacheWrite1hTokens ?? 0,
    reasoningTokens: reasoningTokens ?? 0,
    region: regionText,
    graceMs: 0,
    source,
  };
}

/** `true`/`1` and `false`/`0` in any case (trimmed text), else undefined. */
export function parseBoolean(text: string): boolean | undefined {
  const lower = text.toLowerCase();
  return lower === 'true' || lower === '1' ? true : lower === 'false' || lower === '0' ? false : undefined;
}

/** The `customer_id` query parameter of a webhook URL, where there is one. */
export function customerFromWebhook(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).searchParams.get('customer_id') || undefined;
  } catch {
    return undefined;
  }
}
