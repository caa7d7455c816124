import { describe, expect, it } from 'vitest';
import { amounts, invoiceOf } from '../helpers.js';

describe('published examples, computed by hand', () => {
  it('Tencent: 315 h of real-time audio in one day is all billed at the 300–1000 h tier: 315 × 1.2 = 378.00', async () => {
    // 315 h as 63 sessions of 5 h (18000 s) on 2026-05-04 in Beijing time.
    const rows = Array.from({ length: 63 }, (_, i) => ({
      kind: 'stream', id: `s${i}`, timestamp: '2026-05-04T02:00:00Z', model: 'realtime', audio_duration: '18000', terminated: 'true',
    }));
    const invoice = await invoiceOf(rows, 'tencent-asr');
    expect(amounts(invoice)).toEqual({ 'realtime-asr/realtime/300–1000 h': '378.00' });
    expect(invoice.total.toFixed(2)).toBe('378.00');
  });

  it('Tencent: exactly 300 h in a day is in the second tier (up_to is exclusive): 300 × 1.2 = 360.00', async () => {
    const rows = Array.from({ length: 60 }, (_, i) => ({
      kind: 'stream', id: `s${i}`, timestamp: '2026-05-04T02:00:00Z', model: 'realtime', audio_duration: '18000', terminated: 'true',
    }));
    const invoice = await invoiceOf(rows, 'tencent-asr');
    expect(invoice.total.toFixed(2)).toBe('360.00');
    expect(invoice.lines[0]!.rate.toString()).toBe('1.2');
  });

  it('Tencent: one second less than 300 h stays in the first tier: 1079999 s × 1.4 / 3600 = 419.9996… → 420.00', async () => {
    const rows = [
      ...Array.from({ length: 59 }, (_, i) => ({ kind: 'stream', id: `s${i}`, timestamp: '2026-05-04T02:00:00Z', model: 'realtime', audio_duration: '18000', terminated: 'true' })),
      { kind: 'stream', id: 'last', timestamp: '2026-05-04T02:00:00Z', model: 'realtime', audio_duration: '17999', terminated: 'true' },
    ];
    const invoice = await invoiceOf(rows, 'tencent-asr');
    expect(invoice.lines[0]!.rate.toString()).toBe('1.4');
    expect(invoice.lines[0]!.amountExact.toDecimalPlaces(6).toString()).toBe('419.999611');
    expect(invoice.total.toFixed(2)).toBe('420.00');
  });

  it('Tencent: tiers reset each Beijing day — 200 h on two days each stay in the first tier: 400 × 1.0 = 400.00 (file)', async () => {
    // 2026-05-04T15:00Z is 23:00 in Beijing, 2026-05-04T16:30Z is 00:30 the next day there.
    const rows = [
      ...Array.from({ length: 40 }, (_, i) => ({ kind: 'transcript', id: `a${i}`, timestamp: '2026-05-04T15:00:00Z', model: 'file', audio_duration: '18000' })),
      ...Array.from({ length: 40 }, (_, i) => ({ kind: 'transcript', id: `b${i}`, timestamp: '2026-05-04T16:30:00Z', model: 'file', audio_duration: '18000' })),
    ];
    const invoice = await invoiceOf(rows, 'tencent-asr');
    expect(invoice.total.toFixed(2)).toBe('400.00');
  });

  it('Tencent bills per second, a part second counted as one: 1.2 s is billed as 2 s', async () => {
    const invoice = await invoiceOf([{ kind: 'transcript', id: 'x', timestamp: '2026-05-04T02:00:00Z', model: 'file', audio_duration: '1.2' }], 'tencent-asr');
    expect(invoice.lines[0]!.baseQuantity).toBe(2000);
  });

  it('a 5-minute file with 3 channels is 15 billed minutes: 900 s × 0.21 / 3600 = 0.0525 → 0.05', async () => {
    const invoice = await invoiceOf([{ kind: 'transcript', id: 'mc', timestamp: '2026-05-03T09:00:00Z', model: 'universal-3-pro', audio_duration: '300', channels: '3' }]);
    expect(invoice.lines[0]!.baseQuantity).toBe(900_000);
    expect(invoice.lines[0]!.amountExact.toString()).toBe('0.0525');
    expect(invoice.total.toFixed(2)).toBe('0.05');
  });

  it('add-ons are billed on the audio once, not per channel (the card default): 300 s × 0.02 / 3600', async () => {
    const invoice = await invoiceOf([{ kind: 'transcript', id: 'mc', timestamp: '2026-05-03T09:00:00Z', model: 'universal-3-pro', audio_duration: '300', channels: '3', features: 'speaker_labels' }]);
    const addon = invoice.lines.find((l) => l.addon === 'speaker_labels')!;
    expect(addon.baseQuantity).toBe(300_000);
    expect(addon.amountExact.toFixed(6)).toBe('0.001667');
  });

  it('a failed transcript is free and counted', async () => {
    const invoice = await invoiceOf([
      { kind: 'transcript', id: 'ok', timestamp: '2026-05-03T09:00:00Z', model: 'universal-2', audio_duration: '3600' },
      { kind: 'transcript', id: 'bad', timestamp: '2026-05-03T09:00:00Z', model: 'universal-2', audio_duration: '3600', status: 'error' },
    ]);
    // 1 h × 0.15 = 0.15; the failed hour costs nothing.
    expect(invoice.total.toFixed(2)).toBe('0.15');
    expect(invoice.tally.free).toBe(1);
    expect(invoice.tally.billed).toBe(1);
  });

  it('an unclosed session is billed 3 h whatever its audio: 10800 s × 0.15 / 3600 = 0.45, of which 0.44 beyond 60 s of audio', async () => {
    const invoice = await invoiceOf([{ kind: 'stream', id: 'open', timestamp: '2026-05-06T14:00:00Z', model: 'universal-streaming', audio_duration: '60' }]);
    expect(invoice.lines[0]!.baseQuantity).toBe(10_800_000);
    expect(invoice.total.toFixed(2)).toBe('0.45');
    const warning = invoice.warnings.find((w) => w.code === 'UNCLOSED_SESSION')!;
    // (10800 − 60) s × 0.15 / 3600 = 0.4475 → 0.45 half-up
    expect(warning.amount!.toFixed(2)).toBe('0.45');
    expect(warning.count).toBe(1);
  });

  it('a closed session is billed on session time, capped at max_session', async () => {
    const invoice = await invoiceOf([
      { kind: 'stream', id: 'a', timestamp: '2026-05-06T14:00:00Z', model: 'universal-streaming', audio_duration: '60', session_duration: '600', terminated: 'true' },
      { kind: 'stream', id: 'b', timestamp: '2026-05-06T14:00:00Z', model: 'universal-streaming', session_duration: '20000', terminated: 'true' },
    ]);
    // 600 s + 10800 s (capped) = 11400 s × 0.15 / 3600 = 0.475 → 0.48
    expect(invoice.lines[0]!.baseQuantity).toBe(11_400_000);
    expect(invoice.total.toFixed(2)).toBe('0.48');
    expect(invoice.warnings.map((w) => w.code)).toEqual(['SESSION_AT_CAP']);
  });

  it('a session is closed by ended_at when terminated is absent, but terminated=false keeps it unclosed', async () => {
    const invoice = await invoiceOf([
      { kind: 'stream', id: 'a', started_at: '2026-05-06T14:00:00Z', ended_at: '2026-05-06T14:10:00Z', model: 'universal-streaming' },
      { kind: 'stream', id: 'b', started_at: '2026-05-06T14:00:00Z', ended_at: '2026-05-06T14:10:00Z', terminated: 'false', model: 'universal-streaming' },
    ]);
    // 600 s + 10800 s
    expect(invoice.lines[0]!.baseQuantity).toBe(11_400_000);
    expect(invoice.tally.unclosed.count).toBe(1);
  });

  it('LLM tokens per 1M: 120,000 in × 3 + 8,000 out × 15 = 0.36 + 0.12 (dated id through its alias)', async () => {
    const invoice = await invoiceOf([{ kind: 'llm', id: 'l', timestamp: '2026-05-07T12:00:00Z', model: 'claude-sonnet-4-5-20250929', input_tokens: '120000', output_tokens: '8000' }]);
    expect(amounts(invoice)).toEqual({ 'llm-gateway/claude-sonnet-4.5/input': '0.36', 'llm-gateway/claude-sonnet-4.5/output': '0.12' });
  });

  it('the price history prices each record with the version in force at its timestamp', async () => {
    const invoice = await invoiceOf([
      // universal: 0.37 until 2025-06-01, 0.27 from 2025-06-02, 0.15 from 2025-09-23
      { kind: 'transcript', id: 'a', timestamp: '2025-06-01T23:59:59Z', model: 'universal', audio_duration: '3600' },
      { kind: 'transcript', id: 'b', timestamp: '2025-06-02T00:00:00Z', model: 'universal', audio_duration: '3600' },
      { kind: 'transcript', id: 'c', timestamp: '2025-10-01T00:00:00Z', model: 'best', audio_duration: '3600' },
    ]);
    expect(invoice.lines.map((l) => [l.version, l.rate.toString(), l.amount.toFixed(2)])).toEqual([
      ['2025-04-23', '0.37', '0.37'],
      ['2025-06-02', '0.27', '0.27'],
      ['2025-09-23', '0.15', '0.15'],
    ]);
    expect(new Set(invoice.lines.map((l) => l.hash)).size).toBe(3);
  });
});

