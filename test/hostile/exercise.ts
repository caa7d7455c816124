import { expect } from 'vitest';
import { runAudit } from '../../src/audit/index.js';
import { computeInvoice, type InvoiceOptions } from '../../src/engine/index.js';
import { accountFrom } from '../../src/ledger/account.js';
import { runBalance } from '../../src/ledger/index.js';
import { periodFromFlags } from '../../src/pricing/period.js';
import { openCard } from '../../src/rates/open.js';
import { painter } from '../../src/report/color.js';
import { renderer } from '../../src/report/index.js';
import { isExpectedError } from '../../src/util/errors.js';
import { TimeZone } from '../../src/util/time.js';

/** What one run of a command does with a log, as the CLI's action does it: the core, then a renderer. */
export interface Run {
  command: 'invoice' | 'audit' | 'balance';
  format: 'json' | 'table' | 'csv' | 'markdown' | 'focus' | 'html';
  /** Read every file the text way (no byte scanner), as stdin and JSON documents are read. */
  textOnly: boolean;
  skipInvalid: boolean;
  /** A card name or file (`--rates`). */
  rates: string;
}

const PLAIN = painter(false);

/**
 * Runs a command's core and renderer in this process, the way `src/commands/*` do between flags
 * and output. Returns 'ok', or the message of the expected error (an InputError, CardError or
 * UsageError: exit 2) after checking that each of its lines is one line of text; anything else
 * (a TypeError, a RangeError) is thrown on, and fails the property that ran it.
 */
export async function exercise(files: readonly string[], run: Run): Promise<string> {
  // A Node warning is a line on standard error too (the yaml package warns of keys it stringifies).
  const warnings: string[] = [];
  const warned = (warning: Error): void => void (/FORCE_COLOR/.test(warning.message) || warnings.push(warning.message));
  process.on('warning', warned);
  try {
    return await outcome(files, run);
  } finally {
    await new Promise(setImmediate);
    process.off('warning', warned);
    expect(warnings, 'a warning on standard error').toEqual([]);
  }
}

async function outcome(files: readonly string[], run: Run): Promise<string> {
  try {
    await runCommand(files, run);
    return 'ok';
  } catch (error) {
    if (!isExpectedError(error)) throw error;
    for (const line of error.message.split('\n')) {
      expect(line.trim(), 'an empty line in an error message').not.toBe('');
      expect(line, 'a stack trace in an error message').not.toMatch(/^\s+at /);
    }
    // Only a card's error lists several problems, one a line; every other error is one line.
    if (error.name !== 'CardError') expect(error.message).not.toContain('\n');
    return error.message;
  }
}

async function runCommand(files: readonly string[], run: Run): Promise<void> {
  const card = await openCard(run.rates);
  const zone = card.timezone;
  const options: InvoiceOptions = {
    card, zone, inputZone: TimeZone.of('UTC'), period: periodFromFlags({}, zone), groupBy: run.format === 'focus' ? ['project', 'api_key', 'customer', 'day'] : [],
    map: new Map(), skipInvalid: run.skipInvalid, allowUnpriced: false, byteScanner: !run.textOnly, threads: 1,
  };
  if (run.command === 'invoice') {
    const invoice = await computeInvoice(files, { ...options, daily: run.format === 'html' });
    (await renderer('invoice', run.format))(invoice, PLAIN);
  } else if (run.command === 'balance') {
    const account = accountFrom({ balance: '20' }, {}, card);
    const result = await runBalance(files, { ...options, account, projectionDays: 30, dailySpend: undefined });
    (await renderer('balance', run.format === 'focus' ? 'json' : run.format))(result, PLAIN);
  } else {
    const result = await runAudit(files, { ...options, tier: 'paid', idleRatio: 2, limits: {}, keepPerCode: 1000 });
    (await renderer('audit', run.format === 'focus' ? 'json' : run.format))(result, PLAIN);
  }
}
