// @duckdb/node-api for the bench's DuckDB scripts: the project's optional dependency where it is
// installed, else the bench's own copy (bench/.deps, installed by bench/run.js).
import { createRequire } from 'node:module';
import { join } from 'node:path';

const resolve = (from) => {
  try {
    return createRequire(from).resolve('@duckdb/node-api');
  } catch {
    return undefined;
  }
};

export const { DuckDBInstance } = await import(resolve(join(process.cwd(), 'package.json')) ?? resolve(join(process.cwd(), 'bench', '.deps', 'package.json')));
