import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCsvRows, type CsvReader } from '../../src/ingest/csv.js';
import { readCsvRowsReference } from './csv-reference.js';

/** Everything a reader says about a text: its rows with lines, or the error it stops with (and the rows before it). */
async function outcome(read: CsvReader, chunks: string[]): Promise<{ rows: [number, string[]][]; error: string | null }> {
  const rows: [number, string[]][] = [];
  try {
    for await (const batch of read((async function* () { yield* chunks; })(), 'x.csv')) {
      for (const row of batch) rows.push([row.line, row.values]);
    }
    return { rows, error: null };
  } catch (error) {
    return { rows: [], error: (error as Error).message };
  }
}

/** Cuts a text into chunks at the given points. */
function split(text: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const chunks: string[] = [];
  let from = 0;
  for (const p of points) {
    chunks.push(text.slice(from, p));
    from = p;
  }
  chunks.push(text.slice(from));
  return chunks.filter((c) => c !== '');
}

const CORPUS: [string, string][] = [
  ['plain', 'a,b,c\n1,2,3\n4,5,6\n'],
  ['no final newline', 'a,b\n1,2'],
  ['CRLF', 'a,b\r\n1,2\r\n3,4\r\n'],
  ['mixed line ends', 'a,b\r\n1,2\n3,4\r5,6\n'],
  ['quotes and escapes', 'a,b\n"x, y","say ""hi"""\n"",""\n'],
  ['embedded newlines', 'a,b\n"line 1\nline 2",2\n"cr\r\nlf",3\n4,5\n'],
  ['empty lines', 'a,b\n\n1,2\n\n\n3,4\n\n'],
  ['empty fields', 'a,b,c\n,,\n1,,3\n'],
  ['trailing comma', 'a,b\n1,\n'],
  ['unicode', 'a,b\nцена,€1\n"日本",x\n'],
  ['huge field', `a,b\n"${'x'.repeat(200_000)}",1\n`],
  ['ragged short', 'a,b,c\n1,2\n'],
  ['ragged long', 'a,b\n1,2\n3,4,5\n'],
  ['unclosed quote', 'a,b\n1,2\n"3,4\n5,6\n'],
  ['unclosed quote after empty lines', 'a,b\n1,2\n\n\n"3,4\n'],
  ['text after a closing quote', 'a,b\n"1"x,2\n'],
  ['quote inside a field', 'a,b\n1"2,3\n'],
  ['only a header', 'a,b\n'],
  ['whitespace line', 'a\n \n1\n'],
  ['lone CR records', 'a,b\r1,2\r3,4'],
  ['quoted then CR at the end', 'a,b\n"1",2\r'],
];

describe('the fast CSV tokenizer agrees with csv-parse', () => {
  for (const [name, text] of CORPUS) {
    it(`${name}: same rows, lines and errors, however the text is chunked`, async () => {
      const reference = await outcome(readCsvRowsReference, [text]);
      expect(await outcome(readCsvRows, [text])).toEqual(reference);
      for (const size of text.length > 10_000 ? [65_536, 1 << 20] : [1, 3, 5, 7]) {
        const chunks = Array.from({ length: Math.ceil(text.length / size) }, (_, i) => text.slice(i * size, (i + 1) * size));
        expect(await outcome(readCsvRows, chunks)).toEqual(reference);
      }
    });
  }

  it('on fuzzed input: the same records, the same error lines', async () => {
    const piece = fc.constantFrom('a', 'b', '1', ',', '"', '""', '\n', '\r\n', '\r', ' ', 'é', 'x,y', '"q,"', '');
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { maxLength: 60 }), fc.array(fc.nat(), { maxLength: 6 }), async (pieces, cuts) => {
        const text = `h1,h2\n${pieces.join('')}`;
        const reference = await outcome(readCsvRowsReference, [text]);
        expect(await outcome(readCsvRows, split(text, cuts))).toEqual(reference);
      }),
      { numRuns: 1000 },
    );
  });

  it('on fuzzed well-formed CSV with quoted fields: the same records', async () => {
    const field = fc.oneof(fc.string({ maxLength: 8 }).filter((s) => !/[",\r\n]/.test(s)), fc.string({ maxLength: 8 }).map((s) => `"${s.replaceAll('"', '""')}"`));
    const row = fc.array(field, { minLength: 3, maxLength: 3 }).map((f) => f.join(','));
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 20 }), fc.constantFrom('\n', '\r\n', '\r'), fc.array(fc.nat(), { maxLength: 6 }), async (rows, eol, cuts) => {
        const text = ['a,b,c', ...rows].join(eol) + eol;
        const reference = await outcome(readCsvRowsReference, [text]);
        expect(await outcome(readCsvRows, split(text, cuts))).toEqual(reference);
      }),
      { numRuns: 300 },
    );
  });
});
