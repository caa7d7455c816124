import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findProduct, versionAt } from '../../src/rates/card.js';
import { builtinCardNames, loadCard } from '../../src/rates/load.js';
import { cardJsonSchema } from '../../src/rates/schema.js';
import { CardError } from '../../src/util/errors.js';

function problems(spec: string): string[] {
  try {
    loadCard(spec);
  } catch (error) {
    expect(error).toBeInstanceOf(CardError);
    return (error as Error).message.split('\n');
  }
  throw new Error('expected a CardError');
}

const dir = mkdtempSync(join(tmpdir(), 'tallyman-cards-'));
function card(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('built-in cards', () => {
  it('all load, and assemblyai has one version per published change', () => {
    expect(builtinCardNames()).toEqual(['assemblyai', 'tencent-asr', 'credits-example']);
    const aai = loadCard('assemblyai');
    expect(aai.versions.map((v) => v.label)).toEqual(['2025-04-23', '2025-06-02', '2025-09-23', '2026-02-03', '2026-03-04', '2026-04-01', '2026-07-01', '2026-07-14', '2026-08-01', '2026-09-02']);
    expect(new Set(aai.versions.map((v) => v.hash)).size).toBe(10);
  });

  it('hashes are stable: the same content gives the same hash on every load', () => {
    expect(loadCard('assemblyai').versions.map((v) => v.hash)).toEqual(loadCard('assemblyai').versions.map((v) => v.hash));
  });

  it('a hash covers prices, not descriptions: a new description keeps it, a new price changes it', () => {
    const base = 'products:\n  - { id: p, kind: transcript, models: { m: "0.10" } }\n';
    const a = loadCard(card('h1.yaml', `name: h\ndescription: one\n${base}`)).versions[0]!.hash;
    const b = loadCard(card('h2.yaml', `name: h\ndescription: two\nsource: somewhere\nprovider: Someone\n${base}`)).versions[0]!.hash;
    const c = loadCard(card('h3.yaml', `name: h\n${base.replace('0.10', '0.11')}`)).versions[0]!.hash;
    expect(b).toBe(a);
    expect(c).not.toBe(a);
  });

  it('legacy names route: best → universal-3-pro and nano → universal-2 from 2026-02-03, streaming max 3 h', () => {
    const aai = loadCard('assemblyai');
    const v = versionAt(aai, Date.UTC(2026, 4, 1))!;
    expect(findProduct(v, 'transcript', 'best')!.model).toBe('universal-3-pro');
    expect(findProduct(v, 'transcript', 'nano')!.model).toBe('universal-2');
    const stream = findProduct(v, 'stream', undefined)!;
    expect(stream.product.kind === 'stream' && stream.product.maxSessionMs).toBe(10_800_000);
    const old = versionAt(aai, Date.UTC(2025, 4, 1))!;
    expect(findProduct(old, 'transcript', 'nano')!.model).toBe('nano');
  });

  it('Tencent has four services with five daily volume tiers each', () => {
    const t = loadCard('tencent-asr');
    const models = t.versions[0]!.products.flatMap((p) => [...p.models.entries()]);
    expect(models.map(([m]) => m)).toEqual(['realtime', 'realtime-large', 'file', 'file-large']);
    for (const [, plan] of models) expect(plan).toMatchObject({ type: 'tiered', mode: 'volume', period: 'day', tiers: { length: 5 } });
  });
});

describe('validation', () => {
  it('reports every problem with its JSON path and line (YAML)', () => {
    expect(problems('fixtures/cards/broken.yaml')).toEqual([
      'fixtures/cards/broken.yaml:8: products[0].models.negative: must be a non-negative decimal such as "0.37"',
      'fixtures/cards/broken.yaml:15: products[0].models.tiered.tiers.table[1].up_to: tiers out of order or overlapping: 100 is not above the tier before',
      'fixtures/cards/broken.yaml:16: products[0].models.tiered.tiers.table[2].up_to: the last tier must be open (up_to: null)',
      'fixtures/cards/broken.yaml:17: products[0].colour: is not a known key (check its spelling)',
    ]);
  });

  it('reports JSON problems with lines too, and refuses duplicate keys and malformed prices', () => {
    const path = card('bad.json', '{\n  "name": "x",\n  "products": [\n    { "id": "p", "kind": "transcript", "models": { "m": "0x1f" } }\n  ]\n}\n');
    expect(problems(path)).toEqual([`${path}:4: products[0].models.m: must be a non-negative decimal such as "0.37"`]);
    const dup = card('dup.json', '{ "name": "x", "name": "y", "products": [] }');
    expect(problems(dup)[0]).toMatch(/:1: name: is given twice in one mapping/);
  });

  it('keeps YAML numbers as their text: 0.10 is the decimal 0.10, never the float 0.1', () => {
    const path = card('yaml-num.yaml', 'name: y\nproducts:\n  - { id: p, kind: transcript, models: { m: 0.10 } }\n');
    const plan = loadCard(path).versions[0]!.products[0]!.models.get('m');
    expect(plan).toMatchObject({ type: 'flat' });
    expect((plan as { rate: { toString(): string } }).rate.toString()).toBe('0.1');
  });

  it('reports incomplete products after merging, and aliases to nothing', () => {
    const path = card('incomplete.yaml', 'name: y\nproducts:\n  - id: p\n    models: { m: "1" }\n    aliases: { old: gone }\n');
    expect(problems(path)).toEqual([
      `${path}: products[0].kind: product "p" needs a kind (transcript, stream or llm)`,
      `${path}: products[0].aliases.old: points to "gone", which this product does not price`,
    ]);
  });

  it('a file that is not a card at all says so', () => {
    expect(problems('fixtures/quickstart.csv')).toEqual(['fixtures/quickstart.csv:1: (root): the file is not a JSON or YAML object of settings (is it the right file?)']);
    expect(problems('fixtures/no-such-card.yaml')).toEqual(['fixtures/no-such-card.yaml: (root): cannot read the file: no such file']);
  });

  it('an unknown built-in name says which exist', () => {
    expect(problems('assembly')[0]).toContain('no built-in card of that name (built-in: assemblyai, tencent-asr, credits-example)');
  });

  it('exports a JSON Schema that names the card fields', () => {
    const schema = cardJsonSchema() as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['name', 'products', 'versions', 'extends', 'rounding']));
    expect(schema.required).toContain('name');
  });
});

