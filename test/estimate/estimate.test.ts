import { describe, expect, it } from 'vitest';
import { runEstimate, type EstimateResult } from '../../src/estimate/index.js';
import { parseCountText, parseDuration } from '../../src/estimate/quantities.js';
import { usageFromFlags, type EstimateFlags } from '../../src/estimate/usage.js';
import { loadCard } from '../../src/rates/load.js';
import { UsageError } from '../../src/util/errors.js';

async function estimate(flags: Partial<EstimateFlags>, cards = ['assemblyai']): Promise<EstimateResult> {
  return runEstimate(usageFromFlags({ period: 'month', ...flags }), cards.map((c) => loadCard(c)), 'test');
}
const totals = (r: EstimateResult) => r.estimates.map((e) => `${e.card.name} ${e.invoice.total.toFixed(e.card.rounding.scale)}`);

describe('durations and counts', () => {
  it.each([
    ['90s', 90_000], ['45m', 2_700_000], ['1.5h', 5_400_000], ['01:30:00', 5_400_000], ['1:30:00', 5_400_000], ['90:00', 5_400_000], ['0.0004s', 1], ['120h', 432_000_000],
  ])('%s is %i ms', (text, ms) => expect(parseDuration(text, '--transcribe')).toBe(ms));

  it.each(['2x', '1.5', '-1h', 'h', '01:60:00', '', '1e3s'])('refuses %j with a hint', (text) => {
    expect(() => parseDuration(text, '--transcribe')).toThrow(/is not a duration: write 90s, 45m, 1\.5h or 01:30:00/);
  });

  it.each([['1200', 1200], ['200k', 200_000], ['5M', 5_000_000], ['1.5M', 1_500_000], ['2B', 2_000_000_000]])('%s is %i', (text, n) => expect(parseCountText(text, '--input-tokens')).toBe(n));

  it.each(['1.5', '5MM', '-3', 'lots', '0.0001k'])('refuses count %j', (text) => {
    expect(() => parseCountText(text, '--input-tokens')).toThrow(UsageError);
  });
});

