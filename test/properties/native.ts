import fc from 'fast-check';

/**
 * Random usage in the provider's own shapes, as a client or an export writes it: streaming sessions
 * (v3, v2, voice agent) as wrapped messages, transcript objects with their list pages, gateway
 * responses in two styles, Sync responses. Each item makes the lines of one id; `when` gives its
 * instants (epoch ms, whole seconds).
 */
export type Lines = (id: string) => object[];

const pick = <T>(...values: T[]): fc.Arbitrary<T> => fc.constantFrom(...values);
const iso = (ms: number): string => new Date(ms).toISOString();
const wrap = (id: string, ms: number, event: object, extra: object = {}): object => ({ session_id: id, received_at: iso(ms), ...extra, event });

export function v3Session(when: fc.Arbitrary<number>): fc.Arbitrary<Lines> {
  return fc.record({
    start: when,
    seconds: fc.integer({ min: 1, max: 12_000 }),
    opened: fc.boolean(),
    closed: fc.boolean(),
    echoed: pick('u3-rt-pro', 'universal-streaming-english', undefined),
    logged: pick('universal-streaming-multilingual', undefined),
    turns: fc.integer({ min: 0, max: 3 }),
  }).map((s) => (id) => [
    ...(s.opened || !s.closed ? [wrap(id, s.start, { type: 'Begin', id, expires_at: 1, configuration: { model: s.echoed } }, s.logged ? { model: s.logged, project: 'voice' } : {})] : []),
    ...Array.from({ length: s.turns }, (_, i) => wrap(id, s.start + i * 1000, i % 2 ? { type: 'SpeechStarted', timestamp: 1216 } : { type: 'Turn', turn_order: i, transcript: 'Hi.', end_of_turn: true, words: [] })),
    ...(s.closed ? [wrap(id, s.start + s.seconds * 1000, { type: 'Termination', audio_duration_seconds: Math.floor(s.seconds / 2), session_duration_seconds: s.seconds })] : []),
  ]);
}

export function v2Session(when: fc.Arbitrary<number>): fc.Arbitrary<Lines> {
  return fc.record({ start: when, seconds: fc.integer({ min: 1, max: 5000 }) }).map((s) => (id) => [
    wrap(id, s.start, { message_type: 'SessionBegins', session_id: id, expires_at: '2026-07-21T00:00:00.000000' }, { model: 'universal-streaming-english' }),
    wrap(id, s.start + 1000, { message_type: 'PartialTranscript', text: 'how', words: [] }),
    wrap(id, s.start + s.seconds * 1000, { message_type: 'SessionInformation', audio_duration_seconds: 1.5 }),
    wrap(id, s.start + s.seconds * 1000, { message_type: 'SessionTerminated' }),
  ]);
}

export function agentSession(when: fc.Arbitrary<number>): fc.Arbitrary<Lines> {
  return fc.record({ start: when, seconds: fc.integer({ min: 1, max: 3000 }), ended: fc.boolean(), replies: fc.integer({ min: 0, max: 3 }) }).map((s) => (id) => [
    wrap(id, s.start, { type: 'session.ready', session_id: id }),
    ...Array.from({ length: s.replies }, (_, i) => wrap(id, s.start + (i + 1) * 7000, { type: 'reply.done' })),
    ...(s.ended ? [wrap(id, s.start + s.seconds * 1000, { type: 'session.ended', session_duration_seconds: s.seconds, audio_duration_seconds: null })] : []),
  ]);
}

/** A transcript object, with its list page item when `listed` says (always: a dated record; else sometimes). */
export function transcript(when: fc.Arbitrary<number>, listed: fc.Arbitrary<boolean> = fc.boolean()): fc.Arbitrary<Lines> {
  return fc.record({
    seconds: fc.integer({ min: 0, max: 7200 }),
    model: pick('universal-3-pro', 'universal-2', null),
    status: pick('completed', 'completed', 'error', 'processing'),
    listed,
    created: when,
    labels: fc.boolean(),
  }).map((t) => (id) => [
    { id, status: t.status, audio_duration: t.status === 'error' ? null : t.seconds, speech_model_used: t.model, speaker_labels: t.labels },
    ...(t.listed ? [{ page_details: {}, transcripts: [{ id, resource_url: `https://api.assemblyai.com/v2/transcript/${id}`, status: t.status, created: iso(t.created).slice(0, -1), completed: null, error: null }] }] : []),
  ]);
}

export function gateway(when: fc.Arbitrary<number>): fc.Arbitrary<Lines> {
  return fc.record({ when, input: fc.integer({ min: 0, max: 2_000_000 }), output: fc.integer({ min: 0, max: 100_000 }), openai: fc.boolean() }).map((g) => (id) => [
    g.openai
      ? { id, object: 'chat.completion', created: Math.floor(g.when / 1000), model: 'gpt-5-mini', usage: { prompt_tokens: g.input, completion_tokens: g.output, total_tokens: g.input + g.output } }
      : { request_id: id, request: { model: 'claude-sonnet-4-5-20250929' }, usage: { input_tokens: g.input, output_tokens: g.output, total_tokens: g.input + g.output }, timestamp: iso(g.when) },
  ]);
}

export function sync(when: fc.Arbitrary<number>): fc.Arbitrary<Lines> {
  return fc.record({ when, ms: fc.integer({ min: 1, max: 120_000 }) }).map((s) => (id) => [
    { received_at: iso(s.when), response: { text: 'hi', words: [], confidence: 0.9, audio_duration_ms: s.ms, session_id: id } },
  ]);
}

/** Any native shape, dated (`listed`: transcript objects always with their list page) or not. */
export function nativeItem(when: fc.Arbitrary<number>, listed?: fc.Arbitrary<boolean>): fc.Arbitrary<Lines> {
  return fc.oneof(v3Session(when), v2Session(when), agentSession(when), transcript(when, listed), gateway(when), sync(when));
}
