// Writes a usage log whose exact invoice is known by construction, streaming (flat memory).
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/** Rates of the assemblyai card in force from 2026-03-04, in cents per hour / per 1M tokens. */
const CENTS = { 'universal-2': 15n, 'universal-3-pro': 21n, speaker_labels: 2n, 'gpt-5-in': 125n, 'gpt-5-out': 1000n, 'universal-streaming': 15n };

const HEADER = ['kind', 'id', 'timestamp', 'project', 'api_key', 'customer_id', 'model', 'audio_duration', 'channels', 'features', 'status', 'session_duration', 'terminated', 'input_tokens', 'output_tokens'];

/** Row i of the log: a deterministic mix of transcripts (some multichannel, some with add-ons, some failed), streams and LLM calls. */
export function row(i) {
  const at = new Date(Date.UTC(2026, 4, 1) + (i % (30 * 86400)) * 1000).toISOString().replace('.000Z', 'Z');
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

/** Exact expected total (cents, as a string "x.yy") of the first `rows` rows: quantities summed as integers, each line rounded half-up. */
export function expectedTotal(rows) {
  const ms = { 'universal-2': 0n, 'universal-3-pro': 0n, speaker_labels: 0n, 'universal-streaming': 0n };
  let input = 0n;
  let output = 0n;
  for (let i = 0; i < rows; i++) {
    const r = row(i);
    if (r.kind === 'transcript') {
      if (r.status === 'error') continue;
      const [whole, tenth = '0'] = r.audio_duration.split('.');
      // billed per second: a part second counts as one
      const seconds = BigInt(whole) + (tenth === '0' ? 0n : 1n);
      ms[r.model] += seconds * 1000n * BigInt(r.channels);
      if (r.features) ms.speaker_labels += seconds * 1000n;
    } else if (r.kind === 'stream') {
      ms['universal-streaming'] += BigInt(r.session_duration) * 1000n;
    } else {
      input += BigInt(r.input_tokens);
      output += BigInt(r.output_tokens);
    }
  }
  const round = (num, den) => (2n * num + den) / (2n * den); // half-up for non-negative values
  let cents = 0n;
  for (const [name, quantity] of Object.entries(ms)) if (quantity > 0n) cents += round(quantity * CENTS[name], 3_600_000n);
  cents += round(input * CENTS['gpt-5-in'], 1_000_000n) + round(output * CENTS['gpt-5-out'], 1_000_000n);
  return `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`;
}

/** Streams `rows` rows to `path` as CSV or NDJSON. */
export async function writeLog(path, rows, format) {
  const out = createWriteStream(path, { highWaterMark: 1 << 20 });
  let chunk = format === 'csv' ? `${HEADER.join(',')}\n` : '';
  for (let i = 0; i < rows; i++) {
    const r = row(i);
    chunk += format === 'csv' ? `${HEADER.map((h) => r[h] ?? '').join(',')}\n` : `${JSON.stringify(r)}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}
