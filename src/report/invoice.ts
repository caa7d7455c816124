import type { ChalkInstance } from 'chalk';
import type { Invoice, InvoiceLine } from '../pricing/invoice.js';
import { Decimal } from '../util/decimal.js';
import { formatRef } from '../util/errors.js';
import { spendSparkline } from './terminal.js';
import { fitLine, fitLines } from './fit.js';
import { csvRecord, csvText, safeText } from './csv.js';
import { baseQuantity, componentLabel, displayQuantity, formatExact, formatMoney, linesByProduct, unitQuantity } from './format.js';
import { drawTable, type TableCell } from './text-table.js';

import { SCHEMA_VERSION } from './schema-version.js';

export { SCHEMA_VERSION };

/** The keys every JSON report starts with, in this order. */
export function reportHeader(command: string, invoice: Invoice) {
  return {
    schema_version: SCHEMA_VERSION,
    command,
    card: { name: invoice.card.name, origin: invoice.card.origin },
    currency: invoice.card.currency,
    timezone: invoice.zone.name,
    period: invoice.period,
    skipped: { count: invoice.skipped.count, records: skippedJson(invoice) },
  };
}

/** The records skipped with --skip-invalid (the first few), as JSON. */
function skippedJson(invoice: Invoice): object[] {
  return invoice.skipped.examples.map((e) => ({ file: e.ref.file, line: e.ref.line, index: e.ref.index ?? null, message: e.message }));
}

/** The invoice as the JSON object of SPEC §4: fixed key order, money as strings, no wall-clock time. */
export function invoiceJson(invoice: Invoice): object {
  return invoiceJsonWith(invoice, invoice.lines.map((line) => lineJson(line, invoice.groupBy, invoice.card.rounding.scale)));
}

/** The invoice's JSON object with `lines` as given. */
function invoiceJsonWith(invoice: Invoice, lines: unknown): object {
  const { card, tally } = invoice;
  const scale = card.rounding.scale;
  return {
    schema_version: SCHEMA_VERSION,
    command: 'invoice',
    card: { name: card.name, origin: card.origin, versions: usedVersions(invoice).map((v) => ({ version: v.label, hash: v.hash })) },
    currency: card.currency,
    timezone: invoice.zone.name,
    rounding: { scale, mode: card.rounding.mode },
    period: invoice.period,
    group_by: invoice.groupBy,
    lines,
    subtotals: invoice.subtotals.map((s) => ({ product: s.product, amount: formatMoney(s.amount, scale) })),
    total: formatMoney(invoice.total, scale),
    records: {
      counted: tally.counted,
      billed: tally.billed,
      free: tally.free,
      skipped: invoice.skipped.count,
      excluded: tally.excluded,
      duplicates: tally.duplicates.count,
      undated: tally.undated,
      unclosed_sessions: tally.unclosed.count,
      pending: invoice.pending,
    },
    skipped: skippedJson(invoice),
    warnings: invoice.warnings.map((w) => ({
      code: w.code,
      count: w.count,
      amount: w.amount === null ? null : formatMoney(w.amount, scale),
      message: w.message,
    })),
  };
}

/** One invoice line as JSON (shared by `invoice` and `estimate`, and read back by `diff`). */
export function lineJson(line: InvoiceLine, groupBy: readonly string[], scale: number) {
  const base = baseQuantity(line);
  return {
    product: line.product,
    model: line.model,
    addon: line.addon,
    token_type: line.tokenType,
    tier: line.tier,
    ...Object.fromEntries(groupBy.map((d, i) => [d, line.dims[i] ?? null])),
    quantity: unitQuantity(line),
    unit: line.unit,
    base_quantity: base.value,
    base_unit: base.unit,
    rate: formatExact(line.rate),
    amount: formatMoney(line.amount, scale),
    amount_exact: formatExact(line.amountExact),
    card_version: line.version,
    card_hash: line.hash,
    priced: line.priced,
  };
}

/** JSON text: two-space indent and a final newline. */
export function renderInvoiceJson(invoice: Invoice): string {
  return [...invoiceJsonChunks(invoice)].join('');
}

