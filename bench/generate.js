// Writes a usage log whose exact invoice is known by construction, streaming (flat memory).
//
// Shapes (BENCH_SHAPE, default `bench`):
// - `bench`: the log the README's figures were measured on, byte for byte (transcripts, some
//   multichannel, some with an add-on, some failed; streams with `session_duration` and
//   `terminated`; LLM calls). Every id is distinct.
// - `seeds`: the same mix as users write it from the API's own fields: streams carry `started_at`
//   and `ended_at` (no `timestamp`, no `session_duration`), some never closed (no `ended_at`);
//   and one row in 47 repeats the id of the row 10 rows earlier (same kind), with other quantities.
// - `mixed`: every canonical shape in one log: both stream shapes, unclosed sessions by
//   `terminated=false` and by a missing end, sessions over the cap, an end with milliseconds,
//   two add-ons, three channels, millisecond audio, failed transcripts, LLM tokens, repeated
//   ids, and the same id under two kinds (not a duplicate: ids are per kind).
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

export const SHAPES = ['bench', 'seeds', 'mixed'];

/** Rates of the assemblyai card in force from 2026-03-04, in cents per hour / per 1M tokens. */
const CENTS = { 'universal-2': 15n, 'universal-3-pro': 21n, speaker_labels: 2n, entity_detection: 8n, 'gpt-5-in': 125n, 'gpt-5-out': 1000n, 'universal-streaming': 15n };
/** The card's streaming `max_session`, in seconds: what an unclosed session bills, and the cap of a closed one. */
const MAX_SESSION = 10800n;

const HEADER = ['kind', 'id', 'timestamp', 'project', 'api_key', 'customer_id', 'model', 'audio_duration', 'channels', 'features', 'status', 'session_duration', 'terminated', 'input_tokens', 'output_tokens'];
const HEADER_SESSIONS = [...HEADER, 'started_at', 'ended_at'];

/** The CSV columns of a shape (the bench shape keeps its header, so its file is unchanged). */
export function header(shape = 'bench') {
  return shape === 'bench' ? HEADER : HEADER_SESSIONS;
}

const CYCLE = 30 * 86400; // timestamps cycle over 30 days
const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');
const atOf = (i) => Date.UTC(2026, 4, 1) + (i % CYCLE) * 1000;

/**
 * Whether row i repeats the id of row i − 10 (same kind: kinds cycle by 5). Never across the
 * 30-day wrap of the timestamps, so in every (kind, id) the first row in the file is also the one
 * with the earliest time (the DuckDB reference keeps the first by time).
 */
export function isRepeat(i, shape = 'bench') {
  return shape !== 'bench' && i % 47 === 46 && i % CYCLE >= 10;
}

/** Row i of the bench shape: a deterministic mix of transcripts (some multichannel, some with add-ons, some failed), streams and LLM calls. */
function benchRow(i) {
  const at = iso(atOf(i));
  const project = `p${i % 7}`;
  const key = `k${i % 13}`;
  const customer = `c${i % 101}`;
  switch (i % 5) {
    case 0:
    case 1: {
      const seconds = 30 + (i % 1800);
      const failed = i % 97 === 0;
      return { kind: 'transcript', id: `t${i}`, timestamp: at, project, api_key: key, customer_id: customer, model: 'universal-2', audio_duration: `${seconds}.${i % 10}`, channels: '1', features: '', status: failed ? 'error' : 'completed' };
    }
    case 2: {
      const seconds = 60 + (i % 600);
      return { kind: 'transcript', id: `t${i}`, timestamp: at, project, api_key: key, customer_id: customer, model: 'universal-3-pro', audio_duration: String(seconds), channels: '2', features: 'speaker_labels', status: 'completed' };
    }
    case 3:
      return { kind: 'stream', id: `s${i}`, timestamp: at, project, api_key: key, customer_id: customer, model: 'universal-streaming', audio_duration: String(i % 300), session_duration: String(10 + (i % 900)), terminated: 'true' };
    default:
      return { kind: 'llm', id: `l${i}`, timestamp: at, project, api_key: key, customer_id: customer, model: 'gpt-5', input_tokens: String(100 + (i % 5000)), output_tokens: String(10 + (i % 700)) };
  }
}

/** A stream as the API's session messages give it: started_at and ended_at, no timestamp (unclosed: no end). */
function seedsStream(r, i, closed, endMs = 0) {
  const start = atOf(i);
  const seconds = 10 + (i % 900);
  const { timestamp: _t, session_duration: _s, terminated: _x, ...rest } = r;
  return { ...rest, started_at: iso(start), ...(closed ? { ended_at: iso(start + seconds * 1000 + endMs) } : {}) };
}

