import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { repeatedKey } from '../../src/util/json-keys.js';

const check = (text: string) => repeatedKey(text, JSON.parse(text));

describe('repeatedKey: a key JSON.parse would drop', () => {
  it('names the key, its path and line, compared after unescaping', () => {
    expect(check('{"a":1,"a":2}')).toEqual({ path: 'a', first: 'a', second: 'a', line: 1 });
    expect(check('{"a":1,"\\u0061":2}')).toMatchObject({ path: 'a', first: 'a', second: '\\u0061' });
    expect(check('{"x":[1,{"u":{}},{"b":{"c":1,\n"c" : 2}}]}')).toMatchObject({ path: 'x[2].b.c', line: 2 });
    expect(check('{"a\\"":1,"a\\\\":2,"b":{"q":1},"b":2}')).toMatchObject({ path: 'b' });
  });

  it('keys of different objects, strings that only look like keys, and __proto__ are not repeats', () => {
    expect(check('[{"a":1},{"a":2}]')).toBeUndefined();
    expect(check('{"a":{"a":{"a":1}}}')).toBeUndefined();
    expect(check('{"a":"\\"a\\":1","b":["a:",":"]}')).toBeUndefined();
    expect(check('{"__proto__":1,"a":2}')).toBeUndefined();
    expect(check('{"__proto__":1,"__proto__":2}')).toMatchObject({ path: '__proto__' });
  });

  it('walks 50,000 levels without recursion', () => {
    const deep = '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000);
    expect(check(deep)).toBeUndefined();
    const repeated = '[{"a":'.repeat(50_000) + '{"k":1,"k":2}' + '}]'.repeat(50_000);
    expect(check(repeated)?.path.endsWith('.a.k')).toBe(true);
  });

  it('any JSON.stringify text has none; the same text with one key given again has one', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string(), (value, key) => {
        expect(check(JSON.stringify(value))).toBeUndefined();
        const text = JSON.stringify({ [key]: 1, wrapper: value });
        expect(check(`${text.slice(0, -1)},${JSON.stringify(key)}:2}`)).toMatchObject({ path: key });
      }),
      { numRuns: 300 },
    );
  });
});
