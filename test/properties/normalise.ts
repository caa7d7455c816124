import type { CommandName } from './commands.js';

/**
 * The JSON of a run over a log with what names its files and lines masked, so that runs over the
 * same log cut into other files compare byte for byte. Only what is keyed by file and line is
 * touched, and nothing else:
 * - `file`, `line` and `related` of audit findings, and a `file:line` quoted in their messages (the
 *   record a DUPLICATE_ID was first seen at); the findings are then listed in a fixed order, since
 *   their order breaks ties by file and line;
 * - `file` and `line` of the balance's `blocked` (the record that took the balance to 0);
 * - the examples of the invoice's DUPLICATE_ID warning (`id at file:line and file:line`), listed
 *   in a fixed order;
 * - the file names in the estimate's `source` (`... of a.csv, b.json, scaled to ...`);
 * - `file`, `line` and `index` of skipped records (--skip-invalid), and the `file:line` their
 *   messages and the SKIPPED_INVALID warning quote, listed in a fixed order (their order is the
 *   file order);
 * - the `file:line` an error names (bad input: the first in file order is reported).
 * Reconcile's `file` and `line` name the statement, the same file in every run: kept.
 */
export function normalise(command: CommandName, json: string, files: readonly string[]): string {
  const refs = new RegExp(`(${files.map(escape).join('|')}):\\d+( \\[\\d+\\])?`, 'g');
  const mask = (text: string) => text.replace(refs, '<file>:<line>');
  if (!json.startsWith('{')) return mask(json);
  const report = JSON.parse(json);
  const skipped = (records: { message: string }[]) => records.map((r) => ({ ...r, file: '<file>', line: '<line>', index: '<index>', message: mask(r.message) })).sort((a, b) => compare(a.message, b.message));
  if (Array.isArray(report.skipped)) report.skipped = skipped(report.skipped);
  else if (report.skipped) report.skipped.records = skipped(report.skipped.records);
  for (const w of report.warnings ?? []) if (w.code === 'SKIPPED_INVALID') w.message = sortedExamples(mask(w.message));
  if (command === 'invoice') {
    for (const w of report.warnings) if (w.code === 'DUPLICATE_ID') w.message = sortedExamples(mask(w.message));
  }
  if (command === 'audit') {
    report.findings = report.findings
      .map((f: Record<string, unknown>) => ({ ...f, message: mask(String(f.message)), file: f.file === null ? null : '<file>', line: f.line === null ? null : '<line>', related: f.related === null ? null : '<file>:<line>' }))
      .map((f: object) => JSON.stringify(f))
      .sort()
      .map((f: string) => JSON.parse(f));
  }
  if (command === 'balance' && report.blocked) Object.assign(report.blocked, { file: report.blocked.file === null ? null : '<file>', line: report.blocked.line === null ? null : '<line>' });
  if (command === 'estimate') report.source = report.source.replace(new RegExp(` of (${files.map(escape).join('|')})(, (${files.map(escape).join('|')}))*, `), ' of <files>, ');
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** `N record(s) repeat ...: a at X and Y; b at X and Y.` (or `... skipped (--skip-invalid): m1; m2`) with its examples sorted. */
function sortedExamples(message: string): string {
  const match = /^(.*?\): |.*?again: )(.*?)(; \.\.\.)?(\.?)$/.exec(message);
  if (!match) return message;
  return `${match[1]}${match[2]!.split('; ').sort(compare).join('; ')}${match[3] ?? ''}${match[4]}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
