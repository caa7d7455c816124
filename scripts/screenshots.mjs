// `npm run screenshots`: the README's pictures of the HTML reports, made by the built binary from the
// fixtures and shot in Debian's Chromium (playwright-core). Not part of the tests.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launchChromium } from './chromium.mjs';

const root = join(fileURLToPath(import.meta.url), '../..');
const work = mkdtempSync(join(tmpdir(), 'tallyman-shots-'));
const shots = [
  { name: 'invoice-report', args: ['invoice', 'fixtures/month.csv'] },
  { name: 'balance-report', args: ['balance', 'fixtures/ledger/prepaid.csv', '--balance', '30', '--autopay', '25:50'] },
];
const context = await launchChromium(join(work, 'profile'), { width: 1000, height: 760 });
for (const { name, args } of shots) {
  const html = join(work, `${name}.html`);
  const run = spawnSync(process.execPath, [join(root, 'bin/tallyman.js'), ...args, '--format', 'html', '--out', html], { cwd: root, encoding: 'utf8', env: { ...process.env, TZ: 'UTC' } });
  if (run.status !== 0) throw new Error(`${args.join(' ')}: ${run.stderr}`);
  const page = await context.newPage();
  await page.goto(pathToFileURL(html).href);
  await page.screenshot({ path: join(root, 'docs', `${name}.png`) });
  console.log(`docs/${name}.png`);
}
await context.close();
rmSync(work, { recursive: true, force: true });
