import type { RateCard } from '../rates/card.js';
import type { RawAccount } from './account-file.js';
import { Decimal, parseDecimal } from '../util/decimal.js';
import { UsageError } from '../util/errors.js';

/** Settings of one account, merged from defaults, the account file and flags. */
export interface Account {
  /** Prepaid balance (or credits) at the start of the log. */
  balance: Decimal;
  tier: 'free' | 'paid';
  /** The free tier's credit, granted at the start (the card's `free_credits` unless set). */
  freeCredits: Decimal;
  /** After a deduction leaves the balance below `below` (or at it, when inclusive), a charge refills to `to`. */
  autopay: { below: Decimal; to: Decimal; inclusive: boolean } | undefined;
  /** Monthly-credit plan: credits granted at the start of each month. */
  monthlyCredits: Decimal | undefined;
  rolloverMonths: number;
  addons: { name: string; credits: Decimal }[];
  /** Automatic top-up in USD when credits run out (credit plans); zero turns it off. */
  topupUsd: Decimal;
  /** Credits a top-up USD buys: `--credits-per-usd`, else the account file's, else the card's. */
  creditsPerUsd: Decimal | undefined;
}

/** Account flags as commander gives them. */
export interface AccountFlags {
  account?: string;
  balance?: string;
  tier?: 'free' | 'paid';
  autopay?: string;
  autopayInclusive?: boolean;
  monthlyCredits?: string;
  rollover?: string;
  addon?: string[];
  topup?: string;
  creditsPerUsd?: string;
}

/** Whether any account setting was given (the audit's NEGATIVE_BALANCE needs one). */
export function hasAccount(flags: AccountFlags): boolean {
  return [flags.account, flags.balance, flags.autopay, flags.monthlyCredits].some((v) => v !== undefined) || (flags.addon?.length ?? 0) > 0;
}

/** Defaults, then the account file, then flags: the account a ledger runs on (the file's reader is loaded only for a file). */
export async function resolveAccount(flags: AccountFlags, card: RateCard): Promise<Account> {
  const file: RawAccount = flags.account === undefined ? {} : (await import('./account-file.js')).readAccountFile(flags.account);
  return accountFrom(file, flags, card);
}

/** Defaults, then account settings as written (a file, a check case), then flags. */
export function accountFrom(file: RawAccount, flags: AccountFlags, card: RateCard): Account {
  const dec = (value: string | number | undefined, flag: string, signed = false): Decimal | undefined => {
    if (value === undefined) return undefined;
    const parsed = parseDecimal(String(value));
    if (parsed === undefined || (!signed && parsed.isNegative())) throw new UsageError(`${flag} "${value}" is not a ${signed ? '' : 'non-negative '}decimal amount such as 25 or 12.50`);
    return parsed;
  };
  const tier = flags.tier ?? file.tier ?? 'paid';
  const cardFree = card.versions[card.versions.length - 1]!.limits.freeCredits ?? new Decimal(0);
  let autopay = file.autopay === undefined ? undefined : { below: dec(file.autopay.below, 'autopay.below')!, to: dec(file.autopay.to, 'autopay.to')!, inclusive: file.autopay.inclusive ?? false };
  if (flags.autopay !== undefined) {
    const match = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(flags.autopay);
    if (!match) throw new UsageError(`--autopay "${flags.autopay}" is not BELOW:TO, e.g. --autopay 25:50`);
    autopay = { below: new Decimal(match[1]!), to: new Decimal(match[2]!), inclusive: false };
  }
  if (autopay && flags.autopayInclusive) autopay.inclusive = true;
  if (autopay && autopay.to.lessThanOrEqualTo(autopay.below)) throw new UsageError(`autopay refills to ${autopay.to} but triggers below ${autopay.below}: TO must be above BELOW`);
  const addons = Object.entries(file.addons ?? {}).map(([name, credits]) => ({ name, credits: dec(credits, `addons.${name}`)! }));
  for (const pair of flags.addon ?? []) {
    const match = /^([^=]+)=(\d+(?:\.\d+)?)$/.exec(pair);
    if (!match) throw new UsageError(`--addon "${pair}" is not NAME=CREDITS, e.g. --addon voice-cloning=500`);
    const existing = addons.findIndex((a) => a.name === match[1]);
    const entry = { name: match[1]!, credits: new Decimal(match[2]!) };
    if (existing === -1) addons.push(entry);
    else addons[existing] = entry;
  }
  const rollover = flags.rollover ?? (file.rollover_months === undefined ? undefined : String(file.rollover_months));
  if (rollover !== undefined && !/^\d+$/.test(rollover)) throw new UsageError(`--rollover "${rollover}" is not a whole number of months`);
  return {
    balance: dec(flags.balance, '--balance', true) ?? dec(file.balance, 'balance', true) ?? new Decimal(0),
    tier,
    freeCredits: tier === 'free' ? (dec(file.free_credits, 'free_credits') ?? cardFree) : new Decimal(0),
    autopay,
    monthlyCredits: dec(flags.monthlyCredits, '--monthly-credits') ?? dec(file.monthly_credits, 'monthly_credits'),
    rolloverMonths: rollover === undefined ? 2 : Number(rollover),
    addons,
    topupUsd: dec(flags.topup, '--topup') ?? dec(file.topup, 'topup') ?? new Decimal(10),
    creditsPerUsd: dec(flags.creditsPerUsd, '--credits-per-usd') ?? dec(file.credits_per_usd, 'credits_per_usd') ?? card.creditsPerUsd,
  };
}
