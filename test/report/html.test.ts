import { describe, expect, it } from 'vitest';
import { checkHtmlOut } from '../../src/commands/shared.js';
import { esc, stackedBars } from '../../src/report/svg.js';
import { sparkline } from '../../src/report/terminal.js';
import { Decimal } from '../../src/util/decimal.js';

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
