import { InputError, type SourceRef } from '../util/errors.js';
import { secondsToMs } from '../util/quantity.js';
import { parseInstant, type TimeZone } from '../util/time.js';
import { normalizeRecord } from './normalize.js';
import { CANONICAL_FIELDS, type CanonicalField, type RawFields, type UsageRecord } from './record.js';

/** Boolean request flags of a transcript object that bill as add-ons, by the card's add-on name. */
const FEATURE_FLAGS = [
  'speaker_labels',
  'entity_detection',
  'sentiment_analysis',
  'auto_chapters',
  'auto_highlights',
  'iab_categories',
  'summarization',
  'filter_profanity',
  'redact_pii',
  'redact_pii_audio',
  'content_safety',
  'speaker_identification',
  'translation',
  'custom_formatting',
] as const;

const STREAM_EVENTS = new Set(['Begin', 'Termination', 'SessionBegins', 'SessionTerminated']);
const DIMENSIONS = ['project', 'api_key', 'customer_id'] as const;

type Json = Record<string, unknown>;
interface Held {
  raw: RawFields;
  source: SourceRef;
}

/**
 * Turns JSON objects, canonical or in the provider's native shapes, into usage records. Shapes that
 * only make sense together (list items with transcript objects, Begin with Termination) are held
 * by id until `finish()`.
 */
export class JsonRecordAssembler {
  /** Transcripts still queued or processing: not billable yet, counted. */
  pending = 0;
  private readonly transcripts = new Map<string, Held>();
  /** Second and later objects with an id already held: passed on, so the duplicate check reports them. */
  private readonly repeats: Held[] = [];
  private readonly listItems = new Map<string, Held>();
  private readonly openSessions = new Map<string, Held & { at: number }>();

  constructor(
    private readonly inputZone: TimeZone,
    private readonly map: ReadonlyMap<CanonicalField, string>,
  ) {}

  /** Takes one JSON value; returns the records it completes (often none or one). */
  accept(value: unknown, source: SourceRef): UsageRecord[] {
    if (!isObject(value)) throw new InputError(source, undefined, 'is not a JSON object', 'each record is an object');
    if (Array.isArray(value.transcripts)) {
      return value.transcripts.flatMap((item, index) => this.accept(item, { ...source, index }));
    }
    if ('kind' in value || this.map.has('kind')) return [normalizeRecord(this.canonical(value, source), source, this.inputZone)];
    const event = streamEvent(value);
    if (event) return this.acceptStreamEvent(value, event, source);
    if (isObject(value.usage)) return [normalizeRecord(llmFields(value, source), source, this.inputZone)];
    if ('resource_url' in value || ('created' in value && !('audio_duration' in value))) {
      this.hold(this.listItems, value, listItemFields(value, source), source);
      return [];
    }
    if ('status' in value && ('audio_duration' in value || 'speech_model' in value || 'speech_model_used' in value)) {
      if (value.status === 'queued' || value.status === 'processing') {
        this.pending++;
        return [];
      }
      this.hold(this.transcripts, value, transcriptFields(value, source), source);
      return [];
    }
    throw new InputError(source, undefined, 'is not a usage record tallyman knows',
      'give "kind", or a transcript object, a list response, a streaming event or an LLM gateway response');
  }

  /** Records that needed the whole input: merged transcripts and sessions never terminated. */
  finish(): UsageRecord[] {
    const records: UsageRecord[] = [];
    for (const [id, held] of this.transcripts) {
      const listed = this.listItems.get(id);
      this.listItems.delete(id);
      const raw: RawFields = listed ? { ...held.raw, timestamp: listed.raw.timestamp, completed_at: listed.raw.completed_at } : held.raw;
      records.push(normalizeRecord(raw, held.source, this.inputZone));
    }
    for (const [id, held] of this.listItems) {
      if (held.raw.status === 'error') records.push(normalizeRecord(held.raw, held.source, this.inputZone));
      else if (held.raw.status === 'queued' || held.raw.status === 'processing') this.pending++;
      else {
        throw new InputError(held.source, 'audio_duration', `list item ${id} has no audio duration`,
          'the list endpoint omits it: give the transcript object (GET /v2/transcript/{id}) in another file');
      }
    }
    for (const held of this.repeats) {
      if (held.raw.audio_duration !== undefined || held.raw.status === 'error') {
        records.push(normalizeRecord(held.raw, held.source, this.inputZone));
      }
    }
    for (const held of this.openSessions.values()) {
      records.push(normalizeRecord({ ...held.raw, terminated: 'false' }, held.source, this.inputZone));
    }
    this.transcripts.clear();
    this.listItems.clear();
    this.openSessions.clear();
    this.repeats.length = 0;
    return records.sort((a, b) => a.source.line - b.source.line);
  }