describe('built-in cards opened for a run', () => {
  it('resolve exactly as the validating loader resolves them (prices, hashes, limits), without it', async () => {
    const { openCard } = await import('../../src/rates/open.js');
    const { loadCard, builtinCardNames } = await import('../../src/rates/load.js');
    for (const name of builtinCardNames()) {
      const validated = loadCard(name);
      const opened = await openCard(name);
      expect(opened, name).toEqual(validated);
      expect(opened.versions.map((v) => v.hash)).toEqual(validated.versions.map((v) => v.hash));
    }
  });
});

describe('cards that contradict themselves are refused with the path', () => {
  const refusal = (name: string, text: string): string => {
    try {
      loadCard(card(name, text));
    } catch (error) {
      return (error as Error).message;
    }
    return 'accepted';
  };

  it('max_session of 0, a discount over 100 %, a date that does not exist', () => {
    expect(refusal('max0.yaml', 'name: x\nproducts:\n  - { id: s, kind: stream, max_session: 0, models: { m: "0.1" } }\n')).toContain('products[0].max_session: must be more than 0 seconds');
    expect(refusal('disc.yaml', 'name: x\ndiscount: "120%"\nproducts:\n  - { id: p, kind: transcript, models: { m: "0.1" } }\n')).toContain('discount: must be at most 100%');
    expect(refusal('feb30.yaml', 'name: x\neffective_from: "2026-02-30"\nproducts:\n  - { id: p, kind: transcript, models: { m: "0.1" } }\n')).toContain('effective_from: is not a date that exists');
    expect(refusal('month13.yaml', 'name: x\nproducts:\n  - { id: p, kind: transcript, models: { m: "0.1" } }\nversions:\n  - { effective_from: "2026-13-01" }\n')).toContain('is not a date that exists');
  });

  it('two products with one id, one model priced in two products of a kind', () => {
    expect(refusal('ids.yaml', 'name: x\nproducts:\n  - { id: p, kind: transcript, models: { a: "0.1" } }\n  - { id: p, kind: stream, models: { b: "0.1" } }\n'))
      .toContain('products[1].id: "p" is the id of another product too');
    expect(refusal('model2.yaml', 'name: x\nproducts:\n  - { id: p, kind: transcript, models: { a: "0.1" } }\n  - { id: q, kind: transcript, models: { a: "0.2" } }\n'))
      .toContain('products[1].models.a: transcript model "a" is priced by product "p" too');
    // The same name in products of two kinds is two models: accepted.
    expect(refusal('kinds.yaml', 'name: x\nproducts:\n  - { id: p, kind: transcript, models: { a: "0.1" } }\n  - { id: q, kind: stream, models: { a: "0.2" } }\n')).toBe('accepted');
  });
});

describe('hostile settings files', () => {
  it('a card that is not a regular file (a device that never ends) is refused before it is read', () => {
    expect(() => loadCard('/dev/zero')).toThrow(/\/dev\/zero: \(root\): is not a regular file/);
    expect(() => loadCard(card('extends-zero.yaml', 'name: x\nextends: /dev/zero\n'))).toThrow(/is not a regular file/);
  });

  it('a YAML alias bomb is refused, not expanded', () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    lines.push('name: x');
    expect(() => loadCard(card('bomb.yaml', `${lines.join('\n')}\n`))).toThrow(/at most 1000 alias expansions/);
  });
});

describe('numeric card settings within bounds', () => {
  it('rounding to more than 12 decimals, an increment past a day, a maximum session past a week are refused', () => {
    const refused = (name: string, text: string): string => {
      try {
        loadCard(card(name, text));
        return 'accepted';
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(refused('scale.yaml', 'name: x\nrounding: { scale: 100000000, mode: half-up }\nproducts:\n  - { id: p, kind: transcript, models: { m: "0.1" } }\n')).toContain('rounding.scale: must be at most 12 decimals');
    expect(refused('inc.yaml', 'name: x\nproducts:\n  - { id: p, kind: transcript, increment: 1000000000000000, models: { m: "0.1" } }\n')).toContain('products[0].increment: must be at most 86400 seconds');
    expect(refused('cap.yaml', 'name: x\nproducts:\n  - { id: s, kind: stream, max_session: 99999999999, models: { m: "0.1" } }\n')).toContain('products[0].max_session: must be at most 604800 seconds');
  });
});