/**
 * Lines per piece of a report written as it is made: pieces small enough (tens of kilobytes) to be
 * made and dropped in V8's young generation; a piece past 128 KB is a large object, kept until a
 * full collection (10,000 lines a piece held 100 MB of written text).
 */
export const CHUNK_LINES = 200;

/**
 * The text of `renderInvoiceJson` (`JSON.stringify(invoiceJson(invoice), null, 2)` and a newline)
 * in pieces of `CHUNK_LINES` lines, each made when asked for: the document around its lines, each line
 * written as JSON.stringify writes an item of a top-level array (indented by four more spaces).
 */
export function* invoiceJsonChunks(invoice: Invoice): Generator<string> {
  // The document with a stand-in for its lines, cut there: a top-level key starts a line of its own,
  // and no text of the document holds a line break (JSON writes it \n), so the cut is found once.
  const cut = '\n  "lines": "\\u0000",\n';
  const frame = JSON.stringify(invoiceJsonWith(invoice, '\u0000'), null, 2);
  const at = frame.indexOf(cut);
  const { lines, groupBy } = invoice;
  const scale = invoice.card.rounding.scale;
  if (lines.length === 0) {
    yield `${frame.slice(0, at)}\n  "lines": [],\n${frame.slice(at + cut.length)}\n`;
    return;
  }
  let piece = [`${frame.slice(0, at)}\n  "lines": [`];
  for (let i = 0; i < lines.length; i++) {
    piece.push(`\n    ${JSON.stringify(lineJson(lines[i]!, groupBy, scale), null, 2).replaceAll('\n', '\n    ')}${i < lines.length - 1 ? ',' : ''}`);
    if (piece.length === CHUNK_LINES) {
      yield piece.join('');
      piece = [];
    }
  }
  piece.push(`\n  ],\n${frame.slice(at + cut.length)}\n`);
  yield piece.join('');
}

const CSV_HEAD = ['product', 'model', 'addon', 'token_type', 'tier'];
const CSV_TAIL = ['quantity', 'unit', 'base_quantity', 'base_unit', 'rate', 'amount', 'amount_exact', 'card_version', 'card_hash'];

/** One row per line and a final TOTAL row; text cells neutralised for spreadsheets. */
export function renderInvoiceCsv(invoice: Invoice): string {
  return [...invoiceCsvChunks(invoice)].join('');
}

/**
 * The text of `renderInvoiceCsv` in pieces of `CHUNK_LINES` lines, each made when asked for: an invoice of
 * 600,000 lines is written as it is made, never held whole (`chunkRenderer`).
 */
export function* invoiceCsvChunks(invoice: Invoice): Generator<string> {
  const scale = invoice.card.rounding.scale;
  let records = [csvRecord([...CSV_HEAD, ...invoice.groupBy, ...CSV_TAIL])];
  for (const line of invoice.lines) {
    const base = baseQuantity(line);
    records.push(csvRecord([
      safeText(line.product), safeText(line.model), safeText(line.addon), safeText(line.tokenType), safeText(line.tier),
      ...line.dims.map(safeText),
      unitQuantity(line), safeText(line.unit), base.value, safeText(base.unit),
      formatExact(line.rate), formatMoney(line.amount, scale), formatExact(line.amountExact),
      safeText(line.version), safeText(line.hash),
    ]));
    if (records.length === CHUNK_LINES) {
      yield csvText(records);
      records = [];
    }
  }
  const blanks = (n: number): string[] => Array.from({ length: n }, () => '');
  records.push(csvRecord(['TOTAL', ...blanks(CSV_HEAD.length - 1 + invoice.groupBy.length + 5), formatMoney(invoice.total, scale), ...blanks(3)]));
  yield csvText(records);
}

