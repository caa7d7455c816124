import { parentPort } from 'node:worker_threads';
import { UsageError } from '../util/errors.js';
import { session, type SessionOptions } from './duckdb-session.js';
import type { DuckRequest, DuckReply } from './duckdb-host.js';

// DuckDB's own thread (src/engine/duckdb-host.ts): it loads the package and opens the instance while the main thread loads the
// command and compiles the statement, then runs what the main thread asks of it, one request at a time, in the order asked.

// The session runs its requests in the order asked (duckdb-session.ts), and each is answered when done.
parentPort!.on('message', (request: DuckRequest) => {
  void answer(request).then((reply) => parentPort!.postMessage(reply));
});

async function answer(request: DuckRequest): Promise<DuckReply> {
  try {
    const options: SessionOptions = { memory: request.memory, spill: request.spill };
    const opened = await session(options);
    if (request.op === 'open') return { id: request.id, ok: true };
    if (request.op === 'fill') {
      await opened.fill(request.name, request.table);
      return { id: request.id, ok: true };
    }
    return { id: request.id, ok: true, result: await opened.query(request.sql) };
  } catch (error) {
    return { id: request.id, ok: false, message: (error as Error).message, usage: error instanceof UsageError };
  }
}
