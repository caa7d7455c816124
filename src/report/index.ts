import type { ChalkInstance } from 'chalk';
import type { AuditResult } from '../audit/index.js';
import type { CaseResult } from '../check/run.js';
import type { CardDiffResult } from '../diff/cards.js';
import type { DiffResult } from '../diff/index.js';
import type { EstimateResult } from '../estimate/index.js';
import type { Explanation } from '../explain/index.js';
import type { BalanceResult } from '../ledger/index.js';
import type { Invoice } from '../pricing/invoice.js';
import type { ReconcileResult } from '../reconcile/index.js';
import { UsageError } from '../util/errors.js';

/** The result each command hands to its renderer. */
export interface Results {
  invoice: Invoice;
  audit: AuditResult;
  balance: BalanceResult;
  estimate: EstimateResult;
  reconcile: ReconcileResult;
  diff: DiffResult;
  check: readonly CaseResult[];
  'rates-diff': CardDiffResult;
  explain: Explanation;
}

/** A command that renders its result through the lookup. */
export type ReportCommand = keyof Results;

/**
 * The one signature of every renderer: a result, a painter (plain or coloured) and, for text for
 * people, the width to fit (a terminal's; none for today's widths) to text.
 */
export type Renderer<R> = (result: R, paint: ChalkInstance, width?: number) => string;

/** A module of renderers, imported when first asked for. */
const invoice = () => import('./invoice.js');
const focus = () => import('./focus.js');
const buckets = () => import('./buckets.js');
const html = () => import('./html.js');
const audit = () => import('./audit.js');
const balance = () => import('./balance.js');
const estimate = () => import('./estimate.js');
const reconcile = () => import('./reconcile.js');
const diff = () => import('./diff.js');
const check = () => import('./check.js');
const ratesDiff = () => import('./rates-diff.js');
const explain = () => import('./explain.js');

/** One export of a lazily imported module, loaded when called. */
function lazy<M, K extends keyof M>(load: () => Promise<M>, name: K): () => Promise<M[K]> {
  return async () => (await load())[name];
}

/**
 * Formats of each command, in the order `--help` lists them. Each renderer's module is loaded only
 * when its format is asked for, so that a run loads the report code of its own output alone.
 */
const RENDERERS: { [C in ReportCommand]: Record<string, () => Promise<Renderer<Results[C]>>> } = {
  invoice: {
    table: lazy(invoice, 'renderInvoiceTable'),
    json: lazy(invoice, 'renderInvoiceJson'),
    csv: lazy(invoice, 'renderInvoiceCsv'),
    markdown: lazy(invoice, 'renderInvoiceMarkdown'),
    focus: lazy(focus, 'renderFocus'),
    html: lazy(html, 'renderInvoiceHtml'),
    buckets: lazy(buckets, 'renderBucketsCsv'),
    'buckets-json': lazy(buckets, 'renderBucketsJson'),
  },
  audit: {
    table: lazy(audit, 'renderAuditTable'),
    json: lazy(audit, 'renderAuditJson'),
    csv: lazy(audit, 'renderAuditCsv'),
    markdown: lazy(audit, 'renderAuditMarkdown'),
    html: lazy(html, 'renderAuditHtml'),
  },
  balance: {
    table: lazy(balance, 'renderBalanceTable'),
    json: lazy(balance, 'renderBalanceJson'),
    csv: lazy(balance, 'renderBalanceCsv'),
    markdown: lazy(balance, 'renderBalanceMarkdown'),
    html: lazy(html, 'renderBalanceHtml'),
  },
  estimate: {
    table: lazy(estimate, 'renderEstimateTable'),
    json: lazy(estimate, 'renderEstimateJson'),
    csv: lazy(estimate, 'renderEstimateCsv'),
    markdown: lazy(estimate, 'renderEstimateMarkdown'),
  },
  reconcile: {
    table: lazy(reconcile, 'renderReconcileTable'),
    json: lazy(reconcile, 'renderReconcileJson'),
    csv: lazy(reconcile, 'renderReconcileCsv'),
    markdown: lazy(reconcile, 'renderReconcileMarkdown'),
  },
  diff: {
    table: lazy(diff, 'renderDiffTable'),
    json: lazy(diff, 'renderDiffJson'),
    csv: lazy(diff, 'renderDiffCsv'),
    markdown: lazy(diff, 'renderDiffMarkdown'),
  },
  'rates-diff': {
    table: lazy(ratesDiff, 'renderRatesDiffTable'),
    json: lazy(ratesDiff, 'renderRatesDiffJson'),
    csv: lazy(ratesDiff, 'renderRatesDiffCsv'),
    markdown: lazy(ratesDiff, 'renderRatesDiffMarkdown'),
  },
  // `explain` prints text for people (`table`, the default of every command) or JSON.
  explain: {
    table: lazy(explain, 'renderExplainText'),
    json: lazy(explain, 'renderExplainJson'),
  },
  // `check` always prints `text`; the other formats are the report files of `--reporter`.
  check: {
    text: lazy(check, 'renderCheckText'),
    junit: lazy(check, 'renderJunit'),
  },
};

/** A renderer that gives its text in pieces, each made when asked for: the text of its format's renderer, for outputs of any size. */
export type ChunkRenderer<R> = (result: R, paint: ChalkInstance, width?: number) => Iterable<string>;

/** The formats whose text can be written as it is made (an invoice of 600,000 lines as CSV). */
const CHUNK_RENDERERS: { [C in ReportCommand]?: Record<string, () => Promise<ChunkRenderer<Results[C]>>> } = {
  invoice: { csv: lazy(invoice, 'invoiceCsvChunks'), json: lazy(invoice, 'invoiceJsonChunks'), focus: lazy(focus, 'focusCsvChunks') },
};

/** The renderer of one command's result in one format, in pieces where the format has them, else in one piece. */
export async function chunkRenderer<C extends ReportCommand>(command: C, format: string): Promise<ChunkRenderer<Results[C]>> {
  const table: Record<string, () => Promise<ChunkRenderer<Results[C]>>> = CHUNK_RENDERERS[command] ?? {};
  if (Object.hasOwn(table, format)) return table[format]!();
  const whole = await renderer(command, format);
  return (result, paint, width) => [whole(result, paint, width)];
}

/** The formats a command offers, for its `--format` choices. */
export function formats(command: ReportCommand): string[] {
  return Object.keys(RENDERERS[command]);
}

/** The renderer of one command's result in one format; an unknown format is a usage error. */
export async function renderer<C extends ReportCommand>(command: C, format: string): Promise<Renderer<Results[C]>> {
  const table: Record<string, () => Promise<Renderer<Results[C]>>> = RENDERERS[command];
  const load = Object.hasOwn(table, format) ? table[format] : undefined;
  if (load === undefined) throw new UsageError(`${command}: format "${format}" is not one of ${formats(command).join(', ')}`);
  return load();
}
