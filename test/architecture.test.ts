import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../src');

/** Every `.ts` file under a folder, as paths relative to `src/` with `/` separators. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [relative(SRC, path).split('\\').join('/')] : [];
  });
}

/** The files under `src/` a file imports (static, type-only, re-exports and `import()`), relative to `src/`. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(SRC, file), 'utf8');
  const specifiers = [...text.matchAll(/\b(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]!);
  return specifiers
    .filter((s) => s.startsWith('.'))
    .map((s) => relative(SRC, resolve(SRC, dirname(file), s)).split('\\').join('/').replace(/\.js$/, '.ts'));
}

/** Who imports what it must not: `file → target` for every import of a room in `targets` by a file outside `allowed`. */
function violations(isTarget: (path: string) => boolean, isAllowed: (file: string) => boolean): string[] {
  return sourceFiles(SRC)
    .filter((file) => !isAllowed(file))
    .flatMap((file) => importsOf(file).filter(isTarget).map((target) => `${file} → ${target}`));
}

const isEntry = (path: string) => path === 'cli.ts' || path.startsWith('commands/');

describe('rooms have clear walls', () => {
  it('finds the imports of a file, resolved from its folder', () => {
    expect(importsOf('commands/check.ts')).toEqual(expect.arrayContaining(['check/run.ts', 'report/index.ts']));
    expect(importsOf('cli.ts')).toEqual(expect.arrayContaining(['commands/invoice.ts', 'util/errors.ts']));
  });

  it('no lower room imports src/commands/ or src/cli.ts', () => {
    expect(violations(isEntry, isEntry)).toEqual([]);
  });

  it('only the commands and the report room itself import src/report/', () => {
    expect(violations((path) => path.startsWith('report/'), (file) => isEntry(file) || file.startsWith('report/'))).toEqual([]);
  });

  it('pricing/ never opens a file, reads the environment or prints, and imports no room above it', () => {
    const pricing = sourceFiles(SRC).filter((file) => file.startsWith('pricing/'));
    const worldly = pricing.filter((file) => /node:fs|node:worker_threads|process\.(env|stdout|stderr)|console\./.test(readFileSync(join(SRC, file), 'utf8')));
    expect(worldly).toEqual([]);
    const above = (path: string) => ['engine/', 'commands/', 'report/', 'audit/', 'ledger/', 'reconcile/', 'estimate/', 'check/'].some((room) => path.startsWith(room));
    expect(violations(above, (file) => !file.startsWith('pricing/'))).toEqual([]);
  });

  it('ingest/ is the only room that opens logs: the engine drives it, nothing else opens a log file', () => {
    const opening = sourceFiles(SRC).filter((file) => /from 'node:fs(\/promises)?'/.test(readFileSync(join(SRC, file), 'utf8')));
    // Cards, check configs, tallyman's own JSON (diff) and output files are opened by their own rooms; logs only by ingest/.
    expect(opening.filter((file) => !/^(ingest|rates|check|diff|util)\//.test(file) && file !== 'engine/parallel.ts')).toEqual([]);
  });
});
