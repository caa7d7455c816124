import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const DIST = join(ROOT, 'dist');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  license: string;
  repository: { type: string; url: string };
  engines: { node: string };
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
};

/** Every `.js` file under dist/. */
function distFiles(dir = DIST): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return distFiles(path);
    return entry.name.endsWith('.js') ? [path] : [];
  });
}

/** The package a bare specifier names (`chalk`, `csv-stringify/sync` → csv-stringify, `@scope/x/y` → @scope/x). */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** The bare specifiers dist/ imports (static, re-exports, `import()`), with the files that import them. */
function bareImports(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of distFiles()) {
    const text = readFileSync(file, 'utf8');
    const statements = [/^\s*(?:import|export)\s[^;]*?\sfrom\s*['"]([^'"]+)['"]/gm, /^\s*import\s*['"]([^'"]+)['"]/gm, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g];
    for (const match of statements.flatMap((pattern) => [...text.matchAll(pattern)])) {
      const specifier = match[1]!;
      if (specifier.startsWith('.') || specifier.startsWith('/')) continue;
      const list = found.get(specifier) ?? [];
      list.push(relative(ROOT, file));
      found.set(specifier, list);
    }
  }
  return found;
}

/** Runs a command, with its wall time. */
function timed(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd: options.cwd, env: options.env ?? process.env, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

describe('runtime dependencies: only what runs', () => {
  const imports = bareImports();

  it('finds the imports of dist/', () => {
    expect([...imports.keys()]).toEqual(expect.arrayContaining(['commander', 'decimal.js', 'node:fs']));
  });

  it('every import in dist/ is a Node builtin or a runtime dependency (never a dev dependency)', () => {
    const wrong = [...imports].filter(([specifier]) => !isBuiltin(specifier) && !Object.hasOwn(pkg.dependencies, packageOf(specifier)) && !Object.hasOwn(pkg.optionalDependencies ?? {}, packageOf(specifier)));
    expect(wrong.map(([specifier, files]) => `${specifier} (${files.join(', ')})`)).toEqual([]);
  });

  it('every runtime dependency is imported by dist/ (none is carried for nothing)', () => {
    const used = new Set([...imports.keys()].map(packageOf));
    expect(Object.keys(pkg.dependencies).filter((name) => !used.has(name))).toEqual([]);
  });

  it('the README lists every runtime dependency, with its reason, and no other', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Dependencies'));
    const table = section.slice(0, section.indexOf('\n\n', section.indexOf('| package | why |')));
    const listed = [...table.matchAll(/^\| ([^ |]+) \| (.+) \|$/gm)].map((m) => [m[1]!, m[2]!]).filter(([name]) => name !== 'package' && name !== '---');
    expect(listed.map(([name]) => name).sort()).toEqual([...Object.keys(pkg.dependencies), ...Object.keys(pkg.optionalDependencies ?? {})].sort());
    for (const [, why] of listed) expect(why!.length).toBeGreaterThan(10);
  });
});

describe('what a run loads', () => {
  /** The packages a command's run resolves (its own modules aside). */
  const packagesOf = (args: string[]): string[] => {
    const file = join(mkdtempSync(join(tmpdir(), 'tallyman-imports-')), 'imports.txt');
    const run = spawnSync(process.execPath, ['--import', join(import.meta.dirname, 'hooks', 'record-imports.mjs'), 'bin/tallyman.js', ...args], { encoding: 'utf8', env: { ...process.env, TALLYMAN_IMPORTS: file } });
    expect(run.status, run.stderr).toBe(0);
    const urls = readFileSync(file, 'utf8').split('\n').filter((url) => url.includes('/node_modules/'));
    return [...new Set(urls.map((url) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)![1]!))].sort();
  };

  it('an invoice of a CSV log on a built-in card loads no card validation, Parquet, SQL or DuckDB (each only in the runs that use it)', () => {
    const loaded = packagesOf(['invoice', 'fixtures/quickstart.csv', '--format', 'json']);
    for (const heavy of ['zod', 'yaml', 'hyparquet', 'hyparquet-compressors', 'hyparquet-writer', '@duckdb/node-api', '@duckdb/node-bindings']) expect(loaded, heavy).not.toContain(heavy);
    expect(loaded).toContain('decimal.js');
  });

  it('--engine duckdb loads DuckDB\'s native bindings (on its thread, by require: the record sees both), not node-api\'s JavaScript', () => {
    const loaded = packagesOf(['invoice', 'fixtures/quickstart.csv', '--format', 'json', '--engine', 'duckdb']);
    expect(loaded).toContain('@duckdb/node-bindings');
    expect(loaded).not.toContain('@duckdb/node-api');
  });
});