  private canonical(value: Json, source: SourceRef): RawFields {
    const raw: RawFields = {};
    for (const field of CANONICAL_FIELDS) {
      const key = this.map.get(field) ?? field;
      const text = toText(value[key], source, field);
      if (text !== undefined) raw[field] = text;
    }
    return raw;
  }

  private hold(into: Map<string, Held>, value: Json, raw: RawFields, source: SourceRef): void {
    const id = raw.id ?? fail(source, 'id', 'is missing', 'a transcript needs its id');
    const held = { raw: { ...raw, ...dimensions(value, source) }, source };
    if (into.has(id)) this.repeats.push(held);
    else into.set(id, held);
  }

  private acceptStreamEvent(wrapper: Json, event: Json, source: SourceRef): UsageRecord[] {
    const type = event.type as string;
    const sessionId =
      toText(wrapper.session_id ?? event.session_id ?? (type === 'Begin' ? event.id : undefined), source, 'session_id') ??
      fail(source, 'session_id', `a ${type} event has no session id`, 'log each event with the session id it belongs to');
    const receivedText = toText(wrapper.received_at ?? wrapper.timestamp ?? event.received_at ?? event.timestamp, source, 'received_at');
    const received = receivedText === undefined ? undefined : instantField(receivedText, source, 'received_at', this.inputZone);
    const extras: RawFields = { ...dimensions(wrapper, source), ...dimensions(event, source) };
    const model = toText(wrapper.model ?? wrapper.speech_model ?? event.model, source, 'model');
    if (model !== undefined) extras.model = model;
    if (type === 'Begin' || type === 'SessionBegins') {
      if (received === undefined) fail(source, 'received_at', `Begin of session ${sessionId} has no time`, 'log the time each event was received');
      if (this.openSessions.has(sessionId)) fail(source, 'session_id', `session ${sessionId} begins twice`);
      const raw: RawFields = { kind: 'stream', id: sessionId, timestamp: receivedText!, ...extras };
      this.openSessions.set(sessionId, { raw, source, at: received! });
      return [];
    }
    const begin = this.openSessions.get(sessionId);
    this.openSessions.delete(sessionId);
    const sessionSeconds = toText(event.session_duration_seconds, source, 'session_duration_seconds');
    const audioSeconds = toText(event.audio_duration_seconds, source, 'audio_duration_seconds');
    const raw: RawFields = { kind: 'stream', id: sessionId, ...begin?.raw, ...extras, terminated: 'true' };
    if (audioSeconds !== undefined) raw.audio_duration = audioSeconds;
    if (sessionSeconds !== undefined) raw.session_duration = sessionSeconds;
    else if (begin && received !== undefined) raw.ended_at = receivedText!;
    if (!begin) {
      if (received === undefined || sessionSeconds === undefined) {
        fail(source, 'session_id', `Termination of session ${sessionId} has no Begin and no time`,
          'log the Begin event too, or the time received and session_duration_seconds');
      }
      const sessionMs = secondsToMs(sessionSeconds!) ?? fail(source, 'session_duration_seconds', `"${sessionSeconds}" is not a number of seconds`);
      raw.timestamp = new Date(received! - sessionMs).toISOString();
    }
    return [normalizeRecord(raw, begin?.source ?? source, this.inputZone)];
  }
}

