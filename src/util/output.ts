import { writeFile } from 'node:fs/promises';
import { UsageError } from './errors.js';

/**
 * Writes command output to `--out FILE` or standard output, waiting for the write to drain so that
 * nothing is cut off when the process ends. A reader that went away (`| head`) is not an error.
 */
export async function emit(text: string, out: string | undefined): Promise<void> {
  if (out !== undefined && out !== '-') {
    try {
      await writeFile(out, text);
    } catch (error) {
      throw new UsageError(`cannot write ${out}: ${(error as Error).message}`);
    }
    return;
  }
  await new Promise<void>((resolve) => {
    process.stdout.write(text, () => resolve());
  });
}

/** One line on standard error. */
export function note(line: string): void {
  process.stderr.write(`${line}\n`);
}
