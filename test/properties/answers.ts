import { join } from 'node:path';
import { commandLine, inProcess, type Outcome } from './commands.js';
import { caseDir, writeCut, writeWhole, type Cut } from './files.js';
import type { Log } from './logs.js';
import { normalise } from './normalise.js';
import { filesOf, type Run } from './runs.js';

/** A log written whole into a fresh folder, and the flags of each run with its account and statement files beside it. */
export interface Prepared {
  dir: string;
  whole: string[];
  flags: string[][];
}

/** The flags of a run that say how the log is read and cut into periods: the statement's invoice reads it alike. */
function readingFlags(flags: readonly string[]): string[] {
  const out: string[] = [];
  flags.forEach((flag, i) => {
    if (['--rates', '--tz', '--input-tz', '--month', '--from', '--to'].includes(flag)) out.push(flag, flags[i + 1]!);
    if (flag === '--skip-invalid') out.push(flag);
  });
  return out;
}

/**
 * Writes the log whole, and each run's files (a statement is made from the whole log's invoice by
 * day, in the run's zones and period). A log with an invalid row is read with --skip-invalid by
 * every command that has it (estimate --from-log has not: it stops at the row).
 */
export async function prepare(log: Log, runs: readonly Run[]): Promise<Prepared> {
  const dir = caseDir();
  const whole = writeWhole(log, dir);
  const flags: string[][] = [];
  for (const run of runs) {
    const read = { ...run, flags: [...run.flags, ...(log.invalid && run.command !== 'estimate' ? ['--skip-invalid'] : [])] };
    flags.push(await filesOf(read, dir, async () => {
      return (await inProcess(commandLine('invoice', [...readingFlags(read.flags), '--group-by', 'day'], whole), join(dir, 'by-day.json'))).json;
    }));
  }
  return { dir, whole, flags };
}

/** Each run's answer for the log whole and cut (JSON with file names and lines masked), in this process. */
export async function answers(log: Log, runs: readonly Run[], cut: Cut): Promise<{ run: Run; flags: string[]; whole: Outcome; cut: Outcome }[]> {
  const { dir, whole, flags } = await prepare(log, runs);
  const parts = writeCut(log, cut, dir);
  const out: { run: Run; flags: string[]; whole: Outcome; cut: Outcome }[] = [];
  for (const [i, run] of runs.entries()) {
    const a = await inProcess(commandLine(run.command, flags[i]!, whole), join(dir, `${run.command}-whole.json`));
    const b = await inProcess(commandLine(run.command, flags[i]!, parts), join(dir, `${run.command}-cut.json`));
    out.push({ run, flags: flags[i]!, whole: { code: a.code, json: normalise(run.command, a.json, whole) }, cut: { code: b.code, json: normalise(run.command, b.json, parts) } });
  }
  return out;
}
