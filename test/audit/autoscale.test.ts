import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { autoScaleBreaches } from '../../src/audit/autoscale.js';
import { runAudit, type AuditResult } from '../../src/audit/index.js';
import { periodFromFlags } from '../../src/pricing/period.js';
import type { AutoScale } from '../../src/rates/card.js';
import { loadCard } from '../../src/rates/load.js';
import { TimeColumn } from '../../src/util/columns.js';
import { Decimal } from '../../src/util/decimal.js';
import { TimeZone } from '../../src/util/time.js';

/** The provider's published rule: +10 % a minute at 70 % use or more, down under 50 % (docs streaming/concurrency). */
const PROVIDER: AutoScale = { tiers: ['paid'], rise: new Decimal('0.1'), riseAt: new Decimal('0.7'), decayBelow: new Decimal('0.5') };
const T0 = Date.UTC(2026, 4, 6, 10);

/** Session starts: `perMinute[m]` sessions spread over clock minute m (shuffled, to show order does not matter). */
function starts(perMinute: number[]) {
  const times: number[] = [];
  perMinute.forEach((count, m) => {
    for (let i = 0; i < count; i++) times.push(T0 + m * 60_000 + Math.floor((i * 59_000) / Math.max(count, 1)));
  });
  times.reverse();
  const column = new TimeColumn();
  for (const t of times) column.push(t);
  return column;
}
const refused = (perMinute: number[]) => autoScaleBreaches(starts(perMinute), 100, PROVIDER).map((b) => ({ over: b.over, limit: b.limit, peak: b.peak }));

describe('STREAM_RATE auto-scaling, minute by minute', () => {
  it("the provider's own example: 100, 110, 121, 133, 146 and then 161 are all accepted; 162 is one too many", () => {
    // minute 0: limit 100, 100 opened ≥ 70 → step 1; minute 1: floor(100 × 1.1) = 110, 110 ≥ 77 → step 2;
    // minute 2: floor(121) = 121; minute 3: floor(133.1) = 133; minute 4: floor(146.41) = 146;
    // minute 5: floor(161.051) = 161 (the docs: "a maximum of 161 (146 x 1.10)").
    expect(refused([100, 110, 121, 133, 146, 161])).toEqual([]);
    expect(refused([100, 110, 121, 133, 146, 162])).toEqual([{ over: 1, limit: 161, peak: 162 }]);
  });

  it('a burst the provider accepted: 100 then 105 (the fixed limit would refuse 5)', () => {
    // minute 0: 100 of 100 (100 %) → the limit rises to 110; minute 1: 105 ≤ 110.
    expect(refused([100, 105])).toEqual([]);
  });

  it('a true over-limit is still refused: 150 in the first minute, 50 past 100', () => {
    expect(refused([150])).toEqual([{ over: 50, limit: 100, peak: 150 }]);
  });

  it('between 50 % and 70 % the limit holds: 69 then 101 refuses 1; 70 then 101 refuses none', () => {
    // 69 of 100 is 69 %: unchanged at 100, so 101 is one past it. 70 of 100 is 70 %: 110 next minute.
    expect(refused([69, 101])).toEqual([{ over: 1, limit: 100, peak: 101 }]);
    expect(refused([70, 101])).toEqual([]);
  });

  it('under 50 % the limit decays a step a minute, an idle minute too, never below the start', () => {
    // 100 → 110 → (110 of 110) 121. Minute 2 opens 50 of 121 (41 %) → back to 110; minute 3: 115 is 5 past 110.
    expect(refused([100, 110, 50, 115])).toEqual([{ over: 5, limit: 110, peak: 115 }]);
    // The same with minute 2 idle (0 %): the same step down.
    expect(refused([100, 110, 0, 115])).toEqual([{ over: 5, limit: 110, peak: 115 }]);
    // Without the quiet minute, 115 ≤ 121 passes.
    expect(refused([100, 110, 115])).toEqual([]);
    // Ten idle minutes bring it back to 100, not below: 101 then is one too many.
    expect(refused([100, 110, ...Array(10).fill(0), 101])).toEqual([{ over: 1, limit: 100, peak: 101 }]);
  });

  it('thresholds that are not whole counts: rise at 70.7 of 101 (71 rises, 70 holds), decay under 50.5 (50 falls, 51 holds)', () => {
    const at = (perMinute: number[]) => autoScaleBreaches(starts(perMinute), 101, PROVIDER).map((b) => ({ over: b.over, limit: b.limit }));
    // 71 ≥ 70.7: floor(101 × 1.1) = 111 next, so 111 passes and 112 is one past it; 70 < 70.7 holds 101.
    expect(at([71, 111])).toEqual([]);
    expect(at([71, 112])).toEqual([{ over: 1, limit: 111 }]);
    expect(at([70, 102])).toEqual([{ over: 1, limit: 101 }]);
    // Up to 111, then 55 of 111 (49.5 %, under 55.5) falls back to 101; 56 holds 111.
    expect(at([71, 55, 102])).toEqual([{ over: 1, limit: 101 }]);
    expect(at([71, 56, 102])).toEqual([]);
  });

  it('refused sessions do not raise the limit beyond what was opened; consecutive refusing minutes are one breach', () => {
    // minute 0: 300 asked, 100 opened (100 %) → 110; minute 1: 300 asked, 110 opened → 121.
    expect(refused([300, 300])).toEqual([{ over: 200 + 190, limit: 100, peak: 300 }]);
  });
});