describe('time zones of tier periods', () => {
  it('--tz moves the day boundary of daily tiers (SPEC §2: the card\'s or --tz zone)', async () => {
    const { loadCard } = await import('../../src/rates/load.js');
    const { priceRecords } = await import('../../src/engine/index.js');
    const { TimeZone } = await import('../../src/util/time.js');
    const { records } = await import('../helpers.js');
    // 160 h at 15:00Z and 160 h at 17:00Z on 4 May: one Beijing day would be 23:00 and 01:00 — two days;
    // in UTC they are one day of 320 h, all at 1.2: 384.00. In Beijing: 160 × 1.4 × 2 = 448.00.
    const rows = records([
      ...Array.from({ length: 32 }, (_, i) => ({ kind: 'stream', id: `a${i}`, timestamp: '2026-05-04T15:00:00Z', model: 'realtime', audio_duration: '18000', terminated: 'true' })),
      ...Array.from({ length: 32 }, (_, i) => ({ kind: 'stream', id: `b${i}`, timestamp: '2026-05-04T17:00:00Z', model: 'realtime', audio_duration: '18000', terminated: 'true' })),
    ]);
    const card = loadCard('tencent-asr');
    const period = { from: undefined, to: undefined, fromText: undefined, toText: undefined };
    const base = { card, period, groupBy: [], skipInvalid: false, allowUnpriced: false };
    expect((await priceRecords(rows, { ...base, zone: card.timezone })).total.toFixed(2)).toBe('448.00');
    expect((await priceRecords(rows, { ...base, zone: TimeZone.of('UTC') })).total.toFixed(2)).toBe('384.00');
  });
});
