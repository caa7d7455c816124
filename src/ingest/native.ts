import { InputError, type SourceRef } from '../util/errors.js';
import type { TimeZone } from '../util/time.js';
import { gatewayFields, isGatewayResponse } from './native/gateway.js';
import { isUnknownStreamMessage, SessionBook, streamMessage } from './native/streaming.js';
import { isListItem, isTranscript, syncFields, syncResponse, TranscriptBook } from './native/transcripts.js';
import { isObject, toText, type Json, type Produced } from './native/values.js';
import { normalizeRecord } from './normalize.js';
import { CANONICAL_FIELDS, type CanonicalField, type RawFields } from './record.js';

export type { Produced } from './native/values.js';

/**
 * Turns JSON objects, canonical or in the provider's native shapes, into usage records. Shapes that
 * only make sense together (list items with transcript objects, a session's opening and closing
 * messages) are held until the other half comes or until `finish()`. Nothing here throws an
 * InputError: the error of one bad object is given out in its place, so that the rest is kept.
 */
export class JsonRecordAssembler {
  private readonly transcripts: TranscriptBook;
  private readonly sessions: SessionBook;
  /** The order in which files were first read, to give out held records in file order. */
  private readonly files = new Map<string, number>();

  constructor(
    private readonly inputZone: TimeZone,
    private readonly map: ReadonlyMap<CanonicalField, string>,
  ) {
    this.transcripts = new TranscriptBook(inputZone);
    this.sessions = new SessionBook(inputZone);
  }

  /** Transcripts still queued or processing: not billable yet, counted. */
  get pending(): number {
    return this.transcripts.pending;
  }

  /** Streaming messages that bill nothing (Turn, SpeechStarted, partial transcripts, ...): counted and passed over. */
  get passedOver(): number {
    return this.sessions.passedOver;
  }

  /** Takes one JSON value; returns what it completes (often nothing), records and errors in order. */
  accept(value: unknown, source: SourceRef): Produced[] {
    if (!this.files.has(source.file)) this.files.set(source.file, this.files.size);
    try {
      return this.read(value, source);
    } catch (error) {
      if (error instanceof InputError && error.ref !== undefined) return [error];
      throw error;
    }
  }

  /** What needed the whole input (merged transcripts, open sessions), one by one in file order. */
  finish(): Produced[] {
    const out = [...this.transcripts.finish(), ...this.sessions.finish()];
    const place = (item: Produced): SourceRef => (item instanceof InputError ? item.ref! : item.source);
    const file = (ref: SourceRef): number => this.files.get(ref.file) ?? this.files.size;
    return out.sort((a, b) => {
      const [x, y] = [place(a), place(b)];
      return file(x) - file(y) || x.line - y.line || (x.index ?? -1) - (y.index ?? -1);
    });
  }

  private read(value: unknown, source: SourceRef): Produced[] {
    if (!isObject(value)) throw new InputError(source, undefined, 'is not a JSON object', 'each record is an object');
    if (Array.isArray(value.transcripts)) {
      // One level: a list inside a list is not a response (and would be read by recursion, as deep as it nests).
      return value.transcripts.flatMap((item, index) => {
        const at = { ...source, index };
        if (isObject(item) && Array.isArray(item.transcripts)) return [new InputError(at, 'transcripts', 'is a list inside a list response', 'give each list endpoint response as it came')];
        return this.accept(item, at);
      });
    }
    if ('kind' in value || this.map.has('kind')) return [normalizeRecord(this.canonical(value, source), source, this.inputZone)];
    const message = streamMessage(value);
    if (message) return this.sessions.accept(message, source);
    if (isGatewayResponse(value)) return [normalizeRecord(gatewayFields(value, source), source, this.inputZone)];
    const sync = syncResponse(value);
    if (sync) return [normalizeRecord(syncFields(value, sync, source), source, this.inputZone)];
    if (isListItem(value)) this.transcripts.listItem(value, source);
    else if (isTranscript(value)) this.transcripts.transcript(value, source);
    else if (isUnknownStreamMessage(value)) this.sessions.passOver();
    else {
      throw new InputError(source, undefined, 'is not a usage record tallyman knows',
        'give "kind", or a transcript object, a list response, a Sync response, a streaming or voice-agent message or an LLM gateway response');
    }
    return [];
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
}
