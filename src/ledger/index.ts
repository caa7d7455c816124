import { hasDayRates } from '../pricing/fold.js';
import { computeInvoice, type Invoice, type InvoiceOptions } from '../engine/index.js';
import type { Component } from '../pricing/plan.js';
import { RateBook } from '../pricing/ratebook.js';
import type { Decimal } from '../util/decimal.js';
import type { Account } from './account.js';
import { LedgerCollector } from './collector.js';
import { replay, type Ledger } from './replay.js';

export type { Ledger } from './replay.js';
export type { Account } from './account.js';

export interface BalanceOptions extends InvoiceOptions {
  account: Account;
  projectionDays: number;
  dailySpend: Decimal | undefined;
}

/** The ledger of a log on an account, and its projection. */
export interface BalanceResult {
  invoice: Invoice;
  account: Account;
  ledger: Ledger;
}

/** Why a ledger refuses an undated record (it places every deduction in time). */
export const LEDGER_NEEDS_TIME = 'a balance ledger needs the time of every record';

/** A ledger collector wired to an invoice pass (for `balance`, and for the audit's NEGATIVE_BALANCE). */
export function ledgerCollector(account: Account): LedgerCollector {
  return new LedgerCollector(account.tier);
}

/** Replays what a collector saw, at the rates the invoice reached. */
export function ledgerOf(collector: LedgerCollector, invoice: Invoice, options: Omit<BalanceOptions, 'inputZone' | 'map' | 'groupBy' | 'skipInvalid' | 'allowUnpriced'>): Ledger {
  const book = new RateBook(options.card, invoice.lines, invoice.byDay);
  const rates = collector.rates.values.map((key) => {
    const [v, product, model, component, day] = key.split('\u0000') as [string, string, string, Component, string?];
    return book.fraction(`${v}\u0000${product}\u0000${model}`, component, day);
  });
  return replay(collector, {
    card: options.card, zone: options.zone, account: options.account, rates,
    from: options.period.from, projectionDays: options.projectionDays, dailySpend: options.dailySpend,
  });
}

/** `tallyman balance`: one pass over the log, then the ledger and the projection. */
export async function runBalance(paths: readonly string[], options: BalanceOptions): Promise<BalanceResult> {
  const collector = ledgerCollector(options.account);
  const invoice = await computeInvoice(paths, { ...options, observers: [collector], needsTime: LEDGER_NEEDS_TIME, byDay: hasDayRates(options.card) });
  options.onPhase?.('replaying the ledger');
  return { invoice, account: options.account, ledger: ledgerOf(collector, invoice, options) };
}
