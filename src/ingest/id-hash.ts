import { USAGE_KINDS } from './record.js';

/** The duplicate check's key is `kind\0id`, hashed in two parts. */
const KEY_PREFIX = USAGE_KINDS.map((kind) => `${kind}\u0000`);

/** Hashes the duplicate key of an id given as ASCII bytes into `hashed`. */
export function hashIdBytes(kind: number, bytes: Uint8Array, start: number, end: number): void {
  hashKeyBytes(KEY_PREFIX[kind]!, bytes, start, end);
}

/** Hashes the duplicate key of an id given as text into `hashed` (the same hash as its ASCII bytes). */
export function hashIdText(kind: number, id: string): void {
  hashTextKey(KEY_PREFIX[kind]! + id);
}

/**
 * The two hashes of the last key, written here rather than returned so that hashing allocates
 * nothing. A key may be hashed in parts (text, then bytes): each part carries on from the last.
 */
export const hashed = { a: 0, b: 0 };

/** Two independent 32-bit hashes (FNV-1a and a murmur-style mix) of `text`, carried on from `a`, `b`; not yet finalised. */
function hashText(text: string, a: number, b: number): void {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  hashed.a = a;
  hashed.b = b;
}

/**
 * Finishes the hash of `prefix` followed by ASCII bytes `bytes[start, end)`: equal to hashing the
 * whole key as text, so that the byte scanner and the record path share one set.
 */
export function hashKeyBytes(prefix: string, bytes: Uint8Array, start: number, end: number): void {
  hashText(prefix, 0x811c9dc5, 0x9747b28c);
  let { a, b } = hashed;
  for (let i = start; i < end; i++) {
    const c = bytes[i]!;
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  hashed.a = mix(a);
  hashed.b = mix(b ^ (prefix.length + end - start));
}

/** Finishes hashText's state for a whole text key. */
export function hashTextKey(key: string): void {
  hashText(key, 0x811c9dc5, 0x9747b28c);
  hashed.a = mix(hashed.a);
  hashed.b = mix(hashed.b ^ key.length);
}

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
