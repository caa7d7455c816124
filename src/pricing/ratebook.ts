import { ratePlanOf, tokenRate, type RateCard, type TokenComponent } from '../rates/card.js';
import { Decimal, roundMoney } from '../util/decimal.js';
import type { Component } from './plan.js';
import type { InvoiceLine } from './invoice.js';

/** A quantity of one component at one record's rates: what a finding puts at stake, or a ledger deducts. */
export interface Stake {
  rateKey: string;
  component: Component;
  quantity: number;
}

/**
 * Prices stakes: the exact rate per millisecond or token of a (rate key, component). Flat and token
 * prices come from the card; a tiered price is the effective rate the invoice reached for it.
 */
export class RateBook {
  private readonly cache = new Map<string, { numerator: Decimal; denominator: Decimal }>();

  constructor(
    private readonly card: RateCard,
    private readonly lines: readonly InvoiceLine[],
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

  /** The exact price per base unit of one (rate key, component), as numerator / denominator (the ledger's integer costs). */
  fraction(rateKey: string, component: Component): { numerator: Decimal; denominator: Decimal } {
    return this.rate({ rateKey, component, quantity: 0 });
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
