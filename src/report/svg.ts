import { compareText } from '../util/compare.js';
import { Decimal } from '../util/decimal.js';
import { axisLabels, shorten, textWidth, type PlacedLabel } from './svg-text.js';

/**
 * Inline SVG charts for the HTML reports: drawn from exact amounts (decimal strings) scaled to pixel
 * coordinates, which are the only numbers here that are not money. Every chart has a `<title>` and a
 * `<desc>` (its text alternative); every bar and point carries its value in `data-` attributes so a
 * test can count them and add them up. Every text is measured (svg-text.ts) and kept inside the
 * viewBox; the page never draws a chart narrower than CHART_WIDTH pixels (it scrolls in its box).
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

/** The width of every chart's viewBox, and the fewest pixels the page draws it in. */
export const CHART_WIDTH = 720;
/** Space kept free at the left and right edges of a chart. */
const EDGE = 4;
const PLOT_RIGHT = 12;
const PLOT_TOP = 12;
/** From the bottom of the plot (or of the marker rows) to the bottom of the chart: the dates under it. */
const X_LABELS = 28;

/** A pixel coordinate with two decimals: the same text on every machine. */
function px(value: Decimal | number): string {
  return (typeof value === 'number' ? new Decimal(value) : value).toDecimalPlaces(2).toFixed(2);
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
  /** The left edge of the plot: right of the widest label of the axis and of `sideLabels`. */
  left: number;
  plotBottom: number;
  y: (value: Decimal) => Decimal;
}

/** The vertical scale from `low` (≤ 0) to `high` (≥ 0) and its grid lines with labels, the plot left of them wide enough for them and `sideLabels`. */
function frame(low: Decimal, high: Decimal, plotBottom: number, sideLabels: readonly string[] = []): { frame: Frame; grid: string } {
  const step = niceStep(Decimal.max(high.abs(), low.abs()));
  const max = high.lte(0) ? new Decimal(0) : high.dividedBy(step).ceil().times(step);
  const min = low.gte(0) ? new Decimal(0) : low.dividedBy(step).floor().times(step);
  const span = max.minus(min).isZero() ? new Decimal(1) : max.minus(min);
  const y = (value: Decimal): Decimal => new Decimal(plotBottom).minus(value.minus(min).dividedBy(span).times(plotBottom - PLOT_TOP));
  const ticks: Decimal[] = [];
  for (let tick = min; tick.lte(max); tick = tick.plus(step)) ticks.push(tick);
  const left = EDGE + Math.ceil([...ticks.map((t) => t.toFixed()), ...sideLabels].reduce((w, t) => Math.max(w, textWidth(t)), 0)) + 8;
  const lines = ticks.map((tick) => {
    const at = px(y(tick));
    return `<line class="grid" x1="${left}" x2="${CHART_WIDTH - PLOT_RIGHT}" y1="${at}" y2="${at}"/><text class="tick" x="${left - 6}" y="${at}" text-anchor="end" dominant-baseline="middle">${esc(tick.toFixed())}</text>`;
  });
  return { frame: { left, plotBottom, y }, grid: lines.join('') };
}

function svgOpen(id: string, height: number, title: string, desc: string): string {
  return `<svg id="${id}" class="chart" viewBox="0 0 ${CHART_WIDTH} ${height}" role="img" aria-labelledby="${id}-title ${id}-desc" xmlns="http://www.w3.org/2000/svg"><title id="${id}-title">${esc(title)}</title><desc id="${id}-desc">${esc(desc)}</desc>`;
}

/** Dates under the x axis, from axisLabels: inside the chart, never on each other. */
function xLabels(labels: string[], x: (i: number) => Decimal, baseline: number): string {
  const placed: PlacedLabel[] = axisLabels(labels, (i) => x(i).toNumber(), EDGE, CHART_WIDTH - EDGE);
  return placed.map((l) => `<text class="tick" x="${px(l.x)}" y="${baseline}" text-anchor="${l.anchor}">${esc(l.text)}</text>`).join('');
}

/** A stacked bar per category (a day), one segment per series (a product) with a non-zero value. */
export function stackedBars(options: { id: string; title: string; desc: string; categories: string[]; series: string[]; values: Decimal[][] }): string {
  const { categories, series, values } = options;
  const totals = categories.map((_, c) => series.reduce((sum, _s, s) => sum.plus(values[s]![c]!), new Decimal(0)));
  const positives = categories.map((_, c) => series.reduce((sum, _s, s) => sum.plus(Decimal.max(values[s]![c]!, 0)), new Decimal(0)));
  const negatives = categories.map((_, c) => series.reduce((sum, _s, s) => sum.plus(Decimal.min(values[s]![c]!, 0)), new Decimal(0)));
  const { frame: f, grid } = frame(extent(negatives).low, extent(positives).high, 232);
  const band = new Decimal(CHART_WIDTH - f.left - PLOT_RIGHT).dividedBy(Math.max(1, categories.length));
  const barWidth = Decimal.max(band.times(0.7), 1);
  const x = (i: number): Decimal => band.times(i).plus(f.left).plus(band.dividedBy(2));
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
  const height = f.plotBottom + X_LABELS;
  return `${svgOpen(options.id, height, options.title, options.desc)}${grid}<line class="axis" x1="${f.left}" x2="${CHART_WIDTH - PLOT_RIGHT}" y1="${zero}" y2="${zero}"/>${bars.join('')}${xLabels(categories, x, f.plotBottom + 16)}</svg>${legend(series)}<p class="chart-total" data-total="${esc(totals.reduce((a, b) => a.plus(b), new Decimal(0)).toFixed())}" hidden></p>`;
}

