/**
 * Debian's Chromium, as the webview tests, the panel benchmark and the end-to-end suite launch
 * it: installed by .ci/run (or CHROMIUM_PATH), with the flags CI uses.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