describe('package metadata', () => {
  it('is MIT licensed, with the LICENSE file', () => {
    expect(pkg.license).toBe('MIT');
    const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^MIT License\n\nCopyright \(c\) 2026 the tallyman authors\n/);
    expect(license).toContain('THE SOFTWARE IS PROVIDED "AS IS"');
  });

  it('names its repository and the Node versions it runs on', () => {
    expect(pkg.repository).toEqual({ type: 'git', url: expect.stringMatching(/^git\+https:\/\/github\.com\/[^/]+\/[^/]+\.git$/) });
    expect(pkg.engines.node).toBe('>=20.19');
  });
});

/** A small project built by this repository's build script: src/ of two files, the same compiler options. */
function miniProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tallyman-build-'));
  mkdirSync(join(dir, 'scripts'));
  mkdirSync(join(dir, 'src'));
  cpSync(join(ROOT, 'scripts/build.mjs'), join(dir, 'scripts/build.mjs'));
  // The project's compiler options, without Node's types (a few seconds of type-checking each build).
  const tsconfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8'));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ ...tsconfig, compilerOptions: { ...tsconfig.compilerOptions, types: [] } }));
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(join(dir, 'src/cli.ts'), "import { answer } from './answer.js';\nexport const printed = `${answer()}`;\n");
  writeFileSync(join(dir, 'src/answer.ts'), 'export function answer(): number {\n  return 42;\n}\n');
  return dir;
}

const build = (dir: string, ...args: string[]) => timed(process.execPath, [join(dir, 'scripts/build.mjs'), ...args], { cwd: dir });

describe('npm run build: dist/ is replaced whole, never half-written', () => {
  it('builds into a folder beside dist/, stamps it, and renames it into place; --if-stale then does nothing', () => {
    const dir = miniProject();
    const first = build(dir);
    expect(first.status, first.stderr).toBe(0);
    const stamp = JSON.parse(readFileSync(join(dir, 'dist/build.json'), 'utf8'));
    expect(stamp.files).toEqual(['answer.js', 'cli.js']);
    expect(readdirSync(dir).filter((name) => name.startsWith('dist'))).toEqual(['dist']);
    const built = statSync(join(dir, 'dist/build.json')).mtimeMs;

    const again = build(dir, '--if-stale');
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('dist/ is up to date');
    expect(statSync(join(dir, 'dist/build.json')).mtimeMs).toBe(built);

    // A source changed: --if-stale builds again.
    writeFileSync(join(dir, 'src/answer.ts'), 'export function answer(): number {\n  return 43;\n}\n');
    expect(build(dir, '--if-stale').stdout).not.toContain('up to date');
    expect(readFileSync(join(dir, 'dist/answer.js'), 'utf8')).toContain('43');

    // A file of dist/ gone: not up to date either.
    rmSync(join(dir, 'dist/answer.js'));
    expect(build(dir, '--if-stale').stdout).not.toContain('up to date');
    expect(existsSync(join(dir, 'dist/answer.js'))).toBe(true);
  }, 120_000);

  it('a type error fails the build and leaves the previous dist/ as it was', () => {
    const dir = miniProject();
    expect(build(dir).status).toBe(0);
    const before = readFileSync(join(dir, 'dist/build.json'), 'utf8');
    writeFileSync(join(dir, 'src/answer.ts'), 'export function answer(): number {\n  return "forty-two";\n}\n');
    const failed = build(dir);
    expect(failed.status).not.toBe(0);
    expect(failed.stdout + failed.stderr).toContain("Type 'string' is not assignable to type 'number'");
    expect(failed.stderr).toContain('dist/ is left as it was');
    expect(readFileSync(join(dir, 'dist/build.json'), 'utf8')).toBe(before);
    expect(readFileSync(join(dir, 'dist/answer.js'), 'utf8')).toContain('42');
    expect(readdirSync(dir).filter((name) => name.startsWith('dist'))).toEqual(['dist']);
  }, 120_000);
});

