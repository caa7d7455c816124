import { assemblyai } from './assemblyai.js';
import { creditsExample } from './credits.js';
import { tencentAsr } from './tencent.js';

/** The built-in cards by name, as raw documents validated like any card file. */
export const BUILTIN_CARDS: Readonly<Record<string, unknown>> = {
  assemblyai,
  'tencent-asr': tencentAsr,
  'credits-example': creditsExample,
};

/** The card used when `--rates` is not given. */
export const DEFAULT_CARD = 'assemblyai';
