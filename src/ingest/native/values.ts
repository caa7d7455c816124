import { InputError, type SourceRef } from '../../util/errors.js';
import { isoInstant, parseInstant, type TimeZone } from '../../util/time.js';
import type { CanonicalField, RawFields, UsageRecord } from '../record.js';

/** A JSON object as the native readers see it. */
export type Json = Record<string, unknown>;

/** What the native readers give out, one by one in file order: a record, or the error of one bad record. */
export type Produced = UsageRecord | InputError;

/** The record `make` builds, or the InputError of that one record (any other error is thrown on). */
export function attempt(make: () => UsageRecord): Produced {
  try {
    return make();
  } catch (error) {
    if (error instanceof InputError && error.ref !== undefined) return error;
    throw error;
  }
}

const DIMENSIONS = ['project', 'api_key', 'customer_id'] as const;

/** Throws the InputError of one field of one record. */
export function fail(source: SourceRef, field: string, problem: string, hint?: string): never {
  throw new InputError(source, field, problem, hint);
}

/** Whether a JSON value is an object (not null, not an array). */
export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A JSON scalar as text, without losing digits: integers past 2^53 and non-finite numbers are errors. */
export function toText(value: unknown, source: SourceRef, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    // The number as read may not be the one written (9007199254740993 reads as …992): not quoted back.
    if (!Number.isFinite(value) || (Number.isInteger(value) && !Number.isSafeInteger(value))) {
      fail(source, field, 'is a number past 2^53, which JSON cannot carry exactly', 'write it as a string');
    }
    return String(value);
  }
  if (Array.isArray(value) && field === 'features' && value.every((v) => typeof v === 'string')) return value.join(';');
  return fail(source, field, 'is not a text or number value');
}

/** The reporting dimensions (`project`, `api_key`, `customer_id`, `webhook_url`) an object carries. */
export function dimensions(value: Json, source: SourceRef): RawFields {
  const raw: RawFields = {};
  for (const field of DIMENSIONS) {
    const text = toText(value[field], source, field);
    if (text !== undefined) raw[field] = text;
  }
  const webhook = toText(value.webhook_url, source, 'webhook_url');
  if (webhook !== undefined) raw.webhook_url = webhook;
  return raw;
}

/** An ISO 8601 instant (without an offset: in `zone`) as epoch ms; anything else is an error of `field`. */
export function instantField(text: string, source: SourceRef, field: string, zone: TimeZone): number {
  return parseInstant(text, zone) ?? fail(source, field, `"${text}" is not an ISO 8601 timestamp`);
}

/** Unix seconds (as the provider's `created` gives them) as ISO text; other text as is. */
export function unixOrText(value: unknown, source: SourceRef, field: string): string | undefined {
  if (typeof value === 'number') {
    const text = Number.isSafeInteger(value) && value >= 0 ? isoInstant(value * 1000) : undefined;
    return text ?? fail(source, field, `${value} is not a Unix time in seconds (from 1970 to the year 8999)`);
  }
  return toText(value, source, field);
}

/** Whole milliseconds (a non-negative integer, as `audio_duration_ms`) as decimal seconds text, exactly. */
export function msAsSeconds(value: unknown, source: SourceRef, field: string): string | undefined {
  const text = toText(value, source, field);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) fail(source, field, `"${text}" is not a whole number of milliseconds`);
  const ms = Number(text);
  return `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}`;
}

/** Copies canonical fields from the object's keys (`{ timestamp: 'created' }`) where it gives them; an error names the key. */
export function pick(raw: RawFields, value: Json, source: SourceRef, keys: Partial<Record<CanonicalField, string>>): RawFields {
  for (const [field, key] of Object.entries(keys) as [CanonicalField, string][]) {
    const text = toText(value[key], source, key);
    if (text !== undefined) raw[field] = text;
  }
  return raw;
}
