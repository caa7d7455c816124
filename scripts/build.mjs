// `npm run build`: type-checks and compiles src/ into dist/ so that no command ever sees a
// half-written dist/. tsc writes into a fresh folder beside it (dist.tmp-<pid>); only when tsc
// succeeds is a stamp written into it (dist/build.json: the hash of what it was built from, its file
// list) and the folder renamed into place. A failed build leaves the previous dist/ as it was.
//
// `--if-stale` (the `prepare` script): builds only when dist/ is missing, incomplete or built from
// other sources. npm runs `prepare` on `npm install` (the build a fresh clone needs) and again each
// time npx links the project into its cache (`npx tallyman` from the project folder): there it finds
// dist/ up to date and returns at once, instead of a 10-second tsc.
//
// `--check`: says whether dist/ is up to date (exit 0) or not (exit 1), and builds nothing.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const STAMP = 'build.json';

/** Every file under `dir`, relative to it, sorted (the same order on every machine). */
function filesUnder(dir) {
  const out = [];
  const walk = (at) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) out.push(relative(dir, path).split('\\').join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/** The SHA-256 of what dist/ is made from: src/, tsconfig.json, this script and the compiler's version. */
function sourceHash(tscVersion) {
  const hash = createHash('sha256');
  hash.update(`typescript ${tscVersion}\n`);
  for (const file of ['tsconfig.json', 'scripts/build.mjs', ...filesUnder(join(root, 'src')).map((f) => `src/${f}`)]) {
    hash.update(`${file}\n`);
    hash.update(readFileSync(join(root, file)));
    hash.update('\n');
  }
  return hash.digest('hex');
}

/** Whether dist/ holds a finished build of these sources: its stamp matches and every file it lists is there. */
function upToDate(hash) {
  try {
    const stamp = JSON.parse(readFileSync(join(dist, STAMP), 'utf8'));
    return stamp.source === hash && Array.isArray(stamp.files) && stamp.files.every((file) => existsSync(join(dist, file)));
  } catch {
    return false;
  }
}

/** Leftovers of builds that were killed midway (their process is gone). */
function removeLeftovers() {
  for (const name of readdirSync(root)) {
    const match = /^dist\.(?:tmp|old)-(\d+)$/.exec(name);
    if (match && !running(Number(match[1]))) rmSync(join(root, name), { recursive: true, force: true });
  }
}

/** Whether another process of that id is running (a build going on beside this one). */
function running(pid) {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** Puts the finished folder in dist/'s place: the old one is moved aside first (a rename each), then removed. */
function swapIn(ready) {
  const old = join(root, `dist.old-${process.pid}`);
  for (let attempt = 0; ; attempt++) {
    let movedAside = false;
    try {
      renameSync(dist, old);
      movedAside = true;
    } catch (error) {
      if (error.code !== 'ENOENT') throw error;
    }
    try {
      renameSync(ready, dist);
      break;
    } catch (error) {
      // Another build put its dist/ in place between the two renames: move that one aside too.
      if (!['ENOTEMPTY', 'EEXIST'].includes(error.code) || attempt >= 5) throw error;
    } finally {
      if (movedAside) rmSync(old, { recursive: true, force: true });
    }
  }
}

const require = createRequire(import.meta.url);
let tscPackage;
try {
  tscPackage = require.resolve('typescript/package.json', { paths: [root] });
} catch {
  console.error('build: typescript is not installed: run npm install (with the dev dependencies)');
  process.exit(1);
}
const tscVersion = JSON.parse(readFileSync(tscPackage, 'utf8')).version;
const hash = sourceHash(tscVersion);
const ifStale = process.argv.includes('--if-stale');

if (process.argv.includes('--check')) {
  // Whether dist/ is a finished build of the current sources (exit 0) or not (exit 1); builds nothing.
  const fresh = upToDate(hash);
  console.log(fresh ? 'dist/ is up to date' : 'dist/ is missing, incomplete or built from other sources');
  process.exit(fresh ? 0 : 1);
}
if (ifStale && upToDate(hash)) {
  console.log('dist/ is up to date');
} else {
  removeLeftovers();
  const out = join(root, `dist.tmp-${process.pid}`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out);
  const tsc = spawnSync(process.execPath, [join(dirname(tscPackage), 'bin', 'tsc'), '-p', join(root, 'tsconfig.json'), '--outDir', out], { cwd: root, stdio: 'inherit' });
  if (tsc.status !== 0) {
    rmSync(out, { recursive: true, force: true });
    console.error(`build: tsc failed (exit ${tsc.status ?? tsc.signal}); dist/ is left as it was`);
    process.exit(tsc.status || 1);
  }
  const files = filesUnder(out);
  writeFileSync(join(out, STAMP), `${JSON.stringify({ source: hash, typescript: tscVersion, files }, null, 2)}\n`);
  swapIn(out);
}
