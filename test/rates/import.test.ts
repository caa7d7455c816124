import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importFeed, type ImportOptions } from '../../src/rates/import/index.js';
import type { TokenProduct } from '../../src/rates/card.js';
import { runBinary } from '../cli/binary.js';

const dir = mkdtempSync(join(tmpdir(), 'tallyman-import-'));
let n = 0;
function file(value: unknown, ext = 'json'): string {
  const path = join(dir, `feed-${n++}.${ext}`);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return path;
}
const base: Omit<ImportOptions, 'feed' | 'from'> = { card: undefined, effective: '2026-12-01', product: undefined, only: undefined, provider: undefined, name: undefined, out: undefined, format: 'yaml' };
const llm = (r: ReturnType<typeof importFeed>) => r.card.versions.at(-1)!.products.find((p) => p.kind === 'llm') as TokenProduct;
const price = (r: ReturnType<typeof importFeed>, model: string) => {
  const p = llm(r).models.get(model)!;
  return { input: p.input.toString(), output: p.output.toString(), cache_read: p.cache_read?.toString(), cache_write: p.cache_write?.toString(), band: p.contextBand && `${p.contextBand.above}: ${p.contextBand.input} / ${p.contextBand.output}` };
};

describe('rates import --from v1-models (the Python SDK\'s published GET /v1/models example)', () => {
  const feed = 'fixtures/provider/llm-gateway-models.json';
  it('adds a dated version of the built-in card: the new models at their per-1M prices, the regions as the feed prices them', () => {
    const r = importFeed({ ...base, feed, from: 'v1-models', card: 'assemblyai' });
    expect(r.changed).toBe(true);
    expect(r.card.versions.at(-1)!.label).toBe('2026-12-01');
    expect(r.card.versions).toHaveLength(11);
    expect(r.models).toEqual([
      { model: 'claude-sonnet-5', feedId: 'claude-sonnet-5', status: 'new' },
      { model: 'gpt-4o', feedId: 'gpt-4o', status: 'new' },
    ]);
    expect(price(r, 'claude-sonnet-5')).toMatchObject({ input: '3', output: '15' });
    expect(price(r, 'gpt-4o')).toMatchObject({ input: '2.5', output: '10' });
    // us 3.0 = global 3.0 (0 %); eu 3.3 / 3.0 − 1 = 10 %, as the card has it already since 2026-07-01.
    expect(Object.fromEntries([...llm(r).regionalIncrease].map(([k, v]) => [k, v.toString()]))).toEqual({ us: '0', eu: '0.1' });
    expect(r.settings).toEqual(['us requests 0% over global']);
    expect(r.notInFeed).toContain('claude-sonnet-4.5');
    // Models the feed does not list keep their prices.
    expect(price(r, 'claude-sonnet-4.5')).toMatchObject({ input: '3', output: '15' });
    expect(r.text).toContain('extends: assemblyai');
  });

  it('goes through the card\'s aliases, says unchanged models, and writes no version when nothing changed', () => {
    const same = file({ data: [{ id: 'claude-sonnet-4-5-20250929', pricing: { global: { prompt: 3.0, completions: 15.0 } }, retirement_date: 0 }] });
    const r = importFeed({ ...base, feed: same, from: 'v1-models', card: 'assemblyai' });
    expect(r.models).toEqual([{ model: 'claude-sonnet-4.5', feedId: 'claude-sonnet-4-5-20250929', status: 'unchanged' }]);
    expect(r.changed).toBe(false);
    const cheaper = file({ data: [{ id: 'claude-sonnet-4-5-20250929', pricing: { global: { prompt: 2.75, completions: 13.75, input_cache_read: 0.275 } }, retirement_date: 1798761600 }] });
    const c = importFeed({ ...base, feed: cheaper, from: 'v1-models', card: 'assemblyai' });
    expect(c.models[0]!.status).toBe('changed');
    expect(price(c, 'claude-sonnet-4.5')).toMatchObject({ input: '2.75', output: '13.75', cache_read: '0.275' });
    // 1798761600 s = 2027-01-01T00:00:00Z: the day in the card's zone (UTC).
    expect(llm(c).retired.get('claude-sonnet-4.5')).toBe('2027-01-01');
  });

  it('refuses a date that is not after the card\'s latest version, and a price that is not a number, with its path and line', () => {
    expect(() => importFeed({ ...base, feed, from: 'v1-models', card: 'assemblyai', effective: '2026-09-02' })).toThrow(/--effective 2026-09-02 is not after the card's latest version \(2026-09-02\)/);
    const bad = file('{\n  "data": [\n    { "id": "m", "pricing": { "global": { "prompt": "cheap", "completions": 1 } } }\n  ]\n}\n');
    expect(() => importFeed({ ...base, feed: bad, from: 'v1-models' })).toThrow(/:3: data\[0\]\.pricing\.global\.prompt: "cheap" is not a price/);
  });

  it('says what the card cannot hold: regional prices that differ by model', () => {
    const mixed = file({ data: [
      { id: 'a', pricing: { global: { prompt: 1, completions: 2 }, eu: { prompt: 1.1, completions: 2.2 } } },
      { id: 'b', pricing: { global: { prompt: 1, completions: 2 }, eu: { prompt: 1.2, completions: 2.4 } } },
    ] });
    const r = importFeed({ ...base, feed: mixed, from: 'v1-models' });
    expect(r.unheld).toEqual(['eu prices: the models differ (10% for a; 20% for b), and a card holds one increase per region: left as it was']);
    expect(llm(r).regionalIncrease.size).toBe(0);
  });
});

describe('rates import --from litellm (an excerpt of LiteLLM\'s model_prices_and_context_window.json)', () => {
  const feed = 'fixtures/provider/litellm-prices.json';
  it('converts per-token prices to per 1M tokens exactly, with cache classes and the 200k context band', () => {
    const r = importFeed({ ...base, feed, from: 'litellm', name: 'bedrock' });
    // 6e-08 × 1,000,000 = 0.06; 2.4e-07 × 1,000,000 = 0.24.
    expect(price(r, 'amazon.nova-lite-v1:0')).toMatchObject({ input: '0.06', output: '0.24' });
    expect(price(r, 'anthropic.claude-haiku-4-5-20251001-v1:0')).toMatchObject({ input: '1', output: '5', cache_read: '0.1', cache_write: '1.25' });
    expect(price(r, 'anthropic.claude-sonnet-4-20250514-v1:0')).toMatchObject({ input: '3', output: '15', band: '200000: 6 / 22.5' });
    expect(r.skipped.map((s) => s.id)).toEqual(['1024-x-1024/dall-e-2', 'amazon.titan-embed-text-v1']);
    expect(r.unheld).toEqual([
      'anthropic.claude-sonnet-4-20250514-v1:0: cache_creation_input_token_cost_above_200k_tokens',
      'anthropic.claude-sonnet-4-20250514-v1:0: cache_read_input_token_cost_above_200k_tokens',
      'anthropic.claude-sonnet-4-20250514-v1:0: search_context_cost_per_query',
    ]);
  });

  it('never passes a price through a float: 3.3e-06 per token is 3.3 per 1M (a float says 3.3000000000000003)', () => {
    expect(JSON.parse('3.3e-06') * 1e6).not.toBe(3.3);
    const r = importFeed({ ...base, feed: file('{ "m": { "input_cost_per_token": 3.3e-06, "output_cost_per_token": 1.65e-05, "mode": "chat", "deprecation_date": "2027-03-01" } }'), from: 'litellm' });
    expect(price(r, 'm')).toMatchObject({ input: '3.3', output: '16.5' });
    expect(r.text).toContain('input: "3.3"');
    expect(llm(r).retired.get('m')).toBe('2027-03-01');
  });

  it('--provider and --only choose the models', () => {
    expect(importFeed({ ...base, feed, from: 'litellm', provider: 'bedrock_converse' }).models.map((m) => m.model)).toEqual(['amazon.nova-lite-v1:0', 'anthropic.claude-sonnet-4-20250514-v1:0']);
    expect(importFeed({ ...base, feed, from: 'litellm', only: ['amazon.nova-lite-v1:0'] }).models.map((m) => m.model)).toEqual(['amazon.nova-lite-v1:0']);
  });
});

describe('tallyman rates import, the real binary', () => {
  it('writes the card file, which prices a log: 1M input × 3 + 100,000 output × 15 / 1M = 4.50', () => {
    const out = join(dir, 'assemblyai-2026-12.yaml');
    const run = runBinary(['rates', 'import', 'fixtures/provider/llm-gateway-models.json', '--from', 'v1-models', '--card', 'assemblyai', '--effective', '2026-12-01', '--out', out]);
    expect([run.status, run.stdout]).toEqual([0, '']);
    expect(run.stderr.split('\n')[0]).toMatch(/^rates import: version 2026-12-01 #[0-9a-f]{12} of card assemblyai, product llm-gateway: 2 new, 0 changed, 0 unchanged$/);
    expect(readFileSync(out, 'utf8')).toContain('claude-sonnet-5:');
    const log = file('kind,id,timestamp,model,input_tokens,output_tokens\nllm,l1,2026-12-05T10:00:00Z,claude-sonnet-5,1000000,100000\n', 'csv');
    const invoice = runBinary(['invoice', log, '--rates', out, '--format', 'json']);
    expect(JSON.parse(invoice.stdout).total).toBe('4.50');
  });

  it('bad input is exit 2 with one line', () => {
    const run = runBinary(['rates', 'import', 'fixtures/provider/llm-gateway-models.json', '--from', 'v1-models', '--effective', 'soon']);
    expect([run.status, run.stderr]).toEqual([2, 'tallyman: --effective "soon" is not a date YYYY-MM-DD\n']);
  });

  it('a date that does not exist, or a retirement past any card\'s years, is exit 2 naming the flag or the feed\'s field, never a crash', () => {
    const feedOf = (retirement: number) => file(`{"data":[{"id":"x","pricing":{"global":{"prompt":3,"completions":15}},"retirement_date":${retirement}}]}`);
    const month13 = runBinary(['rates', 'import', 'fixtures/provider/llm-gateway-models.json', '--from', 'v1-models', '--effective', '2026-13-01']);
    expect([month13.status, month13.stderr]).toEqual([2, 'tallyman: --effective "2026-13-01" is not a date that exists (check the month and the day, and a year from 1000 to 8999)\n']);
    // 1e13 s is the year ~318,857 (was RangeError: Invalid time value, exit 1); 1767225600000 is 2026-01-01 in milliseconds (year ~57,970).
    for (const [retirement, text] of [[1e13, '10000000000000'], [1767225600000, '1767225600000']] as const) {
      const feed = feedOf(retirement);
      const run = runBinary(['rates', 'import', feed, '--from', 'v1-models', '--effective', '2026-12-01']);
      expect([run.status, run.stderr]).toEqual([2, `tallyman: ${feed}:1: data[0].retirement_date: ${text} is not Unix seconds of a date from year 1000 to 8999 (milliseconds?)\n`]);
    }
    // 1767225600 s: 2026-01-01, a date.
    expect(runBinary(['rates', 'import', feedOf(1767225600), '--from', 'v1-models', '--effective', '2026-12-01']).status).toBe(0);
  });
});
