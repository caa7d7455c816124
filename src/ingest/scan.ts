import { MAX_CSV_RECORD, MAX_FIELD } from './limits.js';
import { openSource } from './open.js';
import { FileWindow } from './window.js';

const COMMA = 44;
const QUOTE = 34;
const CR = 13;
const LF = 10;

/** What the byte scanner does with a CSV's rows. */
export interface RowSink {
  /** The header row, as text (ASCII: anything else is handed over before the header). */
  header(names: string[]): void;
  /**
   * A row of as many fields as the header: field i is `bytes[starts[i], ends[i])`, ASCII without
   * quotes. `spaced` when some byte is a space or a control character (so a field may need trimming),
   * or the row is longer than a field may be: such a row is read the text way.
   * The arrays are reused for the next row: read them now.
   */
  row(bytes: Uint8Array, starts: Int32Array, ends: Int32Array, line: number, spaced: boolean): void;
  /** Bytes of the file read so far. */
  progress?(bytes: number): void;
  /** Called before the buffer the rows point into is reused: anything kept from it must be read now. */
  flush?(): void;
}

/** Where the scanner stopped and the text reader carries on: the first row it would not take. */
export interface Handover {
  offset: number;
  line: number;
  /** False when even the header was left to the text reader (then offset and line are the file's start). */
  afterHeader: boolean;
}

/** A part of a file to scan: from `start` (a row's first byte, on `line`) to `end` (just after a line break). */
export interface ScanRange {
  start: number;
  end: number;
  line: number;
  /** The header's width, when the header was read before `start`. */
  width: number;
}

/** How a scan ended: where it handed over, if it did, and the line after its last row. */
export interface ScanResult {
  handover: Handover | undefined;
  line: number;
}

/**
 * Scans a CSV file byte by byte through one reused buffer of a MiB, giving each row's fields as byte
 * ranges without making a string or an object per row. It takes the plain rows that make up almost
 * every machine-written log: ASCII, no quotes, LF or CRLF line ends, as many fields as the header.
 * At the first row that is anything else (a quote, a byte of a multi-byte character, a lone CR, a
 * ragged row) it stops and says where, so that the text reader, which knows all of CSV and says what
 * is wrong and where, reads the rest. `range` limits it to a part of the file (for worker threads).
 */
export async function scanCsvFile(path: string, sink: RowSink, range?: ScanRange): Promise<ScanResult> {
  const source = await openSource(path);
  try {
    const window = new FileWindow(source, range?.start ?? 0, range?.end);
    let line = range?.line ?? 1;
    let width = range?.width ?? -1;
    let starts = new Int32Array(32);
    let ends = new Int32Array(32);
    for (;;) {
      let pos = await window.read(sink.progress);
      const { buffer, filled, eof, base } = window;
      const bytes: Uint8Array = buffer;
      while (pos < filled) {
        let p = pos;
        let field = 0;
        let spaced = false;
        let stop = false;
        let end = -1;
        let next = -1;
        starts[0] = p;
        for (; p < filled; p++) {
          const c = bytes[p]!;
          if (c > 32 && c < 127 && c !== COMMA && c !== QUOTE) continue;
          if (c === COMMA) {
            ends[field] = p;
            field++;
            if (field === starts.length) {
              if (width !== -1) {
                stop = true; // wider than the header
                break;
              }
              [starts, ends] = [grown(starts), grown(ends)];
            }
            starts[field] = p + 1;
          } else if (c === LF) {
            end = p;
            next = p + 1;
            break;
          } else if (c === CR) {
            if (p + 1 < filled) {
              if (bytes[p + 1] === LF) {
                end = p;
                next = p + 2;
              } else stop = true;
              break;
            }
            if (eof) stop = true;
            break;
          } else if (c === QUOTE || c >= 128) {
            stop = true;
            break;
          } else {
            spaced = true;
          }
        }
        if (!stop && end === -1) {
          if (!eof && filled - pos <= MAX_CSV_RECORD) break; // the row goes on in the next read
          end = filled;
          next = filled;
        }
        // A row past the bound, or one longer than a field may be: the text reader says which is wrong.
        if (end - pos > MAX_CSV_RECORD) stop = true;
        else if (end - pos > MAX_FIELD) spaced = true;
        if (stop || (width !== -1 && field + 1 !== width)) {
          return { handover: { offset: base + pos, line, afterHeader: width !== -1 }, line };
        }
        ends[field] = end;
        pos = next;
        if (end > starts[0]!) {
          if (width === -1) {
            width = field + 1;
            if (starts.length < width + 1) [starts, ends] = [grown(starts), grown(ends)];
            const names: string[] = [];
            for (let i = 0; i < width; i++) names.push(buffer.toString('latin1', starts[i], ends[i]));
            sink.header(names);
          } else {
            sink.row(bytes, starts, ends, line, spaced);
          }
        }
        // An empty line is skipped, as the text reader does.
        line++;
      }
      if (eof && pos >= filled) return { handover: width === -1 ? { offset: 0, line: 1, afterHeader: false } : undefined, line };
      sink.flush?.();
      window.keep(pos);
    }
  } finally {
    await source.close();
  }
}

function grown(array: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const bigger = new Int32Array(array.length * 2);
  bigger.set(array);
  return bigger;
}
