import { Outcome, type UsageBatch } from '../ingest/batch.js';
import { completionOf, refusedByTier } from '../pricing/charge.js';
import { formatDay } from '../util/time.js';
import type { BatchObserver, Fold, ObserverPart, PartJoin } from '../pricing/fold.js';
import type { SourceRef } from '../util/errors.js';
import { LineColumn, RunColumn, TimeColumn, uint16, uint32, WholeColumn, type ColumnParts, type LineParts, type RunParts, type TimeParts, type WholeParts } from '../util/columns.js';
import { Interner } from '../util/interner.js';

/** Day numbers are below this (the year 8999 is day 2,556,000 or so): a (plan, day) key is plan × DAYS + day. */
const DAYS = 4_000_000;

/** The bit of a record's shape that says the free tier refuses it (a record has at most a few items). */
const REFUSED = 0x8000;

/**
 * Keeps what the ledger needs of each billed record, in typed-array columns: when it completed, and
 * its priced quantities (as indices into `rates`). About 11 bytes a record and 8 an item; no record objects.
 */
export class LedgerCollector implements BatchObserver {
  readonly completed = new TimeColumn();
  readonly firstItem = uint32();
  /** Each record's number of items, plus REFUSED when the free tier refuses it (LLM gateway). */
  readonly shape = uint16();
  readonly files = new RunColumn();
  readonly lines = new LineColumn();
  readonly itemRate = uint32();
  readonly itemQuantity = new WholeColumn();
  /** `rateKey\0component` of each rate index. */
  readonly rates = new Interner();
  readonly fileNames = new Interner(0xffff);
  first: number | undefined;
  last: number | undefined;
  /** Rate indices of each plan's items, by plan id. */
  private readonly planRates: number[][] = [];
  /** Rate indices of each (plan id, local day) where rates depend on the day, by plan id × DAYS + day. */
  private readonly dayRates = new Map<number, number[]>();

  readonly part: ObserverPart;

  constructor(private readonly tier: 'free' | 'paid') {
    this.part = { module: import.meta.url, factory: 'ledgerCollector', settings: tier };
  }

  /** The ledger's view of each folded batch: every billed row, as numbers. */
  observe(b: UsageBatch, fold: Fold): void {
    const files: number[] = []; // this collector's code of each of the batch's file codes
    for (let r = 0; r < b.length; r++) {
      if (b.outcome[r] !== Outcome.Billed) continue;
      const plan = fold.plans[b.plan[r]!]!;
      const at = b.at[r]!;
      const completed = completionOf(plan, b, r);
      this.first = this.first === undefined ? at : Math.min(this.first, at);
      this.last = this.last === undefined ? completed : Math.max(this.last, completed);
      this.completed.push(completed);
      this.firstItem.push(this.itemRate.length);
      this.files.push((files[b.file[r]!] ??= this.fileNames.of(b.strings.files.at(b.file[r]!))));
      this.lines.push(b.line[r]!);
      // Where a rate depends on the day (tiers, packages, quotas), each day's rates are their own.
      const byDay = fold.dayRates && !plan.llm;
      const day = byDay ? fold.dayOf(at) : 0;
      let rates = byDay ? this.dayRates.get(plan.id * DAYS + day) : this.planRates[plan.id];
      if (rates === undefined) {
        const suffix = byDay ? `\u0000${formatDay(day)}` : '';
        rates = plan.items.map((item) => this.rates.of(`${plan.rateKey}\u0000${item.component}${suffix}`));
        if (byDay) this.dayRates.set(plan.id * DAYS + day, rates);
        else this.planRates[plan.id] = rates;
      }
      // An item that costs nothing (a token class the request did not use) is not kept.
      const from = b.quantityAt[r]!;
      let count = 0;
      for (let i = 0; i < rates.length; i++) {
        const quantity = b.quantities[from + i]!;
        if (quantity === 0) continue;
        this.itemRate.push(rates[i]!);
        this.itemQuantity.push(quantity);
        count++;
      }
      this.shape.push(count | (refusedByTier(plan, this.tier) ? REFUSED : 0));
    }
  }

  /** How many priced items record `index` has. */
  itemCount(index: number): number {
    return this.shape.at(index) & ~REFUSED;
  }

  /** Whether the free tier refuses record `index`. */
  refusedByTier(index: number): boolean {
    return (this.shape.at(index) & REFUSED) !== 0;
  }

  ref(index: number): SourceRef {
    return { file: this.fileNames.at(this.files.at(index)), line: this.lines.at(index) };
  }

  snapshot(): LedgerPart {
    return {
      completed: this.completed.parts(), firstItem: this.firstItem.parts(), shape: this.shape.parts(),
      files: this.files.parts(), lines: this.lines.parts(), itemRate: this.itemRate.parts(), itemQuantity: this.itemQuantity.parts(),
      rates: this.rates.values, fileNames: this.fileNames.values, first: this.first, last: this.last,
    };
  }

  /** Appends the records of a worker thread's part, its rates and files given this collector's indices. */
  absorb(part: LedgerPart, join: PartJoin): void {
    const rates = part.rates.map((rate) => this.rates.of(rate));
    const files = part.fileNames.map((file) => this.fileNames.of(file));
    const items = this.itemRate.length;
    this.completed.append(part.completed);
    this.firstItem.append(part.firstItem, (first) => items + first);
    this.shape.append(part.shape);
    this.files.append(part.files, (file) => files[file]!);
    this.lines.append(part.lines, join.lineOffset);
    this.itemRate.append(part.itemRate, (rate) => rates[rate]!);
    this.itemQuantity.append(part.itemQuantity);
    if (part.first !== undefined) this.first = this.first === undefined ? part.first : Math.min(this.first, part.first);
    if (part.last !== undefined) this.last = this.last === undefined ? part.last : Math.max(this.last, part.last);
  }
}

/** A ledger collector's state as plain data (a worker thread's part). */
interface LedgerPart {
  completed: TimeParts;
  firstItem: ColumnParts<Uint32Array>;
  shape: ColumnParts<Uint16Array>;
  files: RunParts;
  lines: LineParts;
  itemRate: ColumnParts<Uint32Array>;
  itemQuantity: WholeParts;
  rates: string[];
  fileNames: string[];
  first: number | undefined;
  last: number | undefined;
}

/** The ledger collector of a worker thread's part. */
export function ledgerCollector(tier: 'free' | 'paid'): LedgerCollector {
  return new LedgerCollector(tier);
}
