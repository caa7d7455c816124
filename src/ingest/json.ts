import { InputError } from '../util/errors.js';
import { repeatedKey } from '../util/json-keys.js';
import { startsWithBom, strayBom } from './decode.js';
import { MAX_JSON_VALUE, tooLong } from './limits.js';

/** One JSON value read from a file, with the line it starts on and, in an array, its index. */
export interface JsonItem {
  line: number;
  index: number | undefined;
  value: unknown;
}

/** NDJSON: one JSON value per line; blank lines are allowed, CRLF accepted. */
export async function* readNdjson(text: AsyncIterable<string>, file: string): AsyncGenerator<JsonItem> {
  // The unfinished line: it never holds a line break, so each chunk is searched once.
  let carry = '';
  let line = 0;
  const parseLine = (raw: string): JsonItem | undefined => {
    line++;
    const body = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (startsWithBom(body)) throw strayBom(file, line);
    if (body.length > MAX_JSON_VALUE) throw tooLongLine(file, line);
    if (body.trim() === '') return undefined;
    return { line, index: undefined, value: parseJson(body, file, line, undefined) };
  };
  for await (const chunk of text) {
    let start = 0;
    let newline: number;
    while ((newline = chunk.indexOf('\n', start)) !== -1) {
      const item = parseLine(carry + chunk.slice(start, newline));
      carry = '';
      if (item) yield item;
      start = newline + 1;
    }
    carry += chunk.slice(start);
    if (carry.length > MAX_JSON_VALUE) throw tooLongLine(file, line + 1);
  }
  if (carry !== '') {
    const item = parseLine(carry);
    if (item) yield item;
  }
}

/** The error of an NDJSON line past MAX_JSON_VALUE. */
export function tooLongLine(file: string, line: number): InputError {
  return tooLong(file, line, 'a line', MAX_JSON_VALUE, 'a file with no line breaks is not NDJSON');
}

/**
 * A JSON document: a top-level array is streamed element by element (never held whole);
 * any other value is parsed whole and yielded once.
 */
export async function* readJsonDocument(text: AsyncIterable<string>, file: string): AsyncGenerator<JsonItem> {
  const splitter = new ArraySplitter(file);
  for await (const chunk of text) yield* splitter.push(chunk);
  yield* splitter.end();
}

const LF = 10;
const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;

/**
 * Splits a streamed top-level JSON array into its elements by tracking depth and strings, a
 * character at a time; an element's text is cut from the chunk in one slice, not built up.
 */
class ArraySplitter {
  private mode: 'start' | 'array' | 'whole' | 'done' = 'start';
  private line = 1;
  /** The text of the element (or, in mode whole, the document) from earlier chunks. */
  private buffer = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private elementLine = 0;
  private index = 0;

  constructor(private readonly file: string) {}

  *push(chunk: string): Generator<JsonItem> {
    if (this.mode === 'whole') return this.keep(chunk);
    // Where the unfinished element starts in this chunk (-1: none open in it).
    let from = this.buffer === '' ? -1 : 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c === LF) this.line++;
      if (this.mode === 'array') {
        if (this.inString) {
          if (this.escaped) this.escaped = false;
          else if (c === BACKSLASH) this.escaped = true;
          else if (c === QUOTE) this.inString = false;
          continue;
        }
        if (this.depth === 0) {
          if (isSpace(c)) continue;
          if (c === COMMA || c === CLOSE_ARRAY) {
            if (from !== -1) this.keep(chunk.slice(from, i));
            from = -1;
            if (this.buffer !== '') yield this.emit();
            else if (c === COMMA) throw this.error(this.line, 'has an empty array element');
            else if (this.index > 0) throw this.error(this.line, 'has a trailing comma before ]');
            if (c === CLOSE_ARRAY) this.mode = 'done';
            continue;
          }
          if (from === -1) {
            this.elementLine = this.line;
            from = i;
          }
        }
        if (c === QUOTE) this.inString = true;
        else if (c === OPEN_OBJECT || c === OPEN_ARRAY) this.depth++;
        else if ((c === CLOSE_OBJECT || c === CLOSE_ARRAY) && --this.depth < 0) throw this.error(this.line, 'has a } that closes nothing', 'the element before it ends early');
      } else if (this.mode === 'start') {
        if (isSpace(c)) continue;
        if (c === OPEN_ARRAY) {
          this.mode = 'array';
          continue;
        }
        this.mode = 'whole';
        this.elementLine = this.line;
        return this.keep(chunk.slice(i));
      } else if (!isSpace(c)) {
        throw this.error(this.line, 'has text after the closing ]');
      }
    }
    if (from !== -1) this.keep(chunk.slice(from));
  }

  *end(): Generator<JsonItem> {
    if (this.mode === 'whole') {
      yield { line: this.elementLine, index: undefined, value: parseJson(this.buffer, this.file, this.elementLine, undefined) };
    } else if (this.mode === 'array') {
      throw this.error(this.line, 'ends before the closing ] of the array', 'the file may be cut short');
    } else if (this.mode === 'start') {
      throw this.error(1, 'is empty', 'a JSON log is an array of records');
    }
  }

  /** Adds text to the element (or the document) read so far, within its bound. */
  private keep(text: string): void {
    this.buffer += text;
    if (this.buffer.length <= MAX_JSON_VALUE) return;
    throw this.mode === 'whole'
      ? tooLong(this.file, this.elementLine, 'a document', MAX_JSON_VALUE, 'a big log is a JSON array of records, or NDJSON: those are read record by record')
      : tooLong(this.file, this.elementLine, 'an array element', MAX_JSON_VALUE, 'is a quote or a bracket never closed?');
  }

  private emit(): JsonItem {
    const item = { line: this.elementLine, index: this.index, value: parseJson(this.buffer, this.file, this.elementLine, this.index) };
    this.index++;
    this.buffer = '';
    return item;
  }

  private error(line: number, problem: string, hint?: string): InputError {
    return new InputError({ file: this.file, line }, undefined, problem, hint);
  }
}

function isSpace(c: number): boolean {
  return c === 32 || c === LF || c === 13 || c === 9;
}

/**
 * One JSON value, strictly: text that is not JSON, or an object that gives a key twice (JSON.parse
 * would keep the last value and drop the other without a word), is an InputError naming the line.
 */
export function parseJson(text: string, file: string, line: number, index: number | undefined): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError({ file, line, index }, undefined, `is not valid JSON (${(error as Error).message})`);
  }
  const repeated = repeatedKey(text, value);
  if (repeated) {
    const spellings = repeated.first === repeated.second ? '' : `, as "${repeated.first}" and "${repeated.second}"`;
    throw new InputError({ file, line: line + repeated.line - 1, index }, repeated.path,
      `is given twice in one object${spellings}`, 'JSON would keep only the last value: remove or rename one');
  }
  return value;
}
