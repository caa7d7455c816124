import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCard } from '../../src/rates/load.js';
import { InputError, CardError } from '../../src/util/errors.js';
import { amounts, invoiceOf } from '../helpers.js';

/**
 * The 2026 versions of the built-in assemblyai card (facts/PRICES.md, "2026 changes"), each amount
 * worked out by hand: seconds × hourly rate / 3600 (tokens × rate / 1M), rounded half-up to cents.
 */
describe('the assemblyai card in 2026', () => {
  it('knows the streaming API id whisper-rt as whisper-streaming (0.30/h) from 2026-03-04', async () => {
    const invoice = await invoiceOf([{ kind: 'stream', id: 's1', timestamp: '2026-05-10T10:00:00Z', model: 'whisper-rt', session_duration: '3600', terminated: 'true' }]);
    expect(amounts(invoice)).toEqual({ 'streaming/whisper-streaming': '0.30' });
  });

  it('prices the Voice Agent API at 4.50/h of session from 2026-04-01, and not before', async () => {
    // 600 s × 4.50 / 3600 = 0.75
    const invoice = await invoiceOf([{ kind: 'stream', id: 'v1', timestamp: '2026-05-10T10:00:00Z', model: 'voice-agent', session_duration: '600', terminated: 'true' }]);
    expect(amounts(invoice)).toEqual({ 'voice-agent/voice-agent': '0.75' });
    expect(invoice.lines[0]!.version).toBe('2026-04-01');
    await expect(invoiceOf([{ kind: 'stream', id: 'v0', timestamp: '2026-03-20T10:00:00Z', model: 'voice-agent', session_duration: '600', terminated: 'true' }]))
      .rejects.toThrow(/version 2026-03-04\) does not price stream model "voice-agent"/);
  });

  it('prices the Sync API at 0.30/h from 2026-07-14, per second rounded up', async () => {
    // 95.5 s → 96 s × 0.30 / 3600 = 0.008 → 0.01
    const invoice = await invoiceOf([{ kind: 'transcript', id: 'y1', timestamp: '2026-08-01T09:00:00Z', model: 'sync/universal-3-5-pro', audio_duration: '95.5' }]);
    expect(amounts(invoice)).toEqual({ 'sync/sync/universal-3-5-pro': '0.01' });
    expect(invoice.lines[0]!.amountExact.toString()).toBe('0.008');
  });

  it('refuses kimi-k2.5 by name and date from its retirement on 2026-08-01, and prices it the second before', async () => {
    const row = (timestamp: string) => ({ kind: 'llm' as const, id: timestamp, timestamp, model: 'kimi-k2.5', input_tokens: '1000000', output_tokens: '1000000' });
    // 1M × 0.60 + 1M × 3 = 3.60
    expect(amounts(await invoiceOf([row('2026-07-31T23:59:59Z')]))).toEqual({ 'llm-gateway/kimi-k2.5/input': '0.60', 'llm-gateway/kimi-k2.5/output': '3.00' });
    const error = await invoiceOf([row('2026-08-01T00:00:00Z')]).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toContain('llm model "kimi-k2.5" was retired on 2026-08-01');
    const listed = await invoiceOf([row('2026-08-01T00:00:00Z')], 'assemblyai', { allowUnpriced: true });
    expect(listed.total.toFixed(2)).toBe('0.00');
    expect(listed.warnings.map((w) => w.code)).toContain('UNPRICED');
  });

  it('routes from 2026-09-02: no model → universal-3-5-pro (0.21/h); streaming u3-rt-pro and u3-pro-rt → universal-3-5-pro (0.45/h)', async () => {
    const before = await invoiceOf([
      { kind: 'transcript', id: 't1', timestamp: '2026-09-01T12:00:00Z', audio_duration: '3600' },
      { kind: 'stream', id: 's1', timestamp: '2026-09-01T12:00:00Z', model: 'u3-rt-pro', session_duration: '1200', terminated: 'true' },
    ]);
    expect(amounts(before)).toEqual({ 'prerecorded/universal-3-pro': '0.21', 'streaming/u3-rt-pro': '0.15' });
    const after = await invoiceOf([
      { kind: 'transcript', id: 't2', timestamp: '2026-09-10T12:00:00Z', audio_duration: '3600' },
      { kind: 'stream', id: 's2', timestamp: '2026-09-10T12:00:00Z', model: 'u3-rt-pro', session_duration: '1200', terminated: 'true' },
      { kind: 'stream', id: 's3', timestamp: '2026-09-10T13:00:00Z', model: 'u3-pro-rt', session_duration: '1200', terminated: 'true' },
    ]);
    // 3600 s × 0.21 / 3600 = 0.21; 2 × 1200 s × 0.45 / 3600 = 0.30
    expect(amounts(after)).toEqual({ 'prerecorded/universal-3-5-pro': '0.21', 'streaming/universal-3-5-pro': '0.30' });
  });

  it('a card whose `retired` names a model it does not price is refused with the path', () => {
    const path = join(tmpdir(), `retired-${process.pid}.json`);
    writeFileSync(path, JSON.stringify({ name: 'r', products: [{ id: 'p', kind: 'llm', models: { a: { input: '1', output: '1' } }, retired: { b: '2026-01-01' } }] }));
    expect(() => loadCard(path)).toThrow(CardError);
    expect(() => loadCard(path)).toThrow(/retired\.b: "b" is not a model of this product/);
  });
});

