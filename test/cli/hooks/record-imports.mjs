// Loaded with `node --import`: records every module the run resolves, one URL a line, in the file
// named by TALLYMAN_IMPORTS (the module loader's resolve hook, run in its own thread).
import { appendFileSync } from 'node:fs';
import Module, { register } from 'node:module';

register(new URL('./record-imports-hook.mjs', import.meta.url), { data: { file: process.env.TALLYMAN_IMPORTS } });

// CommonJS modules loaded by require() (a package required through createRequire, DuckDB's bindings on DuckDB's thread: this
// file is loaded on every thread) are not resolved by the hook above: each is recorded as its file's URL.
const file = process.env.TALLYMAN_IMPORTS;
const load = Module._load;
Module._load = function recorded(request, parent, isMain) {
  const loaded = load.call(this, request, parent, isMain);
  if (file) {
    try {
      appendFileSync(file, `file://${Module._resolveFilename(request, parent, isMain)}\n`);
    } catch {
      // A built-in module, or one resolved another way: not a package's file.
    }
  }
  return loaded;
};
