import { readFileSync } from 'node:fs';
import { isMap, isSeq, parseDocument, stringify } from 'yaml';
import { BUILTIN_CARDS } from '../builtin/index.js';
import type { RawCard } from '../schema.js';

/** The card file `rates import` writes: a new card, a built-in card extended, or a card file with one more version. */
export function writeCard(input: { card: string | undefined; raw: RawCard | undefined; version: Record<string, unknown> & { effective_from: string; products: unknown[] }; name: string | undefined; format: 'yaml' | 'json' }): string {
  const { card, raw, version, format } = input;
  if (card === undefined || raw === undefined) {
    const { effective_from, source, products } = version;
    return serialise({ name: input.name ?? 'imported', description: `token prices ${source}`, currency: 'USD', effective_from, source, products }, format);
  }
  if (BUILTIN_CARDS[card] !== undefined) return serialise({ name: raw.name, extends: card, versions: [version] }, format);
  if (format === 'json' || !/\.ya?ml$/i.test(card)) return serialise({ ...raw, versions: [...(raw.versions ?? []), version] }, format);
  // A YAML card keeps its comments and layout: the version is appended to its own document.
  const doc = parseDocument(readFileSync(card, 'utf8'));
  const versions = doc.get('versions', true);
  if (isSeq(versions)) versions.add(doc.createNode(version));
  else if (isMap(doc.contents)) doc.set('versions', doc.createNode([version]));
  return doc.toString({ lineWidth: 0 });
}

function serialise(value: unknown, format: 'yaml' | 'json'): string {
  return format === 'json' ? `${JSON.stringify(value, null, 2)}\n` : stringify(value, { lineWidth: 0 });
}
