import { Worker } from 'node:worker_threads';
import type { ConstantTable } from '../sql/tables.js';
import { UsageError } from '../util/errors.js';
import { scratchFolder } from '../util/scratch.js';
import type { DuckResult, DuckSession } from './duckdb-session.js';

// Where `--engine duckdb` runs DuckDB: a thread of its own, started as the command line is read (`warmDuckdb`). Its start (a
// Node isolate, ~30 ms), loading DuckDB's native bindings (~25 ms) and opening the instance (~20 ms) then run beside the main
// thread's own start (the command's modules, the card, the statement) instead of after it. Where that thread's script is not
// there (the sources run as TypeScript, in the tests), DuckDB runs on the main thread, the same session code.

/** A request to DuckDB's thread: each answered by a `DuckReply` of the same id, in order. */
export type DuckRequest = { id: number; memory: string | undefined; spill: string } & (
  | { op: 'open' }
  | { op: 'query'; sql: string }
  | { op: 'fill'; name: string; table: ConstantTable }
);

export type DuckReply = { id: number } & ({ ok: true; result?: DuckResult } | { ok: false; message: string; usage: boolean });

const THREAD = new URL('./duckdb-thread.js', import.meta.url);

/** Where DuckDB spills past its memory limit: one folder for the run, removed when it ends (made by DuckDB when it spills). */
let spill: string | undefined;
const spillFolder = (): string => (spill ??= scratchFolder('duckdb'));

interface Thread {
  worker: Worker;
  /** The requests not yet answered. */
  pending: Map<number, { resolve(reply: DuckReply): void }>;
  next: number;
}

let thread: Thread | undefined;

/** The thread holds the process only while a request waits for it: a run that has ended ends. */
function held(t: Thread): void {
  if (t.pending.size > 0) t.worker.ref();
  else t.worker.unref();
}

/**
 * Starts DuckDB's thread and has it open the instance of this memory limit, before the statement is ready. The opening holds
 * the process: a run that fails before its statement (a bad flag, a card not there) waits for it (~0.1 s) to end, since a
 * thread ended while DuckDB's native library is still loading aborts the whole process.
 */
export function warmDuckdb(memory: string | undefined): void {
  if (threadScript()) void send({ op: 'open' }, memory).catch(() => undefined);
}

/**
 * A session on DuckDB's thread, or on this one where that thread cannot start. Nothing waits here: the instance opens with
 * the first request (if `warmDuckdb` has not opened it yet), and a failure to open (the package missing) is that request's.
 */
export function duckdbSession(memory: string | undefined): DuckSession {
  if (!threadScript()) {
    const opened = async (): Promise<DuckSession> => (await import('./duckdb-session.js')).session({ memory, spill: spillFolder() });
    return { query: async (sql) => (await opened()).query(sql), fill: async (name, table) => (await opened()).fill(name, table) };
  }
  return {
    query: async (sql) => (await send({ op: 'query', sql }, memory)).result!,
    fill: async (name, table) => void (await send({ op: 'fill', name, table }, memory)),
  };
}

/** Whether DuckDB's thread can start: this module is compiled JavaScript, with the thread's script beside it in dist/ (the tests run the TypeScript sources). */
function threadScript(): boolean {
  return import.meta.url.endsWith('.js');
}

type Op = { op: 'open' } | { op: 'query'; sql: string } | { op: 'fill'; name: string; table: ConstantTable };

/** Sends one request; its reply, or the error it carries (a `UsageError` where the thread's was one). */
async function send(op: Op, memory: string | undefined): Promise<DuckReply & { ok: true }> {
  const t = (thread ??= start());
  const id = t.next++;
  const reply = await new Promise<DuckReply>((resolve) => {
    t.pending.set(id, { resolve });
    held(t);
    t.worker.postMessage({ id, memory, spill: spillFolder(), ...op } satisfies DuckRequest);
  });
  if (!reply.ok) throw reply.usage ? new UsageError(reply.message) : new Error(reply.message);
  return reply;
}

function start(): Thread {
  const worker = new Worker(THREAD);
  const t: Thread = { worker, pending: new Map(), next: 0 };
  worker.unref();
  worker.on('message', (reply: DuckReply) => {
    t.pending.get(reply.id)?.resolve(reply);
    t.pending.delete(reply.id);
    held(t);
  });
  // A thread that fails or ends (DuckDB's native code ending it) fails what waits for it; the next request starts another.
  const end = (message: string): void => {
    if (thread === t) thread = undefined;
    for (const [id, waiting] of t.pending) waiting.resolve({ id, ok: false, message, usage: false });
    t.pending.clear();
    held(t);
  };
  worker.on('error', (error) => end(`DuckDB's thread failed: ${error.message}`));
  worker.on('exit', (code) => end(`DuckDB's thread ended (exit code ${code})`));
  return t;
}
