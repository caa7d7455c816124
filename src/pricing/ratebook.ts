import { ratePlanOf, tokenRate, type RateCard, type TokenComponent } from '../rates/card.js';
import { Decimal, roundMoney } from '../util/decimal.js';
import { productHasAllowances } from './allowance.js';
import type { Component } from './plan.js';
import type { InvoiceLine } from './invoice.js';

/** A quantity of one component at one record's rates: what a finding puts at stake, or a ledger deducts. */
export interface Stake {
  rateKey: string;
  component: Component;
  quantity: number;
}

/** Decimals of a base unit a day's rate is cut at. */
const DAY_RATE_DECIMALS = 30;

/**
 * Prices stakes: the exact rate per millisecond or token of a (rate key, component). Flat and token
 * prices come from the card; a tiered price is the effective rate the invoice reached for it.
 */
export class RateBook {
  private readonly cache = new Map<string, { numerator: Decimal; denominator: Decimal }>();

  constructor(
    private readonly card: RateCard,
    private readonly lines: readonly InvoiceLine[],
    /** The lines priced by day (day at `dayAt` of their dimensions): a day's rate is what the invoice charges that day. */
    private readonly byDay?: { lines: readonly InvoiceLine[]; dayAt: number },
  ) {}

  /** The cost of one stake: quantity × price, divided last (the only inexact step is that division). */
  costOf(stake: Stake): Decimal {
    return this.pricer(stake.rateKey, stake.component)(stake.quantity);
  }

  /** costOf for every quantity of one (rate key, component), its price looked up once. */
  pricer(rateKey: string, component: Component): (quantity: number) => Decimal {
    const { numerator, denominator } = this.fraction(rateKey, component);
    return (quantity) => numerator.times(quantity).dividedBy(denominator);
  }

  /**
   * The exact price per base unit of one (rate key, component), as numerator / denominator (the
   * ledger's integer costs); on `day`, where the price depends on the day (tiers, packages, quotas),
   * that day's: the invoice's charge of the day over its usage that day.
   */
  fraction(rateKey: string, component: Component, day?: string): { numerator: Decimal; denominator: Decimal } {
    if (day !== undefined && this.byDay !== undefined) {
      const key = `${rateKey}\u0000${component}\u0000${day}`;
      let rate = this.cache.get(key);
      if (rate === undefined) {
        rate = this.dayRate(rateKey, component, day) ?? this.rate({ rateKey, component, quantity: 0 });
        this.cache.set(key, rate);
      }
      return rate;
    }
    return this.rate({ rateKey, component, quantity: 0 });
  }

  /** A day's rate of a (rate key, component) from the lines priced by day, or undefined for a flat price or a day without usage. */
  private dayRate(rateKey: string, component: Component, day: string): { numerator: Decimal; denominator: Decimal } | undefined {
    const [v, productId, model] = rateKey.split('\u0000') as [string, string, string];
    const version = this.card.versions[Number(v)]!;
    const product = version.products.find((p) => p.id === productId)!;
    if (product.kind === 'llm') return undefined;
    const plan = ratePlanOf(product, model, component);
    if (plan === undefined || (plan.type === 'flat' && !productHasAllowances(product))) return undefined;
    const { lines, dayAt } = this.byDay!;
    const addon = component.startsWith('addon:') ? component.slice(6) : null;
    let quantity = 0;
    let amount = new Decimal(0);
    for (const l of lines) {
      if (!l.priced || l.version !== version.label || l.product !== productId || l.model !== model || l.addon !== addon || l.dims[dayAt] !== day) continue;
      quantity += l.baseQuantity;
      amount = amount.plus(l.amountExact);
    }
    // Cut at 30 decimals of a base unit (far below the ledger's 12 decimals a record), so that every
    // day's rate has a power of ten for its denominator and the ledger's common divisor stays small.
    return quantity === 0 ? undefined : { numerator: amount.dividedBy(quantity).toDecimalPlaces(DAY_RATE_DECIMALS, Decimal.ROUND_HALF_EVEN), denominator: new Decimal(1) };
  }

  /** Money of a list of stakes, exact but for the last division of each. */
  exact(stakes: readonly Stake[]): Decimal {
    return stakes.reduce((sum, s) => sum.plus(this.costOf(s)), new Decimal(0));
  }

  /** Money of a list of stakes, rounded as an invoice line. */
  amount(stakes: readonly Stake[]): Decimal {
    return roundMoney(this.exact(stakes), this.card.rounding.scale, this.card.rounding.mode);
  }

  private rate(stake: Stake): { numerator: Decimal; denominator: Decimal } {
    const key = `${stake.rateKey}\u0000${stake.component}`;
    let rate = this.cache.get(key);
    if (rate === undefined) {
      rate = this.lookup(stake);
      this.cache.set(key, rate);
    }
    return rate;
  }

  /** A price per base unit as a fraction: the card's price over the unit, or the invoice's amount over its quantity. */
  private lookup({ rateKey, component }: Stake): { numerator: Decimal; denominator: Decimal } {
    const per = (price: Decimal, unit: number) => ({ numerator: price, denominator: new Decimal(unit) });
    const [v, productId, model] = rateKey.split('\u0000') as [string, string, string];
    const version = this.card.versions[Number(v)]!;
    const product = version.products.find((p) => p.id === productId)!;
    if (product.kind === 'llm') {
      return per(tokenRate(product, model, component as TokenComponent).rate, product.perUnit);
    }
    const plan = ratePlanOf(product, model, component);
    if (!plan) return per(new Decimal(0), 1);
    if (plan.type === 'flat') return per(plan.rate, product.perUnit);
    const addon = component.startsWith('addon:') ? component.slice(6) : null;
    const lines = this.lines.filter((l) => l.priced && l.version === version.label && l.product === productId && l.model === model && l.addon === addon);
    const quantity = lines.reduce((sum, l) => sum + l.baseQuantity, 0);
    if (quantity === 0) return plan.type === 'package' ? per(plan.price, plan.size) : per(plan.tiers[0]!.price, product.perUnit);
    return per(lines.reduce((sum, l) => sum.plus(l.amountExact), new Decimal(0)), quantity);
  }
}
