const QUOTE = 34;
const BACKSLASH = 92;
const COLON = 58;
const COMMA = 44;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;

/** A key that one object of a JSON text gives twice: JSON.parse keeps the last value and drops the other. */
export interface RepeatedKey {
  /** Where the object is in the text, and the key: `usage.input_tokens`, `transcripts[3].id`. */
  path: string;
  /** The two spellings, as written (`a` and `\u0061` are one key). */
  first: string;
  second: string;
  /** The line of the text (from 1) the second one is on. */
  line: number;
}

/**
 * The first key that an object of a JSON text repeats (keys compared after unescaping), or undefined.
 * `value` is what JSON.parse made of `text`: when the text holds as many keys as the value has
 * properties, none was dropped, and the text is not looked at again (the common case costs a count).
 */
export function repeatedKey(text: string, value: unknown): RepeatedKey | undefined {
  return keyCount(text) === propertyCount(value) ? undefined : findRepeatedKey(text);
}

/** The keys a JSON text writes: strings followed by a colon, found from quote to quote. */
function keyCount(text: string): number {
  let count = 0;
  let at = text.indexOf('"');
  while (at !== -1) {
    const end = stringEnd(text, at);
    if (isKey(text, end + 1)) count++;
    at = text.indexOf('"', end + 1);
  }
  return count;
}

/** The properties of every object in a parsed JSON value (walked with a stack: no recursion). */
function propertyCount(value: unknown): number {
  let count = 0;
  const stack = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null) continue;
    if (Array.isArray(v)) {
      for (const item of v) if (typeof item === 'object' && item !== null) stack.push(item);
      continue;
    }
    for (const key in v) {
      count++;
      const item = (v as Record<string, unknown>)[key];
      if (typeof item === 'object' && item !== null) stack.push(item);
    }
  }
  return count;
}

/** One open object (with the keys it gave so far, unescaped, and their spellings) or array. */
interface Open {
  keys: Map<string, string> | undefined;
  path: string;
  /** The last key given or the array index reached: the name of a child opened next. */
  last: string;
  index: number;
}

/** The slow half: one pass with a stack of open objects and their keys, to name the repeated one. */
function findRepeatedKey(text: string): RepeatedKey | undefined {
  const stack: Open[] = [];
  let top: Open | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (top?.keys !== undefined && isKey(text, end + 1)) {
        const spelling = text.slice(i + 1, end);
        const key = spelling.includes('\\') ? (JSON.parse(text.slice(i, end + 1)) as string) : spelling;
        const first = top.keys.get(key);
        if (first !== undefined) return { path: childPath(top.path, key), first, second: spelling, line: text.slice(0, i).split('\n').length };
        top.keys.set(key, spelling);
        top.last = key;
      }
      i = end;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      const path = top === undefined ? '' : top.keys === undefined ? `${top.path}[${top.index}]` : childPath(top.path, top.last);
      top = { keys: c === OPEN_OBJECT ? new Map() : undefined, path, last: '', index: 0 };
      stack.push(top);
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      stack.pop();
      top = stack[stack.length - 1];
    } else if (c === COMMA && top !== undefined && top.keys === undefined) {
      top.index++;
    }
  }
  return undefined;
}

/** The offset of the quote that closes the string opening at `start` (the text length if none does). */
function stringEnd(text: string, start: number): number {
  let end = text.indexOf('"', start + 1);
  while (end !== -1) {
    let backslashes = 0;
    while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return end;
    end = text.indexOf('"', end + 1);
  }
  return text.length;
}

/** Whether the first character from `from` on that is not JSON whitespace is a colon. */
function isKey(text: string, from: number): boolean {
  let i = from;
  let c = text.charCodeAt(i);
  while (c === 32 || c === 10 || c === 13 || c === 9) c = text.charCodeAt(++i);
  return c === COLON;
}

function childPath(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}
