import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decimal as DecimalJs } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeInvoice, type Invoice } from '../../src/engine/index.js';
import type { RawFields } from '../../src/ingest/record.js';
import { periodFromFlags } from '../../src/pricing/period.js';
import { loadCard } from '../../src/rates/load.js';
import { TimeZone } from '../../src/util/time.js';
import { allocate, allocateExact, evenPart } from '../../src/pricing/allocate.js';
import { renderInvoiceJson } from '../../src/report/invoice.js';
import { Decimal } from '../../src/util/decimal.js';
import { invoiceOf, records } from '../helpers.js';

const models = ['universal-3-pro', 'universal-2'];
const features = ['', 'speaker_labels', 'entity_detection;sentiment_analysis'];

/** Random valid rows of every kind in May 2026. */
const row: fc.Arbitrary<RawFields> = fc.oneof(
  fc.record({
    kind: fc.constant('transcript'),
    timestamp: fc.integer({ min: 0, max: 30 * 86400 - 1 }).map((s) => new Date(Date.UTC(2026, 4, 1) + s * 1000).toISOString()),
    model: fc.constantFrom(...models),
    audio_duration: fc.integer({ min: 0, max: 7200_000 }).map((ms) => (ms / 1000).toFixed(3)),
    channels: fc.integer({ min: 1, max: 4 }).map(String),
    features: fc.constantFrom(...features),
    status: fc.constantFrom('completed', 'completed', 'error'),
    project: fc.constantFrom('a', 'b', 'c'),
    customer_id: fc.constantFrom('x', 'y'),
  }),
  fc.record({
    kind: fc.constant('stream'),
    timestamp: fc.integer({ min: 0, max: 30 * 86400 - 1 }).map((s) => new Date(Date.UTC(2026, 4, 1) + s * 1000).toISOString()),
    model: fc.constant('universal-streaming'),
    audio_duration: fc.integer({ min: 0, max: 3600 }).map(String),
    // A session is never shorter than the audio it carried (that is an input error).
    session_duration: fc.integer({ min: 3600, max: 20000 }).map(String),
    terminated: fc.constantFrom('true', 'false'),
    project: fc.constantFrom('a', 'b'),
  }),
  fc.record({
    kind: fc.constant('llm'),
    timestamp: fc.integer({ min: 0, max: 30 * 86400 - 1 }).map((s) => new Date(Date.UTC(2026, 4, 1) + s * 1000).toISOString()),
    model: fc.constantFrom('gpt-5', 'claude-haiku-4.5'),
    input_tokens: fc.integer({ min: 0, max: 2_000_000 }).map(String),
    output_tokens: fc.integer({ min: 0, max: 200_000 }).map(String),
    project: fc.constantFrom('a', 'b', 'c'),
  }),
);
const rows = fc.array(row, { minLength: 1, maxLength: 40 }).map((rs) => rs.map((r, i) => ({ ...r, id: `r${i}` })));

/** The same usage on Tencent's model names (it has no LLM product): large volumes reach higher tiers. */
const TENCENT_MODEL: Record<string, string> = { 'universal-3-pro': 'file-large', 'universal-2': 'file', 'universal-streaming': 'realtime' };
function forTencent(rs: RawFields[]): RawFields[] {
  return rs.filter((r) => r.kind !== 'llm').map((r) => ({
    ...r, features: '', model: TENCENT_MODEL[r.model!]!, audio_duration: String(Number(r.audio_duration) * 200),
    ...(r.session_duration === undefined ? {} : { session_duration: String(Number(r.session_duration) * 200) }),
  }));
}
const tencentRows = rows.map(forTencent).filter((rs) => rs.length > 0);