/** Share of the chart's width a bar's label, or its note, may take at most (longer ones end in `…`, whole in the bar's tooltip). */
const LABEL_SHARE = 0.3;
const NOTE_SHARE = 0.36;

/** A horizontal bar per row, its length the value; the label left of it and an annotation right of it, both inside the chart. */
export function horizontalBars(options: { id: string; title: string; desc: string; rows: { label: string; value: Decimal; note: string; colour: string }[] }): string {
  const { rows } = options;
  const rowHeight = 28;
  const height = Math.max(1, rows.length) * rowHeight + 16;
  const labels = rows.map((r) => shorten(r.label, CHART_WIDTH * LABEL_SHARE));
  const notes = rows.map((r) => shorten(r.note, CHART_WIDTH * NOTE_SHARE));
  const widest = (texts: string[]): number => Math.ceil(texts.reduce((w, t) => Math.max(w, textWidth(t)), 0));
  const left = EDGE + widest(labels) + 8;
  // The longest bar ends where its note still fits before the right edge.
  const room = CHART_WIDTH - EDGE - widest(notes) - 6 - left;
  const max = rows.reduce((m, r) => Decimal.max(m, r.value), new Decimal(0));
  const span = max.isZero() ? new Decimal(1) : max;
  const bars = rows.map((r, i) => {
    const y = 8 + i * rowHeight;
    const width = Decimal.max(r.value.dividedBy(span).times(room), r.value.isZero() ? 0 : 1);
    return `<text class="label" x="${left - 8}" y="${y + 10}" text-anchor="end" dominant-baseline="middle">${esc(labels[i]!)}</text>`
      + `<rect class="bar" data-category="${esc(r.label)}" data-value="${esc(r.value.toFixed())}" x="${left}" y="${y}" width="${px(width)}" height="20" fill="${r.colour}"><title>${esc(`${r.label}: ${r.note}`)}</title></rect>`
      + `<text class="note" x="${px(width.plus(left + 6))}" y="${y + 10}" dominant-baseline="middle">${esc(notes[i]!)}</text>`;
  });
  return `${svgOpen(options.id, height, options.title, options.desc)}${bars.join('')}</svg>`;
}

/** A marker on a line chart: a kind of event (autopay, topup, grant, addon, expire) at a point's index. */
export interface Marker {
  index: number;
  kind: string;
  label: string;
}

/** Marker rows under the plot, one a kind in this order (other kinds after, by name), each named at its left. */
const MARKER_KINDS: Record<string, { name: string; shape: 'up' | 'down' | 'square' }> = {
  autopay: { name: 'autopay', shape: 'up' },
  topup: { name: 'top-ups', shape: 'up' },
  grant: { name: 'grants', shape: 'up' },
  addon: { name: 'add-ons', shape: 'square' },
  expire: { name: 'expiries', shape: 'down' },
};
const MARKER_ROW = 16;
const MARKER_SIZE = 10;
/** Markers of a row closer than this are drawn as one that stands for all of them (its `data-count`), so none covers another. */
const MARKER_PITCH = 14;

/** The kinds of some markers in their row order. */
function markerRows(markers: readonly Marker[]): string[] {
  const order = Object.keys(MARKER_KINDS);
  const rank = (kind: string): number => (order.includes(kind) ? order.indexOf(kind) : order.length);
  return [...new Set(markers.map((m) => m.kind))].sort((a, b) => rank(a) - rank(b) || compareText(a, b));
}

