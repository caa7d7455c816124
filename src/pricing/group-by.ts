import { DIMENSIONS, type Dimension } from './dimensions.js';
import { UsageError } from '../util/errors.js';

/** Parses `--group-by a,b`; `product` and `model` are accepted (lines are always split by them). */
export function parseGroupBy(text: string | undefined): Dimension[] {
  if (text === undefined || text === '') return [];
  const dims: Dimension[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    if (part === 'product' || part === 'model') continue;
    if (!(DIMENSIONS as readonly string[]).includes(part)) {
      throw new UsageError(`--group-by: "${part}" is not one of product, model, ${DIMENSIONS.join(', ')}`);
    }
    if (!dims.includes(part as Dimension)) dims.push(part as Dimension);
  }
  return dims;
}