describe('invoice invariants', () => {
  it('the order of records does not change the invoice', async () => {
    await fc.assert(
      fc.asyncProperty(rows, fc.infiniteStream(fc.nat()), async (rs, seeds) => {
        const shuffled = [...rs].sort(() => (seeds.next().value % 3) - 1);
        const a = renderInvoiceJson(await invoiceOf(rs, 'assemblyai', { groupBy: ['project'] }));
        const b = renderInvoiceJson(await invoiceOf(shuffled, 'assemblyai', { groupBy: ['project'] }));
        expect(b).toBe(a);
      }),
      { numRuns: 40 },
    );
  });

  it('splitting a log across files does not change the invoice', async () => {
    await fc.assert(
      fc.asyncProperty(tencentRows, fc.nat(), async (rs, cut) => {
        const at = cut % (rs.length + 1);
        const whole = await invoiceOf(records(rs), 'tencent-asr');
        const split = await invoiceOf([...records(rs.slice(0, at), 'a.csv'), ...records(rs.slice(at), 'b.csv')], 'tencent-asr');
        expect(split.lines.map((l) => [l.product, l.model, l.tier, l.baseQuantity, l.amount.toString()])).toEqual(
          whole.lines.map((l) => [l.product, l.model, l.tier, l.baseQuantity, l.amount.toString()]),
        );
        expect(split.total.toString()).toBe(whole.total.toString());
      }),
      { numRuns: 40 },
    );
  });

  it('grouping by a dimension never changes the billed quantity per product and model', async () => {
    await fc.assert(
      fc.asyncProperty(tencentRows, async (rs) => {
        const flat = await invoiceOf(rs, 'tencent-asr');
        const grouped = await invoiceOf(rs, 'tencent-asr', { groupBy: ['project'] });
        const sum = (inv: typeof flat) => inv.lines.reduce((s, l) => s + l.baseQuantity, 0);
        expect(sum(grouped)).toBe(sum(flat));
        // Exact amounts agree to 20 decimals (a repeating decimal is cut at 40 significant digits).
        const exact = (inv: typeof flat) => inv.lines.reduce((s, l) => s.plus(l.amountExact), new Decimal(0)).toDecimalPlaces(20).toString();
        expect(exact(grouped)).toBe(exact(flat));
      }),
      { numRuns: 40 },
    );
  });
});

/**
 * The assemblyai card's rates in force from 2026-03-04 (its last version), written out by hand from
 * src/rates/builtin/assemblyai.ts: USD per hour of audio or session, per 1M tokens. Aliases name the
 * model billed.
 */
const HAND = {
  transcript: { models: { 'universal-3-pro': '0.21', 'universal-2': '0.15', universal: '0.15', 'slam-1': '0.27' } as Record<string, string>, aliases: { best: 'universal-3-pro', nano: 'universal-2' } as Record<string, string>, default: 'universal-3-pro',
    addons: { speaker_labels: '0.02', entity_detection: '0.08', sentiment_analysis: '0.02', redact_pii: '0.08', medical_mode: '0.15' } as Record<string, string> },
  stream: { models: { 'universal-streaming': '0.15', 'u3-rt-pro': '0.45', 'whisper-streaming': '0.30' } as Record<string, string>, aliases: { streaming: 'universal-streaming' } as Record<string, string>, default: 'universal-streaming',
    addons: { speaker_labels: '0.12', keyterms_prompt: '0.04' } as Record<string, string> },
  llm: { models: { 'gpt-5': ['1.25', '10'], 'gpt-5-nano': ['0.05', '0.40'], 'claude-haiku-4.5': ['1', '5'], 'gemini-2.5-flash-lite': ['0.10', '0.40'] } as Record<string, [string, string]>,
    aliases: { 'claude-haiku-4-5-20251001': 'claude-haiku-4.5' } as Record<string, string> },
};
const HOUR_MS = 3_600_000;
const MAX_SESSION_MS = 10_800_000;

