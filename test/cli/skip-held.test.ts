import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/tallyman.js');
const dir = mkdtempSync(join(tmpdir(), 'tallyman-held-'));

function tallyman(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' }, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Regression of issue 13: one list item without its transcript object made every record held until
 * the end of the input vanish (merged transcripts, the failed item, the unclosed session), and the
 * invoice said 0.00 with exit 0. Only that item may be skipped, and it must be listed.
 */
describe('--skip-invalid skips exactly the bad held record', () => {
  const list = JSON.parse(readFileSync(join(ROOT, 'fixtures/native/list.json'), 'utf8'));
  list.transcripts.splice(1, 0, {
    id: '0a0a0a0a-lost', resource_url: 'https://api.assemblyai.com/v2/transcript/0a0a0a0a-lost', status: 'completed',
    created: '2026-05-11T22:00:00.000000', completed: '2026-05-11T22:01:00.000000', audio_url: 'https://example.com/x.mp3', error: null,
  });
  const listPath = join(dir, 'list.json');
  writeFileSync(listPath, JSON.stringify(list, null, 2));
  const files = ['fixtures/native/transcripts.json', listPath, 'fixtures/native/stream-events.ndjson'];
  const lost = expect.objectContaining({ file: listPath, line: 1, index: 1, message: expect.stringContaining('field "audio_duration": list item 0a0a0a0a-lost has no audio duration') });

  it('invoice: every other held record is billed; the item is listed under skipped', () => {
    const run = tallyman(['invoice', ...files, '--skip-invalid', '--format', 'json']);
    expect(run.status).toBe(0);
    const json = JSON.parse(run.stdout);
    // 1200 s × 2 channels of universal-3-pro at 0.21/h = 0.14; its speaker labels 1200 s at 0.02 = 0.0067 → 0.01;
    // 600 s of universal-2 at 0.15 = 0.025 → 0.03 (sentiment 0.0033 → 0.00); streaming: sess-1 600 s plus the
    // unclosed sess-2 at the 10800 s cap = 11400 s at 0.15/h = 0.475 → 0.48. Total 0.66.
    expect(json.lines.map((l: Record<string, string>) => [l.model, l.addon, l.amount])).toEqual([
      ['universal-2', null, '0.03'],
      ['universal-2', 'sentiment_analysis', '0.00'],
      ['universal-3-pro', null, '0.14'],
      ['universal-3-pro', 'speaker_labels', '0.01'],
      ['universal-streaming-english', null, '0.48'],
    ]);
    expect(json.total).toBe('0.66');
    expect(json.records).toMatchObject({ counted: 5, billed: 4, free: 1, skipped: 1, unclosed_sessions: 1 });
    expect(json.skipped).toEqual([lost]);
  });

  it('audit: the findings of the held records are all there; the item is listed', () => {
    const run = tallyman(['audit', ...files, '--skip-invalid', '--format', 'json']);
    const json = JSON.parse(run.stdout);
    expect(json.skipped).toEqual({ count: 1, records: [lost] });
    expect(json.summary.invoice_total).toBe('0.66');
    expect(json.summary.codes.map((c: { code: string }) => c.code)).toContain('UNCLOSED_SESSION');
  });

  it('balance --balance 10: the dated records are in the ledger; the item is listed', () => {
    const run = tallyman(['balance', ...files, '--skip-invalid', '--balance', '10', '--days', '0', '--format', 'json']);
    expect(run.status).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json.skipped).toEqual({ count: 1, records: [lost] });
    expect(json.events.filter((e: { type: string }) => e.type === 'usage')).toHaveLength(3);
  });

  it('without --skip-invalid the item is the error, naming file, line and field (exit 2)', () => {
    const run = tallyman(['invoice', ...files]);
    expect(run.status).toBe(2);
    expect(run.stderr.trim()).toBe(`tallyman: ${listPath}:1 [1]: field "audio_duration": list item 0a0a0a0a-lost has no audio duration (the list endpoint omits it: give the transcript object (GET /v2/transcript/{id}) in another file)`);
  });
});
