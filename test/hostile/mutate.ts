import fc from 'fast-check';

/**
 * Mutations of a valid input, as data (fast-check shrinks them to the smallest that fails): each
 * names a place as a fraction of the text's length, so that it applies to any input.
 */
export type Mutation =
  | { op: 'insert'; at: number; text: string }
  | { op: 'replace'; at: number; length: number; text: string }
  | { op: 'delete'; at: number; length: number }
  | { op: 'truncate'; at: number }
  | { op: 'repeatLine'; at: number; times: number }
  | { op: 'swapLines'; at: number; with: number };

const BOM = '\uFEFF';

/** Text a hostile or broken file is made of: quotes, separators, line ends, marks, numbers past every bound. */
const NASTY = [
  '"', '""', ',', '\n', '\r', '\r\n', '\0', '\t', ' ', BOM, BOM + BOM, '\\', '\\u0000', '\\"', '\uFFFD', '\u2028', 'é', '💥',
  '{', '}', '[', ']', ':', '{"a":', '[[[[[[[[', ']]]]', '}}}}', ',,,,', ';', ';;',
  '-1', '0', '-0', '1e400', '1e-400', '-1e400', '1.5', '.5', '5.', 'NaN', 'Infinity', '0x10', '1_000', '00007',
  '9007199254740993', '99999999999999999999999', '18446744073709551616', '4294967296', '2147483648', '1e15', '86400000',
  'true', 'false', 'null', '""', '"kind":"llm",', '"kind":"stream",', '"input_tokens":5,', '"id":"x",',
  '2026-02-30', '2026-13-01', '0050-01-01', '9999-12-31T23:59:59Z', '8999-12-31T23:59:59Z', '1970-01-01T00:00:00Z',
  '2026-05-01T10:00:00+99:00', '2026-05-01T24:00:00Z', 'T', 'Z', '+14:00',
  'transcript', 'stream', 'llm', 'error', 'completed', 'universal-2', 'speaker_labels;speaker_labels', '&a', '*a', '<<: *a', '? ', '!!binary',
];

const place = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
const nasty = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
  { weight: 1, arbitrary: fc.constantFrom('[', '{"a":').chain((open) => fc.integer({ min: 1, max: 5000 }).map((n) => open.repeat(n))) },
  { weight: 1, arbitrary: fc.integer({ min: 10, max: 20000 }).map((n) => 'x'.repeat(n)) },
);

/** One mutation of any kind. */
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('insert' as const), at: place, text: nasty }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('replace' as const), at: place, length: fc.integer({ min: 1, max: 12 }), text: nasty }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), at: place, length: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('truncate' as const), at: place }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('repeatLine' as const), at: place, times: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('swapLines' as const), at: place, with: place }) },
);

/** A few mutations, applied in order. */
export const mutations = fc.array(mutation, { minLength: 1, maxLength: 4 });

/** Applies mutations to a text (each place scaled to the text as it is by then). */
export function mutate(text: string, list: readonly Mutation[]): string {
  let out = text;
  for (const m of list) {
    const at = Math.floor(m.at * (out.length + 1));
    if (m.op === 'insert') out = out.slice(0, at) + m.text + out.slice(at);
    else if (m.op === 'replace') out = out.slice(0, at) + m.text + out.slice(at + m.length);
    else if (m.op === 'delete') out = out.slice(0, at) + out.slice(at + m.length);
    else if (m.op === 'truncate') out = out.slice(0, at);
    else {
      const lines = out.split('\n');
      const i = Math.floor(m.at * lines.length);
      if (m.op === 'repeatLine') lines.splice(i, 0, ...Array<string>(m.times).fill(lines[i]!));
      else {
        const j = Math.floor(m.with * lines.length);
        [lines[i], lines[j]] = [lines[j]!, lines[i]!];
      }
      out = lines.join('\n');
    }
  }
  return out;
}

const DEEP = '\u0000deep:';
const DEEP_TEXT = /"\\u0000deep:(\d+)"/g;

/** A JSON value hostile to a reader that expects a number, a text or an object there. */
const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(-1, 0, -0, 1.5, 1e300, -1e300, 9007199254740993, 2 ** 53, 1e15, 99999999999999, null, true, false, '', ' ', '-5', '1e400', 'NaN',
    '2026-02-30T00:00:00Z', '9999-12-31T23:59:59Z', '0050-01-01T00:00:00Z', 'Begin', 'Termination', 'SessionBegins', 'session.ended', [], {}, [1, 2], { type: 'Begin' }),
  fc.string({ maxLength: 12 }),
  // Written as a marker that mutateJson expands in the text (a value this deep would overflow fast-check's printer).
  fc.integer({ min: 1, max: 5000 }).map((n) => `${DEEP}${n}`),
);


/** A change to a parsed JSON value: a leaf or a key replaced, a key removed, added or given twice. */
export type JsonMutation = { path: number; op: 'set' | 'remove' | 'add' | 'twice' | 'rename'; key: string; value: unknown };

export const jsonMutations = fc.array(
  fc.record({
    path: fc.nat(),
    op: fc.constantFrom('set' as const, 'set' as const, 'set' as const, 'remove' as const, 'add' as const, 'twice' as const, 'rename' as const),
    key: fc.constantFrom('kind', 'id', 'type', 'usage', 'input_tokens', 'audio_duration', 'session_duration_seconds', 'audio_duration_seconds', 'created', 'received_at', 'session_id', 'event', 'status', 'model', 'speech_model', 'transcripts', 'timestamp', 'x'),
    value: nastyValue,
  }),
  { minLength: 1, maxLength: 4 },
);

/** Applies JSON mutations to a value's text and writes it back (a key given twice is written twice). */
export function mutateJson(text: string, list: readonly JsonMutation[]): string {
  const lines = text.split('\n');
  return lines.map((line) => (line.trim() === '' ? line : mutateOne(line, list))).join('\n');
}

function mutateOne(text: string, list: readonly JsonMutation[]): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return text;
  }
  let twice: { key: string; value: unknown } | undefined;
  for (const m of list) {
    const objects = objectsIn(value);
    const target = objects[m.path % objects.length];
    if (target === undefined) continue;
    const keys = Object.keys(target);
    const key = keys.length === 0 || m.op === 'add' ? m.key : keys[m.path % keys.length]!;
    if (m.op === 'set' || m.op === 'add') target[key] = structuredClone(m.value);
    else if (m.op === 'remove') delete target[key];
    else if (m.op === 'rename') {
      target[m.key] = target[key];
      delete target[key];
    } else if (objects[0] === target) twice = { key, value: m.value };
  }
  let out = JSON.stringify(value);
  // A key given twice cannot be made with JSON.stringify: it is written into the text.
  if (twice && out.startsWith('{') && out.length > 2) out = `{${JSON.stringify(twice.key)}:${JSON.stringify(twice.value) ?? 'null'},${out.slice(1)}`;
  return out.replace(DEEP_TEXT, (_, n: string) => '['.repeat(Number(n)) + ']'.repeat(Number(n)));
}

/** Every object in a JSON value, outermost first (with a stack: values may nest deep). */
function objectsIn(value: unknown): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  const stack = [value];
  while (stack.length > 0 && found.length < 1000) {
    const v = stack.shift();
    if (typeof v !== 'object' || v === null) continue;
    if (!Array.isArray(v)) found.push(v as Record<string, unknown>);
    stack.push(...Object.values(v as object));
  }
  return found;
}
