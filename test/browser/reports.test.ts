import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal } from '../../src/util/decimal.js';
import { CHROMIUM, launchChromium } from '../../scripts/chromium.mjs';

/**
 * The HTML reports in a real browser (Debian's Chromium, driven by playwright-core): each report is
 * written by the built binary, opened from disk, and must load nothing from the network, log no
 * console error, carry as many bars and points as the JSON of the same run says, add up to its
 * totals, fit a phone's width, and print. Its layout is measured at desktop and at phone width:
 * every chart text inside its chart, none on another, none rendered below 11 px, no marker on
 * another. A screenshot of each is kept in test/artifacts/.
 */

const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/tallyman.js');
const ARTIFACTS = join(ROOT, 'test/artifacts');
// Under CI the browser must be there (.ci/run installs it); elsewhere the tests say why they skip.
const available = existsSync(CHROMIUM);
if (!available && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium for the browser tests`);

const execute = promisify(execFile);

/** Runs the built binary; its exit status (0, or 1 for an audit with findings) and standard output. */
async function tallyman(args: string[]): Promise<{ status: number | null; stdout: string }> {
  try {
    const { stdout } = await execute(process.execPath, [BIN, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', TZ: process.env.TZ ?? 'UTC' }, encoding: 'utf8', maxBuffer: 64 << 20 });
    return { status: 0, stdout };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string };
    return { status: typeof failed.code === 'number' ? failed.code : null, stdout: failed.stdout ?? '' };
  }
}

/** Writes a report as HTML and returns its path. */
async function htmlReport(name: string, args: string[]): Promise<string> {
  const path = join(ARTIFACTS, `${name}.html`);
  const run = await tallyman([...args, '--format', 'html', '--out', path]);
  expect(run.status === 0 || run.status === 1).toBe(true);
  return path;
}

/** Writes a report as HTML and returns its path with the JSON of the same command (the two runs side by side). */
async function report<T>(name: string, args: string[]): Promise<{ path: string; json: T }> {
  const [path, json] = await Promise.all([htmlReport(name, args), tallyman([...args, '--format', 'json'])]);
  return { path, json: JSON.parse(json.stdout) as T };
}

let context: BrowserContext;
let profile: string;

beforeAll(async () => {
  if (!available) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  profile = mkdtempSync(join(tmpdir(), 'tallyman-chromium-'));
  context = await launchChromium(profile, { width: 1000, height: 800 });
}, 60_000);

afterAll(async () => {
  await context?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/** Opens a report, failing on any console error, page error or request that is not the file itself. */
async function open(path: string): Promise<{ page: Page; problems: string[] }> {
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('request', (request) => {
    if (request.url() !== pathToFileURL(path).href) problems.push(`request: ${request.url()}`);
  });
  await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
  return { page, problems };
}

/** The sum of the `data-value` of every element a selector finds. */
async function sum(page: Page, selector: string): Promise<string> {
  const values = await page.locator(selector).evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-value') ?? '0'));
  return values.reduce((total, v) => total.plus(v), new Decimal(0)).toFixed(2);
}

/** The smallest text a reader is given, in CSS pixels as rendered. */
const SMALLEST_TEXT = 11;

/**
 * What is wrong with the page's layout at its current width, measured in the browser: a chart text
 * (its glyph box) outside its chart's viewBox or on another text of the chart, any text rendered
 * smaller than SMALLEST_TEXT px (SVG text scaled by its chart's width), a marker on another.
 */
async function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate((smallest) => {
    const problems: string[] = [];
    type Box = { x: number; y: number; width: number; height: number };
    // Boxes that share more than a hair (0.5 px each way): rounding of glyph boxes is not an overlap.
    const overlap = (a: Box, b: Box): boolean =>
      Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x) > 0.5 && Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y) > 0.5;
    const show = (b: Box): string => `${b.x.toFixed(1)},${b.y.toFixed(1)} ${b.width.toFixed(1)}×${b.height.toFixed(1)}`;
    for (const svg of document.querySelectorAll<SVGSVGElement>('svg.chart')) {
      const view = svg.viewBox.baseVal;
      const scale = svg.getBoundingClientRect().width / view.width;
      const texts = [...svg.querySelectorAll<SVGTextElement>('text')];
      const boxes = texts.map((t) => t.getBBox());
      texts.forEach((text, i) => {
        const box = boxes[i]!;
        const name = `${svg.id}: "${text.textContent}"`;
        if (box.x < view.x - 0.5 || box.y < view.y - 0.5 || box.x + box.width > view.x + view.width + 0.5 || box.y + box.height > view.y + view.height + 0.5) {
          problems.push(`${name} leaves the chart: ${show(box)} in ${view.width}×${view.height}`);
        }
        const size = parseFloat(getComputedStyle(text).fontSize) * scale;
        if (size < smallest) problems.push(`${name} is ${size.toFixed(1)} px`);
        for (let j = i + 1; j < texts.length; j++) {
          if (overlap(box, boxes[j]!)) problems.push(`${name} covers "${texts[j]!.textContent}": ${show(box)} and ${show(boxes[j]!)}`);
        }
      });
      const markers = [...svg.querySelectorAll('g.marker')].map((m) => ({ name: `${m.getAttribute('data-kind')} ${m.getAttribute('data-category')}`, box: m.getBoundingClientRect() }));
      markers.forEach((a, i) => markers.slice(i + 1).forEach((b) => {
        if (overlap(a.box, b.box)) problems.push(`${svg.id}: marker ${a.name} covers marker ${b.name}`);
      }));
    }
    for (const element of document.body.querySelectorAll('*')) {
      if (element.closest('svg, [hidden]') || ![...element.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim() !== '')) continue;
      const size = parseFloat(getComputedStyle(element).fontSize);
      if (size < smallest) problems.push(`<${element.localName}> "${element.textContent!.slice(0, 40)}" is ${size} px`);
    }
    return problems;
  }, SMALLEST_TEXT);
}

/** Phone width: a chart scrolls in its own box, the page never sideways. */
const PHONE = { width: 390, height: 844 };

/** Laid out right at desktop width and at a phone's, where the page never scrolls sideways (the viewport is left at the phone's). */
async function laidOut(page: Page): Promise<void> {
  expect(await layoutProblems(page), 'desktop').toEqual([]);
  await page.setViewportSize(PHONE);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
  expect(await layoutProblems(page), 'phone').toEqual([]);
}

/** Laid out right (laidOut), prints to PDF, and leaves screenshots at both widths. */
async function looksRight(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  await laidOut(page);
  await page.screenshot({ path: join(ARTIFACTS, `${name}-phone.png`) });
  await page.emulateMedia({ media: 'print' });
  const pdf = await page.pdf({ format: 'A4' });
  expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
}

/** The lines under the heading: input files, rate card and version, period, currency, ... */
async function provenance(page: Page): Promise<string> {
  return (await page.locator('dl.provenance').innerText()).replace(/\s+/g, ' ');
}

/** The events the markers a selector finds stand for (a marker may stand for several close ones). */
async function events(page: Page, selector: string): Promise<number> {
  const counts = await page.locator(selector).evaluateAll((nodes) => nodes.map((n) => Number(n.getAttribute('data-count'))));
  return counts.reduce((a, b) => a + b, 0);
}

describe.skipIf(!available)('HTML reports in Chromium', () => {
  it('invoice: a stacked bar per product and day, adding up to the total; where it comes from, in local days', async () => {
    const { path, json } = await report<{ total: string; card: { versions: { version: string; hash: string }[] } }>('invoice', ['invoice', 'fixtures/tencent-month.csv', '--rates', 'tencent-asr']);
    const { page, problems } = await open(path);
    // Tencent's fixture by hand: realtime 402.46 + file 285.00 on 2026-05-04, realtime 255.54 on
    // 05-05, file-large 1.80 on 05-06 (Asia/Shanghai days): four non-zero product-days.
    expect(await page.locator('svg#daily-spend rect.bar').count()).toBe(4);
    expect(await sum(page, 'svg#daily-spend rect.bar')).toBe(json.total);
    expect(json.total).toBe('944.80');
    expect(await page.locator('svg#daily-spend title').first().textContent()).toContain('Daily spend');
    expect(await page.locator('svg#daily-spend desc').textContent()).toContain('944.80 USD in all');
    expect(await page.locator('tr.total td').last().textContent()).toBe('944.80');
    const { version, hash } = json.card.versions[0]!;
    const origin = await provenance(page);
    expect(origin).toContain('Input tencent-month.csv');
    expect(origin).toContain(`Rate card tencent-asr (built-in) · version ${version} (#${hash})`);
    // Its first and last records are at 2026-05-03T17:00Z and 05-05T16:00Z: 05-04 to 05-06 in Shanghai.
    expect(origin).toContain('Period 2026-05-04 to 2026-05-06 · local days in Asia/Shanghai');
    expect(await page.locator('[role=alert]').count()).toBe(0);
    await looksRight(page, 'invoice');
    expect(problems).toEqual([]);
    // A month of days: the README's picture, whose last date and longest label were cut once.
    const month = await open(await htmlReport('invoice-month', ['invoice', 'fixtures/month.csv']));
    expect(await month.page.locator('svg#daily-spend text.tick', { hasText: '2026-05-30' }).count()).toBe(1);
    await laidOut(month.page);
    expect(month.problems).toEqual([]);
  });

  it('audit: a bar per finding code, adding up to the money at stake; the unclosed session in the banner', async () => {
    const { path, json } = await report<{ summary: { codes: unknown[]; money_at_stake: string } }>('audit', ['audit', 'fixtures/audit/streams.csv']);
    const { page, problems } = await open(path);
    expect(await page.locator('svg#findings-by-code rect.bar').count()).toBe(json.summary.codes.length);
    expect(json.summary.codes.length).toBe(5);
    expect(await sum(page, 'svg#findings-by-code rect.bar')).toBe(json.summary.money_at_stake);
    expect(await page.locator('svg#findings-by-code desc').textContent()).toContain(`Money at stake in all: ${json.summary.money_at_stake} USD`);
    // The banner comes before the figures, and says what the unclosed session cost.
    const banner = page.locator('[role=alert]');
    expect(await banner.innerText()).toMatch(/never closed[\s\S]*3 h billed for 0\.03 h of audio, 0\.45 USD beyond their audio[\s\S]*UNCLOSED_SESSION/);
    expect(await page.evaluate(() => document.querySelector('[role=alert]')!.compareDocumentPosition(document.querySelector('.kpis')!) & Node.DOCUMENT_POSITION_FOLLOWING)).toBeTruthy();
    expect(await provenance(page)).toContain('Input streams.csv');
    expect(await provenance(page)).toContain('Period 2026-05-06 · local days in UTC');
    await looksRight(page, 'audit');
    expect(problems).toEqual([]);
  });

  it('balance: a point a day over log and projection, autopay markers, the projected end', async () => {
    const { path, json } = await report<{ events: { type: string }[]; projection: { date: string; balance: string }[]; blocked: unknown }>('balance', ['balance', 'fixtures/ledger/prepaid.csv', '--balance', '30', '--autopay', '25:50']);
    const { page, problems } = await open(path);
    // The log runs 2026-05-01 … 05-04 and the 30-day projection to 06-03: 34 days, one point each.
    expect(await page.locator('svg#balance-over-time circle.point').count()).toBe(34);
    expect(json.projection[json.projection.length - 1]!.date).toBe('2026-06-03');
    expect(await page.locator('svg#balance-over-time circle.point').last().getAttribute('data-value')).toBe(json.projection[json.projection.length - 1]!.balance);
    const autopays = json.events.filter((e) => e.type === 'autopay').length;
    expect(autopays).toBe(3);
    expect(await page.locator('svg#balance-over-time g.marker-autopay').count()).toBe(autopays);
    expect(await page.locator('svg#balance-over-time g.blocked').count()).toBe(0);
    expect(await page.locator('[role=alert]').count()).toBe(0);
    expect(await provenance(page)).toContain('Projection 30 day(s) to 2026-06-03');
    await looksRight(page, 'balance');
    expect(problems).toEqual([]);
  });

  it('balance: the blocked date in the banner, and credit grants and expiries on rows of their own', async () => {
    const [blocked, credits] = await Promise.all([
      report<{ blocked: { at: string } | null }>('balance-blocked', ['balance', 'fixtures/ledger/prepaid.csv', '--balance', '12', '--days', '20']),
      report<{ events: { type: string }[] }>('balance-credits', ['balance', 'fixtures/ledger/credits.csv', '--rates', 'credits-example', '--account', 'fixtures/ledger/account.yaml']),
    ]);
    const one = await open(blocked.path);
    expect(blocked.json.blocked?.at).toBe('2026-05-06T08:00:00Z');
    expect(await one.page.locator('svg g.blocked').getAttribute('data-category')).toBe('2026-05-06');
    expect(await one.page.locator('svg circle.point').count()).toBe(24); // 2026-05-01 … 05-24
    expect(await one.page.locator('[role=alert]').innerText()).toContain('API access would be blocked at 2026-05-06 08:00 (UTC)');
    await laidOut(one.page);
    expect(one.problems).toEqual([]);
    const two = await open(credits.path);
    for (const kind of ['grant', 'expire', 'addon']) {
      const count = credits.json.events.filter((e) => e.type === kind).length;
      expect(count, kind).toBeGreaterThan(0);
      expect(await events(two.page, `svg g.marker-${kind}`), kind).toBe(count);
    }
    // A grant, an add-on and an expiry on 2026-09-01: three markers, each in its own row.
    expect(await two.page.locator('svg g.marker[data-category="2026-09-01"]').count()).toBe(3);
    await looksRight(two.page, 'balance-credits');
    expect(two.problems).toEqual([]);
  });
});
