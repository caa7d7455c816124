import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The documentation's examples are the binary's real output. In README.md and docs/*.md, a fenced
 * block tagged `console` is checked: each line that begins with `$ ` is a command, and the lines
 * after it, up to the next command, are exactly what it prints on standard output (trailing
 * whitespace at the end aside). A block tagged `sh` holds commands that are not checked (output
 * that depends on a terminal, a clock or files the repository does not have). Every relative link
 * must lead to a file that exists, and a link to a heading (`page.md#heading`) to a heading there.
 */
const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/tallyman.js');
const PAGES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];

interface Block { page: string; line: number; lang: string; lines: string[] }
interface Step { command: string; expected: string }

/** The fenced code blocks of a Markdown page, with the line of each opening fence. */
function blocksOf(page: string): Block[] {
  const blocks: Block[] = [];
  let open: Block | undefined;
  readFileSync(join(ROOT, page), 'utf8').split('\n').forEach((text, i) => {
    const fence = /^```(\S*)/.exec(text);
    if (open === undefined && fence) open = { page, line: i + 1, lang: fence[1] ?? '', lines: [] };
    else if (open !== undefined && /^```\s*$/.test(text)) { blocks.push(open); open = undefined; }
    else open?.lines.push(text);
  });
  expect(open, `${page}: a code block opened at line ${open?.line} is never closed`).toBeUndefined();
  return blocks;
}

/** A console block as commands, each with the output shown under it. */
function stepsOf(block: Block): Step[] {
  const steps: Step[] = [];
  for (const text of block.lines) {
    if (text.startsWith('$ ')) steps.push({ command: text.slice(2), expected: '' });
    else if (steps.length === 0) throw new Error(`${block.page}:${block.line}: a console block must begin with a "$ " command`);
    else steps[steps.length - 1]!.expected += `${text}\n`;
  }
  return steps;
}

/** A command as the shell runs it: a leading `npx tallyman` or `tallyman` is the built binary. */
function shellOf(command: string): string {
  return command.replace(/^(npx )?tallyman(?= |$)/, `"${process.execPath}" "${BIN}"`);
}

// Two commands at a time: the suite's other files share this machine's two cores, some of them timed.
const SLOTS = 2;
const waiting: (() => void)[] = [];
let running = 0;

/** One command through `/bin/sh`, with what it printed on each stream. */
async function runOne(command: string, cwd: string): Promise<{ out: string; err: string }> {
  if (running < SLOTS) running++;
  else await new Promise<void>((resolve) => waiting.push(resolve)); // a finished command hands over its slot
  try {
    return await spawnOne(command, cwd);
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

function spawnOne(command: string, cwd: string): Promise<{ out: string; err: string }> {
  const env = { PATH: process.env.PATH ?? '', NO_COLOR: '1', TZ: 'UTC', LANG: 'C.UTF-8' };
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', shellOf(command)], { cwd, env });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
    child.on('error', reject);
    child.on('close', () => resolve({ out, err }));
  });
}

/**
 * Runs one block's commands in order in a fresh folder that sees the repository's `fixtures/` and
 * `examples/` (files a command writes, such as `> before.json`, land there, never in the
 * repository), with no colour, in UTC, without the caller's terminal width.
 */
async function run(steps: Step[]): Promise<{ out: string; err: string }[]> {
  const cwd = mkdtempSync(join(tmpdir(), 'tallyman-docs-'));
  for (const dir of ['fixtures', 'examples']) symlinkSync(join(ROOT, dir), join(cwd, dir));
  try {
    const outputs = [];
    for (const step of steps) outputs.push(await runOne(step.command, cwd));
    return outputs;
  } finally {
    rmSync(cwd, { recursive: true, force: true }); // removes the links, never what they lead to
  }
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchorOf(heading: string): string {
  return heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');
}

/** The anchors of a page's headings (outside code blocks), a repeated one numbered as GitHub does. */
function anchorsOf(page: string): Set<string> {
  const anchors = new Set<string>();
  let inCode = false;
  for (const text of readFileSync(join(ROOT, page), 'utf8').split('\n')) {
    if (text.startsWith('```')) inCode = !inCode;
    const heading = /^#{1,6} (.*)$/.exec(text);
    if (inCode || !heading) continue;
    const base = anchorOf(heading[1]!);
    let anchor = base;
    for (let n = 1; anchors.has(anchor); n++) anchor = `${base}-${n}`;
    anchors.add(anchor);
  }
  return anchors;
}

/** A page's Markdown links and images outside code blocks and code spans, with their line. */
function linksOf(page: string): { target: string; line: number }[] {
  const links: { target: string; line: number }[] = [];
  let inCode = false;
  readFileSync(join(ROOT, page), 'utf8').split('\n').forEach((text, i) => {
    if (text.startsWith('```')) inCode = !inCode;
    if (inCode) return;
    for (const match of text.replace(/`[^`]*`/g, '').matchAll(/\]\(([^)\s]+)\)/g)) links.push({ target: match[1]!, line: i + 1 });
  });
  return links;
}

const consoleBlocks = PAGES.flatMap(blocksOf).filter((b) => b.lang === 'console');

describe('the documentation', () => {
  it('has its examples where the checks find them', () => {
    expect(consoleBlocks.length).toBeGreaterThanOrEqual(15);
    for (const page of PAGES) {
      for (const block of blocksOf(page)) {
        const commands = block.lines.some((text) => text.startsWith('$ '));
        // A command line outside a console or sh block would be an example nobody checks by mistake.
        if (commands) expect(['console', 'sh'], `${page}:${block.line}: a block with "$ " commands is tagged console (checked) or sh (not)`).toContain(block.lang);
      }
    }
  });

  it.each(PAGES)('%s links only to files and headings that exist', (page) => {
    for (const { target, line } of linksOf(page)) {
      if (/^[a-z]+:/.test(target)) continue;
      const [path, anchor] = target.split('#') as [string, string | undefined];
      const file = path === '' ? page : relative(ROOT, join(ROOT, dirname(page), path));
      expect(existsSync(join(ROOT, file)), `${page}:${line}: ${target} leads to no file`).toBe(true);
      if (anchor !== undefined && file.endsWith('.md')) expect([...anchorsOf(file)], `${page}:${line}: ${target} leads to no heading`).toContain(anchor);
    }
  });

  describe.concurrent('examples print what they show', () => {
    it.each(consoleBlocks.map((b) => [`${b.page}:${b.line}`, b] as const))('%s', async (_, block) => {
      const steps = stepsOf(block);
      const outputs = await run(steps);
      steps.forEach((step, i) => {
        const { out, err } = outputs[i]!;
        const where = `${block.page}:${block.line}: $ ${step.command}`;
        expect(out.trimEnd(), where).toBe(step.expected.trimEnd());
        expect(err, `${where}: a stack trace`).not.toMatch(/\n\s+at /);
      });
    });
  });
});
