import { describe, expect, it } from 'vitest';
import { formats, renderer, type ReportCommand } from '../../src/report/index.js';
import { UsageError } from '../../src/util/errors.js';

/** The formats each command offers, as `--format` (and `check --reporter`) list them. */
const EXPECTED: Record<ReportCommand, string[]> = {
  invoice: ['table', 'json', 'csv', 'markdown', 'focus', 'html', 'buckets', 'buckets-json'],
  audit: ['table', 'json', 'csv', 'markdown', 'html'],
  balance: ['table', 'json', 'csv', 'markdown', 'html'],
  estimate: ['table', 'json', 'csv', 'markdown'],
  reconcile: ['table', 'json', 'csv', 'markdown'],
  diff: ['table', 'json', 'csv', 'markdown'],
  check: ['text', 'junit'],
};

describe('the renderer lookup', () => {
  it('offers the formats each command lists, in order', () => {
    for (const command of Object.keys(EXPECTED) as ReportCommand[]) expect(formats(command)).toEqual(EXPECTED[command]);
  });

  it('yields a function for every command and format', async () => {
    for (const command of Object.keys(EXPECTED) as ReportCommand[]) {
      for (const format of formats(command)) expect(typeof (await renderer(command, format)), `${command} ${format}`).toBe('function');
    }
  });

  it('rejects a format the command does not offer, inherited names included', async () => {
    await expect(renderer('invoice', 'yaml')).rejects.toThrow(UsageError);
    await expect(renderer('diff', 'html')).rejects.toThrow(/diff: format "html" is not one of table, json, csv, markdown/);
    await expect(renderer('check', 'constructor')).rejects.toThrow(UsageError);
  });
});
