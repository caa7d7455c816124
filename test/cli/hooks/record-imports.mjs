// Loaded with `node --import`: records every module the run resolves, one URL a line, in the file
// named by TALLYMAN_IMPORTS (the module loader's resolve hook, run in its own thread).
import { register } from 'node:module';

register(new URL('./record-imports-hook.mjs', import.meta.url), { data: { file: process.env.TALLYMAN_IMPORTS } });
