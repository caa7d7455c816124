import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { csvHeader } from '../../src/ingest/csv-header.js';
import { ndjsonHeads } from '../../src/ingest/ndjson-head.js';

/** The logs of both readers' tests, in one folder. */
const dir = mkdtempSync(join(tmpdir(), 'tallyman-header-'));
const file = (name: string, text: string | Buffer): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('csvHeader: the header CSV logs share, for --engine duckdb', () => {
  const plain = file('plain.csv', 'kind,id,timestamp,audio_duration\r\ntranscript,t1,2026-05-01T00:00:00Z,60\n');

  it('names the columns of a plain header line, read from each file (a gzipped one inflated, known by its bytes)', async () => {
    expect(await csvHeader([plain])).toEqual({ same: true, columns: ['kind', 'id', 'timestamp', 'audio_duration'], gzip: [false] });
    const gz = file('plain.csv.gz', gzipSync('kind,id,timestamp,audio_duration\ntranscript,t2,2026-05-01T00:00:00Z,30\n'));
    expect(await csvHeader([plain, gz])).toEqual({ same: true, columns: ['kind', 'id', 'timestamp', 'audio_duration'], gzip: [false, true] });
    const named = file('gzip.csv', gzipSync('kind,id\ntranscript,t3\n'));
    expect(await csvHeader([named])).toEqual({ same: true, columns: ['kind', 'id'], gzip: [true] });
  });

  it('leaves the naming to the reader for quotes, spaces, a name repeated in any case, or a byte-order mark', async () => {
    for (const header of ['"kind",id', 'kind, id', 'kind,id,kind', 'id,ID,kind', 'Kind,kind', '\uFEFFkind,id', 'kind,', 'kind,2id']) {
      expect(await csvHeader([file('odd.csv', `${header}\ntranscript,t1\n`)]), header).toEqual({ same: true, columns: undefined, gzip: [false] });
    }
  });

  it('is not shared when the headers differ or a file has no line end in its head (gzip still known); nothing known of a file not read', async () => {
    const other = file('other.csv', 'kind,id,timestamp\ntranscript,t1,2026-05-01T00:00:00Z\n');
    expect(await csvHeader([plain, other])).toEqual({ same: false, columns: undefined, gzip: [false, false] });
    const lineless = file('header-only.csv', 'kind,id,timestamp');
    expect(await csvHeader([lineless, file('zipped.csv', gzipSync('kind,id\ntranscript,t1\n'))])).toEqual({ same: false, columns: undefined, gzip: [false, true] });
    expect(await csvHeader([lineless])).toEqual({ same: true, columns: undefined, gzip: [false] });
    expect(await csvHeader([plain, join(dir, 'missing.csv')])).toEqual({ same: false, columns: undefined, gzip: undefined });
  });
});

describe('ndjsonHeads: whether an NDJSON log names the kind, and which files are gzip, for --engine duckdb', () => {
  const canonical = file('canonical.ndjson', '{"kind":"transcript","id":"t1"}\n{"id":"t2"}\n');
  const native = file('native.ndjson', '{"session_id":"s1","event":{"type":"Begin"}}\n');

  it('reads the first record of each file (a gzipped one inflated, whatever its name): names the key when one does', async () => {
    expect(await ndjsonHeads([canonical], 'kind')).toEqual({ names: true, gzip: [false] });
    expect(await ndjsonHeads([native, file('gzip.ndjson', gzipSync('{"id":"t3","kind":"llm"}\n'))], 'kind')).toEqual({ names: true, gzip: [false, true] });
    expect(await ndjsonHeads([canonical], 'type')).toEqual({ names: false, gzip: [false] });
  });

  it('cannot tell (DuckDB is asked) for a native shape or a first line not a whole object; a file not read: nothing known', async () => {
    expect(await ndjsonHeads([native], 'kind')).toEqual({ names: false, gzip: [false] });
    for (const text of ['[{"kind":"transcript"}]\n', '{"kind":\n"transcript"}\n', '{"kind":"transcript"}', '"kind"\n']) {
      expect(await ndjsonHeads([file('odd.ndjson', text)], 'kind'), text).toEqual({ names: false, gzip: [false] });
    }
    expect(await ndjsonHeads([canonical, join(dir, 'missing.ndjson')], 'kind')).toEqual({ names: false, gzip: undefined });
  });
});
