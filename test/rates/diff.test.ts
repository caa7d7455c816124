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
