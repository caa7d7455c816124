import type { UsageRecord } from '../ingest/record.js';
import type { Outcome } from '../pricing/aggregate.js';
import type { BilledSink } from '../pricing/fast.js';
import type { Plan } from '../pricing/plan.js';
import { InputError, type SourceRef } from '../util/errors.js';
import { float64, uint16, uint32 } from '../util/columns.js';
import { Interner } from '../util/interner.js';

/**
 * Keeps what the ledger needs of each billed record, in typed-array columns: when it completed, and
 * its priced quantities (as indices into `rates`). About 30 bytes a record; no record objects.
 */
export class LedgerCollector implements BilledSink {
  readonly completed = float64();
  readonly firstItem = uint32();
  readonly itemCount = uint16();
  /** 1 when the free tier refuses the record (LLM gateway). */
  readonly refusedByTier = uint16();
  readonly files = uint16();
  readonly lines = uint32();
  readonly itemRate = uint32();
  readonly itemQuantity = float64();
  /** `rateKey\0component` of each rate index. */
  readonly rates = new Interner();
  readonly fileNames = new Interner(0xffff);
  first: number | undefined;
  last: number | undefined;
  /** Rate indices of each byte-scanner plan's items, by plan id. */
  private readonly planRates: number[][] = [];

  constructor(private readonly tier: 'free' | 'paid') {}

  /** The ledger's hook into the invoice pass. */
  observe = (record: UsageRecord, outcome: Outcome): void => {
    if (outcome.type !== 'counted' || outcome.charge.type !== 'billed') return;
    const charge = outcome.charge;
    if (record.at === undefined) {
      throw new InputError(record.source, 'timestamp', 'is missing, and a balance ledger needs the time of every record', 'give the list endpoint response too, or timestamps');
    }
    const completed = completionOf(record, charge.session?.sessionMs ?? charge.session?.billedMs);
    this.first = this.first === undefined ? record.at : Math.min(this.first, record.at);
    this.last = this.last === undefined ? completed : Math.max(this.last, completed);
    this.completed.push(completed);
    this.firstItem.push(this.itemRate.length);
    this.itemCount.push(charge.items.length);
    this.refusedByTier.push(charge.product.kind === 'llm' && this.tier === 'free' && !charge.product.freeTier ? 1 : 0);
    this.files.push(this.fileNames.of(record.source.file));
    this.lines.push(record.source.line);
    for (const item of charge.items) {
      this.itemRate.push(this.rates.of(`${charge.rateKey}\u0000${item.component}`));
      this.itemQuantity.push(item.quantity);
    }
  };

  /** The byte scanner's counterpart of `observe`: a billed row given as numbers (see BilledSink). */
  billed(at: number, completed: number, plan: Plan, quantities: Float64Array, file: string, line: number): void {
    this.first = this.first === undefined ? at : Math.min(this.first, at);
    this.last = this.last === undefined ? completed : Math.max(this.last, completed);
    this.completed.push(completed);
    this.firstItem.push(this.itemRate.length);
    this.itemCount.push(plan.items.length);
    this.refusedByTier.push(plan.llm && this.tier === 'free' && !plan.freeTier ? 1 : 0);
    this.files.push(this.fileNames.of(file));
    this.lines.push(line);
    let rates = this.planRates[plan.id];
    if (rates === undefined) {
      rates = plan.items.map((item) => this.rates.of(`${plan.rateKey}\u0000${item.component}`));
      this.planRates[plan.id] = rates;
    }
    for (let i = 0; i < rates.length; i++) {
      this.itemRate.push(rates[i]!);
      this.itemQuantity.push(quantities[i]!);
    }
  }

  ref(index: number): SourceRef {
    return { file: this.fileNames.at(this.files.at(index)), line: this.lines.at(index) };
  }

}

/** When a record is charged: a transcript when it completes, a stream when it ends, an LLM call at once. */
function completionOf(record: UsageRecord, sessionMs: number | undefined): number {
  if (record.kind === 'transcript') return record.completedAt ?? record.at!;
  if (record.kind === 'stream') return (record.startedAt ?? record.at!) + (sessionMs ?? record.audioMs ?? 0);
  return record.at!;
}
