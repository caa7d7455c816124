import { CardError } from '../../util/errors.js';
import type { TokenPrice } from '../card.js';
import { Decimal } from '../../util/decimal.js';
import type { SourceDocument } from '../document.js';
import { formatPath } from '../document.js';

/** Token prices of one feed model, per token (exact), in the card's own shape. */
export type FeedPrices = TokenPrice;

/** One model of a price feed, as the card can hold it, with what it cannot. */
export interface FeedModel {
  id: string;
  prices: FeedPrices;
  /** Per region (`us`, `eu`): what a request routed there costs above `global`, as a fraction; from the feed's own regional prices. */
  regions: Map<'us' | 'eu', Decimal>;
  /** The retirement date (YYYY-MM-DD in the card's zone), where the feed gives one. */
  retired: string | undefined;
  /** What the feed says of this model that a card cannot hold (shown, never dropped silently). */
  unheld: string[];
}

/** A parsed price feed: its models, and the entries passed over with why. */
export interface Feed {
  models: FeedModel[];
  skipped: { id: string; why: string }[];
}

/** A feed number: plain decimal or exponent notation (`2.5e-07`), never hex, `NaN` or a sign. */
const FEED_NUMBER = /^\d+(?:\.\d+)?(?:[eE][-+]?\d{1,3})?$/;

/** Reads feed values at JSON paths of a document, as exact Decimals; a bad value is a CardError naming its path and line. */
export class FeedReader {
  constructor(readonly doc: SourceDocument) {}

  fail(path: readonly PropertyKey[], message: string): never {
    throw new CardError(this.doc.file, [{ path: formatPath(path), line: this.doc.lineOf(path), message }]);
  }

  /** The number at `path` (kept as its source text by the reader), or undefined when absent or null. */
  number(value: unknown, path: readonly PropertyKey[]): Decimal | undefined {
    if (value === undefined || value === null) return undefined;
    const text = typeof value === 'string' ? value.trim() : undefined;
    if (text === undefined || !FEED_NUMBER.test(text)) this.fail(path, `${JSON.stringify(value)} is not a price (a non-negative number)`);
    return new Decimal(text);
  }

  object(value: unknown, path: readonly PropertyKey[], what: string): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(path, `is not an object (${what})`);
    return value as Record<string, unknown>;
  }
}
