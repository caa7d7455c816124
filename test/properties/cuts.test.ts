import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { answers, prepare } from './answers.js';
import { commandLine, inProcess, inTurn, inZone, type Outcome } from './commands.js';
import { cutOf, removeCases } from './files.js';
import { log, type CardName } from './logs.js';
import { runsOf } from './runs.js';

/**
 * Order and cuts never change an answer (issue 14): every command that reads a log gives the same
 * JSON for the log given whole (one CSV, its native lines in one NDJSON file), cut into parts of
 * other formats with its lines shuffled, and under another process `TZ`. `TALLYMAN_PROPERTY_RUNS`
 * sets the logs per card (default 20); the zones run a tenth as many logs (at least 3) through the
 * built binary. `TALLYMAN_PROPERTY_SHRINK=0` reports the first failing log as found (shrinking runs every command
 * again for each smaller log it tries).
 */
const RUNS = Number(process.env.TALLYMAN_PROPERTY_RUNS ?? 20);
/** Room for fast-check to shrink a failing log (each smaller log runs every command again). */
const TIMEOUT = 120_000 + RUNS * 3_000;
const CARDS: CardName[] = ['assemblyai', 'tencent-asr', 'credits-example'];
const PROCESS_ZONES = ['Pacific/Kiritimati', 'America/St_Johns', 'Asia/Kathmandu'];

describe('order and cuts never change an answer', () => {
  afterAll(removeCases);

  for (const card of CARDS) {
    it(`invoice, audit, balance, reconcile and estimate on ${card}: the log whole, or shuffled and cut into CSV, NDJSON, JSON and Parquet parts`, async () => {
      await fc.assert(
        fc.asyncProperty(log(card).chain((l) => fc.record({ log: fc.constant(l), runs: runsOf(card), cut: cutOf(l) })), async ({ log: l, runs, cut }) => {
          for (const a of await answers(l, runs, cut)) expect(a.cut, `${a.run.command} ${a.flags.join(' ')}`).toEqual(a.whole);
        }),
        { numRuns: RUNS, endOnFailure: process.env.TALLYMAN_PROPERTY_SHRINK === '0' },
      );
    }, TIMEOUT);
  }

  it(`the same bytes from the binary under TZ=${PROCESS_ZONES.join(', ')}`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...CARDS).chain((card) => fc.record({ log: log(card), runs: runsOf(card), zone: fc.constantFrom(...PROCESS_ZONES) })),
        async ({ log: l, runs, zone }) => {
          const { dir, whole, flags } = await prepare(l, runs);
          const here: Outcome[] = [];
          for (const [i, run] of runs.entries()) here.push(await inProcess(commandLine(run.command, flags[i]!, whole), join(dir, `${run.command}-here.json`)));
          const there = await inTurn(runs.map((run, i) => () => inZone(commandLine(run.command, flags[i]!, whole), zone)), 3);
          for (const [i, run] of runs.entries()) {
            expect({ code: there[i]!.code, json: there[i]!.json }, `${run.command} ${flags[i]!.join(' ')} under TZ=${zone}: ${there[i]!.stderr}`).toEqual(here[i]);
          }
        },
      ),
      { numRuns: Math.max(3, Math.round(RUNS / 10)) },
    );
  }, TIMEOUT);
});
