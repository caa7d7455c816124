import { InputError } from '../util/errors.js';
import type { CsvRow } from './csv.js';
import { MAX_CSV_RECORD, tooLong } from './limits.js';

const COMMA = 44;
const QUOTE = 34;
const CR = 13;
const LF = 10;

/** A parsed record: its fields, where the next record starts, and the line it ends on. */
interface Parsed {
  values: string[];
  next: number;
  endLine: number;
}

/**
 * A purpose-built CSV tokenizer with csv-parse's meaning (RFC 4180 quoting, `""` escapes, embedded
 * line breaks, CRLF, LF and CR mixed, empty lines skipped, every row as wide as the first) and the
 * same error lines, without its per-record bookkeeping. Fed decoded text in chunks; keeps only the
 * unfinished record between chunks. A differential test holds it to csv-parse.
 */
export class CsvTokenizer {
  private carry = '';
  /** An error met after some rows of a chunk: thrown by `rethrow`, once those rows are taken. */
  private failure: InputError | undefined;
  /** Line of the first character of `carry`. */
  private line: number;
  private width: number;

  /** From the start of a file, or (for the text after a header already read) from `line`, rows `width` wide. */
  constructor(private readonly file: string, from: { line: number; width: number } = { line: 1, width: -1 }) {
    this.line = from.line;
    this.width = from.width;
  }

  /** The error the last chunk ended on, if any: rows before it are returned first, so errors come in file order. */
  rethrow(): void {
    if (this.failure) throw this.failure;
  }

  /** Rows completed by this chunk. */
  push(chunk: string): CsvRow[] {
    return this.scan(this.carry === '' ? chunk : this.carry + chunk, false);
  }

  /** The rows left at the end of the input. */
  end(): CsvRow[] {
    return this.carry === '' ? [] : this.scan(this.carry, true);
  }

  private scan(text: string, final: boolean): CsvRow[] {
    const rows: CsvRow[] = [];
    try {
      this.scanInto(rows, text, final);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      this.failure = error;
    }
    return rows;
  }

  private scanInto(rows: CsvRow[], text: string, final: boolean): void {
    let pos = 0;
    let line = this.line;
    while (pos < text.length) {
      const parsed = this.record(text, pos, line, final);
      if (parsed === undefined) break;
      const { values, next, endLine } = parsed;
      if (next - pos > MAX_CSV_RECORD) throw this.tooLong(line);
      const terminated = next > 0 && isBreak(text.charCodeAt(next - 1)) && next > pos;
      const startLine = line;
      line = terminated ? endLine + 1 : endLine;
      const empty = values.length === 1 && values[0] === '' && text.charCodeAt(pos) !== QUOTE;
      pos = next;
      if (empty) continue;
      if (this.width === -1) this.width = values.length;
      else if (values.length !== this.width) {
        throw this.error(endLine, 'has a different number of fields than the header', 'every row needs one value per column; quote values that contain commas');
      }
      rows.push({ line: startLine, values });
    }
    this.carry = text.slice(pos);
    this.line = line;
    if (this.carry.length > MAX_CSV_RECORD) throw this.tooLong(line);
  }

  private tooLong(line: number): InputError {
    return tooLong(this.file, line, 'a record', MAX_CSV_RECORD, 'is a quote never closed? a usage row is a few hundred bytes');
  }

  /** One record from `pos`, or undefined when the chunk ends before it does (and more text may come). */
  private record(text: string, pos: number, line: number, final: boolean): Parsed | undefined {
    const length = text.length;
    const values: string[] = [];
    let endLine = line;
    for (;;) {
      let c: number;
      if (text.charCodeAt(pos) === QUOTE) {
        let from = pos + 1;
        let value = '';
        for (;;) {
          const q = text.indexOf('"', from);
          if (q === -1) {
            if (!final) return undefined;
            throw this.error(line, 'opens a quoted field that is never closed', 'close the quote or escape it as ""');
          }
          value += text.slice(from, q);
          if (q + 1 === length && !final) return undefined;
          if (text.charCodeAt(q + 1) === QUOTE) {
            value += '"';
            from = q + 2;
            continue;
          }
          pos = q + 1;
          break;
        }
        endLine += countBreaks(value);
        values.push(value);
        c = pos < length ? text.charCodeAt(pos) : -1;
        if (c !== COMMA && c !== CR && c !== LF && c !== -1) {
          throw this.error(endLine, 'has characters after a closing quote', 'a quote inside a quoted field is written ""');
        }
      } else {
        let j = pos;
        c = -1;
        while (j < length) {
          c = text.charCodeAt(j);
          if (c === COMMA || c === CR || c === LF) break;
          if (c === QUOTE) throw this.error(endLine, 'has a quote inside an unquoted field', 'quote the whole field and write inner quotes as ""');
          j++;
        }
        if (j === length) {
          if (!final) return undefined;
          c = -1;
        }
        values.push(text.slice(pos, j));
        pos = j;
      }
      if (c === COMMA) {
        pos++;
        if (pos === length) {
          if (!final) return undefined;
          values.push('');
          return { values, next: pos, endLine };
        }
        continue;
      }
      if (c === CR) {
        if (pos + 1 === length && !final) return undefined;
        return { values, next: pos + (text.charCodeAt(pos + 1) === LF ? 2 : 1), endLine };
      }
      if (c === LF) return { values, next: pos + 1, endLine };
      return { values, next: pos, endLine };
    }
  }

  private error(line: number, problem: string, hint: string): InputError {
    return new InputError({ file: this.file, line }, undefined, problem, hint);
  }
}

function isBreak(c: number): boolean {
  return c === LF || c === CR;
}

/** Line breaks in a text: CRLF, LF and a lone CR each count once. */
export function countBreaks(value: string): number {
  let breaks = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === LF) breaks++;
    else if (c === CR && value.charCodeAt(i + 1) !== LF) breaks++;
  }
  return breaks;
}
