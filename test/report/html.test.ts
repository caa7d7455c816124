import { describe, expect, it } from 'vitest';
import { checkHtmlOut } from '../../src/commands/shared.js';
import { renderInvoiceHtml } from '../../src/report/html.js';
import { localPeriod, sourceNames } from '../../src/report/html-page.js';
import { CHART_WIDTH, esc, horizontalBars, lineChart, stackedBars } from '../../src/report/svg.js';
import { axisLabels, shorten, textWidth } from '../../src/report/svg-text.js';
import { sparkline } from '../../src/report/terminal.js';
import { Decimal } from '../../src/util/decimal.js';
import { TimeZone } from '../../src/util/time.js';
import { invoiceOf } from '../helpers.js';

/** Every `<text>` of an SVG with where its ends are by textWidth, from its x and text-anchor. */
function textExtents(svg: string): { text: string; from: number; to: number }[] {
  return [...svg.matchAll(/<text[^>]*? x="([\d.-]+)"[^>]*>([^<]*)<\/text>/g)].map((m) => {
    const anchor = /text-anchor="(\w+)"/.exec(m[0])?.[1] ?? 'start';
    const x = Number(m[1]);
    const text = m[2]!.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'");
    const width = textWidth(text);
    const from = anchor === 'start' ? x : anchor === 'end' ? x - width : x - width / 2;
    return { text, from, to: from + width };
  });
}

describe('HTML and chart pieces', () => {
  it('refuses to write an HTML report into a terminal, and only there', () => {
    expect(() => checkHtmlOut({ format: 'html' }, { isTTY: true })).toThrow(/add --out report\.html/);
    expect(() => checkHtmlOut({ format: 'html', out: '-' }, { isTTY: true })).toThrow(/--out/);
    expect(() => checkHtmlOut({ format: 'html', out: 'r.html' }, { isTTY: true })).not.toThrow();
    expect(() => checkHtmlOut({ format: 'html' }, { isTTY: false })).not.toThrow();
    expect(() => checkHtmlOut({ format: 'table' }, { isTTY: true })).not.toThrow();
  });

  it('escapes every name that reaches the page (a project called <script> stays text)', () => {
    expect(esc(`<script>"x" & 'y'</script>`)).toBe('&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;');
    const svg = stackedBars({ id: 'c', title: 'a<b', desc: 'd', categories: ['<day>'], series: ['"p"'], values: [[new Decimal('1.5')]] });
    expect(svg).not.toContain('<day>');
    expect(svg).toContain('data-value="1.5"');
  });

  it('draws a bar a non-zero value and stacks negative ones below the axis', () => {
    const svg = stackedBars({ id: 'c', title: 't', desc: 'd', categories: ['d1', 'd2'], series: ['a', 'b'], values: [[new Decimal(2), new Decimal(0)], [new Decimal(-1), new Decimal(3)]] });
    expect(svg.match(/class="bar"/g)).toHaveLength(3);
  });

  it('a sparkline has a block a value, from the lowest to the highest', () => {
    expect(sparkline(['0', '1', '7', '3.5'].map((v) => new Decimal(v)))).toBe('▁▂█▅');
  });
});

