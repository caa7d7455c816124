import type { InvoiceOptions } from './index.js';

/**
 * How the engine reads big files, from the environment (not in the spec: for tests and the curious):
 * `TALLYMAN_THREADS` (1 turns the worker thread off), `TALLYMAN_SPLIT_BYTES` (the size from which a
 * CSV is cut in two), `TALLYMAN_TRACE` (say on standard error how each file was read).
 */
export function engineSettings(env: NodeJS.ProcessEnv): Pick<InvoiceOptions, 'threads' | 'splitBytes' | 'trace'> {
  const number = (text: string | undefined): number | undefined => (text === undefined || text === '' ? undefined : Number(text));
  return {
    threads: number(env.TALLYMAN_THREADS),
    splitBytes: number(env.TALLYMAN_SPLIT_BYTES),
    trace: env.TALLYMAN_TRACE ? (message) => process.stderr.write(`tallyman: ${message}\n`) : undefined,
  };
}