/** Milliseconds as decimal seconds, exactly (`12`, `12.5`, `12.500`, `0.004`). */
const msText = (ms: number, trim: boolean): string => {
  const text = `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}`;
  return trim ? text.replace(/\.?0+$/, '') || '0' : text;
};
/** A usage row in April 2026 (after the card's last effective_from), with its hand-known quantities beside it. */
interface HandRow { raw: RawFields; ms: number; closed: boolean }
const april = fc.integer({ min: 0, max: 30 * 86400 - 1 }).map((s) => Date.UTC(2026, 3, 1) + s * 1000);
const id = fc.constantFrom('a', 'b', 'c', undefined);
const handRow: fc.Arbitrary<HandRow> = fc.oneof(
  fc.record({ at: april, id, model: fc.constantFrom(undefined, 'best', 'nano', ...Object.keys(HAND.transcript.models)), ms: fc.integer({ min: 0, max: 7_200_000 }), trim: fc.boolean(),
    channels: fc.constantFrom(undefined, 1, 2, 3), addons: fc.subarray(Object.keys(HAND.transcript.addons)), failed: fc.boolean() })
    .map(({ at, id, model, ms, trim, channels, addons, failed }) => ({ ms, closed: true, raw: {
      kind: 'transcript', id, timestamp: new Date(at).toISOString(), model, audio_duration: msText(ms, trim), channels: channels === undefined ? undefined : String(channels),
      features: addons.join(';'), status: failed ? 'error' : 'completed' } })),
  fc.record({ at: april, id, model: fc.constantFrom(undefined, 'streaming', ...Object.keys(HAND.stream.models)), ms: fc.integer({ min: 0, max: 20_000_000 }), trim: fc.boolean(),
    how: fc.constantFrom('duration', 'terminated', 'ended', 'unterminated', 'open'), channels: fc.constantFrom(undefined, '2'), addons: fc.subarray(Object.keys(HAND.stream.addons)) })
    .map(({ at, id, model, ms, trim, how, channels, addons }) => ({ ms, closed: how === 'duration' || how === 'terminated' || how === 'ended', raw: {
      kind: 'stream', id, timestamp: new Date(at).toISOString(), model, channels, features: addons.join(';'), audio_duration: String(Math.min(60, Math.floor(ms / 1000))),
      ...(how === 'ended' ? { started_at: new Date(at).toISOString(), ended_at: new Date(at + ms).toISOString() } : {}),
      ...(how === 'duration' || how === 'terminated' || how === 'unterminated' ? { session_duration: msText(ms, trim) } : {}),
      ...(how === 'terminated' ? { terminated: 'true' } : how === 'unterminated' ? { terminated: 'false' } : {}) } })),
  fc.record({ at: april, id, model: fc.constantFrom(...Object.keys(HAND.llm.models), ...Object.keys(HAND.llm.aliases)), input: fc.option(fc.integer({ min: 0, max: 3_000_000 })), output: fc.integer({ min: 0, max: 300_000 }) })
    .map(({ at, id, model, input, output }) => ({ ms: 0, closed: true, raw: {
      kind: 'llm', id, timestamp: new Date(at).toISOString(), model, input_tokens: input === null ? undefined : String(input), output_tokens: String(output) } })),
);

