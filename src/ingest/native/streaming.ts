import type { SourceRef } from '../../util/errors.js';
import { secondsToMs } from '../../util/quantity.js';
import { isoInstant, MAX_YEAR, MIN_YEAR, type TimeZone } from '../../util/time.js';
import { normalizeRecord } from '../normalize.js';
import type { RawFields } from '../record.js';
import { attempt, dimensions, fail, instantField, isObject, toText, unixOrText, type Json, type Produced } from './values.js';

/** Messages that open a session: streaming v3, v2, and the Voice Agent API. */
const OPENS = new Set(['Begin', 'SessionBegins', 'session.ready']);
/** Messages that close a session and carry (or imply) its billed time. */
const CLOSES = new Set(['Termination', 'SessionTerminated', 'session.ended']);
/** Every other message of the published protocols, received or sent: counted and passed over. */
const PASSED = new Set([
  'Turn', 'SpeechStarted', 'LLMGatewayResponse', 'Error', 'Warning', 'Heartbeat', 'SpeakerRevision',
  'Terminate', 'UpdateConfiguration', 'ForceEndpoint', 'KeepAlive',
  'PartialTranscript', 'FinalTranscript', 'SessionInformation',
  'session.updated', 'session.error', 'input.speech.started', 'input.speech.stopped', 'transcript.user.delta',
  'transcript.user', 'reply.started', 'reply.audio', 'transcript.agent', 'reply.done', 'tool.call',
  'session.update', 'session.resume', 'input.audio', 'tool.result', 'reply.create', 'session.end',
]);
/** Voice Agent API messages (their type names are dotted). */
const isAgentType = (type: string): boolean => type.includes('.');
/** Keys under which a logged message may be wrapped beside its session id and time received. */
const WRAPPER_KEYS = ['event', 'message', 'data'] as const;

/** The Voice Agent API bills one rate for everything: its sessions carry this model. */
export const VOICE_AGENT_MODEL = 'voice-agent';
/** A voice-agent session whose socket closed without `session.ended` is kept, and billed, this long. */
export const VOICE_AGENT_GRACE_MS = 30_000;

/** One logged streaming message: the object logged (`outer`, the wrapper or the message itself) and the message. */
export interface StreamMessage {
  outer: Json;
  event: Json;
  type: string;
}

function typeOf(value: Json): string | undefined {
  if (typeof value.type === 'string') return value.type;
  return typeof value.message_type === 'string' ? value.message_type : undefined;
}

/** `{ "error": "..." }`: the error message of streaming v2 and v3 (not a failed transcript, which has a status). */
function isErrorMessage(value: Json): boolean {
  return typeof value.error === 'string' && typeOf(value) === undefined && !('status' in value) && !('id' in value);
}

const known = (type: string): boolean => OPENS.has(type) || CLOSES.has(type) || PASSED.has(type);

/**
 * The streaming message a logged object is, bare (`{"type": "Begin", ...}`, v2's `message_type`) or
 * wrapped (`{"session_id", "received_at", "event": {...}}`, also `message` or `data`); undefined when
 * it is not one. A wrapped message of a type not published yet is one too (passed over).
 */
export function streamMessage(value: Json): StreamMessage | undefined {
  const own = typeOf(value);
  if (own !== undefined && known(own)) return { outer: value, event: value, type: own };
  if (isErrorMessage(value)) return { outer: value, event: value, type: 'Error' };
  for (const key of WRAPPER_KEYS) {
    const inner = value[key];
    if (!isObject(inner)) continue;
    const type = typeOf(inner);
    if (type !== undefined && (known(type) || 'session_id' in value)) return { outer: value, event: inner, type };
    if (isErrorMessage(inner)) return { outer: value, event: inner, type: 'Error' };
  }
  return undefined;
}

/** A bare message of a type not published yet, logged with its session id: passed over too. */
export function isUnknownStreamMessage(value: Json): boolean {
  return typeOf(value) !== undefined && 'session_id' in value;
}

