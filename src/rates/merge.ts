import type { RawCard, RawProduct, RawVersion } from './schema.js';

/** The fields one version of a card carries once merged: a version without its history. */
export type CardLayer = Omit<RawVersion, 'effective_from'> & { effective_from?: string | undefined };

const KEYED = ['models', 'addons', 'aliases', 'retired', 'regional_increase'] as const;

/**
 * Lays `over` on top of `base`: scalars are replaced, products are merged by id, and a product's
 * models, add-ons and aliases are merged by name (`null` removes one). Used by `extends` and `versions`.
 */
export function mergeLayer(base: CardLayer, over: CardLayer): CardLayer {
  const merged: CardLayer = { ...base, ...over };
  if (base.limits || over.limits) merged.limits = { ...base.limits, ...over.limits };
  if (over.products) {
    const products = [...(base.products ?? [])];
    for (const product of over.products) {
      const at = products.findIndex((p) => p.id === product.id);
      if (at === -1) products.push(dropNulls(product));
      else products[at] = mergeProduct(products[at]!, product);
    }
    merged.products = products;
  } else if (base.products) {
    merged.products = base.products;
  }
  return merged;
}

function mergeProduct(base: RawProduct, over: RawProduct): RawProduct {
  const merged: RawProduct = { ...base, ...over };
  for (const key of KEYED) {
    if (base[key] || over[key]) {
      merged[key] = removeNulls({ ...base[key], ...over[key] }) as never;
    }
  }
  return merged;
}

function dropNulls(product: RawProduct): RawProduct {
  const copy: RawProduct = { ...product };
  for (const key of KEYED) if (copy[key]) copy[key] = removeNulls(copy[key]!) as never;
  return copy;
}

function removeNulls<T>(record: Record<string, T | null>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== null)) as Record<string, T>;
}

/** The layers of a card's history, oldest first: its own fields, then each of its `versions` on top. */
export function historyLayers(raw: RawCard, base: readonly CardLayer[] | undefined): CardLayer[] {
  const { name: _name, extends: _extends, versions, $schema: _schema, ...top } = raw;
  const start = base ? base.map((layer) => mergeLayer(layer, top)) : [top];
  const layers = [...start];
  for (const version of versions ?? []) layers.push(mergeLayer(layers[layers.length - 1]!, version));
  return layers;
}
