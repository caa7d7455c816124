import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cardChanges, cardSide } from '../../src/diff/cards.js';
import { loadCard } from '../../src/rates/load.js';
import { runBinary } from '../cli/binary.js';

const side = (spec: string) => cardSide(spec, (s) => loadCard(s));

describe('rates diff: what changed between two versions', () => {
  it('assemblyai 2025-06-02 → 2025-09-23: universal 0.27 → 0.15, streaming renamed universal-streaming', () => {
    expect(cardChanges(side('assemblyai@2025-06-02'), side('assemblyai@2025-09-23'))).toEqual([
      { product: 'prerecorded', model: 'universal', item: 'price', before: '0.27 / hour', after: '0.15 / hour', change: 'changed' },
      { product: 'streaming', model: null, item: 'alias streaming', before: null, after: 'universal-streaming', change: 'added' },
      { product: 'streaming', model: null, item: 'default_model', before: 'streaming', after: 'universal-streaming', change: 'changed' },
      { product: 'streaming', model: 'streaming', item: 'price', before: '0.15 / hour', after: null, change: 'removed' },
      { product: 'streaming', model: 'universal-streaming', item: 'price', before: null, after: '0.15 / hour', change: 'added' },
    ]);
  });

  it('a version against itself has no change; an unknown version is a usage error naming the versions', () => {
    expect(cardChanges(side('assemblyai@2026-04-01'), side('assemblyai@2026-04-01'))).toEqual([]);
    expect(() => side('assemblyai@2024-01-01')).toThrow(/card assemblyai has no version 2024-01-01 \(versions: 2025-04-23, /);
  });

  it('two cards: tiers and limits are compared too', () => {
    const changes = cardChanges(side('tencent-asr'), side('assemblyai'));
    expect(changes.find((c) => c.product === 'file-asr' && c.model === 'file')).toMatchObject({ change: 'removed', before: expect.stringMatching(/^volume tiers per day: < 300 h @ 1; 300–1000 h @ 0.95/) });
    expect(changes.find((c) => c.product === '(limits)' && c.item === 'concurrency')).toEqual({ product: '(limits)', model: null, item: 'concurrency', before: null, after: 'free 5, paid 200', change: 'added' });
  });
});

describe('rates diff: minimums, free quotas and packs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tallyman-diff-'));
  const card = (name: string, extra: string) => {
    const path = join(dir, `${name}.yaml`);
    writeFileSync(path, `name: ${name}\nproducts:\n  - id: file\n    kind: transcript\n    unit: hour\n    models: { a: "1" }\n${extra}`);
    return path;
  };
  it('compares minimum, free_quota and packs (they said "No differences" while a log cost 11.00 against 13.00)', () => {
    const a = card('a', '    minimum: 60\n    free_quota: { quantity: "4", period: month }\n    packs:\n      - { id: p1, quantity: "10", start: 2026-04-01, expiry: 2026-07-01 }\n');
    const b = card('b', '    minimum: 1\n    packs:\n      - { id: p1, quantity: "20", start: 2026-04-01, expiry: 2026-07-01 }\n');
    expect(cardChanges(side(a), side(b))).toEqual([
      { product: 'file', model: null, item: 'free_quota', before: '4 hours per month, used first, never carried over', after: null, change: 'removed' },
      { product: 'file', model: null, item: 'minimum', before: '60 s', after: '1 s', change: 'changed' },
      { product: 'file', model: null, item: 'pack p1', before: '10 hours from 2026-04-01 until 2026-07-01', after: '20 hours from 2026-04-01 until 2026-07-01', change: 'changed' },
    ]);
    // use_free_quota applies an opt-in quota: the built-in Tencent card against a card that opts in.
    const optIn = join(dir, 'opt-in.yaml');
    writeFileSync(optIn, 'name: opt-in\nextends: tencent-asr\nuse_free_quota: true\n');
    expect(cardChanges(side('tencent-asr'), side(optIn)).filter((c) => c.item === 'free_quota').map((c) => [c.product, c.change])).toEqual([['file-asr', 'added'], ['realtime-asr', 'added']]);
  });
});

describe('tallyman rates diff --log, the real binary', () => {
  it('the quickstart log under 2025-06-02 and 2026-09-02 alone, line by line', () => {
    const run = runBinary(['rates', 'diff', 'assemblyai@2025-06-02', 'assemblyai@2026-09-02', '--log', 'fixtures/quickstart.csv', '--format', 'json', '--allow-unpriced']);
    expect(run.status).toBe(0);
    const r = JSON.parse(run.stdout);
    expect(r.schema_version).toBe(1);
    const line = (product: string, model: string) => r.log.lines.find((l: { product: string; model: string; component: string | null }) => l.product === product && l.model === model && l.component === null);
    // universal-streaming 3.1667 h (11,400 s): unpriced on 2025-06-02 (its model is `streaming` then) at 0;
    // at 0.15 on 2026-09-02: 11,400 × 0.15 / 3,600 = 0.475 → 0.48.
    expect(line('streaming', 'universal-streaming')).toMatchObject({ a: '0.00', b: '0.48', difference: '0.48' });
    expect(line('(stream)', 'universal-streaming')).toMatchObject({ a: '0.00', b: '0.00' });
    // The gateway prices the card applies from its first version: 120,000 × 3 / 1M = 0.36 under both.
    expect(r.log.lines.find((l: { component: string | null }) => l.component === 'input')).toMatchObject({ a: '0.36', b: '0.36', difference: '0.00' });
    expect(r.log.total.b).toBe('1.32');
  });

  it('a card priced as a whole uses each record\'s own version: the same card twice costs the same', () => {
    const run = runBinary(['rates', 'diff', 'assemblyai', 'assemblyai', '--log', 'fixtures/quickstart.csv', '--format', 'csv']);
    expect(run.stdout.split('\n').at(-2)).toBe('log,TOTAL,,,1.32,1.32,0.00');
  });
});