describe('bin/tallyman.js without a finished dist/', () => {
  /** A copy of the package with its bin and a dist/ made by `prepare(dist)`. */
  function copy(prepare: (dist: string) => void): string {
    const dir = mkdtempSync(join(tmpdir(), 'tallyman-bin-'));
    cpSync(join(ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    prepare(join(dir, 'dist'));
    return dir;
  }
  const run = (dir: string) => timed(process.execPath, [join(dir, 'bin/tallyman.js'), 'invoice', join(ROOT, 'fixtures/quickstart.csv')], { cwd: dir });

  for (const [name, prepare] of [
    ['no dist/ at all', () => {}],
    ['a dist/ without its stamp (a build stopped midway)', (dist: string) => {
      cpSync(DIST, dist, { recursive: true });
      rmSync(join(dist, 'build.json'));
    }],
    ['a dist/ that lost a module', (dist: string) => {
      cpSync(DIST, dist, { recursive: true });
      rmSync(join(dist, 'commands/invoice.js'));
    }],
  ] as const) {
    it(`${name}: one line, exit 2, no stack`, () => {
      const result = run(copy(prepare));
      expect(result.status).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe('tallyman: dist/ is missing or incomplete: run npm run build\n');
    });
  }

  it('a build putting its dist/ in place (dist/ gone for an instant): the command waits for it', async () => {
    const dir = copy(() => {});
    cpSync(DIST, join(dir, 'dist.tmp-99999'), { recursive: true });
    const child = spawn(process.execPath, [join(dir, 'bin/tallyman.js'), '--version'], { cwd: dir });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    await new Promise((done) => setTimeout(done, 300));
    renameSync(join(dir, 'dist.tmp-99999'), join(dir, 'dist'));
    const status = await new Promise((done) => child.on('close', done));
    expect(status).toBe(0);
    expect(stdout).toBe(`${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}\n`);
  });

  it('a runtime dependency missing from node_modules: one line naming it, exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tallyman-bin-'));
    cpSync(join(ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    cpSync(DIST, join(dir, 'dist'), { recursive: true });
    const result = run(dir);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^tallyman: the package [^ ]+ is not installed: run npm install\n$/);
  });

  it('--engine duckdb without the optional package (the built thread script there to load it): one line saying how to install it, exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tallyman-bin-'));
    cpSync(join(ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    cpSync(DIST, join(dir, 'dist'), { recursive: true });
    // Every installed package but DuckDB's.
    mkdirSync(join(dir, 'node_modules'));
    for (const name of readdirSync(join(ROOT, 'node_modules'))) if (name !== '@duckdb') symlinkSync(join(ROOT, 'node_modules', name), join(dir, 'node_modules', name));
    expect(existsSync(join(dir, 'dist/engine/duckdb-thread.js'))).toBe(true);
    const result = timed(process.execPath, [join(dir, 'bin/tallyman.js'), 'invoice', join(ROOT, 'fixtures/quickstart.csv'), '--engine', 'duckdb'], { cwd: dir });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('tallyman: --engine duckdb needs the optional package @duckdb/node-api: npm install @duckdb/node-api (or use the default engine, --engine js)\n');
  });

  /** A copy of the built project whose @duckdb folder holds node-api and `bindings` (a folder to copy, or files to write) only. */
  const withDuckdb = (bindings: string | Record<string, string>): string => {
    const dir = mkdtempSync(join(tmpdir(), 'tallyman-bin-'));
    cpSync(join(ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    cpSync(DIST, join(dir, 'dist'), { recursive: true });
    mkdirSync(join(dir, 'node_modules/@duckdb'), { recursive: true });
    for (const name of readdirSync(join(ROOT, 'node_modules'))) if (name !== '@duckdb') symlinkSync(join(ROOT, 'node_modules', name), join(dir, 'node_modules', name));
    cpSync(join(ROOT, 'node_modules/@duckdb/node-api'), join(dir, 'node_modules/@duckdb/node-api'), { recursive: true });
    const target = join(dir, 'node_modules/@duckdb/node-bindings');
    if (typeof bindings === 'string') cpSync(bindings, target, { recursive: true });
    else {
      mkdirSync(target);
      for (const [name, text] of Object.entries(bindings)) writeFileSync(join(target, name), text);
    }
    return dir;
  };
  const runDuckdb = (dir: string, env: NodeJS.ProcessEnv = {}) =>
    timed(process.execPath, [join(dir, 'bin/tallyman.js'), 'invoice', join(ROOT, 'fixtures/quickstart.csv'), '--engine', 'duckdb'], { cwd: dir, env: { ...process.env, ...env } });

  it("--engine duckdb with node-api installed but no native library for this platform: said as that, in DuckDB's words, exit 2", () => {
    // The bindings' JavaScript without the platform's package (an install made on another system, or with --omit=optional).
    const result = runDuckdb(withDuckdb(join(ROOT, 'node_modules/@duckdb/node-bindings')));
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^tallyman: --engine duckdb cannot load DuckDB's native bindings \(@duckdb\/node-bindings, installed by @duckdb\/node-api\): Cannot find module '@duckdb\/node-bindings-[^\n]* \(install @duckdb\/node-api again on this machine, or use the default engine, --engine js\)\n$/);
  });

  it('--engine duckdb with bindings that lack a function tallyman calls (another version): named, exit 2, whatever TALLYMAN_DUCKDB_MEMORY says', () => {
    const dir = withDuckdb({ 'package.json': '{"name":"@duckdb/node-bindings","version":"9.0.0","main":"duckdb.js"}', 'duckdb.js': 'exports.open = () => {}; exports.connect = () => {};\n' });
    for (const env of [{}, { TALLYMAN_DUCKDB_MEMORY: '4GB' }]) {
      const result = runDuckdb(dir, env);
      expect(result.status).toBe(2);
      expect(result.stderr).toMatch(/^tallyman: --engine duckdb cannot use the DuckDB bindings installed with @duckdb\/node-api: they have no create_config, set_config, query, [^\n]*\(tallyman is tested with @duckdb\/node-api 1\.5: npm install @duckdb\/node-api@1\.5, or use the default engine, --engine js\)\n$/);
    }
  });
});

