import type { ChalkInstance } from 'chalk';
import type { AuditResult, Finding } from '../audit/index.js';
import type { AutoScale } from '../rates/card.js';
import { Decimal, formatExact, formatMoney } from '../util/decimal.js';
import { formatInstant } from '../util/time.js';
import { writeCsv, type Cell } from './csv.js';
import { reportHeader } from './invoice.js';
import { drawTable } from './text-table.js';
import { fitLine, fitLines } from './fit.js';

const money = (result: AuditResult, value: Decimal | null): string | null =>
  value === null ? null : formatMoney(value, result.invoice.card.rounding.scale);

function where(f: Finding): string {
  return f.ref ? `${f.ref.file}:${f.ref.line}` : '';
}

/** The audit as JSON: summary first, then every kept finding worst first. */
export function auditJson(result: AuditResult) {
  const { invoice } = result;
  const total = result.codes.reduce((sum, c) => (c.amount === null ? sum : sum.plus(c.amount)), new Decimal(0));
  return {
    ...reportHeader('audit', invoice),
    tier: result.tier,
    limits: {
      requests_per_5_minutes: result.limits.requestsPer5Minutes ?? null,
      concurrency: result.limits.concurrency ?? null,
      new_streams_per_minute: result.limits.newStreamsPerMinute ?? null,
      new_streams_auto_scale: autoScaleJson(result.limits.newStreamsAutoScale),
      llm_requests_per_minute: result.limits.llmRequestsPerMinute ?? null,
    },
    summary: {
      findings: result.codes.reduce((n, c) => n + c.count, 0),
      by_severity: Object.fromEntries((['error', 'warning', 'info'] as const).map((s) => [s, result.codes.filter((c) => c.severity === s).reduce((n, c) => n + c.count, 0)])),
      money_at_stake: money(result, total),
      invoice_total: money(result, invoice.total),
      streaming: {
        billed: money(result, result.streaming.billed),
        if_closed_at_audio_end: money(result, result.streaming.ifClosedAtAudioEnd),
        avoidable: money(result, result.streaming.avoidable),
      },
      codes: result.codes.map((c) => ({ code: c.code, severity: c.severity, count: c.count, amount: money(result, c.amount) })),
      omitted: result.omitted,
    },
    findings: result.findings.map((f) => ({
      code: f.code,
      severity: f.severity,
      message: f.message,
      file: f.ref?.file ?? null,
      line: f.ref?.line ?? null,
      id: f.id ?? null,
      at: f.at === undefined ? null : formatInstant(f.at),
      amount: money(result, f.amount),
      related: f.related ? { file: f.related.file, line: f.related.line } : null,
    })),
  };
}

export function renderAuditJson(result: AuditResult): string {
  return `${JSON.stringify(auditJson(result), null, 2)}\n`;
}

/** One row per finding; text neutralised for spreadsheets. */
export function renderAuditCsv(result: AuditResult): string {
  const rows: Cell[][] = result.findings.map((f) => [
    { text: f.severity }, { text: f.code }, { text: f.ref?.file ?? null }, f.ref ? { number: String(f.ref.line) } : { text: null },
    { text: f.id ?? null }, { text: f.at === undefined ? null : formatInstant(f.at) },
    f.amount === null ? { text: null } : { number: money(result, f.amount)! }, { text: f.message },
  ]);
  return writeCsv(['severity', 'code', 'file', 'line', 'id', 'at', 'amount', 'message'], rows);
}

