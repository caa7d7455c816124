/**
 * The product fields that apply to durations only (kept apart from the card schema, so that the
 * resolver of built-in cards, which never loads zod, reads the same rule as the schema).
 */
export const DURATION_ONLY = ['free_quota', 'packs', 'minimum'] as const;

/** Why a duration-only field is refused on an LLM product. */
export function notForLlm(field: (typeof DURATION_ONLY)[number]): string {
  const what = { free_quota: 'a free quota', packs: 'packs', minimum: 'a minimum duration' }[field];
  return `an llm product cannot have ${what} (tallyman applies it to durations, never to tokens); remove it`;
}