/** Row i of a shape. */
export function row(i, shape = 'bench') {
  const r = benchRow(i);
  let out = r;
  if (shape === 'seeds') {
    if (r.kind === 'stream') out = seedsStream(r, i, i % 45 !== 8); // one stream in 9 never closed
  } else if (shape === 'mixed') {
    // Streams are the rows with i % 5 = 3: i % 40 is 3, 8, 13, …, 38.
    switch (i % 40) {
      case 3: // the API's shape, closed
        out = seedsStream(r, i, true);
        break;
      case 8: // the API's shape, never closed (no end)
        out = seedsStream(r, i, false);
        break;
      case 13: // an end with milliseconds (a part second counts as one)
        out = seedsStream(r, i, true, 250 + (i % 700));
        break;
      case 18: // terminated=false with a duration: unclosed all the same
        out = { ...r, terminated: 'false' };
        break;
      case 23: // closed by its duration alone (no terminated)
        out = { ...r, terminated: undefined };
        break;
      case 33: // a session over the cap: billed at max_session
        out = { ...r, session_duration: String(12000 + (i % 3000)) };
        break;
      default:
        if (i % 20 === 0 && r.kind === 'transcript') {
          // two add-ons, three channels, audio with milliseconds
          out = { ...r, model: 'universal-3-pro', channels: '3', features: 'speaker_labels;entity_detection', audio_duration: `${40 + (i % 500)}.${String(i % 1000).padStart(3, '0')}` };
        } else if (i % 20 === 19) {
          // an LLM call with the id of the stream just before it: ids are per kind, not a duplicate
          out = { ...r, id: `s${i - 1}` };
        }
    }
  }
  // A repeated id: billed once (the first row), whatever the repeat carries.
  if (isRepeat(i, shape)) out = { ...out, id: row(i - 10, shape).id };
  return out;
}

/** Billed quantities of one row, by construction (the card's rules written out): adds into `q`. */
function bill(r, q) {
  if (r.kind === 'transcript') {
    if (r.status === 'error') return; // failed: free on this card
    const [whole, part = ''] = r.audio_duration.split('.');
    // billed per second: a part second counts as one; channels multiply the model, not the add-ons
    const seconds = BigInt(whole) + (/[1-9]/.test(part) ? 1n : 0n);
    q[r.model] += seconds * BigInt(r.channels);
    for (const addon of (r.features ?? '').split(';')) if (addon) q[addon] += seconds;
  } else if (r.kind === 'stream') {
    const closed = r.terminated !== undefined ? r.terminated === 'true' : r.ended_at !== undefined || r.session_duration !== undefined;
    let seconds = MAX_SESSION;
    if (closed) {
      const ms = r.session_duration !== undefined ? BigInt(r.session_duration) * 1000n : BigInt(Date.parse(r.ended_at) - Date.parse(r.started_at));
      seconds = (ms + 999n) / 1000n;
      if (seconds > MAX_SESSION) seconds = MAX_SESSION;
    }
    q['universal-streaming'] += seconds;
  } else {
    q['gpt-5-in'] += BigInt(r.input_tokens);
    q['gpt-5-out'] += BigInt(r.output_tokens);
  }
}

/** Exact billed quantities of the first `rows` rows, by construction (seconds; tokens), each repeated id once. */
export function expectedQuantities(rows, shape = 'bench') {
  const q = { 'universal-2': 0n, 'universal-3-pro': 0n, speaker_labels: 0n, entity_detection: 0n, 'universal-streaming': 0n, 'gpt-5-in': 0n, 'gpt-5-out': 0n };
  for (let i = 0; i < rows; i++) if (!isRepeat(i, shape)) bill(row(i, shape), q);
  return q;
}

/** Exact expected total (cents, as a string "x.yy") of the first `rows` rows: quantities summed as integers, each line rounded half-up. */
export function expectedTotal(rows, shape = 'bench', q = expectedQuantities(rows, shape)) {
  const round = (num, den) => (2n * num + den) / (2n * den); // half-up for non-negative values
  let cents = 0n;
  for (const [name, quantity] of Object.entries(q)) {
    if (quantity > 0n) cents += round(quantity * CENTS[name], name.startsWith('gpt-') ? 1_000_000n : 3600n);
  }
  return `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`;
}

/** The row as written: the shape's columns, absent fields left out (NDJSON) or empty (CSV). */
function line(r, format, columns) {
  if (format === 'csv') return `${columns.map((h) => r[h] ?? '').join(',')}\n`;
  const o = {};
  for (const h of columns) if (r[h] !== undefined) o[h] = r[h];
  return `${JSON.stringify(o)}\n`;
}

/** Streams `rows` rows of a shape to `path` as CSV or NDJSON. */
export async function writeLog(path, rows, format, shape = 'bench') {
  const columns = header(shape);
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  let chunk = format === 'csv' ? `${columns.join(',')}\n` : '';
  for (let i = 0; i < rows; i++) {
    chunk += line(row(i, shape), format, columns);
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

// `node bench/generate.js FILE ROWS [SHAPE]`: writes one log and prints its exact total.
if (import.meta.url === `file://${process.argv[1]}`) {
  const [path, rows = '1000000', shape = process.env.BENCH_SHAPE ?? 'bench'] = process.argv.slice(2);
  if (!SHAPES.includes(shape)) throw new Error(`BENCH_SHAPE: ${shape} is not one of ${SHAPES.join(', ')}`);
  await writeLog(path, Number(rows), path.endsWith('.csv') ? 'csv' : 'ndjson', shape);
  console.log(JSON.stringify({ path, rows: Number(rows), shape, total: expectedTotal(Number(rows), shape) }));
}
