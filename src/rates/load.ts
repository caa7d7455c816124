import { dirname, resolve } from 'node:path';
import { CardError } from '../util/errors.js';
import { BUILTIN_CARDS } from './builtin/index.js';
import type { RateCard } from './card.js';
import { readSourceDocument, validateDocument, type SourceDocument } from './document.js';
import { historyLayers, type CardLayer } from './merge.js';
import { resolveCard } from './resolve.js';
import { cardSchema, type RawCard } from './schema.js';

/**
 * Loads a rate card by built-in name or file path (JSON or YAML), validated and resolved. `allow` is
 * shown the absolute path of every card file before it is read, the card's own and those it
 * `extends`, and throws to refuse one (`check` keeps its config's cards in the config's folder).
 */
export function loadCard(spec: string, baseDir = process.cwd(), allow?: (path: string) => void, text?: string): RateCard {
  const { raw, origin, path } = readRawCard(spec, baseDir, allow, text);
  return resolveCard(raw.name, origin, layersOf(raw, path, origin, [path], allow), raw.description);
}

/** A card as written (validated) and its merged layers, oldest first, before they are resolved: what `rates import` builds on. */
export function loadCardLayers(spec: string, baseDir = process.cwd()): { raw: RawCard; layers: CardLayer[] } {
  const { raw, origin, path } = readRawCard(spec, baseDir, undefined);
  return { raw, layers: layersOf(raw, path, origin, [path], undefined) };
}

/** Validates a card file without resolving `extends` problems away: the `rates validate` core. */
export function validateCardFile(path: string): RateCard {
  return loadCard(path);
}

/** A card as written; `origin` is how the user named it (portable in output), `path` where it was read. */
function readRawCard(spec: string, baseDir: string, allow: ((path: string) => void) | undefined, text?: string): { raw: RawCard; origin: string; path: string } {
  const builtin = text === undefined ? BUILTIN_CARDS[spec] : undefined;
  if (builtin !== undefined) {
    const doc: SourceDocument = { file: `built-in:${spec}`, value: builtin, lineOf: () => undefined };
    return { raw: validateDocument(doc, cardSchema), origin: 'built-in', path: `built-in:${spec}` };
  }
  if (!/[./\\]/.test(spec)) {
    throw new CardError(spec, [{ path: '', message: `no built-in card of that name (built-in: ${Object.keys(BUILTIN_CARDS).join(', ')}); give a card file path` }]);
  }
  const path = resolve(baseDir, spec);
  allow?.(path);
  // Read by the name the user gave where that is the same file, so that messages name it as given.
  const doc = readSourceDocument(baseDir === process.cwd() ? spec : path, text);
  const raw = validateDocument({ ...doc, file: spec }, cardSchema);
  if (raw.extends !== undefined && raw.effective_from !== undefined) {
    throw new CardError(spec, [{ path: 'effective_from', line: doc.lineOf(['effective_from']), message: 'a card that extends another takes its dates from it; add later prices under versions' }]);
  }
  return { raw, origin: spec, path };
}

/** The layers of a card and of the cards it extends; `shown` is how messages name the card. */
function layersOf(raw: RawCard, path: string, shown: string, chain: string[], allow: ((path: string) => void) | undefined): CardLayer[] {
  if (raw.extends === undefined) return historyLayers(raw, undefined);
  const baseDir = path.startsWith('built-in:') ? process.cwd() : dirname(path);
  const base = readBase(raw.extends, baseDir, shown, allow);
  if (chain.includes(base.path)) {
    throw new CardError(path, [{ path: 'extends', message: `extends itself through ${[...chain, base.path].join(' → ')}` }]);
  }
  return historyLayers(raw, layersOf(base.raw, base.path, base.origin, [...chain, base.path], allow));
}

/**
 * The card `extends` names. A file that cannot be read as a card at all (missing, `/dev/zero`, an
 * alias bomb) is a problem of the extending card's `extends`; one inside the base names the base.
 */
function readBase(spec: string, baseDir: string, extending: string, allow: ((path: string) => void) | undefined): ReturnType<typeof readRawCard> {
  try {
    return readRawCard(spec, baseDir, allow);
  } catch (error) {
    const problem = error instanceof CardError && error.problems.length === 1 ? error.problems[0]! : undefined;
    if (problem === undefined || problem.path !== '' || problem.line !== undefined) throw error;
    throw new CardError(extending, [{ path: 'extends', message: `${spec}: ${problem.message}` }]);
  }
}

/** Names of the built-in cards. */
export function builtinCardNames(): string[] {
  return Object.keys(BUILTIN_CARDS);
}
