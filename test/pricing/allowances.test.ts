import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCard } from '../../src/rates/load.js';
import { cardJsonSchema } from '../../src/rates/schema.js';
import { CardError } from '../../src/util/errors.js';
import { runBinary } from '../cli/binary.js';
import { amounts, invoiceOf } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tallyman-allowances-'));
let count = 0;
function file(text: string): string {
  const path = join(dir, `card-${count++}.yaml`);
  writeFileSync(path, text);
  return path;
}

/** The built-in Tencent card with its published monthly free quotas applied (an account that has them), and packs. */
const tencent = (packs = '') => file(`name: my-tencent
extends: tencent-asr
use_free_quota: true
${packs}`);

/** Recording-file transcripts of `hours` at 10:00 Beijing time (02:00 UTC) on `day`. */
const file_ = (id: string, day: string, hours: number, model = 'file') =>
  ({ kind: 'transcript', id, timestamp: `${day}T02:00:00Z`, model, audio_duration: String(hours * 3600) });

describe('free quotas (Tencent: 10 h of recording-file recognition a month, valid that month only)', () => {
  it('is not applied on the built-in card: 6 h = 6 × 1.0 = 6.00', async () => {
    const invoice = await invoiceOf([file_('a', '2026-05-01', 6)], 'tencent-asr');
    expect(invoice.total.toFixed(2)).toBe('6.00');
  });

  it('is used first, in time order: 6 h on May 1 and 6 h on May 2 → 10 h free, 2 h at 1.0 = 2.00', async () => {
    const invoice = await invoiceOf([file_('b', '2026-05-02', 6), file_('a', '2026-05-01', 6)], loadCard(tencent()));
    expect(amounts(invoice)).toEqual({ 'file-asr/file/free quota': '0.00', 'file-asr/file/< 300 h': '2.00' });
    expect(invoice.lines.find((l) => l.tier === 'free quota')!.baseQuantity).toBe(10 * 3_600_000);
  });

  it('is never carried over: 2 h in May and 12 h in June → May free, June 10 h free + 2 h = 2.00', async () => {
    const invoice = await invoiceOf([file_('a', '2026-05-20', 2), file_('b', '2026-06-03', 12)], loadCard(tencent()));
    expect(invoice.total.toFixed(2)).toBe('2.00');
  });

  it('by day, the days after the quota pay: May 1 free, May 2 pays its 2 h', async () => {
    const invoice = await invoiceOf([file_('a', '2026-05-01', 6), file_('b', '2026-05-02', 6)], loadCard(tencent()), { groupBy: ['day'] });
    expect(amounts(invoice)).toEqual({
      'file-asr/file/free quota/2026-05-01': '0.00',
      'file-asr/file/free quota/2026-05-02': '0.00',
      'file-asr/file/< 300 h/2026-05-02': '2.00',
    });
  });

  it('is shared within a day in proportion to usage: 8 h of file and 4 h of file-large on one day', async () => {
    // 10 h free over 12 h: file 8 × 10/12 = 6.67 h (6 h 40 min), file-large 3.33 h (3 h 20 min);
    // paid: file 1.33 h × 1.0 = 1.33, file-large 0.67 h × 1.8 = 1.20.
    const invoice = await invoiceOf([file_('a', '2026-05-01', 8), file_('b', '2026-05-01', 4, 'file-large')], loadCard(tencent()));
    expect(amounts(invoice)).toEqual({
      'file-asr/file/free quota': '0.00',
      'file-asr/file/< 300 h': '1.33',
      'file-asr/file-large/free quota': '0.00',
      'file-asr/file-large/< 300 h': '1.20',
    });
  });
});

