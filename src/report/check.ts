import type { ChalkInstance } from 'chalk';
import type { CaseResult } from '../check/run.js';
import { fitLine } from './fit.js';

/** One line per case, the differences under a failing one, then the count; lines fitted to `width` when given. */
export function renderCheckText(results: readonly CaseResult[], paint: ChalkInstance, width?: number): string {
  const out: string[] = [];
  for (const r of results) {
    const [status, tone] = r.updated ? ['UPDATED', paint.cyan] : r.passed ? ['PASS', paint.green] : ['FAIL', paint.red];
    const lines = fitLine(`${status} ${r.name}: total ${r.total} ${r.currency}`, width);
    out.push(tone(status) + lines[0]!.slice(status.length), ...lines.slice(1));
    for (const f of r.failures) for (const line of f.split('\n')) out.push(...fitLine(`  ${line}`, width));
  }
  const failed = results.filter((r) => !r.passed).length;
  out.push(`${results.length - failed} passed, ${failed} failed`);
  return `${out.join('\n')}\n`;
}

/** JUnit XML for CI dashboards: a test case per check case; no times, so the file is byte-stable. */
export function renderJunit(results: readonly CaseResult[]): string {
  const failed = results.filter((r) => !r.passed).length;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="tallyman check" tests="${results.length}" failures="${failed}" errors="0">`,
    `  <testsuite name="tallyman check" tests="${results.length}" failures="${failed}" errors="0" skipped="0">`,
  ];
  for (const r of results) {
    lines.push(`    <testcase classname="tallyman.check" name="${xml(r.name)}">`);
    if (!r.passed) lines.push(`      <failure message="${xml(r.failures[0] ?? 'failed')}">${xml(r.failures.join('\n'))}</failure>`);
    lines.push(`      <system-out>${xml(`total ${r.total} ${r.currency}`)}</system-out>`, '    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>');
  return `${lines.join('\n')}\n`;
}

function xml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');
}
