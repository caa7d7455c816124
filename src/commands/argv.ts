// What a command line asks, read before commander is loaded: which thread the run will need, so that it starts first.

/** The commands that read usage logs through the engine (a big CSV among their arguments gets a worker thread). */
const READS_LOGS = new Set(['invoice', 'audit', 'balance', 'reconcile', 'estimate']);

/**
 * The thread a run will need: `part`, the in-process engine's worker for a big CSV (engine/parallel.ts decides whether the
 * log is one); `duckdb`, DuckDB's (engine/duckdb-host.ts), when DuckDB will read a log: `invoice` (not of a bucket table)
 * or `estimate --from-log` under `--engine duckdb`, with no help or version asked; else none.
 */
export function threadToWarm(argv: readonly string[]): 'part' | 'duckdb' | undefined {
  const named = commandName(argv);
  if (named === undefined || !READS_LOGS.has(named)) return undefined;
  if (!engineDuckdb(argv)) return 'part';
  const has = (flag: string): boolean => argv.some((arg) => arg === flag || arg.startsWith(`${flag}=`));
  if (['-h', '--help', '-V', '--version'].some(has)) return undefined;
  return (named === 'invoice' ? !has('--buckets') : named === 'estimate' && has('--from-log')) ? 'duckdb' : undefined;
}

/** `--engine duckdb` (or `--engine=duckdb`): DuckDB reads the log, with no worker thread of tallyman's. */
function engineDuckdb(argv: readonly string[]): boolean {
  return argv.some((arg, i) => arg === '--engine=duckdb' || (arg === '--engine' && argv[i + 1] === 'duckdb'));
}

/** The first word after the program's own flags: the command, when it is one. */
export function commandName(argv: readonly string[]): string | undefined {
  for (let i = 2; i < argv.length; i++) {
    if (argv[i] === '--width') i++;
    else if (!argv[i]!.startsWith('-')) return argv[i];
  }
  return undefined;
}
