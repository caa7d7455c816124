import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdSet } from '../../src/pricing/idset.js';

describe('IdSet', () => {
  it('finds exactly the ids added before, with where they were first seen, through growth', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 12 }), { maxLength: 3000 }), (ids) => {
        const set = new IdSet(4);
        const first = new Map<string, number>();
        ids.forEach((id, line) => {
          const found = set.addOrFind(id, line % 3, line);
          if (first.has(id)) expect(found).toEqual({ file: first.get(id)! % 3, line: first.get(id)! });
          else {
            expect(found).toBeUndefined();
            first.set(id, line);
          }
        });
      }),
    );
  });

  it('tells a million distinct ids apart', () => {
    const set = new IdSet();
    let clashes = 0;
    for (let i = 0; i < 1_000_000; i++) if (set.addOrFind(`transcript\u0000t${i}`, 0, i) !== undefined) clashes++;
    expect(clashes).toBe(0);
    expect(set.addOrFind('transcript\u0000t999999', 1, 5)).toEqual({ file: 0, line: 999_999 });
  });

  it('keeps file codes past 255 (the one-byte file column widens) and line 0', () => {
    const set = new IdSet(8);
    for (let file = 0; file < 300; file++) expect(set.addOrFind(`llm\u0000x${file}`, file, file === 0 ? 0 : 7)).toBeUndefined();
    expect(set.addOrFind('llm\u0000x0', 5, 9)).toEqual({ file: 0, line: 0 });
    expect(set.addOrFind('llm\u0000x10', 5, 9)).toEqual({ file: 10, line: 7 });
    expect(set.addOrFind('llm\u0000x299', 5, 9)).toEqual({ file: 299, line: 7 });
    expect(set.size).toBe(300);
  });

  it('gives its slots away whole: every id once, with its first line, and is empty after', () => {
    const set = new IdSet(4);
    const ids = Array.from({ length: 500 }, (_, i) => `t${i % 300}`); // 200 repeats
    ids.forEach((id, line) => set.addOrFind(id, 0, line));
    const other = new IdSet(4);
    const list = set.take();
    expect(list.count).toBe(300);
    for (let i = 0; i < list.lines.length; i++) {
      if (list.lines[i] !== 0) other.addOrFindHashed(list.keys[2 * i]!, list.keys[2 * i + 1]!, 0, list.lines[i]! - 1);
    }
    expect(other.size).toBe(300);
    expect(other.addOrFind('t299', 0, 9999)).toEqual({ file: 0, line: 299 });
    expect(other.addOrFind('t300', 0, 9999)).toBeUndefined();
    expect(set.size).toBe(0);
  });
});
