import { InputError } from '../util/errors.js';
import { repeatedKey } from '../util/json-keys.js';
import { startsWithBom, strayBom } from './decode.js';

/** One JSON value read from a file, with the line it starts on and, in an array, its index. */
export interface JsonItem {
  line: number;
  index: number | undefined;
  value: unknown;
}

/** NDJSON: one JSON value per line; blank lines are allowed, CRLF accepted. */
export async function* readNdjson(text: AsyncIterable<string>, file: string): AsyncGenerator<JsonItem> {
  let carry = '';
  let line = 0;
  const parseLine = (raw: string): JsonItem | undefined => {
    line++;
    const body = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (startsWithBom(body)) throw strayBom(file, line);
    if (body.trim() === '') return undefined;
    return { line, index: undefined, value: parseJson(body, file, line, undefined) };
  };
  for await (const chunk of text) {
    carry += chunk;
    let start = 0;
    let newline: number;
    while ((newline = carry.indexOf('\n', start)) !== -1) {
      const item = parseLine(carry.slice(start, newline));
      if (item) yield item;
      start = newline + 1;
    }
    carry = carry.slice(start);
  }
  if (carry !== '') {
    const item = parseLine(carry);
    if (item) yield item;
  }
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

/** Splits a streamed top-level JSON array into its elements by tracking depth and strings. */
class ArraySplitter {
  private mode: 'start' | 'array' | 'whole' | 'done' = 'start';
  private line = 1;
  private buffer = '';
  private depth = 0;
  private inString = false;
  private escaped = false;
  private elementLine = 0;
  private index = 0;

  constructor(private readonly file: string) {}

  *push(chunk: string): Generator<JsonItem> {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (this.mode === 'whole') {
        this.buffer += chunk.slice(i);
        return;
      }
      if (c === '\n') this.line++;
      if (this.mode === 'start') {
        if (isSpace(c)) continue;
        if (c === '[') {
          this.mode = 'array';
          continue;
        }
        this.mode = 'whole';
        this.elementLine = this.line;
        this.buffer = chunk.slice(i);
        return;
      }
      if (this.mode === 'done') {
        if (!isSpace(c)) throw this.error(this.line, 'has text after the closing ]');
        continue;
      }
      // mode === 'array'
      if (this.depth === 0 && !this.inString) {
        if (isSpace(c)) {
          if (this.buffer !== '') this.buffer += c;
          continue;
        }
        if (c === ',' || c === ']') {
          if (this.buffer !== '') yield this.emit();
          else if (c === ',') throw this.error(this.line, 'has an empty array element');
          else if (this.index > 0) throw this.error(this.line, 'has a trailing comma before ]');
          if (c === ']') this.mode = 'done';
          continue;
        }
        if (this.buffer === '') this.elementLine = this.line;
      }
      this.buffer += c;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === '\\') this.escaped = true;
        else if (c === '"') this.inString = false;
      } else if (c === '"') this.inString = true;
      else if (c === '{' || c === '[') this.depth++;
      else if (c === '}' || c === ']') this.depth--;
    }
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

function isSpace(c: string): boolean {
  return c === ' ' || c === '\n' || c === '\r' || c === '\t';
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
