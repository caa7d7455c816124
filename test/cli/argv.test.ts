import { describe, expect, it } from 'vitest';
import { threadToWarm } from '../../src/commands/argv.js';

describe('threadToWarm: the thread a command line will need, started before commander is loaded', () => {
  const warm = (line: string): string | undefined => threadToWarm(['node', 'tallyman', ...line.split(' ').filter(Boolean)]);

  it("DuckDB's for an invoice or estimate --from-log under --engine duckdb (either spelling), after the program's flags", () => {
    expect(warm('invoice log.csv --engine duckdb')).toBe('duckdb');
    expect(warm('--width 80 invoice log.csv --engine=duckdb')).toBe('duckdb');
    expect(warm('estimate --from-log log.csv --engine duckdb')).toBe('duckdb');
    expect(warm('estimate --from-log=log.csv --engine duckdb')).toBe('duckdb');
  });

  it('none where DuckDB reads no log: help, version, a bucket table, estimate without a log, commands that do not read logs', () => {
    for (const line of ['invoice --help --engine duckdb', 'invoice -h --engine duckdb', 'invoice log.csv -V --engine duckdb', 'invoice --buckets b.csv --engine duckdb', 'invoice --buckets=b.csv --engine duckdb', 'estimate --transcribe 10h --engine duckdb', 'audit log.csv --engine duckdb', 'sql --dialect duckdb', 'rates list', '--version', '']) {
      expect(warm(line), line).toBeUndefined();
    }
  });

  it("the in-process engine's worker otherwise, for the commands that read logs (its module decides whether the log is big)", () => {
    for (const command of ['invoice', 'audit', 'balance', 'reconcile', 'estimate']) expect(warm(`${command} log.csv`), command).toBe('part');
    expect(warm('invoice log.csv --engine js')).toBe('part');
  });
});