/** Each record priced alone, by the card's rules as the docs state them, and the exact amounts summed per invoice line. */
function handPriced(rows: HandRow[]): Map<string, DecimalJs> {
  const Exact = DecimalJs.clone({ precision: 80 });
  const lines = new Map<string, DecimalJs>();
  const add = (key: string, amount: DecimalJs): void => void lines.set(key, (lines.get(key) ?? new Exact(0)).plus(amount));
  const seen = new Set<string>();
  for (const { raw, ms, closed } of rows) {
    // A second record of a kind with the same id is a duplicate: never billed, whatever came first.
    if (raw.id !== undefined) {
      if (seen.has(`${raw.kind}/${raw.id}`)) continue;
      seen.add(`${raw.kind}/${raw.id}`);
    }
    if (raw.kind === 'llm') {
      const model = HAND.llm.aliases[raw.model!] ?? raw.model!;
      const [input, output] = HAND.llm.models[model]!;
      add(`llm-gateway/${model}/input`, new Exact(raw.input_tokens ?? 0).times(input).dividedBy(1_000_000));
      add(`llm-gateway/${model}/output`, new Exact(raw.output_tokens!).times(output).dividedBy(1_000_000));
      continue;
    }
    if (raw.status === 'error') continue; // failed transcripts are free
    const hand = raw.kind === 'transcript' ? HAND.transcript : HAND.stream;
    const product = raw.kind === 'transcript' ? 'prerecorded' : 'streaming';
    const model = raw.model === undefined ? hand.default : (hand.aliases[raw.model] ?? raw.model);
    // Streams bill their session (capped; an unclosed one at the cap); each record rounds up to a whole second.
    const billed = raw.kind === 'stream' ? (closed ? Math.min(ms, MAX_SESSION_MS) : MAX_SESSION_MS) : ms;
    const seconds = Math.ceil(billed / 1000) * 1000;
    const channels = raw.kind === 'transcript' ? Number(raw.channels ?? 1) : 1;
    add(`${product}/${model}/usage`, new Exact(seconds).times(channels).times(hand.models[model]!).dividedBy(HOUR_MS));
    for (const addon of raw.features ? raw.features.split(';') : []) add(`${product}/${model}/${addon}`, new Exact(seconds).times(hand.addons[addon]!).dividedBy(HOUR_MS));
  }
  return lines;
}

const handDir = mkdtempSync(join(tmpdir(), 'tallyman-hand-'));
const HAND_COLUMNS = ['kind', 'id', 'timestamp', 'model', 'audio_duration', 'channels', 'features', 'status', 'started_at', 'ended_at', 'session_duration', 'terminated', 'input_tokens', 'output_tokens'] as const;

/** The same rows as a CSV log, read by the byte scanner. */
async function invoiceOfCsv(rows: RawFields[], n: number): Promise<Invoice> {
  const path = join(handDir, `log-${n}.csv`);
  writeFileSync(path, [HAND_COLUMNS.join(','), ...rows.map((r) => HAND_COLUMNS.map((c) => r[c] ?? '').join(','))].join('\n') + '\n');
  const card = loadCard('assemblyai');
  return computeInvoice([path], { card, zone: card.timezone, inputZone: TimeZone.of('UTC'), period: periodFromFlags({}, card.timezone), groupBy: [], map: new Map(), skipInvalid: false, allowUnpriced: false });
}

