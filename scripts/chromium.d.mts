import type { BrowserContext } from 'playwright-core';

/** The browser's path: CHROMIUM_PATH, else Debian's. */
export declare const CHROMIUM: string;
/** A headless Chromium with its own profile in `profile` (a new empty folder). */
export declare function launchChromium(profile: string, viewport: { width: number; height: number }): Promise<BrowserContext>;