/** A GitHub-flavoured markdown table with the total and the warnings, fit for a pull request. */
export function renderInvoiceMarkdown(invoice: Invoice): string {
  const scale = invoice.card.rounding.scale;
  const cur = invoice.card.currency;
  const escape = (s: string): string => s.replaceAll('|', '\\|').replace(/[\r\n]+/g, ' ');
  const tiers = hasTiers(invoice);
  const head = ['Product', 'Model', 'Add-on', ...(tiers ? ['Tier'] : []), ...invoice.groupBy.map(dimTitle), 'Quantity', 'Rate', `Amount (${cur})`];
  const right = new Set([head.length - 3, head.length - 2, head.length - 1]);
  const rows = invoice.lines.map((l) => [l.product, l.model, componentLabel(l), ...(tiers ? [l.tier ?? ''] : []), ...l.dims.map((d) => d ?? '—'), displayQuantity(l), formatExact(l.rate), formatMoney(l.amount, scale)]);
  const out = [
    `## Invoice: ${invoice.card.name} (${periodText(invoice)})`,
    '',
    `| ${head.map(escape).join(' | ')} |`,
    `| ${head.map((_, i) => (right.has(i) ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(escape).join(' | ')} |`),
    '',
    `**Total: ${formatMoney(invoice.total, scale)} ${cur}** (${recordsText(invoice)})`,
  ];
  if (invoice.warnings.length > 0) {
    out.push('', '### Warnings', '', ...invoice.warnings.map((w) => `- **${w.code}**: ${escape(w.message)}`));
  }
  return `${out.join('\n')}\n`;
}

/**
 * A table for people: lines, a subtotal per product, the total, then warnings; within 100 columns,
 * or within `width` when given (a terminal's), titles and warnings wrapped too.
 */
export function renderInvoiceTable(invoice: Invoice, paint: ChalkInstance, width?: number): string {
  const out = [
    ...fitLine(`Invoice · card ${invoice.card.name} (${versionsText(invoice)}) · ${periodText(invoice)} · ${invoice.zone.name}`, width),
    invoice.lines.length > 0 ? linesTable(invoice, paint, width) : '(no billable usage)',
    ...fitLine(recordsText(invoice), width),
  ];
  if (paint.level > 0) {
    const spark = dailySparkline(invoice, width);
    if (spark) out.push(spark);
  }
  for (const w of invoice.warnings) out.push(...fitLines([`warning ${w.code}: ${w.message}`], width, paint.yellow));
  return `${out.join('\n')}\n`;
}

/** Spend per day as a sparkline (terminal only; see `spendSparkline`). */
function dailySparkline(invoice: Invoice, width: number | undefined): string | undefined {
  const totals = new Map<string, Decimal>();
  for (const d of invoice.daily ?? []) if (d.day !== null) totals.set(d.day, (totals.get(d.day) ?? new Decimal(0)).plus(d.amount));
  return spendSparkline(totals, (amount) => `${formatMoney(amount, invoice.card.rounding.scale)} ${invoice.card.currency}`, width);
}

/**
 * The lines of an invoice as a table with a subtotal per product and the total (also used by
 * `estimate`): within 100 columns, or fitted to `width` when given.
 */
export function linesTable(invoice: Invoice, paint: ChalkInstance, width?: number): string {
  const scale = invoice.card.rounding.scale;
  const tiers = hasTiers(invoice);
  const addons = invoice.lines.some((l) => componentLabel(l) !== '');
  const head = ['Product', 'Model', ...(addons ? ['Add-on'] : []), ...(tiers ? ['Tier'] : []), ...invoice.groupBy.map(dimTitle), 'Quantity', 'Rate', invoice.card.currency];
  const cells = invoice.lines.map((l) => [
    l.product, l.model, ...(addons ? [componentLabel(l)] : []), ...(tiers ? [l.tier ?? ''] : []),
    ...l.dims.map((d) => d ?? '—'), displayQuantity(l), formatExact(l.rate), formatMoney(l.amount, scale),
  ]);
  const numeric = 3;
  const span = head.length - 1;
  const groups = linesByProduct(invoice.lines);
  const rows: (string | TableCell)[][] = [];
  for (const [product, indices] of groups) {
    for (const i of indices) {
      const row = cells[i]!;
      rows.push(invoice.lines[i]!.priced ? row : [...row.slice(0, -1), { text: row[row.length - 1]!, paint: paint.red }]);
    }
    if (groups.size > 1) {
      const subtotal = invoice.subtotals.find((s) => s.product === product)!;
      rows.push([{ span, text: `subtotal ${product}`, paint: paint.dim, align: 'right' }, { text: formatMoney(subtotal.amount, scale), paint: paint.dim }]);
    }
  }
  rows.push([{ span, text: 'TOTAL', paint: paint.bold, align: 'right' }, { text: formatMoney(invoice.total, scale), paint: paint.bold }]);
  // Fitted, names may wrap; tiers, days, months, quantities, rates and amounts keep their words whole.
  const whole = [false, false, ...(addons ? [false] : []), ...(tiers ? [true] : []), ...invoice.groupBy.map((d) => d === 'day' || d === 'month'), true, true, true];
  return drawTable({
    head: head.map((h) => ({ text: h, paint: paint.bold })),
    aligns: head.map((_, i) => (i >= head.length - numeric ? 'right' : 'left')),
    ...(width === undefined ? { wrap: 'anywhere' as const, ...fitWidths(head, cells, numeric, TABLE_WIDTH) } : { fit: { width, whole } }),
  }, rows);
}

