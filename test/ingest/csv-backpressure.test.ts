import { describe, expect, it } from 'vitest';
import { readCsvRowsReference } from '../../src/ingest/csv.js';

describe('the csv-parse reference reader under backpressure', () => {
  it('waits for the parser without piling up listeners (no MaxListenersExceededWarning)', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    const line = 'transcript,t,2026-05-01T00:00:00Z,universal-2,60\n';
    async function* chunks() {
      yield 'kind,id,timestamp,model,audio_duration\n';
      for (let c = 0; c < 40; c++) yield line.repeat(2000);
    }
    let rows = 0;
    for await (const batch of readCsvRowsReference(chunks(), 'slow.csv')) {
      // A slow consumer: the parser's buffer fills and the feeder must wait for 'drain' many times.
      rows += batch.length;
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    await new Promise((resolve) => setImmediate(resolve));
    process.off('warning', onWarning);
    expect(rows).toBe(80_001);
    expect(warnings).toEqual([]);
  });
});