describe('instant start: npx tallyman from the project folder', () => {
  it('links the project without building it again, and answers at once', () => {
    // npm runs `prepare` when npx links the project into its cache (first run in a fresh cache).
    expect(pkg.scripts.prepare).toBe('node scripts/build.mjs --if-stale');
    const fresh = build(ROOT, '--check');
    expect(fresh.status, 'dist/ is not a build of the current sources: run npm run build first').toBe(0);
    const stamp = statSync(join(DIST, 'build.json')).mtimeMs;
    const cache = mkdtempSync(join(tmpdir(), 'tallyman-npx-'));
    const env: NodeJS.ProcessEnv = { ...process.env, npm_config_cache: cache, npm_config_offline: 'true', npm_config_update_notifier: 'false' };
    for (const key of Object.keys(env)) if (key.startsWith('npm_') && !['npm_config_cache', 'npm_config_offline', 'npm_config_update_notifier'].includes(key)) delete env[key];
    const first = timed('npx', ['tallyman', '--version'], { cwd: ROOT, env });
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toBe(`${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}\n`);
    expect(readdirSync(join(cache, '_npx')).length, 'npx linked the project into its cache').toBe(1);
    expect(statSync(join(DIST, 'build.json')).mtimeMs, 'dist/ was not built again').toBe(stamp);
    // Under 2 s on an idle machine (about 0.9 s on this project's 2-core one, most of it npm's own
    // start); the bound leaves room for a test run's other processes.
    expect(first.seconds).toBeLessThan(8);
    rmSync(cache, { recursive: true, force: true });
  }, 60_000);
});
