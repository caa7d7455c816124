// What bin/tallyman.js runs: the compiled dist/. A dist/ that is missing or incomplete (no build yet, or one
// stopped midway by an older way of building) is one line and exit 2, never a stack trace:
// `npm run build` writes dist/build.json last, once every file is in place.
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const FIX = 'tallyman: dist/ is missing or incomplete: run npm run build';
const stamp = new URL('../dist/build.json', import.meta.url);
if (!existsSync(stamp) && !builtMeanwhile()) {
  process.stderr.write(`${FIX}\n`);
  process.exit(2);
}

/**
 * While a build puts its dist/ in place (two renames, the old one aside, the new one in), dist/ is
 * missing for an instant: when a build is under way, wait for it a little (up to 2 s).
 */
function builtMeanwhile() {
  const root = new URL('..', import.meta.url);
  const building = () => readdirSync(root).some((name) => /^dist\.(tmp|old)-\d+$/.test(name));
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let waited = 0; waited < 2000 && building(); waited += 20) {
    Atomics.wait(pause, 0, 0, 20);
    if (existsSync(stamp)) return true;
  }
  return existsSync(stamp);
}
try {
  await import('../dist/cli.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
  const message = String(error.message);
  // A module of dist/ that is not there (a file removed by hand): the same advice.
  const missing = /^Cannot find module '([^']+)'/.exec(message)?.[1];
  if (missing?.startsWith(fileURLToPath(new URL('../dist/', import.meta.url)))) process.stderr.write(`${FIX}\n`);
  else {
    const name = /^Cannot find package '([^']+)'/.exec(message)?.[1];
    if (name === undefined) throw error;
    process.stderr.write(`tallyman: the package ${name} is not installed: run npm install\n`);
  }
  process.exitCode = 2;
}
