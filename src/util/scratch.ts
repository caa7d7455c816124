import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A folder of this run's own under the system's temporary one (not yet made: its user makes it),
 * removed with all it holds when the process ends: for a library that spills to disk (DuckDB past
 * its memory limit), which would otherwise leave a folder beside the user's files.
 */
export function scratchFolder(name: string): string {
  const folder = join(tmpdir(), `tallyman-${name}-${process.pid}`);
  process.once('exit', () => rmSync(folder, { recursive: true, force: true }));
  return folder;
}
