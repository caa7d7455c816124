import { getSystemErrorMap } from 'node:util';

/** Where a record came from: the file (or `-`) and its line (CSV/NDJSON line, or JSON array index). */
export interface SourceRef {
  file: string;
  line: number;
  /** In a JSON array: the element's index (0-based). */
  index?: number | undefined;
}

/** `file:line`, with the array index where there is one: `log.json:14 [3]`. */
export function formatRef(ref: SourceRef): string {
  return `${ref.file}:${ref.line}${ref.index === undefined ? '' : ` [${ref.index}]`}`;
}

/** Bad usage data: carries file, line and field so the message can point at the fix. Exit 2. */
export class InputError extends Error {
  constructor(
    readonly ref: SourceRef | undefined,
    readonly field: string | undefined,
    readonly problem: string,
    readonly hint?: string,
  ) {
    super(formatInputMessage(ref, field, problem, hint));
    this.name = 'InputError';
  }
}

/** A broken rate card or account file: carries the JSON path and the line in the file. Exit 2. */
export class CardError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly { path: string; line?: number; message: string }[],
  ) {
    super(
      problems
        .map((p) => oneLine(`${file}${p.line === undefined ? '' : `:${p.line}`}: ${p.path || '(root)'}: ${p.message}`))
        .join('\n'),
    );
    this.name = 'CardError';
  }
}

/** Bad command-line usage (unknown zone, bad flag value). Exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';

  constructor(message: string) {
    super(oneLine(message));
  }
}

/** Errors a user can fix; the CLI prints their message as is, without a stack. */
export function isExpectedError(error: unknown): error is InputError | CardError | UsageError {
  return error instanceof InputError || error instanceof CardError || error instanceof UsageError;
}

function formatInputMessage(ref: SourceRef | undefined, field: string | undefined, problem: string, hint?: string): string {
  const where = ref ? `${formatRef(ref)}: ` : '';
  const what = field ? `field "${field}": ` : '';
  return oneLine(`${where}${what}${problem}${hint ? ` (${hint})` : ''}`);
}

const ESCAPES: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * A message kept on one line: a line break or another control character that came in with a value
 * or a file name (a quoted CSV field, a JSON parser's excerpt) is written as its escape, `\n`.
 */
export function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]/g, (c) => ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Why a system call failed, as the system says it ("no space left on device"), without the call and path. */
export function reasonOf(error: unknown): string {
  const errno = (error as NodeJS.ErrnoException).errno;
  return (errno === undefined ? undefined : getSystemErrorMap().get(errno)?.[1]) ?? (error as Error).message;
}