/** One half of a session: the message that opened it or the one that closed it. */
interface Half {
  type: string;
  source: SourceRef;
  /** Time received, as logged and as epoch ms. */
  atText: string | undefined;
  at: number | undefined;
  dims: RawFields;
  /** The model as the log says (wrapper, or beside the message). */
  model: string | undefined;
  /** The model the server echoed in Begin's `configuration`. */
  echoed?: string | undefined;
  sessionText?: string | undefined;
  sessionMs?: number | undefined;
  audioText?: string | undefined;
}

interface Session {
  id: string;
  agent: boolean;
  begin?: Half;
  end?: Half;
  /** Voice Agent: the last time a message of the session was received. */
  lastSeen?: number;
}

/**
 * Pairs the messages that open and close streaming sessions into `stream` records, in any order and
 * across files. A streaming session is given out as soon as both halves are read; a voice-agent
 * session (which a `session.resume` may open again) at the end. Whatever is still open at the end is
 * given out then: a Begin alone is an unclosed session, a Termination alone is dated back from its
 * time received, a voice-agent session without `session.ended` ends 30 s after its last message.
 */
export class SessionBook {
  /** Messages that bill nothing, counted. */
  passedOver = 0;
  private readonly sessions = new Map<string, Session>();
  /** A second Begin or Termination of a session already holding one: given out alone, so the duplicate check reports it. */
  private readonly repeats: Session[] = [];
  /** The session last opened in each file, for bare messages that do not name theirs. */
  private readonly current = new Map<string, string>();

  constructor(private readonly inputZone: TimeZone) {}

  /** Takes one message; returns the record of the session it completes, if it completes one. */
  accept(message: StreamMessage, source: SourceRef): Produced[] {
    const { outer, event, type } = message;
    const agent = isAgentType(type);
    if (!OPENS.has(type) && !CLOSES.has(type)) {
      this.passedOver++;
      if (agent) this.seen(message, source);
      return [];
    }
    const opens = OPENS.has(type);
    const named = toText(outer.session_id ?? event.session_id ?? (type === 'Begin' ? event.id : undefined), source, 'session_id');
    const id = named ?? this.current.get(source.file) ??
      fail(source, 'session_id', `a ${type} message has no session id`, 'log each message with the session id it belongs to, or its session\'s opening message before it in the same file');
    const half = opens ? this.opening(message, source) : this.closing(message, source);
    if (opens) this.current.set(source.file, id);
    const session = this.session(id, agent);
    if (opens) {
      if (agent) {
        if (session.begin === undefined || (half.at !== undefined && (session.begin.at === undefined || half.at < session.begin.at))) session.begin = half;
        if (half.at !== undefined) session.lastSeen = Math.max(session.lastSeen ?? half.at, half.at);
      } else if (session.begin) this.repeats.push({ id, agent, begin: half });
      else session.begin = half;
    } else if (session.end) this.repeats.push({ id, agent, end: half });
    else session.end = half;
    if (agent || !session.begin || !session.end) return [];
    this.sessions.delete(id);
    return [this.record(session)];
  }

  /** Counts a message of no type tallyman knows as passed over. */
  passOver(): void {
    this.passedOver++;
  }

  /** The sessions still held: records, or the error of a session that cannot be billed. */
  finish(): Produced[] {
    const out: Produced[] = [];
    for (const session of this.sessions.values()) if (session.begin || session.end) out.push(this.record(session));
    for (const session of this.repeats) out.push(this.record(session));
    this.sessions.clear();
    this.repeats.length = 0;
    this.current.clear();
    return out;
  }

  private session(id: string, agent: boolean): Session {
    let session = this.sessions.get(id);
    if (!session) this.sessions.set(id, (session = { id, agent }));
    return session;
  }

  /** A voice-agent message that bills nothing still says the session was alive when it came. */
  private seen({ outer, event }: StreamMessage, source: SourceRef): void {
    try {
      const id = toText(outer.session_id ?? event.session_id, source, 'session_id');
      const text = this.receivedText(outer, event, source);
      if (id === undefined || text === undefined) return;
      const at = instantField(text, source, 'received_at', this.inputZone);
      const session = this.session(id, true);
      session.lastSeen = Math.max(session.lastSeen ?? at, at);
    } catch {
      // A message that bills nothing is never an error; a time that cannot be read says nothing.
    }
  }

