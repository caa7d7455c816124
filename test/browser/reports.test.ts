import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal } from '../../src/util/decimal.js';
import { CHROMIUM, launchChromium } from '../../scripts/chromium.mjs';

/**
 * The HTML reports in a real browser (Debian's Chromium, driven by playwright-core): each report is
 * written by the built binary, opened from disk, and must load nothing from the network, log no
 * console error, carry as many bars and points as the JSON of the same run says, add up to its
 * totals, fit a phone's width, and print. A screenshot of each is kept in test/artifacts/.
 */

const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/tallyman.js');
const ARTIFACTS = join(ROOT, 'test/artifacts');
// Under CI the browser must be there (.ci/run installs it); elsewhere the tests say why they skip.
const available = existsSync(CHROMIUM);
if (!available && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium for the browser tests`);

function tallyman(args: string[]): { status: number | null; stdout: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1', TZ: process.env.TZ ?? 'UTC' }, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout };
}

/** Writes a report as HTML and returns its path with the JSON of the same command. */
function report<T>(name: string, args: string[]): { path: string; json: T } {
  const path = join(ARTIFACTS, `${name}.html`);
  const html = tallyman([...args, '--format', 'html', '--out', path]);
  expect(html.status === 0 || html.status === 1).toBe(true);
  return { path, json: JSON.parse(tallyman([...args, '--format', 'json']).stdout) as T };
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

/** Fits a phone (no sideways scrolling of the page), prints to PDF, and leaves a screenshot. */
async function looksRight(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.screenshot({ path: join(ARTIFACTS, `${name}-phone.png`) });
  await page.emulateMedia({ media: 'print' });
  const pdf = await page.pdf({ format: 'A4' });
  expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
}

describe.skipIf(!available)('HTML reports in Chromium', () => {
  it('invoice: a stacked bar per product and day, adding up to the total', async () => {
    const { path, json } = report<{ total: string }>('invoice', ['invoice', 'fixtures/tencent-month.csv', '--rates', 'tencent-asr']);
    const { page, problems } = await open(path);
    // Tencent's fixture by hand: realtime 402.46 + file 285.00 on 2026-05-04, realtime 255.54 on
    // 05-05, file-large 1.80 on 05-06 (Asia/Shanghai days): four non-zero product-days.
    expect(await page.locator('svg#daily-spend rect.bar').count()).toBe(4);
    expect(await sum(page, 'svg#daily-spend rect.bar')).toBe(json.total);
    expect(json.total).toBe('944.80');
    expect(await page.locator('svg#daily-spend title').first().textContent()).toContain('Daily spend');
    expect(await page.locator('svg#daily-spend desc').textContent()).toContain('944.80 USD in all');
    expect(await page.locator('tr.total td').last().textContent()).toBe('944.80');
    await looksRight(page, 'invoice');
    expect(problems).toEqual([]);
  });

  it('audit: a bar per finding code, adding up to the money at stake', async () => {
    const { path, json } = report<{ summary: { codes: unknown[]; money_at_stake: string } }>('audit', ['audit', 'fixtures/audit/streams.csv']);
    const { page, problems } = await open(path);
    expect(await page.locator('svg#findings-by-code rect.bar').count()).toBe(json.summary.codes.length);
    expect(json.summary.codes.length).toBe(5);
    expect(await sum(page, 'svg#findings-by-code rect.bar')).toBe(json.summary.money_at_stake);
    expect(await page.locator('svg#findings-by-code desc').textContent()).toContain(`Money at stake in all: ${json.summary.money_at_stake} USD`);
    await looksRight(page, 'audit');
    expect(problems).toEqual([]);
  });

  it('balance: a point a day over log and projection, autopay markers, the projected end', async () => {
    const { path, json } = report<{ events: { type: string }[]; projection: { date: string; balance: string }[]; blocked: unknown }>('balance', ['balance', 'fixtures/ledger/prepaid.csv', '--balance', '30', '--autopay', '25:50']);
    const { page, problems } = await open(path);
    // The log runs 2026-05-01 … 05-04 and the 30-day projection to 06-03: 34 days, one point each.
    expect(await page.locator('svg#balance-over-time circle.point').count()).toBe(34);
    expect(json.projection[json.projection.length - 1]!.date).toBe('2026-06-03');
    expect(await page.locator('svg#balance-over-time circle.point').last().getAttribute('data-value')).toBe(json.projection[json.projection.length - 1]!.balance);
    const autopays = json.events.filter((e) => e.type === 'autopay').length;
    expect(autopays).toBe(3);
    expect(await page.locator('svg#balance-over-time g.marker-autopay').count()).toBe(autopays);
    expect(await page.locator('svg#balance-over-time g.blocked').count()).toBe(0);
    await looksRight(page, 'balance');
    expect(problems).toEqual([]);
  });

  it('balance: the blocked date, and credit grants and expiries', async () => {
    const blocked = report<{ blocked: { at: string } | null }>('balance-blocked', ['balance', 'fixtures/ledger/prepaid.csv', '--balance', '12', '--days', '20']);
    const one = await open(blocked.path);
    expect(blocked.json.blocked?.at).toBe('2026-05-06T08:00:00Z');
    expect(await one.page.locator('svg g.blocked').getAttribute('data-category')).toBe('2026-05-06');
    expect(await one.page.locator('svg circle.point').count()).toBe(24); // 2026-05-01 … 05-24
    expect(one.problems).toEqual([]);
    const credits = report<{ events: { type: string }[] }>('balance-credits', ['balance', 'fixtures/ledger/credits.csv', '--rates', 'credits-example', '--account', 'fixtures/ledger/account.yaml']);
    const two = await open(credits.path);
    for (const kind of ['grant', 'expire', 'addon']) {
      expect(await two.page.locator(`svg g.marker-${kind}`).count()).toBe(credits.json.events.filter((e) => e.type === kind).length);
    }
    await looksRight(two.page, 'balance-credits');
    expect(two.problems).toEqual([]);
  });
});
