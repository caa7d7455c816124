// Debian's Chromium, started for headless use on these machines (shared by the browser tests and
// `npm run screenshots`): the flags keep it from reaching for the network, which is closed here.
import { chromium } from 'playwright-core';

/** The browser's path: CHROMIUM_PATH, else Debian's. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** A headless Chromium with its own profile in `profile` (a new empty folder). */
export function launchChromium(profile, viewport) {
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    viewport,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