/** Markers in rows, one a kind, those of a row too close to tell apart drawn as one. */
function drawMarkers(markers: readonly Marker[], rows: string[], categories: string[], x: (i: number) => Decimal, top: number, left: number): string {
  const out: string[] = [];
  rows.forEach((kind, row) => {
    const y = top + row * MARKER_ROW;
    const style = MARKER_KINDS[kind] ?? { name: kind, shape: 'square' as const };
    out.push(`<text class="tick marker-row" x="${left - 6}" y="${y + MARKER_SIZE / 2}" text-anchor="end" dominant-baseline="middle">${esc(style.name)}</text>`);
    const mine = markers.filter((m) => m.kind === kind).sort((a, b) => a.index - b.index);
    for (let i = 0; i < mine.length;) {
      const first = mine[i]!;
      const at = x(first.index).toNumber();
      let j = i + 1;
      while (j < mine.length && x(mine[j]!.index).toNumber() - at < MARKER_PITCH) j++;
      const group = mine.slice(i, j);
      const last = group[group.length - 1]!;
      const label = group.length === 1 ? first.label : `${group.length} ${kind} events from ${categories[first.index]} to ${categories[last.index]}: ${group.slice(0, 5).map((m) => m.label).join('; ')}${group.length > 5 ? '; …' : ''}`;
      const h = MARKER_SIZE / 2;
      const path = style.shape === 'up' ? `M${px(at)},${y} l${h},${MARKER_SIZE} h-${MARKER_SIZE} z`
        : style.shape === 'down' ? `M${px(at - h)},${y} h${MARKER_SIZE} l-${h},${MARKER_SIZE} z`
          : `M${px(at - h + 1)},${y + 1} h${MARKER_SIZE - 2} v${MARKER_SIZE - 2} h-${MARKER_SIZE - 2} z`;
      out.push(`<g class="marker marker-${esc(kind)}" data-kind="${esc(kind)}" data-category="${esc(categories[first.index]!)}" data-count="${group.length}"><path d="${path}"/><title>${esc(label)}</title></g>`);
      i = j;
    }
  });
  return out.join('');
}

/** A line through one point per category; under it a row of markers for each kind of event, and a dashed line where blocked. */
export function lineChart(options: { id: string; title: string; desc: string; categories: string[]; values: Decimal[]; projectedFrom: number; markers: Marker[]; blockedAt: number | undefined }): string {
  const { categories, values } = options;
  const { low, high } = extent(values);
  const rows = markerRows(options.markers);
  const { frame: f, grid } = frame(low, high, 252, rows.map((kind) => MARKER_KINDS[kind]?.name ?? kind));
  const right = CHART_WIDTH - PLOT_RIGHT - 4;
  const step = new Decimal(right - f.left - 4).dividedBy(Math.max(1, categories.length - 1));
  const x = (i: number): Decimal => step.times(i).plus(f.left + 4);
  const coords = values.map((v, i) => `${px(x(i))},${px(f.y(v))}`);
  const logPart = coords.slice(0, Math.max(1, options.projectedFrom));
  const projectedPart = options.projectedFrom < coords.length ? coords.slice(Math.max(0, options.projectedFrom - 1)) : [];
  const points = values.map((v, i) =>
    `<circle class="point${i >= options.projectedFrom ? ' projected' : ''}" data-category="${esc(categories[i]!)}" data-value="${esc(v.toFixed())}" cx="${px(x(i))}" cy="${px(f.y(v))}" r="3"><title>${esc(`${categories[i]}: ${v.toFixed()}${i >= options.projectedFrom ? ' (projected)' : ''}`)}</title></circle>`);
  // The marker rows sit under the plot, between the axis and the dates: never on the line, never on each other.
  const rowsTop = f.plotBottom + 8;
  const rowsBottom = rows.length === 0 ? f.plotBottom : rowsTop + rows.length * MARKER_ROW;
  const markers = drawMarkers(options.markers, rows, categories, x, rowsTop, f.left);
  const zero = px(f.y(new Decimal(0)));
  const height = rowsBottom + X_LABELS;
  return `${svgOpen(options.id, height, options.title, options.desc)}${grid}<line class="axis" x1="${f.left}" x2="${CHART_WIDTH - PLOT_RIGHT}" y1="${zero}" y2="${zero}"/>`
    + `<polyline class="line" points="${logPart.join(' ')}"/>${projectedPart.length > 1 ? `<polyline class="line projected" points="${projectedPart.join(' ')}"/>` : ''}`
    + `${blockedLine(options.blockedAt, categories, x, f.plotBottom)}${points.join('')}${markers}${xLabels(categories, x, rowsBottom + 16)}</svg>`;
}

/** The dashed line of the day access is blocked, its word on the side of it that has room. */
function blockedLine(at: number | undefined, categories: string[], x: (i: number) => Decimal, plotBottom: number): string {
  if (at === undefined) return '';
  const where = x(at).toNumber();
  const word = 'blocked';
  const fits = where + 4 + textWidth(word) <= CHART_WIDTH - EDGE;
  return `<g class="blocked" data-category="${esc(categories[at]!)}"><line x1="${px(where)}" x2="${px(where)}" y1="${PLOT_TOP}" y2="${plotBottom}"/>`
    + `<text x="${px(fits ? where + 4 : where - 4)}" y="${PLOT_TOP + 10}"${fits ? '' : ' text-anchor="end"'}>${word}</text></g>`;
}

function legend(series: string[]): string {
  return `<ul class="legend">${series.map((name, s) => `<li><span class="swatch" style="background:${PALETTE[s % PALETTE.length]}"></span>${esc(name)}</li>`).join('')}</ul>`;
}
