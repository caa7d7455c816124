import { InputError } from '../util/errors.js';
import { CANONICAL_FIELDS, type CanonicalField, type RawFields } from './record.js';

/** Canonical fields and the column indices that hold them, resolved once from the header. */
export type HeaderColumns = [CanonicalField, number][];

/** A record's fields with every key present from the start, so that every row has the same shape (fast in V8). */
export function emptyFields(): RawFields {
  return {
    kind: undefined, id: undefined, timestamp: undefined, completed_at: undefined, project: undefined, api_key: undefined,
    customer_id: undefined, webhook_url: undefined, model: undefined, audio_duration: undefined, channels: undefined,
    features: undefined, status: undefined, started_at: undefined, ended_at: undefined, session_duration: undefined,
    terminated: undefined, input_tokens: undefined, output_tokens: undefined,
    cache_read_tokens: undefined, cache_write_tokens: undefined, cache_write_1h_tokens: undefined, reasoning_tokens: undefined, region: undefined,
  };
}

/** Resolves the header once to column indices; a duplicate or empty header name is an error. */
export function mapHeader(header: string[], file: string, map: ReadonlyMap<CanonicalField, string>): HeaderColumns {
  const seen = new Map<string, number>();
  header.forEach((name, index) => {
    const key = name.trim();
    if (key === '') throw new InputError({ file, line: 1 }, undefined, `column ${index + 1} has an empty header`, 'name every column');
    if (seen.has(key)) throw new InputError({ file, line: 1 }, key, 'is a duplicate column name', 'each column may appear once');
    seen.set(key, index);
  });
  const columns: HeaderColumns = [];
  for (const field of CANONICAL_FIELDS) {
    const column = map.get(field) ?? field;
    const index = seen.get(column);
    if (index !== undefined) columns.push([field, index]);
    else if (map.has(field)) throw new InputError({ file, line: 1 }, column, `is not a column (from --map ${field}=${column})`);
  }
  if (!columns.some(([field]) => field === 'kind')) {
    throw new InputError({ file, line: 1 }, 'kind', 'is not a column', 'add a kind column (transcript, stream, llm) or map one with --map kind=COLUMN');
  }
  return columns;
}