describe('prepaid packs (used after the free quota, before pay-as-you-go, the one expiring first first)', () => {
  const packs = `products:
  - id: file-asr
    packs:
      - { id: late, quantity: "100", start: 2026-05-01, expiry: 2027-05-01 }
      - { id: soon, quantity: "3", start: 2026-05-01, expiry: 2026-06-01 }
`;

  it('15 h in May: 10 h quota, 3 h from the pack expiring first, 2 h from the other, nothing to pay', async () => {
    const invoice = await invoiceOf([file_('a', '2026-05-05', 15)], loadCard(tencent(packs)));
    const quantity = (tier: string) => invoice.lines.find((l) => l.tier === tier)!.baseQuantity / 3_600_000;
    expect([quantity('free quota'), quantity('pack soon'), quantity('pack late')]).toEqual([10, 3, 2]);
    expect(invoice.total.toFixed(2)).toBe('0.00');
  });

  it('a pack is not used before its start or from its expiry on: 12 h on 2026-04-30 pays 2 h after the quota', async () => {
    const invoice = await invoiceOf([file_('a', '2026-04-30', 12)], loadCard(tencent(packs)));
    expect(invoice.total.toFixed(2)).toBe('2.00');
  });

  it('what a pack has left carries over to later months, until it expires', async () => {
    // May, 100 h: 10 h quota + 3 h of soon + 87 h of late. June, 30 h: 10 h quota + the 13 h left of
    // late + 7 h paid at 1.0 = 7.00.
    const invoice = await invoiceOf([file_('a', '2026-05-05', 100), file_('b', '2026-06-05', 30)], loadCard(tencent(packs)));
    expect(invoice.total.toFixed(2)).toBe('7.00');
  });

  it('--month: usage before the period uses the pack up unbilled, so the month costs what it does in the whole invoice', async () => {
    // As above: May's 100 h use 10 h quota + 3 h of soon + 87 h of late, leaving 13 h of late; June's 30 h:
    // 10 h quota + 13 h of late + 7 h × 1.0 = 7.00, with --month 2026-06 as without (before: 0.00, late looked unused).
    const card = loadCard(tencent(packs));
    const rows = [file_('a', '2026-05-05', 100), file_('b', '2026-06-05', 30)];
    const june = await invoiceOf(rows, card, { month: '2026-06' });
    expect(june.total.toFixed(2)).toBe('7.00');
    expect(june.lines.find((l) => l.tier === 'pack late')!.baseQuantity).toBe(13 * 3_600_000);
    expect(june.tally.excluded).toBe(1);
    const byMonth = await invoiceOf(rows, card, { groupBy: ['month'] });
    expect(amounts(byMonth)['file-asr/file/< 300 h/2026-06']).toBe('7.00');
  });
});

describe('minimum billable seconds per request', () => {
  const card = file(`name: minimum
products:
  - id: stt
    kind: transcript
    minimum: 15
    models: { m: "3.6" }
`);
  it('bills a 3 s request as 15 s: 10 × 15 s = 150 s at 3.6/h (0.001/s) = 0.15', async () => {
    const rows = Array.from({ length: 10 }, (_, i) => ({ kind: 'transcript', id: `r${i}`, timestamp: '2026-05-01T00:00:00Z', model: 'm', audio_duration: '3' }));
    const invoice = await invoiceOf(rows, loadCard(card));
    expect(invoice.lines[0]!.baseQuantity).toBe(150_000);
    expect(invoice.total.toFixed(2)).toBe('0.15');
  });
  it('leaves a longer request as it is: 20.5 s is 21 s (increment 1 s), 0.021', async () => {
    const invoice = await invoiceOf([{ kind: 'transcript', id: 'r', timestamp: '2026-05-01T00:00:00Z', model: 'm', audio_duration: '20.5' }], loadCard(card));
    expect(invoice.lines[0]!.baseQuantity).toBe(21_000);
  });
});

