import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeInvoice } from '../../src/engine/index.js';
import { periodFromFlags } from '../../src/pricing/period.js';
import { loadCard } from '../../src/rates/load.js';
import { TimeZone } from '../../src/util/time.js';
import { amounts, invoiceOf } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'tallyman-tokens-'));
const UTC = TimeZone.of('UTC');
const write = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

/** A card that prices cache reads and 5-minute and 1-hour cache writes, but not reasoning (so reasoning goes at the output rate). */
const card = loadCard(write('cache-card.json', JSON.stringify({
  name: 'cache-card',
  products: [{ id: 'gateway', kind: 'llm', unit: '1M tokens', models: { m: { input: '2', output: '10', cache_read: '0.20', cache_write: '2.50', cache_write_1h: '4' } } }],
})));

async function priced(name: string, response: object) {
  return computeInvoice([write(name, JSON.stringify(response))], {
    card, zone: UTC, inputZone: UTC, period: periodFromFlags({}, UTC), groupBy: [], map: new Map(), skipInvalid: false, allowUnpriced: false,
  });
}

/** Each token line as `class tokens = exact amount`. */
const exact = (inv: Awaited<ReturnType<typeof priced>>): Record<string, string> =>
  Object.fromEntries(inv.lines.map((l) => [`${l.tokenType} ${l.baseQuantity}`, l.amountExact.toString()]));

describe('LLM token classes', () => {
  it('OpenAI-style usage: cached tokens come out of the prompt, reasoning out of the completion, each priced by its own class', async () => {
    const inv = await priced('openai.json', {
      id: 'chatcmpl-1', created: 1780000000, model: 'm',
      usage: { prompt_tokens: 2006, completion_tokens: 300, prompt_tokens_details: { cached_tokens: 1920 }, completion_tokens_details: { reasoning_tokens: 192 } },
    });
    // input 86 × 2 / 1M; output 108 × 10 / 1M; cache_read 1920 × 0.20 / 1M; reasoning 192 × 10 / 1M (the output rate: the card has none)
    expect(exact(inv)).toEqual({ 'input 86': '0.000172', 'output 108': '0.00108', 'cache_read 1920': '0.000384', 'reasoning 192': '0.00192' });
    expect(inv.warnings.find((w) => w.code === 'TOKEN_CLASS_AT_BASE_RATE')?.message).toContain('m reasoning');
  });

  it('Anthropic-style usage: input apart from cache reads and writes, the writes split into 5 minutes and 1 hour', async () => {
    const inv = await priced('anthropic.json', {
      id: 'msg_1', created_at: '2026-06-01T10:00:00Z', model: 'm',
      usage: { input_tokens: 20, output_tokens: 50, cache_read_input_tokens: 1800, cache_creation_input_tokens: 500, cache_creation: { ephemeral_5m_input_tokens: 300, ephemeral_1h_input_tokens: 200 } },
    });
    // 20 × 2 = 40; 50 × 10 = 500; 1800 × 0.20 = 360; 300 × 2.50 = 750; 200 × 4 = 800 (all per 1M)
    expect(exact(inv)).toEqual({ 'input 20': '0.00004', 'output 50': '0.0005', 'cache_read 1800': '0.00036', 'cache_write 300': '0.00075', 'cache_write_1h 200': '0.0008' });
    expect(inv.warnings.map((w) => w.code)).not.toContain('TOKEN_CLASS_AT_BASE_RATE');
  });

  it('a response whose cache split does not add up, or whose cached tokens pass the prompt, is an error naming the field', async () => {
    await expect(priced('bad-split.json', { id: 'x', created_at: '2026-06-01T10:00:00Z', model: 'm', usage: { input_tokens: 1, output_tokens: 1, cache_creation_input_tokens: 10, cache_creation: { ephemeral_5m_input_tokens: 3, ephemeral_1h_input_tokens: 3 } } }))
      .rejects.toThrow(/field "usage.cache_creation": splits 6 cache-write tokens, but cache_creation_input_tokens is 10/);
    await expect(priced('bad-cached.json', { id: 'y', created: 1780000000, model: 'm', usage: { prompt_tokens: 5, completion_tokens: 1, prompt_tokens_details: { cached_tokens: 6 } } }))
      .rejects.toThrow(/field "usage.prompt_tokens_details.cached_tokens": 6 cached tokens are more than the 5 prompt tokens/);
  });

  it('canonical columns on the built-in card, read from a file by the byte scanner: a class it does not price at the input rate, and said', async () => {
    // claude-sonnet-4.5 at 3 / 15 per 1M: 1M input = 3.00, 200k output = 3.00, 1M cache reads at the input rate = 3.00
    const inv = await invoiceOf([{ kind: 'llm', id: 'a', timestamp: '2026-06-01T10:00:00Z', model: 'claude-sonnet-4.5', input_tokens: '1000000', output_tokens: '200000', cache_read_tokens: '1000000' }]);
    expect(amounts(inv)).toEqual({ 'llm-gateway/claude-sonnet-4.5/input': '3.00', 'llm-gateway/claude-sonnet-4.5/output': '3.00', 'llm-gateway/claude-sonnet-4.5/cache_read': '3.00' });
    expect(inv.total.toFixed(2)).toBe('9.00');
    expect(inv.warnings.find((w) => w.code === 'TOKEN_CLASS_AT_BASE_RATE')?.message).toBe('1 token line(s) of a class card assemblyai does not price were billed at the input (cache) or output (reasoning) rate: claude-sonnet-4.5 cache_read.');
  });
});

