import { z } from 'zod';
import { readSourceDocument, validateDocument } from '../rates/document.js';
import { UsageError } from '../util/errors.js';
import { parseCountText, parseDuration } from './quantities.js';

/** What-if usage for one period, in exact integers. */
export interface EstimateUsage {
  period: 'day' | 'month';
  daysPerMonth: number;
  transcribe: { ms: number; model: string | undefined; features: string[]; channels: number }[];
  stream: { ms: number; model: string | undefined; sessions: number | undefined; unclosed: number; features: string[] }[];
  llm: { model: string | undefined; inputTokens: number; outputTokens: number }[];
}

const text = z.union([z.string(), z.number()]).transform(String);
const features = z.union([z.array(z.string()), z.string()]).transform((f) => (Array.isArray(f) ? f : f.split(/[,;]/)).map((s) => s.trim()).filter(Boolean));

/** A usage file (JSON or YAML): several products at once. */
export const usageSchema = z.strictObject({
  $schema: z.string().optional(),
  period: z.enum(['day', 'month']).optional(),
  days_per_month: text.optional(),
  transcribe: z.array(z.strictObject({ duration: text, model: z.string().optional(), features: features.optional(), channels: text.optional() })).optional(),
  stream: z.array(z.strictObject({ duration: text.optional(), model: z.string().optional(), sessions: text.optional(), unclosed: text.optional(), features: features.optional() })).optional(),
  llm: z.array(z.strictObject({ model: z.string().optional(), input_tokens: text.optional(), output_tokens: text.optional() })).optional(),
});

/** Flags of `estimate` as commander gives them. */
export interface EstimateFlags {
  usage?: string;
  period: string;
  daysPerMonth?: string;
  transcribe?: string;
  model?: string;
  features?: string;
  channels?: string;
  stream?: string;
  streamModel?: string;
  sessions?: string;
  unclosed?: string;
  llmModel?: string;
  inputTokens?: string;
  outputTokens?: string;
}

/** Usage from a usage file, then the flags on top (each flag adds one item). */
export function usageFromFlags(flags: EstimateFlags): EstimateUsage {
  const file = flags.usage === undefined ? {} : validateDocument(readSourceDocument(flags.usage), usageSchema);
  const period = (file.period ?? flags.period) as 'day' | 'month';
  if (period !== 'day' && period !== 'month') throw new UsageError(`--period "${flags.period}" is day or month`);
  const daysText = flags.daysPerMonth ?? file.days_per_month ?? '30';
  const daysPerMonth = parseCountText(daysText, '--days-per-month');
  if (daysPerMonth < 1 || daysPerMonth > 31) throw new UsageError(`--days-per-month "${daysText}" must be 1 to 31`);
  const usage: EstimateUsage = { period, daysPerMonth, transcribe: [], stream: [], llm: [] };
  const where = (section: string, i: number, field: string) => `${flags.usage}: ${section}[${i}].${field}`;
  (file.transcribe ?? []).forEach((t, i) => usage.transcribe.push({
    ms: parseDuration(t.duration, where('transcribe', i, 'duration')), model: t.model, features: t.features ?? [],
    channels: t.channels === undefined ? 1 : positive(parseCountText(t.channels, where('transcribe', i, 'channels')), where('transcribe', i, 'channels')),
  }));
  (file.stream ?? []).forEach((s, i) => usage.stream.push({
    ms: s.duration === undefined ? 0 : parseDuration(s.duration, where('stream', i, 'duration')), model: s.model, features: s.features ?? [],
    sessions: s.sessions === undefined ? undefined : parseCountText(s.sessions, where('stream', i, 'sessions')),
    unclosed: s.unclosed === undefined ? 0 : parseCountText(s.unclosed, where('stream', i, 'unclosed')),
  }));
  (file.llm ?? []).forEach((l, i) => usage.llm.push({
    model: l.model,
    inputTokens: l.input_tokens === undefined ? 0 : parseCountText(l.input_tokens, where('llm', i, 'input_tokens')),
    outputTokens: l.output_tokens === undefined ? 0 : parseCountText(l.output_tokens, where('llm', i, 'output_tokens')),
  }));

  if (flags.transcribe !== undefined) {
    usage.transcribe.push({
      ms: parseDuration(flags.transcribe, '--transcribe'), model: flags.model,
      features: (flags.features ?? '').split(',').map((f) => f.trim()).filter(Boolean),
      channels: flags.channels === undefined ? 1 : positive(parseCountText(flags.channels, '--channels'), '--channels'),
    });
  } else if (flags.model !== undefined || flags.features !== undefined || flags.channels !== undefined) {
    throw new UsageError('--model, --features and --channels go with --transcribe DURATION');
  }
  if (flags.stream !== undefined || flags.unclosed !== undefined || flags.sessions !== undefined) {
    usage.stream.push({
      ms: flags.stream === undefined ? 0 : parseDuration(flags.stream, '--stream'), model: flags.streamModel, features: [],
      sessions: flags.sessions === undefined ? undefined : parseCountText(flags.sessions, '--sessions'),
      unclosed: flags.unclosed === undefined ? 0 : parseCountText(flags.unclosed, '--unclosed'),
    });
  } else if (flags.streamModel !== undefined) {
    throw new UsageError('--stream-model goes with --stream DURATION');
  }
  if (flags.inputTokens !== undefined || flags.outputTokens !== undefined || flags.llmModel !== undefined) {
    usage.llm.push({
      model: flags.llmModel,
      inputTokens: flags.inputTokens === undefined ? 0 : parseCountText(flags.inputTokens, '--input-tokens'),
      outputTokens: flags.outputTokens === undefined ? 0 : parseCountText(flags.outputTokens, '--output-tokens'),
    });
  }
  for (const s of usage.stream) {
    if (s.sessions !== undefined && s.unclosed > s.sessions) throw new UsageError(`${s.unclosed} unclosed sessions is more than the ${s.sessions} sessions in all`);
  }
  return usage;
}

function positive(n: number, what: string): number {
  if (n < 1) throw new UsageError(`${what} must be at least 1`);
  return n;
}
