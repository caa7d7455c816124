import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeInvoice } from '../../src/engine/index.js';
import { periodFromFlags } from '../../src/pricing/period.js';
import { loadCard } from '../../src/rates/load.js';
import { renderInvoiceJson } from '../../src/report/invoice.js';
import { TimeZone } from '../../src/util/time.js';
import { agentSession, gateway, sync, transcript, v2Session, v3Session, type Lines } from '../properties/native.js';

const dir = mkdtempSync(join(tmpdir(), 'tallyman-order-'));
let written = 0;
/** The built-in card plus the Sync and Voice Agent products, so that every native shape is priced. */
const card = loadCard(join(import.meta.dirname, '../../fixtures/provider/sync-voice-agent.card.json'));
const UTC = TimeZone.of('UTC');
const BASE = Date.UTC(2026, 6, 20);
const at = (seconds: number): string => new Date(BASE + seconds * 1000).toISOString();
const when = fc.integer({ min: 0, max: 200_000 }).map((seconds) => BASE + seconds * 1000);

const canonical: fc.Arbitrary<Lines> = fc.record({ when: fc.integer({ min: 0, max: 200_000 }), seconds: fc.integer({ min: 1, max: 3600 }) }).map((c) => (id) => [
  { kind: 'transcript', id, timestamp: at(c.when), model: 'universal-2', audio_duration: c.seconds },
]);

const item = fc.oneof(v3Session(when), v2Session(when), agentSession(when), transcript(when), gateway(when), sync(when), canonical);

function write(lines: string[], json: boolean): string {
  const path = join(dir, `part-${written++}.${json ? 'json' : 'ndjson'}`);
  writeFileSync(path, json ? `[\n${lines.join(',\n')}\n]\n` : `${lines.join('\n')}\n`);
  return path;
}

async function invoiceJson(paths: string[]): Promise<string> {
  const invoice = await computeInvoice(paths, {
    card, zone: UTC, inputZone: UTC, period: periodFromFlags({}, UTC), groupBy: [], map: new Map(), skipInvalid: false, allowUnpriced: false,
  });
  return renderInvoiceJson(invoice);
}

describe('order does not matter', () => {
  it('a log\'s invoice is the same when its lines are shuffled and split across files, native shapes included', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(item, { minLength: 1, maxLength: 12 }).chain((items) => {
          const lines = items.flatMap((make, i) => make(`id-${i}`)).map((o) => JSON.stringify(o));
          return fc.tuple(fc.constant(lines), fc.shuffledSubarray(lines, { minLength: lines.length }), fc.array(fc.integer({ min: 0, max: lines.length }), { maxLength: 3 }), fc.boolean());
        }),
        async ([lines, shuffled, cuts, json]) => {
          const bounds = [0, ...[...cuts].sort((a, b) => a - b), shuffled.length];
          const parts = bounds.slice(1).map((end, i) => write(shuffled.slice(bounds[i], end), json && i % 2 === 1));
          expect(await invoiceJson(parts)).toBe(await invoiceJson([write(lines, false)]));
        },
      ),
      { numRuns: Number(process.env.ORDER_RUNS ?? 60) },
    );
  });
});