describe('a long-context band', () => {
  const banded = loadCard(write('band-card.json', JSON.stringify({
    name: 'band-card',
    products: [{ id: 'gateway', kind: 'llm', unit: '1M tokens', models: { m: { input: '3', output: '15', cache_read: '0.30', context_band: { above: 200000, input: '6', output: '22.50' } } } }],
  })));

  it('prices a request whose input with its cache passes the band whole at the band\'s rates, the others at the base rates', async () => {
    const inv = await invoiceOf([
      // 150,000 input + 60,000 cache reads = 210,000 > 200,000: long context
      { kind: 'llm', id: 'long', timestamp: '2026-06-01T10:00:00Z', model: 'm', input_tokens: '150000', output_tokens: '1000', cache_read_tokens: '60000' },
      // exactly 200,000: not past the band
      { kind: 'llm', id: 'edge', timestamp: '2026-06-01T10:01:00Z', model: 'm', input_tokens: '200000', output_tokens: '500' },
    ], banded);
    expect(inv.lines.map((l) => [l.tokenType, l.tier, l.baseQuantity, l.amountExact.toString()])).toEqual([
      ['input', null, 200000, '0.6'], // 200,000 × 3 / 1M
      ['input', 'context over 200,000 tokens', 150000, '0.9'], // 150,000 × 6 / 1M
      ['output', null, 500, '0.0075'], // 500 × 15 / 1M
      ['output', 'context over 200,000 tokens', 1000, '0.0225'], // 1,000 × 22.50 / 1M
      ['cache_read', null, 60000, '0.018'], // the class keeps its own rate: 60,000 × 0.30 / 1M
    ]);
    expect(inv.total.toFixed(2)).toBe('1.55'); // 0.60 + 0.90 + 0.01 + 0.02 + 0.02
  });
});

describe('regional gateway prices (the built-in card from 2026-07-01: in-region +10 %)', () => {
  it('prices a request routed in a region above the list price, on lines of its own; global and unnamed at list price, the unnamed said', async () => {
    const row = (id: string, timestamp: string, region: string) => ({ kind: 'llm' as const, id, timestamp, model: 'claude-sonnet-4.5', input_tokens: '1000000', output_tokens: '0', region });
    const inv = await invoiceOf([
      row('us', '2026-07-10T10:00:00Z', 'us'), // 1M × 3 × 1.10 = 3.30
      row('eu', '2026-07-10T10:00:00Z', 'EU'), // read in any case: 3.30
      row('global', '2026-07-10T10:00:00Z', 'global'), // 3.00
      row('none', '2026-07-10T10:00:00Z', ''), // 3.00, and said
      row('before', '2026-06-30T10:00:00Z', 'us'), // before the surcharge: 3.00, with the global line
    ]);
    expect(inv.lines.filter((l) => l.tokenType === 'input').map((l) => [l.version, l.tier, l.baseQuantity, l.amountExact.toString()])).toEqual([
      ['2026-04-01', null, 1000000, '3'],
      ['2026-07-01', null, 2000000, '6'],
      ['2026-07-01', 'eu in-region +10%', 1000000, '3.3'],
      ['2026-07-01', 'us in-region +10%', 1000000, '3.3'],
    ]);
    expect(inv.warnings.find((w) => w.code === 'NO_REGION')?.count).toBe(1);
  });

  it('a region that is not one is an error naming the field', async () => {
    await expect(invoiceOf([{ kind: 'llm', id: 'x', timestamp: '2026-07-10T10:00:00Z', model: 'gpt-5', input_tokens: '1', region: 'asia' }]))
      .rejects.toThrow(/field "region": "asia" is not a region \(use global, us or eu\)/);
  });
});