function fail(source: SourceRef, field: string, problem: string, hint?: string): never {
  throw new InputError(source, field, problem, hint);
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function streamEvent(value: Json): Json | undefined {
  if (typeof value.type === 'string' && STREAM_EVENTS.has(value.type)) return value;
  for (const key of ['event', 'message', 'data']) {
    const inner = value[key];
    if (isObject(inner) && typeof inner.type === 'string' && STREAM_EVENTS.has(inner.type)) return inner;
  }
  return undefined;
}

/** A JSON scalar as text, without losing digits: integers past 2^53 and non-finite numbers are errors. */
function toText(value: unknown, source: SourceRef, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || (Number.isInteger(value) && !Number.isSafeInteger(value))) {
      fail(source, field, `${value} is too large to be read exactly`, 'write it as a string');
    }
    return String(value);
  }
  if (Array.isArray(value) && field === 'features' && value.every((v) => typeof v === 'string')) return value.join(';');
  return fail(source, field, 'is not a text or number value');
}

function dimensions(value: Json, source: SourceRef): RawFields {
  const raw: RawFields = {};
  for (const field of DIMENSIONS) {
    const text = toText(value[field], source, field);
    if (text !== undefined) raw[field] = text;
  }
  const webhook = toText(value.webhook_url, source, 'webhook_url');
  if (webhook !== undefined) raw.webhook_url = webhook;
  return raw;
}

function instantField(text: string, source: SourceRef, field: string, zone: TimeZone): number {
  return parseInstant(text, zone) ?? fail(source, field, `"${text}" is not an ISO 8601 timestamp`);
}

/** Unix seconds (as the provider's `created` and `expires_at` give them) as ISO text; other text as is. */
function unixOrText(value: unknown, source: SourceRef, field: string): string | undefined {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) fail(source, field, `${value} is not a Unix time in seconds`);
    return new Date(value * 1000).toISOString();
  }
  return toText(value, source, field);
}

function transcriptFields(value: Json, source: SourceRef): RawFields {
  const raw: RawFields = { kind: 'transcript' };
  const set = (field: CanonicalField, text: string | undefined): void => {
    if (text !== undefined) raw[field] = text;
  };
  set('id', toText(value.id, source, 'id'));
  set('status', toText(value.status, source, 'status'));
  set('audio_duration', toText(value.audio_duration, source, 'audio_duration'));
  set('model', toText(value.speech_model_used ?? value.speech_model, source, 'speech_model_used'));
  set('timestamp', toText(value.timestamp, source, 'timestamp'));
  if (value.multichannel === true) {
    set('channels', toText(value.audio_channels, source, 'audio_channels') ?? fail(source, 'audio_channels', 'is missing on a multichannel transcript'));
  }
  const features: string[] = FEATURE_FLAGS.filter((flag) => value[flag] === true);
  if (Array.isArray(value.keyterms_prompt) && value.keyterms_prompt.length > 0) features.push('keyterms_prompt');
  if (typeof value.prompt === 'string' && value.prompt !== '') features.push('prompt');
  if (value.domain === 'medical-v1') features.push('medical_mode');
  if (features.length > 0) raw.features = features.join(';');
  return raw;
}

function listItemFields(value: Json, source: SourceRef): RawFields {
  const raw: RawFields = { kind: 'transcript' };
  const id = toText(value.id, source, 'id');
  const status = toText(value.status, source, 'status');
  const created = toText(value.created, source, 'created');
  const completed = toText(value.completed, source, 'completed');
  if (id !== undefined) raw.id = id;
  if (status !== undefined) raw.status = status;
  if (created !== undefined) raw.timestamp = created;
  if (completed !== undefined) raw.completed_at = completed;
  return raw;
}

function llmFields(value: Json, source: SourceRef): RawFields {
  const usage = value.usage as Json;
  const request = isObject(value.request) ? value.request : {};
  const raw: RawFields = { kind: 'llm', ...dimensions(value, source) };
  const set = (field: CanonicalField, text: string | undefined): void => {
    if (text !== undefined) raw[field] = text;
  };
  set('id', toText(value.id ?? value.request_id, source, 'id'));
  set('model', toText(request.model ?? value.model, source, 'model'));
  set('timestamp', unixOrText(value.timestamp ?? value.created ?? value.created_at, source, 'timestamp'));
  set('input_tokens', toText(usage.input_tokens ?? usage.prompt_tokens, source, 'usage.input_tokens'));
  set('output_tokens', toText(usage.output_tokens ?? usage.completion_tokens, source, 'usage.output_tokens'));
  return raw;
}
