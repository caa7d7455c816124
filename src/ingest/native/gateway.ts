import type { SourceRef } from '../../util/errors.js';
import type { RawFields } from '../record.js';
import { dimensions, fail, isObject, toText, unixOrText, type Json } from './values.js';

/**
 * An LLM gateway response as an `llm` record, in any of the published styles: AssemblyAI's
 * (`request.model`, `request_id`, `usage.input_tokens`/`output_tokens`), OpenAI's chat completion
 * (`model`, `created` in Unix seconds, `usage.prompt_tokens`/`completion_tokens` with their cached
 * and reasoning details) and Anthropic's message (`model`, `usage.input_tokens`/`output_tokens`, the
 * cache reads and writes). Time from `timestamp`, `created` or `created_at`.
 */
export function gatewayFields(value: Json, source: SourceRef): RawFields {
  const usage = value.usage as Json;
  const request = isObject(value.request) ? value.request : {};
  const raw: RawFields = { kind: 'llm', ...dimensions(value, source) };
  const id = toText(value.id ?? value.request_id, source, 'id');
  if (id !== undefined) raw.id = id;
  const model = toText(request.model ?? value.model, source, 'model');
  if (model !== undefined) raw.model = model;
  const region = toText(value.region ?? request.region, source, 'region');
  if (region !== undefined) raw.region = region;
  const at = unixOrText(value.timestamp ?? value.received_at ?? value.created ?? value.created_at, source, 'timestamp');
  if (at !== undefined) raw.timestamp = at;
  Object.assign(raw, usage.prompt_tokens !== undefined || usage.completion_tokens !== undefined ? openAiTokens(usage, source) : anthropicTokens(usage, source));
  return raw;
}

/**
 * OpenAI-style usage: `prompt_tokens` include the cached ones (`prompt_tokens_details.cached_tokens`)
 * and `completion_tokens` the reasoning ones (`completion_tokens_details.reasoning_tokens`): the
 * canonical classes are apart, so the input is prompt − cached and the output completion − reasoning.
 */
function openAiTokens(usage: Json, source: SourceRef): RawFields {
  const prompt = count(usage.prompt_tokens, source, 'usage.prompt_tokens');
  const completion = count(usage.completion_tokens, source, 'usage.completion_tokens');
  const details = (key: string): Json => (isObject(usage[key]) ? (usage[key] as Json) : {});
  const cached = count(details('prompt_tokens_details').cached_tokens, source, 'usage.prompt_tokens_details.cached_tokens') ?? 0;
  const reasoning = count(details('completion_tokens_details').reasoning_tokens, source, 'usage.completion_tokens_details.reasoning_tokens') ?? 0;
  if (prompt !== undefined && cached > prompt) fail(source, 'usage.prompt_tokens_details.cached_tokens', `${cached} cached tokens are more than the ${prompt} prompt tokens that include them`);
  if (completion !== undefined && reasoning > completion) fail(source, 'usage.completion_tokens_details.reasoning_tokens', `${reasoning} reasoning tokens are more than the ${completion} completion tokens that include them`);
  const raw: RawFields = {};
  if (prompt !== undefined) raw.input_tokens = String(prompt - cached);
  if (completion !== undefined) raw.output_tokens = String(completion - reasoning);
  if (cached > 0) raw.cache_read_tokens = String(cached);
  if (reasoning > 0) raw.reasoning_tokens = String(reasoning);
  return raw;
}

/**
 * Anthropic-style usage (and AssemblyAI's): `input_tokens` are the uncached input, apart from
 * `cache_read_input_tokens` and `cache_creation_input_tokens`, which `cache_creation` splits into
 * writes kept 5 minutes and 1 hour (`ephemeral_5m_input_tokens`, `ephemeral_1h_input_tokens`).
 */
function anthropicTokens(usage: Json, source: SourceRef): RawFields {
  const raw: RawFields = {};
  const input = toText(usage.input_tokens, source, 'usage.input_tokens');
  if (input !== undefined) raw.input_tokens = input;
  const output = toText(usage.output_tokens, source, 'usage.output_tokens');
  if (output !== undefined) raw.output_tokens = output;
  const read = count(usage.cache_read_input_tokens, source, 'usage.cache_read_input_tokens');
  if (read) raw.cache_read_tokens = String(read);
  const created = count(usage.cache_creation_input_tokens, source, 'usage.cache_creation_input_tokens') ?? 0;
  const split = isObject(usage.cache_creation) ? (usage.cache_creation as Json) : undefined;
  const fiveMinutes = split ? (count(split.ephemeral_5m_input_tokens, source, 'usage.cache_creation.ephemeral_5m_input_tokens') ?? 0) : created;
  const oneHour = split ? (count(split.ephemeral_1h_input_tokens, source, 'usage.cache_creation.ephemeral_1h_input_tokens') ?? 0) : 0;
  if (split && usage.cache_creation_input_tokens !== undefined && fiveMinutes + oneHour !== created) {
    fail(source, 'usage.cache_creation', `splits ${fiveMinutes + oneHour} cache-write tokens, but cache_creation_input_tokens is ${created}`);
  }
  if (fiveMinutes > 0) raw.cache_write_tokens = String(fiveMinutes);
  if (oneHour > 0) raw.cache_write_1h_tokens = String(oneHour);
  return raw;
}

/** A token count of a response: a whole number of 0 or more, or undefined when absent. */
function count(value: unknown, source: SourceRef, field: string): number | undefined {
  const text = toText(value, source, field);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) fail(source, field, `"${text}" is not a whole number of tokens`);
  return Number(text);
}

/** Whether an object is an LLM gateway response (it reports token `usage`). */
export function isGatewayResponse(value: Json): boolean {
  return isObject(value.usage);
}
