import type { SourceRef } from '../../util/errors.js';
import type { RawFields } from '../record.js';
import { dimensions, isObject, toText, unixOrText, type Json } from './values.js';

/**
 * An LLM gateway response as an `llm` record, in any of the published styles: AssemblyAI's
 * (`request.model`, `request_id`, `usage.input_tokens`/`output_tokens`), OpenAI's chat completion
 * (`model`, `created` in Unix seconds, `usage.prompt_tokens`/`completion_tokens`) and Anthropic's
 * message (`model`, `usage.input_tokens`/`output_tokens`). Time from `timestamp`, `created` or `created_at`.
 */
export function gatewayFields(value: Json, source: SourceRef): RawFields {
  const usage = value.usage as Json;
  const request = isObject(value.request) ? value.request : {};
  const raw: RawFields = { kind: 'llm', ...dimensions(value, source) };
  const id = toText(value.id ?? value.request_id, source, 'id');
  if (id !== undefined) raw.id = id;
  const model = toText(request.model ?? value.model, source, 'model');
  if (model !== undefined) raw.model = model;
  const at = unixOrText(value.timestamp ?? value.received_at ?? value.created ?? value.created_at, source, 'timestamp');
  if (at !== undefined) raw.timestamp = at;
  const input = toText(usage.input_tokens ?? usage.prompt_tokens, source, 'usage.input_tokens');
  if (input !== undefined) raw.input_tokens = input;
  const output = toText(usage.output_tokens ?? usage.completion_tokens, source, 'usage.output_tokens');
  if (output !== undefined) raw.output_tokens = output;
  return raw;
}

/** Whether an object is an LLM gateway response (it reports token `usage`). */
export function isGatewayResponse(value: Json): boolean {
  return isObject(value.usage);
}
