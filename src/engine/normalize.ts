import { readLog, type ReadStats } from '../ingest/index.js';
import type { CanonicalField, UsageRecord } from '../ingest/record.js';
import { skipper, type Skipped } from '../pricing/bill.js';
import type { TimeZone } from '../util/time.js';

/** What `normalize` reads a log with. */
export interface NormalizeOptions {
  inputZone: TimeZone;
  map: ReadonlyMap<CanonicalField, string>;
  skipInvalid: boolean;
}

/** What a normalize run wrote and passed over. */
export interface NormalizeResult {
  written: number;
  skipped: Skipped;
  /** Transcripts still queued or processing (not billable yet: not written). */
  pending: number;
  /** Streaming messages that bill nothing (Turn, partial transcripts, ...). */
  passedOver: number;
}

/**
 * Reads a log of any shape the readers know (canonical CSV, NDJSON, JSON and Parquet; transcript
 * objects merged with list pages; streaming and voice-agent event logs; Sync and gateway responses)
 * and hands each validated record to `write`, in the order the readers complete them: the records
 * the fold would price, before any card is applied. Duplicates are kept (the invoice of the result
 * reports them as the invoice of the log does); an invalid record stops the run, or with
 * `skipInvalid` is counted and listed.
 */
export async function normalizeLog(paths: readonly string[], options: NormalizeOptions, write: (record: UsageRecord) => void): Promise<NormalizeResult> {
  const skipped: Skipped = { count: 0, examples: [] };
  const stats: ReadStats = { pending: 0 };
  let written = 0;
  for await (const records of readLog(paths, { inputZone: options.inputZone, map: options.map, onInvalid: skipper(options.skipInvalid, skipped) }, stats)) {
    for (const record of records) write(record);
    written += records.length;
  }
  return { written, skipped, pending: stats.pending, passedOver: stats.passedOver ?? 0 };
}