describe('the invoice against a log priced by hand', () => {
  it('each line is the exact sum of its records priced one by one: channels, add-ons, caps, failures, duplicates', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(handRow, { minLength: 1, maxLength: 30 }), async (rows) => {
        const expected = handPriced(rows);
        const raws = rows.map((r) => r.raw);
        for (const invoice of [await invoiceOf(raws, 'assemblyai'), await invoiceOfCsv(raws, n++)]) {
          // The engine keeps 40 significant digits; the hand sums 80-digit parts.
          const got = new Map(invoice.lines.map((l) => [`${l.product}/${l.model}/${l.addon ?? l.tokenType ?? 'usage'}`, l.amountExact.toFixed()]));
          const want = new Map([...expected].map(([key, amount]) => [key, amount.toSignificantDigits(40, DecimalJs.ROUND_HALF_EVEN).toFixed()]));
          expect(Object.fromEntries(got)).toEqual(Object.fromEntries(want));
          const total = [...expected.values()].reduce((sum, amount) => sum.plus(amount.toDecimalPlaces(2, DecimalJs.ROUND_HALF_UP)), new DecimalJs(0));
          expect(invoice.total.toFixed(2)).toBe(total.toFixed(2));
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('allocate', () => {
  it('parts always add up to the whole and stay within one unit of the exact share', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e12 }), fc.array(fc.integer({ min: 0, max: 1e9 }), { minLength: 1, maxLength: 20 }), (total, weights) => {
        const parts = allocate(total, weights);
        expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
        const sum = weights.reduce((a, b) => a + b, 0);
        parts.forEach((part, i) => {
          const exact = sum === 0 ? total / weights.length : (total * weights[i]!) / sum;
          expect(Math.abs(part - exact)).toBeLessThanOrEqual(1 + 1e-6 * exact);
        });
      }),
    );
  });

  it('money past 2^53 minor units splits exactly (bigint): the parts add up to the whole', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 24n }), fc.array(fc.bigInt({ min: 0n, max: 10n ** 12n }), { minLength: 1, maxLength: 20 }), (total, weights) => {
        expect(allocateExact(total, weights).reduce((a, b) => a + b, 0n)).toBe(total);
      }),
    );
    // 1e18 + 470 cents over 3601 : 3599 : 36000: the last gets 5/6 of it = 833333333333333725 cents exactly.
    expect(allocateExact(1000000000000000470n, [3601n, 3599n, 36000n])[2]).toBe(833333333333333725n);
  });

  it('evenPart gives each part of an even split as allocate does, without the array (an estimate\'s sessions)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 53 - 1 }), fc.integer({ min: 1, max: 50 }), (total, n) => {
        const parts = allocate(total, Array.from({ length: n }, () => 1));
        expect(parts.map((_, i) => evenPart(total, n, i))).toEqual(parts);
      }),
    );
    expect([0, 1, 2].map((i) => evenPart(100, 3, i))).toEqual([34, 33, 33]);
  });

  it('hands leftover units to the largest remainders: 100 over 1:1:1 is 34, 33, 33', () => {
    expect(allocate(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(allocate(10, [0, 0])).toEqual([5, 5]);
    expect(allocate(7, [2, 5])).toEqual([2, 5]);
  });

  it('equal weights (its fast way) split as the rule says: the leftover to the earliest parts, exact past 2^53 products', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 1e9 }), (total, n, w) => {
        const parts = allocate(total, Array.from({ length: n }, () => w));
        // Worked out independently with BigInt: floor share each, the first (total mod n) get one more.
        const share = BigInt(total) / BigInt(n);
        const extra = Number(BigInt(total) % BigInt(n));
        expect(parts).toEqual(Array.from({ length: n }, (_, i) => Number(share) + (i < extra ? 1 : 0)));
      }),
    );
  });

  it('the daily shares of a chart add up to each product and to the total, and change no line', async () => {
    const dims = fc.subarray(['project', 'customer', 'day', 'month'] as const);
    await fc.assert(
      fc.asyncProperty(fc.oneof(rows.map((rs) => ({ rs, card: 'assemblyai' })), tencentRows.map((rs) => ({ rs, card: 'tencent-asr' }))), dims, async ({ rs, card }, groupBy) => {
        const plain = await invoiceOf(rs, card, { groupBy: [...groupBy], allowUnpriced: true });
        const charted = await invoiceOf(rs, card, { groupBy: [...groupBy], allowUnpriced: true, daily: true });
        expect(renderInvoiceJson(charted)).toBe(renderInvoiceJson(plain));
        const daily = charted.daily!;
        expect(daily.reduce((sum, d) => sum.plus(d.amount), new Decimal(0)).toFixed(2)).toBe(charted.total.toFixed(2));
        for (const s of charted.subtotals) {
          expect(daily.filter((d) => d.product === s.product).reduce((sum, d) => sum.plus(d.amount), new Decimal(0)).toFixed(2)).toBe(s.amount.toFixed(2));
        }
        // Every share lies on a day of the log, in the card's zone, and no product-day appears twice.
        const keys = daily.map((d) => `${d.day}/${d.product}`);
        expect(new Set(keys).size).toBe(keys.length);
        for (const d of daily) expect(d.day).toMatch(/^2026-0[56]-\d\d$/);
      }),
      { numRuns: 150 },
    );
  });
});
