import type { ByteSource } from './open.js';

const BUFFER_BYTES = 1 << 20;

/**
 * A file read through one reused buffer of a MiB: each read appends to the unfinished record the last
 * one left at the front, and the buffer grows only when one record is longer than it. The byte
 * scanners read their records from `buffer[0, filled)`.
 */
export class FileWindow {
  buffer: Buffer = Buffer.allocUnsafe(BUFFER_BYTES);
  filled = 0;
  eof = false;
  private bomChecked: boolean;

  /** From byte `base` of the file up to `stopAt` (the file's end when not given). */
  constructor(private readonly source: ByteSource, public base = 0, private readonly stopAt = Number.POSITIVE_INFINITY) {
    this.bomChecked = base !== 0;
  }

  /** Reads more; returns where the records start in the buffer (after a UTF-8 BOM at the very start of the file, else 0). */
  async read(progress?: (bytes: number) => void): Promise<number> {
    do {
      if (this.eof) break;
      if (this.filled === this.buffer.length) {
        const bigger = Buffer.allocUnsafe(this.buffer.length * 2);
        this.buffer.copy(bigger, 0, 0, this.filled);
        this.buffer = bigger;
      }
      const room = Math.min(this.buffer.length - this.filled, this.stopAt - (this.base + this.filled));
      const { bytesRead } = room === 0 ? { bytesRead: 0 } : await this.source.read(this.buffer, this.filled, room, this.base + this.filled);
      if (bytesRead === 0) this.eof = true;
      else this.filled += bytesRead;
      // A gzip file's progress is its compressed bytes read, against its size on disk.
      progress?.(this.source.fileBytes?.() ?? this.base + this.filled);
    } while (!this.bomChecked && this.filled < 3);
    if (this.bomChecked) return 0;
    this.bomChecked = true;
    return this.buffer[0] === 0xef && this.buffer[1] === 0xbb && this.buffer[2] === 0xbf ? 3 : 0;
  }

  /** Keeps the bytes from `pos` on (an unfinished record) at the front for the next read. */
  keep(pos: number): void {
    this.buffer.copy(this.buffer, 0, pos, this.filled);
    this.base += pos;
    this.filled -= pos;
  }
}
