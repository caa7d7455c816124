import { InputError, type SourceRef } from '../../util/errors.js';
import type { TimeZone } from '../../util/time.js';
import { normalizeRecord } from '../normalize.js';
import type { RawFields } from '../record.js';
import { attempt, dimensions, fail, msAsSeconds, pick, toText, type Json, type Produced } from './values.js';

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

/**
 * The model a Sync API response is billed under when the log does not say (the `X-AAI-Model` header
 * the SDKs send by default). Sync responses name their models `sync/<model>`, so that a card prices
 * them as the Sync product (0.30 per hour) and never as pre-recorded audio of the same model.
 */
export const SYNC_DEFAULT_MODEL = 'universal-3-5-pro';
export const SYNC_MODEL_PREFIX = 'sync/';

interface Held {
  raw: RawFields;
  source: SourceRef;
}

/** Whether an object is an item of the list endpoint (`GET /v2/transcript`): no duration, a `created` time. */
export function isListItem(value: Json): boolean {
  return 'resource_url' in value || ('created' in value && !('audio_duration' in value));
}

/** Whether an object is a transcript object (`GET /v2/transcript/{id}`). */
export function isTranscript(value: Json): boolean {
  return 'status' in value && ('audio_duration' in value || 'speech_model' in value || 'speech_model_used' in value);
}

/** The response of the Sync API (`POST /v1/transcribe`), at the top or under `response`; undefined when it is not one. */
export function syncResponse(value: Json): Json | undefined {
  if ('audio_duration_ms' in value) return value;
  const inner = value.response;
  return typeof inner === 'object' && inner !== null && 'audio_duration_ms' in inner ? (inner as Json) : undefined;
}

/**
 * Transcript objects and list items, held by id until the whole input is read: a list item gives a
 * transcript its `created` time, the transcript object gives the list item its duration.
 */
export class TranscriptBook {
  /** Ids of transcripts still queued or processing (a transcript object and its list item count once). */
  private readonly pendingIds = new Set<string>();
  private readonly transcripts = new Map<string, Held>();
  private readonly listItems = new Map<string, Held>();
  /** Second and later objects with an id already held: passed on, so the duplicate check reports them. */
  private readonly repeats: Held[] = [];

  constructor(private readonly inputZone: TimeZone) {}

  /** Transcripts still queued or processing: not billable yet, counted. */
  get pending(): number {
    return this.pendingIds.size;
  }

  /** Holds a transcript object (a queued or processing one is only counted). */
  transcript(value: Json, source: SourceRef): void {
    if (value.status === 'queued' || value.status === 'processing') {
      this.pendingIds.add(toText(value.id, source, 'id') ?? `${source.file}:${source.line}:${source.index ?? ''}`);
      return;
    }
    this.hold(this.transcripts, value, transcriptFields(value, source), source);
  }

  /** Holds an item of a list page. */
  listItem(value: Json, source: SourceRef): void {
    this.hold(this.listItems, value, listItemFields(value, source), source);
  }

  /** The records only the whole input completes, and the error of each held object that cannot be billed. */
  finish(): Produced[] {
    const out: Produced[] = [];
    for (const [id, held] of this.transcripts) {
      const listed = this.listItems.get(id);
      this.listItems.delete(id);
      const raw: RawFields = listed ? { ...held.raw, timestamp: listed.raw.timestamp, completed_at: listed.raw.completed_at } : held.raw;
      out.push(attempt(() => normalizeRecord(raw, held.source, this.inputZone)));
    }
    for (const [id, held] of this.listItems) {
      if (held.raw.status === 'error') out.push(attempt(() => normalizeRecord(held.raw, held.source, this.inputZone)));
      else if (held.raw.status === 'queued' || held.raw.status === 'processing') this.pendingIds.add(id);
      else {
        out.push(new InputError(held.source, 'audio_duration', `list item ${id} has no audio duration`,
          'the list endpoint omits it: give the transcript object (GET /v2/transcript/{id}) in another file'));
      }
    }
    for (const held of this.repeats) {
      if (held.raw.audio_duration !== undefined || held.raw.status === 'error') {
        out.push(attempt(() => normalizeRecord(held.raw, held.source, this.inputZone)));
      }
    }
    this.transcripts.clear();
    this.listItems.clear();
    this.repeats.length = 0;
    return out;
  }

  private hold(into: Map<string, Held>, value: Json, raw: RawFields, source: SourceRef): void {
    const id = raw.id ?? fail(source, 'id', 'is missing', 'a transcript needs its id');
    const held = { raw: { ...raw, ...dimensions(value, source) }, source };
    if (into.has(id)) this.repeats.push(held);
    else into.set(id, held);
  }
}

function transcriptFields(value: Json, source: SourceRef): RawFields {
  const raw = pick({ kind: 'transcript' }, value, source, { id: 'id', status: 'status', audio_duration: 'audio_duration', timestamp: 'timestamp' });
  const model = toText(value.speech_model_used ?? value.speech_model, source, 'speech_model_used');
  if (model !== undefined) raw.model = model;
  if (value.multichannel === true) {
    raw.channels = toText(value.audio_channels, source, 'audio_channels') ?? fail(source, 'audio_channels', 'is missing on a multichannel transcript');
  }
  const features: string[] = FEATURE_FLAGS.filter((flag) => value[flag] === true);
  if (Array.isArray(value.keyterms_prompt) && value.keyterms_prompt.length > 0) features.push('keyterms_prompt');
  if (typeof value.prompt === 'string' && value.prompt !== '') features.push('prompt');
  if (value.domain === 'medical-v1') features.push('medical_mode');
  if (features.length > 0) raw.features = features.join(';');
  return raw;
}

function listItemFields(value: Json, source: SourceRef): RawFields {
  return pick({ kind: 'transcript' }, value, source, { id: 'id', status: 'status', timestamp: 'created', completed_at: 'completed' });
}

/**
 * A Sync API response as a transcript: `session_id` its id, `audio_duration_ms` its audio, the model
 * from the log (`model`, or the `X-AAI-Model` header as logged) or the Sync default, under `sync/`.
 * The response carries no time: `received_at` or `timestamp` beside it dates it.
 */
export function syncFields(wrapper: Json, response: Json, source: SourceRef): RawFields {
  const raw: RawFields = { kind: 'transcript', ...dimensions(wrapper, source) };
  const id = toText(response.session_id ?? wrapper.session_id ?? wrapper.id, source, 'session_id');
  if (id !== undefined) raw.id = id;
  const received = toText(wrapper.received_at ?? wrapper.timestamp, source, 'received_at');
  if (received !== undefined) raw.timestamp = received;
  raw.audio_duration = msAsSeconds(response.audio_duration_ms, source, 'audio_duration_ms') ?? fail(source, 'audio_duration_ms', 'is missing', 'a Sync response gives the audio duration in ms');
  const model = toText(wrapper.model ?? wrapper['x-aai-model'] ?? wrapper.x_aai_model, source, 'model') ?? SYNC_DEFAULT_MODEL;
  raw.model = model.startsWith(SYNC_MODEL_PREFIX) ? model : `${SYNC_MODEL_PREFIX}${model}`;
  return raw;
}
