import { InputError } from '../util/errors.js';

/**
 * Decodes a byte stream as strict UTF-8, dropping a leading BOM (when it starts the file). Invalid bytes are an InputError
 * naming the line they stand on, never a silent U+FFFD.
 */
export async function* decodeUtf8(chunks: AsyncIterable<Uint8Array>, file: string, from: { line: number; midFile: boolean } = { line: 1, midFile: false }): AsyncGenerator<string> {
  // A BOM is dropped only at the start of a file: mid-file, its bytes are text.
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: from.midFile });
  let linesBefore = from.line;
  let pending: Uint8Array = new Uint8Array(0);
  let started = from.midFile;
  let checked = from.midFile;
  for await (const chunk of chunks) {
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      const bytes = concat(pending, chunk);
      const bad = firstInvalidOffset(bytes);
      // The text before the invalid byte goes first, so that errors come in file order.
      const before = new TextDecoder('utf-8', { ignoreBOM: started }).decode(bytes.subarray(0, bad));
      if (before !== '') yield before;
      throw invalidUtf8(file, linesBefore + countNewlines(bytes, bad));
    }
    started = true;
    if (!checked && text !== '') {
      // The decoder dropped one BOM; a second one would stick to the first column name or key.
      if (startsWithBom(text)) throw strayBom(file, 1);
      checked = true;
    }
    linesBefore += countNewlines(chunk, chunk.length);
    pending = trailingIncomplete(chunk);
    if (text !== '') yield text;
  }
  let tail: string;
  try {
    tail = decoder.decode();
  } catch {
    throw invalidUtf8(file, linesBefore);
  }
  if (tail !== '') yield tail;
}

const BOM = 0xfeff;

/**
 * A byte-order mark where it does not belong: right after the file's own (line 1), or at the start
 * of a later line (files joined together, each with its BOM). Text would keep it as part of a name.
 */
export function strayBom(file: string, line: number): InputError {
  return line === 1
    ? new InputError({ file, line }, undefined, 'begins with two byte-order marks (EF BB BF EF BB BF)', 'save the file as UTF-8 with one BOM or none')
    : new InputError({ file, line }, undefined, 'begins with a byte-order mark (EF BB BF) that is not at the start of the file', 'remove it: a file joined onto another keeps its BOM');
}

/** Whether a text begins with a byte-order mark (U+FEFF). */
export function startsWithBom(text: string): boolean {
  return text.charCodeAt(0) === BOM;
}

export function invalidUtf8(file: string, line: number): InputError {
  return new InputError({ file, line }, undefined, 'is not valid UTF-8', 're-export the file as UTF-8');
}

function countNewlines(bytes: Uint8Array, end: number): number {
  let lines = 0;
  for (let i = 0; i < end; i++) if (bytes[i] === 0x0a) lines++;
  return lines;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** The bytes at the end of a chunk that start a multi-byte sequence not yet complete (at most 3). */
function trailingIncomplete(chunk: Uint8Array): Uint8Array {
  for (let back = 1; back <= Math.min(3, chunk.length); back++) {
    const byte = chunk[chunk.length - back]!;
    if ((byte & 0xc0) === 0x80) continue;
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return need > back ? chunk.subarray(chunk.length - back) : new Uint8Array(0);
  }
  return new Uint8Array(0);
}

/** Offset of the first byte that does not begin a valid UTF-8 sequence (or the length if all are valid). */
export function firstInvalidOffset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    if (i + need > bytes.length - 1) return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k]!;
      if ((c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return i;
}