describe('estimates computed by hand', () => {
  it('flat: 500 h of universal-3-pro with diarization = 500 × 0.21 + 500 × 0.02 = 105.00 + 10.00', async () => {
    const r = await estimate({ transcribe: '500h', model: 'universal-3-pro', features: 'speaker_labels' });
    expect(r.estimates[0]!.invoice.lines.map((l) => l.amount.toFixed(2))).toEqual(['105.00', '10.00']);
    expect(totals(r)).toEqual(['assemblyai 115.00']);
  });

  it('channels multiply the model rate, not the add-on: 10 h × 2 channels × 0.15 = 3.00', async () => {
    const r = await estimate({ transcribe: '10h', model: 'universal-2', channels: '2' });
    expect(totals(r)).toEqual(['assemblyai 3.00']);
  });

  it('tokens: 50M in × 3 + 5M out × 15 per 1M = 150.00 + 75.00', async () => {
    const r = await estimate({ llmModel: 'claude-sonnet-4.5', inputTokens: '50M', outputTokens: '5M' });
    expect(totals(r)).toEqual(['assemblyai 225.00']);
  });

  it('unclosed sessions at the cap: 300 h over 1200 sessions is 15 min each; 1180 × 0.25 h + 20 × 3 h = 355 h × 0.15 = 53.25', async () => {
    const r = await estimate({ stream: '300h', sessions: '1200', unclosed: '20' });
    expect(r.estimates[0]!.invoice.lines[0]!.baseQuantity).toBe(355 * 3_600_000);
    expect(totals(r)).toEqual(['assemblyai 53.25']);
    expect(r.estimates[0]!.notes).toContain('20 of 1200 session(s) unclosed, each billed at the cap of 3 h instead of its share of the audio');
  });

  it('on a card that bills streaming on audio, unclosed sessions cost their audio only: 300 h / 30 = 10 h a day × 1.4 = 420.00', async () => {
    const r = await estimate({ stream: '300h', sessions: '1200', unclosed: '20', streamModel: 'realtime' }, ['tencent-asr']);
    expect(totals(r)).toEqual(['tencent-asr 420.00']);
  });

  it('tiered, spread over the month: 9450 h a month on Tencent real-time is 315 h a day → 315 × 1.2 × 30 = 11340.00', async () => {
    const r = await estimate({ stream: '9450h', streamModel: 'realtime' }, ['tencent-asr']);
    const e = r.estimates[0]!;
    expect(e.invoice.lines.map((l) => [l.tier, l.rate.toString()])).toEqual([['300–1000 h', '1.2']]);
    expect(totals(r)).toEqual(['tencent-asr 11340.00']);
    expect(e.notes[0]).toMatch(/spread evenly over 30 days/);
  });

  it('the spreading note names what on the card depends on the day (a flat price with a free quota has no daily tiers)', async () => {
    // 100 h of file on tencent-quota: 10 h quota + 90 h of the 100 h pack, nothing to pay.
    const r = await estimate({ transcribe: '100h' }, ['fixtures/cards/tencent-quota.yaml']);
    expect(r.estimates[0]!.notes).toContain("card tencent-quota has daily tiers, free quotas and packs: the month's usage is spread evenly over 30 days (--days-per-month)");
    expect(totals(r)).toEqual(['tencent-quota 0.00']);
    expect((await estimate({ stream: '9450h', streamModel: 'realtime' }, ['tencent-asr'])).estimates[0]!.notes[0]).toMatch(/^card tencent-asr has daily tiers: /);
  });

  it('--days-per-month changes the spreading: 9450 h over 31 days is 304.8 h a day, still 1.2', async () => {
    const r = await estimate({ stream: '9450h', streamModel: 'realtime', daysPerMonth: '31' }, ['tencent-asr']);
    expect(totals(r)).toEqual(['tencent-asr 11340.00']);
    const lower = await estimate({ stream: '9000h', streamModel: 'realtime', daysPerMonth: '31' }, ['tencent-asr']);
    // 9000 h / 31 days = 290.3 h a day: the first tier, 9000 × 1.4 = 12600.00
    expect(totals(lower)).toEqual(['tencent-asr 12600.00']);
  });

  it('one day: --period day puts the whole quantity in one day: 315 h → 378.00', async () => {
    const r = await estimate({ stream: '315h', streamModel: 'realtime', period: 'day' }, ['tencent-asr']);
    expect(totals(r)).toEqual(['tencent-asr 378.00']);
  });
});

describe('side by side', () => {
  it('prices the same usage on each card in the order given, and names the cheapest', async () => {
    // Tencent file: 500 h / 30 days = 16.7 h a day → 1.0 → 500.00; AssemblyAI universal-2: 500 × 0.15 = 75.00
    const r = await estimate({ transcribe: '500h', model: 'universal-2' }, ['tencent-asr', 'assemblyai']);
    expect(totals(r)).toEqual(['tencent-asr 500.00', 'assemblyai 75.00']);
    expect(r.cheapest!.card.name).toBe('assemblyai');
    expect(r.estimates[0]!.notes).toContain('"universal-2" is not on tencent-asr: pre-recorded transcription priced at its default model file');
  });

  it('a product the card does not offer shows as not offered, and the card is not compared', async () => {
    const r = await estimate({ transcribe: '10h', llmModel: 'gpt-5', inputTokens: '1M' }, ['assemblyai', 'tencent-asr']);
    const tencent = r.estimates[1]!;
    expect([tencent.complete, tencent.notOffered]).toEqual([false, ['LLM gateway']]);
    expect(r.cheapest!.card.name).toBe('assemblyai');
  });

  it('a usage file holds several products at once', async () => {
    const r = await estimate({ usage: 'fixtures/estimate/usage.yaml' });
    // 105 + 10 (transcription) + 53.25 (streaming) + 150 + 75 (LLM) = 393.25
    expect(totals(r)).toEqual(['assemblyai 393.25']);
  });
});
