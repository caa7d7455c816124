/**
 * Text in the SVG charts, laid out before a browser sees it: a chart cannot ask for the width of its
 * own labels, so they are measured here on the wide side and placed so that none leaves the viewBox
 * and none covers another.
 */

/** The font size of every chart text, in viewBox units: a chart is never drawn narrower than its viewBox, so never below 11 px. */
export const FONT_SIZE = 11;

/** Widths in em, each a little above the widest of the usual sans-serif fonts (DejaVu Sans, Verdana). */
const NARROW = new Set(" .,:;|!'`iljIJ·");
const SEMI = new Set('ftr()[]{}-/\\"*');
const WIDE = new Set('mwMW@%…—');
const BROAD = new Set('#&+=<>~');

function charWidth(c: string): number {
  if (NARROW.has(c)) return 0.34;
  if (SEMI.has(c)) return 0.46;
  if (WIDE.has(c) || c > '\u007f') return 1.0;
  if ((c >= 'A' && c <= 'Z') || BROAD.has(c)) return 0.84;
  return 0.66;
}

/** The width a text takes at `size`, over-estimated: a label laid out with it fits in any common font. */
export function textWidth(text: string, size = FONT_SIZE): number {
  let em = 0;
  for (const c of text) em += charWidth(c);
  return em * size;
}

/** The text itself when it fits in `width`, else as much of it as fits followed by `…`. */
export function shorten(text: string, width: number, size = FONT_SIZE): string {
  if (textWidth(text, size) <= width) return text;
  const room = width - charWidth('…') * size;
  let used = 0;
  let out = '';
  for (const c of text) {
    used += charWidth(c) * size;
    if (used > room) break;
    out += c;
  }
  return `${out.trimEnd()}…`;
}

/** A label placed on a horizontal axis: its text (shortened where needed), where it is anchored and how. */
export interface PlacedLabel {
  text: string;
  x: number;
  anchor: 'start' | 'middle' | 'end';
  /** The index of the tick it labels. */
  index: number;
}

/** Space kept between two labels of an axis. */
const LABEL_GAP = 10;

/**
 * Labels for the ticks at `at(i)` between `left` and `right`: the first and the last always, and as
 * many evenly spaced ones between as fit without touching. Each is centred under its tick unless that
 * would take it past an edge, where it is anchored to the edge instead (`start` at the left,
 * `end` at the right), so that it stays inside in any font no wider than `textWidth` says.
 */
export function axisLabels(labels: readonly string[], at: (i: number) => number, left: number, right: number): PlacedLabel[] {
  if (labels.length === 0) return [];
  const place = (index: number): PlacedLabel & { from: number; to: number } => {
    const text = shorten(labels[index]!, right - left);
    const width = textWidth(text);
    const centre = at(index);
    if (centre - width / 2 < left) return { text, x: left, anchor: 'start', index, from: left, to: left + width };
    if (centre + width / 2 > right) return { text, x: right, anchor: 'end', index, from: right - width, to: right };
    return { text, x: centre, anchor: 'middle', index, from: centre - width / 2, to: centre + width / 2 };
  };
  const last = labels.length - 1;
  const placed = [place(0)];
  if (last > 0) {
    const end = place(last);
    // Two labels that cannot both be read: the first wins.
    if (end.from >= placed[0]!.to + LABEL_GAP) placed.push(end);
  }
  // Ticks between, at a stride that leaves room for the widest label: each kept where it touches no other.
  const widest = labels.reduce((w, l) => Math.max(w, textWidth(l)), 0);
  const pitch = last > 0 ? Math.abs(at(last) - at(0)) / last : 0;
  const stride = pitch > 0 ? Math.max(1, Math.ceil((widest + LABEL_GAP) / pitch)) : labels.length;
  for (let i = stride; i < last; i += stride) {
    const label = place(i);
    if (placed.every((p) => label.from >= p.to + LABEL_GAP || label.to + LABEL_GAP <= p.from)) placed.push(label);
  }
  return placed.sort((a, b) => a.index - b.index).map(({ text, x, anchor, index }) => ({ text, x, anchor, index }));
}