  private receivedText(outer: Json, event: Json, source: SourceRef): string | undefined {
    const own = unixOrText(outer.received_at ?? outer.timestamp, source, 'received_at');
    if (own !== undefined || outer === event || !isAgentType(typeOf(event) ?? '')) return own;
    return unixOrText(event.timestamp, source, 'timestamp');
  }

  private common({ outer, event, type }: StreamMessage, source: SourceRef): Half {
    const atText = this.receivedText(outer, event, source);
    const at = atText === undefined ? undefined : instantField(atText, source, 'received_at', this.inputZone);
    const dims = { ...(event === outer ? {} : dimensions(event, source)), ...dimensions(outer, source) };
    const model = toText(outer.model ?? outer.speech_model ?? (event === outer ? undefined : event.model ?? event.speech_model), source, 'model');
    return { type, source, atText, at, dims, model };
  }

  private opening(message: StreamMessage, source: SourceRef): Half {
    const half = this.common(message, source);
    const configuration = message.event.configuration;
    if (isObject(configuration)) half.echoed = toText(configuration.model ?? configuration.speech_model, source, 'configuration.model');
    return half;
  }

  private closing(message: StreamMessage, source: SourceRef): Half {
    const half = this.common(message, source);
    const { event } = message;
    half.sessionText = toText(event.session_duration_seconds, source, 'session_duration_seconds');
    if (half.sessionText !== undefined) half.sessionMs = seconds(half.sessionText, source, 'session_duration_seconds');
    half.audioText = toText(event.audio_duration_seconds, source, 'audio_duration_seconds');
    if (half.audioText !== undefined) seconds(half.audioText, source, 'audio_duration_seconds');
    return half;
  }

  private record(session: Session): Produced {
    return attempt(() => {
      const record = normalizeRecord(this.fields(session), (session.begin ?? session.end)!.source, this.inputZone);
      if (graceBilled(session)) record.graceMs = VOICE_AGENT_GRACE_MS;
      return record;
    });
  }

  /** The canonical fields of a session from its halves, whichever came first. */
  private fields({ id, agent, begin, end, lastSeen }: Session): RawFields {
    const raw: RawFields = { kind: 'stream', id, ...end?.dims, ...begin?.dims };
    const model = agent ? VOICE_AGENT_MODEL : (begin?.model ?? end?.model ?? begin?.echoed);
    if (model !== undefined) raw.model = model;
    if (begin?.atText !== undefined) raw.timestamp = begin.atText;
    if (end) {
      raw.terminated = 'true';
      if (end.audioText !== undefined) raw.audio_duration = end.audioText;
      if (end.sessionText !== undefined) {
        raw.session_duration = end.sessionText;
        if (begin?.atText === undefined && end.at !== undefined) {
          raw.timestamp = isoInstant(end.at - end.sessionMs!) ?? fail(end.source, 'session_duration_seconds', `${end.sessionText} s before ${end.atText} is before the year ${MIN_YEAR}`);
        }
      } else if (begin?.at !== undefined && end.atText !== undefined) {
        raw.ended_at = end.atText;
      } else {
        fail(end.source, 'received_at', `session ${id} ended (${end.type}) but its session time is not known`,
          `log the time each message was received, for the opening message and ${end.type}`);
      }
    } else if (graceBilled({ agent, begin, end })) {
      raw.ended_at = isoInstant(Math.max(lastSeen ?? begin!.at!, begin!.at!) + VOICE_AGENT_GRACE_MS) ?? fail(begin!.source, 'received_at', `is too close to the end of the year ${MAX_YEAR}`);
    } else {
      raw.terminated = 'false';
    }
    return raw;
  }
}

/** A voice-agent session whose socket closed without session.ended: the provider keeps (and bills) it 30 s more for session.resume. */
function graceBilled({ agent, begin, end }: Pick<Session, 'agent' | 'begin' | 'end'>): boolean {
  return agent && end === undefined && begin?.at !== undefined;
}

function seconds(text: string, source: SourceRef, field: string): number {
  return secondsToMs(text) ?? fail(source, field, `"${text}" is not a number of seconds`, 'seconds are a number, 0 or more');
}