/** Markdown for a pull-request comment: the summary per code, then the worst findings. */
export function renderAuditMarkdown(result: AuditResult): string {
  const cur = result.invoice.card.currency;
  const esc = (s: string) => s.replaceAll('|', '\\|').replace(/[\r\n]+/g, ' ');
  const out = [`## tallyman audit: ${result.codes.reduce((n, c) => n + c.count, 0)} finding(s)`, ''];
  if (result.codes.length > 0) {
    out.push('| Severity | Code | Count | At stake |', '| --- | --- | ---: | ---: |');
    for (const c of result.codes) out.push(`| ${c.severity} | ${c.code} | ${c.count} | ${money(result, c.amount) ?? '—'} |`);
    out.push('');
  }
  out.push(`Streaming billed ${money(result, result.streaming.billed)} ${cur}; closed at the end of their audio it would have been ${money(result, result.streaming.ifClosedAtAudioEnd)} ${cur} (avoidable: **${money(result, result.streaming.avoidable)} ${cur}**).`, '');
  const top = result.findings.slice(0, 50);
  if (top.length > 0) {
    out.push('| Severity | Code | Where | Id | At stake | Message |', '| --- | --- | --- | --- | ---: | --- |');
    for (const f of top) out.push(`| ${f.severity} | ${f.code} | ${esc(where(f))} | ${esc(f.id ?? '')} | ${money(result, f.amount) ?? ''} | ${esc(f.message)} |`);
    if (result.findings.length > top.length) out.push('', `… and ${result.findings.length - top.length} more (see --format json).`);
  }
  return `${out.join('\n')}\n`;
}

/** A table for people: totals per code, then the findings grouped by severity, worst first; fitted to `width` when given. */
export function renderAuditTable(result: AuditResult, paint: ChalkInstance, width?: number): string {
  const cur = result.invoice.card.currency;
  const tone = { error: paint.red, warning: paint.yellow, info: paint.cyan };
  const out: string[] = fitLine(`Audit · card ${result.invoice.card.name} · ${result.tier} tier · ${result.invoice.period.from ?? '…'} → ${result.invoice.period.to ?? '…'}`, width);
  if (result.codes.length === 0) {
    out.push(paint.green('No findings.'));
  } else {
    const summary = drawTable(
      {
        head: ['Severity', 'Code', 'Count', `At stake (${cur})`].map((h) => ({ text: h, paint: paint.bold })),
        aligns: ['left', 'left', 'right', 'right'],
        ...(width === undefined ? {} : { fit: { width, whole: [true, false, true, true] } }),
      },
      result.codes.map((c) => [{ text: c.severity, paint: tone[c.severity] }, c.code, String(c.count), money(result, c.amount) ?? '—']),
    );
    out.push(summary);
    for (const severity of ['error', 'warning', 'info'] as const) {
      const group = result.findings.filter((f) => f.severity === severity);
      if (group.length === 0) continue;
      out.push('', tone[severity](paint.bold(`${severity.toUpperCase()} (${group.length})`)));
      const shown = group.slice(0, 20);
      const whereWidth = Math.min(40, Math.max(8, ...shown.map((f) => Math.max(where(f).length, (f.id ?? '').length) + 2)));
      out.push(drawTable({
        head: ['Code', 'Where', cur, 'What'].map((h) => ({ text: h, paint: paint.bold })),
        aligns: ['left', 'left', 'right', 'left'],
        ...(width === undefined ? { widths: [22, whereWidth, 10, 100 - 5 - 22 - 10 - whereWidth], wrap: 'words' as const } : { fit: { width, whole: [false, false, true, false] } }),
      }, shown.map((f) => [f.code, [where(f), f.id].filter(Boolean).join('\n'), money(result, f.amount) ?? '', f.message])));
      if (group.length > 20) out.push(...fitLines([`… and ${group.length - 20} more ${severity} finding(s) (see --format json or csv)`], width, paint.dim));
    }
  }
  out.push('', ...fitLine(`Streaming billed ${money(result, result.streaming.billed)} ${cur}; closed at the end of their audio: ${money(result, result.streaming.ifClosedAtAudioEnd)} ${cur}; avoidable: ${money(result, result.streaming.avoidable)} ${cur}.`, width));
  if (result.omitted > 0) out.push(...fitLines([`${result.omitted} finding(s) beyond --max-findings per code are counted above but not listed.`], width, paint.dim));
  return `${out.join('\n')}\n`;
}

/** A limit's auto-scaling as percentages (null: a fixed limit). */
function autoScaleJson(scale: AutoScale | undefined): { rise: string; rise_at: string; decay_below: string } | null {
  if (scale === undefined) return null;
  const percent = (fraction: Decimal) => `${formatExact(fraction.times(100))}%`;
  return { rise: percent(scale.rise), rise_at: percent(scale.riseAt), decay_below: percent(scale.decayBelow) };
}
