import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const DEEP = 50_000;
const MiB = 1 << 20;
const HEADER = 'kind,id,timestamp,model,audio_duration\n';
const ROW = (id: string): string => `transcript,${id},2026-05-01T00:00:00Z,universal-2,60\n`;

/**
 * Inputs too big (or too odd: a named pipe) to keep in the repository, written into a case's
 * temporary folder before it runs. Each returns arguments to add to the case's command line.
 */
export const MAKERS = {
  /** JSON nested 50,000 deep: an array element, an NDJSON object, a list response's transcripts. */
  deep(dir: string): string[] {
    writeFileSync(join(dir, 'deep.json'), `[${'['.repeat(DEEP)}${']'.repeat(DEEP)}]`);
    writeFileSync(join(dir, 'deep.ndjson'), `${'{"a":'.repeat(DEEP)}1${'}'.repeat(DEEP)}\n`);
    writeFileSync(join(dir, 'deep-lists.json'), `${'{"transcripts":['.repeat(DEEP)}${']}'.repeat(DEEP)}`);
    return [];
  },
  /** An NDJSON line of 70 MiB, past the 64 MiB a JSON value may have. */
  longLine(dir: string): string[] {
    writeFileSync(join(dir, 'long-line.ndjson'), `{"kind":"llm","note":"${'x'.repeat(70 * MiB)}"}\n`);
    return ['long-line.ndjson'];
  },
  /** A CSV quote never closed, followed by 17 MiB: past the 16 MiB a record may have. */
  openQuote(dir: string): string[] {
    writeFileSync(join(dir, 'open-quote.csv'), `${HEADER}${ROW('a')}transcript,"b,${`${'y'.repeat(99)}\n`.repeat(17 * MiB / 100)}`);
    return ['open-quote.csv'];
  },
  /** A model name of a MiB: past the 8 KiB a field may have. */
  hugeField(dir: string): string[] {
    writeFileSync(join(dir, 'huge-field.csv'), `${HEADER}transcript,a,2026-05-01T00:00:00Z,${'m'.repeat(MiB)},60\n`);
    return ['huge-field.csv'];
  },
  /** 1,500 small logs read as one. */
  manyFiles(dir: string): string[] {
    const names = Array.from({ length: 1500 }, (_, i) => `part-${i}.csv`);
    names.forEach((name, i) => writeFileSync(join(dir, name), `${HEADER}${ROW(`t${i}`)}`));
    return names;
  },
  /** A named pipe (nobody writes to it) given as a rate card. */
  fifoCard(dir: string): string[] {
    execFileSync('mkfifo', [join(dir, 'fifo-card.yaml')]);
    return [];
  },
} satisfies Record<string, (dir: string) => string[]>;
