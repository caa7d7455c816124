import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';

/** The next write through node:fs/promises stops half way with a full disk, or the next rename fails. */
const failing = vi.hoisted(() => ({ write: false, rename: false }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  const systemError = (code: 'ENOSPC' | 'EXDEV', message: string) =>
    Object.assign(new Error(`${code}: ${message}`), { code, errno: -constants.errno[code] });
  return {
    ...real,
    writeFile: async (...args: Parameters<typeof real.writeFile>) => {
      if (!failing.write) return real.writeFile(...args);
      failing.write = false;
      // Some bytes reach the disk before it fills up, as on a real full disk.
      await real.writeFile(args[0], String(args[1]).slice(0, 10), args[2]);
      throw systemError('ENOSPC', 'no space left on device, write');
    },
    rename: async (...args: Parameters<typeof real.rename>) => {
      if (!failing.rename) return real.rename(...args);
      failing.rename = false;
      throw systemError('EXDEV', 'cross-device link not permitted, rename');
    },
  };
});

const { emit } = await import('../../src/util/output.js');
const { UsageError } = await import('../../src/util/errors.js');

afterEach(() => {
  failing.write = false;
  failing.rename = false;
});

/** A folder holding `report.json` with the previous run's output. */
function previousOutput(): { dir: string; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tallyman-emit-'));
  const out = join(dir, 'report.json');
  writeFileSync(out, 'the previous report\n');
  return { dir, out };
}

describe('emit --out: written whole or not at all', () => {
  it('replaces the previous file and leaves nothing beside it', async () => {
    const { dir, out } = previousOutput();
    await emit('the new report\n', out);
    expect(readFileSync(out, 'utf8')).toBe('the new report\n');
    expect(readdirSync(dir)).toEqual(['report.json']);
  });

  it('a full disk keeps the previous file untouched, removes the half-written temporary file, and is one line', async () => {
    const { dir, out } = previousOutput();
    failing.write = true;
    const error = await emit('the new report, longer than what fits\n', out).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(`cannot write ${out}: no space left on device`);
    expect(readFileSync(out, 'utf8')).toBe('the previous report\n');
    expect(readdirSync(dir)).toEqual(['report.json']);
  });

  it('a failed rename keeps the previous file and removes the complete temporary file', async () => {
    const { dir, out } = previousOutput();
    failing.rename = true;
    await expect(emit('the new report\n', out)).rejects.toThrow(`cannot write ${out}: cross-device link not permitted`);
    expect(readFileSync(out, 'utf8')).toBe('the previous report\n');
    expect(readdirSync(dir)).toEqual(['report.json']);
  });
});
