#!/usr/bin/env node
// The command runs the compiled dist/. A dist/ that is missing or incomplete (no build yet, or one
// stopped midway by an older way of building) is one line and exit 2, never a stack trace:
// `npm run build` writes dist/build.json last, once every file is in place.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const FIX = 'tallyman: dist/ is missing or incomplete: run npm run build';
if (!existsSync(new URL('../dist/build.json', import.meta.url))) {
  process.stderr.write(`${FIX}\n`);
  process.exit(2);
}
try {
  await import('../dist/cli.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
  const message = String(error.message);
  // A module of dist/ that is not there (a file removed by hand): the same advice.
  const missing = /^Cannot find module '([^']+)'/.exec(message)?.[1];
  if (missing?.startsWith(fileURLToPath(new URL('../dist/', import.meta.url)))) process.stderr.write(`${FIX}\n`);
  else {
    const name = /^Cannot find package '([^']+)'/.exec(message)?.[1];
    if (name === undefined) throw error;
    process.stderr.write(`tallyman: the package ${name} is not installed: run npm install\n`);
  }
  process.exitCode = 2;
}
