import { CANONICAL_FIELDS, type CanonicalField, type UsageRecord } from '../ingest/record.js';
import { formatInstant } from '../util/time.js';
import { csvRecord } from './csv.js';
import { ParquetRowWriter, type ParquetCell, type ParquetColumn, type ParquetKind } from './parquet.js';

const SECONDS: ParquetKind = { decimal: { precision: 18, scale: 3 } };
const KINDS: Partial<Record<CanonicalField, ParquetKind>> = {
  timestamp: 'timestamp', completed_at: 'timestamp', started_at: 'timestamp', ended_at: 'timestamp',
  audio_duration: SECONDS, session_duration: SECONDS, channels: 'int64', terminated: 'boolean',
  input_tokens: 'int64', output_tokens: 'int64', cache_read_tokens: 'int64', cache_write_tokens: 'int64', cache_write_1h_tokens: 'int64', reasoning_tokens: 'int64',
};

/**
 * The canonical schema as `normalize` writes it: the fields of SPEC §1 less `webhook_url` (the
 * customer it names is written as `customer_id`), each with the Parquet type a warehouse loads:
 * instants as UTC timestamps (ms), durations as DECIMAL(18,3) seconds (whole ms, exact), counts as
 * INT64, `terminated` as a boolean, the rest as text.
 */
export const CANONICAL_COLUMNS: readonly ParquetColumn[] = CANONICAL_FIELDS.filter((name) => name !== 'webhook_url').map((name) => ({ name, kind: KINDS[name] ?? 'string' }));

/**
 * A validated record as a canonical row, in CANONICAL_COLUMNS order (null: not given): what the
 * readers made of it, so that reading the row again gives the same record. Whole milliseconds are
 * written as seconds with three decimals; a stream's open/closed state as `terminated`; a field
 * only where it says more than its default (a transcript's status and channels always, an LLM
 * call's input and output tokens always, the other token classes where there are some).
 */
export function canonicalCells(record: UsageRecord): ParquetCell[] {
  const llm = record.kind === 'llm';
  const stream = record.kind === 'stream';
  const count = (n: number, always: boolean): bigint | null => (always || n > 0 ? BigInt(n) : null);
  return [
    record.kind,
    record.id ?? null,
    record.at ?? null,
    record.completedAt ?? null,
    record.project ?? null,
    record.apiKey ?? null,
    record.customer ?? null,
    record.model ?? null,
    record.audioMs === undefined ? null : seconds(record.audioMs),
    record.kind === 'transcript' || record.channels !== 1 ? BigInt(record.channels) : null,
    record.features.length === 0 ? null : record.features.join(';'),
    record.kind === 'transcript' || record.failed ? (record.failed ? 'error' : 'completed') : null,
    // A stream's start is its timestamp unless the log said otherwise.
    record.startedAt === undefined || record.startedAt === record.at ? null : record.startedAt,
    record.endedAt ?? null,
    record.sessionMs === undefined ? null : seconds(record.sessionMs),
    stream || record.closed ? record.closed : null,
    count(record.inputTokens, llm),
    count(record.outputTokens, llm),
    count(record.cacheReadTokens, false),
    count(record.cacheWriteTokens, false),
    count(record.cacheWrite1hTokens, false),
    count(record.reasoningTokens, false),
    record.region ?? null,
  ];
}

/** Whole milliseconds as decimal seconds, exactly (`1500` → `1.5`, `300000` → `300`). */
function seconds(ms: number): string {
  const whole = Math.floor(ms / 1000);
  const fraction = ms - whole * 1000;
  return fraction === 0 ? String(whole) : `${whole}.${String(fraction).padStart(3, '0').replace(/0+$/, '')}`;
}

/** A cell as CSV or JSON text: instants as ISO 8601 UTC. */
function cellText(column: ParquetColumn, cell: ParquetCell): string {
  if (column.kind === 'timestamp') return formatInstant(cell as number);
  return String(cell);
}

/** The formats `normalize` writes. */
export type CanonicalFormat = 'csv' | 'ndjson' | 'parquet';

/** Writes canonical rows in one format, its bytes handed to `sink` as they are made. */
export interface CanonicalWriter {
  add(record: UsageRecord): void;
  finish(): void;
}

/** The writer of a format: a CSV with a header row, NDJSON (numbers and booleans as JSON's own), or typed Parquet. */
export function canonicalWriter(format: CanonicalFormat, sink: (bytes: Uint8Array | string) => void, createdBy: string): CanonicalWriter {
  if (format === 'parquet') {
    const writer = new ParquetRowWriter(CANONICAL_COLUMNS, sink, createdBy);
    return { add: (record) => writer.add(canonicalCells(record)), finish: () => writer.finish() };
  }
  const pending: string[] = [];
  const flush = (): void => {
    if (pending.length > 0) sink(pending.splice(0).join(''));
  };
  if (format === 'csv') pending.push(csvLine(CANONICAL_COLUMNS.map((c) => c.name)));
  return {
    add(record) {
      const cells = canonicalCells(record);
      if (format === 'csv') pending.push(csvLine(cells.map((cell, c) => (cell === null ? '' : cellText(CANONICAL_COLUMNS[c]!, cell)))));
      else pending.push(`${ndjsonLine(cells)}\n`);
      if (pending.length >= 4096) flush();
    },
    finish: flush,
  };
}

/** One CSV line, quoted where it must be; values are never neutralised for spreadsheets (an id `=1` stays `=1`). */
function csvLine(values: string[]): string {
  return `${csvRecord(values)}\n`;
}

function ndjsonLine(cells: ParquetCell[]): string {
  const parts: string[] = [];
  for (const [c, cell] of cells.entries()) {
    if (cell === null) continue;
    const column = CANONICAL_COLUMNS[c]!;
    const value = typeof cell === 'boolean' ? String(cell) : typeof cell === 'bigint' || typeof column.kind === 'object' ? String(cell) : JSON.stringify(cellText(column, cell));
    parts.push(`${JSON.stringify(column.name)}:${value}`);
  }
  return `{${parts.join(',')}}`;
}
