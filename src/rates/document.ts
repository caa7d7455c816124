import { readFileSync, statSync } from 'node:fs';
import { LineCounter, Scalar, isNode, isPair, isScalar, isSeq, parseDocument, visit, type Document } from 'yaml';
import type { z } from 'zod';
import { CardError } from '../util/errors.js';

/** Settings files (cards, accounts, configs, usage files) are small: past this they are refused. */
const MAX_SETTINGS_BYTES = 16 << 20;
/** YAML aliases expanded per document at most. */
const MAX_ALIASES = 1000;

/** A parsed JSON or YAML file whose numbers are kept as their source text, with a way back to lines. */
export interface SourceDocument {
  file: string;
  value: unknown;
  /** The 1-based line of the node at a JSON path, where it exists. */
  lineOf(path: readonly PropertyKey[]): number | undefined;
}

/**
 * Reads a JSON or YAML file strictly: duplicate keys are errors, and numbers become their source
 * text (`0.10` stays "0.10") so that no price ever passes through binary floating point.
 */
export function readSourceDocument(file: string, text?: string): SourceDocument {
  let source: string;
  try {
    if (text === undefined) {
      // A device or a pipe (`/dev/zero`) would be read for ever; a settings file is small.
      const info = statSync(file);
      if (!info.isFile()) throw new CardError(file, [{ path: '', message: 'is not a regular file (a card, account or config is a JSON or YAML file)' }]);
      if (info.size > MAX_SETTINGS_BYTES) throw new CardError(file, [{ path: '', message: `is ${info.size} bytes: a settings file is at most ${MAX_SETTINGS_BYTES} bytes` }]);
    }
    source = text ?? readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof CardError) throw error;
    throw new CardError(file, [{ path: '', message: `cannot read the file: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}` }]);
  }
  // One BOM is read as YAML reads it; a second would become part of the first key.
  if (source.startsWith('\uFEFF\uFEFF')) {
    throw new CardError(file, [{ path: '', line: 1, message: 'begins with two byte-order marks (EF BB BF EF BB BF): save the file as UTF-8 with one BOM or none' }]);
  }
  const lineCounter = new LineCounter();
  // logLevel error: the yaml package never writes a warning to standard error (each problem is ours to say).
  const doc = parseDocument(source, { lineCounter, uniqueKeys: true, prettyErrors: false, logLevel: 'error' });
  if (doc.errors.length > 0) {
    throw new CardError(
      file,
      doc.errors.map((e) => {
        const line = lineCounter.linePos(e.pos[0]).line;
        const repeated = e.code === 'DUPLICATE_KEY' ? keyPathAt(doc, e.pos[0]) : undefined;
        if (repeated) return { path: formatPath(repeated), line, message: 'is given twice in one mapping (only one value would be kept: remove or rename one)' };
        return { path: '', line, message: e.message.split('\n')[0]! };
      }),
    );
  }
  const odd = oddKey(doc);
  if (odd !== undefined) {
    throw new CardError(file, [{ path: '', line: odd < 0 ? undefined : lineCounter.linePos(odd).line, message: 'has a key that is a mapping, a list, null or binary: a key is a name' }]);
  }
  keepNumbersAsText(doc);
  let value: unknown;
  try {
    // Aliases expanded at most MAX_ALIASES times (a "billion laughs" document is refused, not expanded).
    value = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (error) {
    throw new CardError(file, [{ path: '', message: `${(error as Error).message.split('\n')[0]} (at most ${MAX_ALIASES} alias expansions)` }]);
  }
  return {
    file,
    value,
    lineOf(path) {
      const node = doc.getIn(path as unknown[], true);
      return isNode(node) && node.range ? lineCounter.linePos(node.range[0]).line : undefined;
    },
  };
}

/**
 * Where the first map key that is not a name (a mapping, a list, null, `!!binary`) starts, -1 when it has no
 * place, or undefined: such a key would be made a text of its own (`"{ a: b }"`) with a warning.
 */
function oddKey(doc: Document): number | undefined {
  let found: number | undefined;
  visit(doc, {
    Pair(_key, pair) {
      if (isScalar(pair.key) && typeof pair.key.value !== 'object') return undefined;
      found = isNode(pair.key) && pair.key.range ? pair.key.range[0] : isNode(pair.value) && pair.value.range ? pair.value.range[0] : -1;
      return visit.BREAK;
    },
  });
  return found;
}

/** The path of the map key that starts at `offset` (`products[0].id`), where there is one. */
function keyPathAt(doc: Document, offset: number): PropertyKey[] | undefined {
  let found: PropertyKey[] | undefined;
  visit(doc, {
    Pair(_key, pair, ancestors) {
      if (!isScalar(pair.key) || pair.key.range?.[0] !== offset) return undefined;
      const chain = [...ancestors, pair];
      found = [];
      chain.forEach((node, i) => {
        const child = chain[i + 1];
        if (isSeq(node)) found!.push(node.items.indexOf(child as never));
        else if (isPair(node) && child !== undefined && child === node.value) found!.push(String(isScalar(node.key) ? node.key.value : node.key));
      });
      found.push(String(pair.key.value));
      return visit.BREAK;
    },
  });
  return found;
}

function keepNumbersAsText(doc: Document): void {
  visit(doc, {
    Scalar(_key, node: Scalar) {
      if (typeof node.value === 'number' || typeof node.value === 'bigint') {
        node.value = node.source ?? String(node.value);
      }
    },
  });
}

/** Validates a document against a schema; every problem becomes one CardError line with path and line. */
export function validateDocument<S extends z.ZodType>(doc: SourceDocument, schema: S): z.infer<S> {
  const result = schema.safeParse(doc.value);
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
    return keys.map((key) => {
      const path = key === undefined ? issue.path : [...issue.path, key];
      const message = key === undefined ? describeIssue(issue) : 'is not a known key (check its spelling)';
      return { path: formatPath(path), line: doc.lineOf(path) ?? doc.lineOf(issue.path), message };
    });
  });
  throw new CardError(doc.file, problems);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.path.length === 0) return 'the file is not a JSON or YAML object of settings (is it the right file?)';
  if (issue.code === 'invalid_union') {
    const inner = issue.errors.flat().find((e) => e.code !== 'invalid_type') ?? issue.errors.flat()[0];
    return inner ? describeIssue(inner) : issue.message;
  }
  return issue.message;
}

/** `products[0].models.best` from a JSON path. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`))
    .join('');
}
