import { InputError } from '../util/errors.js';

/**
 * Bounds on the pieces of a log, each far above any real one: past them the input is refused with
 * its line, instead of a reader holding it whole (a quote never closed, a file with no line break)
 * until memory or the longest string a JavaScript engine can make runs out.
 */

/** A field's value (an id, a model name, a webhook URL), in characters. */
export const MAX_FIELD = 8 << 10;
/** A CSV record, in characters (bytes for the byte scanner). */
export const MAX_CSV_RECORD = 16 << 20;
/**
 * A JSON value read whole, in characters: an NDJSON line, an element of a JSON array, a document that
 * is not an array (a native transcript object with all its words fits many times over).
 */
export const MAX_JSON_VALUE = 64 << 20;

/** The error of a piece of a log past its bound: `what` is "a record", "a line", ... */
export function tooLong(file: string, line: number, what: string, limit: number, hint: string): InputError {
  return new InputError({ file, line }, undefined, `has ${what} longer than ${limit >> 20} MiB`, hint);
}
