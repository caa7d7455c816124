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
      const described = key === undefined ? describeIssue(issue, true) : { path: [], message: 'is not a known key (check its spelling)' };
      const path = key === undefined ? [...issue.path, ...described.path] : [...issue.path, key];
      // A key that is not there: say so, on the line of the nearest thing that is.
      const missing = key === undefined && path.length > 0 && valueAt(doc.value, path) === undefined;
      const message = !missing || described.message === 'is missing' ? described.message : `is missing (it ${described.message})`;
      return { path: formatPath(path), line: nearestLine(doc, path), message };
    });
  });
  throw new CardError(doc.file, problems);
}

/**
 * What one issue says, and the path below the issue's own it is about (a union's chosen option).
 * Only the document itself (`top`) can be "not an object of settings"; inside a union, the option
 * the value was meant as is the one whose problems are not about its type.
 */
function describeIssue(issue: z.core.$ZodIssue, top: boolean): { path: PropertyKey[]; message: string } {
  if (issue.code === 'invalid_type' && issue.path.length === 0 && top) return { path: [], message: 'the file is not a JSON or YAML object of settings (is it the right file?)' };
  if (issue.code === 'invalid_union') {
    // Options the value is not even the type of (a decimal for an object) say nothing about it.
    const meant = issue.errors.filter((option) => !option.every(typeOnly));
    // Two object options that each refuse only the other's key: the value gives both.
    const onlyExtra = meant.length > 1 && meant.every((option) => option.length === 1 && option[0]!.code === 'unrecognized_keys' && option[0]!.path.length === 0);
    if (onlyExtra) {
      const keys = [...new Set(meant.flatMap((option) => (option[0] as z.core.$ZodIssueUnrecognizedKeys).keys))].sort();
      return { path: [], message: `gives ${keys.join(' and ')} together: give one of them` };
    }
    const best = [...meant].sort((a, b) => a.length - b.length)[0] ?? issue.errors[0];
    const inner = best?.[0];
    if (inner === undefined) return { path: [], message: issue.message };
    if (inner.code === 'unrecognized_keys') return { path: [...inner.path, inner.keys[0]!], message: 'is not a known key (check its spelling)' };
    const described = describeIssue(inner, false);
    return { path: [...inner.path, ...described.path], message: described.message };
  }
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) return { path: [], message: 'is missing' };
  if (issue.code === 'invalid_value' && issue.values.length > 1) return { path: [], message: `must be one of ${issue.values.map(String).join(', ')}` };
  return { path: [], message: issue.message };
}

/** The value at a path of a parsed document, or undefined. */
function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const part of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

/** The line of a path, else of its nearest parent that has one. */
function nearestLine(doc: SourceDocument, path: readonly PropertyKey[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const line = doc.lineOf(path.slice(0, n));
    if (line !== undefined) return line;
  }
  return undefined;
}

/** Whether an issue only says the value is not of a type (itself, or every option of a union): a value of another type, not a wrong one of this. */
function typeOnly(issue: z.core.$ZodIssue): boolean {
  if (issue.path.length !== 0) return false;
  return issue.code === 'invalid_type' || (issue.code === 'invalid_union' && issue.errors.every((option) => option.every(typeOnly)));
}

/** `products[0].models.best` from a JSON path. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`))
    .join('');
}