const TABLE_WIDTH = 100;

/**
 * Column widths that keep a table within `limit` characters: none when it fits as is; otherwise the
 * text columns share what the numeric columns leave, and wrap.
 */
function fitWidths(head: readonly string[], cells: readonly string[][], numeric: number, limit: number): { widths?: number[] } {
  const columns = head.length;
  const natural = head.map((h) => h.length + 2);
  for (const row of cells) {
    for (let c = 0; c < columns; c++) natural[c] = Math.max(natural[c]!, (row[c] ?? '').length + 2);
  }
  const border = columns + 1;
  if (natural.reduce((a, b) => a + b, 0) + border <= limit) return {};
  const fixed = natural.slice(columns - numeric);
  let room = limit - border - fixed.reduce((a, b) => a + b, 0);
  const text = natural.slice(0, columns - numeric);
  const widths = text.map(() => 0);
  // Hand out room to the narrowest columns first, so short columns keep their natural width.
  const order = text.map((w, i) => ({ w, i })).sort((a, b) => a.w - b.w);
  order.forEach(({ w, i }, k) => {
    const share = Math.floor(room / (order.length - k));
    widths[i] = Math.max(6, Math.min(w, share));
    room -= widths[i]!;
  });
  return { widths: [...widths, ...fixed] };
}

/** Warnings on their own, for standard error when the data goes to stdout as JSON or CSV. */
export function warningLines(invoice: Invoice): string[] {
  return invoice.warnings.map((w) => `tallyman: warning ${w.code}: ${w.message}`);
}

/** The line that lists the records skipped with --skip-invalid, for standard error (none when nothing was skipped). */
export function skippedLines(invoice: Invoice): string[] {
  return warningLines(invoice).filter((line) => line.startsWith('tallyman: warning SKIPPED_INVALID:'));
}

function hasTiers(invoice: Invoice): boolean {
  return invoice.lines.some((l) => l.tier !== null);
}

function dimTitle(dimension: string): string {
  return { project: 'Project', api_key: 'API key', customer: 'Customer', day: 'Day', month: 'Month' }[dimension] ?? dimension;
}

function periodText(invoice: Invoice): string {
  const { from, to } = invoice.period;
  if (from === null && to === null) return 'no dated records';
  return `${from ?? '…'} → ${to ?? '…'}`;
}

/** The card's versions that price at least one line, in the card's order. */
export function usedVersions(invoice: Invoice): Invoice['card']['versions'] {
  const used = new Set(invoice.lines.map((l) => l.version));
  return invoice.card.versions.filter((v) => used.has(v.label));
}

function versionsText(invoice: Invoice): string {
  const used = usedVersions(invoice);
  return used.length === 0 ? 'no lines' : used.map((v) => `${v.label} #${v.hash}`).join(', ');
}

function recordsText(invoice: Invoice): string {
  const t = invoice.tally;
  const parts = [`${t.counted} records`, `${t.billed} billed`, `${t.free} free`];
  if (invoice.skipped.count > 0) parts.push(`${invoice.skipped.count} skipped`);
  if (t.excluded > 0) parts.push(`${t.excluded} outside the period`);
  if (t.duplicates.count > 0) parts.push(`${t.duplicates.count} duplicates`);
  return parts.join(', ');
}

export { formatRef };
