import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAIN_SHARE, splitPoint } from '../../src/ingest/split.js';

describe('splitPoint: where a CSV is cut for a worker thread', () => {
  const path = join(mkdtempSync(join(tmpdir(), 'tallyman-split-')), 'log.csv');
  const rows = Array.from({ length: 10_000 }, (_, i) => `transcript,t${i},2026-05-01T00:00:00Z,universal-2,${i % 90}`);
  const text = `kind,id,timestamp,model,audio_duration\n${rows.join('\n')}\n`;
  writeFileSync(path, text);

  it('at the first line break past the share of the file the main thread reads (less with observers), after the header', async () => {
    for (const share of [MAIN_SHARE.plain, MAIN_SHARE.observed, 0.5]) {
      const split = (await splitPoint(path, text.length, 1, share))!;
      expect(split.header).toEqual(['kind', 'id', 'timestamp', 'model', 'audio_duration']);
      const middle = Math.floor(text.length * share);
      expect(text[split.boundary - 1]).toBe('\n');
      expect(text.slice(middle, split.boundary - 1)).not.toContain('\n');
    }
    expect(MAIN_SHARE.observed).toBeLessThan(MAIN_SHARE.plain);
    expect((await splitPoint(path, text.length, 1))!.boundary).toBe((await splitPoint(path, text.length, 1, MAIN_SHARE.plain))!.boundary);
  });
});
