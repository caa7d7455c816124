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
 * - `file` and `line` of skipped records (none in these logs).
 * - the `file:line` an error names (bad input: the first in file order is reported).
 * Reconcile's `file` and `line` name the statement, the same file in every run: kept.
 */
export function normalise(command: CommandName, json: string, files: readonly string[]): string {
  const refs = new RegExp(`(${files.map(escape).join('|')}):\\d+( \\[\\d+\\])?`, 'g');
  const mask = (text: string) => text.replace(refs, '<file>:<line>');
  if (!json.startsWith('{')) return mask(json);
  const report = JSON.parse(json);
  if (report.skipped && Array.isArray(report.skipped.records)) for (const s of report.skipped.records) Object.assign(s, { file: '<file>', line: '<line>' });
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

/** `N record(s) repeat ...: a at X and Y; b at X and Y.` with its examples sorted. */
function sortedExamples(message: string): string {
  const match = /^(.*?: )(.*?)(; \.\.\.)?\.$/.exec(message);
  if (!match) return message;
  return `${match[1]}${match[2]!.split('; ').sort().join('; ')}${match[3] ?? ''}.`;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
