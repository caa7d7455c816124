import { BUILTIN_CARDS } from './builtin/index.js';
import type { RateCard } from './card.js';
import { historyLayers } from './merge.js';
import { resolveCard } from './resolve.js';
import type { RawCard } from './schema.js';

/**
 * Opens a card by built-in name or file path for a run. A built-in card is resolved from its data as
 * it is (the tests hold every built-in card to the card schema, so no run needs to check it again);
 * a card file goes through the validating loader, which is only then loaded (with zod and yaml):
 * a run on a built-in card starts faster and smaller. `allow` may refuse a card file (see `loadCard`).
 */
export async function openCard(spec: string, baseDir = process.cwd(), allow?: (path: string) => void): Promise<RateCard> {
  const builtin = BUILTIN_CARDS[spec] as RawCard | undefined;
  if (builtin !== undefined && builtin.extends === undefined) return resolveCard(builtin.name, 'built-in', historyLayers(builtin, undefined), builtin.description);
  return (await import('./load.js')).loadCard(spec, baseDir, allow);
}