const dir = mkdtempSync(join(tmpdir(), 'tallyman-autoscale-'));
function log(perMinute: number[]): string {
  const rows = ['kind,id,timestamp,model,session_duration,terminated'];
  perMinute.forEach((count, m) => {
    for (let i = 0; i < count; i++) rows.push(`stream,m${m}-${i},${new Date(T0 + m * 60_000 + i * 100).toISOString()},universal-streaming,30,true`);
  });
  const path = join(dir, `log-${perMinute.join('-')}.csv`);
  writeFileSync(path, `${rows.join('\n')}\n`);
  return path;
}
async function audit(path: string, tier: 'free' | 'paid', card = 'assemblyai'): Promise<AuditResult> {
  const rates = loadCard(card);
  return runAudit([path], {
    card: rates, zone: rates.timezone, inputZone: TimeZone.of('UTC'), period: periodFromFlags({}, rates.timezone), groupBy: [], map: new Map(),
    skipInvalid: false, allowUnpriced: false, tier, idleRatio: 2, limits: {}, keepPerCode: 1000,
  });
}
const streamRate = (r: AuditResult) => r.findings.filter((f) => f.code === 'STREAM_RATE').map((f) => f.message);

describe('STREAM_RATE in the audit, on the built-in card', () => {
  it('the built-in card scales the paid new-session limit: 100 then 105 is no finding', async () => {
    const r = await audit(log([100, 105]), 'paid');
    expect(r.limits.newStreamsAutoScale?.rise.toString()).toBe('0.1');
    expect(streamRate(r)).toEqual([]);
  });

  it('a card whose limit does not scale still flags the same burst (fixed 100 per sliding minute)', async () => {
    const card = join(dir, 'fixed.json');
    writeFileSync(card, JSON.stringify({ name: 'fixed', extends: 'assemblyai', versions: [{ effective_from: '2026-10-01', limits: { new_streams_per_minute: { free: '5', paid: '100' } } }] }));
    expect(streamRate(await audit(log([100, 105]), 'paid', card))).toHaveLength(1);
  });

  it('a true over-limit is still a finding, with the scaled limit in its message', async () => {
    // minute 0: 100 → 110; minute 1: 130 asked, 20 past 110.
    expect(streamRate(await audit(log([100, 130]), 'paid'))).toEqual([
      '130 new streaming sessions in the minute from 2026-05-06T10:01:00Z (limit 110 then, auto-scaled from 100 on the paid tier): 20 session(s) past the limit are refused (close code 1008)',
    ]);
  });

  it('the free tier does not scale: 5 then 6 refuses one', async () => {
    const r = await audit(log([5, 6]), 'free');
    expect(r.limits.newStreamsAutoScale).toBeUndefined();
    expect(streamRate(r)).toHaveLength(1);
  });
});

describe('auto_scale on a card', () => {
  const write = (scale: object) => {
    const path = join(dir, `scale-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, JSON.stringify({ name: 'scaled', extends: 'assemblyai', versions: [{ effective_from: '2026-10-01', limits: { new_streams_per_minute: { free: '5', paid: '100', auto_scale: scale } } }] }));
    return path;
  };
  it('is validated with its path: a decay above the rise, a rise of 0 %, an unknown tier', () => {
    expect(() => loadCard(write({ tiers: ['paid'], rise: '10%', rise_at: '50%', decay_below: '70%' }))).toThrow(/auto_scale\.decay_below: decay_below must not be above rise_at/);
    expect(() => loadCard(write({ tiers: ['paid'], rise: '0%', rise_at: '70%', decay_below: '50%' }))).toThrow(/auto_scale\.rise: rise must be above 0%/);
    expect(() => loadCard(write({ tiers: ['gold'], rise: '10%', rise_at: '70%', decay_below: '50%' }))).toThrow(/auto_scale\.tiers\[0\]/);
  });
  it('is in the JSON Schema', async () => {
    const { cardJsonSchema } = await import('../../src/rates/schema.js');
    expect(JSON.stringify(cardJsonSchema())).toContain('"decay_below"');
  });
});