describe('the new shapes are validated with their JSON path and line', () => {
  function problems(text: string): string[] {
    const path = file(text);
    try {
      loadCard(path);
    } catch (error) {
      expect(error).toBeInstanceOf(CardError);
      return (error as Error).message.split('\n').map((line) => line.slice(path.length));
    }
    throw new Error('expected a CardError');
  }

  it('refuses a pack that expires before it starts, two packs of one id, a minimum on a per-request product', () => {
    expect(problems(`name: bad
products:
  - id: p
    kind: transcript
    unit: request
    minimum: 3
    models: { m: "0.01" }
    packs:
      - { id: a, quantity: "10", start: 2026-05-01, expiry: 2026-04-01 }
      - { id: a, quantity: "10", start: 2026-05-01, expiry: 2026-06-01 }
`)).toEqual([
      ':9: products[0].packs[0].expiry: must be after the start: a pack is usable from its start until the start of its expiry date',
      ':6: products[0].minimum: a product priced per request bills each request once: a minimum duration means nothing here',
      ':10: products[0].packs[1].id: "a" is the id of another pack too; give each pack its own id',
    ]);
  });

  it('refuses a free quota, packs or a minimum on an llm product (they apply to durations, never to tokens)', () => {
    const why = (what: string) => `an llm product cannot have ${what} (tallyman applies it to durations, never to tokens); remove it`;
    expect(problems(`name: bad
products:
  - id: l
    kind: llm
    minimum: 5
    free_quota: { quantity: "1", period: month }
    packs:
      - { id: a, quantity: "10", start: 2026-05-01, expiry: 2026-06-01 }
    models: { m: { input: "1", output: "2" } }
`)).toEqual([
      `:6: products[0].free_quota: ${why('a free quota')}`,
      `:8: products[0].packs: ${why('packs')}`,
      `:5: products[0].minimum: ${why('a minimum duration')}`,
    ]);
  });

  it('says the real reason inside a price or a pack (they said "the file is not a JSON or YAML object of settings")', () => {
    expect(problems(`name: bad
products:
  - id: p
    kind: transcript
    models:
      a: { package: { size: 1, price: "1" } }
      b: { package: { size: 1, price: "1", period: month }, tiers: { mode: volume, period: month, table: [ { up_to: null, price: "1" } ] } }
    packs: [ { id: p, start: 2026-01-01, expiry: 2026-02-01 } ]
`)).toEqual([
      ':8: products[0].packs[0].quantity: is missing',
      ':6: products[0].models.a.package.period: is missing (it must be one of day, month, none)',
      ':7: products[0].models.b: gives package and tiers together: give one of them',
    ]);
  });

  it('refuses a flat fee or package price that is not money, a package of size 0, an unknown key', () => {
    expect(problems(`name: bad
products:
  - id: p
    kind: transcript
    models:
      m: { tiers: { mode: graduated, period: month, table: [ { up_to: 10, price: "1", flat: "-5" }, { up_to: null, price: "0.5" } ] } }
      n: { package: { size: 0, price: "5", period: month } }
    free_quota: { quantity: "10", period: month, month: 5 }
`)).toEqual([
      ':8: products[0].free_quota.month: is not a known key (check its spelling)',
      ':6: products[0].models.m.tiers.table[0].flat: must be a non-negative decimal such as "0.37"',
      ':7: products[0].models.n.package.size: must be above 0',
    ]);
  });

  it('names quota and pack models the product does not price', () => {
    expect(problems(`name: bad
products:
  - id: p
    kind: transcript
    models: { m: "1" }
    free_quota: { quantity: "10", period: month, models: [x] }
`)).toEqual([': products[0].free_quota.models[0]: "x" is not a model of this product']);
  });

  it('are in the JSON Schema', () => {
    const text = JSON.stringify(cardJsonSchema());
    for (const key of ['"flat"', '"package"', '"minimum"', '"free_quota"', '"packs"', '"expiry"', '"use_free_quota"', '"request"']) expect(text).toContain(key);
  });
});

describe('rates show', () => {
  it('lists a product\'s free quota and packs, as text and JSON', () => {
    const text = runBinary(['rates', 'show', 'fixtures/cards/tencent-quota.yaml']);
    expect(text.stdout).toContain('    free quota: 10 hours per month, used first, never carried over\n    pack may-2026: 100 hours from 2026-05-01 until 2027-05-01\n');
    const json = JSON.parse(runBinary(['rates', 'show', 'fixtures/cards/api-calls.yaml', '--format', 'json']).stdout);
    expect(json.versions[0].products[1]).toMatchObject({ id: 'speech', minimum: 15 });
    expect(json.versions[0].products[0].models.packaged).toEqual({ package: { size: '2', free: '2', price: '1', period: 'month' } });
    // The built-in card's opt-in quotas are not applied, so not shown.
    expect(runBinary(['rates', 'show', 'tencent-asr']).stdout).not.toContain('free quota');
  });
});