describe('add-on prices of one model', () => {
  it('keyterms prompting is free on Universal-2 (from the card\'s 2026-09-02 version) and 0.05/h on the Pro models', async () => {
    const invoice = await invoiceOf([
      { kind: 'transcript', id: 'a', timestamp: '2026-09-10T10:00:00Z', model: 'universal-2', audio_duration: '3600', features: 'keyterms_prompt' },
      { kind: 'transcript', id: 'b', timestamp: '2026-09-10T10:00:00Z', model: 'universal-3-pro', audio_duration: '3600', features: 'keyterms_prompt' },
      { kind: 'transcript', id: 'c', timestamp: '2026-08-10T10:00:00Z', model: 'universal-2', audio_duration: '3600', features: 'keyterms_prompt' },
    ]);
    // universal-2 0.15 + keyterms 0 (September) or 0.05 (August, before the card says it is free); universal-3-pro 0.21 + 0.05
    expect(invoice.lines.map((l) => [l.version, l.model, l.addon, l.amount.toFixed(2)])).toEqual([
      ['2026-08-01', 'universal-2', null, '0.15'],
      ['2026-09-02', 'universal-2', null, '0.15'],
      ['2026-08-01', 'universal-2', 'keyterms_prompt', '0.05'],
      ['2026-09-02', 'universal-2', 'keyterms_prompt', '0.00'],
      ['2026-09-02', 'universal-3-pro', null, '0.21'],
      ['2026-09-02', 'universal-3-pro', 'keyterms_prompt', '0.05'],
    ]);
  });
});

describe('an add-on named twice', () => {
  it('is billed once', async () => {
    // 1 h of universal-2 (0.15) with speaker labels (0.02) once, though the row names it twice
    const invoice = await invoiceOf([{ kind: 'transcript', id: 'a', timestamp: '2026-05-10T10:00:00Z', model: 'universal-2', audio_duration: '3600', features: 'speaker_labels;speaker_labels' }]);
    expect(amounts(invoice)).toEqual({ 'prerecorded/universal-2': '0.15', 'prerecorded/universal-2/speaker_labels': '0.02' });
    expect(invoice.lines.find((l) => l.addon === 'speaker_labels')!.baseQuantity).toBe(3_600_000);
  });
});

describe('a session that contradicts itself', () => {
  it('is an error naming the field, read from a file (byte scanner) or as records alike', async () => {
    const disagree = { kind: 'stream' as const, id: 's', timestamp: '2026-05-10T10:00:00Z', started_at: '2026-05-10T10:00:00Z', ended_at: '2026-05-10T10:05:00Z', session_duration: '600', model: 'universal-streaming' };
    await expect(invoiceOf([disagree])).rejects.toThrow(/field "session_duration": 600 s disagrees with ended_at − started_at \(300 s\)/);
    const short = { kind: 'stream' as const, id: 't', timestamp: '2026-05-10T10:00:00Z', session_duration: '10', audio_duration: '60', terminated: 'true', model: 'universal-streaming' };
    await expect(invoiceOf([short])).rejects.toThrow(/field "session_duration": the session \(10 s\) is shorter than the audio it carried \(audio_duration 60 s\)/);
    // Within a second they agree: rounding, not a contradiction.
    const rounded = { ...disagree, id: 'u', session_duration: '300.9' };
    expect((await invoiceOf([rounded])).total.toFixed(2)).toBe('0.01'); // 301 s × 0.15 / 3600 = 0.0125 → 0.01
  });
});