describe('chart text stays inside the chart', () => {
  it('shortens a text to a width with an ellipsis, and leaves one that fits alone', () => {
    expect(shorten('UNCLOSED_SESSION', 500)).toBe('UNCLOSED_SESSION');
    const short = shorten('x'.repeat(300), 100);
    expect(short.endsWith('…')).toBe(true);
    expect(textWidth(short)).toBeLessThanOrEqual(100);
  });

  it('lays out a very long label and note beside the longest bar within the chart', () => {
    const long = `${'VERY_LONG_FINDING_CODE_'.repeat(8)}END`;
    const svg = horizontalBars({
      id: 'h', title: 't', desc: 'd',
      rows: [
        { label: long, value: new Decimal('123456.78'), note: `1 finding(s) · 123456.78 USD at stake ${'and a note that goes on and on '.repeat(6)}`, colour: '#000' },
        { label: 'SHORT', value: new Decimal('0.01'), note: 'n', colour: '#000' },
      ],
    });
    const texts = textExtents(svg);
    expect(texts).toHaveLength(4);
    for (const t of texts) {
      expect(t.from, t.text).toBeGreaterThanOrEqual(0);
      expect(t.to, t.text).toBeLessThanOrEqual(CHART_WIDTH);
    }
    expect(texts[0]!.text.endsWith('…')).toBe(true);
    // The whole label and note stay in the bar's tooltip.
    expect(svg).toContain(`<title>${long}: 1 finding(s)`);
  });

  it('keeps the first and the last date under an axis inside it, and no two labels on each other', () => {
    const days = Array.from({ length: 90 }, (_, i) => `2026-05-${String(i).padStart(2, '0')} (a long day label)`);
    const placed = axisLabels(days, (i) => 60 + (i * 650) / 89, 4, CHART_WIDTH - 4);
    expect(placed[0]!.index).toBe(0);
    expect(placed[placed.length - 1]!.index).toBe(89);
    expect(placed[placed.length - 1]!.anchor).toBe('end');
    const extents = placed.map((l) => {
      const w = textWidth(l.text);
      return l.anchor === 'start' ? [l.x, l.x + w] : l.anchor === 'end' ? [l.x - w, l.x] : [l.x - w / 2, l.x + w / 2];
    });
    extents.forEach(([from, to], i) => {
      expect(from).toBeGreaterThanOrEqual(4);
      expect(to).toBeLessThanOrEqual(CHART_WIDTH - 4);
      if (i > 0) expect(from).toBeGreaterThan(extents[i - 1]![1]!);
    });
  });

  it('keeps a stacked chart’s tick labels and dates inside it, whatever the amounts', () => {
    const categories = Array.from({ length: 31 }, (_, i) => `2026-05-${String(i + 1).padStart(2, '0')}`);
    const svg = stackedBars({ id: 's', title: 't', desc: 'd', categories, series: ['a'], values: [categories.map((_, i) => new Decimal(i % 2 === 0 ? '-123456789.5' : '987654321.25'))] });
    for (const t of textExtents(svg)) {
      expect(t.from, t.text).toBeGreaterThanOrEqual(0);
      expect(t.to, t.text).toBeLessThanOrEqual(CHART_WIDTH);
    }
    expect(textExtents(svg).map((t) => t.text)).toContain('2026-05-31');
  });

  it('draws markers of a day in rows of their own, and close ones as one that counts them', () => {
    const categories = Array.from({ length: 3660 }, (_, i) => `day-${i}`);
    const markers = categories.flatMap((_, i) => (i % 30 === 0 ? ['grant', 'expire', 'addon'].map((kind) => ({ index: i, kind, label: `${kind} on day ${i}` })) : []));
    const svg = lineChart({ id: 'b', title: 't', desc: 'd', categories, values: categories.map(() => new Decimal(1)), projectedFrom: 3660, markers, blockedAt: 3659 });
    const drawn = [...svg.matchAll(/<g class="marker marker-(\w+)"[^>]*data-count="(\d+)"><path d="M([\d.]+),([\d.]+)/g)].map((m) => ({ kind: m[1]!, count: Number(m[2]), x: Number(m[3]), y: Number(m[4]) }));
    for (const kind of ['grant', 'expire', 'addon']) {
      const mine = drawn.filter((d) => d.kind === kind);
      // Every event is counted once, by fewer markers than events (monthly on a ten-year axis), all in one row.
      expect(mine.reduce((n, d) => n + d.count, 0), kind).toBe(markers.length / 3);
      expect(mine.length).toBeLessThan(markers.length / 3);
      expect(new Set(mine.map((d) => d.y)).size).toBe(1);
    }
    expect(new Set(drawn.map((d) => d.y)).size).toBe(3);
    for (const t of textExtents(svg)) {
      expect(t.from, t.text).toBeGreaterThanOrEqual(0);
      expect(t.to, t.text).toBeLessThanOrEqual(CHART_WIDTH);
    }
  });
});

describe('where a report comes from', () => {
  it('names input files by their base names, standard input as such, and the first ten of many', () => {
    expect(sourceNames(['/tmp/tallyman-x1/may.csv', 'logs/june.ndjson', '-'])).toBe('may.csv, june.ndjson, standard input');
    expect(sourceNames(Array.from({ length: 12 }, (_, i) => `f${i}.csv`))).toBe('f0.csv, f1.csv, f2.csv, f3.csv, f4.csv, f5.csv, f6.csv, f7.csv, f8.csv, f9.csv and 2 more');
  });

  it('gives the period in local days of the zone the days are cut in', async () => {
    const rows = [
      { kind: 'transcript', id: 'a', timestamp: '2026-05-03T17:00:00Z', model: 'universal-2', audio_duration: '60', status: 'completed' },
      { kind: 'transcript', id: 'b', timestamp: '2026-05-05T16:00:00Z', model: 'universal-2', audio_duration: '60', status: 'completed' },
    ];
    const invoice = await invoiceOf(rows);
    expect(localPeriod(invoice)).toBe('2026-05-03 to 2026-05-05 · local days in UTC (first to last record)');
    expect(localPeriod({ ...invoice, zone: TimeZone.of('Asia/Shanghai') })).toBe('2026-05-04 to 2026-05-06 · local days in Asia/Shanghai (first to last record)');
    const may = await invoiceOf(rows, 'assemblyai', { month: '2026-05' });
    expect(localPeriod(may)).toBe('2026-05-01 to 2026-05-31 · local days in UTC (as asked)');
    const zone = TimeZone.of('UTC');
    expect(localPeriod({ ...may, bounds: { from: Date.parse('2026-05-01T12:30:00Z'), to: Date.parse('2026-05-02T06:00:00Z') }, zone })).toBe('2026-05-01 12:30 to before 2026-05-02 06:00 · local days in UTC (as asked)');
  });

  it('puts usage priced at zero in the banner at the top, and warnings that cost nothing in the notes at the end', async () => {
    const invoice = await invoiceOf([
      { kind: 'transcript', id: 'a', timestamp: '2026-05-03T09:00:00Z', model: 'no-such-model', audio_duration: '60', status: 'completed' },
      { kind: 'transcript', id: 'b', timestamp: '2026-05-03T10:00:00Z', model: 'universal-2', audio_duration: '60', status: 'completed' },
      { kind: 'transcript', id: 'b', timestamp: '2026-05-03T10:00:00Z', model: 'universal-2', audio_duration: '60', status: 'completed' },
    ], 'assemblyai', { allowUnpriced: true, daily: true });
    expect(invoice.warnings.map((w) => w.code).sort()).toEqual(['DUPLICATE_ID', 'UNPRICED']);
    const html = renderInvoiceHtml(invoice);
    const banner = /<section class="alert" role="alert"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
    expect(banner).toContain('UNPRICED');
    expect(banner).toContain('no-such-model');
    expect(banner).not.toContain('DUPLICATE_ID');
    expect(html.indexOf('role="alert"')).toBeLessThan(html.indexOf('class="kpis"'));
    expect(html.slice(html.indexOf('<h2>Notes</h2>'))).toContain('DUPLICATE_ID');
  });
});
