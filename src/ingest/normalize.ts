import { InputError, type SourceRef } from '../util/errors.js';
import { parseCount, secondsToMs } from '../util/quantity.js';
import { parseInstant, type TimeZone } from '../util/time.js';
import { USAGE_KINDS, type RawFields, type UsageKind, type UsageRecord } from './record.js';

const FEATURE_PATTERN = /^[A-Za-z0-9_.-]+$/;

/** Turns raw canonical fields into a validated record; any bad value is an InputError naming the field. */
export function normalizeRecord(raw: RawFields, source: SourceRef, inputZone: TimeZone): UsageRecord {
  const field = (name: keyof RawFields): string | undefined => {
    const value = raw[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const fail = (name: string, problem: string, hint?: string): never => {
    throw new InputError(source, name, problem, hint);
  };
  const instant = (name: keyof RawFields): number | undefined => {
    const text = field(name);
    if (text === undefined) return undefined;
    return (
      parseInstant(text, inputZone) ??
      fail(name, `"${text}" is not an ISO 8601 timestamp`, 'write e.g. 2026-05-01T10:00:00Z')
    );
  };
  const duration = (name: keyof RawFields): number | undefined => {
    const text = field(name);
    if (text === undefined) return undefined;
    if (text.startsWith('-')) fail(name, `"${text}" is negative`, 'durations are seconds, 0 or more');
    return secondsToMs(text) ?? fail(name, `"${text}" is not a number of seconds`, 'write e.g. 12 or 12.5');
  };
  const count = (name: keyof RawFields): number | undefined => {
    const text = field(name);
    if (text === undefined) return undefined;
    if (text.startsWith('-')) fail(name, `"${text}" is negative`, 'counts are whole numbers, 0 or more');
    return parseCount(text) ?? fail(name, `"${text}" is not a whole number`, 'write e.g. 1200');
  };

  const kindText = field('kind') ?? fail('kind', 'is missing', `give one of ${USAGE_KINDS.join(', ')}`);
  if (!(USAGE_KINDS as readonly string[]).includes(kindText)) {
    fail('kind', `"${kindText}" is not a usage kind`, `use one of ${USAGE_KINDS.join(', ')}`);
  }
  const kind = kindText as UsageKind;

  const timestamp = instant('timestamp');
  const startedAt = instant('started_at') ?? timestamp;
  const endedAt = instant('ended_at');
  if (startedAt !== undefined && endedAt !== undefined && endedAt < startedAt) {
    fail('ended_at', 'is before started_at', 'check the session times');
  }

  const status = field('status') ?? 'completed';
  if (status !== 'completed' && status !== 'error') {
    fail('status', `"${status}" is not billable`, 'use completed or error; queued and processing transcripts are not billed yet');
  }

  const channels = count('channels') ?? 1;
  if (channels < 1) fail('channels', 'is 0', 'a file has at least 1 channel');

  const features = (field('features') ?? '')
    .split(';')
    .map((f) => f.trim())
    .filter((f) => f !== '');
  for (const feature of features) {
    if (!FEATURE_PATTERN.test(feature)) fail('features', `"${feature}" is not an add-on name`, 'separate add-ons with ;');
  }

  const audioMs = duration('audio_duration');
  if (kind === 'transcript' && audioMs === undefined && status === 'completed') {
    fail('audio_duration', 'is missing', 'a completed transcript needs its audio duration in seconds');
  }

  const sessionDuration = duration('session_duration');
  const terminatedText = field('terminated');
  let terminated: boolean | undefined;
  if (terminatedText !== undefined) {
    const lower = terminatedText.toLowerCase();
    if (lower === 'true' || lower === '1') terminated = true;
    else if (lower === 'false' || lower === '0') terminated = false;
    else fail('terminated', `"${terminatedText}" is not true or false`);
  }
  const closed = terminated ?? (endedAt !== undefined || sessionDuration !== undefined);
  const sessionMs =
    sessionDuration ?? (startedAt !== undefined && endedAt !== undefined ? endedAt - startedAt : undefined);

  const inputTokens = count('input_tokens');
  const outputTokens = count('output_tokens');
  if (kind === 'llm' && inputTokens === undefined && outputTokens === undefined) {
    fail('input_tokens', 'is missing', 'an llm record needs input_tokens and/or output_tokens');
  }

  return {
    kind,
    id: field('id'),
    at: kind === 'stream' ? (timestamp ?? startedAt) : timestamp,
    completedAt: instant('completed_at'),
    project: field('project'),
    apiKey: field('api_key'),
    customer: field('customer_id') ?? customerFromWebhook(field('webhook_url')),
    model: field('model'),
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
    source,
  };
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
