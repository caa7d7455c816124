import type { SourceRef } from '../util/errors.js';

/** The three kinds of usage a log holds. */
export type UsageKind = 'transcript' | 'stream' | 'llm';
export const USAGE_KINDS: readonly UsageKind[] = ['transcript', 'stream', 'llm'];

/** Where an LLM gateway request was routed: `global` at list price, or in a region (the US or EU endpoint). */
export type Region = 'global' | 'us' | 'eu';
/** Regions by their batch code (0: not given). */
export const REGIONS: readonly (Region | undefined)[] = [undefined, 'global', 'us', 'eu'];

/**
 * One validated usage record. Quantities are exact integers: milliseconds and tokens.
 * Instants are epoch milliseconds; `at` is undefined for undated records (native transcript objects).
 */
export interface UsageRecord {
  kind: UsageKind;
  id: string | undefined;
  at: number | undefined;
  completedAt: number | undefined;
  project: string | undefined;
  apiKey: string | undefined;
  customer: string | undefined;
  model: string | undefined;
  /** Audio carried (transcript: the file; stream: audio streamed), in ms. */
  audioMs: number | undefined;
  channels: number;
  features: string[];
  /** Transcript status `error`: free unless the card charges failures. */
  failed: boolean;
  startedAt: number | undefined;
  endedAt: number | undefined;
  /** Session time in ms, when known (from `session_duration` or `ended_at − started_at`). */
  sessionMs: number | undefined;
  /** A stream session that was closed by the client (or has an end). */
  closed: boolean;
  inputTokens: number;
  outputTokens: number;
  /**
   * The LLM token classes besides input and output, each counted apart from them (input_tokens are
   * the uncached input; output_tokens exclude reasoning): cached input read, cache writes kept 5
   * minutes and 1 hour, reasoning. 0 when not given.
   */
  cacheReadTokens: number;
  cacheWriteTokens: number;
  cacheWrite1hTokens: number;
  reasoningTokens: number;
  /** LLM: where the request was routed, when the log says. */
  region: Region | undefined;
  /** Session time billed after the client's socket dropped (a voice-agent session kept for resume), in ms; 0 when none. */
  graceMs: number;
  source: SourceRef;
}

/** The canonical field names of SPEC §1, as they appear in CSV headers and JSON keys. */
export const CANONICAL_FIELDS = [
  'kind',
  'id',
  'timestamp',
  'completed_at',
  'project',
  'api_key',
  'customer_id',
  'webhook_url',
  'model',
  'audio_duration',
  'channels',
  'features',
  'status',
  'started_at',
  'ended_at',
  'session_duration',
  'terminated',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'cache_write_1h_tokens',
  'reasoning_tokens',
  'region',
] as const;
export type CanonicalField = (typeof CANONICAL_FIELDS)[number];

/** Canonical fields as raw text, before validation. Absent or empty means not given. */
export type RawFields = Partial<Record<CanonicalField, string>>;
