import { Decimal } from '../util/decimal.js';

/**
 * Inline SVG charts for the HTML reports: drawn from exact amounts (decimal strings) scaled to pixel
 * coordinates, which are the only numbers here that are not money. Every chart has a `<title>` and a
 * `<desc>` (its text alternative); every bar and point carries its value in `data-` attributes so a
 * test can count them and add them up.
 */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML and SVG content and attributes (one pass, none for the plain text of most cells). */
export function esc(text: string): string {
  return /[&<>"']/.test(text) ? text.replace(/[&<>"']/g, (c) => ENTITIES[c]!) : text;
}

/** The lowest and highest of some amounts and 0, in one pass (a chart may have more points than a call has arguments). */
function extent(values: Iterable<Decimal>): { low: Decimal; high: Decimal } {
  let low = new Decimal(0);
  let high = new Decimal(0);
  for (const v of values) {
    if (v.lt(low)) low = v;
    if (v.gt(high)) high = v;
  }
  return { low, high };
}

/** Colours of the series, in order (distinguishable in colour-blind palettes, and in print). */
export const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#e15759', '#76b7b2', '#edc948', '#9c755f', '#ff9da7', '#bab0ac'];

const WIDTH = 720;
const PLOT_LEFT = 64;
const PLOT_RIGHT = 12;
const PLOT_TOP = 12;

/** A pixel coordinate with two decimals: the same text on every machine. */
function px(value: Decimal): string {
  return value.toDecimalPlaces(2).toFixed(2);
}

/** Round axis steps: the smallest 1, 2 or 5 × 10^k that cuts `max` into at most 5 steps. */
function niceStep(max: Decimal): Decimal {
  if (max.lte(0)) return new Decimal(1);
  const raw = max.dividedBy(5);
  const power = new Decimal(10).pow(raw.log(10).floor());
  for (const m of [1, 2, 5, 10]) if (power.times(m).gte(raw)) return power.times(m);
  return power.times(10);
}

interface Frame {
  height: number;
  plotBottom: number;
  min: Decimal;
  max: Decimal;
  y: (value: Decimal) => Decimal;
}

/** The vertical scale and its grid lines with labels, from `min` (≤ 0) to `max` (≥ 0). */
function frame(low: Decimal, high: Decimal, height: number): { frame: Frame; grid: string } {
  const step = niceStep(Decimal.max(high.abs(), low.abs()));
  const max = high.lte(0) ? new Decimal(0) : high.dividedBy(step).ceil().times(step);
  const min = low.gte(0) ? new Decimal(0) : low.dividedBy(step).floor().times(step);
  const plotBottom = height - 28;
  const span = max.minus(min).isZero() ? new Decimal(1) : max.minus(min);
  const y = (value: Decimal): Decimal => new Decimal(plotBottom).minus(value.minus(min).dividedBy(span).times(plotBottom - PLOT_TOP));
  const lines: string[] = [];
  for (let tick = min; tick.lte(max); tick = tick.plus(step)) {
    const at = px(y(tick));
    lines.push(`<line class="grid" x1="${PLOT_LEFT}" x2="${WIDTH - PLOT_RIGHT}" y1="${at}" y2="${at}"/>`);
    lines.push(`<text class="tick" x="${PLOT_LEFT - 6}" y="${at}" text-anchor="end" dominant-baseline="middle">${esc(tick.toFixed())}</text>`);
  }
  return { frame: { height, plotBottom, min, max, y }, grid: lines.join('') };
}

function svgOpen(id: string, height: number, title: string, desc: string): string {
  return `<svg id="${id}" class="chart" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-labelledby="${id}-title ${id}-desc" xmlns="http://www.w3.org/2000/svg"><title id="${id}-title">${esc(title)}</title><desc id="${id}-desc">${esc(desc)}</desc>`;
}

/** Labels under the x axis: the first, the last, and a few between, never overlapping. */
function xLabels(labels: string[], x: (i: number) => Decimal, bottom: number, atEdges: boolean): string {
  if (labels.length === 0) return '';
  const every = Math.max(1, Math.ceil(labels.length / 6));
  const last = labels.length - 1;
  const out: string[] = [];
  labels.forEach((label, i) => {
    if (i !== last && (i % every !== 0 || (i !== 0 && last - i < every))) return;
    // Points at the very edges (a line chart) get labels that run inwards; bars sit inside their bands.
    const anchor = atEdges && labels.length > 2 && i === 0 ? 'start' : atEdges && labels.length > 2 && i === last ? 'end' : 'middle';
    out.push(`<text class="tick" x="${px(x(i))}" y="${bottom + 16}" text-anchor="${anchor}">${esc(label)}</text>`);
  });
  return out.join('');
}

/** A stacked bar per category (a day), one segment per series (a product) with a non-zero value. */
export function stackedBars(options: { id: string; title: string; desc: string; categories: string[]; series: string[]; values: Decimal[][] }): string {
  const { categories, series, values } = options;
  const totals = categories.map((_, c) => series.reduce((sum, _s, s) => sum.plus(values[s]![c]!), new Decimal(0)));
  const positives = categories.map((_, c) => series.reduce((sum, _s, s) => sum.plus(Decimal.max(values[s]![c]!, 0)), new Decimal(0)));
  const negatives = categories.map((_, c) => series.reduce((sum, _s, s) => sum.plus(Decimal.min(values[s]![c]!, 0)), new Decimal(0)));
  const { frame: f, grid } = frame(extent(negatives).low, extent(positives).high, 260);
  const band = new Decimal(WIDTH - PLOT_LEFT - PLOT_RIGHT).dividedBy(Math.max(1, categories.length));
  const barWidth = Decimal.max(band.times(0.7), 1);
  const x = (i: number): Decimal => band.times(i).plus(PLOT_LEFT).plus(band.dividedBy(2));
  const bars: string[] = [];
  categories.forEach((category, c) => {
    let up = new Decimal(0);
    let down = new Decimal(0);
    series.forEach((name, s) => {
      const value = values[s]![c]!;
      if (value.isZero()) return;
      const from = value.isPositive() ? up : down;
      const to = from.plus(value);
      if (value.isPositive()) up = to;
      else down = to;
      const top = f.y(Decimal.max(from, to));
      const height = f.y(Decimal.min(from, to)).minus(top);
      bars.push(`<rect class="bar" data-category="${esc(category)}" data-series="${esc(name)}" data-value="${esc(value.toFixed())}" x="${px(x(c).minus(barWidth.dividedBy(2)))}" y="${px(top)}" width="${px(barWidth)}" height="${px(height)}" fill="${PALETTE[s % PALETTE.length]}"><title>${esc(`${category} · ${name}: ${value.toFixed()}`)}</title></rect>`);
    });
  });
  const zero = px(f.y(new Decimal(0)));
  return `${svgOpen(options.id, f.height, options.title, options.desc)}${grid}<line class="axis" x1="${PLOT_LEFT}" x2="${WIDTH - PLOT_RIGHT}" y1="${zero}" y2="${zero}"/>${bars.join('')}${xLabels(categories, x, f.plotBottom, false)}</svg>${legend(series)}<p class="chart-total" data-total="${esc(totals.reduce((a, b) => a.plus(b), new Decimal(0)).toFixed())}" hidden></p>`;
}

/** A horizontal bar per row, its length the value; the label and an annotation beside it. */
export function horizontalBars(options: { id: string; title: string; desc: string; rows: { label: string; value: Decimal; note: string; colour: string }[] }): string {
  const { rows } = options;
  const rowHeight = 28;
  const height = Math.max(1, rows.length) * rowHeight + 16;
  const left = 200;
  const right = 150;
  const max = rows.reduce((m, r) => Decimal.max(m, r.value), new Decimal(0));
  const span = max.isZero() ? new Decimal(1) : max;
  const bars = rows.map((r, i) => {
    const y = 8 + i * rowHeight;
    const width = Decimal.max(r.value.dividedBy(span).times(WIDTH - left - right), r.value.isZero() ? 0 : 1);
    return `<text class="label" x="${left - 8}" y="${y + 10}" text-anchor="end" dominant-baseline="middle">${esc(r.label)}</text>`
      + `<rect class="bar" data-category="${esc(r.label)}" data-value="${esc(r.value.toFixed())}" x="${left}" y="${y}" width="${px(width)}" height="20" fill="${r.colour}"><title>${esc(`${r.label}: ${r.note}`)}</title></rect>`
      + `<text class="note" x="${px(width.plus(left + 6))}" y="${y + 10}" dominant-baseline="middle">${esc(r.note)}</text>`;
  });
  return `${svgOpen(options.id, height, options.title, options.desc)}${bars.join('')}</svg>`;
}

/** A marker on a line chart: a kind (autopay, top-up, expiry, blocked) at a point's index. */
export interface Marker {
  index: number;
  kind: string;
  label: string;
}

/** A line through one point per category, with markers on some points and a dashed line where blocked. */
export function lineChart(options: { id: string; title: string; desc: string; categories: string[]; values: Decimal[]; projectedFrom: number; markers: Marker[]; blockedAt: number | undefined }): string {
  const { categories, values } = options;
  const { low, high } = extent(values);
  const { frame: f, grid } = frame(low, high, 280);
  const step = new Decimal(WIDTH - PLOT_LEFT - PLOT_RIGHT - 8).dividedBy(Math.max(1, categories.length - 1));
  const x = (i: number): Decimal => step.times(i).plus(PLOT_LEFT + 4);
  const coords = values.map((v, i) => `${px(x(i))},${px(f.y(v))}`);
  const logPart = coords.slice(0, Math.max(1, options.projectedFrom));
  const projectedPart = options.projectedFrom < coords.length ? coords.slice(Math.max(0, options.projectedFrom - 1)) : [];
  const points = values.map((v, i) =>
    `<circle class="point${i >= options.projectedFrom ? ' projected' : ''}" data-category="${esc(categories[i]!)}" data-value="${esc(v.toFixed())}" cx="${px(x(i))}" cy="${px(f.y(v))}" r="3"><title>${esc(`${categories[i]}: ${v.toFixed()}${i >= options.projectedFrom ? ' (projected)' : ''}`)}</title></circle>`);
  // Markers sit in a row just above the x axis, pointing up at their day: never clipped, never on the line.
  const markers = options.markers.map((m) => {
    const cx = px(x(m.index));
    return `<g class="marker marker-${esc(m.kind)}" data-kind="${esc(m.kind)}" data-category="${esc(categories[m.index]!)}"><path d="M${cx},${f.plotBottom - 12} l-6,10 h12 z"/><title>${esc(m.label)}</title></g>`;
  });
  const blocked = options.blockedAt === undefined ? '' : `<g class="blocked" data-category="${esc(categories[options.blockedAt]!)}"><line x1="${px(x(options.blockedAt))}" x2="${px(x(options.blockedAt))}" y1="${PLOT_TOP}" y2="${f.plotBottom}"/><text x="${px(x(options.blockedAt).plus(4))}" y="${PLOT_TOP + 10}">blocked</text></g>`;
  const zero = px(f.y(new Decimal(0)));
  return `${svgOpen(options.id, f.height, options.title, options.desc)}${grid}<line class="axis" x1="${PLOT_LEFT}" x2="${WIDTH - PLOT_RIGHT}" y1="${zero}" y2="${zero}"/>`
    + `<polyline class="line" points="${logPart.join(' ')}"/>${projectedPart.length > 1 ? `<polyline class="line projected" points="${projectedPart.join(' ')}"/>` : ''}`
    + `${blocked}${points.join('')}${markers.join('')}${xLabels(categories, x, f.plotBottom, true)}</svg>`;
}

function legend(series: string[]): string {
  return `<ul class="legend">${series.map((name, s) => `<li><span class="swatch" style="background:${PALETTE[s % PALETTE.length]}"></span>${esc(name)}</li>`).join('')}</ul>`;
}
